"""Build helpers for the convdoc site (a local Sphinx extension, loaded by ``conf.py``).

- The API listing: one autosummary table per ``convdoc`` module, generated from each
  module's ``__all__`` so the reference can never miss (or invent) a public name.
- Reproducible output: ``reset_matplotlib`` (sphinx-gallery's per-example reset) fixes
  SVG and animation ids, and the gallery's zips get ``SOURCE_DATE_EPOCH`` as their
  dates.
- Build errors that say where: a failing code cell of a page is printed with its
  traceback.
- Verbatim quotes of the notes and their sources: the roles ``notes-quote``,
  ``why-blog-quote``, ``cnn-blog-quote`` and ``slides-quote`` (``tests/test_quotes.py``
  checks each one against the seed texts; ``$...$`` inside a quote is rendered as math).
- Every page, every reader: a meta description per page (its first paragraph), and a
  pass over the written pages (``tune_pages``) that defers render-blocking scripts,
  lazy-loads figures below the fold, names the animation player's frame image and
  slider, and moves the animation's frames out of the page into a deferred script.
"""

from __future__ import annotations

import html
import importlib
import importlib.metadata
import importlib.resources
import inspect
import itertools
import os
import re
import sys
import time
import types
import zipfile
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer

import convdoc

#: The package modules, in reading order: the package's own list (one place for it).
MODULES = convdoc.MODULES
#: Where the generated API listing lives, relative to the docs folder (git-ignored).
API_DIR = Path("api", "generated")

ZIP_EPOCH_MIN = 315532800  # 1980-01-01, the earliest date a zip entry can hold


# --- API listing ----------------------------------------------------------------------


def _summary(module) -> str:
    """The first paragraph of a module docstring,
    or a placeholder for an empty module."""
    doc = inspect.getdoc(module) or ""
    return doc.split("\n\n", 1)[0].strip()


def api_listing(toctree: str) -> str:
    """reST for every public name of ``convdoc``, one autosummary table per module."""
    # Names are documented where users call them, ``convdoc.<name>``; the module targets
    # only make :mod:`convdoc.optim`-style references resolve.
    lines = [".. py:module:: convdoc", ""]
    for name in MODULES:
        module = importlib.import_module(f"convdoc.{name}")
        names = list(module.__all__)
        if not names:
            continue
        title = f"``convdoc.{name}``"
        lines += [title, "-" * len(title), "", f".. py:module:: convdoc.{name}", ""]
        lines += [".. currentmodule:: convdoc", "", _summary(module), ""]
        lines += [
            ".. autosummary::",
            f"   :toctree: {toctree}",
            "   :nosignatures:",
            "",
        ]
        lines += [f"   {n}" for n in names] + [""]
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    # Unchanged files keep their mtime, so sphinx-autobuild does not loop on them.
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def write_api_listing(srcdir: Path) -> list[str]:
    """Write the listing twice and return the file autosummary must scan for stubs.

    ``api.rst`` includes ``_listing.rst.inc`` (toctree paths relative to ``api.rst``),
    while autosummary generates the stubs from ``_stubs.rst``, whose toctree paths are
    relative to its own folder: the two copies differ only in that path.
    """
    _write_if_changed(
        srcdir / API_DIR / "_listing.rst.inc", api_listing(API_DIR.as_posix())
    )
    _write_if_changed(srcdir / API_DIR / "_stubs.rst", api_listing("."))
    return [(API_DIR / "_stubs.rst").as_posix()]


def constant_docs(
    app: Sphinx, what: str, name: str, obj, options, lines: list[str]
) -> None:
    """Docstrings of module constants such as ``convdoc.LENET5``.

    A constant is an instance: autodoc, looking for a ``#:`` comment in
    ``convdoc/__init__.py`` (where the name is re-exported), would fall back to its
    class's docstring. Use the comment in the module that defines it instead.
    """
    if what != "data" or not name.startswith("convdoc."):
        return
    short = name.rsplit(".", 1)[1]
    for module in MODULES:
        comment = (
            ModuleAnalyzer.for_module(f"convdoc.{module}")
            .find_attr_docs()
            .get(("", short))
        )
        if comment:
            lines[:] = list(comment)
            return


# --- Gallery --------------------------------------------------------------------------


def reset_matplotlib(gallery_conf, fname) -> None:
    """Fixed SVG ids, so SVG figures are byte-identical from build to build.

    Runs after sphinx-gallery's own matplotlib reset (``plt.rcdefaults()``); PNGs are
    already deterministic, and SVG/PDF dates follow ``SOURCE_DATE_EPOCH``, which ``nox
    -s docs`` sets.
    """
    import matplotlib
    import matplotlib.animation

    matplotlib.rcParams["svg.hashsalt"] = "convdoc"
    # Animations embedded as JavaScript name their HTML elements with uuid4(); number
    # them per example instead, so the pages are identical from build to build.
    counter = itertools.count()
    stem = Path(str(fname)).stem if fname else "example"
    # matplotlib's player links Font Awesome 4 from a CDN for its button
    # icons; the theme already ships Font Awesome (fontawesome.js), which
    # draws the same ``fa fa-*`` icons.
    matplotlib.animation.JS_INCLUDE = re.sub(
        r"<link[^>]*font-awesome[^>]*>\s*", "", matplotlib.animation.JS_INCLUDE
    )
    matplotlib.animation.uuid = types.SimpleNamespace(
        uuid4=lambda: types.SimpleNamespace(hex=f"{stem}_{next(counter)}")
    )


def report_failed_cell(app: Sphinx, exception: Exception | None) -> None:
    """Print the failing cell and its traceback when a page's code stops the build.

    With ``nb_execution_raise_on_error`` myst-nb raises an error naming only the page;
    the cell, its source and the traceback are in the exception's cause, which Sphinx
    would otherwise write only to a temporary log file. In a parallel build (``-j``) the
    error reaches this process as text: the cause is the part of the worker's traceback
    before "The above exception was the direct cause".
    """
    kind = type(exception).__name__
    if kind == "ExecutionError" and exception.__cause__ is not None:
        page, cause = str(exception), str(exception.__cause__)
    elif kind == "SphinxParallelError" and "ExecutionError: " in exception.message:
        page = exception.message.split("ExecutionError: ", 1)[1]
        cause = exception.traceback.split(
            "The above exception was the direct cause", 1
        )[0]
        cause = cause.split("CellExecutionError: ", 1)[-1]
    else:
        return
    text = re.sub(r"\x1b\[[0-9;]*m", "", cause)  # drop the ANSI colours
    sys.stderr.write(f"\nA code cell of {page} failed:\n{text}\n")


def fix_zip_timestamps(app: Sphinx) -> None:
    """Stamp the gallery's zip downloads with
    ``SOURCE_DATE_EPOCH`` instead of file times.

    sphinx-gallery zips freshly written files, so each build's zips would differ in
    their entry dates alone.
    """
    epoch = max(int(os.environ.get("SOURCE_DATE_EPOCH", "0")), ZIP_EPOCH_MIN)
    date_time = time.gmtime(epoch)[:6]
    gallery_dirs = app.config.sphinx_gallery_conf["gallery_dirs"]
    for folder in [gallery_dirs] if isinstance(gallery_dirs, str) else gallery_dirs:
        for path in sorted(Path(app.srcdir, folder).rglob("*.zip")):
            with zipfile.ZipFile(path) as old:
                entries = [(info, old.read(info)) for info in old.infolist()]
            with zipfile.ZipFile(path, "w") as new:
                for info, data in entries:
                    fixed = zipfile.ZipInfo(info.filename, date_time)
                    fixed.compress_type, fixed.external_attr = (
                        info.compress_type,
                        0o644 << 16,
                    )
                    new.writestr(fixed, data)


#: Quote roles, by the source they quote (the names ``tests/test_quotes.py`` looks for).
QUOTE_SOURCES = ("notes", "why-blog", "cnn-blog", "slides")


def _quote_role(source: str):
    """A role that typesets its text as a verbatim
    quote of `source`, in curly quotes."""

    def role(name, rawtext, text, lineno, inliner, options=None, content=None):
        children: list[nodes.Node] = [nodes.Text("\u201c")]
        for part in re.split(r"(\$[^$]+\$)", text):
            if len(part) > 2 and part[0] == part[-1] == "$":
                children.append(nodes.math(part, part[1:-1]))
            elif part:
                children.append(nodes.Text(part))
        children.append(nodes.Text("\u201d"))
        return [
            nodes.inline(
                rawtext, "", *children, classes=["source-quote", f"source-{source}"]
            )
        ], []

    return role


# --- Playground (docs/playground.md) --------------------------------------------------

PLAYGROUND_PAGE = "playground"


def playground_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """Load the playground's script and style on its page only."""
    if pagename == PLAYGROUND_PAGE:
        app.add_css_file("playground.css")
        app.add_js_file("playground.js", defer="defer")


# --- Every page, every reader: search snippets, fast first paint, accessible players --

DESCRIPTION_CHARS = 155  # what search engines show of a description
GENERATED_TITLES = {
    "search": "Search",
    "genindex": "Index",
    "py-modindex": "Module index",
}
SITE_DESCRIPTION = (
    "why convolutional layers beat fully-connected ones, computed with NumPy on every "
    "build"
)


def _description(doctree) -> str:
    """The first substantial paragraph of a page, whitespace
    collapsed, cut at a word near 155 characters."""
    from docutils import nodes

    texts = []
    for para in doctree.findall(nodes.paragraph):
        if para.next_node(nodes.math) is not None:
            continue  # TeX source reads badly in a search snippet
        text = " ".join(para.astext().split())
        if len(text) >= 40:
            texts.append(text)
            break
    if not texts:
        return ""
    text = texts[0]
    if len(text) > DESCRIPTION_CHARS:
        text = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:.") + "…"
    return text


def add_meta_description(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """``<meta name="description">`` on every page: its
    first paragraph, else its title and the site's pitch."""
    text = _description(doctree) if doctree is not None else ""
    if not text:  # generated pages (search, index) and pages without prose
        title = html.unescape(re.sub(r"<[^>]+>", "", context.get("title") or ""))
        title = title or GENERATED_TITLES.get(pagename, pagename)
        text = f"{title}: {app.config.project}, {SITE_DESCRIPTION}."
    context["metatags"] = context.get("metatags", "") + (
        f'\n    <meta name="description" content="{html.escape(text, quote=True)}" />'
    )


#: Scripts that only act once the page has loaded (Sphinx's, the copy button's,
#: search's): with ``defer`` they are fetched in parallel and run in order after
#: parsing, without holding the first paint. ``documentation_options.js`` is tiny and
#: read by inline scripts: it is inlined.
_BLOCKING_SCRIPT = re.compile(r'<script src="([^"]+)"></script>')
_DOC_OPTIONS = re.compile(
    r'<script src="([^"]*_static/documentation_options\.js)(\?[^"]*)?"></script>'
)
_FIGURE = re.compile(r'<img (?![^>]*\bloading=)(?=[^>]*\bsrc="[^"]*_images/)')
# the first figures may be the largest paint: lazy-loading them would delay it
EAGER_FIGURES = 2
_ANIM_IMG = re.compile(r'<img id="(_anim_img[^"]*)">')
_ANIM_SLIDER = re.compile(r'(<input id="_anim_slider[^"]*" type="range")')


def tune_page(text: str, doc_options: str) -> str:
    """One written page, tuned: see :func:`tune_pages`."""
    head, sep, body = text.partition("</head>")
    if not sep:
        return text
    head = _DOC_OPTIONS.sub(lambda m: f"<script>{doc_options.strip()}</script>", head)
    head = _BLOCKING_SCRIPT.sub(r'<script defer src="\1"></script>', head)
    count = itertools.count()
    body = _FIGURE.sub(
        lambda m: m.group(0) if next(count) < EAGER_FIGURES else '<img loading="lazy" ',
        body,
    )
    # matplotlib's JavaScript animation player: its frame image has no text alternative
    # and its slider no label (axe: image-alt, label). The figure is described in the
    # prose around it.
    body = _ANIM_IMG.sub(
        r'<img id="\1" alt="Animation frame (the slider and buttons below step '
        r'through the frames)">',
        body,
    )
    body = _ANIM_SLIDER.sub(r'\1 aria-label="Animation frame"', body)
    return head + sep + body


_ANIM_FRAMES = re.compile(
    r'<script language="javascript">'
    r"(\s*/\* Instantiate the Animation class\. \*/.*?)</script>",
    re.S,
)
_FIRST_FRAME = re.compile(
    r'frames\[0\] = "(data:image/[a-z]+;base64,[^"]+)"'
)  # lines end in "\\"
_IMG_ID = re.compile(r'var img_id = "([^"]+)"')


def externalize_animations(text: str, page: Path, outdir: Path) -> str:
    """Move each JavaScript animation's frames (inline
    base64 PNGs, often hundreds of kB) to a file.

    matplotlib's player writes every frame into the page, so the page cannot paint
    before they have all arrived. As ``_images/<page>-animation-<n>.js``, loaded with
    ``defer``, they arrive after the text; the first frame stays in the page as the
    player's image, so the player is drawn at once, and it starts playing once the other
    frames are there.
    """
    count = itertools.count()
    first_frames: dict[str, str] = {}

    def move(match: re.Match) -> str:
        script = match.group(1)
        first, img = _FIRST_FRAME.search(script), _IMG_ID.search(script)
        if first and img:
            first_frames[img.group(1)] = re.sub(r"\\\s+", "", first.group(1))
        target = outdir / "_images" / f"{page.stem}-animation-{next(count)}.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(script, encoding="utf-8")
        src = os.path.relpath(target, page.parent).replace(os.sep, "/")
        return f'<script defer src="{src}"></script>'

    text = _ANIM_FRAMES.sub(move, text)
    for img_id, src in first_frames.items():
        text = text.replace(f'<img id="{img_id}"', f'<img id="{img_id}" src="{src}"', 1)
    return text


def tune_pages(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite every written page for the reader:
    a faster first paint, accessible players.

    Runs once the HTML is written; deterministic, so two builds stay identical.
    """
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    options = outdir / "_static" / "documentation_options.js"
    doc_options = options.read_text(encoding="utf-8") if options.is_file() else ""
    for page in sorted(outdir.rglob("*.html")):
        if {"_static", "_sources", "_downloads", "_images"} & set(
            page.relative_to(outdir).parts[:-1]
        ):
            continue
        text = page.read_text(encoding="utf-8")
        tuned = tune_page(text, doc_options) if doc_options else text
        tuned = externalize_animations(tuned, page, outdir)
        if tuned != text:
            page.write_text(tuned, encoding="utf-8")


def setup(app: Sphinx) -> dict:
    for source in QUOTE_SOURCES:
        app.add_role(f"{source}-quote", _quote_role(source))
    app.connect("autodoc-process-docstring", constant_docs)
    app.connect("build-finished", report_failed_cell)
    # after sphinx-gallery
    app.connect("builder-inited", fix_zip_timestamps, priority=900)
    app.connect("html-page-context", playground_assets)
    app.connect("html-page-context", add_meta_description)
    app.connect("build-finished", tune_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

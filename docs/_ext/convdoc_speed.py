"""A first paint in one round trip: what a phone on a slow network waits for, cut down.

Runs once every page is written (after ``convdoc_site.tune_pages``), on the built files
only:

- **One stylesheet.** The theme, Pygments, myst-nb, sphinx-gallery, the copy button and
  our own rules arrive as nine to eleven render-blocking files, one of which
  ``@import``-s Sphinx's ``basic.css`` (a second round trip). Each page's list is
  joined, in order, into ``_static/bundle-<hash>.css`` (``@import`` inlined, relative
  ``url()`` rewritten), and the page links that file instead. The rules and their order
  are unchanged.
- **Only the icons the site shows.** The theme ships Font Awesome's whole solid face
  (about 115 kB, requested by the header's icons on every page). It is cut to the glyphs
  of the ``fa-*`` classes the pages and scripts use and of the theme's ``--pst-icon-*``
  rules; a glyph the subset lacks stops the build.
- **No search machinery outside the search page.** The theme loads Sphinx's search
  scripts and the whole search index on every page for its search-as-you-type box, which
  this site turns off (``search_as_you_type`` false): there they do nothing and cost the
  index's download.
- **Figures as lossless WebP.** Every PNG a page shows from ``_images/`` (figures, their
  2x versions, thumbnails) is also written as lossless WebP, pixel for pixel the same
  image at about 40 % of the bytes, and the page points to that file. The PNGs stay
  beside them.
- **Example figures when the reader gets there.** An example page opens with its title,
  the install box, prose and code: on a phone its figures start below the first screen,
  so all of them load lazily (on other pages the first two stay eager, see
  ``convdoc_site``).
- **Animation frames after the page.** The frames of a JavaScript animation (hundreds of
  kB, already moved to a file) are requested once the page has loaded, not while it
  paints; the player shows its first frame meanwhile.

Deterministic: two builds write the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

ICON_FONT = Path("_static", "vendor", "fontawesome", "webfonts", "fa-solid-900.woff2")
THEME_CSS = Path("_static", "styles", "pydata-sphinx-theme.css")

_STYLESHEET = re.compile(
    r'[ \t]*<link (?:rel="stylesheet" (?:type="text/css" )?href="([^"]+)"'
    r'|href="([^"]+)" rel="stylesheet")\s*/>\n?'
)
_IMPORT = re.compile(r'@import\s+(?:url\()?["\']?([^"\')]+)["\']?\)?\s*;')
_URL = re.compile(r'url\(\s*(["\']?)([^"\')]+)\1\s*\)')
_SEARCH_SCRIPT = re.compile(
    r'[ \t]*<script defer src="[^"]*'
    r"(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)"
    r'"></script>\n?'
)
_ANIMATION = re.compile(
    r'<script defer src="([^"]*_images/[^"]+-animation-\d+\.js)"></script>'
)
_LATE = (
    '<script>addEventListener("load", () => {{ '
    'const s = document.createElement("script");'
    ' s.src = "{src}"; document.body.append(s); }});</script>'
)


def _site_path(page: Path, href: str, outdir: Path) -> str:
    """``href`` (as written in ``page``) as a path
    from the site's root, without its query."""
    href = href.split("?", 1)[0].split("#", 1)[0]
    rel = os.path.relpath(page.parent / href, outdir).replace(os.sep, "/")
    return posixpath.normpath(rel)


def _css_text(path: str, outdir: Path, seen: set[str]) -> str:
    """The stylesheet at ``path`` (from the site
    root), its imports inlined, its URLs rebased.

    URLs are rewritten relative to ``_static/``, where the bundle lives.
    """
    if path in seen:
        return ""
    seen.add(path)
    text = (outdir / path).read_text(encoding="utf-8")
    folder = posixpath.dirname(path)

    def rebase(target: str) -> str:
        if re.match(r"^(data:|[a-z]+:|/|#)", target):
            return target
        return posixpath.relpath(
            posixpath.normpath(posixpath.join(folder, target)), "_static"
        )

    def inline(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(folder, match.group(1)))
        return _css_text(target, outdir, seen)

    text = _IMPORT.sub(inline, text)
    return _URL.sub(lambda m: f'url("{rebase(m.group(2))}")', text)


def bundle_styles(text: str, page: Path, outdir: Path, written: dict[str, str]) -> str:
    """Replace the page's stylesheet links by
    one link to their bundle (written once)."""
    head, sep, body = text.partition("</head>")
    links = list(_STYLESHEET.finditer(head))
    if not sep or len(links) < 2:
        return text
    paths = [_site_path(page, m.group(1) or m.group(2), outdir) for m in links]
    key = "\n".join(paths)
    if key not in written:
        css = "\n".join(f"/* {p} */\n" + _css_text(p, outdir, set()) for p in paths)
        name = f"bundle-{hashlib.sha256(css.encode()).hexdigest()[:12]}.css"
        (outdir / "_static" / name).write_text(css, encoding="utf-8")
        written[key] = f"_static/{name}"
    href = os.path.relpath(outdir / written[key], page.parent).replace(os.sep, "/")
    start, end = links[0].start(), links[-1].end()
    between = _STYLESHEET.sub("", head[start:end])
    tag = f'<link rel="stylesheet" href="{href}" />\n'
    return head[:start] + tag + between + head[end:] + sep + body


def _codepoints(value: str) -> set[int]:
    r"""The characters of a CSS string such as
    ``"\f185"`` or ``"\+"`` (escapes or literal)."""
    chars = re.findall(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)|(.)", value)
    return {int(h, 16) if h else ord(c or lit) for h, c, lit in chars}


def icons_in_use(outdir: Path) -> dict[str, set[int]]:
    """Each icon the site can show (``fa-*`` class
    or theme variable) and its characters."""
    css = (outdir / THEME_CSS).read_text(encoding="utf-8")
    glyphs: dict[str, set[int]] = {}
    for match in re.finditer(r"((?:\.fa-[a-z0-9-]+,?)+)\{--fa:\"([^\"]+)\"", css):
        for name in re.findall(r"\.fa-([a-z0-9-]+)", match.group(1)):
            glyphs[name] = _codepoints(match.group(2))
    used: dict[str, set[int]] = {}
    pages = [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]
    for path in pages:
        for name in re.findall(r"\bfa-([a-z0-9-]+)", path.read_text(errors="ignore")):
            if name in glyphs:
                used[f"fa-{name}"] = glyphs[name]
    for match in re.finditer(r"--(pst-icon-[a-z-]+):\"([^\"]+)\"", css):
        used[match.group(1)] = _codepoints(match.group(2))
    return used


def subset_icon_font(outdir: Path) -> int:
    """Cut the icon font to the glyphs in use; returns its new size in bytes.

    Icons the font never had (brand logos, drawn by another face) are left to their
    face.
    """
    font_path = outdir / ICON_FONT
    if not font_path.is_file():
        return 0
    # Keep the font's own timestamp: the same subset is the same bytes on every build.
    font = TTFont(font_path, recalcTimestamp=False)
    had = set(font.getBestCmap())
    used = {name: cps for name, cps in icons_in_use(outdir).items() if cps <= had}
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=set().union(*used.values()))
    subsetter.subset(font)
    kept = set(font.getBestCmap())
    missing = sorted(name for name, cps in used.items() if not cps <= kept)
    if missing:
        raise ExtensionError(
            f"the icon font lost the glyphs of {', '.join(missing)}: the pages use "
            "these"
            f" icons but the subset of {ICON_FONT} cannot draw them"
        )
    font.flavor = "woff2"
    font.save(font_path)
    return font_path.stat().st_size


_EAGER_FIGURE = re.compile(r'<img (?![^>]*\bloading=)(?=[^>]*\bsrc="[^"]*_images/)')
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_PNG = re.compile(r'(?<![\w/.:-])((?:\.\./)*_images/[^"\s,]+)\.png(?=[\s",])')


def webp_figures(text: str, page: Path, done: set[Path]) -> str:
    """Point every ``<img>`` of the page at lossless
    WebP copies of its ``_images`` PNGs."""

    def to_webp(match: re.Match) -> str:
        png = (page.parent / (match.group(1) + ".png")).resolve()
        webp = png.with_suffix(".webp")
        if png not in done:
            with Image.open(png) as image:
                image.save(
                    webp, "WEBP", lossless=True, quality=100, method=4, exact=True
                )
            done.add(png)
        return match.group(1) + ".webp"

    return _IMG_TAG.sub(lambda tag: _PNG.sub(to_webp, tag.group(0)), text)


def speed_up_page(
    text: str, page: Path, outdir: Path, written: dict[str, str], done: set[Path]
) -> str:
    """One written page: one stylesheet, WebP
    figures, no idle search scripts, late frames."""
    text = webp_figures(bundle_styles(text, page, outdir, written), page, done)
    if page.parent.name == "auto_examples" and page.name.startswith("plot_"):
        text = _EAGER_FIGURE.sub('<img loading="lazy" ', text)
    if page != outdir / "search.html":
        text = _SEARCH_SCRIPT.sub("", text)
    return _ANIMATION.sub(lambda m: _LATE.format(src=m.group(1)), text)


def speed_up_site(app: Sphinx, exception: Exception | None) -> None:
    """Rewrite every written page and the icon font (see the module's docstring)."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    written: dict[str, str] = {}
    done: set[Path] = set()
    skip = {"_static", "_sources", "_downloads", "_images"}
    for page in sorted(outdir.rglob("*.html")):
        if skip & set(page.relative_to(outdir).parts[:-1]):
            continue
        text = page.read_text(encoding="utf-8")
        fast = speed_up_page(text, page, outdir, written, done)
        if fast != text:
            page.write_text(fast, encoding="utf-8")
    subset_icon_font(outdir)


def setup(app: Sphinx) -> dict:
    # After convdoc_site.tune_pages (priority 500), which writes the animation files.
    app.connect("build-finished", speed_up_site, priority=800)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

"""The site ships the package it ran: downloads that work with the website alone.

A local Sphinx extension, loaded by ``conf.py``. On every build it

- builds a wheel and an sdist of the source tree whose ``convdoc`` the build imports
  (with hatchling, reproducibly: ``SOURCE_DATE_EPOCH`` dates every entry), checks that
  the wheel holds exactly the files that ran and the version the pages show, and
  publishes both with a ``SHA256SUMS`` file at the stable path ``_downloads/dist/`` of
  the built site;
- writes the install instructions: the ``convdoc-install`` directive (the gallery index,
  and a "Run this example" box added to every example page), the first cell of every
  downloaded notebook (see :func:`notebook_cell`) and a header comment in every
  downloaded script;
- puts the wheel, a ``requirements.txt`` and a ``README.txt`` into both "download all"
  zips.

Where the site's public address is known (``CONVDOC_BASEURL``, else Read the Docs'
``READTHEDOCS_CANONICAL_URL``), the command installs the wheel from that absolute URL; a
local build names the wheel next to the downloads and installs it from a path. Either
way a reader needs neither the repository nor PyPI for convdoc itself.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

import convdoc

#: Where the wheel, the sdist and SHA256SUMS live in the built site (a stable path).
DIST_DIR = "_downloads/dist"
#: The gallery's "download all" zips (sphinx-gallery
#: names them after the gallery folder).
BUNDLE_SUFFIXES = ("_python.zip", "_jupyter.zip")
#: What the examples need besides convdoc, as the ``examples`` extra declares it.
EXTRA = "examples"


def base_url() -> str:
    """The site's public address with one trailing
    slash, or ``""`` for a local build."""
    url = (
        os.environ.get("CONVDOC_BASEURL")
        or os.environ.get("READTHEDOCS_CANONICAL_URL")
        or ""
    )
    if url and not re.match(r"https?://[^/\s]+", url):
        raise ExtensionError(f"`CONVDOC_BASEURL` must be an http(s) URL; got {url!r}")
    return url.rstrip("/") + "/" if url else ""


def wheel_name(version: str = convdoc.__version__) -> str:
    """The file name of the pure-Python wheel of ``version`` (PEP 427)."""
    return f"convdoc-{version}-py3-none-any.whl"


def install_command(url: str = "") -> str:
    """The command a reader runs: from the site's
    URL when known, else from the wheel beside them.

    >>> install_command("https://convdoc.example/en/latest/")  # doctest: +ELLIPSIS
    'pip install "convdoc[examples] @
    https://convdoc.example/en/latest/_downloads/dist/convdoc-...whl"'
    >>> install_command()  # doctest: +ELLIPSIS
    'pip install "./convdoc-...-py3-none-any.whl[examples]"'
    """
    if url:
        return f'pip install "convdoc[{EXTRA}] @ {url}{DIST_DIR}/{wheel_name()}"'
    return f'pip install "./{wheel_name()}[{EXTRA}]"'


def notebook_cell(url: str = "") -> str:
    """The first cell of every downloaded notebook:
    install convdoc unless this version is there."""
    version = convdoc.__version__
    where = (
        f"# (the wheel comes from the site: {url}{DIST_DIR}/{wheel_name()})"
        if url
        else f"# (download {wheel_name()} from this example's page into this "
        "notebook's folder first)"
    )
    return "\n".join(
        [
            f"# Installs convdoc {version}, the version this notebook was built with, "
            "and what the",
            "# examples need (matplotlib, scikit-learn, Pillow), unless it is already "
            "importable.",
            where,
            "import importlib",
            "import importlib.metadata",
            "",
            "try:",
            "    _installed = importlib.metadata.version('convdoc')",
            "except importlib.metadata.PackageNotFoundError:",
            "    _installed = None",
            f"if _installed != {version!r}:",
            f"    %{install_command(url)}",
            "    importlib.invalidate_caches()",
        ]
    )


def script_header(url: str = "") -> str:
    """Comment lines put at the top of every downloaded script."""
    lines = [
        f"# This example needs convdoc {convdoc.__version__} (the version the site "
        "ran it with),",
        "# matplotlib, scikit-learn and Pillow. Install them in a fresh virtual "
        "environment:",
    ]
    if not url:
        lines.append(
            f"# download {wheel_name()} from this example's page into this folder, then"
        )
    lines += [f"#     {install_command(url)}", "# and run this file with python.", ""]
    return "\n".join(lines)


def requirements_txt(url: str = "") -> str:
    """``requirements.txt`` of the "download all"
    zips (the wheel is inside the zip itself)."""
    # the zip carries the wheel, so the path form works wherever the zip is unpacked
    del url
    return f"./{wheel_name()}[{EXTRA}]\n"


def readme_txt(kind: str) -> str:
    """``README.txt`` of a "download all" zip: how to run what it holds."""
    run = (
        "python plot_01_parameter_counts.py (or any other)"
        if kind == "python"
        else "jupyter lab"
    )
    extra = "" if kind == "python" else "\n    pip install jupyterlab"
    return (
        "The convdoc gallery, every example as a "
        f"{'Python script' if kind == 'python' else 'Jupyter notebook'}.\n"
        f"This zip also holds {wheel_name()}, the convdoc the site ran them with.\n\n"
        "In this folder, in a fresh virtual environment:\n\n"
        f"    pip install -r requirements.txt{extra}\n"
        f"    {run}\n"
    )


# --- Building the wheel and the sdist -------------------------------------------------


def _source_tree(srcdir: Path) -> Path:
    """The project folder to build: the docs' parent,
    else the tree of the imported convdoc."""
    for root in (srcdir.parent, Path(convdoc.__file__).resolve().parents[1]):
        pyproject = root / "pyproject.toml"
        if pyproject.is_file() and re.search(
            r'(?m)^name = "convdoc"$', pyproject.read_text("utf-8")
        ):
            return root
    raise ExtensionError(
        "the site ships the convdoc it ran, but no source tree was found to build it "
        "from: neither "
        f"{srcdir.parent} nor the folder of the imported convdoc ({convdoc.__file__}) "
        "holds convdoc's pyproject.toml"
    )


def _check_wheel(wheel: Path) -> None:
    """The wheel holds exactly the package this
    build imported, under the version it shows."""
    package = Path(convdoc.__file__).resolve().parent
    ran = {
        p.relative_to(package.parent).as_posix(): p.read_bytes()
        for p in package.rglob("*.py")
    }
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n: zf.read(n) for n in zf.namelist() if n.startswith("convdoc/")}
        metadata = zf.read(f"convdoc-{convdoc.__version__}.dist-info/METADATA").decode()
        licensed = any(n.endswith("dist-info/licenses/LICENSE") for n in zf.namelist())
    differ = sorted(
        set(ran) ^ set(shipped)
        | {n for n in ran.keys() & shipped.keys() if ran[n] != shipped[n]}
    )
    if differ:
        raise ExtensionError(
            f"{wheel.name} does not hold the convdoc this build ran ({package}); "
            f"differs: {differ}"
        )
    if f"\nVersion: {convdoc.__version__}\n" not in metadata:
        raise ExtensionError(
            f"{wheel.name}'s metadata does not say Version: {convdoc.__version__}"
        )
    if not licensed:
        raise ExtensionError(f"{wheel.name} ships no LICENSE")


def build_dist(app: Sphinx) -> None:
    """Build the wheel and the sdist into a staging
    folder (copied into the site at the end)."""
    if convdoc.__version__ == "0+unknown":
        raise ExtensionError(
            "convdoc is imported from a tree that was never installed: pip install -e ."
        )
    root = _source_tree(Path(app.srcdir))
    staging = Path(tempfile.mkdtemp(prefix="convdoc-dist-"))
    try:
        importlib.metadata.version("hatchling")
    except importlib.metadata.PackageNotFoundError:
        raise ExtensionError(
            "the site builds convdoc's wheel with hatchling: "
            'pip install "convdoc[docs]"'
        ) from None
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hatchling",
            "build",
            "-t",
            "wheel",
            "-t",
            "sdist",
            "-d",
            str(staging),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH", "315532800"),
        },
    )
    if done.returncode:
        raise ExtensionError(
            f"building convdoc's wheel and sdist failed:\n{done.stdout}\n{done.stderr}"
        )
    wheel = staging / wheel_name()
    if not wheel.is_file():
        raise ExtensionError(
            f"hatchling built {sorted(p.name for p in staging.iterdir())}, not "
            f"{wheel.name}"
        )
    _check_wheel(wheel)
    sums = "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n"
        for p in sorted(staging.iterdir())
    )
    (staging / "SHA256SUMS").write_text(sums, encoding="utf-8")
    app.convdoc_dist = staging  # type: ignore[attr-defined]


def publish_dist(app: Sphinx, exception: Exception | None) -> None:
    """Copy the staged wheel, sdist and SHA256SUMS
    to ``_downloads/dist/`` of the built site."""
    staging = getattr(app, "convdoc_dist", None)
    if staging is None:
        return
    if exception is None and app.builder.format == "html":
        dest = Path(app.outdir, DIST_DIR)
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(staging.iterdir()):
            shutil.copy2(path, dest / path.name)
    shutil.rmtree(staging, ignore_errors=True)


# --- The downloads: script headers, zips with the wheel -------------------------------


def _zip_entries(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(path) as zf:
        return [(info, zf.read(info)) for info in zf.infolist()]


def prepare_downloads(app: Sphinx) -> None:
    """Header comments in the scripts; the wheel,
    requirements.txt and README.txt in the zips.

    Runs after sphinx-gallery wrote ``auto_examples/`` (and before the zips get their
    fixed dates, :func:`convdoc_site.fix_zip_timestamps`).
    """
    url = base_url()
    gallery = Path(app.srcdir, app.config.sphinx_gallery_conf["gallery_dirs"])
    header = script_header(url)
    scripts = {}
    for script in sorted(gallery.glob("plot_*.py")):
        text = script.read_text(encoding="utf-8")
        if not text.startswith(header):
            script.write_text(header + text, encoding="utf-8")
        scripts[script.name] = script.read_bytes()
    wheel = app.convdoc_dist / wheel_name()  # type: ignore[attr-defined]
    for path in sorted(gallery.rglob("*.zip")):
        entries = [
            (i, scripts.get(Path(i.filename).name, data))
            for i, data in _zip_entries(path)
        ]
        kind = next(
            (k for k in ("python", "jupyter") if path.name.endswith(f"_{k}.zip")), None
        )
        if kind:
            added = {
                wheel.name: wheel.read_bytes(),
                "requirements.txt": requirements_txt(url).encode(),
                "README.txt": readme_txt(kind).encode(),
            }
            entries += [(zipfile.ZipInfo(name), data) for name, data in added.items()]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in entries:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, data)


# --- The instructions on the pages ----------------------------------------------------


class InstallDirective(Directive):
    """``.. convdoc-install::``: how to run the
    examples, with the command for this build.

    On an example page (``:example:`` given) the box is titled "Run this example".
    """

    has_content = False
    option_spec: ClassVar[dict] = {"example": directives.flag}

    def run(self) -> list[nodes.Node]:
        url = base_url()
        env = self.state.document.settings.env
        depth = env.docname.count("/")
        wheel_link = f"{'../' * depth}{DIST_DIR}/{wheel_name()}"
        sums_link = f"{'../' * depth}{DIST_DIR}/SHA256SUMS"
        title = (
            "Run this example"
            if "example" in self.options
            else "Run the examples yourself"
        )
        what = "this example" if "example" in self.options else "any example"
        if url:
            steps = [
                f"Download {what} (script or notebook, at the end of its page); in a "
                "fresh virtual "
                f"environment, install convdoc {convdoc.__version__}, the version "
                "this site ran, with what the "
                "examples need:",
            ]
        else:
            steps = [
                f"Download {what} (script or notebook, at the end of its page) and "
                "the wheel "
                f"`{wheel_name()} <{wheel_link}>`__ into one folder; there, in a "
                "fresh virtual "
                f"environment, install convdoc {convdoc.__version__}, the version "
                "this site ran, with what "
                "the examples need:",
            ]
        rst = [f".. admonition:: {title}", "   :class: convdoc-install", ""]
        rst += [f"   {line}" for line in steps]
        rst += ["", "   .. code-block:: bash", "", f"      {install_command(url)}", ""]
        rst += [
            "   A downloaded notebook runs that command in its first cell when "
            "convdoc is missing. "
            f"The wheel, the sdist and their `checksums <{sums_link}>`__ are also on "
            "this site.",
            "",
        ]
        container = nodes.container()
        self.state.nested_parse(
            StringList(rst, source="convdoc-install"), self.content_offset, container
        )
        return container.children


def add_run_box(app: Sphinx, docname: str, source: list[str]) -> None:
    """Put a "Run this example" box under the title of every gallery example page."""
    gallery = app.config.sphinx_gallery_conf["gallery_dirs"]
    if not re.fullmatch(rf"{re.escape(gallery)}/plot_\w+", docname):
        return
    # sphinx-gallery's page: the title, its underline, then the example's text.
    match = re.search(
        r"^(?P<title>\S.*)\n(?P<line>=+)\n", source[0], flags=re.MULTILINE
    )
    if match is None:
        raise ExtensionError(
            f"{docname}: no title found to put the 'Run this example' box under"
        )
    box = "\n.. only:: html\n\n    .. convdoc-install::\n        :example:\n\n"
    source[0] = source[0][: match.end()] + box + source[0][match.end() :]


def setup(app: Sphinx) -> dict:
    app.add_directive("convdoc-install", InstallDirective)
    # after sphinx-gallery (500)
    app.connect("builder-inited", build_dist, priority=800)
    # before fix_zip_timestamps (900)
    app.connect("builder-inited", prepare_downloads, priority=850)
    app.connect("source-read", add_run_box)
    app.connect("build-finished", publish_dist)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

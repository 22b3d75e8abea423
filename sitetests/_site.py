"""The built site on disk: its pages, the links
and anchors in them, and a local HTTP server.

Everything here is plain Python (no browser), so the link and anchor rules are easy to
test.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HTML = ROOT / "docs" / "_build" / "html"
# Folders of a Sphinx build that hold assets, not pages a reader navigates to.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads"}


def site_dir() -> Path:
    """The built HTML folder: ``$CONVDOC_SITE`` or ``docs/_build/html``."""
    return Path(os.environ.get("CONVDOC_SITE", DEFAULT_HTML)).resolve()


def html_pages(root: Path) -> list[str]:
    """Every HTML page under ``root`` as a sorted POSIX path, asset folders excluded."""
    pages = []
    for path in root.rglob("*.html"):
        rel = path.relative_to(root)
        if not ASSET_DIRS.intersection(rel.parts[:-1]):
            pages.append(rel.as_posix())
    return sorted(pages)


class _Scan(HTMLParser):
    """Collect the ``id``/``name`` anchors and the ``<a href>`` targets of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.anchors: set[str] = set()
        self.hrefs: list[str] = []
        self.classes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        for key in ("id", "name") if tag in ("a", "map") else ("id",):
            if attr.get(key):
                self.anchors.add(attr[key])
        if tag in ("a", "area") and attr.get("href"):
            self.hrefs.append(attr["href"])
        self.classes.update((attr.get("class") or "").split())


@functools.cache
def scan(path: Path) -> _Scan:
    """Parse one HTML file once (cached for the session)."""
    parser = _Scan()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def target_file(url: str, base_url: str, root: Path) -> tuple[Path, str] | None:
    """The file and fragment a same-origin ``url``
    points to, or None for any other origin.

    >>> root = Path("/site")
    >>> target_file("http://127.0.0.1:8/api/a%20b.html#x", "http://127.0.0.1:8/", root)
    (PosixPath('/site/api/a b.html'), 'x')
    >>> target_file("http://127.0.0.1:8/gallery/?q=1", "http://127.0.0.1:8/", root)
    (PosixPath('/site/gallery/index.html'), '')
    >>> target_file("https://numpy.org/doc/", "http://127.0.0.1:8/", root) is None
    True
    """
    parts, base = urlsplit(url), urlsplit(base_url)
    if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
        return None
    rel = unquote(parts.path)[len(unquote(base.path)) :]
    path = root / rel if rel else root
    if rel == "" or rel.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(parts.fragment)


def broken_links(hrefs: list[str], base_url: str, root: Path) -> list[str]:
    """The same-origin links among ``hrefs``
    whose file or ``#anchor`` does not exist."""
    broken = []
    for href in sorted(set(hrefs)):
        target = target_file(href, base_url, root)
        if target is None:
            continue  # another site (not fetched: links only), mailto:, javascript:...
        path, fragment = target
        if not path.is_file():
            broken.append(f"{href}: no file {path.relative_to(root).as_posix()}")
        elif fragment and path.suffix == ".html" and fragment not in scan(path).anchors:
            broken.append(
                f"{href}: no id/name {fragment!r} in "
                f"{path.relative_to(root).as_posix()}"
            )
    return broken


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the browser closing a connection early is not a site error


@contextlib.contextmanager
def serve(root: Path, handler=None) -> Iterator[str]:
    """Serve ``root`` on 127.0.0.1 at a free port in a thread; yields the base URL.

    ``handler``: a request handler class serving ``root`` in another way
    (``tools/lighthouse.py`` gzips text files); by default plain files, quietly.
    """
    handler = handler or functools.partial(_QuietHandler, directory=str(root))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, name="sitetests-http", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def find_page(pages: list[str], *candidates: str, contains: str = "") -> str | None:
    """The first of ``candidates`` present in ``pages``,
    else the first page containing ``contains``."""
    for name in candidates:
        if name in pages:
            return name
    for name in candidates:
        matches = [p for p in pages if p.endswith("/" + name)]
        if matches:
            return min(matches, key=lambda p: p.count("/"))
    if contains:
        return next((p for p in pages if contains in p), None)
    return None


def gallery_examples(root: Path, pages: list[str]) -> list[str]:
    """The pages sphinx-gallery made for single
    examples (marked ``sphx-glr-example-title``)."""
    return [p for p in pages if "sphx-glr-example-title" in scan(root / p).classes]

"""List every asset a built site would load from another host; exit 1 if there is any.

Usage: ``python tools/check_offline.py [docs/_build/html]``.

Scans HTML for ``<script src>``, ``<link href>`` (stylesheets, fonts, preloads), ``<img
src>``, ``<iframe src>``, ``<source src>``, ``<video|audio src>`` and ``<object data>``,
and CSS for ``url(...)`` and ``@import``. Plain ``<a href>`` hyperlinks to references
are not assets and are allowed. A static scan, so it also covers pages no browser test
opens.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

REMOTE = re.compile(r"^\s*(https?:)?//", re.I)
ASSET_ATTRS = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
    "link": "href",
}
# <link rel=...> values that make the browser fetch the target.
LOADED_LINKS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "prefetch",
    "icon",
    "manifest",
}
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""", re.I)


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[tuple[int, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "link" and not LOADED_LINKS & set(
            (attr.get("rel") or "").lower().split()
        ):
            return  # rel="next", "canonical"...: navigation, not an asset
        name = ASSET_ATTRS.get(tag)
        value = attr.get(name) if name else None
        if value and REMOTE.match(value):
            self.remote.append((self.getpos()[0], f"<{tag} {name}={value}>"))
        for m in CSS_URL.finditer(attr.get("style") or ""):
            if REMOTE.match(m.group(1) or m.group(2)):
                self.remote.append(
                    (self.getpos()[0], f"style url({m.group(1) or m.group(2)})")
                )


def remote_assets(site: Path) -> list[str]:
    """``file:line: what`` for every asset of the site that lives on another host."""
    found = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            scan = _Assets()
            scan.feed(path.read_text(encoding="utf-8", errors="replace"))
            found += [
                f"{path.relative_to(site)}:{line}: {what}" for line, what in scan.remote
            ]
        elif path.suffix == ".css":
            text = path.read_text(encoding="utf-8", errors="replace")
            for m in CSS_URL.finditer(text):
                url = m.group(1) or m.group(2)
                if REMOTE.match(url):
                    line = text.count("\n", 0, m.start()) + 1
                    found.append(f"{path.relative_to(site)}:{line}: url({url})")
    return found


def main(argv: list[str]) -> int:
    site = Path(argv[0] if argv else "docs/_build/html")
    if not (site / "index.html").is_file():
        print(f"no built site at {site} (build it with `nox -s docs`)")
        return 2
    found = remote_assets(site)
    for line in found:
        print(line)
    print(f"{len(found)} asset(s) from another host in {site}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

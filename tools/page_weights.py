"""Weigh a built site: each page with the files only it loads, shared assets, the total.

Usage: ``python tools/page_weights.py [docs/_build/html] [--page-limit MB] [--site-limit
MB]``.

A page weighs its HTML plus every local file it loads (``<img src|srcset>``, ``<script
src>``, ``<link href>`` stylesheets and icons, ``<source>``, ``<object data>``...) that
is not a shared asset. An image with a ``srcset`` loads one of its candidates (the 2×
one on a high-density screen): the largest is counted, the worst case. Files under
``_static/`` (theme, fonts, sphinx-gallery's styles) are loaded by every page
and cached by the browser after the first: they are counted once, separately. Prints the
five heaviest pages, the shared assets and the whole site; exits 1 if the heaviest page
exceeds ``--page-limit`` (default 1 MB) or the site ``--site-limit`` (default 30 MB),
where 1 MB = 10**6 bytes.
"""

from __future__ import annotations

import argparse
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

# what a page fetches, as the offline check reads it
from check_offline import ASSET_ATTRS, LOADED_LINKS

# Beyond the offline check's one attribute per tag: the alternatives a
# browser may pick instead.
CHOICES = {
    tag: (name, "srcset")
    for tag, name in ASSET_ATTRS.items()
    if tag in ("img", "source")
}
SHARED = "_static"


class _Loads(HTMLParser):
    """Collect what a page makes the browser fetch:
    per tag, the URLs it may choose from."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loads: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "link" and not LOADED_LINKS & set(
            (attr.get("rel") or "").lower().split()
        ):
            return  # rel="next", "canonical"...: navigation, not a load
        choice = []  # src and srcset: the browser fetches one of them
        for name in CHOICES.get(tag, (ASSET_ATTRS.get(tag),)):
            value = attr.get(name) if name else None
            if not value:
                continue
            if name == "srcset":  # "a.png, b.png 2x"
                choice.extend(
                    part.split()[0] for part in value.split(",") if part.strip()
                )
            else:
                choice.append(value)
        if tag == "video" and attr.get("poster"):
            self.loads.append([attr["poster"]])
        if choice:
            self.loads.append(choice)


def _local(url: str, page: Path, root: Path) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None  # remote, data: or a fragment
    target = (page.parent / unquote(parts.path)).resolve()
    return target if target.is_file() and target.is_relative_to(root) else None


def page_files(page: Path, root: Path) -> set[Path]:
    """The local files ``page`` loads inside ``root``:
    of each srcset, the largest candidate."""
    parser = _Loads()
    parser.feed(page.read_text(encoding="utf-8", errors="replace"))
    files = set()
    for choice in parser.loads:
        candidates = [
            f for f in (_local(url, page, root) for url in choice) if f is not None
        ]
        if candidates:
            files.add(max(candidates, key=lambda f: f.stat().st_size))
    return files


def weigh(root: Path) -> tuple[list[tuple[int, Path]], int, int]:
    """``(pages heaviest first as (bytes, path), shared asset bytes, site bytes)``."""
    root = root.resolve()
    shared = root / SHARED
    pages, shared_files = [], set()
    for page in sorted(root.rglob("*.html")):
        files = page_files(page, root)
        own = {f for f in files if not f.is_relative_to(shared)}
        shared_files |= files - own
        pages.append(
            (
                page.stat().st_size + sum(f.stat().st_size for f in own),
                page.relative_to(root),
            )
        )
    site = sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    return (
        sorted(pages, reverse=True),
        sum(f.stat().st_size for f in shared_files),
        site,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", default="docs/_build/html", type=Path)
    parser.add_argument(
        "--page-limit", type=float, default=1.0, help="MB allowed for the heaviest page"
    )
    parser.add_argument(
        "--site-limit", type=float, default=30.0, help="MB allowed for the whole site"
    )
    args = parser.parse_args(argv)
    if not (args.root / "index.html").is_file():
        print(f"no built site at {args.root} (run nox -s docs first)", file=sys.stderr)
        return 2
    pages, shared, site = weigh(args.root)
    print(f"{len(pages)} pages; heaviest, with the files only they load:")
    for size, path in pages[:5]:
        print(f"  {size / 1e6:6.2f} MB  {path}")
    print(
        "shared assets loaded by the pages (_static, counted once): "
        f"{shared / 1e6:.2f} MB"
    )
    print(f"whole site: {site / 1e6:.1f} MB")
    failed = False
    if pages[0][0] > args.page_limit * 1e6:
        print(
            f"FAIL: {pages[0][1]} weighs {pages[0][0] / 1e6:.2f} MB > "
            f"{args.page_limit} MB",
            file=sys.stderr,
        )
        failed = True
    if site > args.site_limit * 1e6:
        print(
            f"FAIL: the site weighs {site / 1e6:.1f} MB > {args.site_limit} MB",
            file=sys.stderr,
        )
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

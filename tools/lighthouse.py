"""Lighthouse on the built site, served gzip-compressed as a static host serves it.

Usage: ``python tools/lighthouse.py LIGHTHOUSE_BIN [docs/_build/html] [--min-score 95]
[--out DIR]`` (``nox -s lighthouse`` installs Lighthouse with npm and runs this).
``$CHROME_PATH`` names the Chromium Lighthouse drives. The site is served on 127.0.0.1
by a small HTTP server that gzips text files (HTML, CSS, JavaScript, SVG, JSON) for
browsers that accept it; each audited page gets Lighthouse's mobile defaults (simulated
slow 4G and a 4× slower CPU). Prints one row per page with the four category scores, the
audits that cost points where a score is below the minimum, and exits 1 if any score is
below ``--min-score``. The JSON reports go to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import http.server
import json
import mimetypes
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote, urlsplit

# the heaviest gallery example is the heaviest page it loads
from page_weights import weigh

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sitetests"))
from _site import serve

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {
    "performance": "perf",
    "accessibility": "a11y",
    "best-practices": "best",
    "seo": "seo",
}
# What a static host compresses (GitHub Pages, Read the Docs, Netlify):
# text, not images or fonts.
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "image/svg+xml",
    "application/xml",
)
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --no-first-run "
    "--disable-background-networking"
)


class GzipHandler(http.server.BaseHTTPRequestHandler):
    """GET/HEAD of files under ``directory``; text is
    gzip-compressed when the client accepts it."""

    directory: Path
    # gzipped bodies, per server (see serve_gzip)
    _cache: ClassVar[dict[Path, bytes]] = {}
    _lock = threading.Lock()

    def _file(self) -> Path | None:
        rel = unquote(urlsplit(self.path).path).lstrip("/")
        path = (self.directory / rel).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(self.directory) or not path.is_file():
            return None
        return path

    def _respond(self, with_body: bool) -> None:
        path = self._file()
        if path is None:
            self.send_error(404)
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        body = path.read_bytes()
        zipped = "gzip" in self.headers.get("Accept-Encoding", "") and kind.startswith(
            COMPRESSIBLE
        )
        if zipped:
            with self._lock:
                if path not in self._cache:
                    self._cache[path] = gzip.compress(body, compresslevel=9, mtime=0)
                body = self._cache[path]
        self.send_response(200)
        self.send_header(
            "Content-Type",
            kind + ("; charset=utf-8" if kind.startswith("text/") else ""),
        )
        self.send_header("Content-Length", str(len(body)))
        if zipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        self._respond(True)

    def do_HEAD(self) -> None:
        self._respond(False)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_gzip(root: Path) -> Iterator[str]:
    """Serve ``root`` gzip-compressed on 127.0.0.1
    at a free port; yields the base URL."""
    with serve(
        root,
        type("Handler", (GzipHandler,), {"directory": root.resolve(), "_cache": {}}),
    ) as base:
        yield base


def audited_pages(root: Path) -> list[str]:
    """Home, notes, errata, gallery index, the
    heaviest gallery example, one API page, search."""
    pages, _, _ = weigh(root)
    examples = [
        p.as_posix()
        for _, p in pages
        if p.parts[0] == "auto_examples" and p.name.startswith("plot_")
    ]
    api = sorted(
        p.relative_to(root).as_posix()
        for p in (root / "api" / "generated").glob("convdoc.conv2d.html")
    )
    api = (
        api
        or sorted(
            p.relative_to(root).as_posix()
            for p in (root / "api" / "generated").glob("*.html")
        )[:1]
    )
    wanted = [
        "index.html",
        "notes.html",
        "errata.html",
        "auto_examples/index.html",
        *examples[:1],
        *api,
        "search.html",
    ]
    return [p for p in wanted if (root / p).is_file()]


def audit(lighthouse: str, url: str, report: Path) -> dict:
    """Run Lighthouse once on ``url`` (mobile defaults);
    its JSON report, also written to ``report``."""
    cmd = [
        lighthouse,
        url,
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        "--only-categories=" + ",".join(CATEGORIES),
    ]
    subprocess.run(cmd, check=True, timeout=600)
    return json.loads(report.read_text(encoding="utf-8"))


def scores(result: dict) -> dict[str, int]:
    return {c: round(100 * (result["categories"][c]["score"] or 0)) for c in CATEGORIES}


def costly_audits(result: dict, category: str) -> list[str]:
    """The audits of ``category`` that lost points,
    heaviest weight first, with what they found."""
    out = []
    refs = sorted(
        result["categories"][category]["auditRefs"], key=lambda r: -r["weight"]
    )
    for ref in refs:
        found = result["audits"][ref["id"]]
        if ref["weight"] > 0 and found.get("score") is not None and found["score"] < 1:
            value = found.get("displayValue", "")
            name, weight, score = ref["id"], ref["weight"], found["score"]
            out.append(f"{name} (weight {weight}, score {score:.2f}) {value}".rstrip())
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "lighthouse", help="the lighthouse executable (node_modules/.bin/lighthouse)"
    )
    parser.add_argument("root", nargs="?", default="docs/_build/html", type=Path)
    parser.add_argument("--min-score", type=int, default=95)
    parser.add_argument("--out", type=Path, default=Path("docs/_build/lighthouse"))
    parser.add_argument(
        "--page",
        action="append",
        help="audit this page (repeatable) instead of the default set",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "index.html").is_file():
        print(f"no built site at {root} (run nox -s docs first)", file=sys.stderr)
        return 2
    if not os.environ.get("CHROME_PATH"):
        print(
            "set CHROME_PATH to a Chromium executable (e.g. /usr/bin/chromium)",
            file=sys.stderr,
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    pages = args.page or audited_pages(root)
    table: dict[str, dict[str, int]] = {}
    blockers: list[str] = []
    with serve_gzip(root) as base:
        for page in pages:
            start = time.perf_counter()
            result = audit(
                args.lighthouse,
                base + page,
                args.out / (page.replace("/", "__") + ".json"),
            )
            table[page] = scores(result)
            print(
                f"  audited {page} in {time.perf_counter() - start:.0f} s: "
                f"{table[page]}",
                file=sys.stderr,
            )
            for category, score in table[page].items():
                if score < args.min_score:
                    blockers += [
                        f"{page} {category} {score}: {a}"
                        for a in costly_audits(result, category)
                    ]
    width = max(len(p) for p in table)
    head = f"{'page':{width}}  " + "  ".join(f"{SHORT[c]:>4}" for c in CATEGORIES)
    print(
        "\nLighthouse (mobile, gzip-served), minimum "
        f"{args.min_score}:\n{head}\n{'-' * len(head)}"
    )
    for page, row in table.items():
        print(f"{page:{width}}  " + "  ".join(f"{row[c]:4d}" for c in CATEGORIES))
    (args.out / "scores.json").write_text(
        json.dumps(table, indent=1) + "\n", encoding="utf-8"
    )
    if blockers:
        print(
            "\nBelow the minimum, audits that cost points:\n  " + "\n  ".join(blockers),
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

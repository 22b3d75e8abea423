"""Chromium through Playwright: launching it offline,
watching a page's traffic, checking what it shows."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

# Flags that keep Chromium quiet on a machine without network, also as root.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}
VIEWPORT = {"width": 1280, "height": 900}


def chromium_executable() -> str | None:
    """``$CONVDOC_CHROMIUM``, else Debian's ``chromium``;
    None means Playwright's own browser."""
    exe = (
        os.environ.get("CONVDOC_CHROMIUM")
        or shutil.which("chromium")
        or "/usr/bin/chromium"
    )
    return exe if Path(exe).is_file() else None


def launch(playwright: Playwright) -> Browser:
    """Headless Chromium; Playwright gives every launch a fresh temporary profile."""
    return playwright.chromium.launch(
        executable_path=chromium_executable(), args=ARGS, headless=True
    )


def is_local(url: str) -> bool:
    """True unless ``url`` would reach a host other than this machine.

    >>> urls = ("http://127.0.0.1:9/a.js", "file:///x.png", "data:,", "https://c.x/y")
    >>> [is_local(u) for u in urls]
    [True, True, True, False]
    """
    parts = urlsplit(url)
    return parts.scheme not in NETWORK_SCHEMES or parts.hostname in LOCAL_HOSTS


@dataclass
class Traffic:
    """What the pages of one browser context did that a reader would suffer from."""

    # requests to other hosts (aborted)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # network failures and HTTP >= 400
    # console errors and uncaught exceptions
    console: list[str] = field(default_factory=list)
    workers: list[str] = field(default_factory=list)  # (service) worker scripts started

    def problems(self) -> list[str]:
        return (
            [f"blocked request to another host: {u}" for u in self.blocked]
            + [f"failed request: {u}" for u in self.failed]
            + [f"console: {m}" for m in self.console]
            + [
                f"worker from another host: {u}"
                for u in self.workers
                if not is_local(u)
            ]
        )


def _watch_page(page: Page, traffic: Traffic) -> None:
    def on_console(msg) -> None:
        if msg.type == "error":
            where = msg.location.get("url", "") if msg.location else ""
            traffic.console.append(f"{msg.text} ({where})")

    def on_failed(request) -> None:
        if request.url not in traffic.blocked:
            traffic.failed.append(f"{request.url} ({request.failure})")

    def on_response(response) -> None:
        if response.status >= 400:
            traffic.failed.append(f"{response.url} (HTTP {response.status})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: traffic.console.append(f"uncaught {exc}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    page.on("worker", lambda worker: traffic.workers.append(worker.url))


def watch(context: BrowserContext) -> Traffic:
    """Abort and count every request (and web socket)
    to another host, from pages or workers."""
    traffic = Traffic()

    def block(route) -> None:
        traffic.blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def block_socket(ws) -> None:
        traffic.blocked.append(ws.url)
        ws.close()

    context.route(lambda url: not is_local(url), block)
    context.route_web_socket(lambda url: not is_local(url), block_socket)
    context.on("serviceworker", lambda worker: traffic.workers.append(worker.url))
    context.on("page", lambda page: _watch_page(page, traffic))
    return traffic


@contextlib.contextmanager
def visit(
    browser: Browser, url: str, *, mode: str | None = None
) -> Iterator[tuple[Page, Traffic]]:
    """Open ``url`` in a fresh context (pydata theme
    ``mode`` "light"/"dark" preset if given)."""
    context = browser.new_context(
        viewport=VIEWPORT, color_scheme="light", service_workers="block"
    )
    context.set_default_timeout(15_000)
    traffic = watch(context)
    if mode:
        context.add_init_script(  # about:blank has no localStorage, hence the try
            f"try {{ localStorage.setItem('mode', '{mode}'); "
            f"localStorage.setItem('theme', '{mode}'); }} catch {{}}"
        )
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        yield page, traffic
    finally:
        context.close()


# Every <img> (lazy ones made eager) has loaded with a non-zero natural width.
_IMAGES_JS = """async () => {
  const imgs = [...document.images];
  imgs.forEach(img => { img.loading = "eager"; });
  await Promise.all(imgs.map(img => img.decode().catch(() => null)));
  return imgs.filter(img => !(img.complete && img.naturalWidth > 0))
             .map(img => img.currentSrc || img.getAttribute("src")
                         || img.outerHTML.slice(0, 120));
}"""

# Absolute URLs of every link on the page, as the browser resolved them.
_LINKS_JS = (
    "() => [...document.querySelectorAll('a[href], area[href]')].map(a => a.href)"
)

# Math the site did not turn into MathML, MathML the browser does not draw (no box),
# conversion errors, and visible raw TeX outside code blocks (a shown <annotation>
# counts: it holds TeX).
_RAW_TEX_JS = r"""() => {
  const bad = [];
  document.querySelectorAll('.math').forEach(el => {
    const math = el.querySelector('math');
    if (!math) bad.push('untypeset: ' + el.textContent.trim().slice(0, 80));
    else if (el.checkVisibility() && !(math.getBoundingClientRect().width > 0))
      bad.push('not drawn: ' + (math.getAttribute('alttext') || '').slice(0, 80));
  });
  document.querySelectorAll('merror')
    .forEach(el => bad.push('TeX error: ' + el.textContent.slice(0, 80)));
  const skip = 'pre, code, script, style, textarea, .highlight';
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const tex = /\\\(|\\\)|\\\[|\\\]|\$\$|\\begin\{|\\frac\{|\\times|\\sum/;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || el.closest(skip) || !el.checkVisibility()) continue;
    if (tex.test(node.textContent)) {
      bad.push('raw TeX: ' + node.textContent.trim().slice(0, 80));
    }
  }
  return bad;
}"""


def broken_images(page: Page) -> list[str]:
    """The images on ``page`` that did not load."""
    return page.evaluate(_IMAGES_JS)


def link_urls(page: Page) -> list[str]:
    """Every link target on ``page`` as an absolute URL."""
    return page.evaluate(_LINKS_JS)


def math_problems(page: Page) -> list[str]:
    """Math on ``page`` that is not drawn as MathML,
    or that shows as TeX (empty: all is well)."""
    return page.evaluate(_RAW_TEX_JS)

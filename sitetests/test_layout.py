"""Layout, as a reader sees it: a one-row top bar,
no sideways scrolling on a phone, code that fits.

Screenshots of the home page, a gallery example and an API page at each width are saved
under ``$CONVDOC_SCREENSHOTS`` (default ``docs/_build/screenshots``) for reviewers.
"""

from __future__ import annotations

from pathlib import Path

import _browser
import pytest

DESKTOP, LAPTOP, PHONE = (1280, 800), (1024, 768), (375, 812)
SHOT_KINDS = ["home", "example-1", "api-function"]

# The top bar's visible pieces (logo, each link, "More", search, theme
# switch) and their boxes.
_HEADER_JS = """() => [...document.querySelectorAll(
    '.bd-header .navbar-brand, .bd-header .navbar-nav > li, '
    + '.bd-header .navbar-persistent--container, '
    + '.bd-header .navbar-header-items__end > .navbar-item')]
  .filter(e => e.checkVisibility() && e.getBoundingClientRect().height > 0)
  .map(e => { const r = e.getBoundingClientRect();
              const what = (e.textContent.trim() || e.className).slice(0, 30);
              return {what, top: r.top, bottom: r.bottom}; })"""
# How far the page itself scrolls sideways (0 when it fits the window).
_SIDEWAYS_JS = (
    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
)
# Every visible code block that would need a horizontal scrollbar, with its first line.
_PRE_JS = """() => [...document.querySelectorAll('pre')]
  .filter(p => p.checkVisibility() && p.scrollWidth > p.clientWidth)
  .map(p => `${p.scrollWidth} px of code in ${p.clientWidth} px: `
             + p.textContent.trim().split('\\n')[0].slice(0, 60))"""


def header_rows(items: list[dict]) -> int:
    """1 when the top bar's items share a horizontal
    line (all overlap vertically), else 2 or more.

    A tall item (the logo) may overlap two rows of links, so items are not merged
    pairwise: one row means the lowest top lies above the highest bottom.

    >>> logo, links = {"top": 8, "bottom": 44}, {"top": 15, "bottom": 79}
    >>> header_rows([logo, links, {"top": 9, "bottom": 43}])
    1
    >>> header_rows([logo, links, {"top": 52, "bottom": 86}])
    2
    """
    rows, line = 1, None
    for item in sorted(items, key=lambda i: i["top"]):
        if line is not None and item["top"] >= line:
            rows, line = rows + 1, None
        line = item["bottom"] if line is None else min(line, item["bottom"])
    return rows


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for the whole module (pages are only looked at, never changed)."""
    context = browser.new_context(
        viewport={"width": DESKTOP[0], "height": DESKTOP[1]}, service_workers="block"
    )
    context.set_default_timeout(15_000)
    _browser.watch(context)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="module")
def kinds(named_pages, pages: list[str]) -> dict[str, str]:
    api = next(p for p in pages if p.startswith("api/generated/convdoc.conv2d."))
    return {
        "home": named_pages["home"],
        "example-1": named_pages["example-1"],
        "api-function": api,
    }


def _open(tab, url: str, size: tuple[int, int]) -> None:
    tab.set_viewport_size({"width": size[0], "height": size[1]})
    tab.goto(url, wait_until="load")


@pytest.mark.parametrize("size", [DESKTOP, LAPTOP], ids=["1280x800", "1024x768"])
@pytest.mark.parametrize("kind", SHOT_KINDS)
def test_top_bar_is_one_row(
    kind: str, size: tuple[int, int], tab, kinds, base_url: str
) -> None:
    _open(tab, base_url + kinds[kind], size)
    items = tab.evaluate(_HEADER_JS)
    assert len(items) >= 4, f"top bar items not found: {items}"
    assert header_rows(items) == 1, (
        f"{kinds[kind]} at {size}: the top bar wraps: {items}"
    )


def test_no_page_scrolls_sideways_on_a_phone(page: str, tab, base_url: str) -> None:
    _open(tab, base_url + page, PHONE)
    extra = tab.evaluate(_SIDEWAYS_JS)
    assert extra <= 0, f"{page} at 375 px is {extra} px wider than the screen"


def test_code_fits_its_column_at_1280(page: str, tab, base_url: str) -> None:
    _open(tab, base_url + page, DESKTOP)
    cut = tab.evaluate(_PRE_JS)
    assert not cut, (
        f"{page} at 1280 px: code blocks need horizontal scrolling:\n  "
        + "\n  ".join(cut)
    )


@pytest.mark.parametrize(
    "size", [DESKTOP, LAPTOP, PHONE], ids=["1280x800", "1024x768", "375x812"]
)
@pytest.mark.parametrize("kind", SHOT_KINDS)
def test_screenshots(
    kind: str, size: tuple[int, int], tab, kinds, base_url: str, screenshot_dir: Path
) -> None:
    _open(tab, base_url + kinds[kind], size)
    path = screenshot_dir / f"layout-{kind}-{size[0]}x{size[1]}.png"
    tab.screenshot(path=path, full_page=False)
    assert path.stat().st_size > 1000

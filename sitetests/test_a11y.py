"""Accessibility: axe-core finds no serious or
critical violation on any page, in both modes.

``test_axe`` opens each kind of page fresh in each mode (the theme's own start-up);
``test_axe_every_page`` runs axe on every HTML page of the site in one tab, switching
the colour mode in place.
"""

from __future__ import annotations

import _axe
import _browser
import pytest

KINDS = ["home", "notes", "example-1", "api", "search"]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe(
    kind: str, mode: str, visit, axe_counts, base_url: str, named_pages, axe_source: str
) -> None:
    query = "?q=convolution" if kind == "search" else ""
    with visit(base_url + named_pages[kind] + query, mode=mode) as (tab, _traffic):
        if kind == "search":
            tab.wait_for_selector("#search-results .search-summary", timeout=20_000)
        found = _axe.serious_violations(tab, axe_source)
    axe_counts[f"{named_pages[kind]} ({mode})"] = len(found)
    assert not found, f"{named_pages[kind]} ({mode}):\n  " + "\n  ".join(found)


# The theme's colour modes, switched in place (what its switcher does,
# minus the saved choice).
_MODE_JS = """async (mode) => {
  document.documentElement.dataset.mode = mode;
  document.documentElement.dataset.theme = mode;
  await new Promise(
    resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  // The theme eases some colours from one mode to the other: judge the colours it
  // ends on.
  await Promise.all(document.getAnimations().map(a => a.finished.catch(() => null)));
}"""


@pytest.fixture(scope="module")
def tab(browser):
    """One tab for every page: axe-core is injected
    once per page and run in both modes."""
    context = browser.new_context(
        viewport=_browser.VIEWPORT, color_scheme="light", service_workers="block"
    )
    context.set_default_timeout(15_000)
    _browser.watch(context)
    page = context.new_page()
    yield page
    context.close()


def test_axe_every_page(
    page: str, tab, base_url: str, axe_source: str, axe_counts
) -> None:
    tab.goto(base_url + page, wait_until="load")
    found = []
    for mode in ("light", "dark"):
        tab.evaluate(_MODE_JS, mode)
        found += [
            f"({mode}) {line}"
            for line in _axe.serious_violations(tab, axe_source, inject=mode == "light")
        ]
    # the summary lists the pages with findings (every page passing would be ~190 lines)
    if found:
        axe_counts[f"{page} (light/dark, in place)"] = len(found)
    assert not found, f"{page}:\n  " + "\n  ".join(found)

"""Accessibility: axe-core finds no serious or critical violation on each kind of page, both modes."""

from __future__ import annotations

import _axe
import _browser
import pytest

KINDS = ["home", "notes", "example-1", "api", "search"]


@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("kind", KINDS)
def test_axe(kind: str, mode: str, visit, axe_counts, base_url: str, named_pages, axe_source: str) -> None:
    query = "?q=convolution" if kind == "search" else ""
    with visit(base_url + named_pages[kind] + query, mode=mode) as (tab, _traffic):
        _browser.math_problems(tab)  # let MathJax finish so its output is what axe sees
        if kind == "search":
            tab.wait_for_selector("#search-results .search-summary", timeout=20_000)
        found = _axe.serious_violations(tab, axe_source)
    axe_counts[f"{named_pages[kind]} ({mode})"] = len(found)
    assert not found, f"{named_pages[kind]} ({mode}):\n  " + "\n  ".join(found)

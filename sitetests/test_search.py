"""Sphinx's client-side search answers a reader's question with the right page."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import TimeoutError as PlaywrightTimeout


def test_search_finds_the_notes(
    visit, base_url: str, named_pages: dict[str, str]
) -> None:
    url = f"{base_url}{named_pages['search']}?q=parameter+sharing"
    with visit(url) as (tab, traffic):
        try:  # Sphinx writes "Search finished, found N pages..." when done
            tab.wait_for_selector(
                "#search-results .search-summary:has-text('finished')", timeout=20_000
            )
        except PlaywrightTimeout:
            pass  # reported below with whatever results there are
        summary = tab.locator("#search-results").inner_text()
        hits = [
            urlsplit(href).path
            for href in tab.eval_on_selector_all(
                "#search-results a", "els => els.map(a => a.href)"
            )
        ]
        problems = traffic.problems()
    notes = "/" + named_pages["notes"]
    assert any(path.endswith(notes) for path in hits), (
        f"{notes} not among the results {hits}: {summary[:300]!r}"
    )
    assert not problems, problems

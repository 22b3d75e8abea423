"""The site opened from disk (file://), as a reader who unzipped it would."""

from __future__ import annotations

from pathlib import Path

import _browser
import pytest


@pytest.mark.parametrize("kind", ["home", "notes", "example-1"])
def test_opens_from_disk(kind: str, visit, site: Path, named_pages) -> None:
    url = (site / named_pages[kind]).as_uri()
    with visit(url) as (tab, traffic):
        title = tab.title()
        text = (
            tab.locator("main").first.inner_text()
            if tab.locator("main").count()
            else ""
        )
        images = tab.evaluate("document.images.length")
        broken = _browser.broken_images(tab)
        math = _browser.math_problems(tab)
        problems = traffic.problems()
    assert title and len(text) > 40, (
        f"{url} rendered no content (title {title!r}, {len(text)} characters)"
    )
    if kind.startswith("example"):
        assert images, f"{url} shows no image"
    assert not broken, f"images not loaded from disk: {broken}"
    assert not math, f"math not rendered from disk: {math}"
    assert not problems, problems

"""The Performance page shows the committed benchmark
record: where, when, the table and the plot."""

from __future__ import annotations

import json
from pathlib import Path

LATEST = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "latest.json"


def test_performance_page_shows_the_record(
    visit, base_url: str, pages: list[str]
) -> None:
    record = json.loads(LATEST.read_text(encoding="utf-8"))
    assert "performance.html" in pages
    with visit(base_url + "performance.html") as (tab, traffic):
        text = tab.locator("article").inner_text()
        headers = tab.locator("article table th").all_inner_texts()
        rows = tab.locator("article table tbody tr").count()
        plots = tab.locator(
            "article img[src$='.svg'], article img[src$='.png'], article "
            "img[src$='.webp']"
        ).count()
        problems = traffic.problems()
    assert "No benchmark record" not in text
    assert f"Measured on {record['date'][:10]}" in text
    assert record["commit"][:9] in text and record["machine"]["cpu"] in text
    assert "commit" in text and (
        "before the one built here" in text or "at the commit built here" in text
    )
    assert "convdoc forward" in headers and "vs torch" in headers
    assert rows >= len(record["cases"])
    assert plots >= 1, "no scaling plot"
    assert not problems, problems

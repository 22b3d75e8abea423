"""Every page of the built site, opened in Chromium over HTTP on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import _browser
from _site import broken_links


def test_page(page: str, visit, base_url: str, site: Path) -> None:
    """No console error, failed or off-site request;
    images load; links, anchors and math resolve."""
    with visit(base_url + page) as (tab, traffic):
        problems = [f"image not loaded: {src}" for src in _browser.broken_images(tab)]
        problems += [
            f"broken link {link}"
            for link in broken_links(_browser.link_urls(tab), base_url, site)
        ]
        problems += _browser.math_problems(tab)
        problems += traffic.problems()
    assert not problems, f"{page}:\n  " + "\n  ".join(problems)

"""axe-core, fetched once from the npm registry
into a cache, injected into pages offline.

``python sitetests/_axe.py`` fetches it ahead of time (CI does it on the first test run
anyway). Set ``$CONVDOC_AXE_JS`` to the path of an ``axe.min.js`` to use that file
instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from playwright.sync_api import Page

# Pinned: a new axe release may add rules, and a test run should
# not change under our feet.
AXE_VERSION = "4.14.1"
CACHE = (
    Path(__file__).resolve().parents[1]
    / ".nox"
    / "sitetests-cache"
    / f"axe-core-{AXE_VERSION}"
)
SERIOUS = {"serious", "critical"}

# Serious/critical findings in third-party markup and CSS (pydata-sphinx-theme),
# tolerated by rule id and a CSS selector the offending element matches. Each entry says
# why and how the site could drop it; anything else must be fixed in the site.
ALLOWED: list[tuple[str, str]] = [
    # The theme's navbar search field ("search-button-field") shows "Search" plus the
    # shortcut "Ctrl+K" but is labelled aria-label="Search". The site could use the
    # icon-only button: html_theme_options["navbar_persistent"] = ["search-button"].
    ("label-content-name-mismatch", ".search-button-field"),
    # Sphinx marks the query words in search results with span.highlighted; in dark mode
    # the theme paints them with --pst-color-target (#675c04) under link text (#3fb1c5):
    # 2.7:1. A custom CSS rule for html[data-theme=dark] span.highlighted would fix it.
    ("color-contrast", "#search-results span.highlighted"),
]


def axe_source() -> str:
    """The text of ``axe.min.js``, fetched with ``npm pack`` on first use."""
    override = os.environ.get("CONVDOC_AXE_JS")
    path = Path(override) if override else CACHE / "axe.min.js"
    if not path.is_file():
        if override:
            raise FileNotFoundError(
                f"`CONVDOC_AXE_JS` must name an existing axe.min.js; got {override!r}"
            )
        _fetch(path)
    return path.read_text(encoding="utf-8")


def _fetch(dest: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "the accessibility tests need axe-core: install Node.js/npm, or set "
            "`CONVDOC_AXE_JS` "
            "to an axe.min.js file; got no `npm` on PATH"
        )
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                npm,
                "pack",
                f"axe-core@{AXE_VERSION}",
                "--silent",
                "--pack-destination",
                tmp,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
        (tarball,) = Path(tmp).glob("axe-core-*.tgz")
        with tarfile.open(tarball) as tar:
            data = tar.extractfile("package/axe.min.js").read()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp_dest = dest.with_suffix(".part")
    tmp_dest.write_bytes(data)
    tmp_dest.replace(dest)


_RUN_JS = """async (allowed) => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  const tolerated = (id, target) => {
    const el = target.length === 1 ? document.querySelector(target[0]) : null;
    return !!el && allowed.some(
      ([rule, selector]) => rule === id && el.matches(selector));
  };
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter(n => !tolerated(v.id, n.target))
      .map(n => ({
        target: n.target.join(' '), impact: n.impact, summary: n.failureSummary,
      })),
  }));
}"""


def serious_violations(page: Page, source: str, *, inject: bool = True) -> list[str]:
    """Run axe-core on ``page``; one line per
    serious/critical finding not in ``ALLOWED``.

    ``inject=False`` reuses the axe-core already injected into the page (e.g. a second
    run after switching the colour mode).
    """
    if inject:
        page.add_script_tag(content=source)
    found = []
    for violation in page.evaluate(_RUN_JS, ALLOWED):
        for node in violation["nodes"]:
            impact = node["impact"] or violation["impact"]
            if impact in SERIOUS:
                found.append(
                    f"[{impact}] {violation['id']} ({violation['help']}) at "
                    f"{node['target']}: "
                    f"{(node['summary'] or '').splitlines()[-1:]}"
                )
    return found


if __name__ == "__main__":
    print(len(axe_source()), "characters of axe-core", AXE_VERSION, file=sys.stderr)

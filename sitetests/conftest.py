"""Browser-test fixtures: the built site, a local server, Chromium, axe-core, downloads.

Run with ``nox -s site`` or ``pytest -c sitetests/pytest.ini sitetests``. Settings:

- ``CONVDOC_SITE``: the built HTML folder (default ``docs/_build/html``; build it with
  ``nox -s docs``);
- ``CONVDOC_SCREENSHOTS``: where screenshots go (default ``docs/_build/screenshots``);
- ``CONVDOC_CHROMIUM``: the Chromium executable (default ``chromium`` on PATH, else
  Playwright's own);
- ``CONVDOC_AXE_JS``: an ``axe.min.js`` to use instead of fetching axe-core with
  ``npm pack``.

The run ends with a "convdoc site" summary: pages opened, requests blocked, axe and
download results.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from pathlib import Path

import _axe
import _browser
import _downloads
import pytest
from _site import find_page, gallery_examples, html_pages, serve, site_dir
from playwright.sync_api import sync_playwright

SITE = site_dir()
OPENED: set[str] = set()  # URLs the tests opened (the broken self-check site excluded)
BLOCKED: list[str] = []  # requests to other hosts, from those pages
AXE: Counter[str] = Counter()  # page (mode) -> serious/critical findings
_BACKGROUND: list[_downloads.Reader] = []
#: Fixtures whose tests wait for the reader's runs
#: (they run last, the runs going on meanwhile).
READER_RUNS = {"download_runs", "bundle_runs", "bare_notebook_run"}


def pytest_configure(config: pytest.Config) -> None:
    if not (SITE / "index.html").is_file():
        raise pytest.UsageError(
            f"no built site at {SITE}: run `nox -s docs` first (or set CONVDOC_SITE)"
        )


def pytest_report_header(config: pytest.Config) -> list[str]:
    exe = _browser.chromium_executable() or "Playwright's own Chromium"
    return [f"site: {SITE} ({len(html_pages(SITE))} pages)", f"browser: {exe}"]


def _download_files() -> list[Path]:
    offers = _downloads.example_downloads(SITE, html_pages(SITE))
    return sorted(
        {f for files in offers.values() for f in files if f.suffix in (".py", ".ipynb")}
    )


def _bundled_files() -> list[str]:
    """``<zip>/<file>`` for every example file in
    the "download all" zips the site links."""
    archives = _downloads.bundles(SITE, html_pages(SITE))
    return [
        f"{z.name}/{n}"
        for z in archives
        for n in sorted(_downloads.zip_names([z]))
        if n.endswith((".py", ".ipynb"))
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``page``: every HTML page; ``download``: every
    example .py/.ipynb; ``bundled``: every zipped one."""
    if "page" in metafunc.fixturenames:
        metafunc.parametrize("page", html_pages(SITE))
    if "download" in metafunc.fixturenames:
        metafunc.parametrize("download", sorted({f.name for f in _download_files()}))
    if "bundled" in metafunc.fixturenames:
        metafunc.parametrize("bundled", _bundled_files())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Download runs last: they run in the background
    meanwhile (see pytest_collection_finish)."""
    items.sort(
        key=lambda item: bool(READER_RUNS & set(getattr(item, "fixturenames", ())))
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the reader's venvs and runs now, if any selected test needs them."""
    used = {
        name for item in session.items for name in getattr(item, "fixturenames", ())
    }
    if not session.config.option.collectonly and used & (READER_RUNS | {"fresh_venv"}):
        _BACKGROUND.append(
            _downloads.Reader(SITE, html_pages(SITE), run=bool(used & READER_RUNS))
        )


def pytest_terminal_summary(
    terminalreporter, exitstatus: int, config: pytest.Config
) -> None:
    write = terminalreporter.write_line
    terminalreporter.section("convdoc site")
    write(
        f"site: {SITE}, {len(html_pages(SITE))} HTML pages; {len(OPENED)} URLs opened "
        "in Chromium"
    )
    write(
        f"requests to other hosts blocked: {len(BLOCKED)}"
        + "".join(f"\n  {u}" for u in sorted(set(BLOCKED)))
    )
    if AXE:
        write(
            f"axe-core {_axe.AXE_VERSION}: {sum(AXE.values())} serious/critical "
            f"findings on {len(AXE)} checks"
        )
        for page, count in sorted(AXE.items()):
            write(f"  {page}: {count}")
    for job in _BACKGROUND:
        bare = {
            "bare venv, first cell installs: " + name: job.bare
            for name in ["notebook"]
            if job.bare
        }
        for name, future in sorted({**job.runs, **job.bundle_runs, **bare}.items()):
            if future.done() and not future.cancelled() and future.exception() is None:
                run = future.result()
                status = (
                    "ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})"
                )
                write(f"download {name}: {status} in {run.seconds:.1f} s")


def pytest_unconfigure(config: pytest.Config) -> None:
    while _BACKGROUND:
        _BACKGROUND.pop().close()


@pytest.fixture(scope="session")
def site() -> Path:
    return SITE


@pytest.fixture(scope="session")
def pages() -> list[str]:
    return html_pages(SITE)


class _Named(dict):
    count = 0

    def __getitem__(self, kind: str) -> str:
        page = super().__getitem__(kind)
        if page is None:
            pytest.fail(
                f"the site has no {kind} page (looked among {self.count} pages)"
            )
        return page


@pytest.fixture(scope="session")
def named_pages(pages: list[str]) -> dict[str, str]:
    """The kinds of page singled out: home, notes, API, search and two gallery examples.

    Looking up a kind the site lacks fails the test that needs it, naming the kind.
    """
    examples = gallery_examples(SITE, pages)
    found = _Named(
        home="index.html",
        notes=find_page(pages, "notes.html"),
        api=find_page(
            pages, "api.html", "api/index.html", "reference.html", contains="api"
        ),
        search=find_page(pages, "search.html"),
        **{
            "example-1": examples[0] if examples else None,
            "example-2": examples[1] if len(examples) > 1 else None,
        },
    )
    found.count = len(pages)
    return found


@pytest.fixture(scope="session")
def base_url() -> str:
    with serve(SITE) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = _browser.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def visit(browser):
    """``with visit(url, mode=None) as (tab, traffic)``:
    :func:`_browser.visit`, counted in the summary."""

    @contextlib.contextmanager
    def _visit(url: str, mode: str | None = None):
        traffic = None
        try:
            with _browser.visit(browser, url, mode=mode) as (tab, traffic):
                yield tab, traffic
        finally:
            OPENED.add(url)
            BLOCKED.extend(traffic.blocked if traffic else [])

    return _visit


@pytest.fixture(scope="session")
def axe_counts() -> Counter[str]:
    """Where test_a11y records the number of
    serious/critical findings per page, for the summary."""
    return AXE


@pytest.fixture(scope="session")
def axe_source() -> str:
    return _axe.axe_source()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    path = Path(os.environ.get("CONVDOC_SCREENSHOTS", SITE.parent / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def reader() -> _downloads.Reader:
    """The reader with only the website (see :class:`_downloads.Reader`)."""
    (job,) = _BACKGROUND
    return job


@pytest.fixture(scope="session")
def fresh_venv(reader) -> tuple[Path, dict[str, str]]:
    """A new venv where the command copied from an
    example page installed convdoc; (python, env)."""
    return reader.venv.result()


@pytest.fixture(scope="session")
def download_runs(reader) -> dict:
    """Every example .py and .ipynb, fetched from its
    page into its own empty folder and run there."""
    return reader.runs


@pytest.fixture(scope="session")
def bundle_runs(reader) -> dict:
    """Every file of each "download all" zip, run in the
    zip's unpacked folder after its requirements."""
    return reader.bundle_runs


@pytest.fixture(scope="session")
def bare_notebook_run(reader):
    """The first notebook, run where only the notebook runner
    is installed (its first cell installs convdoc)."""
    return reader.bare.result()

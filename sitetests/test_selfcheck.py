"""Every check of this suite can fail: each
one run on a small site broken on purpose."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import urllib.error
import zipfile
from pathlib import Path

import _axe
import _browser
import _downloads
import nbformat
import pytest
import test_downloads
from _site import broken_links, gallery_examples, html_pages, serve
from PIL import Image, ImageDraw
from test_theme import MIN_CONTRAST, ink_contrast

BROKEN_PAGE = r"""<!DOCTYPE html><html lang="en"><head><title>broken</title>
<script src="https://cdn.example.invalid/lib.js"></script></head>
<body><main><h1 id="top">Broken on purpose</h1>
<img src="missing.png" alt="a missing figure">
<img src="ink.png" alt="black ink" id="ink">
<img src="ink.png">
<a href="index.html#no-such-anchor">bad anchor</a> <a href="gone.html">missing page</a>
<a href="index.html#top">good anchor</a> <a href="https://numpy.org/">another site</a>
<p><span class="math">\(x^2\)</span></p>
<script>console.error("boom"); new Worker("worker.js");</script>
</main></body></html>"""


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("broken-site")
    (root / "index.html").write_text(BROKEN_PAGE)
    (root / "worker.js").write_text(
        'fetch("https://cdn.example.invalid/data.json").catch(() => {});'
    )
    # black ink on a transparent figure
    ink = Image.new("RGBA", (120, 80), (0, 0, 0, 0))
    ImageDraw.Draw(ink).line([(0, 0), (120, 80)], fill=(0, 0, 0, 255), width=6)
    ink.save(root / "ink.png")
    return root


@pytest.fixture(scope="module")
def broken(broken_site: Path, browser):
    with (
        serve(broken_site) as base,
        _browser.visit(browser, base + "index.html") as (tab, traffic),
    ):
        tab.wait_for_timeout(300)  # let the worker's request happen
        yield base, tab, traffic


def test_blocks_and_counts_other_hosts_also_from_workers(broken) -> None:
    _, _, traffic = broken
    assert "https://cdn.example.invalid/lib.js" in traffic.blocked
    # fetched by the worker
    assert "https://cdn.example.invalid/data.json" in traffic.blocked
    assert any(url.endswith("/worker.js") for url in traffic.workers)


def test_reports_console_errors_and_failed_requests(broken) -> None:
    _, _, traffic = broken
    assert any("boom" in line for line in traffic.console)
    assert any("missing.png" in line and "404" in line for line in traffic.failed)


def test_reports_broken_images(broken) -> None:
    _, tab, _ = broken
    assert [src.rsplit("/", 1)[-1] for src in _browser.broken_images(tab)] == [
        "missing.png"
    ]


def test_reports_broken_links_and_anchors(broken, broken_site: Path) -> None:
    base, tab, _ = broken
    found = broken_links(_browser.link_urls(tab), base, broken_site)
    assert (
        len(found) == 2 and "no-such-anchor" in found[1] and "gone.html" in found[0]
    ), found


def test_reports_raw_tex(broken) -> None:
    _, tab, _ = broken
    assert _browser.math_problems(tab) == ["untypeset: \\(x^2\\)", "raw TeX: \\(x^2\\)"]


def test_reports_serious_axe_violations(broken, axe_source: str) -> None:
    _, tab, _ = broken
    found = _axe.serious_violations(tab, axe_source)
    assert any("image-alt" in line for line in found), found


def test_reports_dark_ink_on_a_dark_page(broken) -> None:
    _, tab, _ = broken
    light = tab.locator("#ink").screenshot()
    # pydata's dark background
    tab.add_style_tag(content="body { background: #14181e; }")
    dark = tab.locator("#ink").screenshot()
    assert ink_contrast(light, light) >= MIN_CONTRAST > ink_contrast(light, dark)


def test_reports_broken_images_from_disk(broken_site: Path, browser) -> None:
    with _browser.visit(browser, (broken_site / "index.html").as_uri()) as (
        tab,
        traffic,
    ):
        assert [src.rsplit("/", 1)[-1] for src in _browser.broken_images(tab)] == [
            "missing.png"
        ]
        assert "https://cdn.example.invalid/lib.js" in traffic.blocked


def test_reports_a_zip_missing_an_example(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "all_python.zip", "w") as zf:
        zf.writestr("gallery/plot_01_a.py", "")
    assert {"plot_01_a.py", "plot_02_b.py"} - _downloads.zip_names(
        [tmp_path / "all_python.zip"]
    ) == {"plot_02_b.py"}


def test_reports_failing_downloads(fresh_venv, tmp_path: Path) -> None:
    python, env = fresh_venv
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("raise RuntimeError('second cell')"),
        ]
    )
    nbformat.write(notebook, tmp_path / "bad.ipynb")
    (tmp_path / "bad.py").write_text(
        "import convdoc\nraise SystemExit('script failed')\n"
    )
    runs = _downloads.run_all(
        python, [tmp_path / "bad.ipynb", tmp_path / "bad.py"], tmp_path / "runs", env
    )
    notebook_run, script_run = runs["bad.ipynb"].result(), runs["bad.py"].result()
    assert notebook_run.returncode == 1 and "second cell" in notebook_run.output, (
        notebook_run
    )
    assert script_run.returncode == 1 and "script failed" in script_run.output, (
        script_run
    )


# --- The reader's path: each way of breaking the downloads fails the download checks --


@pytest.fixture
def site_copy(site: Path, tmp_path: Path) -> Path:
    """A copy of the built site to break (the real one is left alone)."""
    return Path(shutil.copytree(site, tmp_path / "site"))


def test_reports_a_notebook_without_its_install_cell(site_copy: Path) -> None:
    (notebook, *_) = sorted(site_copy.glob("_downloads/*/*.ipynb"))
    data = json.loads(notebook.read_text(encoding="utf-8"))
    data["cells"] = data["cells"][1:]
    notebook.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(AssertionError, match="first cell does not install convdoc"):
        test_downloads.test_every_download_says_how_to_install(
            site_copy, html_pages(site_copy)
        )


def test_reports_a_site_without_the_wheel(site_copy: Path, tmp_path: Path) -> None:
    (wheel,) = (site_copy / _downloads.DIST).glob("*.whl")
    wheel.unlink()
    with pytest.raises(AssertionError, match="holds"):
        test_downloads.test_site_ships_the_package_it_ran(site_copy)
    page = _site_gallery_page(site_copy)
    with serve(site_copy) as base:
        _, link = _downloads.install_box(
            (site_copy / page).read_text(encoding="utf-8"), base + page
        )
        # the reader's download of it
        with pytest.raises(urllib.error.HTTPError, match="404"):
            _downloads.fetch(link, tmp_path / wheel.name)


def test_reports_a_wheel_of_another_version(site_copy: Path) -> None:
    (wheel,) = (site_copy / _downloads.DIST).glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(wheel, "w") as zf:
        for info, data in entries:
            if info.filename.endswith(".dist-info/METADATA"):
                data = re.sub(rb"(?m)^Version: .*$", b"Version: 999.0", data)
            zf.writestr(info, data)
    # summed consistently: only the version is wrong
    sums = site_copy / _downloads.DIST / "SHA256SUMS"
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    sums.write_text(
        re.sub(
            rf"(?m)^\w+(  {re.escape(wheel.name)})$", rf"{digest}\1", sums.read_text()
        )
    )
    with pytest.raises(AssertionError, match="Version"):
        test_downloads.test_site_ships_the_package_it_ran(site_copy)


def _site_gallery_page(root: Path) -> str:
    return gallery_examples(root, html_pages(root))[0]

"""The gallery downloads, taken from the built site, run for a reader with only ``convdoc[examples]``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import _downloads
import pytest
from _site import DEFAULT_HTML, ROOT


def test_every_example_offers_py_and_ipynb(site: Path, pages: list[str]) -> None:
    offers = _downloads.example_downloads(site, pages)
    assert offers, "the site has no sphinx-gallery example page"
    wrong = {
        page: [f.name for f in files]
        for page, files in offers.items()
        if sorted(f.suffix for f in files if f.suffix in (".py", ".ipynb")) != [".ipynb", ".py"]
    }
    assert not wrong, f"example pages without exactly one .py and one .ipynb download: {wrong}"
    names = [f.name for files in offers.values() for f in files if f.suffix in (".py", ".ipynb")]
    assert len(names) == len(set(names)), f"two examples share a download name: {sorted(names)}"


def test_zips_hold_every_example(site: Path, pages: list[str]) -> None:
    """The "download all" zips (Python and Jupyter) contain every example's file."""
    offers = _downloads.example_downloads(site, pages)
    zips = _downloads.bundles(site, pages)
    for kind, suffix in (("python", ".py"), ("jupyter", ".ipynb")):
        archives = [z for z in zips if z.name.endswith(f"_{kind}.zip")]
        assert archives, f"no *_{kind}.zip linked from any page (found {[z.name for z in zips]})"
        wanted = {f.name for files in offers.values() for f in files if f.suffix == suffix}
        missing = wanted - _downloads.zip_names(archives)
        assert not missing, f"{[z.name for z in archives]} lack {sorted(missing)}"
    for page, files in offers.items():  # an example's own zip (sphinx-gallery >= 0.17) holds both files
        own = [f for f in files if f.suffix == ".zip" and f not in zips]
        wanted = {f.name for f in files if f.suffix in (".py", ".ipynb")}
        if own and (missing := wanted - _downloads.zip_names(own)):
            raise AssertionError(f"{page}: {[z.name for z in own]} lack {sorted(missing)}")


def test_site_has_every_gallery_source(site: Path, pages: list[str]) -> None:
    """Each ``gallery/plot_*.py`` of the source tree became a page with a download."""
    if site != DEFAULT_HTML.resolve():
        pytest.skip(f"{site} is not this tree's build ({DEFAULT_HTML})")
    sources = {p.name for p in (ROOT / "gallery").glob("**/plot_*.py")}
    built = {f.name for files in _downloads.example_downloads(site, pages).values() for f in files}
    assert sources <= built, f"gallery examples missing from the site: {sorted(sources - built)}"


def test_fresh_venv_runs_the_released_package(fresh_venv) -> None:
    """The venv imports convdoc from its own site-packages (an installed copy, not the work tree)."""
    python, env = fresh_venv
    where = subprocess.run(
        [str(python), "-c", "import convdoc; print(convdoc.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=python.parent,
    )
    assert Path(where.stdout.strip()).is_relative_to(python.parent.parent), where.stdout


def test_download_runs(download: str, download_runs) -> None:
    run = download_runs[download].result()
    assert run.returncode == 0, (
        f"{download} failed (exit {run.returncode}) in {run.seconds:.0f} s:\n{run.output[-4000:]}"
    )

"""The gallery downloads as a reader meets them: only
the served website, venvs that never saw the clone.

The install command is read from an example page (as a reader copies it); the wheel it
names comes from the site; every script and notebook, and each "download all" zip, runs
from there.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

import _downloads
import pytest
from _site import DEFAULT_HTML, ROOT, gallery_examples

INSTALLED_BY_PIP = "Successfully installed"


def site_version(site: Path) -> str:
    """The version the pages show (Sphinx's
    ``release``, which conf.py takes from convdoc)."""
    options = (site / "_static" / "documentation_options.js").read_text(
        encoding="utf-8"
    )
    return re.search(r"VERSION: '([^']+)'", options).group(1)


def page_command(site: Path, page: str) -> str:
    return _downloads.install_box(
        (site / page).read_text(encoding="utf-8"), f"http://x/{page}"
    )[0]


def test_every_example_offers_py_and_ipynb(site: Path, pages: list[str]) -> None:
    offers = _downloads.example_downloads(site, pages)
    assert offers, "the site has no sphinx-gallery example page"
    wrong = {
        page: [f.name for f in files]
        for page, files in offers.items()
        if sorted(f.suffix for f in files if f.suffix in (".py", ".ipynb"))
        != [".ipynb", ".py"]
    }
    assert not wrong, (
        f"example pages without exactly one .py and one .ipynb download: {wrong}"
    )
    names = [
        f.name
        for files in offers.values()
        for f in files
        if f.suffix in (".py", ".ipynb")
    ]
    assert len(names) == len(set(names)), (
        f"two examples share a download name: {sorted(names)}"
    )


def test_zips_hold_every_example_the_wheel_and_requirements(
    site: Path, pages: list[str]
) -> None:
    """The "download all" zips (Python and Jupyter):
    every example, the wheel, requirements.txt."""
    offers = _downloads.example_downloads(site, pages)
    zips = _downloads.bundles(site, pages)
    wheel = f"convdoc-{site_version(site)}-py3-none-any.whl"
    for kind, suffix in (("python", ".py"), ("jupyter", ".ipynb")):
        archives = [z for z in zips if z.name.endswith(f"_{kind}.zip")]
        assert archives, (
            f"no *_{kind}.zip linked from any page (found {[z.name for z in zips]})"
        )
        wanted = {
            f.name for files in offers.values() for f in files if f.suffix == suffix
        }
        missing = (
            wanted | {wheel, "requirements.txt", "README.txt"}
        ) - _downloads.zip_names(archives)
        assert not missing, f"{[z.name for z in archives]} lack {sorted(missing)}"
        for archive in archives:
            with zipfile.ZipFile(archive) as zf:
                shipped = zf.read(wheel)
            assert shipped == (site / _downloads.DIST / wheel).read_bytes(), (
                f"{archive.name} holds another wheel"
            )
    # an example's own zip (sphinx-gallery >= 0.17) holds both files
    for page, files in offers.items():
        own = [f for f in files if f.suffix == ".zip" and f not in zips]
        wanted = {f.name for f in files if f.suffix in (".py", ".ipynb")}
        if own and (missing := wanted - _downloads.zip_names(own)):
            raise AssertionError(
                f"{page}: {[z.name for z in own]} lack {sorted(missing)}"
            )


def test_site_has_every_gallery_source(site: Path, pages: list[str]) -> None:
    """Each ``gallery/plot_*.py`` of the source tree became a page with a download."""
    if site != DEFAULT_HTML.resolve():
        pytest.skip(f"{site} is not this tree's build ({DEFAULT_HTML})")
    sources = {p.name for p in (ROOT / "gallery").glob("**/plot_*.py")}
    built = {
        f.name
        for files in _downloads.example_downloads(site, pages).values()
        for f in files
    }
    assert sources <= built, (
        f"gallery examples missing from the site: {sorted(sources - built)}"
    )


def test_site_ships_the_package_it_ran(site: Path) -> None:
    """Wheel, sdist and SHA256SUMS at _downloads/dist/:
    sums right, version the pages show, LICENSE in both."""
    dist, version = site / _downloads.DIST, site_version(site)
    wheel, sdist = (
        dist / f"convdoc-{version}-py3-none-any.whl",
        dist / f"convdoc-{version}.tar.gz",
    )
    assert wheel.is_file() and sdist.is_file(), (
        f"{dist} holds {sorted(p.name for p in dist.glob('*'))}"
    )
    sums = dict(
        line.split("  ")[::-1]
        for line in (dist / "SHA256SUMS").read_text().splitlines()
    )
    assert sums == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (wheel, sdist)
    }
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read(f"convdoc-{version}.dist-info/METADATA").decode()
        assert f"convdoc-{version}.dist-info/licenses/LICENSE" in zf.namelist()
    assert f"\nVersion: {version}\n" in metadata
    with tarfile.open(sdist) as tf:
        assert f"convdoc-{version}/LICENSE" in tf.getnames()


def test_every_example_page_shows_one_install_command(
    site: Path, pages: list[str]
) -> None:
    commands = {
        page: page_command(site, page) for page in gallery_examples(site, pages)
    }
    assert len(set(commands.values())) == 1, f"the example pages disagree: {commands}"
    (command,) = set(commands.values())
    assert (
        command.startswith("pip install ")
        and f"convdoc-{site_version(site)}-py3-none-any.whl" in command
    )
    index = next(p for p in pages if p.endswith("auto_examples/index.html"))
    assert page_command(site, index) == command, (
        "the gallery index shows another command"
    )


def test_every_download_says_how_to_install(site: Path, pages: list[str]) -> None:
    """Scripts open with the page's command as a
    comment; notebooks run it in their first cell."""
    command = page_command(site, gallery_examples(site, pages)[0])
    for files in _downloads.example_downloads(site, pages).values():
        for file in files:
            if file.suffix == ".py":
                head = file.read_text(encoding="utf-8").split('"""', 1)[0]
                assert f"#     {command}\n" in head, (
                    f"{file.name} does not start with the install command"
                )
            elif file.suffix == ".ipynb":
                first = json.loads(file.read_text(encoding="utf-8"))["cells"][0]
                source = "".join(first["source"])
                assert first["cell_type"] == "code" and f"    %{command}\n" in source, (
                    f"{file.name}'s first cell does not install convdoc: "
                    f"{source[:300]!r}"
                )
                assert f"!= '{site_version(site)}'" in source, (
                    f"{file.name} does not check the version first"
                )


def test_fresh_venv_runs_the_released_package(fresh_venv, site: Path) -> None:
    """The venv imports the convdoc the page's command
    installed: its own copy, the site's version."""
    python, env = fresh_venv
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import convdoc; print(convdoc.__file__); print(convdoc.__version__)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=python.parent,
    )
    file, version = where.stdout.split()
    assert Path(file).is_relative_to(python.parent.parent), where.stdout
    assert version == site_version(site), (
        f"the reader got convdoc {version}; the site ran {site_version(site)}"
    )


def test_download_runs(download: str, download_runs) -> None:
    run = download_runs[download].result()
    assert run.returncode == 0, (
        f"{download} failed (exit {run.returncode}) in {run.seconds:.0f} "
        f"s:\n{run.output[-4000:]}"
    )
    # convdoc was there: the install cell must not reinstall it
    if download.endswith(".ipynb"):
        assert INSTALLED_BY_PIP not in run.output, (
            f"{download}'s first cell reinstalled:\n{run.output[:2000]}"
        )


def test_bundled_runs(bundled: str, bundle_runs) -> None:
    """Each zip unpacked in an empty folder, `pip install
    -r requirements.txt`, then every file runs."""
    run = bundle_runs[bundled].result()
    assert run.returncode == 0, (
        f"{bundled} failed (exit {run.returncode}) in {run.seconds:.0f} "
        f"s:\n{run.output[-4000:]}"
    )


def test_notebook_installs_convdoc_itself(bare_notebook_run, site: Path) -> None:
    """Where convdoc is missing, a downloaded
    notebook's first cell installs the site's wheel."""
    run = bare_notebook_run
    assert run.returncode == 0, (
        f"{run.name} failed (exit {run.returncode}):\n{run.output[-4000:]}"
    )
    assert (
        INSTALLED_BY_PIP in run.output and f"convdoc-{site_version(site)}" in run.output
    ), run.output[:3000]

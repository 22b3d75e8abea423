"""The site ships the package it ran, and a build
that knows its public URL installs from it.

A throwaway site (see ``conftest.py``) built with ``CONVDOC_BASEURL`` set, as Read the
Docs' canonical URL would set it: the example page, the notebook and the script name the
wheel by that absolute URL. Served on 127.0.0.1, the command copied from the page (only
the site's address substituted) installs convdoc in a fresh venv that never saw the
clone.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "sitetests"))

import _downloads  # noqa: E402
from _site import serve  # noqa: E402

BASE = "https://convdoc.example/en/latest/"


@pytest.fixture
def built(site, monkeypatch):
    monkeypatch.setenv("CONVDOC_BASEURL", BASE)
    site.example(
        "plot_01_version",
        '''
        """
        The installed convdoc
        =====================

        Prints the version of convdoc that runs this example.
        """

        import convdoc as cd

        print(f"convdoc {cd.__version__}")
        ''',
    )
    build = site.build()
    assert build.returncode == 0, build.output[-3000:]
    return build


def test_a_build_with_a_public_url_installs_from_it(built, tmp_path: Path) -> None:
    dist = built.html / "_downloads" / "dist"
    (wheel,) = dist.glob("convdoc-*-py3-none-any.whl")
    url = f"{BASE}_downloads/dist/{wheel.name}"
    page = built.page("auto_examples/plot_01_version")
    command, linked = _downloads.install_box(
        page, BASE + "auto_examples/plot_01_version.html"
    )
    assert command == f'pip install "convdoc[examples] @ {url}"' and linked is None, (
        command,
        linked,
    )
    assert (
        f'<link rel="canonical" href="{BASE}auto_examples/plot_01_version.html"' in page
    )
    downloads = built.html / "_downloads"
    (notebook,) = downloads.rglob("plot_01_version.ipynb")
    (script,) = downloads.rglob("plot_01_version.py")
    assert f"%{command}" in "".join(
        json.loads(notebook.read_text())["cells"][0]["source"]
    )
    assert f"#     {command}\n" in script.read_text()

    env = _downloads.clean_env(tmp_path)
    # import convdoc fails there first
    python, env = _downloads.new_venv(tmp_path / "venv", env)
    with serve(built.html) as served:
        _downloads.run_shell(_downloads.served_command(command, served), env, tmp_path)
    ran = subprocess.run(
        [str(python), script.name],
        cwd=script.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert (
        ran.returncode == 0 and f"convdoc {wheel.name.split('-')[1]}" in ran.stdout
    ), ran.stdout + ran.stderr


def test_a_tree_that_cannot_be_built_fails_the_build(site, tmp_path: Path) -> None:
    """convdoc imported from a folder with no
    pyproject.toml: no wheel of it, so no site."""
    import shutil

    package = tmp_path / "pythonpath"
    shutil.copytree(
        ROOT / "convdoc",
        package / "convdoc",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    site.pythonpath = package
    build = site.build()
    assert build.returncode != 0
    assert "no source tree was found to build it from" in build.output, build.output[
        -3000:
    ]
    assert not build.html.exists()

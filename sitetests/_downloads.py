"""The gallery's downloads as a reader gets them: taken from the built site, run in a fresh venv."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from _site import ROOT, gallery_examples, scan

RUN_NOTEBOOK = Path(__file__).with_name("run_notebook.py")
TIMEOUT = 600  # seconds for one script or notebook
BUNDLE_SUFFIXES = ("_python.zip", "_jupyter.zip")


def linked_downloads(root: Path, page: str) -> list[Path]:
    """The files under ``_downloads/`` that ``page`` links to."""
    found = []
    for href in scan(root / page).hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path:
            continue
        path = ((root / page).parent / unquote(parts.path)).resolve()
        if (root / "_downloads") in path.parents:
            found.append(path)
    return sorted(set(found))


def example_downloads(root: Path, pages: list[str]) -> dict[str, list[Path]]:
    """For every gallery example page, the downloads it offers."""
    return {page: linked_downloads(root, page) for page in gallery_examples(root, pages)}


def bundles(root: Path, pages: list[str]) -> list[Path]:
    """The "download all examples" zips linked from any page."""
    found = {p for page in pages for p in linked_downloads(root, page) if p.name.endswith(BUNDLE_SUFFIXES)}
    return sorted(found)


def zip_names(archives: list[Path]) -> set[str]:
    """The base names of every file in ``archives``."""
    names = set()
    for archive in archives:
        with zipfile.ZipFile(archive) as zf:
            names.update(Path(n).name for n in zf.namelist() if not n.endswith("/"))
    return names


def clean_env(home: Path) -> dict[str, str]:
    """This process's environment minus Python/venv/Jupyter settings, with private Jupyter dirs."""
    drop = ("PYTHON", "VIRTUAL_ENV", "JUPYTER", "CONDA", "IPYTHON", "MPL")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    env.update(
        MPLBACKEND="Agg",
        MPLCONFIGDIR=str(home / "mpl"),
        IPYTHONDIR=str(home / "ipython"),
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
    )
    return env


def make_venv(dest: Path, env: dict[str, str], project: Path = ROOT) -> Path:
    """A new virtualenv with only ``<project>[examples]`` (+ nbclient, ipykernel); returns its python."""
    python = dest / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    wanted = [f"{project}[examples]", "nbclient", "ipykernel"]
    uv = shutil.which("uv")
    if uv:  # much faster; --refresh-package: uv would otherwise reuse a wheel built from an older tree
        steps = [
            [uv, "venv", "--quiet", "--python", sys.executable, str(dest)],
            [
                uv,
                "pip",
                "install",
                "--quiet",
                "--python",
                str(python),
                "--refresh-package",
                "convdoc",
                *wanted,
            ],
        ]
    else:
        steps = [
            [sys.executable, "-m", "venv", str(dest)],
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted],
        ]
    for cmd in steps:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return python


@dataclass
class Run:
    """One download run to its end (or not)."""

    name: str
    returncode: int
    output: str
    seconds: float


def _run(python: Path, file: Path, env: dict[str, str]) -> Run:
    cmd = [str(python), str(RUN_NOTEBOOK), file.name] if file.suffix == ".ipynb" else [str(python), file.name]
    env = {**env, "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}"}  # as if activated
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=file.parent, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, output = -1, f"timed out after {TIMEOUT} s\n{exc.stdout or ''}{exc.stderr or ''}"
    return Run(file.name, code, re.sub(r"\x1b\[[0-9;]*m", "", output), time.monotonic() - start)


def run_all(
    python: Path, files: list[Path], workdir: Path, env: dict[str, str], jobs: int = 2
) -> dict[str, Future]:
    """Copy each file to its own folder under ``workdir`` and run it there, ``jobs`` at a time."""
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="sitetests-download")
    futures = {}
    for i, file in enumerate(files):
        folder = workdir / f"{i:03d}-{file.stem}{file.suffix.replace('.', '-')}"
        folder.mkdir(parents=True)
        futures[file.name] = pool.submit(_run, python, Path(shutil.copy2(file, folder)), env)
    pool.shutdown(wait=False)
    return futures


class Background:
    """Make the fresh venv, then run every file in it, in threads while the browser tests go on."""

    def __init__(self, files: list[Path], jobs: int = 2) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="convdoc-reader-", ignore_cleanup_errors=True)
        self.home = Path(self._tmp.name)
        self.env = clean_env(self.home)
        self._pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="sitetests-download")
        self.venv = self._pool.submit(make_venv, self.home / "venv", self.env)
        self.runs = {file.name: self._pool.submit(self._run_copy, file, i) for i, file in enumerate(files)}

    def _run_copy(self, file: Path, i: int) -> Run:
        python = self.venv.result()  # the other worker is making it
        folder = self.home / "downloads" / f"{i:03d}-{file.stem}{file.suffix.replace('.', '-')}"
        folder.mkdir(parents=True)
        return _run(python, Path(shutil.copy2(file, folder)), self.env)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._tmp.cleanup()

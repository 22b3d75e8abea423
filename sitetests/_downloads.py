"""The gallery's downloads as a reader gets them: from the
served site, run in venvs that never saw the clone."""

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
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import urlopen

from _site import gallery_examples, scan, serve

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
    return {
        page: linked_downloads(root, page) for page in gallery_examples(root, pages)
    }


def bundles(root: Path, pages: list[str]) -> list[Path]:
    """The "download all examples" zips linked from any page."""
    found = {
        p
        for page in pages
        for p in linked_downloads(root, page)
        if p.name.endswith(BUNDLE_SUFFIXES)
    }
    return sorted(found)


def zip_names(archives: list[Path]) -> set[str]:
    """The base names of every file in ``archives``."""
    names = set()
    for archive in archives:
        with zipfile.ZipFile(archive) as zf:
            names.update(Path(n).name for n in zf.namelist() if not n.endswith("/"))
    return names


def clean_env(home: Path) -> dict[str, str]:
    """This process's environment minus Python/venv/Jupyter
    settings, with private Jupyter dirs."""
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


@dataclass
class Run:
    """One download run to its end (or not)."""

    name: str
    returncode: int
    output: str
    seconds: float


def _run(python: Path, file: Path, env: dict[str, str]) -> Run:
    cmd = (
        [str(python), str(RUN_NOTEBOOK), file.name]
        if file.suffix == ".ipynb"
        else [str(python), file.name]
    )
    # as if activated
    env = {**env, "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}"}
    start = time.monotonic()
    try:
        done = subprocess.run(
            cmd,
            cwd=file.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, output = (
            -1,
            f"timed out after {TIMEOUT} s\n{exc.stdout or ''}{exc.stderr or ''}",
        )
    return Run(
        file.name, code, re.sub(r"\x1b\[[0-9;]*m", "", output), time.monotonic() - start
    )


def run_all(
    python: Path, files: list[Path], workdir: Path, env: dict[str, str], jobs: int = 2
) -> dict[str, Future]:
    """Copy each file to its own folder under
    ``workdir`` and run it there, ``jobs`` at a time."""
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="sitetests-download")
    futures = {}
    for i, file in enumerate(files):
        folder = workdir / f"{i:03d}-{file.stem}{file.suffix.replace('.', '-')}"
        folder.mkdir(parents=True)
        futures[file.name] = pool.submit(
            _run, python, Path(shutil.copy2(file, folder)), env
        )
    pool.shutdown(wait=False)
    return futures


# --- The reader's path: nothing but the served website --------------------------------

#: What runs a notebook headless: the harness's
#: tools, installed after the reader's command.
NOTEBOOK_RUNNER = ["nbclient>=0.10", "nbformat>=5.9", "ipykernel>=6"]
#: Where the site keeps the wheel it ran (docs/_ext/convdoc_dist.py).
DIST = "_downloads/dist/"


class _InstallBox(HTMLParser):
    """The first "convdoc-install" box of a page: the
    command in its code block, the links in it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # open <div>s inside the box (0: outside it)
        self.in_pre = False
        self.command = ""
        self.links: list[str] = []
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if self.done:
            return
        if tag == "div" and (
            self.depth or "convdoc-install" in (attr.get("class") or "").split()
        ):
            self.depth += 1
        elif self.depth and tag == "pre":
            self.in_pre = not self.command
        elif self.depth and tag == "a" and attr.get("href"):
            self.links.append(attr["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.in_pre = False
        elif tag == "div" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0

    def handle_data(self, data: str) -> None:
        if self.in_pre:
            self.command += data


def install_box(html: str, page_url: str) -> tuple[str, str | None]:
    """The install command a page shows and the
    absolute URL of the wheel it links, if any.

    >>> page = (
    ...     '<div class="admonition convdoc-install"><p>Get '
    ...     '<a href="../_downloads/dist/c.whl">c.whl</a></p><div><pre>'
    ...     '<span>pip install "./c.whl[examples]"</span>\\n</pre></div></div>'
    ... )
    >>> install_box(page, "http://127.0.0.1:8/auto_examples/plot_01.html")
    ('pip install "./c.whl[examples]"', 'http://127.0.0.1:8/_downloads/dist/c.whl')
    """
    box = _InstallBox()
    box.feed(html)
    if not box.command.strip():
        raise AssertionError(
            f"{page_url} shows no install command (no code block in a "
            "'convdoc-install' box)"
        )
    wheels = [
        urljoin(page_url, href)
        for href in box.links
        if urlsplit(href).path.endswith(".whl")
    ]
    return box.command.strip(), (wheels[0] if wheels else None)


def served_command(command: str, served: str) -> str:
    """The command with only the site's address replaced by the local server's.

    >>> shown = 'pip install "convdoc[examples] @ https://x.org/_downloads/dist/c.whl"'
    >>> served_command(shown, "http://127.0.0.1:8/")
    'pip install "convdoc[examples] @ http://127.0.0.1:8/_downloads/dist/c.whl"'
    """
    return re.sub(r"https?://\S+?/" + re.escape(DIST), served + DIST, command)


def fetch(url: str, dest: Path) -> Path:
    """Save ``url`` (a page's link, over HTTP) as
    ``dest``, as a browser's download would."""
    with urlopen(url, timeout=60) as response:
        dest.write_bytes(response.read())
    return dest


def _check(cmd: list[str], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(
        cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=1800
    )
    if done.returncode:
        raise RuntimeError(
            f"`{' '.join(cmd)}` in {cwd} failed (exit "
            f"{done.returncode}):\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout + done.stderr


def new_venv(dest: Path, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """A new virtualenv with pip and nothing else, in
    which ``import convdoc`` fails; (python, env)."""
    _check([sys.executable, "-m", "venv", str(dest)], env, dest.parent)
    python = dest / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    active = {
        **env,
        "VIRTUAL_ENV": str(dest),
        "PATH": f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
    }
    probe = subprocess.run(
        [str(python), "-c", "import convdoc"],
        env=active,
        cwd=dest.parent,
        capture_output=True,
    )
    if probe.returncode == 0:
        raise AssertionError(
            f"the new venv {dest} imports convdoc before anything was installed: it "
            "is not fresh"
        )
    return python, active


def add_notebook_runner(python: Path, env: dict[str, str]) -> None:
    """Install what runs notebooks headless (uv when there, much faster; else pip)."""
    uv = shutil.which("uv")
    cmd = (
        [uv, "pip", "install", "--quiet", "--python", str(python)]
        if uv
        else [str(python), "-m", "pip", "install"]
    )
    _check([*cmd, *NOTEBOOK_RUNNER], env, python.parent)


def run_shell(command: str, env: dict[str, str], cwd: Path) -> str:
    """Run a command copied from a page, as a reader pastes it into a shell."""
    return _check(["bash", "-c", command], env, cwd)


class Reader:
    """A reader with only the website: the site on 127.0.0.1, venvs in empty folders.

    In the background (threads, while the browser tests go on):

    - ``venv``: a fresh venv (``import convdoc`` fails there first) in which the install
      command of the first example page is run as shown (the wheel it links saved
      beside it first, when it links one); then every example's ``.py`` and ``.ipynb``,
      fetched from its page, runs in a folder of its own (``runs``);
    - ``bare``: the first notebook in a venv with only the notebook runner: its first
      cell must install convdoc by itself;
    - ``bundles``: each "download all" zip, unpacked into an empty folder,
      ``pip install -r requirements.txt`` in a new venv there, then every file in it
      run (``bundle_runs``).

    With ``run=False`` only ``venv`` is made.
    """

    def __init__(
        self, site: Path, pages: list[str], *, run: bool = True, jobs: int = 2
    ) -> None:
        self._tmp = tempfile.TemporaryDirectory(
            prefix="convdoc-reader-", ignore_cleanup_errors=True
        )
        self.home = Path(self._tmp.name)
        self.env = clean_env(self.home)
        self._server = serve(site)
        self.base = self._server.__enter__()
        offers = example_downloads(site, pages)
        self.first_page = self.base + next(iter(offers))
        self._setup = ThreadPoolExecutor(
            max_workers=3, thread_name_prefix="sitetests-venv"
        )
        self._pool = ThreadPoolExecutor(
            max_workers=jobs, thread_name_prefix="sitetests-download"
        )
        url = {
            f: self.base + f.relative_to(site).as_posix()
            for files in offers.values()
            for f in files
        }
        self.venv = self._setup.submit(self._reader_venv)
        self.runs: dict[str, Future] = {}
        self.bundles: dict[str, Future] = {}
        self.bundle_runs: dict[str, Future] = {}
        self.bare: Future | None = None
        if not run:
            return
        files = sorted(
            (f for f in url if f.suffix in (".py", ".ipynb")), key=lambda f: f.name
        )
        self.runs = {
            f.name: self._pool.submit(self._run_fetched, url[f], i)
            for i, f in enumerate(files)
        }
        notebook = min((f for f in files if f.suffix == ".ipynb"), key=lambda f: f.name)
        self.bare = self._pool.submit(self._bare_notebook, url[notebook])
        for archive in bundles(site, pages):
            self.bundles[archive.name] = self._setup.submit(
                self._bundle, self.base + archive.relative_to(site).as_posix()
            )
            for name in sorted(zip_names([archive])):
                if name.endswith((".py", ".ipynb")):
                    self.bundle_runs[f"{archive.name}/{name}"] = self._pool.submit(
                        self._run_bundled, archive.name, name
                    )

    def _folder(self, name: str) -> Path:
        folder = self.home / name
        folder.mkdir(parents=True)
        return folder

    def _read_box(self, folder: Path) -> str:
        """Read the first example page's box, save the
        wheel it links in ``folder``; its command."""
        with urlopen(self.first_page, timeout=60) as response:
            command, wheel = install_box(
                response.read().decode("utf-8"), self.first_page
            )
        if wheel:
            fetch(wheel, folder / Path(urlsplit(wheel).path).name)
        return served_command(command, self.base)

    def _reader_venv(self) -> tuple[Path, dict[str, str]]:
        folder = self._folder("reader")
        python, env = new_venv(folder / "venv", self.env)
        run_shell(self._read_box(folder), env, folder)
        add_notebook_runner(python, env)
        return python, env

    def _run_fetched(self, url: str, i: int) -> Run:
        python, env = self.venv.result()
        name = Path(urlsplit(url).path).name
        return _run(python, fetch(url, self._folder(f"downloads/{i:03d}") / name), env)

    def _bare_notebook(self, url: str) -> Run:
        """A notebook whose first cell must install
        convdoc (the wheel saved beside it, if linked)."""
        folder = self._folder("bare")
        python, env = new_venv(folder / "venv", self.env)
        add_notebook_runner(python, env)
        # the wheel beside the notebook, as the page says (when it links one)
        self._read_box(folder)
        return _run(python, fetch(url, folder / Path(urlsplit(url).path).name), env)

    def _bundle(self, url: str) -> tuple[Path, dict[str, str], Path]:
        """Unzip a "download all" zip into an empty
        folder and follow its requirements file there."""
        archive = fetch(url, self.home / Path(urlsplit(url).path).name)
        folder = self._folder(f"bundle-{archive.stem}")
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(folder)
        if not (folder / "requirements.txt").is_file():
            raise AssertionError(
                f"{archive.name} has no requirements.txt at its top: "
                f"{sorted(zf.namelist())}"
            )
        python, env = new_venv(self.home / f"venv-{archive.stem}", self.env)
        run_shell("pip install -r requirements.txt", env, folder)
        add_notebook_runner(python, env)
        return python, env, folder

    def _run_bundled(self, bundle: str, name: str) -> Run:
        python, env, folder = self.bundles[bundle].result()
        found = sorted(folder.rglob(name))
        if len(found) != 1:
            return Run(
                name,
                -2,
                f"{bundle} unpacked holds {len(found)} files named {name}",
                0.0,
            )
        return _run(python, found[0], env)

    def close(self) -> None:
        for pool in (self._pool, self._setup):
            pool.shutdown(wait=True, cancel_futures=True)
        self._server.__exit__(None, None, None)
        self._tmp.cleanup()

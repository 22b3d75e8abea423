"""Throwaway Sphinx sites, built exactly as ``nox -s docs`` builds the real one.

Run with ``nox -s failures`` or ``pytest -c buildtests/pytest.ini buildtests``.

Each test writes a tiny site in ``tmp_path``, laid out like the project (``docs/``
beside ``gallery/``), and builds it with the project's own recipe. What is checked is
the real configuration and the real command, not copies of them that could drift:

- The site's ``docs/conf.py`` executes the real ``docs/conf.py`` (with ``__file__``
  pointing at the throwaway site, so every path it derives lands in ``tmp_path``) and
  then changes a single setting: no autosummary stubs, since these sites have no API
  pages. The real ``docs/_ext`` (the ``convdoc_site`` extension) is copied beside it.
- The build runs through ``build_docs`` of the real ``noxfile.py``, its folder constants
  pointed at the throwaway site. It deletes what the real recipe deletes and runs the
  same ``sphinx-build`` command, in a subprocess. Every deletion and every absolute path
  in that command must lie inside the throwaway site, or the test fails before anything
  is touched.

``noxfile.py`` is loaded with a stand-in for the ``nox`` module (importing it only
applies ``@nox.session`` and sets ``nox.options``), so this suite does not need nox
installed.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
import types
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DOCS = ROOT / "docs"
REAL_CONF = REAL_DOCS / "conf.py"
BUILD_TIMEOUT = 300  # seconds for one throwaway build (a few seconds is normal)

# What a MyST page needs to be executed by myst-nb, as on the real pages.
NOTEBOOK_FRONT_MATTER = """\
---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
"""

CONF_TEMPLATE = '''\
"""A throwaway site of buildtests: the real docs/conf.py, then one override."""

from pathlib import Path

REAL_CONF = Path({real_conf!r})
exec(compile(REAL_CONF.read_text(encoding="utf-8"), str(REAL_CONF), "exec"))

# No API reference here: autosummary stubs of every convdoc name would be orphan pages.
autosummary_generate = False
'''


def _stand_in_nox() -> types.ModuleType:
    """The part of ``nox`` that importing ``noxfile.py`` touches."""
    nox = types.ModuleType("nox")

    def session(func=None, /, **kwargs):
        return func if func is not None else (lambda f: f)

    nox.session = session
    nox.options = types.SimpleNamespace()
    nox.Session = object
    return nox


@pytest.fixture(scope="session")
def noxfile() -> types.ModuleType:
    """The project's ``noxfile.py`` as a module."""
    spec = importlib.util.spec_from_file_location(
        "convdoc_noxfile", ROOT / "noxfile.py"
    )
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(sys.modules, {"nox": _stand_in_nox()}):
        spec.loader.exec_module(module)
    return module


def _inside(path: Path | str, root: Path) -> bool:
    return Path(path).resolve().is_relative_to(root.resolve())


@dataclass
class Build:
    """One build of a throwaway site: exit code,
    console output, HTML folder, what ran."""

    returncode: int
    output: str  # stdout then stderr, ANSI colours removed
    html: Path
    command: list[str]
    removed: list[Path]  # folders deleted before the command ran, in order

    def page(self, name: str) -> str | None:
        """The text of ``<name>.html``, or None when the build wrote no such page."""
        path = self.html / f"{name}.html"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def warnings(self) -> list[str]:
        """Sphinx's ``WARNING:`` lines (the kernel's
        own ``WARNING |`` log lines excluded)."""
        return [line for line in self.output.splitlines() if "WARNING:" in line]


class CommandFailed(Exception):
    """What nox's ``session.run`` does on a non-zero
    exit: the rest of the session is skipped."""


class _Recorder:
    """Stands in for a nox session and for ``shutil`` while ``build_docs`` runs.

    ``rmtree`` deletes only inside the throwaway site; ``run`` runs the command in a
    subprocess with the build's environment and, like nox, stops ``build_docs`` when it
    fails (raising `CommandFailed`, which `MiniSite.build` catches). Both are logged, so
    a test can check what the recipe does and in which order.
    """

    def __init__(self, site: MiniSite, execute: bool) -> None:
        self.site, self.execute = site, execute
        self.posargs: list[str] = []
        self.removed: list[Path] = []
        self.commands: list[list[str]] = []
        self.result = subprocess.CompletedProcess([], 0, "", "")

    def rmtree(self, path, *args, **kwargs) -> None:
        if not _inside(path, self.site.root):
            raise AssertionError(
                f"build_docs would delete {path}, outside the throwaway site"
            )
        if self.commands:
            raise AssertionError(
                f"build_docs deletes {path} after running {self.commands[-1]}"
            )
        self.removed.append(Path(path))
        shutil.rmtree(path, *args, **kwargs)

    # nox's session.log: the output is not checked
    def log(self, *args, **kwargs) -> None:
        pass

    def __getattr__(self, name: str):  # the rest of ``shutil``
        return getattr(shutil, name)

    def run(self, *args: str, env: dict[str, str] | None = None, **kwargs) -> None:
        outside = [
            a for a in args if os.path.isabs(a) and not _inside(a, self.site.root)
        ]
        if outside:
            raise AssertionError(
                f"build_docs would run on {outside}, outside the throwaway site"
            )
        self.commands.append(list(args))
        if not self.execute:  # a dry run: stand in for Sphinx's output folder
            for arg in args:
                if arg.endswith("-partial"):
                    Path(arg).mkdir(parents=True)
        else:
            self.result = self.site.run(args, env or {})
            if self.result.returncode != 0:
                raise CommandFailed(self.result.returncode)


class MiniSite:
    """A throwaway site with the project's layout:
    ``docs/`` (real conf, _ext) and ``gallery/``."""

    def __init__(
        self, root: Path, noxfile: types.ModuleType, pycache: Path | None = None
    ) -> None:
        self.root, self.noxfile, self.pycache = root, noxfile, pycache
        self.docs, self.gallery = root / "docs", root / "gallery"
        #: Prepended to the build's PYTHONPATH (e.g.
        #: a copy of convdoc to edit between builds).
        self.pythonpath: Path | None = None
        self.pages: list[str] = []
        shutil.copytree(
            REAL_DOCS / "_ext",
            self.docs / "_ext",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        (self.docs / "conf.py").write_text(
            CONF_TEMPLATE.format(real_conf=str(REAL_CONF)), encoding="utf-8"
        )
        self.gallery.mkdir()
        header = "Gallery\n=======\n\nThrowaway examples.\n"
        (self.gallery / "README.rst").write_text(header, encoding="utf-8")
        (root / "tmp").mkdir()

    def page(self, name: str, body: str, *, notebook: bool = True) -> Path:
        """Write ``docs/<name>.md`` (executed by myst-nb
        if ``notebook``), listed in the toctree."""
        path = self.docs / f"{name}.md"
        text = (NOTEBOOK_FRONT_MATTER if notebook else "") + textwrap.dedent(
            body
        ).lstrip("\n")
        path.write_text(text, encoding="utf-8")
        if name not in self.pages:
            self.pages.append(name)
        return path

    def example(self, name: str, source: str) -> Path:
        """Write ``gallery/<name>.py``, a sphinx-gallery
        example (only ``plot_*`` files run)."""
        path = self.gallery / f"{name}.py"
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        return path

    def _moved(self, path: Path) -> Path:
        """The throwaway site's counterpart of a path under the real ``docs/``."""
        return self.docs / Path(path).relative_to(self.noxfile.DOCS)

    def build(self, *, execute: bool = True) -> Build:
        """Build with the real ``build_docs``, its folders
        moved here (``execute=False``: a dry run)."""
        toctree = "\n".join([*self.pages, "auto_examples/index"])
        index = f"# Throwaway site\n\n```{{toctree}}\n{toctree}\n```\n"
        (self.docs / "index.md").write_text(index, encoding="utf-8")
        nf = self.noxfile
        outdir = self._moved(nf.HTML)
        recorder = _Recorder(self, execute)
        moved = {
            "ROOT": self.root,
            "DOCS": self.docs,
            "BUILD": self._moved(nf.BUILD),
            "HTML": outdir,
            "GENERATED": [self._moved(path) for path in nf.GENERATED],
        }
        with (
            mock.patch.multiple(nf, shutil=recorder, **moved),
            contextlib.suppress(CommandFailed),
        ):
            nf.build_docs(recorder, outdir)
        assert len(recorder.commands) == 1, (
            f"build_docs should run one command: {recorder.commands}"
        )
        return self._result(
            recorder.result, outdir, recorder.commands[0], recorder.removed
        )

    def rebuild_without_cleaning(self, previous: Build) -> Build:
        """Rerun ``previous``'s command without ``-E``
        or deletions: a plain incremental build."""
        # build_docs wrote into <html>-partial and renamed it;
        # build on the site it left.
        partial = f"{previous.html}-partial"
        command = [
            str(previous.html) if arg == partial else arg
            for arg in previous.command
            if arg != "-E"
        ]
        result = self.run(command, self.noxfile._docs_env())
        return self._result(result, previous.html, command, [])

    def run(self, args, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        """Run a command of the build in the site's
        folder, with the environment nox would give it."""
        # Sphinx's crash logs
        full_env = {**os.environ, **env, "TMPDIR": str(self.root / "tmp")}
        if self.pythonpath is not None:
            full_env["PYTHONPATH"] = os.pathsep.join(
                [str(self.pythonpath), *filter(None, [os.environ.get("PYTHONPATH")])]
            )
        if self.pycache is not None:
            # Bytecode goes to a folder of this test session, so only the first build
            # compiles the imports of Sphinx and friends (seconds per build), and
            # nothing is written beside the installed packages.
            full_env.pop("PYTHONDONTWRITEBYTECODE", None)
            full_env["PYTHONPYCACHEPREFIX"] = str(self.pycache)
        # The console script of this environment, as nox runs the one of its session;
        # never ``python -m``, which would put the working directory (and its convdoc)
        # first on sys.path.
        exe = Path(sys.executable).with_name(args[0])
        return subprocess.run(
            [str(exe) if exe.exists() else args[0], *args[1:]],
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )

    @staticmethod
    def _result(result, html: Path, command: list[str], removed: list[Path]) -> Build:
        output = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout + result.stderr)
        return Build(result.returncode, output, html, command, removed)


@pytest.fixture(scope="session")
def pycache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the builds of this session cache
    their bytecode (``PYTHONPYCACHEPREFIX``)."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def site(tmp_path: Path, noxfile: types.ModuleType, pycache: Path) -> MiniSite:
    """An empty throwaway site (an index and a gallery header) in ``tmp_path``."""
    return MiniSite(tmp_path / "site", noxfile, pycache)

"""Developer tasks for convdoc: ``nox -s tests``, ``nox -s docs`` and friends.

Run ``nox -l`` to list the sessions. Each installs its Python packages into its own
virtual environment; what else a session needs from the machine:

- ``tests``, ``lint``, ``dist``, ``docs``, ``repro``, ``failures``, ``serve``, ``lock``:
  Python >= 3.10 and ``pip install nox`` (``lock`` also needs ``uv``).
- ``site``: Chromium (Debian's ``chromium``, at ``$CHROME_PATH`` or on the PATH;
  Playwright cannot download browsers here).
- ``lighthouse``: Node.js with npm (Lighthouse 12 is installed into ``.nox/``) and
  Chromium.
- ``bench`` and ``tests`` in CI: PyTorch, always installed with pip as
  ``torch==2.13.0``.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess
import time

import nox

ROOT = pathlib.Path(__file__).parent
DOCS = ROOT / "docs"
BUILD = DOCS / "_build"
HTML = BUILD / "html"
# Folders every docs build regenerates from scratch (also git-ignored).
GENERATED = [
    DOCS / "auto_examples",
    DOCS / "api" / "generated",
    BUILD / "jupyter_execute",
]
CONSTRAINTS = ROOT / "requirements" / "docs-constraints.txt"

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.error_on_missing_interpreters = False

# uv installs packages without their bytecode, and machines here set
# PYTHONDONTWRITEBYTECODE: every kernel, example and sphinx-build would then compile
# scikit-learn, SciPy and Jupyter from source on each start (seen: importing
# sklearn.datasets 7.4 s instead of 2.5 s).
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")

# PyTorch is only ever installed with pip and pinned: on the project's machines pip
# takes a CPU wheel from local disk, while an unpinned request (or uv) downloads a
# multi-GB CUDA build.
TORCH = "torch==2.13.0"


def _want_torch() -> bool:
    """Torch comparisons run in CI and when CONVDOC_TEST_TORCH=1 is set."""
    flag = os.environ.get("CONVDOC_TEST_TORCH")
    if flag is not None:
        return flag not in ("", "0")
    return bool(os.environ.get("CI"))


def _source_date_epoch() -> str:
    """The last commit's time, so that builds of one commit are identical (else 0)."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip() or "0"
    except (OSError, subprocess.CalledProcessError):
        return "0"


def _docs_env() -> dict[str, str]:
    return {
        "SOURCE_DATE_EPOCH": _source_date_epoch(),
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
        # Two threads, as on the reference machine; also keeps timings comparable.
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
    }


def _suite(session: nox.Session, folder: pathlib.Path) -> list[str]:
    """pytest's arguments: the posargs, after ``folder`` unless they name tests."""
    named = any(
        not arg.startswith("-") and pathlib.Path(arg.split("::")[0]).exists()
        for arg in session.posargs
    )
    return [*([] if named else [str(folder)]), *session.posargs]


def _install_docs(session: nox.Session) -> None:
    if CONSTRAINTS.exists():
        session.install("-c", str(CONSTRAINTS), "-e", ".[docs]")
    else:
        session.install("-e", ".[docs]")


def build_docs(session: nox.Session, outdir: pathlib.Path = HTML) -> None:
    """Build the whole site from scratch into ``outdir`` (warnings are errors).

    Sphinx writes into ``<outdir>-partial``, which becomes ``outdir`` only when the
    build succeeds: a failed build (a raising example, a broken reference, any warning)
    leaves no site behind to publish or test, not even the pages it managed to write.
    """
    doctrees = BUILD / f"doctrees-{outdir.name}"
    partial = outdir.with_name(f"{outdir.name}-partial")
    for path in [*GENERATED, outdir, partial, doctrees]:
        shutil.rmtree(path, ignore_errors=True)
    start = time.perf_counter()
    session.run(
        # -j auto: pages are read and gallery examples run in one process per core.
        "sphinx-build",
        "-j",
        "auto",
        "-W",
        "--keep-going",
        "-n",
        "-E",
        "-b",
        "html",
        "-d",
        str(doctrees),
        str(DOCS),
        str(partial),
        *session.posargs,
        env=_docs_env(),
    )
    partial.rename(outdir)
    session.log(
        f"sphinx-build took {time.perf_counter() - start:.0f} s (every page and "
        "example executed)"
    )


@nox.session(venv_backend="venv")
def tests(session: nox.Session) -> None:
    """Unit tests, property tests and doctests (PyTorch comparisons too in CI)."""
    session.install("-e", ".[test]")
    if _want_torch():
        # pip, not uv: see TORCH above.
        session.run("python", "-m", "pip", "install", "--quiet", TORCH)
    session.run("pytest", *session.posargs)


RUFF = "ruff==0.17.6"  # the version .pre-commit-config.yaml pins
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (rules and formatting) on every
    Python file; CI and Read the Docs configs."""
    session.install(RUFF, CHECK_JSONSCHEMA)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run(
        "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows
    )
    session.run(
        "check-jsonschema",
        "--builtin-schema",
        "vendor.readthedocs",
        ".readthedocs.yaml",
    )


@nox.session
def dist(session: nox.Session) -> None:
    """Build the sdist, then the wheel from it; check both as PyPI would.

    Built with ``python -m build``. Also: the LICENSE ships in both, and a wheel built
    straight from the tree (as the site's is) holds the same files as the one built from
    the sdist.
    """
    session.install("build>=1.2", "twine>=5", "hatchling>=1.27")
    out = ROOT / "dist"
    shutil.rmtree(out, ignore_errors=True)
    env = {"SOURCE_DATE_EPOCH": _source_date_epoch()}
    session.run("python", "-m", "build", "--outdir", str(out), str(ROOT), env=env)
    session.run("twine", "check", "--strict", *map(str, sorted(out.iterdir())))
    direct = out / "from-tree"
    session.run(
        "python", "-m", "hatchling", "build", "-t", "wheel", "-d", str(direct), env=env
    )
    session.run("python", str(ROOT / "tools" / "check_dist.py"), str(out), str(direct))


@nox.session
def docs(session: nox.Session) -> None:
    """Build the site into docs/_build/html from scratch; every example is executed."""
    _install_docs(session)
    build_docs(session)
    session.log(f"Site built: {HTML / 'index.html'}")


@nox.session
def failures(session: nox.Session) -> None:
    """Break throwaway sites in every way we know: each build must fail loudly."""
    _install_docs(session)
    session.install("pytest>=8")
    session.run(
        "pytest",
        "-c",
        str(ROOT / "buildtests" / "pytest.ini"),
        *_suite(session, ROOT / "buildtests"),
    )


@nox.session
def serve(session: nox.Session) -> None:
    """Serve the site on http://127.0.0.1:8000 with live reload, for authors."""
    _install_docs(session)
    session.install("sphinx-autobuild>=2024.4")
    session.run(
        "sphinx-autobuild",
        str(DOCS),
        str(HTML),
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
        "--watch",
        "convdoc",
        "--watch",
        "gallery",
        "--ignore",
        "*/auto_examples/*",
        "--ignore",
        "*/api/generated/*",
        env=_docs_env(),
    )


@nox.session(venv_backend="venv")
def site(session: nox.Session) -> None:
    """Test the built site in Chromium and run every download (builds it if needed)."""
    _install_docs(session)
    session.install("-e", ".[site]")
    if not (HTML / "index.html").exists():
        build_docs(session)
    session.run(
        "pytest",
        "-c",
        str(ROOT / "sitetests" / "pytest.ini"),
        *_suite(session, ROOT / "sitetests"),
    )


# works with Node 20; pinned so scores do not move under us
LIGHTHOUSE = "lighthouse@12.2.3"


@nox.session(venv_backend="none")
def lighthouse(session: nox.Session) -> None:
    """Lighthouse (mobile) on key pages of the built site: every score must be >= 95.

    The site is served gzip-compressed, as a static host would serve it. Installs
    Lighthouse with npm into .nox/ once; needs Node.js and Chromium
    (``$CHROME_PATH``, default /usr/bin/chromium). ``nox -s lighthouse -- --page
    index.html`` audits one page.
    """
    if not (HTML / "index.html").exists():
        session.error(f"no built site at {HTML}: run `nox -s docs` first")
    cache = ROOT / ".nox" / LIGHTHOUSE.replace("@", "-")
    exe = cache / "node_modules" / ".bin" / "lighthouse"
    if not exe.exists():
        cache.mkdir(parents=True, exist_ok=True)
        session.run(
            "npm",
            "install",
            "--prefix",
            str(cache),
            "--no-audit",
            "--no-fund",
            "--silent",
            LIGHTHOUSE,
            external=True,
        )
    env = {"CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    session.run(
        "python3",
        str(ROOT / "tools" / "lighthouse.py"),
        str(exe),
        str(HTML),
        "--out",
        str(BUILD / "lighthouse"),
        *session.posargs,
        env=env,
        external=True,
    )


@nox.session(venv_backend="venv")
def bench(session: nox.Session) -> None:
    """Benchmark conv2d against PyTorch, scipy, a naive loop and NumPy's matmul rate."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "pip", "install", "--quiet", TORCH)
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs)


@nox.session
def repro(session: nox.Session) -> None:
    """Build the site twice from scratch; report
    every file that differs (none should)."""
    _install_docs(session)
    first = BUILD / "repro-a"
    build_docs(session, first)
    build_docs(session, HTML)
    session.run(
        "python", str(ROOT / "tools" / "compare_trees.py"), str(first), str(HTML)
    )


@nox.session(venv_backend="none")
def lock(session: nox.Session) -> None:
    """Refresh requirements/docs-constraints.txt, the pins of the docs (needs uv)."""
    session.run(
        "uv",
        "pip",
        "compile",
        "pyproject.toml",
        "--extra",
        "docs",
        "--extra",
        "examples",
        "--universal",
        "--python-version",
        "3.10",
        "--upgrade",
        "-q",
        "-o",
        str(CONSTRAINTS.relative_to(ROOT)),
        external=True,
    )

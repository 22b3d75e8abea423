"""The project's configuration files agree with one another (one source per pin)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _nox_pin(name: str) -> str:
    match = re.search(
        rf'^{name} = "[\w-]+==([\w.]+)"', (ROOT / "noxfile.py").read_text(), re.M
    )
    assert match, f"noxfile.py pins no {name}"
    return match.group(1)


def _precommit_rev(repo: str) -> str:
    text = (ROOT / ".pre-commit-config.yaml").read_text()
    match = re.search(rf"repo: \S*{repo}\s+rev: v?([\w.]+)", text)
    assert match, f".pre-commit-config.yaml has no {repo}"
    return match.group(1)


def test_precommit_runs_the_tools_lint_runs() -> None:
    assert _precommit_rev("ruff-pre-commit") == _nox_pin("RUFF")
    assert _precommit_rev("check-jsonschema") == _nox_pin("CHECK_JSONSCHEMA")


def test_github_workflow_runs_the_ci_script() -> None:
    workflow = (ROOT / ".github" / "workflows" / "ci.yml").read_text()
    assert re.search(r"^\s+run: bash \.ci/run$", workflow, re.M), (
        "ci.yml does not run .ci/run"
    )


def test_ci_script_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    script = (ROOT / ".ci" / "run").read_text()
    assert "nox -s tests" in readme and re.search(r"^nox -s tests$", script, re.M)


def test_read_the_docs_installs_the_pinned_environment() -> None:
    config = (ROOT / ".readthedocs.yaml").read_text()
    assert "-c requirements/docs-constraints.txt" in config
    assert '".[docs]"' in config

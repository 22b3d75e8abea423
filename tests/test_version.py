"""The version is written once (pyproject.toml) and read back from the installed
metadata."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import convdoc as cd

ROOT = Path(__file__).resolve().parents[1]


def test_version_comes_from_the_installed_metadata() -> None:
    assert cd.__version__ == metadata.version("convdoc")


def test_version_is_written_once() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    declared = re.findall(r'(?m)^version = "([^"]+)"$', pyproject)
    assert declared == [cd.__version__], declared
    typed = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "convdoc").rglob("*.py")
        if re.search(
            r"__version__\s*=\s*['\"]\d+\.\d+", path.read_text(encoding="utf-8")
        )
    ]
    assert not typed, f"a version typed in {typed}: read it from the metadata instead"

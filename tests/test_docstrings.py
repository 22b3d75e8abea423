"""numpydoc validation of the public API, with the checks the docs build enforces.

The docs build (``nox -s docs``, ``-W``) fails on the same findings; this test, in
seconds. The check set is read from ``docs/conf.py``, where it is written once.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import convdoc as cd

numpydoc_validate = pytest.importorskip("numpydoc.validate")

CONF = Path(__file__).resolve().parents[1] / "docs" / "conf.py"


def configured_checks() -> set[str]:
    """The codes ``numpydoc_validation_checks`` in docs/conf.py selects."""
    for node in ast.parse(CONF.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            getattr(t, "id", None) == "numpydoc_validation_checks" for t in node.targets
        ):
            checks = set(ast.literal_eval(node.value))
            break
    else:
        raise AssertionError(f"{CONF} sets no numpydoc_validation_checks")
    if "all" in checks:  # numpydoc's convention: "all" and the codes to leave out
        return set(numpydoc_validate.ERROR_MSGS) - checks
    return checks


def public_callables():
    """Every function and class of ``convdoc.__all__``, and the public methods and
    properties the API pages document (those defined on the class itself)."""
    for name in cd.__all__:
        obj = getattr(cd, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # the constants (LENET5, ...) are data, documented by comments
        yield f"{obj.__module__}.{obj.__qualname__}", obj
        if inspect.isclass(obj) and not issubclass(obj, tuple):
            for member, value in vars(obj).items():
                if not member.startswith("_") and inspect.isfunction(value):
                    yield f"{obj.__module__}.{obj.__qualname__}.{member}", value


def findings(obj, checks) -> list[tuple[str, str]]:
    """``(code, message)`` of every selected numpydoc finding on ``obj``'s docstring."""
    doc = numpydoc_validate.get_doc_object(obj, doc=inspect.getdoc(obj))
    report = numpydoc_validate.validate(doc)
    return [(code, msg) for code, msg in report["errors"] if code in checks]


@pytest.mark.parametrize(("name", "obj"), list(public_callables()), ids=lambda v: v)
def test_public_docstring_passes_numpydoc_validation(name, obj):
    assert findings(obj, configured_checks()) == [], name


def test_validation_catches_a_broken_docstring():
    def scale(x, factor):
        """scale x.

        Returns
        -------
        float
        """
        return x * factor

    codes = {code for code, _ in findings(scale, configured_checks())}
    assert {"PR01", "SS02", "RT03", "EX01"} <= codes, codes

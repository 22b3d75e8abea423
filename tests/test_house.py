"""House rules of the package that a reader can check by eye, checked by the tests."""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "convdoc"
MAX_LINES = 50  # lines of code per function, docstring and comments excluded


def code_lines(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Non-blank lines of ``node`` that hold code: not its docstring, not comments only.

    The ``def`` line(s) and decorators count; so do nested functions, which are part of
    the body a reader has to hold in mind.
    """
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    skip = set()
    body = node.body
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
    ):
        if isinstance(body[0].value.value, str):
            skip = set(range(body[0].lineno, body[0].end_lineno + 1))
    lines = source.splitlines()[first - 1 : node.end_lineno]
    tokens = tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline)
    code = set()
    for tok in tokens:
        if tok.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
        ):
            continue
        if tok.type in (tokenize.DEDENT, tokenize.ENDMARKER):
            continue
        code.update(range(tok.start[0], tok.end[0] + 1))
    return len({first - 1 + n for n in code} - skip)


def long_functions(source: str, limit: int = MAX_LINES) -> list[tuple[str, int]]:
    """``(name, lines of code)`` of every function in ``source`` over ``limit``."""
    tree = ast.parse(source)
    functions = (
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    )
    counts = ((f"{f.name} (line {f.lineno})", code_lines(source, f)) for f in functions)
    return [(name, n) for name, n in counts if n > limit]


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_no_function_in_the_package_is_over_50_lines_of_code(path):
    assert long_functions(path.read_text(encoding="utf-8")) == []


def synthetic(n_code: int) -> str:
    """A function of ``n_code`` lines of code (a three-line ``def``, assignments, a
    ``return``), with a docstring, comments and blank lines that do not count."""
    body = "\n".join(
        f"    x{i} = {i}  # a comment\n\n    # a comment line"
        for i in range(n_code - 4)
    )
    return (
        textwrap.dedent('''
        def f(
            a,
        ):
            """A docstring.

            Over several lines.
            """
        ''')
        + body
        + "\n    return a\n"
    )


def test_the_rule_flags_a_51_line_function_and_passes_a_50_line_one():
    assert long_functions(synthetic(51)) == [("f (line 2)", 51)]
    assert long_functions(synthetic(50)) == []

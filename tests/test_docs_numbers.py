"""No hand-typed numbers in the site's prose: they are glued from code run at build.

The scanner blanks out everything that is not prose (front matter, code cells and other
code fences, directive options, math, inline code and roles such as
``{glue:text}`key```, link targets and URLs), keeping line numbers, then flags integers
of three or more digits, numbers with thousands separators, and decimals. Years (19xx,
20xx) are allowed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
# Generated or build-only folders: their pages are not written by hand.
SKIP_DIRS = {
    "_build",
    "auto_examples",
    "generated",
    "jupyter_execute",
    "_templates",
    "_ext",
}
# Fenced blocks that hold code (removed whole). Other directives hold
# prose (kept, minus options).
CODE_INFO = re.compile(
    r"^\{?(code-cell|code-block|code|sourcecode|literalinclude|math|eval-rst|raw)\}?\b"
    r"|^[\w+-]*$"
)

NUMBER = re.compile(
    r"(?<![\w.,])("
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 14,450,688 (and 1,234.5)
    r"|\d+\.\d+"  # 14.45
    r"|\d{3,}"  # 456
    r")(?![\w]|[.,]\d)"
)
YEAR = re.compile(r"(19|20)\d\d")
# Number words are prose too, where they stand for a result: "a hundred times fewer
# parameters" must be computed like "14,455,392 parameters". A number word directly
# before a counted result (or "times", as in a ratio) is flagged; "three channels" (a
# design) is not.
NUMBER_WORD = re.compile(
    r"\b((?:a |one |two |three |four |five |six |seven |eight |nine |ten "
    r"|twenty |thirty "
    r"|forty |fifty |several )?(?:hundred|thousand|million|billion)s?"
    r"|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[ -](?:one|two|three|four|five|six|seven|eight|nine))?"
    r" (?:times|(?:more |fewer |extra )?(?:parameters|weights|biases|connections"
    r"|multiply-adds))\b",
    re.I,
)
# A glued value must be computed: ``keep("key", 100)`` or ``glue("key",
# 100)`` glues a typed number (write a design choice in the prose, or glue
# what the code derives from it).
GLUED_LITERAL = re.compile(r"\b(?:keep|glue)\(\s*\"[^\"]+\",\s*-?[\d_.]+\s*[,)]")

INLINE = [
    re.compile(r"<!--.*?-->", re.S),  # HTML comments
    re.compile(r"\$\$.+?\$\$", re.S),  # display math
    re.compile(r"(?<![\\$])\$[^$\n]+?\$"),  # inline math
    # roles ({glue:text}`k:,d`) and inline code
    re.compile(r"(\{[\w:.-]+\})?(`+)[^`]*?\2"),
    re.compile(r"\]\([^)]*\)"),  # link targets [text](target)
    re.compile(r"<https?://[^>]*>|https?://\S+"),  # autolinks and bare URLs
]


def _blank(text: str) -> str:
    """The same text with every character but newlines replaced by spaces."""
    return re.sub(r"[^\n]", " ", text)


def _strip_blocks(lines: list[str]) -> list[str]:
    """Blank front matter, code fences and directive options; keep directives' prose."""
    out = list(lines)
    if out and out[0].strip() == "---":
        for i in range(1, len(out)):
            if out[i].strip() == "---":
                out[: i + 1] = [""] * (i + 1)
                break
    stack: list[tuple[str, bool]] = []  # (fence, is_code) of the open fences
    for i, line in enumerate(lines):
        if not out[i]:
            continue  # front matter
        m = re.match(r"^\s*(`{3,}|~{3,}|:{3,})\s*(.*)$", line)
        if (
            m
            and stack
            and m.group(1)[0] == stack[-1][0][0]
            and len(m.group(1)) >= len(stack[-1][0])
            and not m.group(2)
        ):
            stack.pop()
            out[i] = ""
            continue
        if stack and stack[-1][1]:
            out[i] = ""
            continue
        if m:
            info = m.group(2).strip()
            is_code = m.group(1)[0] != ":" and bool(
                CODE_INFO.match(info.split(" ", 1)[0] if info else "")
            )
            stack.append((m.group(1), is_code))
            out[i] = ""
            continue
        # directive option such as :name: or :tags:
        if stack and re.match(r"^\s*:[\w-]+:", line):
            out[i] = ""
    return out


def hand_typed_numbers(text: str) -> list[tuple[int, str]]:
    """``(line, number)`` for every number typed into the prose of a MyST page."""
    lines = text.split("\n")
    prose = "\n".join(_strip_blocks(lines))
    for pattern in INLINE:
        prose = pattern.sub(lambda m: _blank(m.group()), prose)
    found = []
    for lineno, line in enumerate(prose.split("\n"), start=1):
        for m in NUMBER.finditer(line):
            if not YEAR.fullmatch(m.group(1)):
                found.append((lineno, m.group(1)))
        found += [(lineno, m.group(0)) for m in NUMBER_WORD.finditer(line)]
    return found


def glued_literals(text: str) -> list[tuple[int, str]]:
    """``(line, call)`` for each ``keep``/``glue`` of a typed number in a page."""
    return [
        (lineno, m.group(0))
        for lineno, line in enumerate(text.split("\n"), start=1)
        for m in GLUED_LITERAL.finditer(line)
    ]


def pages() -> list[Path]:
    return sorted(
        p
        for p in DOCS.rglob("*.md")
        if not SKIP_DIRS.intersection(p.relative_to(DOCS).parts)
    )


def test_there_are_pages_to_scan() -> None:
    names = {p.name for p in pages()}
    assert {"index.md", "notes.md", "errata.md"} <= names, names


def test_no_hand_typed_numbers_in_docs() -> None:
    problems = [
        f"{page.relative_to(DOCS.parent)}:{line}: {number}"
        for page in pages()
        for line, number in hand_typed_numbers(page.read_text(encoding="utf-8"))
    ]
    assert not problems, "numbers typed by hand (glue them from code):\n" + "\n".join(
        problems
    )


def test_only_computed_values_are_glued() -> None:
    problems = [
        f"{page.relative_to(DOCS.parent)}:{line}: {call}"
        for page in pages()
        for line, call in glued_literals(page.read_text(encoding="utf-8"))
    ]
    assert not problems, "typed numbers glued (compute them):\n" + "\n".join(problems)


def test_glue_scan_catches_typed_values() -> None:
    code = (
        'keep("a", 100)\nkeep("b", n_out)\n'
        'glue("c", 2.5, display=False)\nkeep("d", 2 * k)\n'
    )
    assert glued_literals(code) == [(1, 'keep("a", 100)'), (3, 'glue("c", 2.5,')]


def test_scanner_catches_number_words_for_results() -> None:
    prose = (
        "A hundred times fewer parameters, about thirty thousand weights and\n"
        "three channels, six filters, two layers and a hundred hidden units "
        "are designs.\n"
    )
    assert hand_typed_numbers(prose) == [
        (1, "A hundred times"),
        (1, "thirty thousand weights"),
    ]


PLANTED = """\
---
file_format: mystnb
kernelspec: {name: python3}
---

# Title with 2024 in it

```{code-cell} ipython3
keep("n", 14_450_688)   # 456 and 3.14 in code are fine
```

The count is {glue:text}`n:,d`, and $14450688 = 3072 \\cdot 4704$ in math is fine.
Typed by hand: 14,450,688 and 456 and 0.08.
`inline code 1234` and [a link](https://example.org/page/12345) are fine.

```{glue:figure} fig_key
:name: fig-123

A caption with 789 in it.
```

:::{note}
```python
print(99999)
```
Inside a note: 1.5
:::

````{tip}
```{code-cell} ipython3
555
```
After a nested code cell: 6,000
````

$$
1000 \\times 1000
$$
Last line 31415.
"""


def test_scanner_catches_planted_numbers() -> None:
    assert hand_typed_numbers(PLANTED) == [
        (13, "14,450,688"),
        (13, "456"),
        (13, "0.08"),
        (19, "789"),
        (26, "1.5"),
        (33, "6,000"),
        (39, "31415"),
    ]


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_scanner_sees_the_end_of_every_page(page: Path) -> None:
    # An unclosed fence or a runaway pattern would hide the rest of a page:
    # plant a number at the end, and one right after the first heading, and
    # make sure both are found.
    text = page.read_text(encoding="utf-8").rstrip("\n")
    lines = text.split("\n")
    heading = next(i for i, line in enumerate(lines) if line.startswith("# "))
    lines.insert(heading + 1, "Planted 98,765.")
    planted = "\n".join(lines) + "\n\nPlanted 12345.\n"
    found = {number for _, number in hand_typed_numbers(planted)}
    assert {"98,765", "12345"} <= found, found

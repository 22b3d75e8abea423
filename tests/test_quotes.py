"""Every quote of the notes and their three sources on the site is verbatim.

Quotes are marked on the pages with one role per source (``docs/_ext/convdoc_site.py``):
``{notes-quote}`...``` in MyST pages, ``:notes-quote:`...``` in the gallery's
reStructuredText, and likewise ``why-blog-quote``, ``cnn-blog-quote`` and
``slides-quote``. Each quote must appear in its source's seed text (``../shared/seeds``
beside the repository), up to line breaks and runs of spaces; ``...`` inside a quote
marks an omission, and the pieces around it must appear in that order.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
#: The seed files of each source (the notes are kept as markdown
#: and as the rendered page).
SOURCES = {
    "notes": (
        "notes-benefits-of-convolution.md",
        "notes-benefits-of-convolution-rendered.txt",
    ),
    "why-blog": ("source-why-convolutions-blog.txt",),
    "cnn-blog": ("source-cnn-blog.md",),
    "slides": ("source-conv-vs-fc-slides.txt",),
}
ROLE = re.compile(r"[{:](" + "|".join(SOURCES) + r")-quote[}:]`([^`]+)`")
SKIP_DIRS = {"_build", "auto_examples", "generated", "jupyter_execute"}


def _normal(text: str) -> str:
    """Runs of white space as one space (quotes may be wrapped across lines)."""
    return re.sub(r"\s+", " ", text).strip()


def _pages() -> list[Path]:
    pages = [
        p for p in sorted((ROOT / "docs").rglob("*.md")) if not SKIP_DIRS & set(p.parts)
    ]
    return pages + sorted((ROOT / "gallery").glob("*.py"))


def quotes() -> list[tuple[str, str, str]]:
    """``(page, source, quote)`` for every quote role in the pages and examples."""
    found = []
    for page in _pages():
        text = page.read_text(encoding="utf-8")
        if page.suffix == ".py":  # the gallery's text blocks are comments
            text = re.sub(r"(?m)^\s*# ?", "", text)
        for source, quote in ROLE.findall(text):
            found.append((str(page.relative_to(ROOT)), source, _normal(quote)))
    return found


def is_verbatim(quote: str, seed: str) -> bool:
    """Whether `quote` (its pieces around ``...``, in order) appears in `seed`."""
    seed, start = _normal(seed), 0
    for piece in (p.strip() for p in quote.split("...")):
        at = seed.find(piece, start)
        if not piece or at < 0:
            return False
        start = at + len(piece)
    return True


def _seed_texts(source: str) -> list[str]:
    if not SEEDS.is_dir():
        pytest.skip(
            f"the seed texts are not at {SEEDS} (CI puts them in ../shared/seeds)"
        )
    return [(SEEDS / name).read_text(encoding="utf-8") for name in SOURCES[source]]


QUOTES = quotes()


@pytest.mark.parametrize(
    ("page", "source", "quote"), QUOTES, ids=[f"{p}:{q[:30]}" for p, _, q in QUOTES]
)
def test_quote_is_verbatim(page: str, source: str, quote: str) -> None:
    assert any(is_verbatim(quote, seed) for seed in _seed_texts(source)), (
        f"{page} quotes the {source} as “{quote}”, which is not in its seed text"
    )


def test_every_source_is_quoted() -> None:
    """The scanner finds quotes of every source (a broken pattern would find none and
    pass)."""
    assert {source for _, source, _ in QUOTES} == set(SOURCES)


def test_every_erratum_quotes_its_source() -> None:
    """Each "Says" line of the errata holds a marked quote (or names another source)."""
    errata = (ROOT / "docs" / "errata.md").read_text(encoding="utf-8")
    says = re.findall(r"^\*\*Says\*\*.*?(?=\n\n)", errata, flags=re.M | re.S)
    assert says, "no **Says** entries found in docs/errata.md"
    for entry in says:
        assert ROLE.search(entry) or "edition" in entry, (
            f"erratum without a marked quote: {entry!r}"
        )


def test_checker_rejects_a_changed_quote() -> None:
    """Two-sided: an altered word, a swapped order or an empty piece is not verbatim."""
    seed = "each filter has 25 parameters plus a bias parameter,\nwhich means 26"
    assert is_verbatim("has 25 parameters plus a bias parameter, which", seed)
    assert is_verbatim("each filter ... which means 26", seed)
    assert not is_verbatim("has 75 parameters plus a bias parameter", seed)
    assert not is_verbatim("which means 26 ... each filter", seed)
    assert not is_verbatim("each filter ... ", seed)

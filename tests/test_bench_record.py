"""The committed benchmark record (``nox -s bench``) holds what the Performance page
shows."""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
if not (
    BENCHMARKS / "record.py"
).is_file():  # an sdist ships the package and tests only
    pytest.skip(
        "no benchmarks/ folder in this copy of the sources", allow_module_level=True
    )

_spec = importlib.util.spec_from_file_location("bench_record", BENCHMARKS / "record.py")
record = importlib.util.module_from_spec(_spec)
sys.modules["bench_record"] = record
_spec.loader.exec_module(record)


@pytest.fixture(scope="module")
def latest() -> dict:
    found = record.load()
    assert found is not None, (
        f"no committed benchmark record at {record.LATEST}: run `nox -s bench` and "
        "commit it"
    )
    return found


def test_latest_record_is_sound(latest: dict) -> None:
    assert record.problems(latest) == []
    assert latest["commit"] == "unknown" or len(latest["commit"]) == 40
    assert latest["date"][:2] == "20" and "T" in latest["date"]
    assert latest["machine"]["threads"] >= 1 and latest["machine"]["cores"] >= 1
    names = {case["name"] for case in latest["cases"]}
    assert any("ResNet" in name for name in names), names


def test_history_holds_the_latest(latest: dict) -> None:
    copies = [
        p
        for p in (BENCHMARKS / "results" / "history").glob("*.json")
        if record.load(p) == latest
    ]
    assert copies, "benchmarks/results/history/ has no copy of latest.json"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda r: r.pop("commit"), "missing `commit`"),
        (lambda r: r["machine"].pop("cpu"), "missing `cpu`"),
        (lambda r: r.update(schema=99), "`schema` must be 1"),
        (lambda r: r["machine"].update(threads="two"), "`threads` must be"),
        (lambda r: r["machine"].update(cores=True), "got a bool"),
        (lambda r: r.update(cases=[]), "`cases` is empty"),
        (
            lambda r: r["cases"][0]["times"].pop("convdoc backward"),
            "no `convdoc backward` time",
        ),
        (
            lambda r: r["cases"][0]["times"]["convdoc forward"].update(median_s=0.0),
            "median must be > 0",
        ),
        (
            lambda r: r["scaling"].append({"axis": "side"}),
            "needs `axis`, `value` and `convdoc`",
        ),
    ],
)
def test_a_damaged_record_is_reported(latest: dict, damage, message: str) -> None:
    broken = copy.deepcopy(latest)
    damage(broken)
    assert any(message in problem for problem in record.problems(broken)), (
        record.problems(broken)
    )


def test_commits_since_counts_or_says_unknown(tmp_path: Path) -> None:
    assert record.commits_since("0" * 40, repo=tmp_path) is None  # not a git checkout
    head = record.commits_since("HEAD")
    assert head in (0, None)  # 0 in a git checkout, None in an unpacked copy

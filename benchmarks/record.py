"""The committed benchmark record: where it lives, what it must hold, and how old it is.

``nox -s bench`` (``benchmarks/run.py``) writes ``benchmarks/results/latest.json`` and a
copy in ``benchmarks/results/history/``; both are committed. The Performance page reads
the latest record at build time (nothing is timed during the build), and
``tests/test_bench_record.py`` checks it with :func:`problems`. Plain Python, no
third-party imports, so the docs and tests can use it.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
LATEST = HERE / "results" / "latest.json"
SCHEMA = 1

# key: type(s) of its value, for the record and for its "machine" part.
RECORD_KEYS = {
    "schema": int,
    "date": str,
    "commit": str,
    "dirty": (bool, type(None)),
    "notes": str,
    "quick": bool,
    "machine": dict,
    "blas": list,
    "matmul": dict,
    "cases": list,
    "scaling": list,
    "targets": list,
    "seconds": (int, float),
}
MACHINE_KEYS = {
    "cpu": str,
    "cores": int,
    "threads": int,
    "platform": str,
    "python": str,
    "numpy": str,
    "scipy": str,
    "convdoc": str,
    "torch": (str, type(None)),
    "load_average": list,
}
CASE_KEYS = {
    "name": str,
    "dtype": str,
    "flops": int,
    "times": dict,
    "ratios": dict,
    "memory": dict,
}
TIME_KEYS = {"median_s": float, "min_s": float, "samples": int, "gflops": float}


def _check(mapping: dict, keys: dict, where: str) -> list[str]:
    out = []
    for key, kind in keys.items():
        if key not in mapping:
            out.append(f"{where}: missing `{key}`")
        elif isinstance(mapping[key], bool) and kind in (int, float, (int, float)):
            out.append(f"{where}: `{key}` must be a number; got a bool")
        elif not isinstance(mapping[key], kind):
            out.append(
                f"{where}: `{key}` must be {kind}; got {type(mapping[key]).__name__}"
            )
    return out


def problems(record: dict) -> list[str]:
    """Everything wrong with a benchmark record (empty when it is sound).

    >>> problems({"schema": 1})[:2]
    ['record: missing `date`', 'record: missing `commit`']
    """
    out = _check(record, RECORD_KEYS, "record")
    if out:
        return out
    if record["schema"] != SCHEMA:
        out.append(f"record: `schema` must be {SCHEMA}; got {record['schema']}")
    out += _check(record["machine"], MACHINE_KEYS, "machine")
    if not record["cases"]:
        out.append("record: `cases` is empty")
    for case in record["cases"]:
        where = f"case {case.get('name', '?')!r} {case.get('dtype', '')}"
        out += _check(case, CASE_KEYS, where)
        for step in ("forward", "backward"):
            timed = case.get("times", {}).get(f"convdoc {step}")
            if timed is None:
                out.append(f"{where}: no `convdoc {step}` time")
                continue
            out += _check(timed, TIME_KEYS, f"{where} convdoc {step}")
            if not out and not timed["median_s"] > 0:
                out.append(
                    f"{where}: convdoc {step} median must be > 0; got "
                    f"{timed['median_s']}"
                )
    for row in record["scaling"]:
        if not {"axis", "value", "convdoc"} <= row.keys():
            out.append(f"scaling row {row}: needs `axis`, `value` and `convdoc`")
    return out


def load(path: Path = LATEST) -> dict | None:
    """The record at ``path``, or None when there is none."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def commits_since(commit: str, repo: Path = HERE.parent) -> int | None:
    """How many commits HEAD is ahead of ``commit``;
    None outside git or for an unknown commit.

    Depends only on the checked-out commit, so two builds of one commit say the same.
    """
    try:
        out = subprocess.run(
            ["git", "rev-list", "--count", f"{commit}..HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return int(out.stdout.strip())
    except (OSError, ValueError, subprocess.SubprocessError):
        return None

"""Check convdoc's release files.

Usage: ``python tools/check_dist.py DIST_DIR TREE_WHEEL_DIR``

``DIST_DIR`` holds what ``python -m build`` made (the sdist, and the wheel built from
it); ``TREE_WHEEL_DIR`` a wheel built straight from the source tree, as the docs build
makes it. Checks that the LICENSE ships in both the sdist and the wheel, that the
version is the one pyproject.toml declares, and that both wheels hold the same files,
byte for byte.
"""

from __future__ import annotations

import re
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def wheel_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def main(dist: Path, tree: Path) -> int:
    version = re.search(
        r'(?m)^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text("utf-8")
    )[1]
    name = f"convdoc-{version}"
    sdist, wheel = dist / f"{name}.tar.gz", dist / f"{name}-py3-none-any.whl"
    problems = [
        f"missing {p.name}"
        for p in (sdist, wheel, tree / wheel.name)
        if not p.is_file()
    ]
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    with tarfile.open(sdist) as tf:
        if f"{name}/LICENSE" not in tf.getnames():
            problems.append(f"{sdist.name} has no LICENSE")
    from_sdist, from_tree = wheel_files(wheel), wheel_files(tree / wheel.name)
    if f"{name}.dist-info/licenses/LICENSE" not in from_sdist:
        problems.append(f"{wheel.name} has no LICENSE")
    differ = sorted(
        n
        for n in from_sdist.keys() | from_tree.keys()
        if from_sdist.get(n) != from_tree.get(n)
    )
    if differ:
        problems.append(
            "the wheel built from the sdist and the one built from the tree differ "
            f"in {differ}"
        )
    for line in problems:
        print(line, file=sys.stderr)
    if not problems:
        print(
            f"{sdist.name} ({sdist.stat().st_size:,} bytes) and {wheel.name} "
            f"({wheel.stat().st_size:,} bytes): "
            "LICENSE in both; the wheel from the sdist equals the wheel from the "
            f"tree ({len(from_tree)} files)"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))

"""Compare two built sites file by file; exit 1 listing every difference.

Usage: ``python tools/compare_trees.py FIRST SECOND``. Used by ``nox -s repro``: two
clean builds of one commit must be byte-identical (HTML, images, notebooks, scripts,
zips, search index).
"""

from __future__ import annotations

import hashlib
import pathlib
import sys

# Sphinx's build bookkeeping (pickled environment, build info) is not part of the site.
SKIP_NAMES = {".buildinfo", ".buildinfo.bak"}


def digests(root: pathlib.Path) -> dict[str, str]:
    """Map each file's path relative to ``root`` to the SHA-256 of its bytes."""
    out = {}
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and path.name not in SKIP_NAMES
            and ".doctrees" not in path.parts
        ):
            out[path.relative_to(root).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    first, second = (pathlib.Path(a) for a in argv)
    a, b = digests(first), digests(second)
    only_a = sorted(a.keys() - b.keys())
    only_b = sorted(b.keys() - a.keys())
    changed = sorted(k for k in a.keys() & b.keys() if a[k] != b[k])
    for name in only_a:
        print(f"only in {first}: {name}")
    for name in only_b:
        print(f"only in {second}: {name}")
    for name in changed:
        print(f"differs: {name}")
    n_bad = len(only_a) + len(only_b) + len(changed)
    print(f"compared {len(a.keys() | b.keys())} files: {n_bad} differing")
    return 1 if n_bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

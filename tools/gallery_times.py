"""Run every gallery example in one process, as sphinx-gallery does; print its run time.

Each example's figures are rendered to PNG at 1× and 2×, as on the site
(``image_srcset``); animations are not rendered to HTML here, so plot_03 is timed
without its frames.

Usage: ``python tools/gallery_times.py [--limit SECONDS] [--total SECONDS]``. The site
pages carry no run times (they would make two builds differ), so this is where they are
measured. Exits 1 if one example takes longer than ``--limit`` or all of them longer
than ``--total``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import pathlib
import runpy
import sys
import time

os.environ.setdefault("MPLBACKEND", "Agg")
GALLERY = pathlib.Path(__file__).resolve().parent.parent / "gallery"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--limit", type=float, default=15.0, help="seconds allowed per example"
    )
    parser.add_argument(
        "--total", type=float, default=60.0, help="seconds allowed for the gallery"
    )
    args = parser.parse_args(argv)

    import matplotlib.pyplot as plt

    import convdoc  # noqa: F401  (imported once, as in a sphinx-gallery build)

    times = {}
    for script in sorted(GALLERY.glob("plot_*.py")):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the examples' own printouts
            runpy.run_path(str(script), run_name="__main__")
            # rendered as the site does: PNG at 1× and 2×
            for number in plt.get_fignums():
                for dpi in (100, 200):
                    plt.figure(number).savefig(io.BytesIO(), format="png", dpi=dpi)
        times[script.name] = time.perf_counter() - start
        plt.close("all")
        print(f"{times[script.name]:6.1f} s  {script.name}", flush=True)
    total = sum(times.values())
    print(
        f"{total:6.1f} s  total ({len(times)} examples; slowest "
        f"{max(times.values()):.1f} s)"
    )
    slow = [name for name, t in times.items() if t > args.limit]
    if slow or total > args.total:
        print(
            f"too slow: {slow or 'the whole gallery'} (limits {args.limit} s each, "
            f"{args.total} s in all)",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

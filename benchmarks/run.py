"""Benchmark conv2d against PyTorch, scipy.signal, a naive loop and NumPy's matmul rate.

Run with ``nox -s bench`` (installs ``.[bench]`` and torch) or ``python
benchmarks/run.py``; ``--quick`` for a smoke run of a few seconds. Everything is
measured in one process with the same number of threads (2) for NumPy's BLAS and
PyTorch; competitors are interleaved round by round and each reported time is a median.
The record goes to ``benchmarks/results/latest.json`` (machine, CPU, threads, library
versions, BLAS, date, commit, every figure) and a copy to
``benchmarks/results/history/``; both are committed, and the Performance page renders
the latest (nothing is timed while the site builds). ``--notes`` adds a sentence about
the conditions (say if the machine was shared); the scaling plot goes to
``benchmarks/results/scaling.png``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import subprocess
import sys
import time
import tracemalloc

THREADS = 2
# before NumPy/torch start their pools
os.environ.setdefault("OMP_NUM_THREADS", str(THREADS))

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.signal  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import convdoc as cd  # noqa: E402

try:
    import torch
except ImportError:  # the torch columns are skipped
    torch = None

RESULTS = pathlib.Path(__file__).parent / "results"
# the record's layout (tests/test_bench_record.py checks it); bump it when keys change
SCHEMA = 1
RESNET = "ResNet-like 8×64×56×56 ⊛ 64×64×3×3, pad 1"
TEACHING = "teaching 6×6 ⊛ 3×3"
# name: (x shape, w shape, padding, teaching-size)
CASES = {
    TEACHING: ((1, 1, 6, 6), (1, 1, 3, 3), 0, True),
    "LeNet 32×32×3 → 6 filters 5×5": ((1, 3, 32, 32), (6, 3, 5, 5), 0, True),
    "8×16×64×64 ⊛ 32×16×3×3, pad 1": ((8, 16, 64, 64), (32, 16, 3, 3), 1, False),
    RESNET: ((8, 64, 56, 56), (64, 64, 3, 3), 1, False),
    "512×512 image ⊛ 3×3": ((1, 1, 512, 512), (1, 1, 3, 3), 0, False),
    "512×512 image ⊛ 10×10": ((1, 1, 512, 512), (1, 1, 10, 10), 0, False),
}
SCIPY_LIMIT_S = 2.0  # skip the scipy channel loop where one call would take longer
# OpenBLAS's idle threads spin for about 2**28 cycles after each call (~0.1 s
# here), taking a core from whichever competitor runs next: let them fall
# asleep before every sample.
SETTLE_S = 0.15


# --------------------------------------------------------------------------------------
# Timing


def _time_once(fn, number=1):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def measure(competitors, *, rounds, min_sample=0.02, budget=4.0):
    """Median seconds per call of each competitor, interleaved round by round.

    Each competitor is warmed up first; a sample repeats fast calls until it lasts
    `min_sample` seconds; slow competitors get fewer rounds so each stays within about
    `budget` seconds.
    """
    plan = {}
    for name, fn in competitors.items():
        fn()  # warm-up: buffers allocated, caches and thread pools started
        once = _time_once(fn)
        plan[name] = (
            max(1, int(min_sample / max(once, 1e-9))),
            max(1, min(rounds, int(budget / max(once, 1e-9)))),
        )
    samples = {name: [] for name in competitors}
    for r in range(rounds):
        for name, fn in competitors.items():
            number, wanted = plan[name]
            if r < wanted:
                time.sleep(SETTLE_S)
                samples[name].append(_time_once(fn, number))
    return {
        name: dict(median_s=float(np.median(s)), min_s=float(np.min(s)), samples=len(s))
        for name, s in samples.items()
    }


def peak_extra_bytes(fn):
    """Peak bytes allocated by NumPy (traced by tracemalloc) during one call of `fn`."""
    tracemalloc.start()
    try:
        fn()  # the first traced call may allocate one-off caches
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - base
        del result
    finally:
        tracemalloc.stop()
    return int(peak)


def matmul_rate(dtype, n):
    """GFLOP/s of NumPy's own square matrix product:
    the practical limit on this machine."""
    rng = np.random.default_rng(0)
    a, b = (
        rng.standard_normal((n, n)).astype(dtype),
        rng.standard_normal((n, n)).astype(dtype),
    )
    out = np.empty_like(a)
    t = measure({"matmul": lambda: np.matmul(a, b, out=out)}, rounds=7)["matmul"][
        "median_s"
    ]
    return dict(n=n, median_s=t, gflops=2 * n**3 / t / 1e9)


# --------------------------------------------------------------------------------------
# Competitors


def naive_conv2d(x, w, padding):
    """One Python iteration per output pixel and
    filter: the definition, unvectorised."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n, _, h, wd = xp.shape
    f, _, kh, kw = w.shape
    y = np.empty((n, f, h - kh + 1, wd - kw + 1), x.dtype)
    for i in range(n):
        for k in range(f):
            for r in range(y.shape[2]):
                for c in range(y.shape[3]):
                    y[i, k, r, c] = np.sum(xp[i, :, r : r + kh, c : c + kw] * w[k])
    return y


def scipy_conv2d(x, w, padding):
    """A loop over images, filters and channels of
    ``scipy.signal.correlate`` on 2-D slices."""
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    return np.array(
        [
            [
                sum(
                    scipy.signal.correlate(xp[i, c], w[k, c], mode="valid")
                    for c in range(x.shape[1])
                )
                for k in range(w.shape[0])
            ]
            for i in range(x.shape[0])
        ]
    )


def competitors_for(x, w, padding, teaching):
    """The functions timed on one case, forward and backward."""
    b = np.zeros(w.shape[0], x.dtype)
    dy = (
        np.random.default_rng(1)
        .standard_normal(cd.conv2d(x, w, padding=padding).shape)
        .astype(x.dtype)
    )
    fwd = {"convdoc": lambda: cd.conv2d(x, w, b, padding=padding)}
    bwd = {"convdoc": lambda: cd.conv2d_backward(dy, x, w, padding=padding)}
    if torch is not None:
        xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
        yt, dyt = (
            torch.nn.functional.conv2d(xt, wt, bt, padding=padding),
            torch.from_numpy(dy),
        )

        def torch_forward():
            with torch.no_grad():
                return torch.nn.functional.conv2d(xt, wt, bt, padding=padding)

        fwd["torch"] = torch_forward
        bwd["torch"] = lambda: torch.autograd.grad(
            yt, (xt, wt, bt), dyt, retain_graph=True
        )
    # scipy: estimate the whole loop from one 2-D call, skip it if it would be too slow.
    one = _time_once(lambda: scipy.signal.correlate(x[0, 0], w[0, 0], mode="valid"))
    if one * x.shape[0] * w.shape[0] * x.shape[1] < SCIPY_LIMIT_S:
        fwd["scipy.signal loop"] = lambda: scipy_conv2d(x, w, padding)
    if teaching:
        fwd["naive loop"] = lambda: naive_conv2d(x, w, padding)
    return fwd, bwd


# --------------------------------------------------------------------------------------
# The run


def run_case(name, dtype, rounds, rates):
    x_shape, w_shape, padding, teaching = CASES[name]
    rng = np.random.default_rng(0)
    x, w = (
        rng.standard_normal(x_shape).astype(dtype),
        rng.standard_normal(w_shape).astype(dtype),
    )
    y = cd.conv2d(x, w, padding=padding)
    (n, c, _, _), (f, _, kh, kw), (ho, wo) = x_shape, w_shape, y.shape[2:]
    flops = 2 * n * f * c * kh * kw * ho * wo
    fwd, bwd = competitors_for(x, w, padding, teaching)
    times = {f"{k} forward": v for k, v in measure(fwd, rounds=rounds).items()}
    times |= {f"{k} backward": v for k, v in measure(bwd, rounds=rounds).items()}
    for key, t in times.items():
        t["gflops"] = (
            (2 if key.endswith("backward") else 1) * flops / t["median_s"] / 1e9
        )
        t["us_per_call"] = t["median_s"] * 1e6
    ratios = {}
    for step in ("forward", "backward"):
        mine = times[f"convdoc {step}"]
        ratios[f"{step} vs matmul"] = (
            mine["gflops"] / rates[np.dtype(dtype).name]["gflops"]
        )
        if f"torch {step}" in times:
            ratios[f"{step} vs torch"] = (
                times[f"torch {step}"]["median_s"] / mine["median_s"]
            )
    memory = dict(
        forward_peak_bytes=peak_extra_bytes(fwd["convdoc"]),
        backward_peak_bytes=peak_extra_bytes(bwd["convdoc"]),
        input_bytes=x.nbytes,
        output_bytes=y.nbytes,
        im2col_bytes=x.itemsize * c * kh * kw * n * ho * wo,
    )
    return dict(
        name=name,
        dtype=np.dtype(dtype).name,
        x_shape=x_shape,
        w_shape=w_shape,
        padding=padding,
        flops=flops,
        times=times,
        ratios=ratios,
        memory=memory,
    )


def scaling(dtype, quick):
    """Forward time against image side (C = F = 8)
    and against channels (C = F, 64×64 image)."""
    rng = np.random.default_rng(0)
    rows = []
    sides = [64, 128, 256] if quick else [64, 128, 256, 512, 1024]
    channels = [4, 16, 64] if quick else [2, 4, 8, 16, 32, 64, 128]
    configs = [("side", s, (1, 8, s, s), (8, 8, 3, 3)) for s in sides]
    configs += [("channels", ch, (1, ch, 64, 64), (ch, ch, 3, 3)) for ch in channels]
    for axis, value, x_shape, w_shape in configs:
        x, w = (
            rng.standard_normal(x_shape).astype(dtype),
            rng.standard_normal(w_shape).astype(dtype),
        )
        fwd, _ = competitors_for(x, w, 1, False)
        fwd.pop("scipy.signal loop", None)
        t = measure(fwd, rounds=3 if quick else 5)
        flops = 2 * int(np.prod(w_shape)) * x_shape[2] * x_shape[3]
        rows.append(
            dict(
                axis=axis,
                value=value,
                flops=flops,
                **{k: v["median_s"] for k, v in t.items()},
            )
        )
    return rows


def plot_scaling(rows, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.0), layout="constrained")
    for ax, axis, label in zip(
        axes,
        ("side", "channels"),
        ("image side H = W (C = F = 8)", "channels C = F (64×64 image)"),
        strict=True,
    ):
        part = [r for r in rows if r["axis"] == axis]
        v = np.array([r["value"] for r in part], float)
        for key, style in (("convdoc", "o-"), ("torch", "s--")):
            if key in part[0]:
                ax.loglog(v, [r[key] for r in part], style, label=key, ms=4)
        # Ideal cost ∝ FLOPs (∝ H·W, or ∝ C·F), through convdoc's largest point.
        flops = np.array([r["flops"] for r in part], float)
        ax.loglog(
            v,
            part[-1]["convdoc"] * flops / flops[-1],
            ":",
            color="gray",
            label="∝ FLOPs",
        )
        ax.set_xticks(v, [f"{x:g}" for x in v])
        ax.minorticks_off()
        ax.set_xlabel(label)
        ax.set_ylabel("forward time (s)")
        ax.legend(fontsize=8)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


def machine_info():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in fh
                    if line.startswith("model name")
                ),
                cpu,
            )
    except OSError:
        pass
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        platform=platform.platform(),
        python=platform.python_version(),
        numpy=np.__version__,
        scipy=scipy.__version__,
        convdoc=cd.__version__,
        torch=None if torch is None else torch.__version__,
        threads=THREADS,
    )


def git_commit():
    """``(commit, dirty)`` of the benchmarked code: HEAD, and whether convdoc/ or
    benchmarks/run.py differ from it.

    ``("unknown", None)`` outside a git checkout (an sdist, a copied folder).
    """
    root = pathlib.Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "convdoc", "benchmarks/run.py"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown", None
    return head.stdout.strip(), bool(status.stdout.strip())


def check_targets(cases):
    """The issue's targets on the ResNet-like layer and
    the teaching case: (name, value, goal, passed)."""
    out = []
    get = {(c["name"], c["dtype"]): c for c in cases}
    for dtype, fwd_goal, bwd_goal in (("float32", 0.6, 0.5), ("float64", 1.0, 1.0)):
        case = get.get((RESNET, dtype))
        if case is None:
            continue
        r = case["ratios"]
        if "forward vs torch" in r:
            out.append(
                (
                    f"{dtype} forward ≥ {fwd_goal}× torch",
                    r["forward vs torch"],
                    fwd_goal,
                )
            )
            out.append(
                (
                    f"{dtype} backward ≥ {bwd_goal}× torch",
                    r["backward vs torch"],
                    bwd_goal,
                )
            )
        out.append(
            (f"{dtype} forward ≥ 0.6× NumPy matmul rate", r["forward vs matmul"], 0.6)
        )
        m = case["memory"]
        out.append(
            (
                f"{dtype} forward peak memory ≤ 4× output",
                m["forward_peak_bytes"] / m["output_bytes"],
                4.0,
            )
        )
    for dtype in ("float32", "float64"):
        case = get.get((TEACHING, dtype))
        if case is not None:
            out.append(
                (
                    f"{dtype} teaching case ≤ 100 µs per call",
                    case["times"]["convdoc forward"]["us_per_call"],
                    100,
                )
            )
    return [
        dict(
            name=n,
            value=float(v),
            goal=g,
            passed=bool(v <= g if ("≤" in n) else v >= g),
        )
        for n, v, g in out
    ]


def print_report(result):
    print(
        f"convdoc benchmark, {result['date']}: {result['machine']['cpu']}, {THREADS} "
        "threads"
    )
    for lib in result["blas"]:
        print(
            f"  {lib.get('user_api')}: {lib.get('internal_api')} {lib.get('version')} "
            f"({lib.get('architecture')}), "
            f"{lib.get('num_threads')} threads, {lib.get('filepath')}"
        )
    for dtype, rate in result["matmul"].items():
        print(
            f"  NumPy matmul {dtype}: {rate['gflops']:.1f} GFLOP/s "
            f"({rate['n']}×{rate['n']})"
        )
    head = (
        f"{'case':42} {'dtype':7} {'method':24} {'median':>10} {'GFLOP/s':>8} "
        f"{'×torch':>7} {'×matmul':>8} {'peak MiB':>9}"
    )
    print("\n" + head + "\n" + "-" * len(head))
    for case in result["cases"]:
        for key, t in case["times"].items():
            step = key.rsplit(" ", 1)[1]
            torch_t = case["times"].get(f"torch {step}")
            vs_torch = (
                f"{torch_t['median_s'] / t['median_s']:7.2f}" if torch_t else " " * 7
            )
            mine = key.startswith("convdoc")
            vs_mm = f"{case['ratios'][f'{step} vs matmul']:8.2f}" if mine else " " * 8
            peak = (
                f"{case['memory'][f'{step}_peak_bytes'] / 2**20:9.1f}"
                if mine
                else " " * 9
            )
            med = t["median_s"]
            med_txt = f"{med * 1e6:8.1f}µs" if med < 1e-3 else f"{med * 1e3:8.1f}ms"
            print(
                f"{case['name']:42} {case['dtype']:7} {key:24} {med_txt:>10} "
                f"{t['gflops']:8.2f} {vs_torch} {vs_mm} {peak}"
            )
    load = result["machine"]["load_average"]
    # after the run, the load includes this benchmark
    if load[0] > 0.5 * result["machine"]["cores"]:
        print(
            f"\nWARNING: the machine was busy (load average {load[0]:.1f} on "
            f"{result['machine']['cores']} "
            "cores before the run): other processes distort these timings."
        )
    print("\nTargets:")
    for t in result["targets"]:
        print(
            f"  {'PASS' if t['passed'] else 'MISS'}  {t['name']}: measured "
            f"{t['value']:.2f}"
        )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: small sizes, few rounds"
    )
    parser.add_argument("--output", type=pathlib.Path, default=RESULTS)
    parser.add_argument(
        "--notes",
        default="",
        help="conditions of the run, e.g. 'machine shared with other jobs'",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    if torch is not None:
        torch.set_num_threads(THREADS)
    else:
        print("PyTorch is not importable: its columns are skipped.", file=sys.stderr)
    with threadpool_limits(limits=THREADS):
        dtypes = ("float32", "float64")
        rates = {d: matmul_rate(d, 1024 if args.quick else 2048) for d in dtypes}
        names = [TEACHING, RESNET] if args.quick else list(CASES)
        rounds = 3 if args.quick else 7
        cases = []
        for name in names:
            for d in dtypes:
                cases.append(run_case(name, d, rounds, rates))
                print(
                    f"  measured {name} {d} ({time.perf_counter() - start:.0f} s)",
                    file=sys.stderr,
                )
        scale = scaling(np.float32, args.quick)
        info = threadpool_info()
    commit, dirty = git_commit()
    result = dict(
        schema=SCHEMA,
        date=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        commit=commit,
        dirty=dirty,
        notes=args.notes,
        quick=args.quick,
        machine=machine_info(),
        blas=info,
        matmul=rates,
        cases=cases,
        scaling=scale,
    )
    # Other processes competing for the cores distort every
    # timing: record how busy it was.
    result["machine"]["load_average"] = [load_before, os.getloadavg()[0]]
    result["targets"] = check_targets(cases)
    result["seconds"] = time.perf_counter() - start
    text = json.dumps(result, indent=1, ensure_ascii=False) + "\n"
    history = args.output / "history"
    history.mkdir(parents=True, exist_ok=True)
    (args.output / "latest.json").write_text(text, encoding="utf-8")
    stamp = result["date"][:19].replace("-", "").replace(":", "")
    (history / f"{stamp}-{commit[:9]}{'-quick' if args.quick else ''}.json").write_text(
        text, encoding="utf-8"
    )
    plot_scaling(scale, args.output / "scaling.png")
    print_report(result)
    print(
        f"\nWrote {args.output / 'latest.json'} (and a copy in history/) in "
        f"{result['seconds']:.0f} s: "
        "commit it, and the Performance page shows it."
    )


if __name__ == "__main__":
    main()

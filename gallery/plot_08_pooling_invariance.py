"""
Pooling and invariance, measured
================================

Convolution is equivariant: its output moves with the input. Pooling summarises each
window by its maximum or mean, so small moves inside a window can leave the summary
unchanged. We measure how much pooled outputs change as the input shifts by 0 to 8
pixels, for several pool sizes and strides: the invariance is real, but only local and
only approximate. Why, on a single bright pixel, is the next example,
:ref:`sphx_glr_auto_examples_plot_08b_pooling_one_pixel.py`.
"""

import itertools

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

# %%
# A photograph's edge map
# -----------------------
# Now a realistic feature map: the absolute response of a vertical-edge filter on a
# grey-level photo (an edge detector for edges of either sign, see
# :ref:`sphx_glr_auto_examples_plot_09_nonlinearity.py`). We shift the *image* right by
# :math:`s` pixels, recompute the feature map and pool it, and compare with the
# unshifted result at the same positions. Circular padding and circular shifts keep the
# image borders out of the measurement (see
# :ref:`sphx_glr_auto_examples_plot_07_equivariance.py`).

photo = cd.load_photo(size=(120, 104))
x = photo[np.newaxis, np.newaxis]
kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)[
    np.newaxis, np.newaxis
]


def features(x):
    """Absolute response of a 3×3 vertical-edge filter, circular padding."""
    return cd.absolute(
        cd.conv2d(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], mode="wrap"), kernel)
    )


poolings = {
    "no pooling": lambda f: f,
    "max 2×2, stride 2": lambda f: cd.max_pool2d(f, 2),
    "max 4×4, stride 4": lambda f: cd.max_pool2d(f, 4),
    "max 8×8, stride 8": lambda f: cd.max_pool2d(f, 8),
    "max 4×4, stride 2": lambda f: cd.max_pool2d(f, 4, stride=2),
    "avg 4×4, stride 4": lambda f: cd.avg_pool2d(f, 4),
}
shifts = np.arange(0, 9)
change = {name: [] for name in poolings}  # mean |Δ| / mean |output|
same = {name: [] for name in poolings}  # share of outputs unchanged (up to rounding)
for name, pooling in poolings.items():
    base = pooling(features(x))
    for s in shifts:
        moved = pooling(features(cd.shift(x, 0, int(s), mode="circular")))
        diff = np.abs(moved - base)
        change[name].append(diff.mean() / np.abs(base).mean())
        same[name].append(np.mean(diff <= 1e-12 * np.abs(base).max()))
change = {name: np.array(v) for name, v in change.items()}
same = {name: np.array(v) for name, v in same.items()}


def print_table(title, table, fmt):
    print(title)
    print(f"{'shift (pixels)':<20}" + "".join(f"{s:>6}" for s in shifts))
    for name, v in table.items():
        print(f"{name:<20}" + "".join(f"{c:>6{fmt}}" for c in v))
    print()


print_table("mean |change| / mean |output|", change, ".2f")
print_table("share of pooled values unchanged", same, ".2f")

# %%
# What the numbers say:
#
# * nothing changes at shift 0, and every map changes at shift 1: the invariance is
#   approximate;
# * at a one-pixel shift, bigger max-pooling windows change less;
# * a max-pooled value often survives a shift smaller than its window unchanged, and
#   almost none survives a shift by the whole window: the invariance is only local;
# * an average changes as soon as anything in its window changes, so average pooling
#   keeps almost no value; it only damps the change.

# none, max 2, max 4, max 8
one_pixel = [change[name][1] for name in list(poolings)[:4]]
assert all(a > b for a, b in itertools.pairwise(one_pixel)), (
    "the larger the max-pooling window, the less a one-pixel shift changes the output"
)
for k in (2, 4, 8):
    name = f"max {k}×{k}, stride {k}"
    assert np.all(same[name][1:k] > 0.05) and same[name][k] < 0.01, (
        "max pooling keeps values under shifts smaller than its window, not beyond"
    )
assert np.all(same["avg 4×4, stride 4"][1:] < 0.01), "average pooling keeps almost none"

fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.6), layout="constrained")
styles = ["k--", "C0o-", "C1s-", "C2^-", "C4d-", "C3v-"]
for (name, v), style in zip(change.items(), styles, strict=True):
    axes[0].plot(shifts, v, style, label=name, ms=4)
    axes[1].plot(shifts, 100 * same[name], style, ms=4)
axes[0].set_ylabel("mean |change| / mean |output|")
axes[0].set_title("How much the pooled map changes", fontsize=10)
axes[1].set_ylabel("pooled values unchanged (%)")
axes[1].set_title("How many pooled values stay the same", fontsize=10)
for ax in axes:
    ax.set_xlabel("shift of the input image (pixels)")
    ax.set_xticks(shifts)
    ax.grid(alpha=0.3)
fig.legend(loc="outside lower center", ncols=3, fontsize=8)
plt.show()

# %%
# Sources
# -------
# Photograph: Grace Hopper, from matplotlib's sample data (``grace_hopper.jpg``).

"""
Sparsity of connections
=======================

In a convolutional layer each output depends on a small window of the input, not on all
of it. On the why-convolutions blog's 6×6 input with a 3×3 filter, we find the 9 inputs
that feed two chosen outputs (and the 27 that do not), then draw the whole layer as its
16×36 matrix, where the zeros (sparsity) and the 9 repeated values (sharing) are visible
at a glance.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import convdoc as cd

# %%
# Which inputs feed an output?
# ----------------------------
# We ask the layer itself: :func:`convdoc.receptive_field_by_perturbation` changes
# input pixels and records which ones move the chosen output. Connections belong to
# the layer's architecture, not to particular weight values (the edge filter's middle
# column is 0, which would hide three of them), so we probe with a kernel whose 9
# weights are all non-zero.

X = np.zeros((6, 6))
X[:, :3] = 10
edge = np.array([[1, 0, -1]] * 3, dtype=float)
Y = cd.correlate2d(X, edge)

probe = np.arange(1.0, 10.0).reshape(3, 3)
chosen = {"green": (0, 0), "red": (1, 1)}
masks = {
    color: cd.receptive_field_by_perturbation(
        lambda x: cd.correlate2d(x, probe), X.shape, index
    )
    for color, index in chosen.items()
}
for color, index in chosen.items():
    mask = masks[color]
    rows, cols = np.nonzero(mask)
    print(
        f"Y{list(index)} = {Y[index]:>4g} ({color}): {mask.sum()} inputs connected "
        f"(rows {rows.min()}–{rows.max()}, columns {cols.min()}–{cols.max()}), "
        f"{mask.size - mask.sum()} not connected"
    )
    r, c = index
    window = np.zeros(X.shape, dtype=bool)
    window[r : r + 3, c : c + 3] = True
    assert np.array_equal(mask, window), "each output is wired to its 3×3 window only"

# %%
# The two windows on the input. Changing any of the 27 pixels outside the green
# window leaves the green output unchanged, whatever their values.

fig, axes = plt.subplots(
    1, 2, figsize=(7.2, 3.3), layout="constrained", gridspec_kw={"width_ratios": [6, 4]}
)
shade = np.zeros(X.shape)
shade[masks["green"]] += 1
shade[masks["red"]] += 2
# none, green, red, both
tiles = ListedColormap(["white", "#7fc97f", "#f0837d", "#c2a25b"])
axes[0].imshow(shade, cmap=tiles, vmin=-0.5, vmax=3.5)
for (i, j), value in np.ndenumerate(X):
    axes[0].text(j, i, f"{value:g}", ha="center", va="center")
axes[0].set_title("input X: 9 pixels feed each output", fontsize=10)
axes[1].imshow(Y, cmap="viridis", vmin=0, vmax=30)
for (i, j), value in np.ndenumerate(Y):
    axes[1].text(
        j,
        i,
        f"{value:g}",
        ha="center",
        va="center",
        color="white" if value < 15 else "black",
    )
for color, (r, c) in chosen.items():
    axes[1].add_patch(
        plt.Circle(
            (c, r),
            0.42,
            fill=False,
            lw=3,
            edgecolor={"green": "#1b9e47", "red": "#d62728"}[color],
        )
    )
axes[1].set_title("output Y = correlate2d(X, edge)", fontsize=10)
for ax in axes:
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_xticks(range(ax.get_images()[0].get_array().shape[1]))
    ax.set_yticks(range(ax.get_images()[0].get_array().shape[0]))
fig.suptitle("Each output sees a 3×3 window: 9 of 36 inputs (overlap in brown)")
plt.show()

# %%
# The layer as a matrix
# ---------------------
# A convolution is linear, so it is a matrix :math:`M` acting on the flattened input:
# :math:`\mathrm{vec}(Y) = M\, \mathrm{vec}(X)`. :func:`convdoc.conv_matrix` builds it:
# 16 rows (one per output) and 36 columns (one per input pixel). A dense layer of the
# same shape would have 576 free weights.

M = cd.conv_matrix(probe, X.shape)
print("conv_matrix shape:", M.shape)

nonzero_per_row = np.count_nonzero(M, axis=1)
values, times = np.unique(M[M != 0], return_counts=True)
print(
    f"non-zeros: {np.count_nonzero(M)} of {M.size} entries "
    f"({np.count_nonzero(M) / M.size:.0%}); per row: "
    f"{sorted(set(nonzero_per_row.tolist()))}"
)
print(
    "distinct non-zero values:",
    values.astype(int),
    "each used",
    sorted(set(times.tolist())),
    "times",
)
assert np.all(nonzero_per_row == 9) and np.all(times == 16), (
    "sparsity: 9 connections per output; sharing: each of the 9 weights used 16 times"
)

# %%
# Each row is the kernel laid out along the flattened image. From one output to the next
# along an output row it moves one column; from the last output of a row to the first of
# the next it jumps by the kernel's width (the bands jump at every row boundary). White
# entries are missing connections, and the same 9 colours come back in every row.

fig, ax = plt.subplots(figsize=(7.2, 3.8), layout="constrained")
masked = np.ma.masked_equal(M, 0)
image = ax.imshow(masked, cmap="viridis", vmin=0.5, vmax=9.5)
ax.set_xticks(range(0, 36, 6))
ax.set_yticks(range(0, 16, 4))
ax.set_xlabel("input pixel (row-major index: 6·row + column)")
ax.set_ylabel("output (4·row + column)")
ax.set_title(
    f"16×36 convolution matrix: {np.count_nonzero(M)} non-zeros, {values.size} "
    "distinct values"
)
fig.colorbar(
    image, ax=ax, label="kernel weight W[i, j] = 1…9", shrink=0.8, ticks=range(1, 10)
)
plt.show()

# %%
# With the edge filter itself, three of every nine connections carry a zero weight,
# so its matrix has only 6 non-zeros per row. The layer is still wired to 9 inputs per
# output: training could make those weights non-zero at any time.

M_edge = cd.conv_matrix(edge, X.shape)
print(
    "edge filter, non-zeros per row:",
    sorted(set(np.count_nonzero(M_edge, axis=1).tolist())),
)

# %%
# See also
# --------
# The 6×6 example and its green and red outputs come from the why-convolutions blog,
# one of the notes' sources (a summary of Andrew Ng's course);
# :ref:`sphx_glr_auto_examples_plot_06_sparsity_vs_sharing.py` separates the effect of
# sparsity from that of sharing.

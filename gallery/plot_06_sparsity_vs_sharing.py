"""
Sparsity and sharing, separated
===============================

A convolution saves parameters in two independent steps. Going from a dense layer to
a locally-connected one removes connections (sparsity); going from locally connected
to convolution makes the remaining kernels identical (sharing). We draw the three
layers as matrices of the same shape, then chart how much each step saves.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)

# %%
# Three layers with the same shapes
# ---------------------------------
# Each maps a 6×6 input to a 4×4 output, so each is a 16×36 matrix acting on the
# flattened image. We draw random weights for the dense and locally-connected layers
# and a random 3×3 kernel for the convolution, then recover each matrix by feeding in
# the 36 unit images (the columns of the identity).

H, W, K = 6, 6, 3
h_out, w_out = cd.conv_output_shape(H, W, K, K)
basis = np.eye(H * W).reshape(H * W, 1, H, W)  # 36 images, one pixel lit in each

w_dense = rng.standard_normal((h_out * w_out, H * W))
w_local = rng.standard_normal((h_out, w_out, 1, 1, K, K))
kernel = rng.standard_normal((1, 1, K, K))

matrices = {
    "dense": cd.dense(basis.reshape(H * W, -1), w_dense).T,
    "locally connected": cd.locally_connected2d(basis, w_local).reshape(H * W, -1).T,
    "convolution": cd.conv2d(basis, kernel).reshape(H * W, -1).T,
}

print(f"{'layer':<18} {'connections (non-zeros)':>24} {'independent weights':>20}")
stats = {}
for name, M in matrices.items():
    nonzero = np.count_nonzero(M)
    distinct = np.unique(np.round(M[M != 0], 12)).size
    stats[name] = (nonzero, distinct)
    print(f"{name:<18} {nonzero:>24} {distinct:>20}")

assert stats["locally connected"][0] == stats["convolution"][0] < stats["dense"][0], (
    "sparsity removes connections: the two sparse layers keep the same ones"
)
assert stats["convolution"][1] < stats["locally connected"][1], (
    "sharing removes weights, not connections"
)

# %%
# Sparsity shows as the dark grey entries: connections that do not exist. A weight
# that exists but happens to be near zero is drawn near white, so the two cannot be
# confused. Sharing shows as the colours repeating from row to row, each row the
# previous one shifted by one pixel (or by three at the end of an output row).

fig, axes = plt.subplots(3, 1, figsize=(7.2, 6.0), layout="constrained", sharex=True)
lim = max(np.max(np.abs(M)) for M in matrices.values())
# absent entries: dark grey
weights_cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.3")
for ax, (name, M) in zip(axes, matrices.items(), strict=True):
    absent = M == 0  # no connection (random weights are never exactly zero)
    image = ax.imshow(
        np.ma.masked_array(M, absent),
        cmap=weights_cmap,
        vmin=-lim,
        vmax=lim,
        aspect="auto",
        interpolation="nearest",
    )
    nonzero, distinct = stats[name]
    ax.set_title(
        f"{name}: {nonzero} connections, {distinct} independent weights", fontsize=10
    )
    ax.set_ylabel("output")
axes[-1].set_xlabel("input pixel (flattened 6×6)")
fig.colorbar(image, ax=axes, shrink=0.6, label="weight (dark grey: no connection)")
plt.show()

# %%
# The two savings for the notes' case
# -----------------------------------
# For a 32×32×3 image and six 5×5 filters (output 28×28×6), sparsity divides the
# weight count by :math:`(C H W) / (C K_H K_W)` (the input size over the window size)
# and sharing divides it by :math:`H_{out} W_{out}` (the number of positions).

C, H, W, F, K = 3, 32, 32, 6, 5
h_out, w_out = cd.conv_output_shape(H, W, K, K)
weights = {
    "dense": cd.dense_params(C * H * W, F * h_out * w_out, bias=False),
    "locally connected": cd.locally_connected_params(C, F, h_out, w_out, K, bias=False),
    "convolution": cd.conv_params(C, F, K, bias=False),
}
sparsity = weights["dense"] / weights["locally connected"]
sharing = weights["locally connected"] / weights["convolution"]
for name, n in weights.items():
    print(f"{name:<18} {n:>12,} weights")
print(
    f"sparsity saves ×{sparsity:.2f}, sharing saves ×{sharing:.0f}, "
    f"together ×{sparsity * sharing:,.0f}"
)

assert sharing == h_out * w_out, "sharing saves one factor per output position"

fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
names = list(weights)
bars = ax.bar(names, list(weights.values()), color=["C3", "C1", "C0"])
ax.set_yscale("log")
# bars start at one weight, not at an arbitrary floor
ax.set_ylim(1, weights["dense"] * 1e3)
ax.bar_label(bars, labels=[f"{n:,}" for n in weights.values()], padding=2)
for i, (factor, label) in enumerate([(sparsity, "sparsity"), (sharing, "sharing")]):
    start, end = weights[names[i]] * 12, weights[names[i + 1]] * 12
    ax.annotate(
        "",
        xy=(i + 0.8, end),
        xytext=(i + 0.2, start),
        arrowprops={"arrowstyle": "->", "color": "0.3", "lw": 1.5},
    )
    ax.text(
        i + 0.55,
        np.sqrt(start * end) * 4,
        f"{label} ÷{factor:,.4g}",
        ha="left",
        color="0.2",
    )
ax.set_ylabel("weights (log scale)")
ax.set_xlabel("layer mapping 32×32×3 → 28×28×6 with 5×5 windows")
ax.set_title("Sparsity and sharing each remove a large factor")
plt.show()

# %%
# See also
# --------
# :ref:`sphx_glr_auto_examples_plot_01_parameter_counts.py` gives the counts with
# biases for all three of the notes' cases.

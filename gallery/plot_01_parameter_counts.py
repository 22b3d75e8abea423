"""
Parameter counts of three layers
================================

A fully-connected (dense) layer, a locally-connected layer and a convolutional layer can
map the same input to the same output shape. This example counts their parameters,
weights and biases apart, for the three cases of the notes' sources. How each count
grows with the image is the next example,
:ref:`sphx_glr_auto_examples_plot_01b_counts_grow_with_image.py`.
"""

import matplotlib.pyplot as plt

import convdoc as cd


def counts(c, h, w, f, k, *, stride=1, padding=0, h_out=None, w_out=None):
    """Weights and biases of the three layers mapping (c, h, w) to (f, h_out, w_out)."""
    if h_out is None:
        h_out, w_out = cd.conv_output_shape(h, w, k, k, stride=stride, padding=padding)
    n_in, n_out = c * h * w, f * h_out * w_out
    rows = {
        "dense": (
            cd.dense_params(n_in, n_out, bias=False),
            cd.dense_params(n_in, n_out),
        ),
        "locally connected": (
            cd.locally_connected_params(c, f, h_out, w_out, k, bias=False),
            cd.locally_connected_params(c, f, h_out, w_out, k),
        ),
        "convolution": (
            cd.conv_params(c, f, k, bias=False),
            cd.conv_params(c, f, k),
        ),
    }
    # (weights, biases, total) for each layer
    return {name: (wt, tot - wt, tot) for name, (wt, tot) in rows.items()}


def print_table(title, table):
    """Print one aligned table of weights, biases and totals."""
    print(title)
    print(f"  {'layer':<18} {'weights':>17} {'biases':>11} {'total':>17}")
    for name, (wt, bias, tot) in table.items():
        print(f"  {name:<18} {wt:>17,} {bias:>11,} {tot:>17,}")
    print()


# %%
# Case 1: a 32×32 colour image, six 5×5 filters
# ---------------------------------------------
# The input has :math:`3 \cdot 32 \cdot 32 = 3072` values; six 5×5×3 filters without
# padding give a 28×28×6 output, :math:`4704` values. A dense layer connects every input
# to every output; a locally-connected layer gives each output its own 5×5×3 patch of
# weights; a convolution shares one 5×5×3 kernel per filter across all 784 positions.

case1 = counts(3, 32, 32, 6, 5)
print_table("32×32×3 → 28×28×6, six 5×5 filters", case1)

dense_w, dense_b, _ = case1["dense"]
assert case1["convolution"][2] < case1["dense"][2] / 30_000, (
    "the convolution needs over 30,000 times fewer parameters than the dense layer"
)

# %%
# The layer objects agree with the counting functions. No dense layer is built here:
# its float64 weight matrix alone would fill the memory printed below.

print(f"dense weight matrix: {dense_w * 8 / 1e6:,.0f} MB in float64")
conv_layer = cd.Conv2d(3, 6, 5)
local_layer = cd.LocallyConnected2d(3, 6, (32, 32), 5)
print(conv_layer)
print(local_layer)

# %%
# Case 2: a 1000×1000 image and one million hidden units
# ------------------------------------------------------
# The slides take one hidden unit per pixel (a 1000×1000 output map) and 10×10 filters.
# A dense layer then needs :math:`10^{12}` weights, a locally-connected one
# :math:`10^{8}`, and a single shared 10×10 filter 100.

case2 = counts(1, 1000, 1000, 1, 10, h_out=1000, w_out=1000)
print_table("1000×1000 → 1000×1000, one 10×10 filter", case2)

# %%
# Without padding the output would be 991×991 rather than 1000×1000; only the two
# unshared counts notice.

valid = counts(1, 1000, 1000, 1, 10)
print(
    f"valid 10×10 filter: output {cd.conv_output_shape(1000, 1000, 10, 10)}, "
    f"locally connected weights {valid['locally connected'][0]:,}, "
    f"convolution weights {valid['convolution'][0]:,}\n"
)

# %%
# Case 3: the 784 → 100 → 10 perceptron
# -------------------------------------
# A 28×28 digit feeds 100 hidden units, then 10 outputs. The whole network has
# :math:`784 \cdot 100 + 100 \cdot 10 = 79\,400` weights and 110 biases. To compare
# like with like, arrange the 100 hidden units as a 10×10 map in which each unit sees a
# 10×10 patch of the digit (stride 2: :math:`(28 - 10) / 2 + 1 = 10`); the 100 → 10
# output layer stays dense in all three networks.

hidden = counts(1, 28, 28, 1, 10, stride=2)
out_w, out_tot = cd.dense_params(100, 10, bias=False), cd.dense_params(100, 10)
case3 = {
    name: (wt + out_w, b + out_tot - out_w, tot + out_tot)
    for name, (wt, b, tot) in hidden.items()
}
print_table("28×28 → 100 hidden units → 10 outputs", case3)

# %%
# The three cases side by side
# ----------------------------
# Each dot is one layer's parameter count (weights and biases) on a logarithmic axis;
# within every case the order is the same, dense > locally connected > convolution.

cases = {
    "32×32×3 → 28×28×6": case1,
    "1000×1000 → 1000×1000": case2,
    "28×28 → 100 → 10": case3,
}
styles = {
    "dense": ("o", "C3"),
    "locally connected": ("s", "C1"),
    "convolution": ("^", "C0"),
}
fig, ax = plt.subplots(figsize=(7.2, 2.8), layout="constrained")
for y, table in enumerate(cases.values()):
    for name, (_, _, total) in table.items():
        marker, color = styles[name]
        ax.scatter(
            total,
            y,
            marker=marker,
            color=color,
            s=60,
            zorder=3,
            label=name if y == 0 else None,
        )
    totals = [total for _, _, total in table.values()]
    assert totals == sorted(totals, reverse=True), "dense > locally connected > conv"
ax.set_xscale("log")
ax.set_yticks(range(len(cases)), list(cases))
ax.invert_yaxis()
ax.set_xlabel("parameters (weights and biases), log scale")
ax.set_title("Three layers with the same shapes, in three cases")
ax.grid(True, axis="x", alpha=0.3)
ax.legend(loc="lower right", fontsize=9)
plt.show()

# %%
# Sources
# -------
# The three cases come from the notes' sources: the 32×32×3 image with six 5×5 filters
# (a blog summary of Andrew Ng's course), the 1000×1000 image with one million hidden
# units and 10×10 filters (lecture slides), and the 784 → 100 → 10 perceptron (a blog
# post on convolutional networks).

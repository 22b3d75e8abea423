"""
How fast the receptive field grows
==================================

Stacking 3×3 layers widens the receptive field linearly with depth; a stride of 2, or a
dilation that doubles, at every layer makes it grow exponentially. The closed form is
checked by perturbation for the first three layers.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)


def make_forward(layers):
    """Single-channel convolutions in a chain, a random kernel per ``(k, s, d)``."""
    kernels = [rng.standard_normal((1, 1, spec[0], spec[0])) for spec in layers]

    def forward(x):
        for w, (_k, s, d) in zip(kernels, layers, strict=True):
            x = cd.conv2d(x, w, stride=s, dilation=d)
        return x

    return forward


def output_size(n, layers):
    """Side of the output map of a square ``n×n`` input."""
    for k, s, d in layers:
        n = cd.conv_output_shape(n, n, k, k, stride=s, dilation=d)[0]
    return n


# %%
# Linear, or exponential
# ----------------------
# With stride 1 every 3×3 layer adds 2 pixels: the field grows linearly, :math:`2L + 1`.
# A stride of 2 at every layer (the jump between outputs then doubles at each layer), or
# a dilation that doubles at each layer, makes it grow exponentially, :math:`2^{L+1} -
# 1`. The two reach the same size, but the strided stack keeps one output every
# :math:`2^L` pixels while the dilated one keeps full resolution (jump 1). The markers
# are measured by perturbation for the first three layers, each on an input four pixels
# wider than the predicted field.

depths = np.arange(1, 9)
families = {
    "3×3, stride 1": lambda depth: [(3, 1, 1)] * depth,
    "3×3, stride 2": lambda depth: [(3, 2, 1)] * depth,
    "3×3, dilation 2^(ℓ−1)": lambda depth: [(3, 1, 2**i) for i in range(depth)],
}
growth = {
    name: np.array([cd.receptive_field(make(d))[0] for d in depths])
    for name, make in families.items()
}
probed = {}
for name, make in families.items():
    probed[name] = []
    for depth in range(1, 4):
        layers = make(depth)
        side = cd.receptive_field(layers)[0] + 4
        o = output_size(side, layers) // 2
        mask = cd.receptive_field_by_perturbation(
            make_forward(layers), (1, 1, side, side), (0, 0, o, o)
        )[0, 0]
        rows = np.flatnonzero(mask.any(axis=1))
        probed[name].append(rows.max() - rows.min() + 1)

print(f"{'depth L':>7} " + " ".join(f"{name:>22}" for name in growth))
for i, depth in enumerate(depths):
    print(f"{depth:>7} " + " ".join(f"{v[i]:>22}" for v in growth.values()))
for name, v in growth.items():
    assert np.array_equal(probed[name], v[:3]), f"{name}: the formula matches the probe"
assert np.array_equal(growth["3×3, stride 1"], 2 * depths + 1), (
    "stride 1: linear growth"
)
assert np.array_equal(growth["3×3, stride 2"], 2 ** (depths + 1) - 1), (
    "stride 2: exponential growth"
)

fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
for (name, v), style in zip(growth.items(), ["o-", "s--", "^:"], strict=True):
    (line,) = ax.plot(depths, v, style, label=f"{name} (closed form)", mfc="none")
    ax.plot(depths[:3], probed[name], "x", color=line.get_color(), ms=9)
ax.plot([], [], "kx", label="measured by perturbation")
ax.set_yscale("log", base=2)
ax.set_xlabel("number of stacked 3×3 layers L")
ax.set_ylabel("receptive field size (pixels per side)")
ax.set_title(
    "Receptive field grows linearly with depth, exponentially with stride or dilation"
)
ax.legend(fontsize=9)
ax.grid(True, alpha=0.3)
plt.show()

# %%
# See also
# --------
# :ref:`sphx_glr_auto_examples_plot_10_receptive_fields.py` measures the fields
# themselves.

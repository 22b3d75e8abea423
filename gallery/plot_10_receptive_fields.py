"""
Receptive fields of stacked layers
==================================

Each output of a convolution sees a small patch of its input, and stacking layers makes
the patch grow. This example finds the receptive field of one output by perturbing every
input pixel in turn and checks that it matches the closed-form formula for kernel, stride
and dilation.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import convdoc as cd

rng = np.random.default_rng(0)


def make_forward(layers):
    """A chain of single-channel convolutions, one random kernel per ``(k, s, d[, p])`` layer."""
    kernels = [rng.standard_normal((1, 1, spec[0], spec[0])) for spec in layers]

    def forward(x):
        for w, (_k, s, d, *p) in zip(kernels, layers, strict=True):
            x = cd.conv2d(x, w, stride=s, dilation=d, padding=p[0] if p else 0)
        return x

    return forward


def output_size(n, layers):
    """Side of the output map of a square ``n×n`` input."""
    for k, s, d, *p in layers:
        n = cd.conv_output_shape(n, n, k, k, stride=s, dilation=d, padding=p[0] if p else 0)[0]
    return n


# %%
# The closed form
# ---------------
# Along one axis, layer :math:`\ell` with kernel :math:`k_\ell`, stride :math:`s_\ell` and
# dilation :math:`d_\ell` widens the field by :math:`d_\ell (k_\ell - 1)` steps of the
# current *jump* (the input distance between neighbouring outputs):
#
# .. math::
#
#    r_\ell = r_{\ell-1} + d_\ell (k_\ell - 1)\, j_{\ell-1}, \qquad
#    j_\ell = j_{\ell-1}\, s_\ell, \qquad r_0 = j_0 = 1.
#
# Output :math:`o` then sees input indices :math:`t + o\,j` to :math:`t + o\,j + r - 1`,
# where the start :math:`t` moves left by :math:`p_\ell\, j_{\ell-1}` for each padded layer.
# :func:`convdoc.receptive_field` evaluates this for five stacks of 3×3 layers, given as
# ``(kernel, stride, dilation[, padding])`` tuples.

stacks = {
    "three 3×3": [(3, 1, 1)] * 3,
    "3×3 stride 2, two 3×3": [(3, 2, 1), (3, 1, 1), (3, 1, 1)],
    "dilations 1, 2, 4": [(3, 1, 1), (3, 1, 2), (3, 1, 4)],
    "two 3×3 dilation 2": [(3, 1, 2), (3, 1, 2)],
    "padded, corner output": [(3, 2, 1, 1), (3, 1, 1, 1)],
}
closed = {name: cd.receptive_field(layers) for name, layers in stacks.items()}

# %%
# The same fields, measured
# -------------------------
# :func:`convdoc.receptive_field_by_perturbation` nudges each pixel of a 24×24 input and
# marks it when the chosen output changes. The chain is linear (random kernels, no
# activation), so the marked pixels are exactly those the output depends on. We probe the
# middle output of each stack, and the corner output ``(0, 0)`` of the padded one, whose
# field starts at :math:`t = -3`, in the padding, and is clipped by the image border.

n = 24
measured = {}
print(f"{'stack':<24} {'size':>4} {'jump':>4} {'start':>5} {'output':>8} {'rows seen':>10} "
      f"{'extent':>6} {'pixels':>6}")
for name, layers in stacks.items():
    size, jump, start = closed[name]
    o = 0 if name.startswith("padded") else output_size(n, layers) // 2
    mask = cd.receptive_field_by_perturbation(make_forward(layers), (1, 1, n, n), (0, 0, o, o))[0, 0]
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    measured[name] = o, mask
    print(f"{name:<24} {size:>4} {jump:>4} {start:>5} {f'({o}, {o})':>8} "
          f"{f'{rows.min()}–{rows.max()}':>10} {rows.max() - rows.min() + 1:>6} {mask.sum():>6}")
    # the closed-form interval, clipped to the image, is exactly where the mask lies
    first, last = max(start + o * jump, 0), min(start + o * jump + size - 1, n - 1)
    assert (rows.min(), rows.max()) == (first, last) == (cols.min(), cols.max())

assert closed["three 3×3"][0] == 7 and closed["dilations 1, 2, 4"][0] == 15
assert closed["padded, corner output"][2] == -3

# %%
# Within the extent, every pixel matters except in the stack of two dilation-2 layers:
# its taps land on even offsets only, so the output sees a 9×9 extent through only
# :math:`5 \times 5 = 25` pixels. The formula gives the extent, not the density; adding an
# undilated layer (as in the "dilations 1, 2, 4" stack) fills the holes.

assert measured["two 3×3 dilation 2"][1].sum() == 25 < closed["two 3×3 dilation 2"][0] ** 2
assert measured["dilations 1, 2, 4"][1].sum() == closed["dilations 1, 2, 4"][0] ** 2

fig, axes = plt.subplots(1, 5, figsize=(7.2, 2.4), layout="constrained", sharey=True)
for ax, (name, (o, mask)) in zip(axes, measured.items(), strict=True):
    size, jump, start = closed[name]
    ax.imshow(mask, cmap="viridis", vmin=0, vmax=1)
    corner = start + o * jump - 0.5
    ax.add_patch(Rectangle((corner, corner), size, size, fill=False, ec="C1", lw=1.5, ls="--"))
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_title(f"{name}\nfield {size}×{size}", fontsize=8)
    ax.set_xlabel("column", fontsize=8)
    ax.tick_params(labelsize=7)
axes[0].set_ylabel("row", fontsize=8)
fig.suptitle("Pixels that change one output (yellow) vs the closed-form field (dashed)", fontsize=9)
plt.show()

# %%
# How fast the field grows
# ------------------------
# With stride 1 every 3×3 layer adds 2 pixels: the field grows linearly, :math:`2L + 1`.
# A stride of 2 at every layer (the jump between outputs then doubles at each layer), or a
# dilation that doubles at each layer, makes it grow exponentially,
# :math:`2^{L+1} - 1`. The two reach the same size, but the strided stack keeps one output
# every :math:`2^L` pixels while the dilated one keeps full resolution (jump 1). The
# markers are measured by perturbation for the first three layers, each on an input four
# pixels wider than the predicted field.

depths = np.arange(1, 9)
families = {
    "3×3, stride 1": lambda depth: [(3, 1, 1)] * depth,
    "3×3, stride 2": lambda depth: [(3, 2, 1)] * depth,
    "3×3, dilation 2^(ℓ−1)": lambda depth: [(3, 1, 2**i) for i in range(depth)],
}
growth = {name: np.array([cd.receptive_field(make(d))[0] for d in depths]) for name, make in families.items()}
probed = {}
for name, make in families.items():
    probed[name] = []
    for depth in range(1, 4):
        layers = make(depth)
        side = cd.receptive_field(layers)[0] + 4
        o = output_size(side, layers) // 2
        mask = cd.receptive_field_by_perturbation(make_forward(layers), (1, 1, side, side), (0, 0, o, o))[0, 0]
        rows = np.flatnonzero(mask.any(axis=1))
        probed[name].append(rows.max() - rows.min() + 1)

print(f"{'depth L':>7} " + " ".join(f"{name:>22}" for name in growth))
for i, depth in enumerate(depths):
    print(f"{depth:>7} " + " ".join(f"{v[i]:>22}" for v in growth.values()))
for name, v in growth.items():
    assert np.array_equal(probed[name], v[:3]), name
assert np.array_equal(growth["3×3, stride 1"], 2 * depths + 1)
assert np.array_equal(growth["3×3, stride 2"], 2 ** (depths + 1) - 1)
assert np.array_equal(growth["3×3, dilation 2^(ℓ−1)"], growth["3×3, stride 2"])

fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
for (name, v), style in zip(growth.items(), ["o-", "s--", "^:"], strict=True):
    (line,) = ax.plot(depths, v, style, label=f"{name} (closed form)", mfc="none")
    ax.plot(depths[:3], probed[name], "x", color=line.get_color(), ms=9)
ax.plot([], [], "kx", label="measured by perturbation")
ax.set_yscale("log", base=2)
ax.set_xlabel("number of stacked 3×3 layers L")
ax.set_ylabel("receptive field size (pixels per side)")
ax.set_title("Receptive field grows linearly with depth, exponentially with stride or dilation")
ax.legend(fontsize=8)
ax.grid(True, alpha=0.3)
plt.show()

# %%
# Only linear layers were probed here. After a ReLU or a max pooling, perturbation
# reports the pixels that matter *for that input*, a subset of the theoretical field.
#
# See also
# --------
# :func:`convdoc.receptive_field`, :func:`convdoc.receptive_field_by_perturbation`,
# :func:`convdoc.conv2d`, :func:`convdoc.conv_output_shape`.

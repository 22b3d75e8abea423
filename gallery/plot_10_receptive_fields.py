"""
Receptive fields of stacked layers
==================================

Each output of a convolution sees a small patch of its input, and stacking layers makes
the patch grow. This example finds the receptive field of one output by perturbing every
input pixel in turn and checks that it matches the closed-form formula for kernel,
stride and dilation. How fast the field grows with depth is the next example,
:ref:`sphx_glr_auto_examples_plot_10b_receptive_field_growth.py`.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

import convdoc as cd

rng = np.random.default_rng(0)


def make_forward(layers):
    """A chain of convolutions, a random kernel per ``(k, s, d[, p])``."""
    kernels = [rng.standard_normal((1, 1, spec[0], spec[0])) for spec in layers]

    def forward(x):
        for w, (_k, s, d, *p) in zip(kernels, layers, strict=True):
            x = cd.conv2d(x, w, stride=s, dilation=d, padding=p[0] if p else 0)
        return x

    return forward


def output_size(n, layers):
    """Side of the output map of a square ``n×n`` input."""
    for k, s, d, *p in layers:
        n = cd.conv_output_shape(
            n, n, k, k, stride=s, dilation=d, padding=p[0] if p else 0
        )[0]
    return n


# %%
# The closed form
# ---------------
# Along one axis, layer :math:`\ell` with kernel :math:`k_\ell`, stride :math:`s_\ell`
# and dilation :math:`d_\ell` widens the field by :math:`d_\ell (k_\ell - 1)` steps of
# the current *jump* (the input distance between neighbouring outputs):
#
# .. math::
#
#    r_\ell = r_{\ell-1} + d_\ell (k_\ell - 1)\, j_{\ell-1}, \qquad
#    j_\ell = j_{\ell-1}\, s_\ell, \qquad r_0 = j_0 = 1.
#
# Output :math:`o` then sees input indices :math:`t + o\,j` to :math:`t + o\,j + r - 1`,
# where the start :math:`t` moves left by :math:`p_\ell\, j_{\ell-1}` for each padded
# layer.
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
# marks it when the chosen output changes. The chain is linear (random kernels,
# no activation), so the marked pixels are exactly those the output depends on.
# We probe the middle output of each stack, and the corner output ``(0, 0)`` of
# the padded one, whose field starts at :math:`t = -3`, in the padding, and is
# clipped by the image border.

n = 24
measured = {}
print(
    f"{'stack':<24} {'size':>4} {'jump':>4} {'start':>5} {'output':>8} "
    f"{'rows seen':>10} {'extent':>6} {'pixels':>6}"
)
for name, layers in stacks.items():
    size, jump, start = closed[name]
    o = 0 if name.startswith("padded") else output_size(n, layers) // 2
    mask = cd.receptive_field_by_perturbation(
        make_forward(layers), (1, 1, n, n), (0, 0, o, o)
    )[0, 0]
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    measured[name] = o, mask
    print(
        f"{name:<24} {size:>4} {jump:>4} {start:>5} {f'({o}, {o})':>8} "
        f"{f'{rows.min()}–{rows.max()}':>10} {rows.max() - rows.min() + 1:>6} "
        f"{mask.sum():>6}"
    )
    # the closed-form interval, clipped to the image, is exactly where the mask lies
    first, last = max(start + o * jump, 0), min(start + o * jump + size - 1, n - 1)
    assert (rows.min(), rows.max()) == (first, last) == (cols.min(), cols.max()), (
        "the closed form gives exactly the pixels the output depends on"
    )

# %%
# Within the extent, every pixel matters except in the stack of two dilation-2 layers:
# its taps land on even offsets only, so the output sees a 9×9 extent through only
# :math:`5 \times 5 = 25` pixels. The formula gives the extent, not the density; adding
# an undilated layer (as in the "dilations 1, 2, 4" stack) fills the holes.

holes = measured["two 3×3 dilation 2"][1].sum() < closed["two 3×3 dilation 2"][0] ** 2
full = measured["dilations 1, 2, 4"][1].sum() == closed["dilations 1, 2, 4"][0] ** 2
assert holes and full, "the extent is not the density: an undilated layer fills holes"

fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.6), layout="constrained")
for ax, (name, (o, mask)) in zip(axes.flat[:-1], measured.items(), strict=True):
    size, jump, start = closed[name]
    ax.imshow(mask, cmap="viridis", vmin=0, vmax=1)
    corner = start + o * jump - 0.5
    ax.add_patch(
        Rectangle((corner, corner), size, size, fill=False, ec="C1", lw=1.5, ls="--")
    )
    ax.set_xlim(-0.5, n - 0.5)
    ax.set_ylim(n - 0.5, -0.5)
    rows = np.flatnonzero(mask.any(axis=1))
    seen = rows.max() - rows.min() + 1
    clipped = f", {seen}×{seen} inside the image" if seen < size else ""
    ax.set_title(f"{name}\nfield {size}×{size}{clipped}", fontsize=10)
    ax.set_xlabel("column", fontsize=10)
    ax.set_ylabel("row", fontsize=10)
    ax.tick_params(labelsize=9)
axes.flat[-1].axis("off")
axes.flat[-1].legend(
    handles=[
        Rectangle(
            (0, 0), 1, 1, color=plt.get_cmap("viridis")(1.0), label="changes the output"
        ),
        Rectangle(
            (0, 0),
            1,
            1,
            fill=False,
            ec="C1",
            ls="--",
            lw=1.5,
            label="closed-form field",
        ),
    ],
    loc="center",
    fontsize=10,
)
fig.suptitle("Pixels that change one output vs the closed-form field", fontsize=11)
plt.show()

# %%
# Only linear layers were probed here. After a ReLU or a max pooling, perturbation
# reports the pixels that matter *for that input*, a subset of the theoretical field.

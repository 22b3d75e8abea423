"""
Translation equivariance, measured
==================================

Convolution commutes with translation: shifting the image and then filtering gives the
shifted filter output. We measure :math:`\\max |f(\\mathrm{shift}(x)) -
\\mathrm{shift}(f(x))|` on a photograph: zero in the interior, non-zero only along
zero-padded borders, zero everywhere with circular padding, and large everywhere for a
dense layer.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)

# %%
# The image, the filter and the shift
# -----------------------------------
# A small grey-level photo (so that a dense layer over it stays affordable), a 3×3
# edge filter with zero padding 1 (output the size of the input), and a shift of
# 3 rows down and 5 columns right.

photo = cd.load_photo(size=(48, 40))
x = photo[np.newaxis, np.newaxis]  # (1, 1, H, W)
kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)[
    np.newaxis, np.newaxis
]
rows, cols = 3, 5


def conv_zero(x):
    """3×3 convolution, zero padding 1."""
    return cd.conv2d(x, kernel, padding=1)


fx = conv_zero(x)
scale = np.max(np.abs(fx))  # to express errors relative to the output's size
print(f"image {photo.shape}, shift ({rows}, {cols}), max |f(x)| = {scale:.3f}")

# %%
# Zero padding: exact in the interior, wrong along the borders
# ------------------------------------------------------------
# :func:`convdoc.equivariance_error` shifts with zeros flowing in, and can ignore
# ``crop`` pixels at each border of the output. Near the borders the two sides see
# different things: the filter reads zero padding where the shifted image still had
# pixels, and pixels that the shift pushed out are gone.

crops = range(0, 8)
errors_zero = [cd.equivariance_error(conv_zero, x, rows, cols, crop=k) for k in crops]
print(f"{'crop':>4} {'max error':>10} {'relative':>9}")
for k, err in zip(crops, errors_zero, strict=True):
    print(f"{k:>4} {err:>10.2e} {err / scale:>9.2e}")

first_exact = next(k for k, err in zip(crops, errors_zero, strict=True) if err < 1e-12)
print(
    f"exact once {first_exact} border pixels are ignored (largest shift "
    f"{max(rows, cols)}, kernel radius 1)"
)
assert errors_zero[0] > 0.1 * scale and first_exact <= max(rows, cols) + 1, (
    "zero padding breaks equivariance at the borders, and only there"
)

# %%
# Circular padding: exact everywhere
# ----------------------------------
# Wrap the image around (``np.pad(mode="wrap")``) before a convolution without padding,
# and shift circularly: nothing falls off an edge, so nothing differs.


def conv_circular(x):
    """3×3 convolution on the image padded by wrapping around."""
    return cd.conv2d(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], mode="wrap"), kernel)


error_circular = cd.equivariance_error(conv_circular, x, rows, cols, mode="circular")
print(f"circular padding: max error {error_circular:.2e}")
assert error_circular < 1e-12, "with circular padding and shifts, exactly equivariant"

# %%
# A dense layer: no equivariance at all
# -------------------------------------
# A dense layer with the same input and output sizes and random weights mixes every
# pixel into every output, so shifting its input does not shift its output, even away
# from the borders and even with circular shifts.

D = photo.size
w_dense = rng.standard_normal((D, D)) * np.sqrt(2 / D)


def dense_layer(x):
    """A random dense layer from the H·W pixels to H·W outputs."""
    return cd.dense(x.reshape(1, -1), w_dense).reshape(x.shape)


scale_dense = np.max(np.abs(dense_layer(x)))
error_dense = cd.equivariance_error(dense_layer, x, rows, cols, crop=first_exact)
error_dense_circ = cd.equivariance_error(dense_layer, x, rows, cols, mode="circular")
print(
    f"dense layer: max error {error_dense:.3f} in the interior "
    f"({error_dense / scale_dense:.0%} of max |f(x)|), {error_dense_circ:.3f} with "
    "circular shifts"
)
assert min(error_dense, error_dense_circ) > 0.5 * scale_dense, (
    "a dense layer is not equivariant, whatever the shift's border rule"
)

# %%
# The error maps
# --------------
# The maps below show :math:`|f(\mathrm{shift}(x)) - \mathrm{shift}(f(x))|` at every
# output pixel, relative to the largest output of each layer.


def error_map(f, mode):
    diff = f(cd.shift(x, rows, cols, mode=mode)) - cd.shift(f(x), rows, cols, mode=mode)
    return np.abs(diff[0, 0]) / np.max(np.abs(f(x)))


maps = {
    "conv, zero padding": error_map(conv_zero, "zero"),
    "conv, circular padding": error_map(conv_circular, "circular"),
    "dense layer": error_map(dense_layer, "zero"),
}

fig, axes = plt.subplots(2, 3, figsize=(7.2, 5.6), layout="constrained")
top = {
    "image x": photo,
    "f(shift(x))": conv_zero(cd.shift(x, rows, cols))[0, 0],
    "shift(f(x))": cd.shift(fx, rows, cols)[0, 0],
}
for ax, (title, img) in zip(axes[0], top.items(), strict=True):
    if title == "image x":
        ax.imshow(img, cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(img, cmap="RdBu_r", vmin=-scale, vmax=scale)
    ax.set_title(title, fontsize=10)
vmax = max(m.max() for m in maps.values())
for ax, (title, m) in zip(axes[1], maps.items(), strict=True):
    image = ax.imshow(m, cmap="viridis", vmin=0, vmax=vmax)
    ax.set_title(f"{title}\nmax {m.max():.2f}", fontsize=10)
for ax in axes.flat:
    ax.set(xlabel="column", ylabel="row", xticks=[], yticks=[])
fig.colorbar(image, ax=axes[1], shrink=0.8, label="relative error")
fig.suptitle(f"Shift by ({rows}, {cols}) then filter, vs filter then shift")
plt.show()

# %%
# Equivariance is not invariance: the convolution's output moves with the image
# rather than staying put. Pooling adds some local invariance on top, see
# :ref:`sphx_glr_auto_examples_plot_08_pooling_invariance.py`.

# %%
# Sources
# -------
# Photograph: Grace Hopper, from matplotlib's sample data (``grace_hopper.jpg``).

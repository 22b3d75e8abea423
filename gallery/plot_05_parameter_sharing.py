"""
One filter at every position
============================

Parameter sharing means one small filter is applied at every position of the image. We
run a 3×3 vertical-edge filter and its horizontal twin over a photograph, look at the
feature maps, and count what a locally-connected layer, with its own kernel at each
position, would need to compute the same maps.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

# %%
# A photograph and two 3×3 edge filters
# -------------------------------------
# The photo is Grace Hopper's portrait from matplotlib's sample data, in grey levels
# and reduced in size. Both filters hold 9 numbers each.

photo = cd.load_photo(size=(150, 128))
x = photo[np.newaxis, np.newaxis]  # (N, C, H, W) = (1, 1, H, W)
vertical = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)  # Sobel
w = np.stack([vertical, vertical.T])[:, np.newaxis]  # (F, C, KH, KW) = (2, 1, 3, 3)
print("photo:", photo.shape, " kernels:", w.shape)

maps = cd.conv2d(x, w, padding=1)
_, n_filters, h_out, w_out = maps.shape
print("feature maps:", maps.shape)

# %%
# Every output pixel is the same weighted sum over its own window: the filter at
# position :math:`(r, c)` is the filter at any other position.

padded = np.pad(photo, 1)
rng = np.random.default_rng(0)
for r, c in rng.integers(0, [h_out, w_out], size=(5, 2)):
    window_sum = np.sum(padded[r : r + 3, c : c + 3] * vertical)
    assert np.isclose(maps[0, 0, r, c], window_sum), (
        "one filter, the same at every place"
    )

fig, axes = plt.subplots(1, 3, figsize=(7.2, 3.2), layout="constrained")
axes[0].imshow(photo, cmap="gray", vmin=0, vmax=1)
axes[0].set_title("photo")
lim = np.max(np.abs(maps))
for ax, fmap, name in zip(
    axes[1:], maps[0], ["vertical edges", "horizontal edges"], strict=True
):
    image = ax.imshow(fmap, cmap="RdBu_r", vmin=-lim, vmax=lim)
    ax.set_title(name, fontsize=10)
for ax in axes:
    ax.set(xlabel="column", ylabel="row", xticks=[], yticks=[])
fig.colorbar(image, ax=axes[1:], shrink=0.7, label="filter response")
fig.suptitle(
    f"Two 3×3 filters, each with the same 9 weights at all {h_out * w_out:,} positions"
)
plt.show()

# %%
# The same maps from a locally-connected layer
# --------------------------------------------
# A locally-connected layer has the same sparse connections but one kernel per output
# position: its weights have shape :math:`(H_{out}, W_{out}, F, C, K_H, K_W)`. Copying
# our filters to every position reproduces the convolution exactly; the layer simply
# stores the copies, and when trained it may let them drift apart.

w_local = np.broadcast_to(w, (h_out, w_out, *w.shape)).copy()
maps_local = cd.locally_connected2d(x, w_local, padding=1)
print("locally-connected weights:", w_local.shape)
assert np.allclose(maps_local, maps), (
    "copies of the filter at every position: same maps"
)

# %%
# What each layer stores to produce the two maps (weights only, no biases):

n_conv = w.size
n_local = w_local.size
n_dense = cd.dense_params(photo.size, n_filters * h_out * w_out, bias=False)
print(f"{'layer':<18} {'weights':>15} {'× convolution':>14}")
for name, n in [
    ("convolution", n_conv),
    ("locally connected", n_local),
    ("dense", n_dense),
]:
    print(f"{name:<18} {n:>15,} {n / n_conv:>14,.0f}")

assert n_local == n_conv * h_out * w_out, "sharing saves a factor of the output's size"

# %%
# The full-size photo makes the point stronger: the convolution still needs 18
# weights, while the locally-connected count grows with the number of pixels.

full_h, full_w = cd.load_photo().shape
n_local_full = cd.locally_connected_params(1, n_filters, full_h, full_w, 3, bias=False)
print(
    f"full photo {full_h}×{full_w}: locally connected {n_local_full:,} weights, "
    f"convolution {cd.conv_params(1, n_filters, 3, bias=False)} weights"
)

# %%
# Sources
# -------
# Photograph: Grace Hopper, from matplotlib's sample data (``grace_hopper.jpg``).

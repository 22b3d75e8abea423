"""
Shuffled pixels: MLP indifferent, CNN hurt
==========================================

A fully-connected network does not know which pixels are neighbours, a convolutional one
does. Shuffling the pixels of every digit with one fixed permutation leaves the MLP's
accuracy exactly unchanged and lowers the CNN's, because its 3×3 kernels now see pixels
that were never close.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)

# %%
# The data and one fixed permutation
# ----------------------------------
# The 1,797 handwritten digits (8×8 pixels) are split once into 1,200 training and 597
# test images. One random permutation of the 64 pixel positions is drawn and applied to
# every image, training and test alike: the information is all still there, only the
# spatial arrangement is lost.

images, labels = cd.load_digits()
order = rng.permutation(len(images))
train, test = order[:1200], order[1200:]
perm = rng.permutation(64)
shuffled = images.reshape(len(images), 64)[:, perm].reshape(images.shape)
assert np.array_equal(np.sort(shuffled, axis=None), np.sort(images, axis=None))

fig, axes = plt.subplots(2, 6, figsize=(7.2, 2.9), layout="constrained")
for k, ax_pair in enumerate(axes.T):
    i = test[k]
    for ax, data, kind in zip(ax_pair, (images, shuffled), ("original", "shuffled"), strict=True):
        ax.imshow(data[i, 0], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{kind} {labels[i]}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    ax_pair[1].set_xlabel("column", fontsize=7)
axes[0, 0].set_ylabel("row", fontsize=7)
axes[1, 0].set_ylabel("row", fontsize=7)
fig.suptitle("Test digits before and after one fixed pixel permutation", fontsize=9)
plt.show()

# %%
# How many neighbours stay neighbours? Of the pixel pairs that touch in the image
# (horizontally, vertically or diagonally), only a small fraction are still adjacent
# after the permutation; a 3×3 kernel is built to exploit exactly those pairs.

rows, cols = np.divmod(np.arange(64), 8)


def adjacent(a, b):
    """Whether flat positions `a` and `b` of an 8×8 grid touch (8-neighbourhood)."""
    return (a != b) & (np.abs(rows[a] - rows[b]) <= 1) & (np.abs(cols[a] - cols[b]) <= 1)


a, b = np.meshgrid(np.arange(64), np.arange(64), indexing="ij")
pairs = adjacent(a, b)
new_position = np.argsort(perm)  # pixel p of the original lands at new_position[p]
kept = pairs & adjacent(new_position[a], new_position[b])
print(f"adjacent pixel pairs: {pairs.sum() // 2}, still adjacent after shuffling: {kept.sum() // 2} "
      f"({100 * kept.sum() / pairs.sum():.0f}%)")
assert kept.sum() < 0.25 * pairs.sum()

# %%
# Two models
# ----------
# A small CNN (two 3×3 convolutions with max pooling, then one dense layer) and a
# one-hidden-layer MLP, both trained with :class:`convdoc.Adam` for the same number of
# steps by :func:`convdoc.train`.


def make_cnn(seed):
    return cd.Sequential([
        cd.Conv2d(1, 8, 3, padding=1, rng=seed), cd.ReLU(), cd.MaxPool2d(2),
        cd.Conv2d(8, 16, 3, padding=1, rng=seed + 1), cd.ReLU(), cd.MaxPool2d(4),
        cd.Flatten(), cd.Dense(16, 10, rng=seed),
    ])


def make_mlp(seed):
    return cd.Sequential([cd.Flatten(), cd.Dense(64, 100, rng=seed), cd.ReLU(), cd.Dense(100, 10, rng=seed + 1)])


def fit(model, x):
    cd.train(model, x[train], labels[train], optimizer=cd.Adam(model.params, lr=0.01),
             epochs=8, batch_size=32, rng=0)
    return cd.accuracy(model.predict(x[test]), labels[test])


print(make_cnn(0))
print(make_mlp(0))

# %%
# For the MLP, shuffling the input is the same as shuffling the columns of its first
# weight matrix. We make the network trained on shuffled pixels start from the
# correspondingly shuffled weights, so both runs compute the very same function at every
# step: the permutation is invisible to it. The CNN has no such freedom; it simply starts
# from the same seed.

results = {}
mlp_plain, mlp_shuffled = make_mlp(0), make_mlp(0)
weights = mlp_shuffled.params[0]  # (100, 64), torch layout (out, in)
weights[...] = weights[:, perm]
results["MLP"] = fit(mlp_plain, images), fit(mlp_shuffled, shuffled)
results["CNN"] = fit(make_cnn(0), images), fit(make_cnn(0), shuffled)

print(f"{'model':<5} {'parameters':>10} {'original':>9} {'shuffled':>9} {'change':>8}")
n_params = {"MLP": mlp_plain.n_params, "CNN": make_cnn(0).n_params}
for name, (plain, shuf) in results.items():
    print(f"{name:<5} {n_params[name]:>10,} {plain:>9.3f} {shuf:>9.3f} {shuf - plain:>+8.3f}")

mlp_change = results["MLP"][1] - results["MLP"][0]
cnn_change = results["CNN"][1] - results["CNN"][0]
assert abs(mlp_change) <= 1 / len(test)  # identical up to floating-point summation order
assert cnn_change < -0.02  # the CNN loses what its kernels relied on

fig, ax = plt.subplots(figsize=(7.2, 3.0), layout="constrained")
x_pos = np.arange(2)
for offset, (kind, color) in zip((-0.18, 0.18), (("original", "C0"), ("shuffled", "C1")), strict=True):
    values = [results[name][kind == "shuffled"] for name in ("MLP", "CNN")]
    bars = ax.bar(x_pos + offset, values, width=0.36, color=color, label=f"{kind} pixels")
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
ax.set_xticks(x_pos, ["MLP", "CNN"])
ax.set_ylim(0.8, 1.0)
ax.set_xlabel("model")
ax.set_ylabel("test accuracy")
ax.set_title("Shuffling the pixels costs the CNN, not the MLP")
ax.legend(loc="lower right", fontsize=8)
plt.show()

# %%
# The shuffled digits still hold every pixel value, and the CNN still learns something:
# its dense layer and the max pooling recover part of the loss. But its prior, that
# nearby pixels belong together, is now wrong. That prior is what lets convolutions
# learn from photographs with few parameters; it is useless, even harmful, for data
# without local spatial structure.
#
# See also
# --------
# :func:`convdoc.load_digits`, :class:`convdoc.Sequential`, :class:`convdoc.Conv2d`,
# :class:`convdoc.Dense`, :class:`convdoc.MaxPool2d`, :func:`convdoc.train`,
# :func:`convdoc.accuracy`, :class:`convdoc.Adam`.
#
# Data: the UCI "Optical Recognition of Handwritten Digits" set (Alpaydin and Kaynak,
# 1998) as bundled with scikit-learn (``sklearn.datasets.load_digits``). The permutation
# experiment follows the lecture slides' claim that a permutation of the input gives
# "very different convolution maps" and different classification performance.

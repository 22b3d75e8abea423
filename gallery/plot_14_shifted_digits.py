"""
Shifted digits: CNN vs MLP
==========================

Both networks are trained on centred digits and tested on the same digits moved by 0, 1
or 2 pixels. The CNN, whose convolutions are equivariant and whose pooling is locally
invariant, keeps more of its accuracy than the MLP, but neither is invariant: a 2-pixel
shift of an 8×8 digit defeats both.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)

# %%
# Training on centred digits
# --------------------------
# The 8×8 handwritten digits are split once into 1,200 training and 597 test images. The
# CNN has two 3×3 convolutions, each followed by ReLU and 2×2 max pooling, then one dense
# layer; the MLP has one hidden layer of 100 units. Both are trained with
# :class:`convdoc.Adam` for the same number of steps, on unshifted digits only.

images, labels = cd.load_digits()
order = rng.permutation(len(images))
train, test = order[:1200], order[1200:]

models = {
    "CNN": cd.Sequential([
        cd.Conv2d(1, 8, 3, padding=1, rng=0), cd.ReLU(), cd.MaxPool2d(2),
        cd.Conv2d(8, 16, 3, padding=1, rng=1), cd.ReLU(), cd.MaxPool2d(2),
        cd.Flatten(), cd.Dense(64, 10, rng=2),
    ]),
    "MLP": cd.Sequential([cd.Flatten(), cd.Dense(64, 100, rng=0), cd.ReLU(), cd.Dense(100, 10, rng=1)]),
}
for name, model in models.items():
    cd.train(model, images[train], labels[train], optimizer=cd.Adam(model.params, lr=0.01),
             epochs=8, batch_size=32, rng=0)
    print(f"{name}: {model.n_params:,} parameters, test accuracy "
          f"{cd.accuracy(model.predict(images[test]), labels[test]):.3f}")

# %%
# Testing on shifted digits
# -------------------------
# :func:`convdoc.shift` moves every test image by ``(rows, columns)``, filling the
# uncovered border with zeros (the background). We evaluate each model on all 25 shifts
# with :math:`|\text{rows}|, |\text{columns}| \le 2`.

offsets = np.arange(-2, 3)
accuracy = {name: np.zeros((5, 5)) for name in models}
for name, model in models.items():
    for i, dr in enumerate(offsets):
        for j, dc in enumerate(offsets):
            shifted = cd.shift(images[test], int(dr), int(dc))
            accuracy[name][i, j] = cd.accuracy(model.predict(shifted), labels[test])

fig, axes = plt.subplots(1, 2, figsize=(7.2, 3.4), layout="constrained")
for ax, (name, acc) in zip(axes, accuracy.items(), strict=True):
    image = ax.imshow(acc, cmap="viridis", vmin=0, vmax=1, extent=(-2.5, 2.5, 2.5, -2.5))
    for (i, j), value in np.ndenumerate(acc):
        ax.text(offsets[j], offsets[i], f"{value:.2f}", ha="center", va="center", fontsize=8,
                color="black" if value > 0.6 else "white")
    ax.set_xticks(offsets)
    ax.set_yticks(offsets)
    ax.set_xlabel("shift in columns (pixels)")
    ax.set_ylabel("shift in rows (pixels)")
    ax.set_title(f"{name}: test accuracy")
fig.colorbar(image, ax=axes, shrink=0.8, label="accuracy")
plt.show()

# %%
# Accuracy against the size of the shift
# --------------------------------------
# Grouping the 25 shifts by their distance :math:`\max(|\text{rows}|, |\text{columns}|)`
# (0, then the 8 one-pixel shifts, then the 16 two-pixel ones):

distance = np.maximum.outer(np.abs(offsets), np.abs(offsets))
by_distance = {name: np.array([acc[distance == d].mean() for d in range(3)]) for name, acc in accuracy.items()}
print(f"{'shift (px)':>10} " + " ".join(f"{name:>6}" for name in by_distance))
for d in range(3):
    print(f"{d:>10} " + " ".join(f"{v[d]:>6.3f}" for v in by_distance.values()))

cnn, mlp = by_distance["CNN"], by_distance["MLP"]
assert cnn[1] > mlp[1] + 0.1  # one pixel: the CNN keeps clearly more
assert np.all(np.diff(cnn) < 0) and np.all(np.diff(mlp) < 0)  # neither is invariant
assert cnn[2] < 0.5  # two pixels of an 8×8 digit: both are far below their unshifted accuracy

fig, ax = plt.subplots(figsize=(7.2, 3.0), layout="constrained")
for (name, v), marker in zip(by_distance.items(), "os", strict=True):
    ax.plot(range(3), v, f"{marker}-", label=name)
ax.axhline(0.1, color="0.5", ls=":", lw=1)
ax.annotate("chance", (2, 0.1), xytext=(0, 3), textcoords="offset points", ha="right", color="0.4", fontsize=8)
ax.set_xticks(range(3))
ax.set_ylim(0, 1)
ax.set_xlabel("shift, max(|rows|, |columns|) in pixels")
ax.set_ylabel("mean test accuracy")
ax.set_title("Pooling buys some robustness to small shifts, not invariance")
ax.legend()
ax.grid(True, alpha=0.3)
plt.show()

# %%
# A one-pixel shift is an eighth of an 8×8 digit's width; the two 2×2 poolings absorb part of it, the
# MLP, whose every weight is tied to one pixel position, absorbs little. Practical
# networks get real robustness from more pooling stages and from training on shifted
# copies (data augmentation), not from the architecture alone.
#
# See also
# --------
# :func:`convdoc.shift`, :func:`convdoc.load_digits`, :class:`convdoc.Sequential`,
# :class:`convdoc.Conv2d`, :class:`convdoc.MaxPool2d`, :class:`convdoc.Dense`,
# :func:`convdoc.train`, :func:`convdoc.accuracy`, :class:`convdoc.Adam`.
#
# Data: the UCI "Optical Recognition of Handwritten Digits" set (Alpaydin and Kaynak,
# 1998) as bundled with scikit-learn (``sklearn.datasets.load_digits``).

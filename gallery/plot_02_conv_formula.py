"""
The convolution formula by hand
===============================

The CNN blog the notes draw on defines each output of a convolutional layer as a
weighted sum over a small window, :math:`Y[r, c] = \\sum_i \\sum_j X[r + i, c + j]\\,
W[i, j]`. This example evaluates that formula with plain loops on the lecture's 6×6
vertical-edge image, checks it against :func:`convdoc.correlate2d`, and shows how true
convolution differs.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

# %%
# The image and the filter
# ------------------------
# The left half of the image is bright (10), the right half dark (0). The filter
# responds to a bright-to-dark change from left to right.

X = np.zeros((6, 6))
X[:, :3] = 10
W = np.array([[1, 0, -1]] * 3, dtype=float)
print("X =\n", X, "\nW =\n", W)

# %%
# The formula, written out
# ------------------------
# For a :math:`K_H \times K_W` kernel the sums run over :math:`i = 0, \dots, K_H - 1`
# and :math:`j = 0, \dots, K_W - 1`, so a 6×6 input gives a :math:`(6 - 3 + 1) \times (6
# - 3 + 1) = 4 \times 4` output. (Summing up to :math:`K_H` inclusive, as some write it,
# would read one row and column past the kernel.)


def formula(X, W):
    """Y[r, c] = sum_i sum_j X[r + i, c + j] * W[i, j], with explicit loops."""
    kh, kw = W.shape
    Y = np.zeros((X.shape[0] - kh + 1, X.shape[1] - kw + 1))
    for r in range(Y.shape[0]):
        for c in range(Y.shape[1]):
            for i in range(kh):
                for j in range(kw):
                    Y[r, c] += X[r + i, c + j] * W[i, j]
    return Y


Y_loops = formula(X, W)
Y = cd.correlate2d(X, W)
print("Y =\n", Y)

# The notes' answer: every row of the output is 0, 30, 30, 0.
assert np.array_equal(Y, np.tile([0.0, 30.0, 30.0, 0.0], (4, 1))), "the notes' answer"
assert np.array_equal(Y, Y_loops), "correlate2d computes the formula, loop for loop"

# %%
# One output, term by term: :math:`Y[0, 1]` reads the window of
# rows 0–2 and columns 1–3.

r, c = 0, 1
terms = [f"{X[r + i, c + j]:g}·({W[i, j]:g})" for i in range(3) for j in range(3)]
print(f"Y[{r}, {c}] = " + " + ".join(terms) + f" = {Y[r, c]:g}")


# %%
# The three grids, annotated
# --------------------------
# The window used for :math:`Y[0, 1]` is outlined on the input, and the output it
# produces is outlined on the right.


def show_grid(ax, A, title, cmap, vmin, vmax, fmt="{:g}", ticks=True):
    """Draw a small matrix with its values written in each cell."""
    image = ax.imshow(A, cmap=cmap, vmin=vmin, vmax=vmax)
    for (i, j), value in np.ndenumerate(A):
        red, green, blue, _ = image.cmap(image.norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(
            j,
            i,
            fmt.format(value),
            ha="center",
            va="center",
            color="white" if dark else "black",
            fontsize=10,
        )
    ax.set_xticks(range(A.shape[1]) if ticks else [])
    ax.set_yticks(range(A.shape[0]) if ticks else [])
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title)


def outline(ax, row, col, height, width, color):
    ax.add_patch(
        plt.Rectangle(
            (col - 0.5, row - 0.5), width, height, fill=False, edgecolor=color, lw=3
        )
    )


fig, axes = plt.subplots(
    1,
    3,
    figsize=(7.2, 2.9),
    layout="constrained",
    gridspec_kw={"width_ratios": [6, 3, 4]},
)
show_grid(axes[0], X, "input X (6×6)", "gray", 0, 10)
show_grid(axes[1], W, "kernel W (3×3)", "RdBu_r", -1.5, 1.5)
show_grid(axes[2], Y, "output Y (4×4)", "viridis", 0, 30)
outline(axes[0], r, c, 3, 3, "C1")
outline(axes[2], r, c, 1, 1, "C1")
fig.suptitle("Y[r, c] = Σᵢ Σⱼ X[r+i, c+j] W[i, j]: the edge shows up as the 30s")
plt.show()

# %%
# Cross-correlation or convolution?
# ---------------------------------
# The formula above does not flip the kernel: mathematicians call it
# cross-correlation, and it is what deep-learning libraries (and
# :func:`convdoc.conv2d`) compute under the name "convolution"; this site writes it
# :math:`X \star W`. True convolution, :math:`X * W` (:func:`convdoc.convolve2d`),
# flips the kernel in both axes first. Our edge kernel is
# antisymmetric left to right, so flipping it only changes the sign of the answer.

Y_conv = cd.convolve2d(X, W)
print("convolve2d(X, W) =\n", Y_conv)

# %%
# For a kernel with no symmetry the two operations disagree in more than sign. Since
# a network learns its kernel, the difference does not matter for learning: a network
# trained with either operation simply learns the flipped kernel of the other.

rng = np.random.default_rng(0)
K = rng.integers(-3, 4, size=(3, 3)).astype(float)
Z = rng.integers(0, 10, size=(6, 6)).astype(float)
corr, conv = cd.correlate2d(Z, K), cd.convolve2d(Z, K)
print("max |correlate - convolve| =", np.max(np.abs(corr - conv)))
assert np.array_equal(conv, formula(Z, K[::-1, ::-1])), "convolution flips the kernel"

fig, axes = plt.subplots(1, 4, figsize=(7.2, 2.4), layout="constrained")
lim = np.max(np.abs(K))
show_grid(axes[0], K, "kernel K", "RdBu_r", -lim - 0.5, lim + 0.5, ticks=False)
show_grid(
    axes[1], K[::-1, ::-1], "K flipped", "RdBu_r", -lim - 0.5, lim + 0.5, ticks=False
)
lim = np.max(np.abs([corr, conv]))
show_grid(axes[2], corr, "correlate2d(Z, K)", "RdBu_r", -lim, lim, ticks=False)
show_grid(axes[3], conv, "convolve2d(Z, K)", "RdBu_r", -lim, lim, ticks=False)
fig.suptitle("Convolution = cross-correlation with the flipped kernel")
plt.show()

# %%
# Sources
# -------
# The 6×6 example and the formula are from the notes' sources (a blog summary of
# Andrew Ng's course and a blog post on convolutional networks).

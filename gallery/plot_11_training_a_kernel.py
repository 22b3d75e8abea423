"""
Learning a kernel from examples
===============================

A convolution's kernel is learned like any other weight: by gradient descent on a loss.
Here a 3×3 kernel starting at zero recovers the Sobel edge filter from one photograph
and its filtered version, with plain gradient descent, with momentum and with Adam. The
gradient they use is checked against finite differences in
:ref:`sphx_glr_auto_examples_plot_11b_gradient_check.py`.
"""

import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import convdoc as cd

# %%
# The task
# --------
# The input is a 64×64-pixel grayscale photograph, the target its response to the Sobel
# kernel that detects vertical edges. Only the pair ``(x, y)`` is given to the learner,
# which minimises the mean squared error
#
# .. math::
#
#    L(W) = \frac{1}{2M} \sum_{r, c} \bigl( (X \star W)[r, c] - Y[r, c] \bigr)^2
#
# over the :math:`M` output pixels.

photo = cd.load_photo(size=64)
x = photo[None, None]  # (N, C, H, W) = (1, 1, H, W)
sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])[None, None]
y = cd.conv2d(x, sobel)
m = y.size
print(f"input {x.shape}, target {y.shape}, {m:,} output pixels")


def loss_and_grad(w, b=None):
    """Loss and its gradients with respect to the kernel and the bias."""
    residual = cd.conv2d(x, w, b) - y
    _, dw, db = cd.conv2d_backward(residual / m, x, w)
    return 0.5 * np.sum(residual**2) / m, dw, db


# %%
# Why plain gradient descent will struggle
# ----------------------------------------
# The loss is quadratic in :math:`W`, with Hessian :math:`P^\top P / M`, where the rows
# of
# :math:`P` are the photo's 3×3 patches. Neighbouring pixels of a photograph are nearly
# equal, so the patches are strongly correlated and the Hessian is badly conditioned.
# Gradient descent is stable only for a learning rate below :math:`2 / \lambda_{\max}`;
# we use :math:`1 / \lambda_{\max}`, and the error along the flattest direction then
# shrinks only by a factor :math:`1 - \lambda_{\min} / \lambda_{\max}` per step.

patches = sliding_window_view(photo, (3, 3)).reshape(-1, 9)
eigenvalues = np.linalg.eigvalsh(patches.T @ patches / m)
condition = eigenvalues[-1] / eigenvalues[0]
print(
    f"Hessian eigenvalues from {eigenvalues[0]:.2e} to {eigenvalues[-1]:.2f}: "
    f"condition number {condition:,.0f}"
)
assert condition > 100, "the loss is badly conditioned: plain gradient descent crawls"

# %%
# Training
# --------
# Three optimizers from :mod:`convdoc.optim` train the same zero-initialised kernel for
# 300 full-batch steps: :class:`convdoc.GradientDescent` with learning rate
# :math:`1 / \lambda_{\max}`, the same with momentum 0.9, and :class:`convdoc.Adam` with
# learning rate 0.1, whose per-weight step sizes ignore the raw gradient scale.

steps = 300
optimizers = {
    "gradient descent": lambda w: cd.GradientDescent([w], lr=1 / eigenvalues[-1]),
    "momentum 0.9": lambda w: cd.GradientDescent(
        [w], lr=1 / eigenvalues[-1], momentum=0.9
    ),
    "Adam": lambda w: cd.Adam([w], lr=0.1),
}
curves, kernels = {}, {}
for name, make in optimizers.items():
    w = np.zeros((1, 1, 3, 3))
    optimizer = make(w)
    losses = []
    for _ in range(steps):
        loss, dw, _ = loss_and_grad(w)
        losses.append(loss)
        optimizer.step([dw])
    curves[name], kernels[name] = np.array(losses), w

print(
    f"{'optimizer':<17} {'loss @ 0':>9} {'@ 10':>9} {'@ 100':>9} {'@ 299':>9} "
    f"{'max |W − sobel|':>16}"
)
errors = {}
for name, losses in curves.items():
    errors[name] = np.abs(kernels[name] - sobel).max()
    print(
        f"{name:<17} {losses[0]:>9.2e} {losses[10]:>9.2e} {losses[100]:>9.2e} "
        f"{losses[-1]:>9.2e} {errors[name]:>16.2e}"
    )
with np.printoptions(precision=3, suppress=True):
    print("kernel learned by Adam:", kernels["Adam"][0, 0], sep="\n")

assert errors["Adam"] < 1e-2 and errors["momentum 0.9"] < 1e-2, "Sobel recovered"
assert errors["gradient descent"] > 0.1, (
    "plain descent is still far after as many steps"
)

# %%
# Plain gradient descent quickly removes the error along the steep directions, then
# crawls along the flat ones: after 300 steps its loss is small but its kernel is still
# visibly wrong. Momentum and Adam both recover the Sobel kernel.

fig, axd = plt.subplot_mosaic(
    [["loss", "k0", "k1"], ["loss", "k2", "k3"]],
    figsize=(7.2, 3.8),
    layout="constrained",
    width_ratios=[2.2, 1, 1],
)
ax_loss = axd["loss"]
for (name, losses), style in zip(curves.items(), ["-", "--", "-"], strict=True):
    ax_loss.semilogy(losses, style, label=name)
ax_loss.set_xlabel("step")
ax_loss.set_ylabel("loss L(W)")
ax_loss.set_title("Training loss")
ax_loss.grid(True, alpha=0.3)
ax_loss.legend(fontsize=8)

shown = {"Sobel (target)": sobel, **kernels}
for k, (name, kernel) in enumerate(shown.items()):
    ax = axd[f"k{k}"]
    image = ax.imshow(kernel[0, 0], cmap="RdBu_r", vmin=-2.2, vmax=2.2)
    for (i, j), value in np.ndenumerate(kernel[0, 0]):
        ax.text(
            j,
            i,
            f"{round(value, 1) + 0.0:.1f}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if abs(value) > 1.2 else "black",
        )
    ax.set_title(name, fontsize=9)
    ax.set_xticks(range(3))
    ax.set_yticks(range(3))
    ax.tick_params(labelsize=7)
    ax.set_xlabel("column", fontsize=8)
    ax.set_ylabel("row", fontsize=8)
fig.colorbar(image, ax=[axd[f"k{k}"] for k in range(4)], shrink=0.8, label="weight")
plt.show()

# %%
# Sources
# -------
# The photograph of Grace Hopper is from matplotlib's sample data
# (``grace_hopper.jpg``). Adam: Kingma and Ba, "Adam: a method for stochastic
# optimization" (2015).

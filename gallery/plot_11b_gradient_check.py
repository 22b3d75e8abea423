"""
The gradient of a convolution, checked
======================================

:func:`convdoc.conv2d_backward` gives the gradient of a loss with respect to a kernel
and its bias in one pass (derived on the page "What a convolutional layer computes").
Here it is compared, weight by weight, with central finite differences of the loss.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

rng = np.random.default_rng(0)

# %%
# The loss
# --------
# The same task as :ref:`sphx_glr_auto_examples_plot_11_training_a_kernel.py`: a
# 64×64 grayscale photograph and its response to the vertical-edge Sobel kernel,
# with the mean squared error
#
# .. math::
#
#    L(W, b) = \frac{1}{2M} \sum_{r, c} \bigl( (X \star W)[r, c] + b - Y[r, c] \bigr)^2
#
# over the :math:`M` output pixels.

photo = cd.load_photo(size=64)
x = photo[None, None]  # (N, C, H, W) = (1, 1, H, W)
sobel = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])[None, None]
y = cd.conv2d(x, sobel)
m = y.size


def loss_and_grad(w, b=None):
    """Loss and its gradients with respect to the kernel and the bias."""
    residual = cd.conv2d(x, w, b) - y
    _, dw, db = cd.conv2d_backward(residual / m, x, w)
    return 0.5 * np.sum(residual**2) / m, dw, db


# %%
# Analytic against numerical
# --------------------------
# :func:`convdoc.conv2d_backward` gives :math:`\partial L / \partial W` in one pass. We
# compare it, at a random kernel and bias, with central differences :math:`(L(W + h
# E_{ij}) - L(W - h E_{ij})) / 2h` for each of the 9 weights and the bias.

w0, b0 = rng.standard_normal((1, 1, 3, 3)), rng.standard_normal(1)
_, dw, db = loss_and_grad(w0, b0)
h = 1e-6
numeric = np.zeros(10)
for k in range(10):
    step_w, step_b = np.zeros(9), np.zeros(1)
    (step_w if k < 9 else step_b)[k % 9] = h
    plus = loss_and_grad(w0 + step_w.reshape(w0.shape), b0 + step_b)[0]
    minus = loss_and_grad(w0 - step_w.reshape(w0.shape), b0 - step_b)[0]
    numeric[k] = (plus - minus) / (2 * h)
analytic = np.concatenate([dw.ravel(), db])
rel_error = np.abs(analytic - numeric).max() / np.abs(numeric).max()
print("analytic gradient:", np.array2string(analytic, precision=5, max_line_width=100))
print("finite difference:", np.array2string(numeric, precision=5, max_line_width=100))
print(f"max relative error: {rel_error:.1e}")
assert rel_error < 1e-6

# %%
# The ten gradients side by side: the two computations fall on the diagonal.

fig, ax = plt.subplots(figsize=(4.8, 4.2), layout="constrained")
ax.plot(numeric, analytic, "o", mfc="none", ms=8)
lim = np.abs(numeric).max() * 1.1
ax.plot([-lim, lim], [-lim, lim], color="0.6", lw=1, zorder=0)
ax.set_xlabel("central finite difference")
ax.set_ylabel("conv2d_backward")
ax.set_title("∂L/∂W (9 weights) and ∂L/∂b")
plt.show()

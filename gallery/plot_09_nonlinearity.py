"""
Convolution followed by a non-linearity
=======================================

A convolution is linear; the point-wise non-linearity after it turns a filter response
into a feature detector. Following the slides, we filter a photograph with the
horizontal and vertical gradient filters and pass the result through :math:`z^2`,
:math:`|z|`, a shifted sigmoid (:math:`a = 0.08`, :math:`b = 50`) and ReLU, then compare
the statistics of each response.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

# %%
# Gradient filters
# ----------------
# The slides' gradient filters are centred differences, :math:`M_x = \tfrac12 [-1, 0,
# 1]` along a row and :math:`M_y = M_x^\top` down a column: :math:`I_x = I \star M_x`
# (:math:`\star` is cross-correlation, what :func:`convdoc.conv2d` computes; :math:`*`
# is reserved for true convolution, see the glossary) is large where the image gets
# brighter to the right, negative where it gets darker. The sigmoid's constants are in
# grey levels, so we put the photo on the 0–255 scale of an 8-bit image.

image = 255 * cd.load_photo(size=(150, 128))
x = image[np.newaxis, np.newaxis]
m_x = 0.5 * np.array([[[[-1.0, 0.0, 1.0]]]])  # (F, C, KH, KW) = (1, 1, 1, 3)
m_y = m_x.transpose(0, 1, 3, 2)  # (1, 1, 3, 1)
gradients = {
    "I_x": cd.conv2d(x, m_x, padding=(0, 1))[0, 0],
    "I_y": cd.conv2d(x, m_y, padding=(1, 0))[0, 0],
}

# %%
# Four non-linearities
# --------------------
# :math:`z^2` and :math:`|z|` respond to strong edges of *either* sign. The sigmoid
# :math:`\sigma(z) = 1 / (1 + e^{-a (z - b)})` with :math:`a = 0.08, b = 50` and ReLU
# :math:`\max(0, z)` respond only to positive :math:`z`; the sigmoid's bias
# :math:`b = 50` further ignores positive values below about 50.

a, b = cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B
nonlinearities = {
    "z²": cd.square,
    "|z|": cd.absolute,
    f"sigmoid (a={a:g}, b={b:g})": lambda z: cd.sigmoid(z, a, b),
    "ReLU": cd.relu,
}

z = gradients["I_x"]
fig, axes = plt.subplots(2, 3, figsize=(7.2, 6.0), layout="constrained")
axes[0, 0].imshow(image, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
axes[0, 0].set_title("photo I", fontsize=10)
lim = np.max(np.abs(z))
axes[0, 1].imshow(z, cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
axes[0, 1].set_title(f"I_x = I ⋆ M_x\n(blue −{lim:.0f} … red +{lim:.0f})", fontsize=10)
short = ["z²", "|z|", "sigmoid", "ReLU"]
for ax, label, sigma in zip(axes.flat[2:], short, nonlinearities.values(), strict=True):
    response = sigma(z)
    ax.imshow(response, cmap="gray_r", vmin=0, interpolation="nearest")
    ax.set_title(f"{label}(I_x)\n(white 0 … black {response.max():,.3g})", fontsize=10)
for ax in axes.flat:
    ax.set(xlabel="column", ylabel="row", xticks=[], yticks=[])
fig.suptitle(
    f"A gradient filter, then four non-linearities (sigmoid: a = {a:g}, b = {b:g})"
)
plt.show()

# %%
# Statistics of each response
# ---------------------------
# For each gradient and non-linearity we print the mean, the maximum, and the
# share of pixels at which the detector *fires*: where its response is at least
# its response to an edge of strength :math:`b`, the sigmoid's midpoint (the
# definition in the glossary).

print(f"{'':>4} {'non-linearity':<24} {'mean':>9} {'max':>9} {'fires':>7}")
fires = {}
for grad_name, z in gradients.items():
    for name, sigma in nonlinearities.items():
        response = sigma(z)
        share = np.mean(response >= sigma(np.array(b)))
        fires[grad_name, name] = share
        print(
            f"{grad_name:>4} {name:<24} {response.mean():>9.3f} {response.max():>9.3f} "
            f"{share:>7.2%}"
        )

# %%
# The claims behind the table, checked:
#
# * :math:`z^2` and :math:`|z|` give the same response to an edge and to its mirror
#   image (:math:`z \to -z`);
# * ReLU is exactly zero wherever :math:`z \le 0`, and the sigmoid stays below
#   :math:`\sigma(0) = 1 / (1 + e^{ab}) \approx 0.018` there;
# * the sigmoid exceeds 1/2 exactly where :math:`z > b = 50`.

z = gradients["I_x"]
assert all(np.allclose(s(-z), s(z)) for s in (cd.square, cd.absolute)), (
    "z² and |z| respond to edges of either sign"
)
sig = cd.sigmoid(z, a, b)
assert np.all(cd.relu(z)[z <= 0] == 0) and np.array_equal(sig > 0.5, z > b), (
    "ReLU responds to positive z only, the sigmoid only above its bias b"
)
# one-sided detectors fire on a subset of the pixels
for grad_name in gradients:
    assert fires[grad_name, "ReLU"] <= fires[grad_name, "|z|"], "one-sided fires less"
print(
    f"I_x > 0 at {np.mean(z > 0):.1%} of pixels, I_x > b = {b:g} at "
    f"{np.mean(z > b):.2%}"
)

# %%
# The four functions side by side, over the range of :math:`I_x` values on the photo
# (histogram in grey). Each curve is scaled to a maximum of 1 on that range.

zs = np.linspace(-lim, lim, 401)
fig, ax = plt.subplots(figsize=(7.2, 3.6), layout="constrained")
density, edges = np.histogram(z, bins=80, range=(-lim, lim), density=True)
ax.stairs(density, edges, fill=True, color="0.8", label="histogram of I_x")
ax2 = ax.twinx()
for name, sigma in nonlinearities.items():
    y = sigma(zs)
    ax2.plot(zs, y / y.max(), lw=2, label=name)
ax.set_yscale("log")
ax.set_xlabel("filter response z (grey levels)")
ax.set_ylabel("density of I_x (log scale)")
ax2.set_ylabel("σ(z), scaled to max 1")
ax.set_title("Even responses (z², |z|) vs one-sided ones (sigmoid, ReLU)")
ax2.legend(loc="upper center", fontsize=8)
plt.show()

# %%
# Sources
# -------
# The gradient filters, the four non-linearities and the sigmoid's constants are from
# the lecture slides "Convolution vs fully connected layers" in the notes' sources.
# Photograph: Grace Hopper, from matplotlib's sample data (``grace_hopper.jpg``).

"""
Parameter counts as the image grows
===================================

The same three layers as in the previous example, for square colour images of growing
side: the dense count grows like the fourth power of the side, the locally-connected
count like its square, and the convolution's count does not move.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd


def totals(c, n, f, k):
    """Parameters of the three layers on an n×n×c image with f k×k windows."""
    h_out, w_out = cd.conv_output_shape(n, n, k, k)
    return {
        "dense": cd.dense_params(c * n * n, f * h_out * w_out),
        "locally connected": cd.locally_connected_params(c, f, h_out, w_out, k),
        "convolution": cd.conv_params(c, f, k),
    }


# %%
# Three growth rates
# ------------------
# Repeat case 1 of the previous example (3 channels in, six 5×5 filters out) for square
# images of side
# :math:`n`. The dense count grows like :math:`n^4` (inputs × outputs), the
# locally-connected count like :math:`n^2` (one kernel per output position), and the
# convolutional count stays at 456 whatever the image.

sides = np.array([8, 16, 32, 64, 128, 256, 512, 1024])
growth = {name: [] for name in totals(3, 8, 6, 5)}
for n in sides:
    for name, tot in totals(3, n, 6, 5).items():
        growth[name].append(tot)
growth = {name: np.array(v, dtype=float) for name, v in growth.items()}

slopes = {
    name: np.polyfit(np.log(sides[-3:]), np.log(v[-3:]), 1)[0]
    for name, v in growth.items()
}
print(f"{'side n':>7} " + " ".join(f"{name:>18}" for name in growth))
for i, n in enumerate(sides):
    print(f"{n:>7} " + " ".join(f"{int(v[i]):>18,}" for v in growth.values()))
print(
    "log-log slope over the last three sizes: "
    + ", ".join(f"{name} {s:.2f}" for name, s in slopes.items())
)

assert np.all(growth["convolution"] == 456)
assert abs(slopes["dense"] - 4) < 0.05 and abs(slopes["locally connected"] - 2) < 0.05

fig, ax = plt.subplots(figsize=(7.2, 4.2), layout="constrained")
styles = {
    "dense": ("o-", "C3"),
    "locally connected": ("s-", "C1"),
    "convolution": ("^-", "C0"),
}
for name, v in growth.items():
    marker, color = styles[name]
    ax.loglog(
        sides,
        v,
        marker,
        color=color,
        label=f"{name} (slope {abs(slopes[name]):.1f})"
        if name == "convolution"
        else f"{name} (slope {slopes[name]:.1f})",
    )
ax.axvline(32, color="0.6", lw=1, ls="--")
ax.annotate("case 1 (32×32)", (32, 1e3), xytext=(36, 1e3), color="0.3")
ax.set_xlabel("image side n (input n×n×3, six 5×5 filters)")
ax.set_ylabel("parameters (weights + biases)")
ax.set_title("Only the convolution's count is independent of image size")
ax.legend()
ax.grid(True, which="major", alpha=0.3)
plt.show()

"""
Pooling a single bright pixel
=============================

Max pooling over 4×4 windows leaves its output unchanged while a bright pixel moves
inside its window, and changes it as soon as the pixel crosses into the next: how far
the pixel may move depends on where in the window it starts. Pooling has nothing to
learn.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

# %%
# Shifts inside and across a window
# ---------------------------------
# An 8×8 map that is zero except for one pixel, max-pooled over 4×4 windows (stride 4).
# The pooled 2×2 output is unchanged as long as the pixel stays in its window, and
# changes as soon as it crosses into the next one: how far it may move depends on
# where in the window it starts.

pool = cd.MaxPool2d(4)
print(f"{pool!r}: {pool.n_params} parameters")
assert pool.n_params == 0  # pooling has nothing to learn

for start in (0, 2):
    spike = np.zeros((1, 1, 8, 8))
    spike[0, 0, 1, start] = 1.0
    reference = cd.max_pool2d(spike, 4)
    unchanged = [
        np.array_equal(cd.max_pool2d(cd.shift(spike, 0, s), 4), reference)
        for s in range(5)
    ]
    print(
        f"pixel at column {start}: pooled output unchanged for shifts "
        f"{[s for s in range(5) if unchanged[s]]} of 0–4"
    )
    assert unchanged == [s < 4 - start for s in range(5)]

# %%
# The pixel starting at column 2, shifted by 0 to 4 columns, and the pooled
# 2×2 output of each: the output changes only at the shift that carries the
# pixel into the next window.

fig, axes = plt.subplots(2, 5, figsize=(7.2, 3.4), layout="constrained")
spike = np.zeros((1, 1, 8, 8))
spike[0, 0, 1, 2] = 1.0
for s, (top, bottom) in enumerate(zip(axes[0], axes[1], strict=True)):
    moved = cd.shift(spike, 0, s)
    top.imshow(moved[0, 0], cmap="gray_r", vmin=0, vmax=1)
    top.axvline(3.5, color="C1", lw=1.5)
    top.axhline(3.5, color="C1", lw=1.5)
    top.set_title(f"shift {s}", fontsize=10)
    bottom.imshow(cd.max_pool2d(moved, 4)[0, 0], cmap="gray_r", vmin=0, vmax=1)
    for ax in (top, bottom):
        ax.set_xticks([])
        ax.set_yticks([])
axes[0, 0].set_ylabel("input 8×8\n(windows in orange)", fontsize=10)
axes[1, 0].set_ylabel("pooled 2×2", fontsize=10)
plt.show()

# %%
# See also
# --------
# :ref:`sphx_glr_auto_examples_plot_08_pooling_invariance.py` measures the same effect
# on a photograph's edge map.

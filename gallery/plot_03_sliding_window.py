"""
The sliding window, animated
============================

A 3×3 filter slides over the why-convolutions blog's 6×6 vertical-edge image, one
position per frame, and each position fills one cell of the 4×4 output. The same 9
weights are used at all 16 positions.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation

import convdoc as cd

# %%
# Input, filter and the positions the window visits
# -------------------------------------------------
# With stride 1 and no padding the window's top-left corner visits rows 0–3 and
# columns 0–3, row by row: :math:`4 \times 4 = 16` positions, one output each.

X = np.zeros((6, 6))
X[:, :3] = 10
W = np.array([[1, 0, -1]] * 3, dtype=float)
kh, kw = W.shape
out_rows, out_cols = cd.conv_output_shape(*X.shape, kh, kw)
positions = [(r, c) for r in range(out_rows) for c in range(out_cols)]

# Fill the output one window at a time, exactly as the animation will.
Y = np.full((out_rows, out_cols), np.nan)
for r, c in positions:
    Y[r, c] = np.sum(X[r : r + kh, c : c + kw] * W)
print("output filled window by window:\n", Y)
assert len(positions) == 16
assert np.array_equal(Y, cd.correlate2d(X, W))

# %%
# One frame of the animation
# --------------------------
# Each frame outlines the window on the input, writes the kernel weight on each
# pixel it covers, and outlines the output cell that the window produces. Here is the
# frame for position (1, 2), the seventh of the sweep.


def sweep_figure(details=True):
    """Make the figure of the sweep; return it and a function that draws step ``k``.

    Without ``details`` (for the animation) there are no tick labels and no numbers in
    the output: fewer texts to draw in each frame, and the colours tell 0 from 30.
    """
    # A fixed layout (no layout engine to rerun at every frame of the animation).
    fig, (ax_in, ax_out) = plt.subplots(
        1,
        2,
        figsize=(6.4, 3.0),
        gridspec_kw={
            "width_ratios": [6, 4],
            "left": 0.08,
            "right": 0.98,
            "bottom": 0.14,
            "top": 0.82,
            "wspace": 0.25,
        },
    )
    ax_in.imshow(X, cmap="gray", vmin=-5, vmax=15)
    weights = [
        ax_in.text(
            0,
            0,
            f"×{w:g}",
            ha="center",
            va="center",
            fontsize=10,
            color="C1",
            fontweight="bold",
        )
        for w in W.ravel()
    ]
    window = ax_in.add_patch(
        plt.Rectangle((0, 0), kw, kh, fill=False, edgecolor="C1", lw=3)
    )

    output = ax_out.imshow(np.full_like(Y, np.nan), cmap="viridis", vmin=0, vmax=30)
    values = (
        [
            ax_out.text(
                c,
                r,
                f"{Y[r, c]:g}",
                ha="center",
                va="center",
                color="white" if Y[r, c] < 15 else "black",
            )
            for r, c in positions
        ]
        if details
        else []
    )
    cell = ax_out.add_patch(
        plt.Rectangle((0, 0), 1, 1, fill=False, edgecolor="C1", lw=3)
    )
    for ax, (n_rows, n_cols) in zip((ax_in, ax_out), [X.shape, Y.shape], strict=True):
        ax.set_xticks(range(n_cols) if details else [])
        ax.set_yticks(range(n_rows) if details else [])
        ax.set_ylabel("row")
    ax_in.set_xlabel("column of X (light: 10, dark: 0)")
    ax_out.set_xlabel("column of Y")

    def draw(step):
        r, c = positions[step]
        window.set_xy((c - 0.5, r - 0.5))
        cell.set_xy((c - 0.5, r - 0.5))
        for text, (i, j) in zip(weights, np.ndindex(kh, kw), strict=True):
            text.set_position((c + j, r + i))
        filled = np.full_like(Y, np.nan)
        for rr, cc in positions[: step + 1]:
            filled[rr, cc] = Y[rr, cc]
        output.set_data(filled)
        for k, text in enumerate(values):
            text.set_visible(k <= step)
        ax_in.set_title(
            f"X: rows {r}–{r + kh - 1}, columns {c}–{c + kw - 1}", fontsize=10
        )
        ax_out.set_title(f"Y[{r}, {c}] = Σ window × W = {Y[r, c]:g}", fontsize=10)
        return []

    return fig, draw


fig, draw = sweep_figure()
draw(positions.index((1, 2)))
fig.suptitle("Step 7 of 16: the same 3×3 kernel at a new position", fontsize=11)
plt.show()

# %%
# The whole sweep
# ---------------
# Matplotlib's ``FuncAnimation`` calls ``draw`` for each of the 16 positions. In the
# built documentation the animation plays in the page; run as a script with an
# interactive backend, it plays in a window.

fig, draw = sweep_figure(details=False)
fig.suptitle(
    "A 3×3 filter sliding over a 6×6 input: 16 positions, 9 shared weights", fontsize=11
)
anim = FuncAnimation(fig, draw, frames=len(positions), interval=700)
fig.canvas.draw()  # draw the first frame now: an animation must be drawn at least once
plt.show()

# %%
# See also
# --------
# The image and filter are the 6×6 vertical-edge example from the notes' sources (a
# blog summary of Andrew Ng's course).
# :ref:`sphx_glr_auto_examples_plot_02_conv_formula.py` writes the same computation
# out as a formula.

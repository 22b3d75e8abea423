"""
Parameters of real architectures
================================

Layer-by-layer parameter counts of LeNet-5, AlexNet (in torchvision's variant) and
VGG-16, computed from their layer specifications without allocating a single weight. In
all three networks the few fully-connected layers hold most of the parameters, while the
convolutions do most of the arithmetic.
"""

# sphinx_gallery_thumbnail_number = 2

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

import convdoc as cd

architectures = [cd.LENET5, cd.ALEXNET, cd.VGG16]


def print_summary(arch):
    """An aligned table: layer, output shape, parameters, share of the total."""
    summary = arch.summarize()
    total = cd.total_params(summary)
    print(f"{arch.name}, input {' × '.join(map(str, arch.input_shape))}")
    print(f"  {'layer':<13} {'output shape':>16} {'parameters':>12} {'share':>7}")
    for row in summary:
        shape = " × ".join(f"{n:,}" for n in row.output_shape)
        share = f"{100 * row.params / total:.1f}%" if row.params else ""
        print(f"  {row.name:<13} {shape:>16} {row.params:>12,} {share:>7}")
    print(f"  {'total':<13} {'':>16} {total:>12,}\n")
    return summary


# %%
# Per-layer tables
# ----------------
# :func:`convdoc.summarize` walks the layer specs, computing each output shape with
# :math:`\lfloor (H + 2p - k)/s \rfloor + 1` and each parameter count with
# :func:`convdoc.conv_params` or :func:`convdoc.dense_params`. LeNet-5 is given in its
# modern form (every C3 map sees all six S2 maps); AlexNet and VGG-16 exactly as
# ``torchvision.models.alexnet`` and ``torchvision.models.vgg16``. torchvision's AlexNet
# is the single-GPU variant of Krizhevsky's "One weird trick for parallelizing
# convolutional neural networks" (2014), not the network of the 2012 paper: its five
# convolutions have 64, 192, 384, 256 and 256 filters, where the 2012 network has 96,
# 256, 384, 384 and 256, some of them split into two groups across two GPUs. The counts
# below are the variant's.

summaries = {arch.name: print_summary(arch) for arch in architectures}
totals = {name: cd.total_params(s) for name, s in summaries.items()}

# %%
# The totals equal the reference implementations' (PyTorch's
# ``sum(p.numel() for p in model.parameters())`` for torchvision's models, and the
# textbook count for LeNet-5). LeNet-5's count is also small enough to check by hand:
# two convolutions :math:`6(1 \cdot 25 + 1)` and :math:`16(6 \cdot 25 + 1)`, then dense
# layers :math:`400 \to 120 \to 84 \to 10`.

lenet_by_hand = (
    cd.conv_params(1, 6, 5)
    + cd.conv_params(6, 16, 5)
    + cd.dense_params(16 * 5 * 5, 120)
    + cd.dense_params(120, 84)
    + cd.dense_params(84, 10)
)
print(f"LeNet-5 by hand: {lenet_by_hand:,}")
assert totals["LeNet-5"] == lenet_by_hand, (
    "the layer table adds up to the count by hand"
)

# %%
# Where the parameters are
# ------------------------
# Each dot is one layer with weights, on a logarithmic scale (dots, not bars: on a log
# scale a bar's length would depend on where the axis happens to start). The first dense
# layer is the largest of every network: it connects every value of the last feature map
# to every unit (:math:`512 \cdot 7 \cdot 7 \times 4096` weights in VGG-16), while a
# convolution's count depends only on its kernel and channels, however large the image.

fig, axes = plt.subplots(3, 1, figsize=(7.2, 6.4), layout="constrained")
for ax, (name, summary) in zip(axes, summaries.items(), strict=True):
    rows = [row for row in summary if row.params]
    colors = ["C0" if row.name.startswith("conv") else "C3" for row in rows]
    ax.scatter(
        range(len(rows)), [row.params for row in rows], color=colors, s=36, zorder=3
    )
    ax.set_xticks(
        range(len(rows)),
        [row.name for row in rows],
        rotation=45,
        ha="right",
        fontsize=8,
    )
    ax.set_yscale("log")
    ax.set_ylabel("parameters")
    ax.set_xlabel("layer")
    variant = " (torchvision variant)" if name == "AlexNet" else ""
    ax.set_title(f"{name}{variant}: {totals[name]:,} parameters")
    ax.grid(True, axis="y", which="major", alpha=0.3)
    ax.grid(True, axis="x", alpha=0.15)
axes[0].legend(
    handles=[
        Patch(color="C0", label="convolution"),
        Patch(color="C3", label="fully connected"),
    ],
    loc="upper left",
    fontsize=8,
)
plt.show()

# %%
# The share of the fully-connected layers
# ---------------------------------------
# :func:`convdoc.dense_share` gives the fraction of the parameters held by the ``fc``
# layers. For contrast, :func:`convdoc.total_macs` counts the multiply-accumulates per
# image (each row's ``macs``): a convolution reuses each weight at every output
# position, so the convolutions hold few parameters but do most of the work, and the
# more so the larger the images and the deeper the network.

print(f"{'network':<9} {'parameters':>12} {'fc share':>9} {'MACs':>15} {'fc share':>9}")
shares = {}
for name, summary in summaries.items():
    share = cd.dense_share(summary)
    work = cd.total_macs(summary)
    work_share = sum(row.macs for row in summary if row.name.startswith("fc")) / work
    shares[name] = share, work_share
    print(
        f"{name:<9} {totals[name]:>12,} {100 * share:>8.1f}% {work:>15,} "
        f"{100 * work_share:>8.1f}%"
    )

assert all(share > 0.85 and work < 0.15 for share, work in shares.values()), (
    "most parameters are in the dense layers, but little of the work"
)
fc1 = next(row for row in summaries["VGG-16"] if row.name == "fc1")
print(
    f"VGG-16's fc1 alone: {fc1.params:,} parameters, "
    f"{100 * fc1.params / totals['VGG-16']:.1f}% of the network"
)

fig, ax = plt.subplots(figsize=(7.2, 3.2), layout="constrained")
labels = [
    f"{name}\n{kind}" for name in shares for kind in ("parameters", "multiply-adds")
]
dense = 100 * np.array([v for pair in shares.values() for v in pair])
y = np.arange(len(labels))[::-1]
ax.barh(y, 100 - dense, color="C0", label="convolutions")
ax.barh(y, dense, left=100 - dense, color="C3", label="fully-connected layers")
for yi, d in zip(y, dense, strict=True):
    ax.text(99, yi, f"{d:.1f}%", ha="right", va="center", color="white", fontsize=8)
ax.set_yticks(y, labels, fontsize=8)
ax.set_xlim(0, 100)
ax.set_xlabel("share of the network's total (%)")
ax.set_ylabel("network and quantity")
ax.set_title("Fully-connected layers: most of the parameters, little of the work")
fig.legend(loc="outside lower center", ncols=2, fontsize=8)
plt.show()

# %%
# Later networks (GoogLeNet, ResNet) replace the large dense layers by a global average
# pooling and a single small classifier, which removes most of these parameters.

# %%
# Sources
# -------
# References: LeCun et al., "Gradient-based learning applied to document recognition"
# (1998); Krizhevsky et al., "ImageNet classification with deep convolutional neural
# networks" (2012), the original AlexNet; Krizhevsky, "One weird trick for
# parallelizing convolutional neural networks" (2014), the variant counted here;
# Simonyan and Zisserman, "Very deep convolutional networks for large-scale image
# recognition" (2015); the torchvision model definitions.

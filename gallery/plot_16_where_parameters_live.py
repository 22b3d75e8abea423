"""
Where the parameters live
=========================

Six networks side by side, from LeNet-5 to MobileNetV2: how many parameters each holds,
what share sits in the dense layers and what share in the convolutions, and how many
parameters each needs per multiply-add. The modern networks keep sharing and sparsity
everywhere and shrink the dense head to a single layer after global average pooling.
"""

import matplotlib.pyplot as plt
import numpy as np

import convdoc as cd

architectures = [
    cd.LENET5,
    cd.ALEXNET,
    cd.VGG16,
    cd.RESNET18,
    cd.RESNET50,
    cd.MOBILENETV2,
]
older, modern = [a.name for a in architectures[:3]], [a.name for a in architectures[3:]]


def kind(row):
    """The kind of a layer (``conv``, ``bn``, ``fc``...), also in a block."""
    return row.name.rsplit(".", 1)[-1].rstrip("0123456789")


# %%
# Six networks, one table
# -----------------------
# ``summarize(expand=True)`` gives every layer inside a residual block its own row, so
# :func:`convdoc.conv_share` counts every convolution and :func:`convdoc.dense_share`
# every dense layer; batch norm holds the rest. The last column divides the parameters
# by the multiply-adds of one image (224×224, LeNet-5's 32×32): ResNet, AlexNet and VGG
# follow ``torchvision.models``, and ``tests/test_architectures.py`` checks every layer
# against the same networks built from ``torch.nn``.

stats = {}
print(
    f"{'network':<12} {'parameters':>12} {'dense':>7} {'conv':>7} {'norm':>6} "
    f"{'multiply-adds':>15} {'params/MAC':>11}"
)
for arch in architectures:
    summary = arch.summarize(expand=True)
    total, macs = cd.total_params(summary), cd.total_macs(summary)
    norm = sum(row.params for row in summary if kind(row) == "bn") / total
    stats[arch.name] = {
        "summary": summary,
        "total": total,
        "dense": cd.dense_share(summary),
        "conv": cd.conv_share(summary),
        "norm": norm,
        "per_mac": total / macs,
    }
    s = stats[arch.name]
    print(
        f"{arch.name:<12} {total:>12,} {s['dense']:>7.1%} {s['conv']:>7.1%} "
        f"{norm:>6.1%} {macs:>15,} {s['per_mac']:>11.4f}"
    )

assert all(stats[n]["dense"] > 0.85 for n in older) and all(
    stats[n]["dense"] < 0.5 for n in modern
)

# %%
# The first three networks keep most of their parameters in their dense layers; the
# three modern ones keep most in their convolutions. Batch norm, two parameters per
# channel, never holds more than a sliver.
#
# How often each parameter is used
# --------------------------------
# A dense weight is used once per image: one multiply-add. A convolution's weight is
# used once per output position, so a convolution parameter's multiply-adds lie between
# the smallest and the largest feature map of the network, counted in positions (a
# little lower where biases count as parameters). That is why the convolutions, with few
# parameters, do nearly all the arithmetic.

print(
    f"{'network':<12} {'MACs per dense weight':>22} {'MACs per conv parameter':>24} "
    f"{'feature maps (positions)':>25}"
)
for name, s in stats.items():
    convs = [r for r in s["summary"] if kind(r) == "conv"]
    dense = [r for r in s["summary"] if kind(r) == "fc"]
    # one bias per unit: no multiply-add
    dense_weights = sum(r.params - r.output_shape[0] for r in dense)
    per_conv = sum(r.macs for r in convs) / sum(r.params for r in convs)
    positions = [r.output_shape[1] * r.output_shape[2] for r in convs]
    print(
        f"{name:<12} {sum(r.macs for r in dense) / dense_weights:>22.0f} "
        f"{per_conv:>24.1f} {min(positions):>12,} to {max(positions):<9,}"
    )
    assert sum(r.macs for r in dense) == dense_weights and min(
        positions
    ) <= per_conv <= max(positions)

# %%
# The ResNet story, in the notes' terms
# -------------------------------------
# ResNet-18 applies the notes' two savings everywhere. *Sparsity*: its first
# convolution looks at 7×7 patches; a dense layer between the same input and output
# would connect every pixel to every output value. *Sharing*: each of its convolutions
# reuses one kernel at every position; a locally connected network with the same
# windows would need one weight per multiply-add. And its head is one dense layer on
# the 512 channel averages left by global average pooling, not three dense layers on
# the flattened 512×7×7 map.

resnet = stats["ResNet-18"]["summary"]
stem = resnet[0]
dense_stem = cd.dense_params(
    int(np.prod(cd.RESNET18.input_shape)), int(np.prod(stem.output_shape)), bias=False
)
conv_weights = sum(r.params for r in resnet if kind(r) == "conv")
# one weight per position and tap
unshared = sum(r.macs for r in resnet if kind(r) == "conv")
print(
    f"ResNet-18's first convolution: {stem.params:,} weights; dense between the same "
    f"shapes: {dense_stem:,}"
)
print(
    f"ResNet-18's convolutions: {conv_weights:,} weights shared; unshared (locally "
    f"connected): {unshared:,}"
)

# AdaptiveAvgPoolSpec(7), FlattenSpec(), three DenseSpecs
vgg_head = cd.VGG16.layers[-5:]
with_vgg_head = cd.summarize(
    cd.RESNET18.input_shape, (*cd.RESNET18.layers[:-3], *vgg_head)
)
print(
    f"ResNet-18: {stats['ResNet-18']['total']:,} parameters, dense share "
    f"{stats['ResNet-18']['dense']:.1%}"
)
print(
    f"ResNet-18 with VGG-16's head: {cd.total_params(with_vgg_head):,} parameters, "
    f"dense share {cd.dense_share(with_vgg_head):.1%}"
)
# the head, not the depth, decides where parameters live
assert cd.dense_share(with_vgg_head) > 0.85

# %%
# MobileNetV2 pushes sharing further: its 1×1 convolutions share each weight across all
# positions while mixing channels, and its depthwise 3×3 convolutions give each channel
# its own small kernel instead of one for every pair of channels. In a block with 576
# hidden channels the depthwise layer needs a 576th of a full 3×3 convolution:

full = cd.conv_params(576, 576, 3, bias=False)
depthwise = cd.conv_params(576, 576, 3, bias=False, groups=576)
print(
    f"3×3 on 576 channels: full {full:,} weights, depthwise {depthwise:,} "
    f"({full // depthwise}× fewer)"
)

# %%
# The figure puts the six networks side by side: where their parameters live (left) and
# how many parameters each needs per multiply-add of one image (right, log scale; red
# where the dense layers hold most of the parameters, blue where the convolutions do).

names = list(stats)
y = np.arange(len(names))[::-1]
fig, (left, right) = plt.subplots(
    1, 2, figsize=(7.2, 3.4), layout="constrained", sharey=True
)
start = np.zeros(len(names))
for key, label, color in [
    ("conv", "convolutions", "C0"),
    ("norm", "batch norm", "C2"),
    ("dense", "dense layers", "C3"),
]:
    share = 100 * np.array([stats[n][key] for n in names])
    left.barh(y, share, left=start, color=color, label=label)
    start += share
for yi, n in zip(y, names, strict=True):
    left.text(
        50,
        yi,
        f"{stats[n]['dense']:.0%} dense",
        ha="center",
        va="center",
        color="white",
        fontsize=8,
    )
left.set_yticks(y, [f"{n}\n{stats[n]['total']:,}" for n in names], fontsize=8)
left.set_xlim(0, 100)
left.set_xlabel("share of the parameters (%)")
left.set_ylabel("network and parameter count")
fig.legend(loc="outside lower center", ncols=3, fontsize=8)
right.barh(y, [stats[n]["per_mac"] for n in names], color=["C3"] * 3 + ["C0"] * 3)
right.set_xscale("log")
right.set_xlabel("parameters per multiply-add")
right.grid(True, axis="x", alpha=0.3)
fig.suptitle(
    "Dense heads hold the parameters of older networks; convolutions, of modern ones",
    fontsize=10,
)
plt.show()

# %%
# See also
# --------
# :ref:`sphx_glr_auto_examples_plot_15_architectures.py` for the per-layer tables of
# the first three networks. References: He et al., "Deep residual learning for image
# recognition" (2016); Sandler et al., "MobileNetV2: inverted residuals and linear
# bottlenecks" (2018); the torchvision model definitions.

"""Residual blocks, grouped and dilated convolutions, and the modern networks.

The reference for ResNet-18, ResNet-50 and MobileNetV2 is the same network built here
from ``torch.nn`` modules, following ``torchvision.models`` (which is not a dependency):
every block's output shape and parameter count, every layer's parameters, output shape
and multiply-adds (from torch's own shapes), and the totals.
"""

from __future__ import annotations

import pytest

import convdoc as cd
from convdoc import (
    MOBILENETV2,
    RESNET18,
    RESNET50,
    BasicBlockSpec,
    BatchNormSpec,
    BottleneckSpec,
    ConvSpec,
    DenseSpec,
    FlattenSpec,
    GlobalAvgPoolSpec,
    InvertedResidualSpec,
    LayerSummary,
    ResidualSpec,
    conv_params,
    summarize,
    total_params,
)


# ---- by hand
# --------------------------------------------------------------------------------------
def test_grouped_and_depthwise_counts_by_hand():
    assert conv_params(64, 128, 3, bias=False, groups=1) == 128 * 64 * 9
    # Each filter sees 64/4 channels.
    assert conv_params(64, 128, 3, bias=False, groups=4) == 128 * 16 * 9
    assert conv_params(32, 32, 3, bias=False, groups=32) == 32 * 9  # depthwise
    (row,) = summarize(
        (32, 10, 10), [ConvSpec(32, 3, padding=1, bias=False, groups=32)]
    )
    assert row == LayerSummary("conv1", (32, 10, 10), 32 * 9, 10 * 10 * 32 * 9)


def test_dilation_widens_the_window_not_the_count():
    # a 3×3 kernel with dilation 2 spans 5×5: 9 − 5 + 1 = 5 positions
    # per axis, same 9 weights
    (row,) = summarize((1, 9, 9), [ConvSpec(1, 3, dilation=2, bias=False)])
    assert row == LayerSummary("conv1", (1, 5, 5), 9, 25 * 9)
    (row,) = summarize(
        (1, 9, 9), [ConvSpec(1, 3, dilation=(1, 3), padding=(0, 3), bias=False)]
    )
    assert row.output_shape == (1, 7, 9)


def test_batch_norm_and_global_pooling():
    rows = summarize(
        (16, 7, 7), [BatchNormSpec(), GlobalAvgPoolSpec(), FlattenSpec(), DenseSpec(10)]
    )
    assert rows == [
        LayerSummary("bn1", (16, 7, 7), 2 * 16, 16 * 49),
        LayerSummary("globalpool1", (16, 1, 1), 0, 0),
        LayerSummary("flatten1", (16,), 0, 0),
        LayerSummary("fc1", (10,), 170, 160),
    ]


def test_basic_block_by_hand_with_and_without_projection():
    same = BasicBlockSpec(64)
    (row,) = summarize((64, 56, 56), [same])
    two_convs = 2 * (64 * 64 * 9) + 2 * (2 * 64)
    assert row == LayerSummary("block1", (64, 56, 56), two_convs, row.macs)
    assert row.macs == 2 * 56 * 56 * 64 * 64 * 9 + 2 * 64 * 56 * 56
    down = summarize((64, 56, 56), [BasicBlockSpec(128, stride=2)], expand=True)
    assert [r.name for r in down] == [
        "block1.conv1",
        "block1.bn1",
        "block1.conv2",
        "block1.bn2",
        "block1.shortcut.conv1",
        "block1.shortcut.bn1",
    ]
    assert down[4] == LayerSummary(
        "block1.shortcut.conv1", (128, 28, 28), 128 * 64, 28 * 28 * 128 * 64
    )
    assert total_params(down) == 128 * 64 * 9 + 128 * 128 * 9 + 128 * 64 + 3 * 2 * 128


def test_bottleneck_and_inverted_residual_by_hand():
    body, shortcut = BottleneckSpec(64, stride=2).branches(256)
    assert [
        (c.filters, c.kernel, c.stride) for c in body if isinstance(c, ConvSpec)
    ] == [(64, 1, 1), (64, 3, 2), (256, 1, 1)]
    assert shortcut == (ConvSpec(256, 1, stride=2, bias=False), BatchNormSpec())
    # 256 in, 256 out, stride 1: identity.
    assert BottleneckSpec(64).branches(256)[1] == ()
    body, shortcut = InvertedResidualSpec(16, expansion=1).branches(32)
    assert [type(b).__name__ for b in body] == [
        "ConvSpec",
        "BatchNormSpec",
        "ConvSpec",
        "BatchNormSpec",
    ]
    # No expansion conv; 32 ≠ 16 channels: no skip.
    assert body[0].groups == 32 and shortcut is None
    (row,) = summarize((24, 56, 56), [InvertedResidualSpec(24)])
    assert row.params == 24 * 144 + 144 * 9 + 144 * 24 + 2 * (144 + 144 + 24)


def test_expanded_and_block_rows_agree():
    for arch in (RESNET18, RESNET50, MOBILENETV2):
        rows, flat = arch.summarize(), arch.summarize(expand=True)
        assert total_params(rows) == total_params(flat) and cd.total_macs(
            rows
        ) == cd.total_macs(flat)
        assert cd.dense_share(rows) == cd.dense_share(flat)
        assert not any(r.name.startswith("block") for r in flat if "." not in r.name)
    # + BN.
    assert (
        cd.conv_share(RESNET18.summarize(expand=True))
        + cd.dense_share(RESNET18.summarize())
        < 1
    )
    # Blocks unexpanded: only the stem is a `conv` row.
    assert cd.conv_share(RESNET18.summarize()) < 0.01


def test_modern_networks_are_exported():
    assert cd.RESNET18 is RESNET18 and cd.architectures.MOBILENETV2 is MOBILENETV2
    assert [r.name for r in RESNET18.summarize()][-3:] == [
        "globalpool1",
        "flatten1",
        "fc1",
    ]


# ---- bad input
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: BasicBlockSpec(0),
            ValueError,
            "`filters` must be a positive int; got 0",
        ),
        (
            lambda: BasicBlockSpec(64, stride=0),
            ValueError,
            "`stride` must be positive; got 0",
        ),
        (
            lambda: BasicBlockSpec(64.0),
            TypeError,
            "`filters` must be a positive int; got 64.0",
        ),
        (
            lambda: BottleneckSpec(64, expansion=0),
            ValueError,
            "`expansion` must be a positive int; got 0",
        ),
        (lambda: BottleneckSpec("64"), TypeError, "`width`"),
        (
            lambda: InvertedResidualSpec(16, expansion=1.5),
            TypeError,
            "`expansion` must be a positive int; got 1.5",
        ),
        (
            lambda: InvertedResidualSpec(16, stride=(1, 2, 3)),
            ValueError,
            "`stride` must be an int or a pair",
        ),
        (
            lambda: ResidualSpec(()),
            ValueError,
            r"`body` must hold at least one layer spec; got \(\)",
        ),
        (
            lambda: ResidualSpec("conv"),
            TypeError,
            "`body` must be a tuple of layer specs; got str",
        ),
        (
            lambda: ResidualSpec((ConvSpec(4, 3),), shortcut=("x",)),
            TypeError,
            r"`shortcut\[0\]` must be a layer spec; got str",
        ),
        (
            lambda: ConvSpec(6, 3, groups=4),
            ValueError,
            r"`groups` must divide `filters` \(6\); got groups=4",
        ),
        (
            lambda: ConvSpec(6, 3, groups=0),
            ValueError,
            "`groups` must be a positive int; got 0",
        ),
        (
            lambda: ConvSpec(6, 3, dilation=0),
            ValueError,
            "`dilation` must be positive; got 0",
        ),
        (lambda: ConvSpec(6, 3, dilation=1.5), TypeError, "`dilation`"),
        (
            lambda: conv_params(3, 6, 3, groups=2),
            ValueError,
            r"`groups` must divide both the input channels \(3\)",
        ),
        (
            lambda: summarize((3, 8, 8), [ConvSpec(6, 3, groups=2)]),
            ValueError,
            r"`layers\[0\]` \(conv1 = .*\): `groups` must divide the input channels "
            r"\(3\); got groups=2",
        ),
        (
            lambda: summarize((1, 4, 4), [ConvSpec(1, 3, dilation=2)]),
            ValueError,
            "does not fit: window 5×5",
        ),
        (
            lambda: summarize((8, 5, 5), [ResidualSpec((ConvSpec(16, 3, padding=1),))]),
            ValueError,
            r"`layers\[0\]` \(block1 = .*\): the `shortcut` output \(8, 5, 5\) must "
            r"match the `body` output \(16, 5, 5\)",
        ),
        (
            lambda: summarize((4, 2, 2), [ResidualSpec((ConvSpec(4, 5),))]),
            ValueError,
            r"`layers\[0\]` \(block1 = .*\): `body\[0\]` \(conv1 = .*\) does not fit",
        ),
        (
            lambda: summarize((10,), [BasicBlockSpec(4)]),
            ValueError,
            r"block1 = .* needs a 3-D input \(C, H, W\); got shape \(10,\)",
        ),
        (
            lambda: summarize((3, 8, 8), [], expand=1),
            TypeError,
            "`expand` must be True or False; got 1",
        ),
    ],
)
def test_malformed_blocks_are_refused_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- PyTorch: the same networks from torch.nn modules
# ---------------------------------------------
def _torch_networks(torch):
    """ResNet-18, ResNet-50 and MobileNetV2 as torchvision defines them, on the meta
    device."""
    nn, m = torch.nn, {"device": "meta"}  # shapes and counts without memory or compute

    class Residual(nn.Module):
        """body(x) + shortcut(x) (shortcut None: identity; skip False: no addition),
        then `after`."""

        def __init__(self, body, shortcut=None, *, skip=True, after=None):
            super().__init__()
            self.body, self.shortcut, self.skip = nn.Sequential(*body), shortcut, skip
            self.after = after or nn.Identity()

        def forward(self, x):
            out = self.body(x)
            if self.skip:
                out = out + (x if self.shortcut is None else self.shortcut(x))
            return self.after(out)

    def conv_bn(cin, cout, k, stride=1, groups=1, act=None):
        layers = [
            nn.Conv2d(
                cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False, **m
            ),
            nn.BatchNorm2d(cout, **m),
        ]
        return [*layers, act()] if act else layers

    def downsample(cin, cout, stride):
        return (
            nn.Sequential(*conv_bn(cin, cout, 1, stride))
            if stride != 1 or cin != cout
            else None
        )

    def basic(cin, planes, stride):  # torchvision.models.resnet.BasicBlock
        body = [
            *conv_bn(cin, planes, 3, stride, act=nn.ReLU),
            *conv_bn(planes, planes, 3),
        ]
        return Residual(body, downsample(cin, planes, stride), after=nn.ReLU()), planes

    # Torchvision.models.resnet.Bottleneck (stride on the 3×3)
    def bottleneck(cin, planes, stride):
        body = [
            *conv_bn(cin, planes, 1, act=nn.ReLU),
            *conv_bn(planes, planes, 3, stride, act=nn.ReLU),
            *conv_bn(planes, 4 * planes, 1),
        ]
        return Residual(
            body, downsample(cin, 4 * planes, stride), after=nn.ReLU()
        ), 4 * planes

    def resnet(block, counts):
        layers, c = [*conv_bn(3, 64, 7, 2, act=nn.ReLU), nn.MaxPool2d(3, 2, 1)], 64
        for stage, (planes, n) in enumerate(
            zip((64, 128, 256, 512), counts, strict=True)
        ):
            for i in range(n):
                module, c = block(c, planes, 2 if stage and not i else 1)
                layers.append(module)
        return nn.Sequential(
            *layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 1000, **m)
        )

    # Torchvision.models.mobilenetv2.InvertedResidual.
    def inverted(cin, cout, stride, t):
        hidden = cin * t
        expand = conv_bn(cin, hidden, 1, act=nn.ReLU6) if t != 1 else []
        body = [
            *expand,
            *conv_bn(hidden, hidden, 3, stride, groups=hidden, act=nn.ReLU6),
            *conv_bn(hidden, cout, 1),
        ]
        return Residual(body, skip=stride == 1 and cin == cout)

    # Sandler et al. (2018), Table 2, row by row: input (size², channels), operator,
    # expansion t, output channels c, repeats n, stride s (of the first repeat).
    table_2 = [
        ((224, 3), "conv2d", None, 32, 1, 2),
        ((112, 32), "bottleneck", 1, 16, 1, 1),
        ((112, 16), "bottleneck", 6, 24, 2, 2),
        ((56, 24), "bottleneck", 6, 32, 3, 2),
        ((28, 32), "bottleneck", 6, 64, 4, 2),
        ((14, 64), "bottleneck", 6, 96, 3, 1),
        ((14, 96), "bottleneck", 6, 160, 3, 2),
        ((7, 160), "bottleneck", 6, 320, 1, 1),
        ((7, 320), "conv2d 1x1", None, 1280, 1, 1),
    ]  # then avgpool 7x7 and a 1x1 conv to the k classes: the head below
    layers, c, size = [], 3, 224
    for (row_size, row_channels), op, t, cout, n, s in table_2:
        assert (row_size, row_channels) == (size, c), f"Table 2 misread at {op}"
        for i in range(n):
            if op == "bottleneck":
                layers.append(inverted(c, cout, s if i == 0 else 1, t))
            else:  # the stem (3×3) and the last 1×1, flat like torchvision's
                layers += conv_bn(c, cout, 1 if "1x1" in op else 3, s, act=nn.ReLU6)
            c = cout
        size //= s
    mobilenet = nn.Sequential(
        *layers,
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(1280, 1000, **m),
    )
    return {
        RESNET18: resnet(basic, (2, 2, 2, 2)),
        RESNET50: resnet(bottleneck, (3, 4, 6, 3)),
        MOBILENETV2: mobilenet,
    }


def _torch_layers(torch, model, input_shape):
    """Per top-level module (blocks whole) and per leaf layer, in the order they run:
    (parameters, output shape) and (parameters, output shape, multiply-adds from torch's
    shapes)."""
    nn = torch.nn
    leaves, tops = [], []
    counted = (
        nn.Conv2d,
        nn.BatchNorm2d,
        nn.Linear,
        nn.MaxPool2d,
        nn.AdaptiveAvgPool2d,
        nn.Flatten,
    )

    def leaf(module, _inputs, out):
        n = sum(p.numel() for p in module.parameters())
        if isinstance(module, nn.Conv2d):
            # Every weight at every position.
            macs = out.shape[2] * out.shape[3] * module.weight.numel()
        elif isinstance(module, nn.Linear):
            macs = module.weight.numel()
        elif isinstance(module, nn.BatchNorm2d):
            macs = out[0].numel()
        else:
            macs = 0
        leaves.append((n, tuple(out.shape[1:]), macs))

    for module in model.modules():
        if isinstance(module, counted):
            module.register_forward_hook(leaf)
    model.eval()
    x = torch.zeros((1, *input_shape), device="meta")
    with torch.no_grad():
        for module in model:
            x = module(x)
            if not isinstance(module, (nn.ReLU, nn.ReLU6, nn.Dropout)):
                tops.append(
                    (sum(p.numel() for p in module.parameters()), tuple(x.shape[1:]))
                )
    return tops, leaves


@pytest.mark.torch
@pytest.mark.parametrize(
    "arch", [RESNET18, RESNET50, MOBILENETV2], ids=lambda a: a.name
)
def test_modern_networks_match_torch_layer_by_layer(torch, arch):
    model = _torch_networks(torch)[arch]
    tops, leaves = _torch_layers(torch, model, arch.input_shape)
    ours = arch.summarize()
    assert [
        (r.params, r.output_shape) for r in ours
    ] == tops  # every block, so every stage
    flat = arch.summarize(expand=True)
    assert [
        (r.params, r.output_shape, r.macs) for r in flat
    ] == leaves  # every layer inside the blocks
    assert total_params(ours) == sum(p.numel() for p in model.parameters())
    blocks = [r for r in ours if r.name.startswith("block")]
    torch_blocks = [m for m in model if type(m).__name__ == "Residual"]
    assert (
        len(blocks)
        == len(torch_blocks)
        == {"ResNet-18": 8, "ResNet-50": 16, "MobileNetV2": 17}[arch.name]
    )


@pytest.mark.torch
@pytest.mark.parametrize(
    ("c", "f", "k", "stride", "padding", "dilation", "groups"),
    [
        (4, 8, 3, 1, 0, 2, 1),
        (4, 8, 3, 2, 2, 2, 2),
        (6, 6, 3, 1, 1, 1, 6),
        (6, 12, (3, 1), (2, 1), (1, 0), (1, 3), 3),
        (8, 4, 5, 3, 0, 1, 4),
    ],
)
def test_grouped_dilated_convolutions_match_torch(
    torch, c, f, k, stride, padding, dilation, groups
):
    conv = torch.nn.Conv2d(c, f, k, stride, padding, dilation, groups)
    out = conv(torch.zeros(1, c, 17, 13))
    (row,) = summarize(
        (c, 17, 13), [ConvSpec(f, k, stride, padding, dilation=dilation, groups=groups)]
    )
    assert row.output_shape == tuple(out.shape[1:])
    assert row.params == sum(p.numel() for p in conv.parameters())
    assert row.macs == out.shape[2] * out.shape[3] * conv.weight.numel()

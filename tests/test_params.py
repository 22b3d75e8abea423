"""Parameter counts: hand formulas, the notes' numbers, and PyTorch models built by
hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd
from convdoc.architectures import ALEXNET, LENET5, VGG16
from convdoc.params import (
    AdaptiveAvgPoolSpec,
    AvgPoolSpec,
    ConvSpec,
    DenseSpec,
    FlattenSpec,
    LayerSummary,
    LocallyConnectedSpec,
    MaxPoolSpec,
    conv_params,
    dense_params,
    dense_share,
    locally_connected_params,
    summarize,
    summary_table,
    total_params,
)

sizes = st.integers(1, 50)


# ---- the notes' numbers
# ----------------------------------------------------------------------
def test_notes_dense_32x32x3_to_28x28x6():
    assert 32 * 32 * 3 == 3072 and 28 * 28 * 6 == 4704
    assert dense_params(3072, 4704, bias=False) == 14_450_688
    assert dense_params(3072, 4704) == 14_450_688 + 4_704


def test_notes_conv_6_filters_5x5():
    assert conv_params(3, 6, 5) == 6 * (5 * 5 * 3 + 1) == 456
    assert conv_params(1, 6, 5) == 6 * (5 * 5 + 1) == 156


def test_notes_megapixel_image_one_million_hidden_units():
    assert dense_params(1000 * 1000, 10**6, bias=False) == 10**12
    assert locally_connected_params(1, 1, 1000, 1000, 10, bias=False) == 10**8
    assert conv_params(1, 1, 10, bias=False) == 100


# ---- formulas, by property
# -----------------------------------------------------------------------
@given(
    c=sizes,
    f=sizes,
    ho=sizes,
    wo=sizes,
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    bias=st.booleans(),
)
def test_locally_connected_is_conv_times_positions(c, f, ho, wo, kh, kw, bias):
    conv = conv_params(c, f, kh, kw, bias=bias)
    assert locally_connected_params(c, f, ho, wo, kh, kw, bias=bias) == ho * wo * conv


@given(c=sizes, f=sizes, kh=st.integers(1, 7), kw=st.integers(1, 7))
def test_conv_formula_and_bias(c, f, kh, kw):
    assert conv_params(c, f, kh, kw, bias=False) == f * c * kh * kw
    assert conv_params(c, f, kh, kw) - conv_params(c, f, kh, kw, bias=False) == f
    assert conv_params(c, f, kh) == conv_params(c, f, kh, kh)


@given(n_in=st.integers(1, 10**6), n_out=st.integers(1, 10**6))
def test_dense_formula_and_bias(n_in, n_out):
    assert dense_params(n_in, n_out, bias=False) == n_in * n_out
    assert dense_params(n_in, n_out) == n_in * n_out + n_out
    assert dense_params(np.int64(n_in), n_out) == dense_params(n_in, n_out)


@given(
    h=st.integers(1, 30),
    k=st.integers(1, 7),
    s=st.integers(1, 4),
    p=st.integers(0, 3),
    d=st.integers(1, 3),
)
def test_output_size_matches_a_naive_count_of_window_positions(h, k, s, p, d):
    # a window starting at r covers rows r, r + d, ..., r + d·(k − 1): it fits if the
    # last is inside
    positions = len([r for r in range(0, h + 2 * p, s) if r + d * (k - 1) < h + 2 * p])
    if positions == 0:
        with pytest.raises(ValueError, match="does not fit"):
            summarize((1, h, h), [ConvSpec(1, k, stride=s, padding=p, dilation=d)])
    else:
        (row,) = summarize((1, h, h), [ConvSpec(1, k, stride=s, padding=p, dilation=d)])
        assert row.output_shape == (1, positions, positions)
        # Each weight once per position.
        assert row.macs == positions * positions * k * k


# ---- summarize
# --------------------------------------------------------------------------------------
def test_lenet5_by_hand():
    rows = LENET5.summarize()
    # Multiply-adds: each weight once per output position (conv) or once (dense).
    assert rows == [
        LayerSummary("conv1", (6, 28, 28), 6 * 25 + 6, 28 * 28 * 6 * 25),
        LayerSummary("pool1", (6, 14, 14), 0, 0),
        LayerSummary("conv2", (16, 10, 10), 16 * 6 * 25 + 16, 10 * 10 * 16 * 6 * 25),
        LayerSummary("pool2", (16, 5, 5), 0, 0),
        LayerSummary("flatten1", (400,), 0, 0),
        LayerSummary("fc1", (120,), 400 * 120 + 120, 400 * 120),
        LayerSummary("fc2", (84,), 120 * 84 + 84, 120 * 84),
        LayerSummary("fc3", (10,), 84 * 10 + 10, 84 * 10),
    ]
    assert total_params(rows) == 61_706
    assert cd.total_macs(rows) == 28 * 28 * 150 + 100 * 2400 + 48_000 + 10_080 + 840
    assert rows == summarize(LENET5.input_shape, LENET5.layers)


def test_published_totals():
    assert total_params(ALEXNET.summarize()) == 61_100_840
    assert total_params(VGG16.summarize()) == 138_357_544
    assert ALEXNET.summarize()[-5].output_shape == (256, 6, 6)
    assert [r.output_shape for r in VGG16.summarize() if r.name.startswith("pool")][
        -1
    ] == (512, 7, 7)


def test_locally_connected_avg_pool_and_non_square_specs():
    rows = summarize(
        (2, 9, 8),
        [
            LocallyConnectedSpec(3, (3, 2), stride=(2, 1), padding=(1, 0)),
            AvgPoolSpec(2, stride=1, padding=1),
            AdaptiveAvgPoolSpec((2, 3)),
        ],
    )
    # rows: (9 + 2 − 3)//2 + 1 = 5; columns: (8 − 2)//1 + 1 = 7
    assert rows[0] == LayerSummary(
        "local1", (3, 5, 7), 5 * 7 * (3 * 2 * 3 * 2 + 3), 5 * 7 * 3 * 2 * 3 * 2
    )
    assert rows[1] == LayerSummary("pool1", (3, 6, 8), 0)
    assert rows[2] == LayerSummary("adaptivepool1", (3, 2, 3), 0)
    assert summarize((5,), [DenseSpec(2, bias=False)]) == [
        LayerSummary("fc1", (2,), 10, 10)
    ]
    assert summarize((3, 4, 4), []) == []


def test_summary_table_and_dense_share():
    table = summary_table(LENET5.summarize())
    lines = table.splitlines()
    assert lines[0] == "| layer | output shape | parameters |"
    assert "| fc1 | 120 | 48,120 |" in lines
    assert "| conv1 | 6 × 28 × 28 | 156 |" in lines
    assert lines[-1] == "| **total** | | **61,706** |"
    assert len(lines) == 2 + 8 + 1
    assert dense_share(LENET5.summarize()) == pytest.approx(
        (48_120 + 10_164 + 850) / 61_706
    )
    assert dense_share(summarize((1, 4, 4), [ConvSpec(1, 2)])) == 0.0


def test_specs_are_frozen_and_exported():
    with pytest.raises(AttributeError):
        ConvSpec(6, 5).filters = 7  # type: ignore[misc]
    assert cd.LENET5 is LENET5 and cd.summarize is summarize
    assert isinstance(ALEXNET.layers, tuple)


# ---- bad input
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: dense_params(3.0, 2),
            TypeError,
            "`n_in` must be a positive int; got 3.0",
        ),
        (lambda: dense_params(True, 2), TypeError, "`n_in`"),
        (
            lambda: dense_params(2, 0),
            ValueError,
            "`n_out` must be a positive int; got 0",
        ),
        (
            lambda: dense_params(2, 2, bias=1),
            TypeError,
            "`bias` must be True or False; got 1",
        ),
        (lambda: conv_params(1, 1, 3, 0), ValueError, "`kw`"),
        (lambda: conv_params(1, 1, 2.5), TypeError, "`kh`"),
        (lambda: conv_params(-1, 1, 3), ValueError, "`in_channels`"),
        (lambda: locally_connected_params(1, 1, -1, 3, 3), ValueError, "`h_out`"),
        (lambda: ConvSpec(0, 3), ValueError, "`filters`"),
        (lambda: ConvSpec(2, 3, padding=-1), ValueError, "`padding` must be >= 0"),
        (
            lambda: ConvSpec(2, (3, 3, 3)),
            ValueError,
            "`kernel` must be an int or a pair",
        ),
        (lambda: MaxPoolSpec(2, stride=0), ValueError, "`stride` must be positive"),
        # None steps by the window for pooling only; a convolution's stride is given.
        (lambda: ConvSpec(6, 5, stride=None), TypeError, "`stride` must be an int"),
        (lambda: AvgPoolSpec(1.5), TypeError, "`size`"),
        (lambda: AdaptiveAvgPoolSpec(0), ValueError, "`output_size`"),
        (lambda: DenseSpec(2.5), TypeError, "`units`"),
        (lambda: DenseSpec(3, bias="no"), TypeError, "`bias`"),
        (
            lambda: summarize((1, 4, 4), [ConvSpec(1, 5)]),
            ValueError,
            r"`layers\[0\]` \(conv1 = .*\) does not fit: window 5×5 is larger than "
            r"the padded input 4×4",
        ),
        (
            lambda: summarize((16, 5, 5), [DenseSpec(10)]),
            ValueError,
            r"needs a 1-D input.*got shape \(16, 5, 5\).*FlattenSpec",
        ),
        (
            lambda: summarize((10,), [ConvSpec(1, 3)]),
            ValueError,
            r"needs a 3-D input \(C, H, W\); got shape \(10,\)",
        ),
        (lambda: summarize((10,), [MaxPoolSpec(2)]), ValueError, "needs a 3-D input"),
        (
            lambda: summarize((1, 28, 28), ["conv"]),
            TypeError,
            r"`layers\[0\]` must be a layer spec.*got str",
        ),
        (
            lambda: summarize((1, 28, 28), ConvSpec(1, 3)),
            TypeError,
            "`layers` must be a sequence of layer specs; got ConvSpec",
        ),
        (
            lambda: summarize((1, 28), []),
            ValueError,
            r"`input_shape` must be \(C, H, W\) or \(D,\)",
        ),
        (
            lambda: summarize((1, 0, 3), []),
            ValueError,
            "`input_shape` must be a positive int; got 0",
        ),
        (lambda: summarize((1, 4.0, 3), []), TypeError, "`input_shape`"),
        (
            lambda: summarize((1, 8, 8), [MaxPoolSpec(2, padding=2)]),
            ValueError,
            "`padding` must be at most half",
        ),
        (
            lambda: dense_share(summarize((1, 4, 4), [MaxPoolSpec(2)])),
            ValueError,
            "`summary` must contain parameters",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- PyTorch, with models written out by hand
# ------------------------------------------------------
def _torch_rows(torch, model, input_shape, *, device="cpu"):
    """(parameter count, output shape without batch) after each module that is not an
    activation."""
    x = torch.zeros((1, *input_shape), device=device)
    rows = []
    for module in model:
        x = module(x)
        if not isinstance(module, (torch.nn.ReLU, torch.nn.Tanh, torch.nn.Dropout)):
            rows.append(
                (sum(p.numel() for p in module.parameters()), tuple(x.shape[1:]))
            )
    return rows


def _check_against_torch(torch, arch, model, *, device="cpu"):
    ours = [(r.params, r.output_shape) for r in arch.summarize()]
    theirs = _torch_rows(torch, model, arch.input_shape, device=device)
    assert ours == theirs
    assert total_params(arch.summarize()) == sum(p.numel() for p in model.parameters())


@pytest.mark.torch
def test_lenet5_matches_torch(torch):
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.Tanh(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.Tanh(),
        nn.Linear(120, 84),
        nn.Tanh(),
        nn.Linear(84, 10),
    )
    _check_against_torch(torch, LENET5, model)  # a real forward pass of zeros: cheap


@pytest.mark.torch
def test_alexnet_matches_torch(torch):
    # Meta tensors: shapes and counts, no memory, no compute.
    nn, m = (
        torch.nn,
        {"device": "meta"},
    )
    model = nn.Sequential(
        nn.Conv2d(3, 64, 11, stride=4, padding=2, **m),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2, **m),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1, **m),
        nn.ReLU(),
        nn.Conv2d(384, 256, 3, padding=1, **m),
        nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1, **m),
        nn.ReLU(),
        nn.MaxPool2d(3, 2),
        nn.AdaptiveAvgPool2d(6),
        nn.Flatten(),
        nn.Dropout(),
        nn.Linear(9216, 4096, **m),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(4096, 4096, **m),
        nn.ReLU(),
        nn.Linear(4096, 1000, **m),
    )
    _check_against_torch(torch, ALEXNET, model, device="meta")


@pytest.mark.torch
def test_vgg16_matches_torch(torch):
    nn, m = torch.nn, {"device": "meta"}
    layers, c = [], 3
    config_d = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"] + [
        512,
        512,
        512,
        "M",
    ] * 2
    for v in config_d:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1, **m), nn.ReLU()]
            c = v
    model = nn.Sequential(
        *layers,
        nn.AdaptiveAvgPool2d(7),
        nn.Flatten(),
        nn.Linear(25088, 4096, **m),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(4096, 4096, **m),
        nn.ReLU(),
        nn.Dropout(),
        nn.Linear(4096, 1000, **m),
    )
    _check_against_torch(torch, VGG16, model, device="meta")


@pytest.mark.torch
@given(
    h=st.integers(3, 12),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    p=st.integers(0, 1),
    pool=st.integers(1, 2),
    pool_stride=st.integers(1, 2),
)
def test_spec_arithmetic_matches_torch_forward(torch, h, k, s, p, pool, pool_stride):
    nn = torch.nn
    specs = [
        ConvSpec(2, k, stride=s, padding=p),
        AvgPoolSpec(pool, stride=pool_stride),
        FlattenSpec(),
        DenseSpec(3),
    ]
    model = [
        nn.Conv2d(1, 2, k, stride=s, padding=p),
        nn.AvgPool2d(pool, stride=pool_stride),
        nn.Flatten(),
    ]
    try:
        rows = summarize((1, h, h + 1), specs)
    except ValueError:
        with pytest.raises(RuntimeError):  # torch refuses the same stack
            _torch_rows(torch, model, (1, h, h + 1))
        return
    model.append(nn.Linear(rows[2].output_shape[0], 3))
    assert [(r.params, r.output_shape) for r in rows] == _torch_rows(
        torch, model, (1, h, h + 1)
    )

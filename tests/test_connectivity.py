"""Conv as a matrix (vs scipy.signal and a naive loop) and receptive fields (closed form
vs trial)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd
from convdoc.connectivity import (
    conv_matrix,
    receptive_field,
    receptive_field_by_perturbation,
)


def scipy_correlate(x, k, stride=(1, 1), padding=(0, 0)):
    """Strided, zero-padded cross-correlation from scipy's stride-1 "valid" one."""
    padded = np.pad(x.astype(np.float64), [(padding[0],) * 2, (padding[1],) * 2])
    return scipy.signal.correlate2d(padded, k, mode="valid")[:: stride[0], :: stride[1]]


# ---- conv_matrix
# --------------------------------------------------------------------------------------
def test_the_notes_6x6_image_with_a_3x3_kernel():
    kernel = np.arange(1, 10).reshape(3, 3)
    m = conv_matrix(kernel, (6, 6))
    assert m.shape == (16, 36)
    assert ((m != 0).sum(axis=1) == 9).all()  # sparsity: 9 of 36 inputs per output
    # Sharing.
    np.testing.assert_array_equal(
        np.sort(m, axis=1)[:, -9:], np.tile(np.arange(1, 10), (16, 1))
    )
    assert np.count_nonzero(m) == 144 and len(np.unique(m[m != 0])) == 9


def test_hand_matrix_with_stride_and_padding():
    # 3×3 input, 2×2 kernel of ones, padding 1, stride 2: outputs at padded corners
    # (0,0),(0,2),(2,0),(2,2)
    m = conv_matrix(np.ones((2, 2)), (3, 3), stride=2, padding=1)
    expected = np.array(
        [
            [1, 0, 0, 0, 0, 0, 0, 0, 0],  # sees only input (0, 0); the rest is padding
            [0, 1, 1, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 1, 0, 0, 1, 0, 0],
            [0, 0, 0, 0, 1, 1, 0, 1, 1],
        ]
    )
    np.testing.assert_array_equal(m, expected)


@pytest.mark.parametrize(
    ("shape", "kshape", "stride", "padding"),
    [
        ((6, 6), (3, 3), 1, 0),
        ((5, 7), (2, 3), 1, 0),
        ((7, 5), (3, 2), (2, 1), 0),
        ((6, 6), (3, 3), 2, 1),
        ((4, 6), (5, 1), 1, (1, 0)),
        ((1, 1), (1, 1), 1, 0),
        ((3, 3), (3, 3), 3, 2),
    ],
)
def test_matches_scipy(rng, shape, kshape, stride, padding):
    x, k = rng.standard_normal(shape), rng.standard_normal(kshape)
    s, p = (
        (stride, stride) if isinstance(stride, int) else stride,
        (padding, padding) if isinstance(padding, int) else padding,
    )
    expected = scipy_correlate(x, k, s, p)
    m = conv_matrix(k, shape, stride=stride, padding=padding)
    assert m.shape == (expected.size, x.size)
    np.testing.assert_allclose(m @ x.ravel(), expected.ravel(), rtol=1e-12, atol=1e-12)


@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    s=st.integers(1, 3),
    p=st.integers(0, 2),
)
def test_matches_a_naive_loop(h, w, kh, kw, s, p):
    if kh > h + 2 * p or kw > w + 2 * p:
        with pytest.raises(ValueError, match="`kernel` must fit the padded input"):
            conv_matrix(np.ones((kh, kw)), (h, w), stride=s, padding=p)
        return
    k = np.arange(1, kh * kw + 1, dtype=float).reshape(kh, kw)
    m = conv_matrix(k, (h, w), stride=s, padding=p)
    ho, wo = (h + 2 * p - kh) // s + 1, (w + 2 * p - kw) // s + 1
    naive = np.zeros((ho * wo, h * w))
    for r in range(ho):
        for c in range(wo):
            for i in range(kh):
                for j in range(kw):
                    row, col = r * s + i - p, c * s + j - p
                    if 0 <= row < h and 0 <= col < w:
                        naive[r * wo + c, row * w + col] = k[i, j]
    np.testing.assert_array_equal(m, naive)


def test_dtype_follows_the_kernel():
    assert conv_matrix(np.ones((2, 2), np.float32), (3, 3)).dtype == np.float32
    assert conv_matrix(np.ones((2, 2), np.int64), (3, 3)).dtype == np.float64
    # A square input_shape may be an int.
    assert conv_matrix(np.ones((2, 2)), 3).shape == (
        4,
        9,
    )


def test_matches_convdoc_correlate2d(rng):
    if not hasattr(cd, "correlate2d"):
        pytest.skip(
            "convdoc.correlate2d is not written yet (convolution.py is a placeholder)"
        )
    x, k = rng.standard_normal((7, 6)), rng.standard_normal((3, 2))
    for stride, padding in [(1, 0), (2, 1), ((1, 2), (0, 1))]:
        m = conv_matrix(k, x.shape, stride=stride, padding=padding)
        np.testing.assert_allclose(
            m @ x.ravel(),
            cd.correlate2d(x, k, stride=stride, padding=padding).ravel(),
            rtol=1e-12,
            atol=1e-12,
        )


# ---- receptive fields
# -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ([], (1, 1, 0)),
        ([(3, 1, 1)], (3, 1, 0)),
        ([(3, 1, 1)] * 2, (5, 1, 0)),
        ([(3, 1, 1)] * 3, (7, 1, 0)),
        ([(3, 2, 1), (3, 1, 1)], (7, 2, 0)),  # 3 + 2·2
        ([(2, 2), (2, 2), (2, 2)], (8, 8, 0)),  # dilation omitted: three 2×2 poolings
        ([(3, 1, 2)], (5, 1, 0)),  # a dilated 3×3 spans 5
        ([(3, 1, 1), (3, 1, 2), (3, 1, 4)], (15, 1, 0)),  # 1 + 2 + 4 + 8
        (
            [(3, 1, 1, 1), (3, 1, 1, 1)],
            (5, 1, -2),
        ),  # "same" padding: starts 2 pixels out
        (
            [(11, 4, 1, 2), (3, 2, 1, 0), (5, 1, 1, 2)],
            (51, 8, -18),
        ),  # AlexNet conv1, pool1, conv2
    ],
)
def test_receptive_field_by_hand(layers, expected):
    assert receptive_field(layers) == expected


def _strided_stack(kernels, layers):
    """Linear forward pass from scipy: valid correlations with dilation, stride and
    padding."""

    def forward(x):
        for k, (_, s, d, p) in zip(kernels, layers, strict=True):
            dilated = np.zeros((d * (k.shape[0] - 1) + 1,) * 2)
            dilated[::d, ::d] = k
            x = scipy_correlate(x, dilated, (s, s), (p, p))
        return x

    return forward


@pytest.mark.parametrize(
    "layers",
    [
        [(3, 1, 1, 0)] * 2,
        [(3, 2, 1, 0), (3, 1, 1, 0)],
        [(2, 2, 1, 0), (3, 1, 1, 1), (3, 2, 1, 1)],
        [(3, 1, 2, 0), (2, 1, 1, 0)],
    ],
)
def test_closed_form_matches_perturbation(rng, layers):
    # Positive: no exact cancellation.
    kernels = [rng.uniform(0.5, 1.5, (k, k)) for k, *_ in layers]
    forward = _strided_stack(kernels, layers)
    size, jump, start = receptive_field(layers)
    h = 13
    out = forward(np.zeros((h, h)))
    for o in {0, out.shape[0] // 2, out.shape[0] - 1}:
        mask = receptive_field_by_perturbation(forward, (h, h), (o, o))
        rows = np.flatnonzero(mask.any(axis=1))
        first, last = start + o * jump, start + o * jump + size - 1
        assert rows.min() == max(first, 0)
        if last < h:
            assert rows.max() == last
        else:  # clipped: floor rounding may drop trailing rows before the image's edge
            assert rows.max() <= h - 1
        if all(d == 1 for _, _, d, _ in layers):  # no dilation: the whole square
            assert mask.sum() == (rows.max() - rows.min() + 1) ** 2


def test_perturbation_with_convdoc_conv2d(rng):
    if not hasattr(cd, "conv2d"):
        pytest.skip(
            "convdoc.conv2d is not written yet (convolution.py is a placeholder)"
        )
    w1, w2 = rng.uniform(0.5, 1.5, (1, 1, 3, 3)), rng.uniform(0.5, 1.5, (1, 1, 3, 3))

    def forward(x):
        return cd.conv2d(cd.conv2d(x, w1, stride=2), w2, dilation=2)

    size, jump, start = receptive_field([(3, 2, 1), (3, 1, 2)])
    assert (size, jump, start) == (11, 2, 0)
    mask = receptive_field_by_perturbation(forward, (1, 1, 15, 15), (0, 0, 1, 0))
    rows, cols = (
        np.flatnonzero(mask[0, 0].any(axis=1)),
        np.flatnonzero(mask[0, 0].any(axis=0)),
    )
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (2, 12, 0, 10)


def test_perturbation_sees_relu_and_one_dimensional_outputs():
    def forward(x):  # a tiny dense layer: output i depends on inputs i and i + 1
        return np.maximum(x[:-1] + x[1:], 0)

    mask = receptive_field_by_perturbation(forward, [5], 2)
    np.testing.assert_array_equal(mask, [False, False, True, True, False])


# ---- bad input
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: conv_matrix(np.ones(3), (4, 4)),
            ValueError,
            r"`kernel` must be 2-D with shape \(KH, KW\); got shape \(3,\)",
        ),
        (
            lambda: conv_matrix(np.ones((5, 2)), (4, 4)),
            ValueError,
            r"`kernel` must fit the padded input 4×4.*got shape \(5, 2\)",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2), bool), (4, 4)),
            TypeError,
            "`kernel` must be numeric, not boolean",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2)), (0, 4)),
            ValueError,
            "`input_shape` must be positive",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2)), (4, 4, 1)),
            ValueError,
            "`input_shape` must be an int or a pair",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2)), (4, 4), stride=0),
            ValueError,
            "`stride` must be positive",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2)), (4, 4), stride=1.5),
            TypeError,
            "`stride`",
        ),
        (
            lambda: conv_matrix(np.ones((2, 2)), (4, 4), padding=-1),
            ValueError,
            "`padding` must be >= 0",
        ),
        (
            lambda: receptive_field([(3,)]),
            ValueError,
            r"`layers\[0\]` must be a tuple \(kernel, stride",
        ),
        (lambda: receptive_field([(3, 1, 1), 3]), ValueError, r"`layers\[1\]`"),
        (
            lambda: receptive_field([(3, 1.0, 1)]),
            TypeError,
            r"`layers\[0\]` must hold ints",
        ),
        (
            lambda: receptive_field([(3, True)]),
            TypeError,
            r"`layers\[0\]` must hold ints",
        ),
        (
            lambda: receptive_field([(0, 1, 1)]),
            ValueError,
            r"`layers\[0\]`: kernel must be positive",
        ),
        (lambda: receptive_field([(3, 1, 0)]), ValueError, "dilation must be positive"),
        (lambda: receptive_field([(3, 1, 1, -1)]), ValueError, "padding must be >= 0"),
        (
            lambda: receptive_field_by_perturbation("f", (3, 3), (0, 0)),
            TypeError,
            "`forward` must be callable; got str",
        ),
        (
            lambda: receptive_field_by_perturbation(np.sin, (3, 0), (0, 0)),
            ValueError,
            "`input_shape`",
        ),
        (
            lambda: receptive_field_by_perturbation(np.sin, 9, 0),
            ValueError,
            "`input_shape` must be a non-empty tuple",
        ),
        (
            lambda: receptive_field_by_perturbation(np.sin, (3, 3), (3, 0)),
            ValueError,
            r"`out_index` must index the output of shape \(3, 3\); got \(3, 0\)",
        ),
        (
            lambda: receptive_field_by_perturbation(np.sin, (3, 3), 1),
            ValueError,
            r"`out_index` must select one element.*selects shape \(3,\)",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

"""Shifts (hand arrays, a naive loop, np.roll) and equivariance of convolutions (scipy,
convdoc)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd
from convdoc.translation import equivariance_error, shift

X = np.arange(1, 10).reshape(3, 3)  # [[1 2 3] [4 5 6] [7 8 9]]


# ---- shift
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rows", "cols", "expected"),
    [
        (0, 0, [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        (1, 0, [[0, 0, 0], [1, 2, 3], [4, 5, 6]]),  # down
        (-1, 0, [[4, 5, 6], [7, 8, 9], [0, 0, 0]]),  # up
        (0, 1, [[0, 1, 2], [0, 4, 5], [0, 7, 8]]),  # right
        (0, -2, [[3, 0, 0], [6, 0, 0], [9, 0, 0]]),  # left by 2
        (-1, 1, [[0, 4, 5], [0, 7, 8], [0, 0, 0]]),
        (3, 0, [[0, 0, 0]] * 3),  # everything shifted out
        (0, -7, [[0, 0, 0]] * 3),
    ],
)
def test_zero_shift_by_hand(rows, cols, expected):
    np.testing.assert_array_equal(shift(X, rows, cols), expected)


@pytest.mark.parametrize(
    ("rows", "cols", "expected"),
    [
        (1, 0, [[7, 8, 9], [1, 2, 3], [4, 5, 6]]),
        (0, -1, [[2, 3, 1], [5, 6, 4], [8, 9, 7]]),
        (4, 3, [[7, 8, 9], [1, 2, 3], [4, 5, 6]]),  # full turns wrap around
    ],
)
def test_circular_shift_by_hand(rows, cols, expected):
    np.testing.assert_array_equal(shift(X, rows, cols, mode="circular"), expected)


@given(
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    rows=st.integers(-6, 6),
    cols=st.integers(-6, 6),
    lead=st.sampled_from([(), (2,), (2, 3)]),
)
def test_zero_shift_matches_a_naive_loop(h, w, rows, cols, lead):
    x = (
        np.arange(np.prod(lead, dtype=int) * h * w, dtype=float).reshape(*lead, h, w)
        + 1
    )
    expected = np.zeros_like(x)
    for r in range(h):
        for c in range(w):
            if 0 <= r - rows < h and 0 <= c - cols < w:
                expected[..., r, c] = x[..., r - rows, c - cols]
    np.testing.assert_array_equal(shift(x, rows, cols), expected)


@given(
    h=st.integers(1, 5),
    w=st.integers(1, 5),
    rows=st.integers(-9, 9),
    cols=st.integers(-9, 9),
)
def test_circular_shift_is_invertible_and_zero_shift_loses_the_border(h, w, rows, cols):
    x = np.arange(2 * h * w, dtype=float).reshape(2, h, w) + 1
    np.testing.assert_array_equal(
        shift(shift(x, rows, cols, mode="circular"), -rows, -cols, mode="circular"), x
    )
    back = shift(shift(x, rows, cols), -rows, -cols)
    kept = max(h - abs(rows), 0) * max(w - abs(cols), 0)
    assert np.count_nonzero(back) == 2 * kept
    np.testing.assert_array_equal(back[back != 0], x[back != 0])


def test_shift_dtype_and_batch_axes():
    assert shift(np.ones((2, 2), np.float32), 1, 0).dtype == np.float32
    assert shift(np.ones((2, 2), np.uint8), 1, 0).dtype == np.float64
    x = np.arange(24.0).reshape(2, 3, 2, 2)
    y = shift(x, 0, 1)
    np.testing.assert_array_equal(y[..., 1], x[..., 0])
    np.testing.assert_array_equal(y[..., 0], 0)
    # Numpy ints are ints.
    assert shift(np.int64(3) * np.ones((2, 2)), np.int64(1), 0)[1, 0] == 3


# ---- equivariance
# --------------------------------------------------------------------------------------
def circular_conv(k):
    return lambda x: scipy.signal.correlate2d(x, k, mode="same", boundary="wrap")


def zero_padded_conv(k):
    return lambda x: scipy.signal.correlate2d(x, k, mode="same", boundary="fill")


@pytest.mark.parametrize(("rows", "cols"), [(0, 0), (1, 2), (-3, 1), (5, -4)])
def test_circular_conv_is_equivariant_to_circular_shifts(rng, rows, cols):
    x, k = rng.standard_normal((8, 9)), rng.standard_normal((3, 3))
    assert equivariance_error(circular_conv(k), x, rows, cols, mode="circular") < 1e-12


def test_zero_padded_conv_differs_only_near_the_border(rng):
    x, k = rng.uniform(1, 2, (10, 10)), rng.uniform(1, 2, (3, 3))
    f = zero_padded_conv(k)
    assert equivariance_error(f, x, 2, 1) > 0.5
    # The shifted-in zeros still show in row 1.
    assert equivariance_error(f, x, 2, 1, crop=1) > 0.5
    assert equivariance_error(f, x, 2, 1, crop=3) < 1e-12  # |shift| + kernel radius
    assert equivariance_error(f, x, 0, 0) == 0.0


def test_a_position_dependent_map_is_not_equivariant():
    ramp = np.arange(6.0)

    def weigh_columns(x):
        return x * ramp

    x = np.ones((6, 6))
    assert equivariance_error(weigh_columns, x, 0, 1, mode="circular") == 5.0
    assert equivariance_error(weigh_columns, x, 0, 1, crop=2) == 1.0


def test_equivariance_of_convdoc_conv2d_with_circular_padding(rng):
    if not hasattr(cd, "conv2d"):
        pytest.skip(
            "convdoc.conv2d is not written yet (convolution.py is a placeholder)"
        )
    w = rng.standard_normal((2, 3, 3, 3))

    def f(x):  # circular padding by hand, then a "valid" conv: same size, wraps around
        return cd.conv2d(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)], mode="wrap"), w)

    x = rng.standard_normal((1, 3, 12, 12))
    assert equivariance_error(f, x, 2, -3, mode="circular") < 1e-12
    assert equivariance_error(f, x, 2, -3, mode="zero") > 0.1
    assert equivariance_error(f, x, 2, -3, mode="zero", crop=4) < 1e-12


# ---- bad input
# --------------------------------------------------------------------------------------
def identity(x):
    return x


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (
            lambda: shift(X, 1, 0, mode="reflect"),
            ValueError,
            "`mode` must be one of 'zero', 'circular'; got 'reflect'",
        ),
        (lambda: shift(X, 1.5, 0), TypeError, "`rows` must be an int"),
        (lambda: shift(X, 0, True), TypeError, "`cols` must be an int"),
        (lambda: shift(X, None, 0), TypeError, "`rows`"),
        (
            lambda: shift(np.arange(3), 1, 0),
            ValueError,
            r"`x` must have at least 2 dimensions.*got shape \(3,\)",
        ),
        (lambda: shift(np.ones((2, 2), complex), 1, 0), TypeError, "`x` must be real"),
        (lambda: shift(np.ones((0, 2)), 1, 0), ValueError, "`x` must not be empty"),
        (
            lambda: equivariance_error("f", X, 1, 0),
            TypeError,
            "`f` must be callable; got str",
        ),
        (
            lambda: equivariance_error(identity, X, 1, 0, crop=-1),
            ValueError,
            "`crop` must be >= 0; got -1",
        ),
        (
            lambda: equivariance_error(identity, X, 1, 0, crop=2),
            ValueError,
            "`crop` must leave part of the 3×3 output",
        ),
        (
            lambda: equivariance_error(identity, X, 1, 0, crop=1.0),
            TypeError,
            "`crop` must be an int",
        ),
        (
            lambda: equivariance_error(identity, X, 1, 0, mode="wrap"),
            ValueError,
            "`mode` must be one of",
        ),
        (
            lambda: equivariance_error(np.sum, X, 1, 0),
            ValueError,
            "`f` must return an array with at least 2 dimensions",
        ),
        (
            lambda: equivariance_error(lambda x: x[x[:, 0] > 0], X, 1, 0),
            ValueError,
            "`f` must give outputs of one shape",
        ),
    ],
)
def test_bad_input_is_refused_clearly(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

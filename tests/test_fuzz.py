"""Bad input, fuzzed: random shapes, dtypes and arguments through the public functions.

Each call must either return the right answer (checked against an independent reference) or
raise ``ValueError``/``TypeError`` with a message naming the argument in backticks: never
another exception, and never a silently wrong shape.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd

VALID_DTYPES = (np.float32, np.float64, np.int64, np.uint8)
BAD_DTYPES = (np.bool_, np.complex128, np.str_)
SMALL_PAIRS = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))
BAD_ARGS = st.sampled_from([0, -1, 1.5, None, "2", (1, 2, 3), (1, 0), True])


def values(shape, dtype):
    """Deterministic, varied small integers in the given shape and dtype."""
    v = (np.arange(int(np.prod(shape)), dtype=np.int64) * 37 % 11 - 5).reshape(shape)
    if dtype is np.uint8:
        v = v + 5
    return v.astype(dtype)


@st.composite
def arrays(draw, min_ndim=0, max_ndim=5, max_side=6):
    """Anything: any rank (0-5), any side (0 included), valid or invalid dtype."""
    ndim = draw(st.integers(min_ndim, max_ndim))
    shape = tuple(draw(st.lists(st.integers(0, max_side), min_size=ndim, max_size=ndim)))
    return values(shape, draw(st.sampled_from(VALID_DTYPES + BAD_DTYPES)))


@st.composite
def corrupt(draw, arr):
    """Half the time the array as it is; otherwise one defect: dtype, rank or an empty axis."""
    how = draw(st.sampled_from(["none", "none", "none", "dtype", "rank", "empty"]))
    if how == "dtype":
        return values(arr.shape, draw(st.sampled_from(BAD_DTYPES)))
    if how == "rank":
        return arr.reshape((*arr.shape[:-2], -1)) if arr.ndim >= 2 else arr[None, None]
    if how == "empty":
        return arr[..., :0]
    return arr


@st.composite
def conv_cases(draw):
    """A mostly valid conv2d call (random geometry and dtypes), sometimes with one defect."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, wd = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = values((n, c, h, wd), draw(st.sampled_from(VALID_DTYPES)))
    w = values((f, draw(st.sampled_from([c, c, c, c + 1])), kh, kw), draw(st.sampled_from(VALID_DTYPES)))
    kwargs = {"stride": draw(SMALL_PAIRS), "padding": draw(st.one_of(st.integers(0, 2), st.tuples(
        st.integers(0, 2), st.integers(0, 2)))), "dilation": draw(SMALL_PAIRS)}
    if draw(st.booleans()):
        kwargs[draw(st.sampled_from(sorted(kwargs)))] = draw(BAD_ARGS)
    return draw(corrupt(x)), draw(corrupt(w)), kwargs


def _is_clear(exc: Exception) -> bool:
    return "`" in str(exc) and len(str(exc)) > 20


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def naive_conv2d(x, w, stride, padding, dilation):
    """Six nested loops straight from the definition (torch's conv2d semantics)."""
    (sr, sc), (pr, pc), (dr, dc) = _pair(stride), _pair(padding), _pair(dilation)
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pr, pr), (pc, pc)))
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    ho = (h - dr * (kh - 1) - 1) // sr + 1
    wo = (wd - dc * (kw - 1) - 1) // sc + 1
    y = np.zeros((n, f, ho, wo))
    for r in range(ho):
        for col in range(wo):
            for i in range(kh):
                for j in range(kw):
                    patch = x[:, :, r * sr + i * dr, col * sc + j * dc]  # (N, C)
                    y[:, :, r, col] += patch @ w[:, :, i, j].T.astype(np.float64)
    return y


@given(case=conv_cases())
def test_conv2d_is_right_or_raises_clearly(case):
    x, w, kwargs = case
    stride, padding, dilation = kwargs["stride"], kwargs["padding"], kwargs["dilation"]
    try:
        y = cd.conv2d(x, w, **kwargs)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        return
    assert x.dtype.type in VALID_DTYPES and w.dtype.type in VALID_DTYPES
    expected = naive_conv2d(x, w, stride, padding, dilation)
    assert y.shape == expected.shape
    assert y.dtype == (np.float32 if x.dtype == w.dtype == np.float32 else np.float64)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-4)


@given(case=conv_cases())
def test_correlate2d_is_right_or_raises_clearly(case):
    x, w, kwargs = case
    image, kernel = x[0, 0] if x.ndim == 4 else x, w[0, 0] if w.ndim == 4 else w
    stride, padding = kwargs["stride"], kwargs["padding"]
    try:
        y = cd.correlate2d(image, kernel, stride=stride, padding=padding)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        return
    (sr, sc), (pr, pc) = _pair(stride), _pair(padding)
    padded = np.pad(image.astype(np.float64), ((pr, pr), (pc, pc)))
    expected = scipy.signal.correlate2d(padded, kernel.astype(np.float64), mode="valid")[::sr, ::sc]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-4)


@given(case=conv_cases(), size=st.one_of(SMALL_PAIRS, BAD_ARGS), stride=st.one_of(st.none(), SMALL_PAIRS))
def test_max_pool2d_is_right_or_raises_clearly(case, size, stride):
    x = case[0]
    try:
        y = cd.max_pool2d(x, size, stride=stride)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        return
    (kr, kc) = _pair(size)
    (sr, sc) = _pair(stride) if stride is not None else (kr, kc)
    n, c, h, w = x.shape
    ho, wo = (h - kr) // sr + 1, (w - kc) // sc + 1
    expected = np.empty((n, c, ho, wo))
    for r in range(ho):
        for col in range(wo):
            expected[:, :, r, col] = x[:, :, r * sr:r * sr + kr, col * sc:col * sc + kc].max(axis=(2, 3))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected)


@st.composite
def dense_cases(draw):
    n, d_in, d_out = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    x = values((n, d_in), draw(st.sampled_from(VALID_DTYPES)))
    w = values((d_out, draw(st.sampled_from([d_in, d_in, d_in + 1]))), draw(st.sampled_from(VALID_DTYPES)))
    return draw(st.one_of(corrupt(x), arrays(max_ndim=3))), draw(corrupt(w))


@given(case=dense_cases(), with_bias=st.booleans())
def test_dense_is_right_or_raises_clearly(case, with_bias):
    x, w = case
    b = np.ones(w.shape[0]) if (with_bias and w.ndim >= 1) else None
    try:
        y = cd.dense(x, w, b)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        return
    expected = x.astype(np.float64) @ w.astype(np.float64).T + (0 if b is None else b)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-6)


@given(x=arrays(min_ndim=2, max_ndim=4), rows=st.one_of(st.integers(-7, 7), st.sampled_from([1.5, None])),
       cols=st.integers(-7, 7), mode=st.sampled_from(["zero", "circular", "reflect"]))
def test_shift_is_right_or_raises_clearly(x, rows, cols, mode):
    try:
        y = cd.shift(x, rows, cols, mode=mode)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        return
    assert y.shape == x.shape
    if mode == "circular":
        np.testing.assert_array_equal(y, np.roll(x, (rows, cols), axis=(-2, -1)))
    else:
        h, w = x.shape[-2:]
        expected = np.zeros_like(y)
        for r in range(h):
            for c in range(w):
                if 0 <= r - rows < h and 0 <= c - cols < w:
                    expected[..., r, c] = x[..., r - rows, c - cols]
        np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("bad", [np.array([[1 + 2j]]), np.array([["a"]]), [[1, 2], [3]], np.zeros((0, 3))])
def test_conv_matrix_rejects_bad_kernels_clearly(bad):
    with pytest.raises((ValueError, TypeError), match="`kernel`"):
        cd.conv_matrix(bad, (4, 4))

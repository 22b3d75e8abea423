"""Bad input, fuzzed: random shapes, dtypes and arguments through the public functions.

Two-sided: each test first decides, from the documented rules alone, whether its call is
valid. A valid call must return the right answer (checked against an independent
reference) and must not raise; an invalid call must raise ``ValueError``/``TypeError``
with a message naming the argument in backticks. ``tests/test_mutation.py`` proves that
these tests fail for a function that always raises, or always returns zeros.
"""

from __future__ import annotations

import itertools
import numbers

import numpy as np
import pytest
import scipy.signal
import scipy.special
from _reference import naive_conv2d
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd

VALID_DTYPES = (np.float32, np.float64, np.int64, np.uint8)
BAD_DTYPES = (np.bool_, np.complex128, np.str_)
SMALL_PAIRS = st.one_of(
    st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))
)
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
    shape = tuple(
        draw(st.lists(st.integers(0, max_side), min_size=ndim, max_size=ndim))
    )
    return values(shape, draw(st.sampled_from(VALID_DTYPES + BAD_DTYPES)))


@st.composite
def corrupt(draw, arr):
    """Half the time the array as it is; otherwise one defect: dtype, rank or an empty
    axis."""
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
    """A mostly valid conv2d call (random geometry and dtypes), sometimes with one
    defect."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, wd = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = values((n, c, h, wd), draw(st.sampled_from(VALID_DTYPES)))
    w = values(
        (f, draw(st.sampled_from([c, c, c, c + 1])), kh, kw),
        draw(st.sampled_from(VALID_DTYPES)),
    )
    kwargs = {
        "stride": draw(SMALL_PAIRS),
        "padding": draw(
            st.one_of(
                st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2))
            )
        ),
        "dilation": draw(SMALL_PAIRS),
    }
    if draw(st.booleans()):
        kwargs[draw(st.sampled_from(sorted(kwargs)))] = draw(BAD_ARGS)
    return draw(corrupt(x)), draw(corrupt(w)), kwargs


def _is_clear(exc: Exception) -> bool:
    return "`" in str(exc) and len(str(exc)) > 20


def call_or_refuse(valid, f, *args, **kwargs):
    """Two-sided: a `valid` call must return (its result is returned, to be checked); an
    invalid one must raise a clear ValueError/TypeError (None is returned)."""
    if valid:
        # Any exception here fails the test: a valid call was refused.
        return f(*args, **kwargs)
    with pytest.raises((ValueError, TypeError)) as info:
        f(*args, **kwargs)
    assert _is_clear(info.value), str(info.value)
    return None


def real(a, ndim=None):
    """``a`` as an array if it is a non-empty real numeric array (of rank `ndim`), else
    None."""
    try:
        arr = np.asarray(a)
    except ValueError:  # ragged
        return None
    ok = arr.dtype.kind in "iuf" and arr.size > 0 and (ndim is None or arr.ndim == ndim)
    return arr if ok else None


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))


def _valid_pair(v, minimum):
    """``v`` as (rows, columns) of Python ints if it is an int or a pair of ints >=
    ``minimum``; else None."""
    items = tuple(v) if isinstance(v, (tuple, list)) else (v, v)
    return (
        tuple(map(int, items))
        if len(items) == 2 and all(_is_int(i) and i >= minimum for i in items)
        else None
    )


def output_hw(hw, khw, stride=1, padding=0, dilation=1):
    """(H_out, W_out) by torch's formula; <= 0 when the kernel does not fit the padded
    input."""
    (h, w), (kh, kw), (sr, sc), (pr, pc), (dr, dc) = (
        hw,
        khw,
        _pair(stride),
        _pair(padding),
        _pair(dilation),
    )
    return (h + 2 * pr - dr * (kh - 1) - 1) // sr + 1, (
        w + 2 * pc - dc * (kw - 1) - 1
    ) // sc + 1


@st.composite
def one_defect(draw, valid, defects):
    """The ``valid`` call's arguments (a dict), or the same with one replaced by a draw
    from ``defects``."""
    args = dict(valid)
    name = draw(st.sampled_from([None, None, None, *sorted(defects)]))
    if name is not None:
        args[name] = draw(defects[name])
    return args


def misshapen(arr):
    """``arr`` with one column too many, or `corrupt`."""
    return st.one_of(
        st.just(values((*arr.shape[:-1], arr.shape[-1] + 1), arr.dtype.type)),
        corrupt(arr),
    )


def probe(shape, seed):
    """Random integers in [-1000, 1000]: inner products with small-integer data stay
    exact in float64."""
    return (
        np.random.default_rng(seed).integers(-1000, 1001, size=shape).astype(np.float64)
    )


def assert_bilinear_grads(f, x, w, dy, dx, dw):
    """``dx``, ``dw`` are the gradients of a bilinear ``y = f(x, w)`` against ``dy``.

    Adjoint identities, for any probes u and v: <f(u, w), dy> = <u, dx> and <f(x, v),
    dy> = <v, dw>. (Each side also equals <f(x, w), dy>: not their sum, since f is
    linear in each argument.)
    """
    u, v = probe(x.shape, 1), probe(w.shape, 2)
    fu = f(u, w)
    assert fu.shape == dy.shape
    np.testing.assert_allclose(np.vdot(fu, dy), np.vdot(u, dx), rtol=1e-12)
    np.testing.assert_allclose(np.vdot(f(x, v), dy), np.vdot(v, dw), rtol=1e-12)


def _float_type(*arrays):
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


def conv_is_valid(x, w, stride, padding, dilation, ndim=4):
    """The documented rules: real non-empty arrays of rank `ndim`, matching channels,
    int (pairs) of stride >= 1, padding >= 0, dilation >= 1, a kernel that fits the
    padded input."""
    x, w = real(x, ndim), real(w, ndim)
    pairs = _valid_pair(stride, 1), _valid_pair(padding, 0), _valid_pair(dilation, 1)
    if (
        x is None
        or w is None
        or None in pairs
        or (ndim == 4 and w.shape[1] != x.shape[1])
    ):
        return False
    return min(output_hw(x.shape[-2:], w.shape[-2:], *pairs)) >= 1


@given(case=conv_cases())
def test_conv2d_is_right_or_raises_clearly(case):
    x, w, kwargs = case
    stride, padding, dilation = kwargs["stride"], kwargs["padding"], kwargs["dilation"]
    y = call_or_refuse(
        conv_is_valid(x, w, stride, padding, dilation), cd.conv2d, x, w, **kwargs
    )
    if y is None:
        return
    assert x.dtype.type in VALID_DTYPES and w.dtype.type in VALID_DTYPES
    expected = naive_conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    assert y.shape == expected.shape
    assert y.dtype == (np.float32 if x.dtype == w.dtype == np.float32 else np.float64)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-4)


@given(case=conv_cases())
def test_correlate2d_is_right_or_raises_clearly(case):
    x, w, kwargs = case
    image, kernel = x[0, 0] if x.ndim == 4 else x, w[0, 0] if w.ndim == 4 else w
    stride, padding = kwargs["stride"], kwargs["padding"]
    y = call_or_refuse(
        conv_is_valid(image, kernel, stride, padding, 1, ndim=2),
        cd.correlate2d,
        image,
        kernel,
        stride=stride,
        padding=padding,
    )
    if y is None:
        return
    (sr, sc), (pr, pc) = _pair(stride), _pair(padding)
    padded = np.pad(image.astype(np.float64), ((pr, pr), (pc, pc)))
    expected = scipy.signal.correlate2d(
        padded, kernel.astype(np.float64), mode="valid"
    )[::sr, ::sc]
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-4)


@given(
    case=conv_cases(),
    size=st.one_of(SMALL_PAIRS, BAD_ARGS),
    stride=st.one_of(st.none(), SMALL_PAIRS),
)
def test_max_pool2d_is_right_or_raises_clearly(case, size, stride):
    x = case[0]
    valid = (
        real(x, 4) is not None
        and _valid_pool_args(size, stride, 0)
        and min(output_hw(x.shape[2:], _pair(size), size if stride is None else stride))
        >= 1
    )
    y = call_or_refuse(valid, cd.max_pool2d, x, size, stride=stride)
    if y is None:
        return
    (kr, kc) = _pair(size)
    (sr, sc) = _pair(stride) if stride is not None else (kr, kc)
    n, c, h, w = x.shape
    ho, wo = (h - kr) // sr + 1, (w - kc) // sc + 1
    expected = np.empty((n, c, ho, wo))
    for r in range(ho):
        for col in range(wo):
            expected[:, :, r, col] = x[
                :, :, r * sr : r * sr + kr, col * sc : col * sc + kc
            ].max(axis=(2, 3))
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected)


@st.composite
def dense_cases(draw):
    n, d_in, d_out = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
    )
    x = values((n, d_in), draw(st.sampled_from(VALID_DTYPES)))
    w = values(
        (d_out, draw(st.sampled_from([d_in, d_in, d_in + 1]))),
        draw(st.sampled_from(VALID_DTYPES)),
    )
    return draw(st.one_of(corrupt(x), arrays(max_ndim=3))), draw(corrupt(w))


@given(case=dense_cases(), with_bias=st.booleans())
def test_dense_is_right_or_raises_clearly(case, with_bias):
    x, w = case
    b = np.ones(w.shape[0]) if (with_bias and w.ndim >= 1) else None
    valid = (
        real(x, 2) is not None and real(w, 2) is not None and w.shape[1] == x.shape[1]
    )
    y = call_or_refuse(valid, cd.dense, x, w, b)
    if y is None:
        return
    expected = x.astype(np.float64) @ w.astype(np.float64).T + (0 if b is None else b)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-6)


@given(
    x=arrays(min_ndim=2, max_ndim=4),
    rows=st.one_of(st.integers(-7, 7), st.sampled_from([1.5, None])),
    cols=st.integers(-7, 7),
    mode=st.sampled_from(["zero", "circular", "reflect"]),
)
def test_shift_is_right_or_raises_clearly(x, rows, cols, mode):
    valid = (
        real(x) is not None
        and x.ndim >= 2
        and _is_int(rows)
        and _is_int(cols)
        and mode in ("zero", "circular")
    )
    y = call_or_refuse(valid, cd.shift, x, rows, cols, mode=mode)
    if y is None:
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


@pytest.mark.parametrize(
    "bad", [np.array([[1 + 2j]]), np.array([["a"]]), [[1, 2], [3]], np.zeros((0, 3))]
)
def test_conv_matrix_rejects_bad_kernels_clearly(bad):
    with pytest.raises((ValueError, TypeError), match="`kernel`"):
        cd.conv_matrix(bad, (4, 4))


@st.composite
def conv_backward_cases(draw):
    """A valid conv2d_backward call (the kernel always fits), or the same with one
    defect."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, padding, dilation = (
        draw(SMALL_PAIRS),
        draw(st.integers(0, 2)),
        draw(SMALL_PAIRS),
    )
    spans = (d * (k - 1) + 1 for d, k in zip(_pair(dilation), (kh, kw), strict=True))
    h, wd = (max(1, span - 2 * padding + draw(st.integers(0, 4))) for span in spans)
    x = values((n, c, h, wd), draw(st.sampled_from(VALID_DTYPES)))
    w = values((f, c, kh, kw), draw(st.sampled_from(VALID_DTYPES)))
    dy = values(
        (n, f, *output_hw((h, wd), (kh, kw), stride, padding, dilation)),
        draw(st.sampled_from(VALID_DTYPES)),
    )
    return draw(
        one_defect(
            {
                "dy": dy,
                "x": x,
                "w": w,
                "stride": stride,
                "padding": padding,
                "dilation": dilation,
            },
            {
                "dy": misshapen(dy),
                "x": corrupt(x),
                "w": st.one_of(
                    corrupt(w), st.just(values((f, c + 1, kh, kw), w.dtype.type))
                ),
                "stride": BAD_ARGS,
                "padding": BAD_ARGS,
                "dilation": BAD_ARGS,
            },
        )
    )


def assert_backward_right_or_clear(backward, case, forward, bias_axes, valid):
    """``backward(**case)`` (dy, x, w -> dx, dw, db of a bilinear ``forward(x, w)``)
    raises a clear error if not `valid`, else returns gradients of the right shapes and
    dtype that pass the adjoint identities, with ``db`` the sum of ``dy`` over
    `bias_axes`."""
    dy, x, w = case["dy"], case["x"], case["w"]
    grads = call_or_refuse(valid, backward, **case)
    if grads is None:
        return
    dx, dw, db = grads
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == (w.shape[0],)
    assert dx.dtype == dw.dtype == db.dtype == _float_type(dy, x, w)
    assert_bilinear_grads(forward, x, w, dy, dx, dw)
    np.testing.assert_array_equal(db, dy.sum(axis=bias_axes))


@given(case=conv_backward_cases())
def test_conv2d_backward_is_right_or_raises_clearly(case):
    geometry = {k: case[k] for k in ("stride", "padding", "dilation")}
    x, w, dy = real(case["x"], 4), real(case["w"], 4), real(case["dy"], 4)
    valid = (
        conv_is_valid(x, w, **geometry)
        and dy is not None
        and dy.shape
        == (x.shape[0], w.shape[0], *output_hw(x.shape[2:], w.shape[2:], **geometry))
    )
    assert_backward_right_or_clear(
        cd.conv2d_backward,
        case,
        lambda a, b: naive_conv2d(a, b, **geometry),
        (0, 2, 3),
        valid,
    )


def naive_pool2d(kind, x, size, stride, padding, dy=None):
    """Pooling window by window (max pads with -inf, avg with zeros); with ``dy``, the
    gradient."""
    (kr, kc), (pr, pc) = _pair(size), _pair(padding)
    sr, sc = (kr, kc) if stride is None else _pair(stride)
    xp = np.pad(
        x.astype(np.float64),
        ((0, 0), (0, 0), (pr, pr), (pc, pc)),
        constant_values=-np.inf if kind == "max" else 0.0,
    )
    y = np.empty(
        (*x.shape[:2], (xp.shape[2] - kr) // sr + 1, (xp.shape[3] - kc) // sc + 1)
    )
    dxp = np.zeros(xp.shape)
    for n, c, r, col in itertools.product(*map(range, y.shape)):
        rows, cols = slice(r * sr, r * sr + kr), slice(col * sc, col * sc + kc)
        window = xp[n, c, rows, cols]
        y[n, c, r, col] = window.max() if kind == "max" else window.mean()
        if dy is not None and kind == "max":
            # The first maximum, row-major.
            i, j = np.unravel_index(np.argmax(window), window.shape)
            dxp[n, c, r * sr + i, col * sc + j] += dy[n, c, r, col]
        elif dy is not None:
            dxp[n, c, rows, cols] += dy[n, c, r, col] / (kr * kc)
    return y if dy is None else dxp[:, :, pr : pr + x.shape[2], pc : pc + x.shape[3]]


@st.composite
def pool_cases(draw):
    """A valid pooling call with its ``dy`` (the window always fits), or the same with
    one defect."""
    size, stride = draw(SMALL_PAIRS), draw(st.one_of(st.none(), SMALL_PAIRS))
    half = [k // 2 for k in _pair(size)]
    padding = draw(
        st.one_of(
            st.integers(0, min(half)),
            st.tuples(st.integers(0, half[0]), st.integers(0, half[1])),
        )
    )
    shape = (
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        *(
            max(1, k - 2 * p + draw(st.integers(0, 4)))
            for k, p in zip(_pair(size), _pair(padding), strict=True)
        ),
    )
    x = values(shape, draw(st.sampled_from(VALID_DTYPES)))
    dy = values(
        (
            *shape[:2],
            *output_hw(
                shape[2:], _pair(size), size if stride is None else stride, padding
            ),
        ),
        draw(st.sampled_from(VALID_DTYPES)),
    )
    too_much = tuple(k + 1 for k in half)  # torch refuses padding over half the window
    return draw(
        one_defect(
            {"x": x, "size": size, "stride": stride, "padding": padding, "dy": dy},
            {
                "x": corrupt(x),
                "size": BAD_ARGS,
                "stride": BAD_ARGS,
                "padding": st.one_of(BAD_ARGS, st.just(too_much)),
                "dy": misshapen(dy),
            },
        )
    )


def _valid_pool_args(size, stride, padding):
    window, pad = _valid_pair(size, 1), _valid_pair(padding, 0)
    # torch's rule: padding at most half the window, so every window holds a real pixel
    return (
        window
        and pad
        and (stride is None or _valid_pair(stride, 1))
        and all(2 * p <= k for p, k in zip(pad, window, strict=True))
    )


def pool_is_valid(case):
    """Real 4-D `x`, valid window, stride and padding (at most half the window), a
    window that fits."""
    x, size, stride, padding = case["x"], case["size"], case["stride"], case["padding"]
    return bool(
        real(x, 4) is not None
        and _valid_pool_args(size, stride, padding)
        and min(
            output_hw(
                x.shape[2:], _pair(size), size if stride is None else stride, padding
            )
        )
        >= 1
    )


@pytest.mark.parametrize("kind", ["avg", "max"])
@given(case=pool_cases())
def test_pool2d_with_padding_is_right_or_raises_clearly(kind, case):
    x, size, stride, padding = case["x"], case["size"], case["stride"], case["padding"]
    y = call_or_refuse(
        pool_is_valid(case),
        getattr(cd, f"{kind}_pool2d"),
        x,
        size,
        stride=stride,
        padding=padding,
    )
    if y is None:
        return
    expected = naive_pool2d(kind, x, size, stride, padding)
    assert y.shape == expected.shape and y.dtype == _float_type(x)
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-5)


@pytest.mark.parametrize("kind", ["avg", "max"])
@given(case=pool_cases())
def test_pool2d_backward_is_right_or_raises_clearly(kind, case):
    dy, x, size, stride, padding = (
        case["dy"],
        case["x"],
        case["size"],
        case["stride"],
        case["padding"],
    )
    valid = (
        pool_is_valid(case)
        and real(dy, 4) is not None
        and dy.shape == naive_pool2d(kind, x, size, stride, padding).shape
    )
    dx = call_or_refuse(valid, getattr(cd, f"{kind}_pool2d_backward"), **case)
    if dx is None:
        return
    expected = naive_pool2d(kind, x, size, stride, padding, dy)
    assert dx.shape == x.shape and dx.dtype == _float_type(dy, x)
    np.testing.assert_allclose(dx, expected, rtol=1e-6, atol=1e-5)


def naive_locally_connected2d(x, w, b, stride, padding):
    """One output position at a time, each with its own (F, C, KH, KW) kernel."""
    (sr, sc), (pr, pc) = _pair(stride), _pair(padding)
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pr, pr), (pc, pc)))
    ho, wo, f, _, kh, kw = w.shape
    y = np.zeros((x.shape[0], f, ho, wo))
    for r, col in itertools.product(range(ho), range(wo)):
        # (N, C, KH, KW)
        patch = xp[:, :, r * sr : r * sr + kh, col * sc : col * sc + kw]
        y[:, :, r, col] = np.tensordot(
            patch, w[r, col].astype(np.float64), axes=([1, 2, 3], [1, 2, 3])
        )
    return y if b is None else y + b


@st.composite
def local_cases(draw):
    """A valid locally_connected2d call (the kernel always fits), or the same with one
    defect."""
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw, stride, padding = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 3)),
        draw(SMALL_PAIRS),
        draw(st.integers(0, 1)),
    )
    h, wd = (max(1, k - 2 * padding + draw(st.integers(0, 4))) for k in (kh, kw))
    ho, wo = output_hw((h, wd), (kh, kw), stride, padding)
    x = values((n, c, h, wd), draw(st.sampled_from(VALID_DTYPES)))
    w = values((ho, wo, f, c, kh, kw), draw(st.sampled_from(VALID_DTYPES)))
    b = (
        values((f, ho, wo), draw(st.sampled_from(VALID_DTYPES)))
        if draw(st.booleans())
        else None
    )
    wrong_w = [
        values(shape, w.dtype.type)
        for shape in ((ho + 1, wo, f, c, kh, kw), (ho, wo, f, c + 1, kh, kw))
    ]
    return draw(
        one_defect(
            {"x": x, "w": w, "b": b, "stride": stride, "padding": padding},
            {
                "x": corrupt(x),
                "w": st.one_of(corrupt(w), st.sampled_from(wrong_w)),
                "b": st.one_of(st.just(values((f, wo, ho + 1), np.float64)), arrays()),
                "stride": BAD_ARGS,
                "padding": BAD_ARGS,
            },
        )
    )


@given(case=local_cases())
def test_locally_connected2d_and_backward_are_right_or_raise_clearly(case):
    x, w, b = case["x"], case["w"], case["b"]
    geometry = {"stride": case["stride"], "padding": case["padding"]}
    xr, wr = real(x, 4), real(w, 6)
    valid = (
        xr is not None
        and wr is not None
        and None
        not in (_valid_pair(geometry["stride"], 1), _valid_pair(geometry["padding"], 0))
    )
    if valid:
        ho, wo = output_hw(x.shape[2:], w.shape[4:], **geometry)
        valid = (
            min(ho, wo) >= 1
            and w.shape[:2] == (ho, wo)
            and w.shape[3] == x.shape[1]
            and (b is None or (real(b) is not None and b.shape == (w.shape[2], ho, wo)))
        )
    y = call_or_refuse(valid, cd.locally_connected2d, **case)
    if y is None:
        return
    expected = naive_locally_connected2d(**case)
    assert y.shape == expected.shape and y.dtype == _float_type(
        x, w, *([] if b is None else [b])
    )
    np.testing.assert_allclose(y, expected, rtol=1e-6, atol=1e-5)
    dy = values(y.shape, x.dtype.type)
    dx, dw, db = cd.locally_connected2d_backward(dy, x, w, **geometry)
    assert dx.shape == x.shape and dw.shape == w.shape and db.shape == y.shape[1:]
    assert_bilinear_grads(
        lambda a, v: naive_locally_connected2d(a, v, None, **geometry), x, w, dy, dx, dw
    )
    np.testing.assert_array_equal(db, dy.sum(axis=0))


@st.composite
def dense_backward_cases(draw):
    """A valid dense_backward call, or the same with one defect."""
    n, d_in, d_out = (
        draw(st.integers(1, 3)),
        draw(st.integers(1, 4)),
        draw(st.integers(1, 4)),
    )
    x, w, dy = (
        values(shape, draw(st.sampled_from(VALID_DTYPES)))
        for shape in ((n, d_in), (d_out, d_in), (n, d_out))
    )
    return draw(
        one_defect(
            {"dy": dy, "x": x, "w": w},
            {
                "dy": misshapen(dy),
                "x": st.one_of(corrupt(x), arrays(max_ndim=3)),
                "w": misshapen(w),
            },
        )
    )


@given(case=dense_backward_cases())
def test_dense_backward_is_right_or_raises_clearly(case):
    x, w, dy = real(case["x"], 2), real(case["w"], 2), real(case["dy"], 2)
    valid = (
        x is not None
        and w is not None
        and dy is not None
        and w.shape[1] == x.shape[1]
        and dy.shape == (x.shape[0], w.shape[0])
    )
    assert_backward_right_or_clear(
        cd.dense_backward,
        case,
        lambda a, v: a.astype(np.float64) @ v.astype(np.float64).T,
        0,
        valid,
    )


# Edge values for the activations: ±0, tiny, huge (inf in float32), ±inf and nan.
SPECIAL_FLOATS = (
    0.0,
    -0.0,
    0.5,
    -2.5,
    7.0,
    1e-300,
    -1e-30,
    1e6,
    -1e6,
    1e30,
    3e38,
    -3e38,
    1e300,
    -1e300,
    np.inf,
    -np.inf,
    np.nan,
)
NOT_ARRAYS = st.sampled_from([3, -2.5, [1, -1], [[1], [2, 3]], "a", None, []])


@st.composite
def reals(draw, max_abs=np.inf):
    """Float arrays of edge values with finite magnitudes up to ``max_abs``, or anything
    `arrays` makes."""
    if draw(st.booleans()):
        return draw(st.one_of(arrays(max_ndim=3), NOT_ARRAYS))
    shape = tuple(draw(st.lists(st.integers(1, 4), max_size=3)))
    pool = [v for v in SPECIAL_FLOATS if not abs(v) > max_abs or not np.isfinite(v)]
    # Every edge value, once the array is large enough.
    items = np.resize(draw(st.permutations(pool)), shape)
    with np.errstate(over="ignore"):  # 1e300 is inf in float32
        return items.astype(draw(st.sampled_from([np.float32, np.float64])))


# name: (reference on float64, largest finite |z| to try). square and square_grad stop
# at 1e6: beyond sqrt(float max) (about 1e19 in float32, 1e154 in float64) convdoc's z *
# z overflows to inf with a RuntimeWarning, an error under our filterwarnings; known,
# left to the module's owner.
ELEMENTWISE = {
    "absolute": (lambda z: np.where(z < 0, -z, z), np.inf),
    "absolute_grad": (
        lambda z: (z > 0) * 1.0 - (z < 0),
        np.inf,
    ),  # 0 at NaN, as torch's sgn
    "relu": (lambda z: np.where(np.isnan(z) | (z > 0), z, 0.0), np.inf),
    "relu_grad": (
        lambda z: np.where(z <= 0, 0.0, 1.0),
        np.inf,
    ),  # 1 at NaN: torch passes dy through
    "square": (lambda z: z**2, 1e6),
    "square_grad": (lambda z: z + z, 1e6),
}


def _check_real_input(z, y):
    """After a successful call: `z` was a real non-empty array, `y` has its shape and
    float dtype."""
    z = np.asarray(z)
    assert z.dtype.kind in "iuf" and z.size > 0
    assert y.shape == z.shape and y.dtype == _float_type(z)
    return z


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@given(data=st.data())
def test_elementwise_activations_are_right_or_raise_clearly(name, data):
    reference, max_abs = ELEMENTWISE[name]
    z = data.draw(reals(max_abs))
    y = call_or_refuse(real(z) is not None, getattr(cd, name), z)
    if y is None:
        return
    z = _check_real_input(z, y)
    # Float32 underflow.
    np.testing.assert_allclose(
        y, reference(z.astype(np.float64)), rtol=1e-6, atol=1e-30
    )


# Slopes and offsets stay within 1e-6 <= |a| <= 1e6 and |b| <= 1e6: with float32 `z`, a
# value that rounds to 0 or inf in float32 gives inf·0 (a RuntimeWarning) in convdoc;
# known, left to the module's owner.
SLOPES = st.one_of(
    st.floats(1e-6, 1e6),
    st.floats(-1e6, -1e-6),
    st.sampled_from(
        [
            1,
            -3,
            np.float32(0.08),
            np.int64(2),
            0,
            0.0,
            np.inf,
            -np.inf,
            np.nan,
            True,
            np.bool_(False),
            None,
            "1",
        ]
    ),
)
OFFSETS = st.one_of(
    st.floats(-1e6, 1e6),
    st.sampled_from([50, np.float32(0.5), np.inf, np.nan, False, None, "0"]),
)


@pytest.mark.parametrize("name", ["sigmoid", "sigmoid_grad"])
@given(z=reals(), a=SLOPES, b=OFFSETS)
def test_sigmoid_is_right_or_raises_clearly(name, z, a, b):
    numbers_ok = all(
        isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))
        for v in (a, b)
    )
    valid = (
        real(z) is not None
        and numbers_ok
        and bool(np.isfinite(a) and np.isfinite(b) and a != 0)
    )
    y = call_or_refuse(valid, getattr(cd, name), z, a, b)
    if y is None:
        return
    z = _check_real_input(z, y)
    # Float32 input computes in float32: `a` and `b` are rounded to it too.
    a, b = (float(y.dtype.type(v)) for v in (a, b))
    with np.errstate(over="ignore"):  # exp(-t) = inf for t << 0: the sigmoid is then 0
        s = 1 / (1 + np.exp(-a * (z.astype(np.float64) - b)))
    expected = s if name == "sigmoid" else a * s * (1 - s)
    # float32 rounds t = a (z - b), a relative error ~ |t|·ε; tiny values lose bits
    # (subnormals), and the reference's 1 - s cancels when s ≈ 1 (an absolute error ~
    # |a|·1e-16 on the gradient).
    rtol, atol = (1e-4, 1e-30) if y.dtype == np.float32 else (1e-9, 1e-300)
    np.testing.assert_allclose(
        y, expected, rtol=rtol, atol=atol + (0 if name == "sigmoid" else 1e-12 * abs(a))
    )


@st.composite
def label_cases(draw):
    """Valid (logits, labels), or one defect: bad logits, labels out of range, too few
    or many, of another dtype, or not an array of labels at all."""
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(VALID_DTYPES))
    if dtype in (np.float32, np.float64):
        scale = draw(
            st.sampled_from(
                [1.0, 1e-3, 1e3, 1e30, 1e100 if dtype is np.float64 else 1e-30]
            )
        )
        logits = (values((n, k), np.float64) * scale).astype(dtype)
    else:
        logits = values((n, k), dtype)
    labels = draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    how = draw(
        st.sampled_from(
            ["none", "none", "none", "logits", "range", "length", "dtype", "junk"]
        )
    )
    if how == "logits":
        logits = draw(st.one_of(corrupt(logits), arrays(max_ndim=3)))
    elif how == "range":
        labels[draw(st.integers(0, n - 1))] = draw(st.sampled_from([-1, k, 2**62]))
    elif how == "length":
        labels = draw(st.sampled_from([labels[1:], [*labels, 0]]))
    elif how == "dtype":  # int32 and uint8 labels are fine; floats and bools are not
        labels = np.array(
            labels, draw(st.sampled_from([np.int32, np.uint8, np.float64, np.bool_]))
        )
    # (ragged lists are left out: convdoc lets NumPy's unclear ValueError through)
    elif how == "junk":
        labels = draw(
            st.sampled_from(
                [None, "0", 0, [[v] for v in labels], np.array(labels)[None]]
            )
        )
    if how != "dtype" and draw(st.booleans()):
        labels = np.array(labels)  # a list or an array
    return logits, labels


def _check_labels(logits, labels):
    """After a successful call: `logits` was (N, K) real, `labels` N ints in 0..K-1."""
    logits, labels = np.asarray(logits), np.asarray(labels)
    assert logits.ndim == 2 and logits.dtype.kind in "iuf"
    assert labels.dtype.kind in "iu" and labels.shape == (logits.shape[0],)
    assert labels.min() >= 0 and labels.max() < logits.shape[1]
    return logits.astype(np.float64), labels


def labels_are_valid(logits, labels, finite):
    """Real 2-D (N, K) logits (finite, for the loss), N integer labels in 0..K-1."""
    logits, labels = real(logits, 2), real(labels, 1)
    return bool(
        logits is not None
        and labels is not None
        and labels.dtype.kind in "iu"
        and labels.shape == (logits.shape[0],)
        and labels.min() >= 0
        and labels.max() < logits.shape[1]
        and (not finite or np.isfinite(logits).all())
    )


@given(case=label_cases())
def test_softmax_cross_entropy_is_right_or_raises_clearly(case):
    result = call_or_refuse(
        labels_are_valid(*case, finite=True), cd.softmax_cross_entropy, *case
    )
    if result is None:
        return
    loss, dlogits = result
    logits, labels = _check_labels(*case)
    rows = np.arange(len(labels))
    expected_loss = np.mean(
        scipy.special.logsumexp(logits, axis=1) - logits[rows, labels]
    )
    onehot = np.eye(logits.shape[1])[labels]
    assert type(loss) is float and dlogits.shape == logits.shape
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        dlogits,
        (scipy.special.softmax(logits, axis=1) - onehot) / len(labels),
        rtol=1e-9,
        atol=1e-12,
    )


@given(case=label_cases())
def test_accuracy_is_right_or_raises_clearly(case):
    acc = call_or_refuse(labels_are_valid(*case, finite=False), cd.accuracy, *case)
    if acc is None:
        return
    logits, labels = _check_labels(*case)
    hits = [
        np.flatnonzero(row == row.max())[0] == label
        for row, label in zip(logits, labels, strict=True)
    ]
    assert type(acc) is float and acc == sum(hits) / len(hits)


# Sizes and counts: positive ints of every kind are fine; 0, negatives, floats, bools,
# None, str are not.
POSITIVE_INTS = st.one_of(
    st.integers(1, 12),
    st.integers(1, 10**30),
    st.sampled_from([np.int64(5), np.uint8(200)]),
)
NOT_POSITIVE_INTS = st.sampled_from(
    [
        0,
        -1,
        np.int32(-2),
        2.0,
        1.5,
        np.float32(2),
        True,
        False,
        np.bool_(True),
        None,
        "3",
    ]
)


@st.composite
def output_shape_cases(draw):
    """Valid conv_output_shape arguments of every int kind, or the same with one bad
    value."""
    args = {"h": draw(POSITIVE_INTS), "w": draw(POSITIVE_INTS)}
    args |= {
        name: draw(
            st.one_of(st.integers(1, 4), st.sampled_from([np.int64(3), np.uint8(2)]))
        )
        for name in ("kh", "kw")
    }
    args["stride"] = draw(st.one_of(SMALL_PAIRS, POSITIVE_INTS))
    args["padding"] = draw(
        st.one_of(
            st.integers(0, 3), st.lists(st.integers(0, 3), min_size=2, max_size=2)
        )
    )
    args["dilation"] = draw(st.one_of(SMALL_PAIRS, st.just((np.int64(2), 1))))
    pair_junk = st.one_of(
        NOT_POSITIVE_INTS, st.tuples(POSITIVE_INTS, NOT_POSITIVE_INTS), BAD_ARGS
    )
    return draw(
        one_defect(
            args,
            {
                k: NOT_POSITIVE_INTS if k in ("h", "w", "kh", "kw") else pair_junk
                for k in args
            },
        )
    )


@given(case=output_shape_cases())
def test_conv_output_shape_is_right_or_raises_clearly(case):
    sizes = [case[k] for k in ("h", "w", "kh", "kw")]
    pairs = (
        _valid_pair(case["stride"], 1),
        _valid_pair(case["padding"], 0),
        _valid_pair(case["dilation"], 1),
    )
    valid = all(_is_int(v) and v >= 1 for v in sizes) and None not in pairs
    expected = (
        output_hw(*(tuple(map(int, sizes[i : i + 2])) for i in (0, 2)), *pairs)
        if valid
        else None
    )
    try:
        out = cd.conv_output_shape(**case)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        assert expected is None or min(expected) < 1, f"refused a valid call: {exc}"
        return
    assert out == expected and min(out) >= 1 and all(type(v) is int for v in out)


PARAM_COUNTS = {  # name: (number of sizes, (weights, biases) from the sizes)
    "conv_params": (4, lambda c, f, kh, kw: (f * c * kh * kw, f)),
    "dense_params": (2, lambda n_in, n_out: (n_in * n_out, n_out)),
    "locally_connected_params": (
        6,
        lambda c, f, ho, wo, kh, kw: (ho * wo * f * c * kh * kw, f * ho * wo),
    ),
}


@pytest.mark.parametrize("name", sorted(PARAM_COUNTS))
@given(
    data=st.data(),
    sizes=st.lists(POSITIVE_INTS, min_size=6, max_size=6),
    junk=NOT_POSITIVE_INTS,
    square=st.booleans(),
    bias=st.sampled_from(
        [True, False, np.bool_(True), np.bool_(False), 1, None, "True"]
    ),
)
def test_param_counts_are_right_or_raise_clearly(name, data, sizes, junk, square, bias):
    n_sizes, formula = PARAM_COUNTS[name]
    args = sizes[:n_sizes]
    # Half the time, one size is junk.
    bad = data.draw(st.integers(-n_sizes, n_sizes - 1))
    if bad >= 0:
        args[bad] = junk
    if square and name != "dense_params":
        args[-1] = None  # kw defaults to kh
    # kw = None means kw = kh, drawn as `square` or as the junk of the last size.
    default_kw = name != "dense_params" and args[-1] is None
    valid = all(
        _is_int(v) and v >= 1 for v in args[: -1 if default_kw else None]
    ) and isinstance(bias, (bool, np.bool_))
    try:
        count = getattr(cd, name)(*args, bias=bias)
    except (ValueError, TypeError) as exc:
        assert _is_clear(exc), str(exc)
        assert not valid, f"refused a valid call: {exc}"
        return
    assert valid
    weights, biases = formula(
        *(int(v) for v in args[:-1]), int(args[-2] if default_kw else args[-1])
    )
    assert type(count) is int and count == weights + (biases if bias else 0)


# --------------------------------------------------------------------------------------
# The inputs this suite found that once escaped with a warning or an unclear
# error, kept as plain regression tests (the strategies above stay within the
# ranges that were safe then).


def test_found_square_overflows_to_inf_quietly():
    assert cd.square(np.array([1e200]))[0] == np.inf
    assert cd.square(np.array([1e20], np.float32))[0] == np.inf
    assert cd.square_grad(np.array([3e38], np.float32))[0] == np.inf


def test_found_sigmoid_with_slopes_beyond_float32():
    z32 = np.array([0.0, 1.0, np.inf], np.float32)
    np.testing.assert_array_equal(cd.sigmoid(z32, 1e300)[:1], [0.5])
    assert cd.sigmoid(np.array([np.inf], np.float32), 1e-300)[0] == 1.0
    # Inf - 1e300 is still inf.
    assert cd.sigmoid(np.array([np.inf], np.float32), 1.0, 1e300)[0] == 1.0
    assert cd.sigmoid_grad(np.array([1.0], np.float32), 1e39).dtype == np.float32
    for bad in ({"a": 10**400}, {"b": 10**400}):
        with pytest.raises(ValueError, match=f"`{next(iter(bad))}` must be a finite"):
            cd.sigmoid(np.zeros(2), **bad)


def test_found_extreme_logits():
    loss, grad = cd.softmax_cross_entropy([[1e308, -1e308]], [0])
    assert loss == 0.0 and np.isfinite(grad).all()
    for logits in ([[np.inf, 0.0]], [[-np.inf, -np.inf]]):
        with pytest.raises(ValueError, match=r"`logits` must be finite"):
            cd.softmax_cross_entropy(logits, [0])


def test_found_ragged_labels_and_0d_pairs():
    for f in (cd.softmax_cross_entropy, cd.accuracy):
        with pytest.raises(
            ValueError, match=r"`labels` must be integers of shape \(N,\) = \(2,\)"
        ):
            f([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]], [[0], [1, 2]])
    y = cd.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), stride=np.array(2))
    assert y.shape == (1, 1, 1, 1)
    assert cd.conv_output_shape(5, 5, 2, 2, stride=np.array(2)) == (2, 2)

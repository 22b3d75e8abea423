"""convolution.py against hand-computed arrays, a naive loop, scipy.signal, finite
differences and PyTorch."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import scipy.signal
from _reference import naive_conv2d, numeric_grad
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from threadpoolctl import threadpool_limits

import convdoc as cd
from convdoc import _engine

# --------------------------------------------------------------------------------------
# References


@pytest.fixture(
    params=[
        "im2col",
        "per-tap",
        "im2col-bands",
        "per-tap-bands",
        "im2col-threads",
        "per-tap-bands-threads",
        "clipped",
    ]
)
def path(request, monkeypatch):
    """Run a test through every code path: one product over a band's copied windows
    (im2col) or one product per kernel tap; over whole images or bands of a few columns;
    in the calling thread or with the images shared among three threads (whatever the
    size of the call); or tap by tap over the real image, the path for paddings that
    dwarf the image (`_clipped`)."""
    monkeypatch.setattr(_engine, "pays_off", lambda *args: request.param == "clipped")
    monkeypatch.setattr(
        _engine, "TAP_CHANNELS", 10**9 if request.param.startswith("im2col") else 1
    )
    if "bands" in request.param:
        monkeypatch.setattr(_engine, "BLOCK_ELEMENTS", 16)
        monkeypatch.setattr(_engine, "WINDOW_BLOCK_BYTES", 128)
    if request.param.endswith("threads"):
        monkeypatch.setattr(_engine, "PARALLEL_FLOPS", 0)
        monkeypatch.setattr(_engine, "THREADS", 3)
    return request.param


def test_parallel_shares_the_images_among_threads_with_a_one_thread_blas(monkeypatch):
    blas = _engine.blas()
    seen = []

    def work(images):
        threads = (
            None if blas is None else [lc.num_threads for lc in blas.lib_controllers]
        )
        mine = []
        for i in images:
            mine.append(i)
            time.sleep(0.002)  # long enough for every worker to start and take some
        seen.append((threading.current_thread().name, mine, threads))
        return len(mine)

    monkeypatch.setattr(_engine, "THREADS", 3)
    assert sum(_engine.parallel(work, 30, _engine.PARALLEL_FLOPS)) == 30
    assert len(seen) == 3
    # Each image once.
    assert sorted(i for _, mine, _ in seen for i in mine) == list(range(30))
    assert all(name.startswith("convdoc") and mine for name, mine, _ in seen)
    # The BLAS runs one thread per worker, and gets its setting back afterwards.
    if blas is not None:
        assert all(threads == [1] * len(threads) for _, _, threads in seen)
        with threadpool_limits(2, user_api="blas"):
            _engine.parallel(work, 7, _engine.PARALLEL_FLOPS)
            assert [lc.num_threads for lc in blas.lib_controllers] == [2] * len(
                blas.lib_controllers
            )
    seen.clear()
    # A small call: one thread.
    assert _engine.parallel(work, 7, _engine.PARALLEL_FLOPS - 1) == [7]
    assert _engine.parallel(work, 1, 10**12) == [1]  # one image: nothing to share
    assert all(name == threading.current_thread().name for name, _, _ in seen)


@pytest.mark.parametrize("per_tap", [False, True])
def test_threads_give_the_same_bits_as_one_thread(per_tap, rng, monkeypatch):
    # Each image is computed alike in any thread, and the kernel gradient is
    # summed in image order whichever thread took which image: the results do
    # not depend on the threads.
    x, w = rng.standard_normal((7, 8, 20, 24)), rng.standard_normal((6, 8, 3, 3))
    dy = rng.standard_normal((7, 6, 20, 24))
    monkeypatch.setattr(_engine, "TAP_CHANNELS", 1 if per_tap else 10**9)
    monkeypatch.setattr(_engine, "WINDOW_BLOCK_BYTES", 2**14)  # several bands per image
    monkeypatch.setattr(_engine, "BLOCK_ELEMENTS", 2**11)
    monkeypatch.setattr(_engine, "PARALLEL_FLOPS", 10**15)
    alone = cd.conv2d(x, w, padding=1), *cd.conv2d_backward(dy, x, w, padding=1)
    monkeypatch.setattr(_engine, "PARALLEL_FLOPS", 0)
    for threads in (2, 3):
        monkeypatch.setattr(_engine, "THREADS", threads)
        shared = cd.conv2d(x, w, padding=1), *cd.conv2d_backward(dy, x, w, padding=1)
        for a, b in zip(alone, shared, strict=True):
            np.testing.assert_array_equal(a, b)


def test_parallel_uses_as_many_threads_as_the_blas(monkeypatch):
    if _engine.blas() is None:
        pytest.skip("threadpoolctl finds no BLAS to ask")
    for limit in (1, 2):
        with threadpool_limits(limit, user_api="blas"):
            assert len(_engine.parallel(list, 8, _engine.PARALLEL_FLOPS)) == limit


# --------------------------------------------------------------------------------------
# Hand-computed arrays

EDGE_IMAGE = np.array([[10, 10, 10, 0, 0, 0]] * 6)
EDGE_KERNEL = np.array([[1, 0, -1]] * 3)


def test_notes_vertical_edge_example(path):
    expected = np.array([[0, 30, 30, 0]] * 4, dtype=float)
    np.testing.assert_array_equal(cd.correlate2d(EDGE_IMAGE, EDGE_KERNEL), expected)
    # The kernel is antisymmetric left-right, so true convolution flips the sign.
    np.testing.assert_array_equal(cd.convolve2d(EDGE_IMAGE, EDGE_KERNEL), -expected)


def test_arange_4x4_with_2x2_kernel_by_hand(path):
    # Y[r, c] = X[r, c] + 2 X[r, c+1] + 3 X[r+1, c] + 4 X[r+1, c+1] with X[r, c] = 4r +
    # c = 40 r + 10 c + 34.
    x, k = np.arange(16).reshape(4, 4), np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(
        cd.correlate2d(x, k), [[34, 44, 54], [74, 84, 94], [114, 124, 134]]
    )
    # Flipped kernel [[4, 3], [2, 1]]: 40 r + 10 c + 16.
    np.testing.assert_array_equal(
        cd.convolve2d(x, k), [[16, 26, 36], [56, 66, 76], [96, 106, 116]]
    )
    np.testing.assert_array_equal(
        cd.correlate2d(x, k, stride=2), [[34, 54], [114, 134]]
    )
    np.testing.assert_array_equal(
        cd.correlate2d(x, k, stride=(1, 2)), [[34, 54], [74, 94], [114, 134]]
    )


def test_padding_by_hand(path):
    image = np.array([[1, 2], [3, 4]])
    expected = [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    np.testing.assert_array_equal(
        cd.correlate2d(image, np.ones((2, 2)), padding=1), expected
    )
    np.testing.assert_array_equal(
        cd.correlate2d(image, np.ones((1, 1)), padding=(0, 1)),
        [[0, 1, 2, 0], [0, 3, 4, 0]],
    )


def test_conv2d_channels_filters_and_bias_by_hand(path):
    x = np.stack([np.ones((3, 3)), np.arange(9.0).reshape(3, 3)])[None]  # (1, 2, 3, 3)
    # (2, 2, 2, 2)
    w = np.stack([np.ones((2, 2, 2)), np.stack([np.zeros((2, 2)), [[1, 0], [0, -1]]])])
    y = cd.conv2d(x, w, b=[100, 0])
    np.testing.assert_array_equal(y[0, 0], [[112, 116], [124, 128]])
    # X[r, c] - X[r+1, c+1] = -4.
    np.testing.assert_array_equal(y[0, 1], [[-4, -4], [-4, -4]])


def test_dilation_by_hand(path):
    # A 2×2 kernel with dilation 2 reads the corners of each 3×3 window.
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    y = cd.conv2d(x, np.ones((1, 1, 2, 2)), dilation=2)
    np.testing.assert_array_equal(
        y[0, 0], [[0 + 2 + 8 + 10, 1 + 3 + 9 + 11], [4 + 6 + 12 + 14, 5 + 7 + 13 + 15]]
    )


def test_backward_by_hand(path):
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    dx, dw, db = cd.conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    np.testing.assert_array_equal(dx[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(dw[0, 0], [[8, 12], [20, 24]])
    np.testing.assert_array_equal(db, [4])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((32, 32, 5, 5), (28, 28)),
        ((224, 224, 11, 11, 4, 2, 1), (55, 55)),
        ((7, 9, 3, 2, (2, 1), (1, 0), (1, 3)), (4, 6)),
        ((5, 5, 3, 3, 1, 0, 2), (1, 1)),
        ((1, 1, 1, 1), (1, 1)),
    ],
)
def test_conv_output_shape(args, expected):
    h, w, kh, kw, *rest = args
    kwargs = dict(zip(("stride", "padding", "dilation"), rest, strict=False))
    assert cd.conv_output_shape(h, w, kh, kw, **kwargs) == expected
    assert (
        naive_conv2d(np.zeros((1, 1, h, w)), np.zeros((1, 1, kh, kw)), **kwargs).shape[
            2:
        ]
        == expected
    )


# --------------------------------------------------------------------------------------
# scipy.signal and the naive loop


@pytest.mark.parametrize(
    "shape", [(6, 6, 3, 3), (9, 7, 2, 4), (5, 8, 5, 1), (12, 10, 4, 4), (3, 3, 3, 3)]
)
def test_single_channel_matches_scipy(shape, rng, path):
    h, w, kh, kw = shape
    image, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    np.testing.assert_allclose(
        cd.correlate2d(image, kernel),
        scipy.signal.correlate2d(image, kernel, mode="valid"),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        cd.convolve2d(image, kernel),
        scipy.signal.convolve2d(image, kernel, mode="valid"),
        atol=1e-12,
    )
    # padding = zeros around the image; stride = every s-th
    # output of the stride-1 result.
    full = scipy.signal.correlate2d(
        np.pad(image, ((1, 1), (2, 2))), kernel, mode="valid"
    )
    np.testing.assert_allclose(
        cd.correlate2d(image, kernel, padding=(1, 2), stride=(2, 3)),
        full[::2, ::3],
        atol=1e-12,
    )


CONFIGS = [  # (N, C, H, W, F, KH, KW, stride, padding, dilation)
    (1, 1, 6, 6, 1, 3, 3, 1, 0, 1),
    (2, 3, 7, 9, 4, 3, 2, 1, 1, 1),
    (2, 2, 8, 8, 3, 3, 3, 2, 1, 1),
    (1, 3, 9, 11, 2, 3, 3, (2, 1), (1, 2), (1, 2)),
    (3, 2, 5, 6, 2, 2, 3, 1, 0, 2),
    (1, 4, 10, 7, 3, 1, 1, 3, 0, 1),
    (2, 1, 6, 5, 2, 4, 4, (1, 3), 2, 1),
    (1, 2, 4, 4, 1, 5, 5, 1, 2, 1),
]


@pytest.mark.parametrize("config", CONFIGS)
def test_conv2d_matches_naive_loop(config, rng, path):
    n, c, h, wd, f, kh, kw, stride, padding, dilation = config
    x, w, b = (
        rng.standard_normal((n, c, h, wd)),
        rng.standard_normal((f, c, kh, kw)),
        rng.standard_normal(f),
    )
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    np.testing.assert_allclose(
        cd.conv2d(x, w, b, **kwargs), naive_conv2d(x, w, b, **kwargs), atol=1e-12
    )


@pytest.mark.parametrize("per_tap", [False, True])
@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 1, 1), (2, 1, 1), (1, 2, 2), ((2, 1), 0, 1)]
)
def test_groups_of_images_with_a_shorter_last_group(
    per_tap, stride, padding, dilation, rng, monkeypatch
):
    # Limits of two images' windows per unit: five images make groups of 2, 2 and 1.
    x, w, b = (
        rng.standard_normal((5, 2, 6, 7)),
        rng.standard_normal((3, 2, 3, 3)),
        rng.standard_normal(3),
    )
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    ho, wo = cd.conv_output_shape(6, 7, 3, 3, **kwargs)
    width = 7 + 2 * padding if stride == 1 else wo
    monkeypatch.setattr(_engine, "TAP_CHANNELS", 1 if per_tap else 10**9)
    monkeypatch.setattr(_engine, "WINDOW_BLOCK_BYTES", 2 * 18 * width * ho * 8)
    monkeypatch.setattr(
        _engine, "BLOCK_ELEMENTS", 2 * (2 if per_tap else 18) * width * ho
    )
    plans, plan = [], _engine.plan
    monkeypatch.setattr(_engine, "plan", lambda *a: plans.append(plan(*a)) or plans[-1])
    y = cd.conv2d(x, w, b, **kwargs)
    np.testing.assert_allclose(y, naive_conv2d(x, w, b, **kwargs), atol=1e-12)
    dy = rng.standard_normal(y.shape)
    dx, dw, _ = cd.conv2d_backward(dy, x, w, **kwargs)
    assert [[len(g) for g in groups] for groups, _ in plans] == [[2, 2, 1]] * 2
    # Dx is the adjoint of x -> conv2d(x, w): <dx, v> = <dy, conv2d(v, w)>.
    v = rng.standard_normal(x.shape)
    np.testing.assert_allclose(
        np.sum(dx * v), np.sum(dy * naive_conv2d(v, w, **kwargs)), rtol=1e-10
    )
    # Dw[f, c, i, j] = <dy[:, f], x[:, c] correlated with a one-hot tap>.
    for i, j in np.ndindex(3, 3):
        tap = np.zeros((1, 1, 3, 3))
        tap[0, 0, i, j] = 1
        for c in range(2):
            expected = np.einsum(
                "nfrq,nrq->f", dy, naive_conv2d(x[:, c : c + 1], tap, **kwargs)[:, 0]
            )
            np.testing.assert_allclose(dw[:, c, i, j], expected, atol=1e-10)


@pytest.mark.parametrize("channels", [_engine.TAP_CHANNELS - 1, _engine.TAP_CHANNELS])
def test_default_paths_on_a_larger_case(channels, rng):
    # Below and at the channel threshold, with the default block size: several blocks.
    x, w = (
        rng.standard_normal((2, channels, 40, 40)),
        rng.standard_normal((3, channels, 3, 3)),
    )
    y = cd.conv2d(x, w, padding=1)
    np.testing.assert_allclose(
        y[1:, :, 10:14, 20:23], naive_conv2d(x[1:, :, 9:15, 19:24], w), atol=1e-11
    )
    dy = rng.standard_normal(y.shape)
    dx, dw, _ = cd.conv2d_backward(dy, x, w, padding=1)
    # dw[f, c, i, j] = Σ dy[n, f, r, col] x_pad[n, c, r + i, col + j]:
    # check one tap with einsum.
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    np.testing.assert_allclose(
        dw[:, :, 2, 1], np.einsum("nfrc,nkrc->fk", dy, xp[:, :, 2:42, 1:41]), atol=1e-9
    )
    # Y is linear in x: <dx, x> = <dy, y>.
    np.testing.assert_allclose(np.sum(dx * x), np.sum(dy * y), rtol=1e-10)


# --------------------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize(
    ("dtypes", "expected"),
    [
        ((np.float32, np.float32), np.float32),
        ((np.float32, np.float64), np.float64),
        ((np.int64, np.int64), np.float64),
        ((np.float32, np.int32), np.float64),
        ((np.uint8, np.float32), np.float64),
    ],
)
def test_output_dtype(dtypes, expected, path):
    x, w = np.ones((1, 2, 4, 4), dtypes[0]), np.ones((3, 2, 2, 2), dtypes[1])
    assert cd.conv2d(x, w).dtype == expected
    assert all(
        g.dtype == expected
        for g in cd.conv2d_backward(np.ones((1, 3, 3, 3), expected), x, w)
    )
    assert cd.correlate2d(x[0, 0], w[0, 0]).dtype == expected


def test_float32_bias_and_dy_promote():
    x, w = np.ones((1, 1, 3, 3), np.float32), np.ones((1, 1, 2, 2), np.float32)
    assert cd.conv2d(x, w, np.zeros(1, np.float32)).dtype == np.float32
    assert cd.conv2d(x, w, np.zeros(1)).dtype == np.float64
    assert cd.conv2d_backward(np.ones((1, 1, 2, 2)), x, w)[0].dtype == np.float64


def test_inputs_are_not_modified(rng, path):
    x, w, dy = (
        rng.standard_normal((2, 2, 5, 5)),
        rng.standard_normal((3, 2, 3, 3)),
        rng.standard_normal((2, 3, 3, 3)),
    )
    copies = [a.copy() for a in (x, w, dy)]
    cd.conv2d(x, w)
    cd.conv2d_backward(dy, x, w)
    for a, a0 in zip((x, w, dy), copies, strict=True):
        np.testing.assert_array_equal(a, a0)


# --------------------------------------------------------------------------------------
# Finite differences (float64)


@pytest.mark.parametrize(
    "kwargs", [{}, dict(stride=2, padding=1), dict(padding=(0, 1), dilation=(2, 1))]
)
def test_gradients_match_finite_differences(kwargs, rng, path):
    x, w, b = (
        rng.standard_normal((2, 2, 5, 6)),
        rng.standard_normal((3, 2, 2, 3)),
        rng.standard_normal(3),
    )
    g = rng.standard_normal(cd.conv2d(x, w, b, **kwargs).shape)

    def loss(x, w, b):
        return float(np.sum(cd.conv2d(x, w, b, **kwargs) * g))

    dx, dw, db = cd.conv2d_backward(g, x, w, **kwargs)
    np.testing.assert_allclose(dx, numeric_grad(lambda: loss(x, w, b), x), atol=1e-7)
    np.testing.assert_allclose(dw, numeric_grad(lambda: loss(x, w, b), w), atol=1e-7)
    np.testing.assert_allclose(db, numeric_grad(lambda: loss(x, w, b), b), atol=1e-7)


# --------------------------------------------------------------------------------------
# PyTorch: forward and autograd backward on random configurations


def _random_configs(count, seed=1):
    r = np.random.default_rng(seed)
    out = []
    while len(out) < count:
        n, c, f = (int(v) for v in r.integers(1, 4, size=3))
        kh, kw = (int(v) for v in r.integers(1, 5, size=2))

        def pick(lo, hi):
            if r.random() < 0.5:
                return int(r.integers(lo, hi))
            return int(r.integers(lo, hi)), int(r.integers(lo, hi))

        stride, padding, dilation = pick(1, 4), pick(0, 3), pick(1, 3)
        h, wd = (int(v) for v in r.integers(1, 13, size=2))
        try:
            cd.conv_output_shape(
                h, wd, kh, kw, stride=stride, padding=padding, dilation=dilation
            )
        except ValueError:
            continue
        out.append(
            (n, c, h, wd, f, kh, kw, stride, padding, dilation, bool(r.random() < 0.7))
        )
    return out


@pytest.mark.torch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "config", _random_configs(30), ids=lambda c: "-".join(map(str, c)).replace(" ", "")
)
def test_matches_torch_forward_and_backward(config, dtype, torch, rng, path):
    n, c, h, wd, f, kh, kw, stride, padding, dilation, with_bias = config
    x = rng.standard_normal((n, c, h, wd)).astype(dtype)
    w = rng.standard_normal((f, c, kh, kw)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype) if with_bias else None
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, **kwargs)
    y = cd.conv2d(x, w, b, **kwargs)
    tol = (
        dict(rtol=1e-5, atol=1e-5)
        if dtype == np.float32
        else dict(rtol=1e-12, atol=1e-12)
    )
    assert y.dtype == dtype and y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y, yt.detach().numpy(), **tol)

    dy = rng.standard_normal(y.shape).astype(dtype)
    yt.backward(torch.tensor(dy))
    dx, dw, db = cd.conv2d_backward(dy, x, w, **kwargs)
    np.testing.assert_allclose(dx, xt.grad.numpy(), **tol)
    np.testing.assert_allclose(dw, wt.grad.numpy(), **tol)
    if bt is not None:
        np.testing.assert_allclose(db, bt.grad.numpy(), **tol)


@pytest.mark.torch
def test_a_call_large_enough_for_threads_matches_torch(torch, rng):
    # Default settings: above PARALLEL_FLOPS, with the BLAS's own
    # thread count (two in CI).
    x, w = rng.standard_normal((5, 32, 30, 30)), rng.standard_normal((32, 32, 3, 3))
    assert 2 * 5 * 32 * 32 * 9 * 30 * 30 >= _engine.PARALLEL_FLOPS
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    yt = torch.nn.functional.conv2d(xt, wt, padding=1)
    np.testing.assert_allclose(
        cd.conv2d(x, w, padding=1), yt.detach().numpy(), rtol=1e-12, atol=1e-11
    )
    dy = rng.standard_normal(yt.shape)
    yt.backward(torch.tensor(dy))
    dx, dw, _ = cd.conv2d_backward(dy, x, w, padding=1)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(dw, wt.grad.numpy(), rtol=1e-12, atol=1e-9)


@pytest.mark.torch
def test_layer_matches_torch_module(torch, rng):
    layer = cd.Conv2d(3, 4, (3, 2), stride=2, padding=1, rng=rng)
    module = torch.nn.Conv2d(3, 4, (3, 2), stride=2, padding=1, dtype=torch.float64)
    with torch.no_grad():
        module.weight.copy_(torch.tensor(layer.weight))
        module.bias.copy_(torch.tensor(layer.bias + 0.5))
    layer.bias += 0.5
    x = rng.standard_normal((2, 3, 9, 8))
    xt = torch.tensor(x, requires_grad=True)
    yt = module(xt)
    np.testing.assert_allclose(layer.forward(x), yt.detach().numpy(), atol=1e-12)
    dy = rng.standard_normal(yt.shape)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(layer.backward(dy), xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads[0], module.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.grads[1], module.bias.grad.numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------
# Properties (hypothesis)

small_floats = st.floats(-10, 10, allow_nan=False, width=64)


@st.composite
def conv_problems(draw, stride_one=False):
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, wd = draw(st.integers(kh, 9)), draw(st.integers(kw, 9))
    x = draw(hnp.arrays(np.float64, (n, c, h, wd), elements=small_floats))
    w = draw(hnp.arrays(np.float64, (f, c, kh, kw), elements=small_floats))
    stride = 1 if stride_one else draw(st.integers(1, 3))
    padding = draw(st.integers(0, 2))
    return x, w, dict(stride=stride, padding=padding)


@settings(max_examples=30)
@given(
    problem=conv_problems(),
    a=small_floats,
    beta=small_floats,
    seed=st.integers(0, 2**16),
)
def test_linear_in_x(problem, a, beta, seed):
    x, w, kwargs = problem
    x2 = np.random.default_rng(seed).standard_normal(x.shape)
    lhs = cd.conv2d(a * x + beta * x2, w, **kwargs)
    rhs = a * cd.conv2d(x, w, **kwargs) + beta * cd.conv2d(x2, w, **kwargs)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9 * (1 + np.abs(rhs).max()))


@settings(max_examples=30)
@given(
    problem=conv_problems(stride_one=True),
    rows=st.integers(0, 3),
    cols=st.integers(0, 3),
    dilation=st.integers(1, 2),
)
def test_equivariant_to_shifts_away_from_borders(problem, rows, cols, dilation):
    x, w, kwargs = problem
    kwargs["dilation"] = dilation
    try:
        y = cd.conv2d(x, w, **kwargs)
    except ValueError:  # the dilated kernel does not fit: nothing to compare
        return
    h, wd = x.shape[2:]
    assume(rows < h and cols < wd)
    # Move the content down by `rows` and right by `cols`, zero-filled.
    shifted = np.zeros_like(x)
    shifted[:, :, rows:, cols:] = x[:, :, : h - rows, : wd - cols]
    y_shifted = cd.conv2d(shifted, w, **kwargs)
    # Away from the borders (windows inside the shifted content, not reaching the zero
    # padding at the far side), the output moved by the same shift.
    p = kwargs["padding"]
    span = [dilation * (k - 1) + 1 for k in w.shape[2:]]
    r0, r1 = p + rows, h + p - span[0] + 1  # output rows [r0, r1) of y_shifted
    c0, c1 = p + cols, wd + p - span[1] + 1
    np.testing.assert_allclose(
        y_shifted[:, :, r0:r1, c0:c1],
        y[:, :, r0 - rows : r1 - rows, c0 - cols : c1 - cols],
        atol=1e-9,
    )


@settings(max_examples=30)
@given(problem=conv_problems(), seed=st.integers(0, 2**16))
def test_conv2d_is_a_sum_of_single_channel_correlations(problem, seed):
    x, w, kwargs = problem
    b = np.random.default_rng(seed).standard_normal(w.shape[0])
    y = cd.conv2d(x, w, b, **kwargs)
    for n in range(x.shape[0]):
        for f in range(w.shape[0]):
            expected = (
                sum(
                    cd.correlate2d(x[n, c], w[f, c], **kwargs)
                    for c in range(x.shape[1])
                )
                + b[f]
            )
            np.testing.assert_allclose(y[n, f], expected, atol=1e-9)


# --------------------------------------------------------------------------------------
# The layer


def test_layer_repr_params_and_grads(rng):
    layer = cd.Conv2d(3, 6, 5)
    assert repr(layer) == "Conv2d(3 → 6, 5×5, 456 params)"
    assert layer.n_params == 456
    assert (
        [p.shape for p in layer.params]
        == [(6, 3, 5, 5), (6,)]
        == [g.shape for g in layer.grads]
    )
    assert repr(cd.Conv2d(64, 128, (3, 1), stride=2, padding=(1, 0), bias=False)) == (
        "Conv2d(64 → 128, 3×1, stride 2, padding (1, 0), 24,576 params)"
    )
    nobias = cd.Conv2d(2, 2, 3, bias=False)
    assert len(nobias.params) == len(nobias.grads) == 1 and nobias.n_params == 36


def test_layer_forward_backward_consistent_with_functions(rng):
    layer = cd.Conv2d(2, 3, 3, stride=2, padding=1, dilation=1, rng=5)
    x = rng.standard_normal((2, 2, 7, 7))
    y = layer.forward(x)
    np.testing.assert_array_equal(
        y, cd.conv2d(x, layer.weight, layer.bias, stride=2, padding=1)
    )
    dy = rng.standard_normal(y.shape)
    grads_before = [id(g) for g in layer.grads]
    dx = layer.backward(dy)
    ref = cd.conv2d_backward(dy, x, layer.weight, stride=2, padding=1)
    np.testing.assert_array_equal(dx, ref[0])
    np.testing.assert_array_equal(layer.grads[0], ref[1])
    np.testing.assert_array_equal(layer.grads[1], ref[2])
    assert [
        id(g) for g in layer.grads
    ] == grads_before  # filled in place, optimizers keep references


def test_layer_init_is_seeded_he_scaled_and_typed():
    a, b = (
        cd.Conv2d(16, 32, 3, rng=1),
        cd.Conv2d(16, 32, 3, rng=np.random.default_rng(1)),
    )
    np.testing.assert_array_equal(a.weight, b.weight)
    assert not np.array_equal(a.weight, cd.Conv2d(16, 32, 3, rng=2).weight)
    assert abs(a.weight.std() - np.sqrt(2 / (16 * 9))) < 0.1 * np.sqrt(2 / (16 * 9))
    np.testing.assert_array_equal(a.bias, 0)
    layer = cd.Conv2d(1, 2, 3, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in layer.params + layer.grads)
    assert layer.forward(np.ones((1, 1, 4, 4), np.float32)).dtype == np.float32


# --------------------------------------------------------------------------------------
# Bad inputs: every error names the argument, the rule and what was received

X, W = np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3))


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (
            lambda: cd.conv2d(np.ones((2, 5, 5)), W),
            ValueError,
            r"`x` must be 4-D .*\(N, C, H, W\); got shape \(2, 5, 5\)",
        ),
        (
            lambda: cd.conv2d(X, np.ones((2, 3, 3))),
            ValueError,
            r"`w` must be 4-D .*got shape \(2, 3, 3\)",
        ),
        (
            lambda: cd.conv2d(X, np.ones((3, 4, 3, 3))),
            ValueError,
            r"`w` must have as many input channels.* 2 .*\(3, 4, 3, 3\)",
        ),
        (
            lambda: cd.conv2d(X, np.ones((3, 2, 6, 6))),
            ValueError,
            r"`w` must fit in the padded input.*\(6, 6\)",
        ),
        (
            lambda: cd.conv2d(X, W, dilation=3),
            ValueError,
            r"`w` must fit .*dilation \(3, 3\) spans \(7, 7\)",
        ),
        (
            lambda: cd.conv2d(X, W, stride=0),
            ValueError,
            r"`stride` must be positive; got 0",
        ),
        (
            lambda: cd.conv2d(X, W, stride=1.5),
            TypeError,
            r"`stride` must be an int .*1\.5",
        ),
        (
            lambda: cd.conv2d(X, W, dilation=(1, 0)),
            ValueError,
            r"`dilation` must be positive; got \(1, 0\)",
        ),
        (
            lambda: cd.conv2d(X, W, padding=-1),
            ValueError,
            r"`padding` must be >= 0; got -1",
        ),
        (
            lambda: cd.conv2d(X, W, padding=(1, 2, 3)),
            ValueError,
            r"`padding` must be an int or a pair",
        ),
        (
            lambda: cd.conv2d(X, W, b=np.ones(2)),
            ValueError,
            r"`b` must have shape \(F,\) = \(3,\).*got shape \(2,\)",
        ),
        (
            lambda: cd.conv2d(X, W, b=np.ones((3, 1))),
            ValueError,
            r"`b` must be 1-D.*got shape \(3, 1\)",
        ),
        (
            lambda: cd.conv2d(np.ones((0, 2, 5, 5)), W),
            ValueError,
            r"`x` must not be empty; got shape \(0, 2, 5, 5\)",
        ),
        (lambda: cd.conv2d(X + 1j, W), TypeError, r"`x` must be real, not complex"),
        (lambda: cd.conv2d(X, W > 0), TypeError, r"`w` must be numeric, not boolean"),
        (
            lambda: cd.conv2d(X.astype(str), W),
            TypeError,
            r"`x` must be a real numeric array; got dtype <U",
        ),
        (
            lambda: cd.conv2d_backward(np.ones((1, 3, 4, 4)), X, W),
            ValueError,
            r"`dy` must have the shape of conv2d's output .* = \(1, 3, 3, 3\); got "
            r"shape \(1, 3, 4, 4\)",
        ),
        (
            lambda: cd.conv2d_backward(np.ones((3, 3, 3)), X, W),
            ValueError,
            r"`dy` must be 4-D",
        ),
        (
            lambda: cd.conv2d_backward(np.ones((1, 3, 3, 3)), X, W, stride=(1, -2)),
            ValueError,
            r"`stride` must be positive",
        ),
        (
            lambda: cd.correlate2d(np.ones(5), np.ones((2, 2))),
            ValueError,
            r"`image` must be 2-D with shape \(H, W\); got shape \(5,\)",
        ),
        (
            lambda: cd.correlate2d(np.ones((5, 5)), np.ones(3)),
            ValueError,
            r"`kernel` must be 2-D with shape \(KH, KW\); got shape \(3,\)",
        ),
        (
            lambda: cd.correlate2d(np.ones((2, 2)), np.ones((3, 3))),
            ValueError,
            r"`kernel` must fit in the padded input",
        ),
        (
            lambda: cd.convolve2d(np.ones((4, 4)), [[True]]),
            TypeError,
            r"`kernel` must be numeric, not boolean",
        ),
        (
            lambda: cd.correlate2d([[1, 2], [3]], np.ones((1, 1))),
            TypeError,
            r"`image` must be a real numeric array",
        ),
        (
            lambda: cd.conv_output_shape(4, 4, 5, 5),
            ValueError,
            r"`kernel` must fit.*\(5, 5\)",
        ),
        (
            lambda: cd.conv_output_shape(0, 4, 1, 1),
            ValueError,
            r"`h` must be a positive int; got 0",
        ),
        (
            lambda: cd.conv_output_shape(4, 4, 2.0, 1),
            TypeError,
            r"`kh` must be a positive int; got 2\.0",
        ),
        (
            lambda: cd.Conv2d(0, 4, 3),
            ValueError,
            r"`in_channels` must be a positive int; got 0",
        ),
        (
            lambda: cd.Conv2d(3, 4, (3, 0)),
            ValueError,
            r"`kernel_size` must be positive",
        ),
        (
            lambda: cd.Conv2d(3, 4, 3).backward(np.ones((1, 4, 1, 1))),
            RuntimeError,
            r"`backward` needs a preceding `forward`",
        ),
    ],
)
def test_bad_inputs(call, error, match):
    with pytest.raises(error, match=match):
        call()

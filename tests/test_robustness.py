"""Robustness, class by class (issue 13): each test failed before its fix.

1. inf and NaN propagate as in torch, forward and backward; 2. a max-pool window of -inf
sends its gradient to a real pixel; 3. optimizers refuse parameters that share memory;
4. layer constructors check every argument; 5. `train` refuses bad input before its
first step; 6. memory stays a small multiple of input + output whatever the padding; 7.
absurd but legal arguments work or raise the house error; 8. results do not depend on
the threads.
"""

from __future__ import annotations

import itertools
import tracemalloc

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import convdoc as cd
from convdoc import _engine, layers

# --------------------------------------------------------------------------------------
# 1. Non-finite values


def naive_conv2d_backward(dy, x, w, stride, padding, dilation):
    """Every product of the definition, on the zero-padded input (as torch, which reads
    the padding), in float64: nothing else is read, so an inf meets only the taps that
    read it."""
    (s, p, d) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    dxp, dw = np.zeros(xp.shape), np.zeros(w.shape)
    n, _, ho, wo = dy.shape
    with np.errstate(invalid="ignore", over="ignore"):
        for b, r, col, i, j in itertools.product(
            range(n), range(ho), range(wo), *map(range, w.shape[2:])
        ):
            pixel = (b, slice(None), r * s + i * d, col * s + j * d)
            dw[:, :, i, j] += dy[b, :, r, col][:, None] * xp[pixel][None, :]
            dxp[pixel] += dy[b, :, r, col] @ w[:, :, i, j]
    return dxp[:, :, p : p + x.shape[2], p : p + x.shape[3]], dw


def with_non_finite(rng, shape, values=(np.inf, -np.inf, np.nan), share=0.1):
    a = rng.standard_normal(shape)
    spots = rng.random(shape) < share
    a[spots] = rng.choice(values, size=spots.sum())
    return a


def test_issue_example_conv2d_backward_with_an_inf_pixel_and_an_inf_weight():
    x = np.ones((1, 1, 3, 3))
    x[0, 0, 1, 0] = np.inf
    _, dw, _ = cd.conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    # Torch's answer.
    np.testing.assert_array_equal(dw[0, 0], [[np.inf, 4], [np.inf, 4]])
    w = np.ones((1, 1, 2, 2))
    w[0, 0, 0, 1] = np.inf
    dx, _, _ = cd.conv2d_backward(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), w)
    np.testing.assert_array_equal(
        dx[0, 0], [[1, np.inf, np.inf], [2, np.inf, np.inf], [1, 2, 1]]
    )


# The padded buffer, or tap by tap over the real image.
@pytest.mark.parametrize("clipped", [False, True])
# The copied-windows path and the one-product-per-tap path.
@pytest.mark.parametrize("channels", [2, 40])
@pytest.mark.parametrize(
    ("stride", "padding", "dilation"), [(1, 0, 1), (1, 1, 2), (2, 1, 1)]
)
def test_conv2d_backward_with_inf_and_nan_matches_every_product(
    clipped, channels, stride, padding, dilation, rng, monkeypatch
):
    monkeypatch.setattr(_engine, "pays_off", lambda *args: clipped)
    x = with_non_finite(rng, (2, channels, 6, 7), share=0.03)
    w = with_non_finite(rng, (3, channels, 2, 3), share=0.03)
    dy_shape = (
        2,
        3,
        *cd.conv_output_shape(
            6, 7, 2, 3, stride=stride, padding=padding, dilation=dilation
        ),
    )
    dy = rng.standard_normal(dy_shape)
    dx, dw, _ = cd.conv2d_backward(
        dy, x, w, stride=stride, padding=padding, dilation=dilation
    )
    want_dx, want_dw = naive_conv2d_backward(dy, x, w, stride, padding, dilation)
    # NaN where NaN, inf where inf.
    np.testing.assert_allclose(dx, want_dx, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(dw, want_dw, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_non_finite_values_match_torch_everywhere(dtype, torch, rng):
    F = torch.nn.functional
    x = with_non_finite(rng, (2, 3, 7, 6)).astype(dtype)
    w = with_non_finite(rng, (4, 3, 3, 2), share=0.05).astype(dtype)
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (x, w))
    # With padding, torch's float32 kernel (oneDNN) skips the taps that fall on the
    # padding, while its float64 one, like convdoc, multiplies them by the
    # padding's zeros (inf·0 = NaN): the definition on the zero-padded input.
    # Compare padding in float64 only.
    paddings = [{"padding": 1}] if dtype == np.float64 else []
    for kwargs in ({}, *paddings, {"stride": 2, "dilation": (2, 1)}):
        ty = F.conv2d(tx, tw, **kwargs)
        dy = rng.standard_normal(ty.shape).astype(dtype)
        tx.grad = tw.grad = None
        ty.backward(torch.tensor(dy))
        np.testing.assert_allclose(
            cd.conv2d(x, w, **kwargs), ty.detach().numpy(), rtol=1e-4, atol=1e-4
        )
        dx, dw, _ = cd.conv2d_backward(dy, x, w, **kwargs)
        np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dw, tw.grad.numpy(), rtol=1e-4, atol=1e-4)
    for kind, kwargs in itertools.product(
        ("max", "avg"), ({}, {"stride": 1, "padding": 1})
    ):
        tx.grad = None
        ty = getattr(F, f"{kind}_pool2d")(tx, 3, **kwargs)
        dy = with_non_finite(rng, tuple(ty.shape)).astype(dtype)
        ty.backward(torch.tensor(dy))
        np.testing.assert_allclose(
            getattr(cd, f"{kind}_pool2d")(x, 3, **kwargs),
            ty.detach().numpy(),
            rtol=1e-5,
            atol=1e-6,
        )
        np.testing.assert_allclose(
            getattr(cd, f"{kind}_pool2d_backward")(dy, x, 3, **kwargs),
            tx.grad.numpy(),
            rtol=1e-5,
            atol=1e-6,
        )
    z = with_non_finite(rng, (40,), share=0.5).astype(dtype)
    dy = with_non_finite(rng, (40,), share=0.5).astype(dtype)
    for layer, f in (
        (cd.ReLU(), F.relu),
        (cd.Sigmoid(), torch.sigmoid),
        (cd.Absolute(), torch.abs),
        (cd.Square(), torch.square),
    ):
        tz = torch.tensor(z, requires_grad=True)
        out = f(tz)
        out.backward(torch.tensor(dy))
        np.testing.assert_allclose(layer.forward(z), out.detach().numpy(), rtol=1e-6)
        np.testing.assert_allclose(
            layer.backward(dy), tz.grad.numpy(), rtol=1e-6, err_msg=repr(layer)
        )
    x2, w2 = (
        x.reshape(2, -1),
        with_non_finite(rng, (5, x.shape[1] * 42), share=0.02).astype(dtype),
    )
    tx2, tw2 = (torch.tensor(a, requires_grad=True) for a in (x2, w2))
    ty = F.linear(tx2, tw2)
    dy = with_non_finite(rng, tuple(ty.shape)).astype(dtype)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(cd.dense(x2, w2), ty.detach().numpy(), rtol=1e-4)
    dx, dw, _ = cd.dense_backward(dy, x2, w2)
    np.testing.assert_allclose(dx, tx2.grad.numpy(), rtol=1e-4)
    np.testing.assert_allclose(dw, tw2.grad.numpy(), rtol=1e-4)


def test_relu_layer_selects_its_gradient_like_torch():
    layer = cd.ReLU()
    layer.forward(np.array([np.nan, -1.0, 2.0, 0.0]))
    np.testing.assert_array_equal(
        layer.backward(np.array([3.0, np.inf, 5.0, np.inf])), [3.0, 0.0, 5.0, 0.0]
    )


# --------------------------------------------------------------------------------------
# 2. Max-pool gradients never go to the padding


def naive_max_pool2d_backward(dy, x, size, stride, padding):
    """torch's scan: over the real pixels of each window in row-major order, the first
    largest value wins, a NaN always wins (so the last NaN), and a window of -inf keeps
    its first pixel."""
    dx = np.zeros(x.shape)
    for b, c, r, col in itertools.product(*map(range, dy.shape)):
        best, where = -np.inf, None
        for i, j in itertools.product(range(size), range(size)):
            row, column = r * stride + i - padding, col * stride + j - padding
            if 0 <= row < x.shape[2] and 0 <= column < x.shape[3]:
                value = x[b, c, row, column]
                if where is None or value > best or np.isnan(value):
                    best, where = (
                        value
                        if where is not None or value > best or np.isnan(value)
                        else best,
                        (row, column),
                    )
        dx[(b, c, *where)] += dy[b, c, r, col]
    return dx


def test_issue_example_max_pool_gradient_of_minus_inf_windows():
    dx = cd.max_pool2d_backward(
        np.ones((1, 1, 2, 2)), np.full((1, 1, 2, 2), -np.inf), 3, stride=1, padding=1
    )
    # Torch's answer: all four to the first pixel.
    np.testing.assert_array_equal(dx[0, 0], [[4, 0], [0, 0]])


@pytest.mark.parametrize(
    ("size", "stride", "padding"), [(3, 1, 1), (2, 2, 1), (3, 2, 1), (2, 1, 0)]
)
def test_max_pool_gradient_with_inf_and_nan_follows_torchs_scan(
    size, stride, padding, rng
):
    x = rng.integers(-2, 3, (2, 2, 5, 6)).astype(float)
    spots = rng.random(x.shape)
    x[spots < 0.1], x[(spots > 0.1) & (spots < 0.4)] = np.nan, -np.inf
    y = cd.max_pool2d(x, size, stride=stride, padding=padding)
    dy = rng.standard_normal(y.shape)
    np.testing.assert_array_equal(
        cd.max_pool2d_backward(dy, x, size, stride=stride, padding=padding),
        naive_max_pool2d_backward(dy, x, size, stride, padding),
    )


# --------------------------------------------------------------------------------------
# 3. Aliased parameters


@pytest.mark.parametrize("cls", [cd.GradientDescent, cd.Adam])
def test_optimizers_refuse_parameters_that_share_memory(cls):
    p = np.zeros(4)
    for aliased in ([p, p.reshape(2, 2)], [p, p[1:3]], [p[:3], p[2:]], [p, p]):
        with pytest.raises(
            ValueError,
            match=r"`params` must not list the same numbers twice.*params\[0\] and "
            r"params\[1\] sharing memory",
        ):
            cls(aliased)
    a = np.zeros(6)
    # Interleaved, but no number in common.
    cls([a[::2], a[1::2]]).step([np.ones(3), np.ones(3)])
    assert (a[::2] < 0).all() and (a[1::2] < 0).all()


# --------------------------------------------------------------------------------------
# 4. Layer constructors


LAYERS = {
    "Conv2d": lambda **kw: cd.Conv2d(3, 4, 3, **kw),
    "Dense": lambda **kw: cd.Dense(3, 4, **kw),
    "LocallyConnected2d": lambda **kw: cd.LocallyConnected2d(3, 4, 5, 3, **kw),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"dtype": np.int64},
            TypeError,
            r"`dtype` must be a floating dtype such as np.float32 or np.float64; got "
            r"int64",
        ),
        (
            {"dtype": "complex128"},
            TypeError,
            r"`dtype` must be a floating dtype .*; got complex128",
        ),
        (
            {"dtype": None},
            TypeError,
            r"`dtype` must be a floating dtype .*; got None \(NoneType\)",
        ),
        (
            {"dtype": "nonsense"},
            TypeError,
            r"`dtype` must be a floating dtype .*; got 'nonsense' \(str\)",
        ),
        ({"bias": "no"}, TypeError, r"`bias` must be True or False; got 'no' \(str\)"),
        ({"bias": 1}, TypeError, r"`bias` must be True or False; got 1 \(int\)"),
        (
            {"rng": "abc"},
            TypeError,
            r"`rng` must be an int seed or a numpy.random.Generator; got 'abc' \(str\)",
        ),
        (
            {"rng": 1.5},
            TypeError,
            r"`rng` must be an int seed or a numpy.random.Generator; got 1.5 \(float\)",
        ),
        (
            {"rng": -1},
            ValueError,
            r"`rng` must be an int seed >= 0 or a numpy.random.Generator; got -1",
        ),
    ],
)
def test_layer_constructors_check_every_argument(name, kwargs, error, match):
    with pytest.raises(error, match=match):
        LAYERS[name](**kwargs)


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_constructors_accept_float_dtypes_bools_and_generators(name):
    layer = LAYERS[name](
        dtype="float32", bias=np.bool_(False), rng=np.random.default_rng(1)
    )
    assert [p.dtype for p in layer.params] == [np.float32] and layer.weight.std() > 0


@pytest.mark.parametrize("cls", [cd.MaxPool2d, cd.AvgPool2d])
def test_pooling_layers_check_their_padding_when_built(cls):
    with pytest.raises(
        ValueError, match=r"`padding` must be at most half the window `size` \(2, 2\)"
    ):
        cls(2, padding=3)


# --------------------------------------------------------------------------------------
# 5. Training refuses before its first step


def _setup():
    model = cd.Sequential([cd.Flatten(), cd.Dense(4, 3)])
    x = np.random.default_rng(0).standard_normal((40, 2, 2))
    return model, x, np.arange(40) % 3, [p.copy() for p in model.params]


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (
            {"y": np.r_[np.arange(39) % 3, 3]},
            ValueError,
            r"`y` must lie in 0..2 \(one per output of `model`, K = 3\); got values "
            r"0..3",
        ),
        ({"y": np.r_[np.arange(39) % 3, -1]}, ValueError, r"`y` must lie in 0..2"),
        (
            {"y": np.r_[np.arange(39) % 3, np.nan]},
            ValueError,
            r"`y` must be integers of shape \(N,\) = \(40,\); got dtype float64",
        ),
        ({"y": np.arange(40) % 3 * 1.0}, ValueError, r"`y` must be integers"),
        (
            {"y": [[0], [1, 2]]},
            ValueError,
            r"`y` must hold one label per example, shape \(40,\)",
        ),
        (
            {"y": None},
            ValueError,
            r"`y` must hold one label per example, shape \(40,\); got shape \(\)",
        ),
        (
            {"x": np.full((40, 2, 2), np.nan)},
            ValueError,
            r"`x` must hold finite examples",
        ),
        (
            {"x": np.zeros((40, 3, 3))},
            ValueError,
            r"`w` must have shape \(D_out, D_in\) with D_in = 9",
        ),
        (
            {"optimizer": None},
            TypeError,
            r"`optimizer` must be an optimizer such as Adam\(model.params\); got "
            r"NoneType",
        ),
        (
            {"optimizer": "other"},
            ValueError,
            r"`optimizer` must update the model's parameters",
        ),
        (
            {"model": None},
            TypeError,
            r"`model` must be a Sequential or a layer .*; got NoneType",
        ),
        ({"epochs": 0}, ValueError, r"`epochs` must be a positive int; got 0"),
        (
            {"batch_size": None},
            TypeError,
            r"`batch_size` must be a positive int; got None",
        ),
        (
            {"rng": "seed"},
            TypeError,
            r"`rng` must be an int seed or a numpy.random.Generator",
        ),
    ],
)
def test_train_refuses_before_the_first_step(change, error, match):
    model, x, y, before = _setup()
    optimizer = cd.Adam(model.params, lr=0.1)
    if change.get("optimizer") == "other":
        change["optimizer"] = cd.Adam([np.zeros(3)])
    args = {
        "model": model,
        "x": x,
        "y": y,
        "optimizer": optimizer,
        "epochs": 2,
        "batch_size": 4,
    } | change
    with pytest.raises(error, match=match):
        cd.train(args.pop("model"), args.pop("x"), args.pop("y"), **args)
    for p, q in zip(model.params, before, strict=True):
        np.testing.assert_array_equal(p, q)  # untouched
    assert optimizer.t == 0


def test_sequential_and_predict_check_their_arguments():
    with pytest.raises(
        TypeError, match=r"`layers` must be a list of layers; got NoneType"
    ):
        cd.Sequential(None)
    with pytest.raises(ValueError, match=r"`layers` must hold at least one layer"):
        cd.Sequential([])
    model = cd.Sequential([cd.Dense(2, 2)])
    for bad, error in ((0, ValueError), (2.5, TypeError), (None, TypeError)):
        with pytest.raises(error, match=r"`batch_size` must be a positive int"):
            model.predict(np.zeros((3, 2)), batch_size=bad)


# --------------------------------------------------------------------------------------
# 6. Memory: a small multiple of input + output (+ one work band), whatever the padding.
# Measured with tracemalloc, to which NumPy reports every array buffer it allocates.


def peak_bytes(f, *args, **kwargs):
    tracemalloc.start()
    try:
        f(*args, **kwargs)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


POOLS = ["max_pool2d", "avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward"]


@pytest.mark.parametrize("name", POOLS)
def test_issue_example_pooling_a_pixel_with_huge_padding(name):
    args = (np.ones((1, 1, 1, 1)),) * (2 if name.endswith("backward") else 1)
    # Was 3.2 GB.
    assert peak_bytes(getattr(cd, name), *args, 20001, padding=10000) < 2**14


@pytest.mark.parametrize("name", POOLS)
@pytest.mark.parametrize(
    ("size", "stride", "padding"), [(2, None, 0), (3, 1, 1), (41, 1, 20), (41, 40, 20)]
)
def test_pooling_memory_is_a_small_multiple_of_input_and_output(
    name, size, stride, padding, rng
):
    x = rng.standard_normal((2, 3, 30, 40)).astype(np.float32)
    y = cd.max_pool2d(x, size, stride=stride, padding=padding)
    args = (y, x) if name.endswith("backward") else (x,)
    # In and out, a column pass (N·C·H·W_out values) and, for the max gradient, the
    # winners' indices (int64: twice a float32) of both passes.
    budget = 8 * (x.nbytes + y.nbytes) + 2**14
    assert (
        peak_bytes(getattr(cd, name), *args, size, stride=stride, padding=padding)
        < budget
    )


# (x shape, w shape, geometry): padding that dwarfs the image, and ordinary calls
CONV_CASES = [
    (
        (1, 1, 1, 1),
        (1, 1, 1, 1),
        {"padding": 10**4, "stride": 10**5},
    ),  # was 3.2 GB for one number
    (
        (1, 2, 1, 1),
        (3, 2, 2, 2),
        {"padding": 10**6, "stride": 10**6, "dilation": 10**6},
    ),
    ((2, 3, 5, 4), (2, 3, 3, 3), {"padding": 300, "stride": (200, 250)}),
    ((8, 3, 32, 32), (6, 3, 5, 5), {"padding": 2}),
    ((4, 16, 64, 64), (32, 16, 3, 3), {"padding": 1, "stride": 2}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "geometry"), CONV_CASES)
def test_conv2d_memory_is_a_small_multiple_of_input_and_output_plus_a_band(
    x_shape, w_shape, geometry, rng
):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    y = cd.conv2d(x, w, **geometry)
    # The copied windows of one band and its product.
    band = 4 * _engine.WINDOW_BLOCK_BYTES
    assert (
        peak_bytes(cd.conv2d, x, w, **geometry)
        < 4 * (x.nbytes + w.nbytes + y.nbytes) + band
    )
    assert (
        peak_bytes(cd.conv2d_backward, y, x, w, **geometry)
        < 4 * (x.nbytes + w.nbytes + 2 * y.nbytes) + band
    )


# (x shape, kernel, geometry): many images with large windows, and ordinary calls
LOCAL_CASES = [
    (
        (1024, 1, 16, 16),
        9,
        {},
    ),  # the windows of all images at once: 42 MB (each image's: 41 kB)
    ((300, 2, 12, 12), 5, {"padding": 2, "stride": 2}),
    ((4, 3, 10, 10), 3, {"padding": 1}),
]


@pytest.mark.parametrize(("x_shape", "kernel", "geometry"), LOCAL_CASES)
def test_locally_connected_memory_is_a_small_multiple_of_input_and_output_plus_a_band(
    x_shape, kernel, geometry, rng
):
    x = rng.standard_normal(x_shape)
    ho, wo = cd.conv_output_shape(*x_shape[2:], kernel, kernel, **geometry)
    w = rng.standard_normal((ho, wo, 2, x_shape[1], kernel, kernel))
    y = cd.locally_connected2d(x, w, **geometry)
    # One group's windows, their gradient and products.
    band = 4 * layers.LOCAL_BLOCK_ELEMENTS * 8
    budget = 4 * (x.nbytes + w.nbytes + y.nbytes) + band
    assert peak_bytes(cd.locally_connected2d, x, w, **geometry) < budget
    assert (
        peak_bytes(cd.locally_connected2d_backward, y, x, w, **geometry)
        < budget + 4 * y.nbytes
    )


def test_locally_connected_in_groups_of_images_equals_all_at_once(rng, monkeypatch):
    x, dy = rng.standard_normal((7, 2, 6, 5)), rng.standard_normal((7, 3, 6, 3))
    # (H_out, W_out) = (6, 3) with padding 1, stride (1, 2)
    w = rng.standard_normal((6, 3, 3, 2, 3, 3))
    whole = (
        cd.locally_connected2d(x, w, padding=1, stride=(1, 2)),
        *cd.locally_connected2d_backward(dy, x, w, padding=1, stride=(1, 2)),
    )
    per_image = 2 * 6 * 3 * 9  # C·H_out·W_out·KH·KW
    # Two images a group: 2, 2, 2, 1.
    monkeypatch.setattr(layers, "LOCAL_BLOCK_ELEMENTS", 2 * per_image)
    assert len(layers._image_groups(7, per_image)) == 4
    grouped = (
        cd.locally_connected2d(x, w, padding=1, stride=(1, 2)),
        *cd.locally_connected2d_backward(dy, x, w, padding=1, stride=(1, 2)),
    )
    for a, b in zip(whole, grouped, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


def naive_conv2d_unpadded(dy, x, w, stride, padding, dilation=1):
    """``y`` and the gradients by every product of the definition, a tap on the padding
    multiplying a zero: loops over outputs and taps only, so any padding will do."""
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    (sh, sw), (ph, pw), (dh, dw_) = pair(stride), pair(padding), pair(dilation)
    _, _, ho, wo = dy.shape
    y, dx, dw = np.zeros(dy.shape), np.zeros(x.shape), np.zeros(w.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        for r, col, i, j in itertools.product(
            range(ho), range(wo), *map(range, w.shape[2:])
        ):
            row, column = r * sh + i * dh - ph, col * sw + j * dw_ - pw
            real = 0 <= row < x.shape[2] and 0 <= column < x.shape[3]
            pixel = x[:, :, row, column] if real else np.zeros(x.shape[:2])  # (N, C)
            y[:, :, r, col] += pixel @ w[:, :, i, j].T
            dw[:, :, i, j] += dy[:, :, r, col].T @ pixel
            if real:
                dx[:, :, row, column] += dy[:, :, r, col] @ w[:, :, i, j]
    return y, dx, dw


@pytest.mark.parametrize(("x_shape", "w_shape", "geometry"), CONV_CASES[:3])
def test_conv2d_with_a_padding_that_dwarfs_the_image_is_right(
    x_shape, w_shape, geometry, rng
):
    x, w = (
        with_non_finite(rng, x_shape, share=0.2),
        with_non_finite(rng, w_shape, share=0.2),
    )
    y = cd.conv2d(x, w, **geometry)
    dy = with_non_finite(rng, y.shape, share=0.2)
    dx, dw, db = cd.conv2d_backward(dy, x, w, **geometry)
    want_y, want_dx, want_dw = naive_conv2d_unpadded(dy, x, w, **geometry)
    for got, want in ((y, want_y), (dx, want_dx), (dw, want_dw)):
        # NaN where NaN, inf where inf.
        np.testing.assert_allclose(got, want, rtol=1e-12)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(db, dy.sum(axis=(0, 2, 3)))


LOCAL_CASES = [  # (x shape, kernel, stride, padding)
    ((1, 1, 1, 1), 1, 10**5, 10**4),  # one number out; the padded copy was 3.2 GB
    ((2, 3, 2, 3), 2, (150, 170), 200),
    ((2, 2, 9, 9), 3, 1, 1),
]


def _local_case(rng, x_shape, k, stride, padding):
    ho, wo = cd.conv_output_shape(*x_shape[2:], k, k, stride=stride, padding=padding)
    x, w = (
        rng.standard_normal(x_shape),
        rng.standard_normal((ho, wo, 2, x_shape[1], k, k)),
    )
    return x, w, rng.standard_normal((x_shape[0], 2, ho, wo))


@pytest.mark.parametrize(("x_shape", "k", "stride", "padding"), LOCAL_CASES)
def test_locally_connected_memory_whatever_the_padding(
    x_shape, k, stride, padding, rng
):
    x, w, dy = _local_case(rng, x_shape, k, stride, padding)
    # One copy of every window, (N, C, H_out, W_out, KH, KW)
    windows = x.shape[0] * w.size // w.shape[2] * x.itemsize
    budget = 4 * (x.nbytes + w.nbytes + 2 * dy.nbytes + windows) + 2**14
    assert (
        peak_bytes(cd.locally_connected2d, x, w, stride=stride, padding=padding)
        < budget
    )
    assert (
        peak_bytes(
            cd.locally_connected2d_backward, dy, x, w, stride=stride, padding=padding
        )
        < budget
    )


@pytest.mark.parametrize(("x_shape", "k", "stride", "padding"), LOCAL_CASES[1:])
def test_locally_connected_with_or_without_the_padded_copy(
    x_shape, k, stride, padding, rng, monkeypatch
):
    x, w, dy = _local_case(rng, x_shape, k, stride, padding)
    x[0, 0, 0, 0], w[0, 0, 0, 0, 0, 0] = np.inf, np.nan
    results = []
    for clipped in (False, True):
        monkeypatch.setattr(
            cd.layers, "dwarfed", lambda *args, clipped=clipped: clipped
        )
        results.append(
            (
                cd.locally_connected2d(x, w, stride=stride, padding=padding),
                *cd.locally_connected2d_backward(
                    dy, x, w, stride=stride, padding=padding
                ),
            )
        )
    for padded, gathered in zip(*results, strict=True):
        # NaN where NaN, inf where inf.
        np.testing.assert_allclose(gathered, padded, rtol=1e-12)


# --------------------------------------------------------------------------------------
# 7. Absurd but legal arguments


@pytest.mark.parametrize(
    "kwargs",
    [
        {"stride": 10**18},
        {"stride": (1, 10**18)},
        {"dilation": 10**18},
        {"dilation": (10**18, 1), "stride": 10**9},
    ],
)
def test_huge_stride_or_dilation_that_cannot_matter(kwargs, rng):
    x, w = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 1, 1))
    shape = cd.conv_output_shape(4, 5, 1, 1, **kwargs)
    y = cd.conv2d(x, w, **kwargs)
    assert y.shape == (2, 2, *shape)
    small = {
        k: tuple(min(v, 7) for v in cd._checks.as_pair(v, k, minimum=1))
        for k, v in kwargs.items()
    }
    np.testing.assert_array_equal(y, cd.conv2d(x, w, **small))  # the same windows
    dx, dw, _ = cd.conv2d_backward(np.ones(y.shape), x, w, **kwargs)
    dx_small, dw_small, _ = cd.conv2d_backward(np.ones(y.shape), x, w, **small)
    np.testing.assert_array_equal(dx, dx_small)
    np.testing.assert_array_equal(dw, dw_small)


@pytest.mark.parametrize(
    "call",
    [
        lambda: cd.conv2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 1, 1)), padding=10**18),
        lambda: cd.conv2d_backward(
            np.ones((1, 1, 1, 1)),
            np.ones((1, 1, 1, 1)),
            np.ones((1, 1, 1, 1)),
            padding=10**18,
        ),
        lambda: cd.correlate2d(np.ones((1, 1)), np.ones((1, 1)), padding=(1, 10**19)),
    ],
)
def test_outputs_too_large_to_exist_are_refused_clearly(call):
    with pytest.raises(
        ValueError,
        match=r"the output \(N, F, H_out, W_out\) that `.*` give must fit in memory",
    ):
        call()


@pytest.mark.parametrize("name", POOLS)
# Pooling's output is never larger than its input + 1.
def test_pooling_with_absurd_windows_is_right(
    name,
):
    args = (np.full((1, 1, 1, 1), 2.0),) * (2 if name.endswith("backward") else 1)
    out = getattr(cd, name)(*args, 4 * 10**18 + 1, stride=1, padding=2 * 10**18)
    assert out.shape == (1, 1, 1, 1) and np.isfinite(out).all()


@pytest.mark.parametrize(
    ("cls", "name"),
    [
        (cd.GradientDescent, "lr"),
        (cd.GradientDescent, "momentum"),
        (cd.Adam, "lr"),
        (cd.Adam, "eps"),
    ],
)
def test_numbers_beyond_the_float_range_are_a_value_error(cls, name):
    with pytest.raises(
        ValueError, match=rf"`{name}` must be .*; got 1000000000000000000..."
    ):
        cls([np.zeros(2)], **{name: 10**400})


# --------------------------------------------------------------------------------------
# 8. The thread count


# Shapes where OpenBLAS on two threads rounds differently from one (found by a random
# search; the second has enough channels for the one-product-per-tap path).
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride"),
    [
        ((3, 8, 39, 39), (130, 8, 4, 4), 1),
        ((3, 70, 17, 17), (130, 70, 3, 3), 1),
        ((3, 70, 37, 37), (17, 70, 3, 3), 2),
    ],
)
def test_one_thread_and_two_give_the_same_bits_with_a_multithreaded_blas(
    x_shape, w_shape, stride, rng, monkeypatch
):
    if _engine.blas() is None:
        pytest.skip("threadpoolctl finds no BLAS to limit")
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    dy = rng.standard_normal(
        (
            x_shape[0],
            w_shape[0],
            *cd.conv_output_shape(*x_shape[2:], *w_shape[2:], stride=stride, padding=1),
        )
    )
    monkeypatch.setattr(_engine, "PARALLEL_FLOPS", 0)
    results = []
    # THREADS = 1 used to leave the BLAS on two threads.
    with threadpool_limits(2, user_api="blas"):
        for threads in (1, 2):
            monkeypatch.setattr(_engine, "THREADS", threads)
            results.append(
                (
                    cd.conv2d(x, w, stride=stride, padding=1),
                    *cd.conv2d_backward(dy, x, w, stride=stride, padding=1),
                )
            )
    for one, two in zip(*results, strict=True):
        np.testing.assert_array_equal(one, two)

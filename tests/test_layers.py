"""layers.py against hand-computed arrays, naive loops, conv2d, finite differences and
PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
from _reference import numeric_grad

import convdoc as cd


def naive_local(x, w, b=None, stride=1, padding=0):
    x = np.pad(
        np.asarray(x, float), ((0, 0), (0, 0), (padding, padding), (padding, padding))
    )
    ho, wo, f, _, kh, kw = w.shape
    y = np.zeros((x.shape[0], f, ho, wo))
    for n in range(x.shape[0]):
        for r in range(ho):
            for col in range(wo):
                window = x[
                    n, :, r * stride : r * stride + kh, col * stride : col * stride + kw
                ]
                y[n, :, r, col] = np.tensordot(w[r, col], window, axes=3)
    return y if b is None else y + b


# --------------------------------------------------------------------------------------
# dense


def test_dense_hand_computed():
    y = cd.dense([[1, 2, 3]], [[1, 0, 0], [0, 1, 0], [1, 1, 1]], [0, 0, -6])
    np.testing.assert_array_equal(y, [[1.0, 2.0, 0.0]])
    assert y.dtype == np.float64


def test_dense_matches_torch(rng, torch):
    x, w, b = (
        rng.standard_normal((5, 7)),
        rng.standard_normal((3, 7)),
        rng.standard_normal(3),
    )
    expected = torch.nn.functional.linear(*map(torch.from_numpy, (x, w, b))).numpy()
    np.testing.assert_allclose(cd.dense(x, w, b), expected, rtol=1e-12)


def test_dense_backward_matches_finite_differences(rng):
    x, w, b = (
        rng.standard_normal((4, 5)),
        rng.standard_normal((3, 5)),
        rng.standard_normal(3),
    )
    dy = rng.standard_normal((4, 3))
    dx, dw, db = cd.dense_backward(dy, x, w)

    def loss():
        return float((cd.dense(x, w, b) * dy).sum())

    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-7)
    np.testing.assert_allclose(dw, numeric_grad(loss, w), atol=1e-7)
    np.testing.assert_allclose(db, numeric_grad(loss, b), atol=1e-7)


def test_dense_float32_stays_float32(rng):
    x, w = (
        rng.standard_normal((2, 3), dtype=np.float32),
        rng.standard_normal((4, 3), dtype=np.float32),
    )
    assert cd.dense(x, w).dtype == np.float32
    assert cd.dense(x, w.astype(float)).dtype == np.float64


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (
            ([1.0, 2.0], [[1.0, 2.0]]),
            ValueError,
            r"`x` must be 2-D with shape \(N, D_in\); got shape \(2,\)",
        ),
        (
            ([[1.0, 2.0]], [[1.0, 2.0, 3.0]]),
            ValueError,
            r"`w` must have shape \(D_out, D_in\) with D_in = 2",
        ),
        (
            ([[1.0, 2.0]], [[1.0, 2.0]], [1.0, 2.0]),
            ValueError,
            r"`b` must have shape \(D_out,\) = \(1,\)",
        ),
        (([[1j, 2.0]], [[1.0, 2.0]]), TypeError, r"`x` must be real"),
        (([["a", "b"]], [[1.0, 2.0]]), TypeError, r"`x` must be a real numeric array"),
    ],
)
def test_dense_bad_input(args, error, match):
    with pytest.raises(error, match=match):
        cd.dense(*args)


def test_dense_backward_bad_dy():
    with pytest.raises(
        ValueError,
        match=r"`dy` must have the output's shape \(N, D_out\) = \(1, 1\); got shape "
        r"\(1, 2\)",
    ):
        cd.dense_backward([[1.0, 1.0]], [[1.0, 2.0]], [[1.0, 2.0]])


def test_dense_layer_protocol(rng):
    layer = cd.Dense(6, 4, rng=1)
    assert repr(layer) == "Dense(6 → 4, 28 params)"
    assert layer.n_params == cd.dense_params(6, 4) == 28
    assert cd.Dense(6, 4, bias=False).n_params == cd.dense_params(6, 4, bias=False)
    x, dy = rng.standard_normal((3, 6)), rng.standard_normal((3, 4))
    y = layer.forward(x)
    dx = layer.backward(dy)
    ref = cd.dense_backward(dy, x, layer.weight)
    np.testing.assert_allclose(y, cd.dense(x, layer.weight, layer.bias))
    np.testing.assert_allclose(dx, ref[0])
    np.testing.assert_allclose(layer.grads[0], ref[1])
    np.testing.assert_allclose(layer.grads[1], ref[2])
    np.testing.assert_array_equal(cd.Dense(6, 4, rng=1).weight, layer.weight)  # seeded


def test_layers_need_forward_before_backward():
    for layer in (cd.Dense(2, 2), cd.LocallyConnected2d(1, 1, 3, 2), cd.Flatten()):
        with pytest.raises(RuntimeError, match="preceding `forward`"):
            layer.backward(np.zeros((1, 1)))


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (
            lambda: cd.Dense(0, 3),
            ValueError,
            r"`in_features` must be a positive int; got 0",
        ),
        (
            lambda: cd.Dense(2.5, 3),
            TypeError,
            r"`in_features` must be a positive int; got 2.5",
        ),
        (
            lambda: cd.LocallyConnected2d(1, 2, (4, 4), 5),
            ValueError,
            r"`kernel_size` must fit in the padded input",
        ),
        (
            lambda: cd.LocallyConnected2d(1, 2, (4, 4, 4), 3),
            ValueError,
            r"`input_size` must be an int or a pair",
        ),
    ],
)
def test_layer_constructor_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


# --------------------------------------------------------------------------------------
# local


@pytest.mark.parametrize(
    ("stride", "padding"), [(1, 0), (2, 0), (1, 1), (2, 2), (3, 1)]
)
def test_locally_connected_matches_naive_loop(rng, stride, padding):
    x = rng.standard_normal((2, 3, 7, 6))
    ho, wo = cd.conv_output_shape(7, 6, 3, 2, stride=stride, padding=padding)
    w, b = rng.standard_normal((ho, wo, 4, 3, 3, 2)), rng.standard_normal((4, ho, wo))
    np.testing.assert_allclose(
        cd.locally_connected2d(x, w, b, stride=stride, padding=padding),
        naive_local(x, w, b, stride, padding),
        atol=1e-12,
    )


def test_locally_connected_with_one_kernel_everywhere_is_conv2d(rng):
    x, kernel = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((5, 3, 3, 3))
    w = np.broadcast_to(kernel, (4, 4, *kernel.shape))
    np.testing.assert_allclose(
        cd.locally_connected2d(x, w, stride=2, padding=1),
        cd.conv2d(x, kernel, stride=2, padding=1),
        atol=1e-12,
    )


def test_locally_connected_matches_torch_unfold(rng, torch):
    """torch has no locally-connected layer: build one from ``unfold``."""
    x = rng.standard_normal((2, 2, 6, 5))
    w = rng.standard_normal((3, 3, 3, 2, 3, 3))  # (H_out, W_out) = (3, 3)
    # (N, C·9, L)
    cols = torch.nn.functional.unfold(torch.from_numpy(x), 3, padding=1, stride=2)
    wt = torch.from_numpy(w).reshape(9, 3, 18)  # (L, F, C·9)
    ref = torch.einsum("nkl,lfk->nfl", cols, wt).reshape(2, 3, 3, 3).numpy()
    np.testing.assert_allclose(
        cd.locally_connected2d(x, w, stride=2, padding=1), ref, atol=1e-12
    )


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (2, 1)])
def test_locally_connected_backward_matches_finite_differences(rng, stride, padding):
    x = rng.standard_normal((2, 2, 5, 5))
    ho, wo = cd.conv_output_shape(5, 5, 3, 3, stride=stride, padding=padding)
    w, b = rng.standard_normal((ho, wo, 2, 2, 3, 3)), rng.standard_normal((2, ho, wo))
    dy = rng.standard_normal((2, 2, ho, wo))
    dx, dw, db = cd.locally_connected2d_backward(
        dy, x, w, stride=stride, padding=padding
    )

    def loss():
        return float(
            (cd.locally_connected2d(x, w, b, stride=stride, padding=padding) * dy).sum()
        )

    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6)
    np.testing.assert_allclose(dw, numeric_grad(loss, w), atol=1e-6)
    np.testing.assert_allclose(db, numeric_grad(loss, b), atol=1e-6)


def test_locally_connected_layer_counts_match_params_module():
    layer = cd.LocallyConnected2d(3, 6, (32, 32), 5)
    assert layer.n_params == cd.locally_connected_params(3, 6, 28, 28, 5) == 357_504
    assert layer.n_params == 28 * 28 * cd.conv_params(3, 6, 5, bias=False) + 6 * 28 * 28
    assert cd.LocallyConnected2d(
        3, 6, 32, 5, bias=False
    ).n_params == cd.locally_connected_params(3, 6, 28, 28, 5, bias=False)
    assert layer.forward(np.zeros((1, 3, 32, 32))).shape == (1, 6, 28, 28)


def test_locally_connected_layer_backward_fills_grads(rng):
    layer = cd.LocallyConnected2d(2, 3, (5, 4), 2, stride=1, padding=1, rng=rng)
    x = rng.standard_normal((2, 2, 5, 4))
    y = layer.forward(x)
    dy = rng.standard_normal(y.shape)
    dx = layer.backward(dy)
    ref = cd.locally_connected2d_backward(dy, x, layer.weight, padding=1)
    for got, want in zip((dx, *layer.grads), ref, strict=True):
        np.testing.assert_allclose(got, want)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((2, 2, 1, 1, 2, 2))),
            {},
            ValueError,
            r"`w` must have shape \(H_out, W_out, F, C, KH, KW\) with \(H_out, "
            r"W_out\) = \(3, 3\) and C = 1",
        ),
        (
            (np.zeros((1, 2, 4, 4)), np.zeros((3, 3, 1, 1, 2, 2))),
            {},
            ValueError,
            r"and C = 2",
        ),
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((3, 3, 1, 1, 2))),
            {},
            ValueError,
            r"`w` must be 6-D",
        ),
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((3, 3, 1, 1, 2, 2)), np.zeros((1, 3))),
            {},
            ValueError,
            r"`b` must be 3-D with shape \(F, H_out, W_out\)",
        ),
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((3, 3, 1, 1, 2, 2)), np.zeros((2, 3, 3))),
            {},
            ValueError,
            r"`b` must have shape \(F, H_out, W_out\) = \(1, 3, 3\)",
        ),
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((3, 3, 1, 1, 2, 2))),
            {"stride": 0},
            ValueError,
            r"`stride` must be positive",
        ),
        (
            (np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 1, 1, 5, 5))),
            {},
            ValueError,
            r"`w` must fit in the padded input",
        ),
    ],
)
def test_locally_connected_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        cd.locally_connected2d(*args, **kwargs)


def test_locally_connected_backward_bad_dy():
    with pytest.raises(
        ValueError,
        match=r"`dy` must have the output's shape \(N, F, H_out, W_out\) = \(1, 1, 3, "
        r"3\)",
    ):
        cd.locally_connected2d_backward(
            np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 4, 4)), np.zeros((3, 3, 1, 1, 2, 2))
        )


# --------------------------------------------------------------------------------------
# flatten


def test_flatten_round_trip(rng):
    layer = cd.Flatten()
    x = rng.standard_normal((2, 3, 4, 5))
    y = layer.forward(x)
    assert y.shape == (2, 60) and layer.n_params == 0 and repr(layer) == "Flatten()"
    np.testing.assert_array_equal(layer.backward(y), x)
    with pytest.raises(
        ValueError,
        match=r"`x` must have a batch axis, shape \(N, ...\); got shape \(3,\)",
    ):
        layer.forward(np.zeros(3))

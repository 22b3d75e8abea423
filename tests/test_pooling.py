"""pooling.py against hand-computed arrays, naive loops, finite differences, torch."""

from __future__ import annotations

import numpy as np
import pytest

import convdoc as cd

CASES = [(2, None, 0), (3, 2, 1), ((2, 3), (1, 2), (1, 0)), (3, 1, 0), (4, 3, 2)]


def naive_pool(x, size, stride, padding, reduce, fill):
    pair = lambda v: (v, v) if np.isscalar(v) else tuple(v)  # noqa: E731
    (kh, kw), (ph, pw) = pair(size), pair(padding)
    sh, sw = pair(size if stride is None else stride)
    x = np.pad(
        np.asarray(x, float), ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill
    )
    ho, wo = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    y = np.empty((*x.shape[:2], ho, wo))
    for r in range(ho):
        for c in range(wo):
            y[:, :, r, c] = reduce(
                x[:, :, r * sh : r * sh + kh, c * sw : c * sw + kw], axis=(2, 3)
            )
    return y


def test_hand_computed():
    x = np.arange(16).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(cd.max_pool2d(x, 2)[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(cd.avg_pool2d(x, 2)[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(
        cd.max_pool2d(x, 3, stride=1)[0, 0], [[10, 11], [14, 15]]
    )


@pytest.mark.parametrize(("size", "stride", "padding"), CASES)
def test_against_naive_loops(rng, size, stride, padding):
    x = rng.standard_normal((2, 3, 9, 8))
    np.testing.assert_allclose(
        cd.max_pool2d(x, size, stride=stride, padding=padding),
        naive_pool(x, size, stride, padding, np.max, -np.inf),
    )
    np.testing.assert_allclose(
        cd.avg_pool2d(x, size, stride=stride, padding=padding),
        naive_pool(x, size, stride, padding, np.mean, 0.0),
    )


@pytest.mark.parametrize(("size", "stride", "padding"), CASES)
def test_forward_and_backward_match_torch(rng, torch, size, stride, padding):
    x = rng.standard_normal((2, 3, 9, 8))
    kwargs = dict(stride=stride, padding=padding)
    for ours, back, theirs in (
        (cd.max_pool2d, cd.max_pool2d_backward, torch.nn.functional.max_pool2d),
        (cd.avg_pool2d, cd.avg_pool2d_backward, torch.nn.functional.avg_pool2d),
    ):
        xt = torch.tensor(x, requires_grad=True)
        yt = theirs(xt, size, **kwargs)
        dy = rng.standard_normal(tuple(yt.shape))
        yt.backward(torch.from_numpy(dy))
        np.testing.assert_allclose(
            ours(x, size, **kwargs), yt.detach().numpy(), atol=1e-12
        )
        np.testing.assert_allclose(
            back(dy, x, size, **kwargs), xt.grad.numpy(), atol=1e-12
        )


def test_max_backward_ties_go_to_first_maximum_like_torch(torch):
    x = np.zeros((1, 1, 4, 4))  # every window is a tie
    dy = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    xt = torch.tensor(x, requires_grad=True)
    torch.nn.functional.max_pool2d(xt, 2).backward(torch.from_numpy(dy))
    got = cd.max_pool2d_backward(dy, x, 2)
    np.testing.assert_array_equal(got, xt.grad.numpy())
    np.testing.assert_array_equal(
        got[0, 0], [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]]
    )


@pytest.mark.parametrize(("size", "stride", "padding"), CASES)
def test_backward_matches_finite_differences(rng, size, stride, padding):
    # Distinct values: max is differentiable.
    x = rng.permutation(2 * 9 * 8).reshape(2, 1, 9, 8) / 7.0
    for forward, backward in (
        (cd.max_pool2d, cd.max_pool2d_backward),
        (cd.avg_pool2d, cd.avg_pool2d_backward),
    ):
        y = forward(x, size, stride=stride, padding=padding)
        dy = rng.standard_normal(y.shape)
        dx = backward(dy, x, size, stride=stride, padding=padding)
        numeric = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            for sign in (1, -1):
                xe = x.copy()
                xe[idx] += sign * 1e-4
                numeric[idx] += (
                    sign
                    * (forward(xe, size, stride=stride, padding=padding) * dy).sum()
                    / 2e-4
                )
        np.testing.assert_allclose(dx, numeric, atol=1e-6)


def test_dtypes(rng):
    x32 = rng.standard_normal((1, 1, 4, 4), dtype=np.float32)
    assert cd.max_pool2d(x32, 2).dtype == cd.avg_pool2d(x32, 2).dtype == np.float32
    assert cd.max_pool2d(np.ones((1, 1, 4, 4), int), 2).dtype == np.float64


def test_layers(rng):
    pool = cd.MaxPool2d(2)
    assert (repr(pool), pool.n_params, pool.params) == ("MaxPool2d(2)", 0, [])
    assert (
        repr(cd.AvgPool2d((2, 3), stride=1, padding=(1, 0)))
        == "AvgPool2d((2, 3), stride=1, padding=(1, 0))"
    )
    x = rng.standard_normal((2, 3, 6, 6))
    for layer, f, b in (
        (cd.MaxPool2d(3, 2, 1), cd.max_pool2d, cd.max_pool2d_backward),
        (cd.AvgPool2d(3, 2, 1), cd.avg_pool2d, cd.avg_pool2d_backward),
    ):
        y = layer.forward(x)
        np.testing.assert_array_equal(y, f(x, 3, stride=2, padding=1))
        np.testing.assert_array_equal(
            layer.backward(np.ones_like(y)),
            b(np.ones_like(y), x, 3, stride=2, padding=1),
        )
    with pytest.raises(RuntimeError, match="preceding `forward`"):
        cd.AvgPool2d(2).backward(np.ones((1, 1, 1, 1)))


@pytest.mark.parametrize(
    ("x", "kwargs", "error", "match"),
    [
        (
            np.zeros((4, 4)),
            {"size": 2},
            ValueError,
            r"`x` must be 4-D with shape \(N, C, H, W\); got shape \(4, 4\)",
        ),
        (
            np.zeros((1, 1, 4, 4)),
            {"size": 0},
            ValueError,
            r"`size` must be positive; got 0",
        ),
        (
            np.zeros((1, 1, 4, 4)),
            {"size": 2.0},
            TypeError,
            r"`size` must be an int or a pair of ints",
        ),
        (
            np.zeros((1, 1, 4, 4)),
            {"size": 5},
            ValueError,
            r"`size` must fit in the padded input",
        ),
        (
            np.zeros((1, 1, 4, 4)),
            {"size": 2, "padding": 2},
            ValueError,
            r"`padding` must be at most half the window",
        ),
        (
            np.zeros((1, 1, 4, 4)),
            {"size": 2, "stride": (1, 0)},
            ValueError,
            r"`stride` must be positive",
        ),
        (
            np.zeros((1, 1, 4, 4), bool),
            {"size": 2},
            TypeError,
            r"`x` must be numeric, not boolean",
        ),
    ],
)
def test_bad_input(x, kwargs, error, match):
    for f in (cd.max_pool2d, cd.avg_pool2d):
        with pytest.raises(error, match=match):
            f(x, **kwargs)


def test_backward_bad_dy():
    for f in (cd.max_pool2d_backward, cd.avg_pool2d_backward):
        with pytest.raises(
            ValueError,
            match=r"`dy` must have the output's shape \(N, C, H_out, W_out\) = \(1, "
            r"1, 2, 2\); got shape \(1, 1, 3, 3\)",
        ):
            f(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 4, 4)), 2)


def test_pooling_is_only_locally_invariant():
    """A bright pixel moving inside one window leaves max pooling unchanged; across
    windows it does not."""
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 0, 0] = 1
    moved_inside, moved_across = np.roll(x, 1, axis=3), np.roll(x, 2, axis=3)
    np.testing.assert_array_equal(cd.max_pool2d(moved_inside, 2), cd.max_pool2d(x, 2))
    assert not np.array_equal(cd.max_pool2d(moved_across, 2), cd.max_pool2d(x, 2))

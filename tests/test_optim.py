"""optim.py against torch.optim.SGD / torch.optim.Adam, hand-computed steps and a
quadratic."""

from __future__ import annotations

import numpy as np
import pytest

import convdoc as cd

SHAPES = [(3, 2, 2, 2), (3,), ()]  # a kernel, a bias and a 0-d scalar


def random_params(rng, dtype=np.float64):
    return [rng.normal(size=s).astype(dtype) for s in SHAPES]


def run_torch(torch, make_optimizer, params, grads_per_step):
    tensors = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    optimizer = make_optimizer(tensors)
    for grads in grads_per_step:
        for t, g in zip(tensors, grads, strict=True):
            t.grad = torch.tensor(g)
        optimizer.step()
    return [t.detach().numpy() for t in tensors]


def run_ours(make_optimizer, params, grads_per_step):
    params = [p.copy() for p in params]
    optimizer = make_optimizer(params)
    for grads in grads_per_step:
        optimizer.step(grads)
    return params


# --------------------------------------------------------------------------------------
# PyTorch


@pytest.mark.torch
@pytest.mark.parametrize(("lr", "momentum"), [(0.01, 0.0), (0.1, 0.9), (0.5, 0.5)])
def test_gradient_descent_matches_torch_sgd(torch, rng, lr, momentum):
    params = random_params(rng)
    grads = [[rng.normal(size=s) for s in SHAPES] for _ in range(20)]
    ours = run_ours(
        lambda ps: cd.GradientDescent(ps, lr=lr, momentum=momentum), params, grads
    )
    theirs = run_torch(
        torch, lambda ts: torch.optim.SGD(ts, lr=lr, momentum=momentum), params, grads
    )
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize(
    "options",
    [{}, dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3), dict(lr=0.01, betas=(0.0, 0.0))],
)
def test_adam_matches_torch_adam(torch, rng, options):
    params = random_params(rng)
    # Gradients of very different scales per step, to exercise the second moment.
    grads = [
        [rng.normal(size=s) * 10.0 ** rng.integers(-3, 3) for s in SHAPES]
        for _ in range(20)
    ]
    ours = run_ours(lambda ps: cd.Adam(ps, **options), params, grads)
    theirs = run_torch(torch, lambda ts: torch.optim.Adam(ts, **options), params, grads)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-12)


# --------------------------------------------------------------------------------------
# Hand-computed steps


def test_gradient_descent_hand_steps():
    p = np.array([1.0, -2.0])
    opt = cd.GradientDescent([p], lr=0.5)
    opt.step([np.array([2.0, -4.0])])
    np.testing.assert_array_equal(p, [0.0, 0.0])


def test_momentum_hand_steps():
    # Constant gradient 1, μ = 0.5, η = 1: velocities 1, 1.5,
    # 1.75 → p = -1, -2.5, -4.25.
    p = np.zeros(1)
    opt = cd.GradientDescent([p], lr=1.0, momentum=0.5)
    trajectory = []
    for _ in range(3):
        opt.step([np.ones(1)])
        trajectory.append(float(p[0]))
    assert trajectory == [-1.0, -2.5, -4.25]
    # ...and the step tends to η g / (1 - μ) = 2.
    for _ in range(60):
        before = float(p[0])
        opt.step([np.ones(1)])
    assert before - float(p[0]) == pytest.approx(2.0, rel=1e-12)


def test_adam_first_step_is_lr_times_sign():
    p = np.zeros(4)
    opt = cd.Adam([p], lr=0.1, eps=1e-12)
    opt.step([np.array([-1e-3, 5.0, -7e4, 1e-6])])
    np.testing.assert_allclose(p, [0.1, -0.1, 0.1, -0.1], rtol=1e-5)
    assert opt.t == 1


def test_zero_state_restarts(rng):
    for make in (
        lambda ps: cd.GradientDescent(ps, lr=0.1, momentum=0.9),
        lambda ps: cd.Adam(ps, lr=0.1),
    ):
        p, fresh = np.ones(3), np.ones(3)
        opt = make([p])
        for _ in range(5):
            opt.step([rng.normal(size=3)])
        opt.zero_state()
        p[...] = 1.0
        g = rng.normal(size=3)
        opt.step([g])
        make([fresh]).step([g])
        np.testing.assert_array_equal(p, fresh)


# --------------------------------------------------------------------------------------
# In place, dtypes


@pytest.mark.parametrize(
    "make", [lambda ps: cd.GradientDescent(ps, momentum=0.9), lambda ps: cd.Adam(ps)]
)
def test_updates_the_same_arrays_in_place(make, rng):
    layer = cd.Conv2d(2, 3, 2, rng=0)
    weight, bias = layer.weight, layer.bias
    before = [p.copy() for p in layer.params]
    opt = make(layer.params)
    layer.forward(rng.normal(size=(1, 2, 4, 4)))
    layer.backward(np.ones((1, 3, 3, 3)))
    opt.step(layer.grads)
    assert opt.params[0] is weight and opt.params[1] is bias
    assert layer.weight is weight and layer.bias is bias and layer.params[0] is weight
    assert all(np.all(p != b) for p, b in zip(layer.params, before, strict=True))


@pytest.mark.parametrize(
    "make", [lambda ps: cd.GradientDescent(ps, momentum=0.9), lambda ps: cd.Adam(ps)]
)
def test_float32_params_stay_float32(make, rng):
    p = np.ones((2, 2), np.float32)
    opt = make([p])
    # Float64 gradients are cast to the parameter's dtype.
    opt.step([rng.normal(size=(2, 2))])
    opt.step([np.ones((2, 2), np.float32)])
    assert p.dtype == np.float32
    assert np.all(p != 1)


def test_grads_may_be_lists_and_tuples():
    p = np.zeros(2)
    opt = cd.GradientDescent((p,), lr=1.0)
    opt.step(([1, 2],))
    np.testing.assert_array_equal(p, [-1, -2])


# --------------------------------------------------------------------------------------
# Convergence


@pytest.mark.parametrize(
    ("make", "steps"),
    [
        (lambda ps: cd.GradientDescent(ps, lr=0.1), 400),
        (lambda ps: cd.GradientDescent(ps, lr=0.1, momentum=0.9), 400),
        (lambda ps: cd.Adam(ps, lr=0.05), 2000),
    ],
)
def test_converges_on_a_quadratic(make, steps, rng):
    # f(p) = ½ pᵀ A p − bᵀ p with A symmetric positive definite (eigenvalues 1 … 5):
    # minimum A⁻¹ b.
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    a = q @ np.diag([1.0, 2.0, 3.0, 5.0]) @ q.T
    b = rng.normal(size=4)
    p = np.zeros(4)
    opt = make([p])
    for _ in range(steps):
        opt.step([a @ p - b])
    np.testing.assert_allclose(p, np.linalg.solve(a, b), atol=1e-6)


# --------------------------------------------------------------------------------------
# Repr


def test_reprs():
    two = [np.zeros(2), np.zeros(3)]
    assert repr(cd.Adam(two)) == "Adam(lr=0.001, betas=(0.9, 0.999), 2 arrays)"
    assert (
        repr(cd.Adam(two[:1], lr=0.1, eps=1e-6))
        == "Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-06, 1 array)"
    )
    assert (
        repr(cd.GradientDescent(two))
        == "GradientDescent(lr=0.01, momentum=0, 2 arrays)"
    )
    assert repr(cd.GradientDescent(two, lr=1 / 3, momentum=0.9)) == (
        "GradientDescent(lr=0.3333333333333333, momentum=0.9, 2 arrays)"
    )


# --------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("cls", [cd.GradientDescent, cd.Adam])
@pytest.mark.parametrize(
    ("params", "exc", "match"),
    [
        (
            np.zeros(3),
            TypeError,
            r"`params` must be a list of float arrays \(wrap a single array: \[w\]\); "
            r"got ndarray",
        ),
        (None, TypeError, "`params` must be a list of float arrays .*; got NoneType"),
        (
            [],
            ValueError,
            "`params` must be a non-empty list of float arrays; got an empty list",
        ),
        (
            [np.zeros(2), np.zeros(2, int)],
            TypeError,
            r"`params\[1\]` must be a float ndarray \(updated in place\); got array "
            r"of dtype int64",
        ),
        (
            [[1.0, 2.0]],
            TypeError,
            r"`params\[0\]` must be a float ndarray \(updated in place\); got list",
        ),
        (
            [np.zeros(2, complex)],
            TypeError,
            r"`params\[0\]` must be a float ndarray .*; got array of dtype complex128",
        ),
        (
            [np.broadcast_to(np.zeros(1), (3,))],
            ValueError,
            r"`params\[0\]` must be writeable .*; got a read-only array",
        ),
    ],
)
def test_bad_params(cls, params, exc, match):
    with pytest.raises(exc, match=match):
        cls(params)


@pytest.mark.parametrize("cls", [cd.GradientDescent, cd.Adam])
def test_repeated_param_is_rejected(cls):
    p = np.zeros(2)
    with pytest.raises(
        ValueError, match="`params` must not list the same numbers twice"
    ):
        cls([p, p])


@pytest.mark.parametrize("cls", [cd.GradientDescent, cd.Adam])
@pytest.mark.parametrize(
    ("lr", "exc", "match"),
    [
        (0, ValueError, "`lr` must be > 0; got 0"),
        (-0.1, ValueError, r"`lr` must be > 0; got -0.1"),
        (np.inf, ValueError, "`lr` must be > 0; got inf"),
        (np.nan, ValueError, "`lr` must be > 0; got nan"),
        ("0.1", TypeError, r"`lr` must be a real number > 0; got '0.1' \(str\)"),
        (True, TypeError, r"`lr` must be a real number > 0; got True \(bool\)"),
    ],
)
def test_bad_lr(cls, lr, exc, match):
    with pytest.raises(exc, match=match):
        cls([np.zeros(2)], lr=lr)


@pytest.mark.parametrize(
    ("momentum", "exc", "match"),
    [
        (-0.1, ValueError, r"`momentum` must be in \[0, 1\); got -0.1"),
        (1, ValueError, r"`momentum` must be in \[0, 1\); got 1"),
        (1.5, ValueError, r"`momentum` must be in \[0, 1\); got 1.5"),
        (
            None,
            TypeError,
            r"`momentum` must be a real number in \[0, 1\); got None \(NoneType\)",
        ),
    ],
)
def test_bad_momentum(momentum, exc, match):
    with pytest.raises(exc, match=match):
        cd.GradientDescent([np.zeros(2)], momentum=momentum)


@pytest.mark.parametrize(
    ("options", "exc", "match"),
    [
        (
            dict(betas=(1.0, 0.999)),
            ValueError,
            r"`betas\[0\]` must be in \[0, 1\); got 1.0",
        ),
        (
            dict(betas=(0.9, -0.1)),
            ValueError,
            r"`betas\[1\]` must be in \[0, 1\); got -0.1",
        ),
        (
            dict(betas=(0.9,)),
            TypeError,
            r"`betas` must be a pair \(beta1, beta2\); got \(0.9,\)",
        ),
        (
            dict(betas=0.9),
            TypeError,
            r"`betas` must be a pair \(beta1, beta2\); got 0.9",
        ),
        (
            dict(betas=("a", 0.9)),
            TypeError,
            r"`betas\[0\]` must be a real number in \[0, 1\); got 'a'",
        ),
        (dict(eps=0), ValueError, "`eps` must be > 0; got 0"),
        (dict(eps=-1e-8), ValueError, "`eps` must be > 0; got -1e-08"),
    ],
)
def test_bad_adam_options(options, exc, match):
    with pytest.raises(exc, match=match):
        cd.Adam([np.zeros(2)], **options)


@pytest.mark.parametrize("cls", [cd.GradientDescent, cd.Adam])
@pytest.mark.parametrize(
    ("grads", "exc", "match"),
    [
        (
            [np.zeros(2)],
            ValueError,
            r"`grads` must hold one array per parameter \(2\); got 1",
        ),
        (
            [np.zeros(2), np.zeros(3), np.zeros(1)],
            ValueError,
            r"one array per parameter \(2\); got 3",
        ),
        (
            [np.zeros(2), np.zeros((3, 1))],
            ValueError,
            r"`grads\[1\]` must have the shape of `params\[1\]`, \(3,\); got shape "
            r"\(3, 1\)",
        ),
        (
            [np.zeros(2), np.zeros(3, complex)],
            TypeError,
            r"`grads\[1\]` must be real, not complex",
        ),
        (
            [np.zeros(2), np.zeros(3, bool)],
            TypeError,
            r"`grads\[1\]` must be numeric, not boolean",
        ),
        (
            np.zeros((2, 3)),
            TypeError,
            "`grads` must be a list of arrays, one per parameter; got ndarray",
        ),
    ],
)
def test_bad_grads_leave_params_untouched(cls, grads, exc, match):
    params = [np.ones(2), np.ones(3)]
    opt = cls(params, lr=0.1)
    with pytest.raises(exc, match=match):
        opt.step(grads)
    # Validated before anything is written: no array moved, no state advanced.
    assert all(np.all(p == 1) for p in params)
    opt.step([np.ones(2), np.ones(3)])
    np.testing.assert_allclose(params[0], 0.9, rtol=1e-6)

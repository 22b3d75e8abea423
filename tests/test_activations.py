"""activations.py against hand values, finite differences and PyTorch (values and
autograd)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import convdoc as cd

FUNCTIONS = {  # name: (function, derivative)
    "relu": (cd.relu, cd.relu_grad),
    "sigmoid": (cd.sigmoid, cd.sigmoid_grad),
    "square": (cd.square, cd.square_grad),
    "absolute": (cd.absolute, cd.absolute_grad),
}
LAYERS = {
    "relu": cd.ReLU,
    "sigmoid": cd.Sigmoid,
    "square": cd.Square,
    "absolute": cd.Absolute,
}
# (a, b) pairs for the sigmoid: the default, the slides' values, a
# negative slope, a steep one.
SLOPES_OFFSETS = [
    (1.0, 0.0),
    (cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B),
    (-0.5, 2.0),
    (7.0, -1.5),
]


# --------------------------------------------------------------------------------------
# Hand values


def test_hand_values():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(cd.relu(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(cd.relu_grad(z), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(cd.square(z), [4, 0.25, 0, 0.25, 4])
    np.testing.assert_array_equal(cd.square_grad(z), [-4, -1, 0, 1, 4])
    np.testing.assert_array_equal(cd.absolute(z), [2, 0.5, 0, 0.5, 2])
    np.testing.assert_array_equal(cd.absolute_grad(z), [-1, -1, 0, 1, 1])
    e = np.exp(-2.0)
    np.testing.assert_allclose(
        cd.sigmoid([-2.0, 0.0, 2.0]), [e / (1 + e), 0.5, 1 / (1 + e)], rtol=1e-15
    )
    np.testing.assert_allclose(
        cd.sigmoid_grad([-2.0, 0.0, 2.0]),
        [e / (1 + e) ** 2, 0.25, e / (1 + e) ** 2],
        rtol=1e-15,
    )


def test_slides_constants_and_sigmoid_shape():
    assert (cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B) == (0.08, 50.0)
    a, b = cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B
    # Exactly 1/2 at the offset b, slope a/4 there, symmetric about it: σ(b + d) + σ(b -
    # d) = 1.
    assert float(cd.sigmoid(b, a, b)) == 0.5
    assert float(cd.sigmoid_grad(b, a, b)) == pytest.approx(a / 4, rel=1e-15)
    d = np.linspace(0, 200, 21)
    np.testing.assert_allclose(
        cd.sigmoid(b + d, a, b) + cd.sigmoid(b - d, a, b), 1, rtol=1e-15
    )
    # 12% → 88% over 4 / a = 50 grey levels; a negative slope mirrors the curve.
    np.testing.assert_allclose(
        cd.sigmoid([b - 25, b + 25], a, b), 1 / (1 + np.exp([2.0, -2.0])), rtol=1e-14
    )
    np.testing.assert_allclose(
        cd.sigmoid(d, -a, b), 1 - cd.sigmoid(d, a, b), atol=1e-15
    )


def test_sigmoid_tails_keep_full_relative_precision():
    # Far from b, σ(t) ≈ e^t (t < 0) and σ'(t) ≈ e^-|t|: no cancellation in 1 - σ.
    t = np.array([-700.0, -40.0, 40.0, 700.0])
    np.testing.assert_allclose(cd.sigmoid(t[:2]), np.exp(t[:2]), rtol=1e-14)
    np.testing.assert_allclose(cd.sigmoid_grad(t), np.exp(-np.abs(t)), rtol=1e-14)


def test_grads_at_kinks_are_zero_like_torch():
    assert float(cd.relu_grad(0.0)) == 0.0
    assert float(cd.absolute_grad(0.0)) == 0.0
    assert float(cd.absolute_grad(-0.0)) == 0.0


# --------------------------------------------------------------------------------------
# Finite differences


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("ab", SLOPES_OFFSETS)
def test_grad_matches_central_differences(name, ab, rng):
    f, df = FUNCTIONS[name]
    kwargs = dict(a=ab[0], b=ab[1]) if name == "sigmoid" else {}
    z = rng.uniform(-5, 5, size=(3, 4)) * (
        100 if kwargs.get("a") == cd.SLIDES_SIGMOID_A else 1
    )
    z = z[np.abs(z) > 1e-3]  # stay away from the kinks of relu and absolute at 0
    h = 1e-6 * np.maximum(1, np.abs(z))
    numeric = (f(z + h, **kwargs) - f(z - h, **kwargs)) / (2 * h)
    np.testing.assert_allclose(df(z, **kwargs), numeric, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------------------
# PyTorch


def torch_function(torch, name, a=1.0, b=0.0):
    return {
        "relu": torch.relu,
        "sigmoid": lambda t: torch.sigmoid(a * (t - b)),
        "square": torch.square,
        "absolute": torch.abs,
    }[name]


@pytest.mark.torch
@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("ab", SLOPES_OFFSETS)
def test_values_and_grads_match_torch(torch, name, ab, rng):
    f, df = FUNCTIONS[name]
    kwargs = dict(a=ab[0], b=ab[1]) if name == "sigmoid" else {}
    z = np.concatenate(
        [rng.normal(scale=60, size=50), rng.normal(size=50), [0.0, -0.0, 1e4, -1e4]]
    )
    t = torch.tensor(z, requires_grad=True)
    y = torch_function(torch, name, *ab)(t)
    y.sum().backward()
    np.testing.assert_allclose(
        f(z, **kwargs), y.detach().numpy(), rtol=1e-12, atol=1e-300
    )
    # torch's sigmoid backward is σ(1 - σ), which rounds to 0 (or loses digits) once σ ≈
    # 1; ours, a·e/(1 + e)², does not: the two agree to ~1e-16 absolute, not relative.
    np.testing.assert_allclose(df(z, **kwargs), t.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.torch
@pytest.mark.parametrize("name", FUNCTIONS)
def test_layer_backward_matches_torch_autograd(torch, name, rng):
    ab = (cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B) if name == "sigmoid" else ()
    layer = LAYERS[name](*ab)
    x, dy = rng.normal(scale=50, size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 4, 5))
    t = torch.tensor(x, requires_grad=True)
    y = torch_function(torch, name, *ab)(t)
    y.backward(torch.tensor(dy))
    np.testing.assert_allclose(layer.forward(x), y.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(
        layer.backward(dy), t.grad.numpy(), rtol=1e-12, atol=1e-15
    )


@pytest.mark.torch
def test_float32_matches_torch_float32(torch, rng):
    z = rng.normal(scale=10, size=100).astype(np.float32)
    a, b = 0.5, 3.0
    expected = torch.sigmoid(a * (torch.from_numpy(z) - b)).numpy()
    np.testing.assert_allclose(cd.sigmoid(z, a, b), expected, rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------------------------
# Dtype and shape


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        (np.float32, np.float32),
        (np.float64, np.float64),
        (np.int64, np.float64),
        (np.uint8, np.float64),
        (np.float16, np.float32),
    ],
)
def test_dtype_rules_and_shape(name, dtype, expected):
    z = (
        np.arange(-3, 3).reshape(1, 2, 3).astype(dtype)
        if dtype != np.uint8
        else np.arange(6, dtype=dtype)
    )
    for g in FUNCTIONS[name]:
        out = g(z)
        assert out.dtype == expected
        assert out.shape == z.shape


@pytest.mark.parametrize("name", FUNCTIONS)
def test_lists_and_scalars_are_accepted(name):
    f, df = FUNCTIONS[name]
    np.testing.assert_array_equal(f([[1, 2]]), f(np.array([[1.0, 2.0]])))
    assert np.shape(df(3)) == ()


@pytest.mark.parametrize("name", FUNCTIONS)
def test_input_is_not_modified(name, rng):
    z = rng.normal(size=10)
    before = z.copy()
    for g in FUNCTIONS[name]:
        g(z)
    np.testing.assert_array_equal(z, before)


# --------------------------------------------------------------------------------------
# Numerical stability (filterwarnings = error turns any overflow warning into a failure)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ab", SLOPES_OFFSETS)
def test_sigmoid_is_stable_for_huge_inputs(dtype, ab):
    a, b = ab
    z = np.array([-1e4, 1e4, -3e38, 3e38, -np.inf, np.inf], dtype)
    low, high = (0.0, 1.0) if a > 0 else (1.0, 0.0)
    np.testing.assert_array_equal(cd.sigmoid(z, a, b), [low, high] * 3)
    np.testing.assert_array_equal(cd.sigmoid_grad(z, a, b), 0)


def test_sigmoid_is_stable_when_the_argument_overflows():
    # a·(z - b) is beyond the float range: the limits are still exact, without warnings.
    z = np.array([-1e308, 1e308])
    np.testing.assert_array_equal(cd.sigmoid(z, a=1e10, b=-1e308), [0.5, 1.0])
    np.testing.assert_array_equal(cd.sigmoid(z, a=-1e300, b=1.0), [1.0, 0.0])
    np.testing.assert_array_equal(cd.sigmoid_grad(z, a=1e300), [0.0, 0.0])


def test_nan_propagates():
    z = np.array([np.nan, 0.0])
    for name in ("relu", "sigmoid", "square", "absolute"):
        assert np.isnan(FUNCTIONS[name][0](z)[0])
    assert np.isnan(cd.sigmoid_grad(z)[0])


@given(
    z=st.floats(allow_nan=False),
    a=st.floats(allow_nan=False, allow_infinity=False),
    b=st.floats(allow_nan=False, allow_infinity=False),
)
def test_sigmoid_in_unit_interval_without_warnings(z, a, b):
    if a == 0:
        return
    s, ds = float(cd.sigmoid(z, a, b)), float(cd.sigmoid_grad(z, a, b))
    assert 0.0 <= s <= 1.0
    assert ds * np.sign(a) >= 0 and np.isfinite(ds)
    assert float(cd.sigmoid(z, -a, b)) == pytest.approx(1 - s, abs=1e-15)


# --------------------------------------------------------------------------------------
# Layers


@pytest.mark.parametrize("name", FUNCTIONS)
def test_layer_forward_backward_multiplies_by_grad(name, rng):
    f, df = FUNCTIONS[name]
    layer = LAYERS[name]()
    x, dy = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(2, 3, 4, 4))
    np.testing.assert_array_equal(layer.forward(x), f(x))
    np.testing.assert_array_equal(layer.backward(dy), dy * df(x))
    assert layer.params == [] and layer.grads == [] and layer.n_params == 0
    assert layer.params is not LAYERS[name]().params  # no shared mutable state


@pytest.mark.parametrize("name", FUNCTIONS)
def test_layer_backward_matches_finite_differences(name, rng):
    layer = LAYERS[name](0.5, 1.0) if name == "sigmoid" else LAYERS[name]()
    x = rng.normal(size=(2, 3))
    x[np.abs(x) < 1e-3] = 0.5
    dy = rng.normal(size=x.shape)
    layer.forward(x)
    dx = layer.backward(dy)
    h = 1e-6
    numeric = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        numeric[idx] = np.sum(dy * (layer.forward(x + e) - layer.forward(x - e))) / (
            2 * h
        )
    np.testing.assert_allclose(dx, numeric, rtol=1e-6, atol=1e-9)


def test_layer_dtypes():
    layer = cd.ReLU()
    x32 = np.ones(3, np.float32)
    assert layer.forward(x32).dtype == np.float32
    assert layer.backward(np.ones(3, np.float32)).dtype == np.float32
    assert layer.backward(np.ones(3)).dtype == np.float64
    assert layer.forward(np.arange(3)).dtype == np.float64


def test_layer_reprs():
    assert repr(cd.ReLU()) == "ReLU()"
    assert repr(cd.Square()) == "Square()"
    assert repr(cd.Absolute()) == "Absolute()"
    assert repr(cd.Sigmoid()) == "Sigmoid(a=1, b=0)"
    assert (
        repr(cd.Sigmoid(cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B))
        == "Sigmoid(a=0.08, b=50)"
    )
    assert (
        repr(cd.Sigmoid(a=-0.123456789, b=1e-20)) == "Sigmoid(a=-0.123456789, b=1e-20)"
    )


def test_layer_sigmoid_uses_its_slope_and_offset(rng):
    layer = cd.Sigmoid(a=2.0, b=-1.0)
    x = rng.normal(size=5)
    np.testing.assert_array_equal(layer.forward(x), cd.sigmoid(x, 2.0, -1.0))
    np.testing.assert_array_equal(
        layer.backward(np.ones(5)), cd.sigmoid_grad(x, 2.0, -1.0)
    )


def test_layer_errors():
    layer = cd.ReLU()
    with pytest.raises(RuntimeError, match="`backward` needs a preceding `forward`"):
        layer.backward(np.ones(3))
    layer.forward(np.ones((2, 3)))
    with pytest.raises(
        ValueError,
        match=r"`dy` must have the shape of the forward input \(2, 3\); got shape "
        r"\(3,\)",
    ):
        layer.backward(np.ones(3))
    with pytest.raises(TypeError, match="`dy` must be real, not complex"):
        layer.backward(np.ones((2, 3), complex))
    with pytest.raises(TypeError, match="`x` must be numeric, not boolean"):
        layer.forward(np.ones(3, bool))
    with pytest.raises(
        ValueError, match="`a` must be a finite nonzero real number; got 0"
    ):
        cd.Sigmoid(a=0)


# --------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize(
    ("z", "exc", "match"),
    [
        (
            np.ones(2, complex),
            TypeError,
            "`z` must be real, not complex; got dtype complex128",
        ),
        (
            np.ones(2, bool),
            TypeError,
            "`z` must be numeric, not boolean; got dtype bool",
        ),
        (["a", "b"], TypeError, "`z` must be a real numeric array; got dtype <U1"),
        ([[1, 2], [3]], TypeError, "`z` must be a real numeric array; got list"),
        (np.ones((0, 3)), ValueError, r"`z` must not be empty; got shape \(0, 3\)"),
    ],
)
def test_bad_input(name, z, exc, match):
    for g in FUNCTIONS[name]:
        with pytest.raises(exc, match=match):
            g(z)


@pytest.mark.parametrize(
    "g", [cd.sigmoid, cd.sigmoid_grad, lambda z, a, b: cd.Sigmoid(a, b)]
)
@pytest.mark.parametrize(
    ("a", "b", "exc", "match"),
    [
        (0, 0.0, ValueError, "`a` must be a finite nonzero real number; got 0"),
        (0.0, 0.0, ValueError, "`a` must be a finite nonzero real number; got 0.0"),
        (np.inf, 0.0, ValueError, "`a` must be a finite nonzero real number; got inf"),
        (np.nan, 0.0, ValueError, "`a` must be a finite nonzero real number; got nan"),
        (
            "1",
            0.0,
            TypeError,
            r"`a` must be a finite nonzero real number; got '1' \(str\)",
        ),
        (
            True,
            0.0,
            TypeError,
            r"`a` must be a finite nonzero real number; got True \(bool\)",
        ),
        (
            1j,
            0.0,
            TypeError,
            r"`a` must be a finite nonzero real number; got 1j \(complex\)",
        ),
        (
            np.ones(2),
            0.0,
            TypeError,
            r"`a` must be a finite nonzero real number; got array",
        ),
        (1.0, -np.inf, ValueError, "`b` must be a finite real number; got -inf"),
        (1.0, np.nan, ValueError, "`b` must be a finite real number; got nan"),
        (
            1.0,
            None,
            TypeError,
            r"`b` must be a finite real number; got None \(NoneType\)",
        ),
    ],
)
def test_bad_slope_or_offset(g, a, b, exc, match):
    with pytest.raises(exc, match=match):
        g(np.ones(3), a, b)


def test_numpy_scalars_are_accepted_for_a_and_b():
    np.testing.assert_array_equal(
        cd.sigmoid([50], np.float32(0.5), np.int64(50)), [0.5]
    )

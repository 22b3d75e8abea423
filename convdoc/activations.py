"""Activations: the element-wise non-linearities that turn a linear filter into a
detector.

Why a non-linearity after each convolution? Convolution is linear, and a stack of
linear convolutions is again *one* linear convolution (kernels compose: ``W₂ * (W₁ * x)
= (W₂ * W₁) * x``), so depth alone buys nothing. A non-linearity σ between them breaks
that: ``σ(W * x)`` can say "there is an edge here" (σ large) or "there is not" (σ ≈ 0)
instead of just "how much", and the next layer combines detections, not intensities.

Every function maps an array of any shape to a float array of the same shape
(float32 if the input is float32, else float64); ``*_grad`` is the derivative dσ/dz
evaluated at ``z``, which the layer classes multiply by the incoming gradient.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_real_array, is_number, result_dtype
from ._layer import Layer

__all__ = [
    "SLIDES_SIGMOID_A",
    "SLIDES_SIGMOID_B",
    "Absolute",
    "ReLU",
    "Sigmoid",
    "Square",
    "absolute",
    "absolute_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "square",
    "square_grad",
]

# The slides' edge-detector sigmoid: slope a = 8·10⁻², offset b = 50
# (in grey levels of I_x).
SLIDES_SIGMOID_A = 0.08
SLIDES_SIGMOID_B = 50.0


def _float(z, name: str = "z") -> np.ndarray:
    z = as_real_array(z, name)
    return z.astype(result_dtype(z), copy=False)


def relu(z) -> np.ndarray:
    """Rectified linear unit, ``max(0, z)``.

    Parameters
    ----------
    z : array_like
        Real array of any shape (integers are computed in float64).

    Returns
    -------
    ndarray
        Same shape as `z`; float32 if `z` is float32, else float64.

    Raises
    ------
    TypeError, ValueError
        If `z` is complex, boolean, not numeric, or empty.

    Notes
    -----
    Zero for every ``z <= 0`` and the identity above: after a filter it keeps the
    positive responses (edges of one sign) and silences the rest. Without it (or another
    non-linearity), stacked convolutions collapse into a single convolution.

    Examples
    --------
    >>> relu([-2, -0.5, 0, 0.5, 2])
    array([0. , 0. , 0. , 0.5, 2. ])
    """
    return np.maximum(_float(z), 0)


def relu_grad(z) -> np.ndarray:
    """Derivative of `relu`: 0 where ``z <= 0``, else 1.

    As in PyTorch, 0 at ``z = 0`` and 1 at NaN.

    Parameters
    ----------
    z : array_like
        The input `relu` was applied to.

    Returns
    -------
    ndarray
        Zeros and ones in the shape of `z`.

    Examples
    --------
    >>> relu_grad([-1, 0, 2, np.nan])
    array([0., 0., 1., 1.])
    """
    z = _float(z)
    return (~(z <= 0)).astype(z.dtype)


def _check_slope_offset(a, b) -> tuple[float, float]:
    for value, name, rule in (
        (a, "a", "a finite nonzero real number"),
        (b, "b", "a finite real number"),
    ):
        if not is_number(value):
            raise TypeError(
                f"`{name}` must be {rule}; got {value!r} ({type(value).__name__})"
            )
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an int beyond the float range
            finite = False
        if not finite or (name == "a" and value == 0):
            raise ValueError(f"`{name}` must be {rule}; got {value!r}")
    return float(a), float(b)


def _exp_minus_abs(z, a, b):
    """``t = a (z - b)`` and ``e = exp(-|t|)`` in (0, 1]: never overflows."""
    z = _float(z)
    a, b = _check_slope_offset(a, b)
    # In float64 even for float32 input: a and b may not fit in float32 (a·0 must stay
    # 0).
    # |t| beyond the float range becomes inf: e = 0, still exact.
    with np.errstate(over="ignore"):
        t = a * (z.astype(np.float64) - b)
    return t, np.exp(-np.abs(t)), z.dtype


def _cast(values, dtype):
    """``values`` in the input's dtype; beyond float32's range they round to ±inf, as
    they should."""
    with np.errstate(over="ignore"):
        return values.astype(dtype, copy=False)


def sigmoid(z, a=1.0, b=0.0) -> np.ndarray:
    """Logistic sigmoid with slope `a` and offset `b`, ``1 / (1 + exp(-a (z - b)))``.

    Parameters
    ----------
    z : array_like
        Real array of any shape (integers are computed in float64).
    a : float, default 1.0
        Slope: the steepness of the step; ``a·(z - b)`` is the logistic's argument,
        so the output climbs from 12% to 88% over ``4 / |a|`` units of `z`. Must be
        finite and nonzero (negative `a` mirrors the curve).
    b : float, default 0.0
        Offset: the threshold ``z = b`` where the output is exactly 1/2. Must be finite.
        The slides use ``a = SLIDES_SIGMOID_A = 0.08`` and ``b = SLIDES_SIGMOID_B =
        50``.

    Returns
    -------
    ndarray
        Values in [0, 1], same shape as `z`; float32 if `z` is float32, else float64.

    Raises
    ------
    TypeError
        If `z` is not a real numeric array, or `a` or `b` is not a real number.
    ValueError
        If `z` is empty, `a` is zero or not finite, or `b` is not finite.

    Notes
    -----
    With ``t = a (z - b)`` and ``e = exp(-|t|) <= 1``, the sigmoid is ``1 / (1 + e)``
    for ``t >= 0`` and ``e / (1 + e)`` for ``t < 0``: ``exp`` never overflows, so ``z =
    ±1e4`` gives exactly 1 and 0 without warnings. After an edge filter, the sigmoid is
    a soft detector: ≈ 0 below the threshold `b`, ≈ 1 well above it.

    Examples
    --------
    >>> sigmoid([-1e4, 0, 1e4])
    array([0. , 0.5, 1. ])
    >>> sigmoid([0, 50, 100], a=SLIDES_SIGMOID_A, b=SLIDES_SIGMOID_B).round(3)
    array([0.018, 0.5  , 0.982])
    """
    t, e, dtype = _exp_minus_abs(z, a, b)
    return _cast(np.where(t >= 0, 1, e) / (1 + e), dtype)


def sigmoid_grad(z, a=1.0, b=0.0) -> np.ndarray:
    """Derivative of `sigmoid` with respect to `z`: ``a · σ(t) (1 - σ(t))``.

    Here ``t = a (z - b)``.

    Computed as ``a · e / (1 + e)²`` with ``e = exp(-|t|)``, stable for any `z`.
    Errors as `sigmoid`.

    Parameters
    ----------
    z : array_like
        The input `sigmoid` was applied to.
    a, b : float, default 1.0 and 0.0
        The slope and offset given to `sigmoid`.

    Returns
    -------
    ndarray
        The slope of the sigmoid at each `z`, between 0 and ``a / 4``.

    Examples
    --------
    >>> sigmoid_grad([-1e4, 0, 1e4])
    array([0.  , 0.25, 0.  ])
    >>> float(sigmoid_grad(50, a=0.08, b=50))
    0.02
    """
    _, e, dtype = _exp_minus_abs(z, a, b)
    return _cast(float(a) * e / (1 + e) ** 2, dtype)


def square(z) -> np.ndarray:
    """``z²``: responds to strong values of either sign (an "energy" detector).

    Parameters
    ----------
    z : array_like
        Real numbers, any shape.

    Returns
    -------
    ndarray
        Each element squared (float32 stays float32; integers give float64).

    Examples
    --------
    >>> square([-3, 0, 2])
    array([9., 0., 4.])
    """
    z = _float(z)
    # Beyond the float range z² is inf, as it should be.
    with np.errstate(over="ignore"):
        return z * z


def square_grad(z) -> np.ndarray:
    """Derivative of `square`: ``2z``.

    Parameters
    ----------
    z : array_like
        Where to take the slope of `square`.

    Returns
    -------
    ndarray
        Twice `z`.

    Examples
    --------
    >>> square_grad([-3, 0, 2])
    array([-6.,  0.,  4.])
    """
    with np.errstate(over="ignore"):
        return 2 * _float(z)


def absolute(z) -> np.ndarray:
    """``|z|``: like `square`, even in `z`, but grows linearly.

    Parameters
    ----------
    z : array_like
        Real values of any shape.

    Returns
    -------
    ndarray
        The magnitude of each value, as floats (float32 for float32 input, else
        float64).

    Examples
    --------
    >>> absolute([-3, 0, 2])
    array([3., 0., 2.])
    """
    return np.abs(_float(z))


def absolute_grad(z) -> np.ndarray:
    """Derivative of `absolute`: ``sign(z)`` (0 at ``z = 0`` and at NaN, like PyTorch).

    Parameters
    ----------
    z : array_like
        Where to take the slope of `absolute`, element by element (any shape,
        real).

    Returns
    -------
    ndarray
        -1, 0 or 1 for each element.

    Examples
    --------
    >>> absolute_grad([-3, 0, 2, np.nan])
    array([-1.,  0.,  1.,  0.])
    """
    z = _float(z)
    return np.where(np.isnan(z), 0, np.sign(z)).astype(z.dtype, copy=False)


class _Elementwise(Layer):
    """Layer protocol for a parameter-free element-wise function (no weights)."""

    def __init__(self):
        self._set_params()

    # Subclasses set _f (the activation) and _df (its derivative).

    def forward(self, x):
        """Apply the activation element-wise; remembers `x` for `backward`."""
        return self._f(self._save(_float(x, "x")))

    def backward(self, dy):
        """Return ``dx = dy · σ'(x)`` for the last `forward` input `x`."""
        x = self._saved_input()
        dy = as_real_array(dy, "dy")
        if dy.shape != x.shape:
            raise ValueError(
                f"`dy` must have the shape of the forward input {x.shape}; got shape "
                f"{dy.shape}"
            )
        with np.errstate(invalid="ignore", over="ignore"):  # inf·0 is NaN, as in torch
            return self._chain(dy.astype(result_dtype(dy, x), copy=False), x)

    def _chain(self, dy, x):
        return dy * self._df(x)

    def __repr__(self):
        return f"{type(self).__name__}()"


class ReLU(_Elementwise):
    """`relu` as a layer (0 parameters).

    Examples
    --------
    >>> layer = ReLU()
    >>> layer, layer.n_params
    (ReLU(), 0)
    >>> layer.forward(np.array([-1.0, 2.0])), layer.backward(np.array([5.0, 5.0]))
    (array([0., 2.]), array([0., 5.]))
    """

    _f, _df = staticmethod(relu), staticmethod(relu_grad)

    def _chain(self, dy, x):
        """``dy`` where ``x > 0`` (or NaN), else 0: a choice, not a product (torch's
        ``threshold_backward``), so an infinite ``dy`` at ``x <= 0`` gives 0, not NaN.
        """
        return np.where(x <= 0, 0, dy).astype(dy.dtype, copy=False)


class Square(_Elementwise):
    """`square` as a layer (0 parameters); backward multiplies by ``2x``.

    Examples
    --------
    >>> layer = Square()
    >>> layer.forward(np.array([-3.0, 2.0])), layer.backward(np.ones(2))
    (array([9., 4.]), array([-6.,  4.]))
    """

    _f, _df = staticmethod(square), staticmethod(square_grad)


class Absolute(_Elementwise):
    """`absolute` as a layer (0 parameters); backward multiplies by ``sign(x)``.

    Examples
    --------
    >>> layer = Absolute()
    >>> layer.forward(np.array([-3.0, 2.0])), layer.backward(np.full(2, 5.0))
    (array([3., 2.]), array([-5.,  5.]))
    """

    _f, _df = staticmethod(absolute), staticmethod(absolute_grad)


class Sigmoid(_Elementwise):
    """`sigmoid` with slope `a` and offset `b` as a layer (0 parameters).

    `a` and `b` are fixed, not learned.

    Parameters
    ----------
    a, b : float, default 1.0 and 0.0
        Slope and offset of ``σ(a·(z - b))``, as in `sigmoid`.

    Examples
    --------
    >>> Sigmoid(SLIDES_SIGMOID_A, SLIDES_SIGMOID_B)
    Sigmoid(a=0.08, b=50)
    >>> layer = Sigmoid()
    >>> layer.forward(np.zeros(2)), layer.backward(np.ones(2))
    (array([0.5, 0.5]), array([0.25, 0.25]))
    """

    def __init__(self, a=1.0, b=0.0):
        super().__init__()
        self.a, self.b = _check_slope_offset(a, b)

    def _f(self, x):
        return sigmoid(x, self.a, self.b)

    def _df(self, x):
        return sigmoid_grad(x, self.a, self.b)

    def __repr__(self):
        short = lambda v: f"{v:g}" if float(f"{v:g}") == v else repr(v)  # noqa: E731
        return f"Sigmoid(a={short(self.a)}, b={short(self.b)})"

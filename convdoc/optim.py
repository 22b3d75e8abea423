"""Optimizers: update a model's parameter arrays in place from their gradients.

Both follow PyTorch's formulas (``torch.optim.SGD`` with dampening 0,
``torch.optim.Adam`` without weight decay) and keep their state per parameter array.
``step(grads)`` writes into the very arrays given as `params`, so a layer holding them
sees the new values at once.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._checks import as_real_array, is_number

__all__ = ["Adam", "GradientDescent"]


def _check_params(params) -> list[np.ndarray]:
    if isinstance(params, np.ndarray) or not isinstance(params, (list, tuple)):
        raise TypeError(
            "`params` must be a list of float arrays (wrap a single array: [w]); got "
            f"{type(params).__name__}"
        )
    if not params:
        raise ValueError(
            "`params` must be a non-empty list of float arrays; got an empty list"
        )
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            kind = (
                f"array of dtype {p.dtype}"
                if isinstance(p, np.ndarray)
                else type(p).__name__
            )
            raise TypeError(
                f"`params[{i}]` must be a float ndarray (updated in place); got {kind}"
            )
        if not p.flags.writeable:
            raise ValueError(
                f"`params[{i}]` must be writeable (it is updated in place); got a "
                "read-only array"
            )
    # Not id(): views share numbers too.
    for i, j in itertools.combinations(range(len(params)), 2):
        if _overlap(params[i], params[j]):
            raise ValueError(
                "`params` must not list the same numbers twice (each step would update "
                f"them twice); got params[{i}] and params[{j}] sharing memory (one "
                "array twice, or views of one)"
            )
    return list(params)


# NumPy >= 1.25 keeps its exceptions in np.exceptions; 1.24 (still
# supported) at the top level.
_TOO_HARD = getattr(getattr(np, "exceptions", np), "TooHardError", Exception)


def _overlap(a, b) -> bool:
    """Whether ``a`` and ``b`` share any number in memory (exactly, or "maybe" if that
    is too hard to tell)."""
    # Disjoint address ranges: the quick and usual answer.
    if not np.may_share_memory(a, b):
        return False
    try:
        return bool(np.shares_memory(a, b, max_work=10**5))
    except _TOO_HARD:
        return True


def _check_number(value, name: str, rule: str, ok) -> float:
    if not is_number(value):
        raise TypeError(
            f"`{name}` must be a real number {rule}; got {value!r} "
            f"({type(value).__name__})"
        )
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int beyond the float range, e.g. 10**400
        finite = False
    if not (finite and ok(value)):
        text = repr(value)
        raise ValueError(
            f"`{name}` must be {rule}; got "
            f"{text if len(text) < 40 else text[:20] + '...'}"
        )
    return float(value)


def _fmt(v: float) -> str:
    return f"{v:g}" if float(f"{v:g}") == v else repr(v)


class _Optimizer:
    """Shared validation of `params` and of the gradients given to `step`."""

    def __init__(self, params, lr):
        self.params = _check_params(params)
        self.lr = _check_number(lr, "lr", "> 0", lambda v: v > 0)
        self.zero_state()

    def _check_grads(self, grads) -> list[np.ndarray]:
        if isinstance(grads, np.ndarray) or not isinstance(grads, (list, tuple)):
            raise TypeError(
                "`grads` must be a list of arrays, one per parameter; got "
                f"{type(grads).__name__}"
            )
        if len(grads) != len(self.params):
            raise ValueError(
                f"`grads` must hold one array per parameter ({len(self.params)}); got "
                f"{len(grads)}"
            )
        out = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            g = as_real_array(g, f"grads[{i}]")
            if g.shape != p.shape:
                raise ValueError(
                    f"`grads[{i}]` must have the shape of `params[{i}]`, {p.shape}; "
                    f"got shape {g.shape}"
                )
            out.append(g.astype(p.dtype, copy=False))
        return out

    def _arrays(self) -> str:
        return f"{len(self.params)} array{'s' if len(self.params) != 1 else ''}"


class GradientDescent(_Optimizer):
    """Gradient descent with optional momentum: ``v ← μ v + g``, ``p ← p − η v``.

    Parameters
    ----------
    params : list of ndarray
        The float arrays to train (e.g. ``model.params``); updated in place.
    lr : float, default 0.01
        Learning rate η > 0.
    momentum : float, default 0.0
        The momentum μ, in [0, 1); 0 is plain gradient descent ``p ← p − η g``.

    Raises
    ------
    TypeError
        If `params` is not a list of float ndarrays, or `lr`/`momentum` is not a number.
    ValueError
        If `params` is empty, read-only or repeats an array, or `lr`/`momentum` is out
        of range.

    Notes
    -----
    PyTorch's ``SGD`` convention (dampening 0): the velocity ``v`` starts at zero, so
    the first step is ``η g`` either way. With momentum, a constant gradient ends up
    taking steps of ``η g / (1 − μ)``. Memory: one velocity array per parameter (if μ >
    0).

    Examples
    --------
    Minimise ``(p − 3)²``, gradient ``2 (p − 3)``: with η = 0.25 each step halves the
    distance to 3.

    >>> p = np.zeros(1)
    >>> opt = GradientDescent([p], lr=0.25)
    >>> for _ in range(3):
    ...     opt.step([2 * (p - 3)])
    >>> p
    array([2.625])
    >>> GradientDescent([p], lr=0.1, momentum=0.9)
    GradientDescent(lr=0.1, momentum=0.9, 1 array)
    """

    def __init__(self, params, lr=0.01, momentum=0.0):
        self.momentum = _check_number(
            momentum, "momentum", "in [0, 1)", lambda v: 0 <= v < 1
        )
        super().__init__(params, lr)

    def zero_state(self):
        """Forget the velocities (the next step is plain gradient descent).

        Examples
        --------
        >>> p = np.zeros(1)
        >>> opt = GradientDescent([p], lr=0.5, momentum=0.5)
        >>> opt.step([np.ones(1)])
        >>> opt.zero_state()
        >>> opt.velocity
        [array([0.])]
        """
        self.velocity = [np.zeros_like(p) for p in self.params] if self.momentum else []

    def step(self, grads):
        """One update of every array of `params`, in place: ``p ← p − η v``.

        Parameters
        ----------
        grads : list of ndarray
            The gradient of each array of `params`, in order and of the same shapes
            (e.g. ``model.grads``).

        Examples
        --------
        >>> p = np.array([1.0, 2.0])
        >>> GradientDescent([p], lr=0.1).step([np.array([10.0, -10.0])])
        >>> p
        array([0., 3.])
        """
        grads = self._check_grads(grads)
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if self.momentum:
                v = self.velocity[i]
                v *= self.momentum
                v += g
                g = v
            p -= self.lr * g

    def __repr__(self):
        return (
            f"GradientDescent(lr={_fmt(self.lr)}, momentum={_fmt(self.momentum)}, "
            f"{self._arrays()})"
        )


class Adam(_Optimizer):
    """Adam: steps of about `lr` per weight, scaled by running gradient statistics.

    Parameters
    ----------
    params : list of ndarray
        The float arrays to train; updated in place.
    lr : float, default 0.001
        Learning rate η > 0 (roughly the largest step any weight takes).
    betas : (float, float), default (0.9, 0.999)
        Decay rates β₁, β₂ in [0, 1) of the running mean of ``g`` and of ``g²``.
    eps : float, default 1e-8
        The ε > 0 added to the denominator.

    Raises
    ------
    TypeError, ValueError
        As `GradientDescent`, and if `betas` is not a pair in [0, 1) or `eps` is not >
        0.

    Notes
    -----
    As ``torch.optim.Adam``: at step t, ``m ← β₁ m + (1 − β₁) g``, ``v ← β₂ v + (1 − β₂)
    g²``, ``p ← p − η m̂ / (√v̂ + ε)`` with the bias corrections ``m̂ = m / (1 − β₁ᵗ)``,
    ``v̂ = v / (1 − β₂ᵗ)``. Each weight's step is ≈ η whatever the scale of its
    gradient. Memory: two arrays per parameter.

    Examples
    --------
    Minimise ``(p − 3)²`` from 0: whatever the gradient's size (6, then 5, …), each of
    the first steps moves `p` by about η = 0.5; it then settles at 3.

    >>> p = np.zeros(1)
    >>> opt = Adam([p], lr=0.5)
    >>> for _ in range(3):
    ...     opt.step([2 * (p - 3)])
    ...     print(p.round(3))
    [0.5]
    [0.996]
    [1.482]
    >>> for _ in range(197):
    ...     opt.step([2 * (p - 3)])
    >>> float(p[0].round(4)), opt.t
    (3.0, 200)
    >>> opt
    Adam(lr=0.5, betas=(0.9, 0.999), 1 array)
    """

    def __init__(self, params, lr=0.001, betas=(0.9, 0.999), eps=1e-8):
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"`betas` must be a pair (beta1, beta2); got {betas!r}")
        self.betas = tuple(
            _check_number(beta, f"betas[{i}]", "in [0, 1)", lambda v: 0 <= v < 1)
            for i, beta in enumerate(betas)
        )
        self.eps = _check_number(eps, "eps", "> 0", lambda v: v > 0)
        super().__init__(params, lr)

    def zero_state(self):
        """Forget the running averages; restart the step count (and bias correction).

        Examples
        --------
        >>> opt = Adam([np.zeros(2)])
        >>> opt.step([np.ones(2)])
        >>> opt.t, opt.zero_state(), opt.t
        (1, None, 0)
        """
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads):
        """One Adam update of every array of `params`, in place; counts the step.

        Parameters
        ----------
        grads : list of ndarray
            One gradient per array of `params`, same order and shapes.

        Examples
        --------
        >>> p = np.zeros(2)
        >>> Adam([p], lr=0.5).step([np.array([0.1, -100.0])])  # any scale: a step of η
        >>> p.round(6)
        array([-0.5,  0.5])
        """
        grads = self._check_grads(grads)
        (beta1, beta2), self.t = self.betas, self.t + 1
        step_size = self.lr / (1 - beta1**self.t)
        root_correction = math.sqrt(1 - beta2**self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v, strict=True):
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            p -= step_size * m / (np.sqrt(v) / root_correction + self.eps)

    def __repr__(self):
        eps = "" if self.eps == 1e-8 else f", eps={_fmt(self.eps)}"
        betas = ", ".join(map(_fmt, self.betas))
        return f"Adam(lr={_fmt(self.lr)}, betas=({betas}){eps}, {self._arrays()})"

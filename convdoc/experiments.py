"""Experiments over seeds: train one model per seed, and the t-interval of a mean.

A claim drawn from trained networks holds only as far as its spread over seeds allows:
`train_seeds` trains ten (or more) seeded runs of a model, and `t_interval` turns their
per-seed results (or paired differences between two models) into a mean with a Student-t
confidence interval.
"""

from __future__ import annotations

import math

import numpy as np
from threadpoolctl import threadpool_limits

from ._checks import as_real_array, is_number
from .network import train
from .optim import Adam

__all__ = ["t_interval", "train_seeds"]


def _t_two_sided(t: float, df: int) -> float:
    """P(|T| ≤ t) for Student's t with an integer `df` (closed form, Abramowitz-Stegun
    26.7.3-4)."""
    theta = math.atan(t / math.sqrt(df))
    c2, total, term = math.cos(theta) ** 2, 1.0, 1.0
    if df % 2 == 0:
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        return math.sin(theta) * total
    for k in range(1, (df - 1) // 2):
        term *= c2 * (2 * k) / (2 * k + 1)
        total += term
    tail = math.sin(theta) * math.cos(theta) * total if df > 1 else 0.0
    return 2 / math.pi * (theta + tail)


def _t_critical(df: int, confidence: float) -> float:
    """The t with P(|T| ≤ t) = `confidence`, by bisection on the angle atan(t / √df)."""
    low, high = 0.0, math.pi / 2
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (
            (mid, high)
            if _t_two_sided(math.sqrt(df) * math.tan(mid), df) < confidence
            else (low, mid)
        )
    return math.sqrt(df) * math.tan((low + high) / 2)


def t_interval(values, confidence: float = 0.95) -> tuple[float, float]:
    """Mean of `values` and the half-width of its Student-t confidence interval.

    Parameters
    ----------
    values : array_like, shape (S,)
        One result per seed (S ≥ 2), or one paired difference per seed.
    confidence : float, default 0.95
        Two-sided coverage, in (0, 1).

    Returns
    -------
    mean : float
        The mean of `values`.
    half_width : float
        The interval is ``mean ± half_width`` with ``half_width = t · s / √S``, ``s``
        the sample standard deviation and ``t`` the Student-t quantile with ``S - 1``
        degrees of freedom.

    Raises
    ------
    ValueError
        Fewer than two values, non-finite values, or `confidence` outside (0, 1).

    Notes
    -----
    Seeds are independent runs, so the interval covers the mean over seeds; a difference
    between two models is measured best as the mean of per-seed differences (same seed,
    same split, same batches), which cancels what the two runs share.

    Examples
    --------
    >>> mean, half = t_interval([1.0, 2.0, 3.0])   # s = 1, t(2 df) = 4.303
    >>> float(mean), round(half, 3)
    (2.0, 2.484)
    """
    values = as_real_array(values, "values", 1, "(S,)").astype(float)
    if len(values) < 2 or not np.isfinite(values).all():
        raise ValueError(
            "`values` must hold at least two finite numbers (one per seed); got "
            f"{values!r}"
        )
    if not is_number(confidence) or not 0 < confidence < 1:
        raise ValueError(
            f"`confidence` must be a number in (0, 1), e.g. 0.95; got {confidence!r}"
        )
    half = (
        _t_critical(len(values) - 1, float(confidence))
        * values.std(ddof=1)
        / math.sqrt(len(values))
    )
    return float(values.mean()), float(half)


def train_seeds(
    make, x, y, subsets, *, epochs: int, batch_size: int, lr: float = 0.01
) -> list:
    """Train ``make(s)`` on ``x[subsets[s]]`` for each seed ``s = 0, 1, …, S-1``.

    Seed ``s`` fixes everything random about run ``s``: the model's initial weights
    (``make(s)``), its training examples (row ``s`` of `subsets`) and its batch order
    (`convdoc.train` with ``rng=s``), with ``Adam(lr=lr)``. Two models trained with the
    same seed therefore see the same examples in the same order, so their results pair
    up.

    Parameters
    ----------
    make : callable
        ``make(seed) -> Sequential``, a fresh model for each seed.
    x : array_like, shape (N, ...)
        Inputs, e.g. images ``(N, C, H, W)``.
    y : array_like of int, shape (N,)
        Labels.
    subsets : array_like of int, shape (S, n)
        Row ``s`` holds the indices of seed ``s``'s training examples.
    epochs, batch_size : int
        As in `convdoc.train`, for every seed.
    lr : float, default 0.01
        The learning rate of each model's Adam optimizer.

    Returns
    -------
    list of Sequential
        The S trained models, in seed order.

    Notes
    -----
    Small networks train fastest with the BLAS on one thread (a tiny matrix product
    split across threads waits for them), so training runs under
    ``threadpool_limits(1)``; it also makes the sums, and so the trained weights, the
    same on every machine load.

    Examples
    --------
    >>> from convdoc import Dense, Sequential, accuracy
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0]] * 8)
    >>> y = np.array([0, 1] * 8)
    >>> make = lambda s: Sequential([Dense(2, 2, rng=s)])
    >>> seeds = [range(16)] * 3
    >>> models = train_seeds(make, x, y, seeds, epochs=20, batch_size=4, lr=0.1)
    >>> [accuracy(m.predict(x), y) for m in models]
    [1.0, 1.0, 1.0]
    """
    if not callable(make):
        raise TypeError(
            f"`make` must be a callable seed -> Sequential; got {type(make).__name__}"
        )
    x = as_real_array(x, "x")
    y = np.asarray(y)
    if y.shape != (len(x),):
        raise ValueError(
            f"`y` must hold one label per example, shape ({len(x)},); got shape "
            f"{y.shape}"
        )
    subsets = np.asarray(subsets)
    if subsets.ndim != 2 or subsets.size == 0 or subsets.dtype.kind not in "iu":
        raise ValueError(
            "`subsets` must be a non-empty 2-D array of integer indices, shape (S, n); "
            f"got shape {subsets.shape}, dtype {subsets.dtype}"
        )
    if subsets.min() < 0 or subsets.max() >= len(x):
        raise ValueError(
            f"`subsets` must index the {len(x)} examples of `x`; got values "
            f"{subsets.min()}..{subsets.max()}"
        )
    models = []
    with threadpool_limits(limits=1, user_api="blas"):
        for seed, subset in enumerate(subsets):
            model = make(seed)
            train(
                model,
                x[subset],
                y[subset],
                optimizer=Adam(model.params, lr=lr),
                epochs=epochs,
                batch_size=batch_size,
                rng=seed,
            )
            models.append(model)
    return models

"""Seeded experiments: t-intervals against scipy.stats, train_seeds against
convdoc.train run by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

import convdoc as cd
from convdoc.experiments import t_interval, train_seeds


# ---- t_interval
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 4, 5, 10, 11, 31])
@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
def test_t_interval_matches_scipy(n, confidence):
    values = np.random.default_rng(n).normal(size=n)
    mean, half = t_interval(values, confidence)
    low, high = scipy.stats.t.interval(
        confidence, n - 1, loc=values.mean(), scale=scipy.stats.sem(values)
    )
    assert mean == pytest.approx(values.mean(), abs=1e-15)
    assert (mean - half, mean + half) == pytest.approx(
        (low, high), rel=1e-12, abs=1e-12
    )


def test_t_interval_by_hand():
    # S = 1, t(0.975, 2 df) = 4.302652729749464.
    mean, half = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(4.302652729749464 / np.sqrt(3), rel=1e-12)
    assert t_interval([5, 5, 5]) == (5.0, 0.0)  # no spread, no width


@pytest.mark.parametrize(
    ("values", "confidence", "match"),
    [
        ([1.0], 0.95, "at least two"),
        ([1.0, np.nan], 0.95, "at least two finite"),
        ([1.0, 2.0], 1.0, r"`confidence` must be a number in \(0, 1\)"),
        ([1.0, 2.0], 0.0, "`confidence`"),
        ([1.0, 2.0], True, "`confidence`"),
    ],
)
def test_t_interval_rejects(values, confidence, match):
    with pytest.raises(ValueError, match=match):
        t_interval(values, confidence)


def test_t_interval_rejects_2d():
    with pytest.raises(ValueError, match="`values`"):
        t_interval([[1.0, 2.0], [3.0, 4.0]])


# ---- train_seeds
# --------------------------------------------------------------------------------------
def _make(seed):
    return cd.Sequential(
        [
            cd.Conv2d(1, 2, 3, padding=1, rng=seed),
            cd.ReLU(),
            cd.MaxPool2d(2),
            cd.Flatten(),
            cd.Dense(8, 3, rng=seed + 1),
        ]
    )


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(30, 1, 4, 4)), rng.integers(0, 3, size=30)


def test_train_seeds_is_train_per_seed():
    x, y = _data()
    subsets = np.array(
        [np.random.default_rng(s).permutation(30)[:12] for s in range(3)]
    )
    models = train_seeds(_make, x, y, subsets, epochs=4, batch_size=5, lr=0.05)
    assert len(models) == 3
    for seed, model in enumerate(models):
        alone = _make(seed)
        cd.train(
            alone,
            x[subsets[seed]],
            y[subsets[seed]],
            optimizer=cd.Adam(alone.params, lr=0.05),
            epochs=4,
            batch_size=5,
            rng=seed,
        )
        for trained, reference, initial in zip(
            model.params, alone.params, _make(seed).params, strict=True
        ):
            np.testing.assert_array_equal(trained, reference)
            assert not np.array_equal(trained, initial)  # it did train


def test_train_seeds_reproducible_and_seeds_differ():
    x, y = _data()
    subsets = np.tile(np.arange(20), (2, 1))
    first = train_seeds(_make, x, y, subsets, epochs=2, batch_size=4)
    again = train_seeds(_make, x, y, subsets, epochs=2, batch_size=4)
    for a, b in zip(first, again, strict=True):
        for p, q in zip(a.params, b.params, strict=True):
            assert p.tobytes() == q.tobytes()
    assert not np.array_equal(first[0].params[0], first[1].params[0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(make=3), TypeError, "`make` must be a callable"),
        (
            dict(y=np.zeros(5, int)),
            ValueError,
            r"`y` must hold one label per example, shape \(30,\)",
        ),
        (
            dict(subsets=np.arange(5)),
            ValueError,
            "`subsets` must be a non-empty 2-D array",
        ),
        (dict(subsets=np.zeros((2, 3))), ValueError, "integer indices"),
        (
            dict(subsets=np.full((2, 3), 30)),
            ValueError,
            "`subsets` must index the 30 examples",
        ),
        (dict(subsets=np.full((2, 3), -1)), ValueError, "`subsets` must index"),
        (dict(epochs=0), ValueError, "`epochs`"),
    ],
)
def test_train_seeds_rejects(kwargs, error, match):
    x, y = _data()
    args = (
        dict(
            make=_make, x=x, y=y, subsets=np.zeros((2, 3), int), epochs=1, batch_size=2
        )
        | kwargs
    )
    make, x, y, subsets = (args.pop(k) for k in ("make", "x", "y", "subsets"))
    with pytest.raises(error, match=match):
        train_seeds(make, x, y, subsets, **args)

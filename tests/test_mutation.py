"""The fuzz tests can fail: each must catch a function that always refuses, or always
returns zeros.

A test that a broken function passes is not a test. For every public function in the
fuzz suite's reach, two mutants replace it in turn: one raises a clear ``ValueError`` on
every call (an over-eager validator), the other returns zeros of the right shapes and
types (a silent wrong answer). Each fuzz test that calls the function must then fail,
run in this process with fewer examples and no shrinking, so that the whole check takes
seconds.
"""

from __future__ import annotations

import functools
import pathlib
import re

import numpy as np
import pytest
import test_fuzz as fuzz
from hypothesis import Phase, settings

import convdoc as cd

# Public function: the fuzz tests that call it, each with its
# parameters (pytest's parametrize).
REACH = {
    "conv2d": [(fuzz.test_conv2d_is_right_or_raises_clearly, {})],
    "correlate2d": [(fuzz.test_correlate2d_is_right_or_raises_clearly, {})],
    "conv2d_backward": [(fuzz.test_conv2d_backward_is_right_or_raises_clearly, {})],
    "conv_output_shape": [(fuzz.test_conv_output_shape_is_right_or_raises_clearly, {})],
    "dense": [(fuzz.test_dense_is_right_or_raises_clearly, {})],
    "dense_backward": [(fuzz.test_dense_backward_is_right_or_raises_clearly, {})],
    "locally_connected2d": [
        (fuzz.test_locally_connected2d_and_backward_are_right_or_raise_clearly, {})
    ],
    "locally_connected2d_backward": [
        (fuzz.test_locally_connected2d_and_backward_are_right_or_raise_clearly, {})
    ],
    "max_pool2d": [
        (fuzz.test_max_pool2d_is_right_or_raises_clearly, {}),
        (fuzz.test_pool2d_with_padding_is_right_or_raises_clearly, {"kind": "max"}),
    ],
    "avg_pool2d": [
        (fuzz.test_pool2d_with_padding_is_right_or_raises_clearly, {"kind": "avg"})
    ],
    "max_pool2d_backward": [
        (fuzz.test_pool2d_backward_is_right_or_raises_clearly, {"kind": "max"})
    ],
    "avg_pool2d_backward": [
        (fuzz.test_pool2d_backward_is_right_or_raises_clearly, {"kind": "avg"})
    ],
    "shift": [(fuzz.test_shift_is_right_or_raises_clearly, {})],
    **{
        name: [
            (
                fuzz.test_elementwise_activations_are_right_or_raise_clearly,
                {"name": name},
            )
        ]
        for name in fuzz.ELEMENTWISE
    },
    **{
        name: [(fuzz.test_sigmoid_is_right_or_raises_clearly, {"name": name})]
        for name in ("sigmoid", "sigmoid_grad")
    },
    "softmax_cross_entropy": [
        (fuzz.test_softmax_cross_entropy_is_right_or_raises_clearly, {})
    ],
    "accuracy": [(fuzz.test_accuracy_is_right_or_raises_clearly, {})],
    **{
        name: [(fuzz.test_param_counts_are_right_or_raise_clearly, {"name": name})]
        for name in fuzz.PARAM_COUNTS
    },
}


def always_raises(f):
    @functools.wraps(f)
    def mutant(*args, **kwargs):
        raise ValueError(
            "`x` is refused by this mutant, whatever it holds: an over-eager validator"
        )

    return mutant


def _zero(value):
    if isinstance(value, tuple):
        return tuple(map(_zero, value))
    return np.zeros_like(value) if isinstance(value, np.ndarray) else type(value)(0)


def returns_zeros(f):
    @functools.wraps(f)
    def mutant(*args, **kwargs):
        # The real call's errors, shapes and types; zeros for values.
        return _zero(f(*args, **kwargs))

    return mutant


def test_every_public_function_in_reach_is_mutated():
    # The fuzz module's own list of what it calls: a function added
    # there must be added here.
    called = set(re.findall(r"\bcd\.(\w+)", pathlib.Path(fuzz.__file__).read_text()))
    called |= (
        set(fuzz.ELEMENTWISE) | set(fuzz.PARAM_COUNTS) | {"sigmoid", "sigmoid_grad"}
    )
    called |= {
        f"{kind}_pool2d{suffix}"
        for kind in ("max", "avg")
        for suffix in ("", "_backward")
    }
    # Conv_matrix: a plain parametrized test, not a fuzz test.
    assert called - {"conv_matrix"} == set(REACH)


@pytest.mark.parametrize("mutate", [always_raises, returns_zeros])
@pytest.mark.parametrize("name", sorted(REACH))
def test_fuzz_tests_fail_for_a_broken_function(name, mutate, monkeypatch):
    monkeypatch.setattr(cd, name, mutate(getattr(cd, name)))
    for test, params in REACH[name]:
        # Fewer examples, no shrinking, no example database: find a failure and stop.
        # Hypothesis keeps a test's settings on it; monkeypatch puts the suite's own
        # back afterwards.
        quick = settings(
            test._hypothesis_internal_use_settings,
            max_examples=40,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            report_multiple_bugs=False,
        )
        monkeypatch.setattr(test, "_hypothesis_internal_use_settings", quick)
        with pytest.raises((AssertionError, ValueError, TypeError)):
            test(**params)

"""Shared fixtures: a seeded generator and the optional PyTorch reference."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

# Property tests: deterministic and bounded, so CI time and results are reproducible.
settings.register_profile("convdoc", derandomize=True, max_examples=60, deadline=None)
settings.load_profile("convdoc")


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with a fixed seed for every test."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def torch():
    """PyTorch, or skip: CI installs torch==2.13.0 so these comparisons always run
    there."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch

"""Independent references shared by the tests."""

from __future__ import annotations

import numpy as np


def numeric_grad(f, a, eps=1e-6):
    """Central differences of the scalar function ``f()`` with respect to every element of ``a``.

    ``a`` is perturbed in place and restored; ``f`` reads it.
    """
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        up = f()
        a[idx] = old - eps
        down = f()
        a[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g

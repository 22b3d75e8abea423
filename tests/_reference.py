"""Independent references shared by the tests."""

from __future__ import annotations

import numpy as np


def numeric_grad(f, a, eps=1e-6):
    """Central differences of the scalar function ``f()`` with respect to every element
    of ``a``.

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


def _pair(v):
    return (int(v), int(v)) if np.ndim(v) == 0 else tuple(int(a) for a in v)


def naive_conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """conv2d straight from its definition (torch's semantics), in float64.

    ``y[n, f, r, q] = b[f] + Σ_{c,i,j} w[f, c, i, j] · x_pad[n, c, r·s + i·d, q·s +
    j·d]``: a loop over output positions and kernel taps, each step one ``(N, C) @ (C,
    F)`` product.
    """
    (sr, sc), (pr, pc), (dr, dc) = _pair(stride), _pair(padding), _pair(dilation)
    x = np.pad(np.asarray(x, np.float64), ((0, 0), (0, 0), (pr, pr), (pc, pc)))
    w = np.asarray(w, np.float64)
    n, _, h, wd = x.shape
    f, _, kh, kw = w.shape
    ho = (h - dr * (kh - 1) - 1) // sr + 1
    wo = (wd - dc * (kw - 1) - 1) // sc + 1
    y = np.zeros((n, f, ho, wo))
    for r in range(ho):
        for q in range(wo):
            for i in range(kh):
                for j in range(kw):
                    patch = x[:, :, r * sr + i * dr, q * sc + j * dc]  # (N, C)
                    y[:, :, r, q] += patch @ w[:, :, i, j].T
    return y if b is None else y + np.asarray(b, np.float64)[None, :, None, None]

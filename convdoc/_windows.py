"""Sliding windows over (N, C, H, W) images, shared by the locally-connected layer and
pooling.

`windows` is a *view* (no copy) of every ``KH × KW`` window, and `fold` is its adjoint:
it adds window-shaped gradients back onto the image positions they came from.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["dwarfed", "fold", "gather", "pad", "scatter", "taps", "unpad", "windows"]


def pad(x, padding, value=0.0):
    """``x`` (N, C, H, W) with ``padding = (rows, columns)`` of `value` on each side."""
    ph, pw = padding
    if ph == pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def windows(xp, kernel, stride):
    """View of the windows of the padded images ``xp``: shape (N, C, H_out, W_out, KH,
    KW).

    Examples
    --------
    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> windows(x, (2, 2), (2, 2))[0, 0, 1, 0]
    array([[ 8.,  9.],
           [12., 13.]])
    """
    (kh, kw), (sh, sw) = kernel, stride
    return sliding_window_view(xp, (kh, kw), axis=(2, 3))[:, :, ::sh, ::sw]


def fold(dwin, padded_shape, stride):
    """Adjoint of `windows`: sum window gradients (N, C, H_out, W_out, KH, KW) into an
    image.

    Overlapping windows add up. The loop runs over the ``KH·KW`` kernel offsets, each a
    strided slice of the output; never over output positions.

    Examples
    --------
    >>> g = fold(np.ones((1, 1, 3, 3, 2, 2)), (1, 1, 4, 4), (1, 1))
    >>> g[0, 0]
    array([[1., 2., 2., 1.],
           [2., 4., 4., 2.],
           [2., 4., 4., 2.],
           [1., 2., 2., 1.]])
    """
    _, _, ho, wo, kh, kw = dwin.shape
    sh, sw = stride
    out = np.zeros(padded_shape, dwin.dtype)
    for i in range(kh):
        for j in range(kw):
            out[
                :, :, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw
            ] += dwin[..., i, j]
    return out


def taps(n_in, n_out, k, s, p):
    """Along one axis, the kernel offsets that read a real (not padding) input: ``(t,
    outs, ins)``.

    Output ``o`` reads input ``o·s + t - p`` at offset ``t``; the outputs for which that
    is a real input (``0 <= o·s + t - p < n_in``) form the slice `outs`, their inputs
    the slice `ins` (step ``s``). Offsets that only ever read padding are skipped, so
    the loop is never longer than ``n_in + (n_out - 1)·s`` however wide the window and
    the padding.

    Examples
    --------
    A window of 3 with padding 1 over 4 inputs, stride 1: offset 0 reads nothing for
    output 0.

    >>> [(t, (o.start, o.stop), (i.start, i.stop)) for t, o, i in taps(4, 4, 3, 1, 1)]
    [(0, (1, 4), (0, 3)), (1, (0, 4), (0, 4)), (2, (0, 3), (1, 4))]
    """
    for t in range(max(0, p - (n_out - 1) * s), min(k, n_in + p)):
        lo, hi = max(0, -((t - p) // s)), min(n_out - 1, (n_in - 1 + p - t) // s)
        if lo <= hi:
            start = lo * s + t - p
            yield t, slice(lo, hi + 1), slice(start, start + (hi - lo) * s + 1, s)


def unpad(xp, padding):
    """Inverse of `pad`: the interior of ``xp``."""
    ph, pw = padding
    return xp[:, :, ph : xp.shape[2] - ph, pw : xp.shape[3] - pw]


def dwarfed(x_shape, padding) -> bool:
    """Whether the padded images would outweigh the images several times over (then
    `gather`)."""
    (_, _, h, w), (ph, pw) = x_shape[-4:], padding
    return (h + 2 * ph) * (w + 2 * pw) > 4 * h * w + 2**16


def _reads(n_in, n_out, k, s, p):
    """Input index read by output ``o`` at offset ``t`` (clipped to the image) and
    whether it is real."""
    at = np.array(
        [[min(max(o * s + t - p, -1), n_in) for t in range(k)] for o in range(n_out)],
        np.intp,
    )
    return np.clip(at, 0, n_in - 1), (at >= 0) & (at < n_in)


def gather(x, kernel, stride, padding, out_hw):
    """`windows` of the zero-padded ``x``, (N, C, H_out, W_out, KH, KW), copied from
    ``x`` alone: for paddings that dwarf the image (the padded copy is never built)."""
    (rows, real_rows), (cols, real_cols) = (
        _reads(x.shape[a], out_hw[a - 2], kernel[a - 2], stride[a - 2], padding[a - 2])
        for a in (2, 3)
    )
    # (H_out, W_out, KH, KW)
    real = real_rows[:, None, :, None] & real_cols[None, :, None, :]
    return np.where(real, x[:, :, rows[:, None, :, None], cols[None, :, None, :]], 0)


def scatter(dwin, x_shape, kernel, stride, padding):
    """Adjoint of `gather`: add window gradients (N, C, H_out, W_out, KH, KW) onto the
    image."""
    out_hw = dwin.shape[2:4]
    (rows, real_rows), (cols, real_cols) = (
        _reads(x_shape[a], out_hw[a - 2], kernel[a - 2], stride[a - 2], padding[a - 2])
        for a in (2, 3)
    )
    real = real_rows[:, None, :, None] & real_cols[None, :, None, :]
    dx = np.zeros(x_shape, dwin.dtype)
    # What fell on the padding is dropped, not added to an edge.
    np.add.at(
        dx,
        (slice(None), slice(None), rows[:, None, :, None], cols[None, :, None, :]),
        np.where(real, dwin, 0),
    )
    return dx

"""Convolution tap by tap over the real image, for geometries whose padding dwarfs the
image.

`conv2d`'s engine copies each image into a zero-padded buffer. When the padding (with a
large stride or dilation) makes that buffer much larger than the input and the output,
e.g. a 1×1 image padded by 10⁴ and read once, these functions compute the same sums
without it: for each kernel tap ``(i, j)``, the outputs whose tap reads a real pixel
form a rectangle, and only those products are made. Memory: the output and one tap's
slices.

As the engine does (and torch's float64 kernels), a tap that reads the padding
multiplies it: an inf or NaN weight there gives NaN (and so does an inf or NaN ``dy`` in
the kernel gradient).
"""

from __future__ import annotations

import numpy as np

__all__ = ["conv2d_backward_clipped", "conv2d_clipped", "pays_off"]


def pays_off(x_shape, w_shape, geometry) -> bool:
    """Whether one padded image outweighs its input and output several times over."""
    (_, c, h, wd), f = x_shape, w_shape[0]
    (ph, pw), (ho, wo) = geometry[1], geometry[3]
    return c * (h + 2 * ph) * (wd + 2 * pw) > 4 * (c * h * wd + f * ho * wo) + 2**16


def _clip(n_in, n_out, stride, offset):
    """Outputs ``o`` whose input ``o·stride + offset`` is real, and those inputs: two
    slices, or None."""
    lo, hi = max(0, -(offset // stride)), min(n_out - 1, (n_in - 1 - offset) // stride)
    if lo > hi:
        return None
    start = lo * stride + offset
    return slice(lo, hi + 1), slice(start, start + (hi - lo) * stride + 1, stride)


def _taps(x_shape, w_shape, geometry):
    """For each tap ``(i, j)``: the outputs reading a real pixel and those pixels (or
    None), and the mask of the outputs that read the padding instead."""
    (_, _, h, wd), (_, _, kh, kw) = x_shape, w_shape
    (sh, sw), (ph, pw), (dh, dw), (ho, wo) = geometry[:4]
    for i in range(kh):
        rows = _clip(h, ho, sh, i * dh - ph)
        for j in range(kw):
            cols = _clip(wd, wo, sw, j * dw - pw)
            padding = np.ones((ho, wo), bool)
            if rows is None or cols is None:
                yield i, j, None, padding
                continue
            padding[rows[0], cols[0]] = False
            yield (
                i,
                j,
                (
                    (slice(None), slice(None), rows[0], cols[0]),
                    (slice(None), slice(None), rows[1], cols[1]),
                ),
                padding,
            )


def conv2d_clipped(x, w, geometry, dtype):
    """`conv2d` without its bias, tap by tap: ``(N, F, H_out, W_out)``."""
    y = np.zeros((x.shape[0], w.shape[0], *geometry[3]), dtype)
    finite = np.isfinite(w).all()
    for i, j, where, padding in _taps(x.shape, w.shape, geometry):
        if where is not None:
            y[where[0]] += np.einsum("fc,nchw->nfhw", w[:, :, i, j], x[where[1]])
        if not finite:  # the padding's zeros times the tap's weights
            y += np.where(padding, (w[:, :, i, j] * 0).sum(axis=1)[:, None, None], 0)
    return y


def conv2d_backward_clipped(dy, x, w, geometry):
    """`conv2d_backward`'s ``(dx, dw)``, tap by tap."""
    dx, dw = np.zeros(x.shape, dy.dtype), np.zeros(w.shape, dy.dtype)
    finite = np.isfinite(dy).all()
    for i, j, where, padding in _taps(x.shape, w.shape, geometry):
        if where is not None:
            part = dy[where[0]]
            dw[:, :, i, j] = np.einsum("nfhw,nchw->fc", part, x[where[1]])
            dx[where[1]] += np.einsum("fc,nfhw->nchw", w[:, :, i, j], part)
        if not finite:  # dy times the padding's zeros
            dw[:, :, i, j] += (dy[:, :, padding] * 0).sum(axis=(0, 2))[:, None]
    return dx, dw

"""Max and average pooling: summaries of small windows, with nothing to learn.

A convolution is translation *equivariant* (shift the input, the feature map shifts).
Pooling adds a little *invariance*: a feature that moves inside one pooling window
leaves the pooled value unchanged. The invariance is local and approximate; gallery
example ``plot_08_pooling_invariance`` measures how much.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_real_array,
    as_shaped,
    as_window,
    check_allocatable,
    output_shape,
    result_dtype,
)
from ._layer import Layer, short_pair
from ._windows import taps

__all__ = [
    "AvgPool2d",
    "MaxPool2d",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
]


def _check_padding(size, padding):
    """torch's rule, so that every window holds a real pixel: padding at most half the
    window."""
    if padding[0] > size[0] // 2 or padding[1] > size[1] // 2:
        raise ValueError(
            f"`padding` must be at most half the window `size` {size} (as in torch), "
            f"so that every window holds a real pixel; got {padding}"
        )


def _geometry(x, size, stride, padding):
    """Validate; return ``x`` as floats, window, stride, padding and output shape."""
    x = as_real_array(x, "x", 4, "(N, C, H, W)")
    size, stride, padding, _ = as_window(size, stride, padding, name="size", pool=True)
    _check_padding(size, padding)
    out_hw = output_shape(x.shape[2:], size, stride, padding, name="size")
    check_allocatable(
        (*x.shape[:2], *out_hw),
        "the output (N, C, H_out, W_out) that `x`, `size`, `stride` and `padding` give",
    )
    return x.astype(result_dtype(x), copy=False), size, stride, padding, out_hw


def _check_dy(dy, x, out_hw):
    dy = as_shaped(
        dy,
        "dy",
        (*x.shape[:2], *out_hw),
        "(N, C, H_out, W_out)",
        what="the output's shape",
    )
    return dy.astype(result_dtype(dy, x), copy=False)


def _count(kh, kw) -> float:
    """``KH·KW``, the pixels of a window, as a float (inf beyond the float range: absurd
    but legal)."""
    try:
        return float(kh * kw)
    except OverflowError:
        return np.inf


def _along(axis, where):
    """Index ``[..., where]`` on `axis` (2 for rows, 3 for columns) of an (N, C, H, W)
    array."""
    return (slice(None),) * axis + (where,)


def _pool_axis(x, axis, k, s, p, n_out, kind):
    """Pool `x` along one `axis` over windows clipped to the real inputs (padding is
    never built).

    ``kind`` "sum" adds the window up (the padding adds zeros); "max" keeps its largest
    value (the padding is -inf, so it never wins) and also returns, for "argmax", the
    index of the input that won, by torch's rule: the first largest, or the last NaN if
    there is one; a window of -inf only picks its first real input.
    """
    shape = list(x.shape)
    shape[axis] = n_out
    # Inf - inf is NaN, a sum past the range inf: as torch.
    with np.errstate(invalid="ignore", over="ignore"):
        return _pool_axis_loop(x, axis, k, s, p, n_out, kind, shape)


def _pool_axis_loop(x, axis, k, s, p, n_out, kind, shape):
    if kind == "sum":
        out = np.zeros(shape, x.dtype)
        for _, outs, ins in taps(x.shape[axis], n_out, k, s, p):
            out[_along(axis, outs)] += x[_along(axis, ins)]
        return out
    out = np.full(shape, -np.inf, x.dtype)
    if kind == "max":
        for _, outs, ins in taps(x.shape[axis], n_out, k, s, p):
            np.maximum(
                out[_along(axis, outs)],
                x[_along(axis, ins)],
                out=out[_along(axis, outs)],
            )
        return out
    first_real = np.array([max(o * s - p, 0) for o in range(n_out)], np.intp).reshape(
        (-1,) + (1,) * (3 - axis)
    )
    index = np.broadcast_to(first_real, shape).copy()
    for _, outs, ins in taps(x.shape[axis], n_out, k, s, p):
        best, value = out[_along(axis, outs)], x[_along(axis, ins)]
        wins = (value > best) | np.isnan(value)
        np.copyto(best, value, where=wins)
        positions = np.array(range(ins.start, ins.stop, ins.step), np.intp).reshape(
            (-1,) + (1,) * (3 - axis)
        )
        np.copyto(index[_along(axis, outs)], positions, where=wins)
    return out, index


def max_pool2d(x, size, *, stride=None, padding=0) -> np.ndarray:
    """The largest value of each ``size`` window, per image and channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Feature maps, each pooled on its own.
    size : int or (int, int)
        Window rows and columns.
    stride : int or (int, int), optional
        Step between windows; defaults to `size` (non-overlapping windows).
    padding : int or (int, int), default 0
        Added on each side as ``-inf``, so a pad never wins (as in ``torch``); at most
        ``size // 2``.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)
        A NaN in a window makes its maximum NaN, as in ``torch``.

    Notes
    -----
    The maximum over a rectangle is the maximum over its rows of the maximum over its
    columns: each window is pooled along the columns, then along the rows, each pass
    clipped to the real image (the padding is never built). Memory: the output and one
    array of ``N·C·H·W_out`` values; time about ``N·C·(H·W_out·KW + H_out·W_out·KH)``.

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(x, size, stride, padding)
    return _pool_axis(_pool_axis(x, 3, kw, sw, pw, wo, "max"), 2, kh, sh, ph, ho, "max")


def max_pool2d_backward(dy, x, size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of `max_pool2d`: each window's ``dy`` goes to its first largest input.

    Ties go to the first maximum in row-major order, as in ``torch``; overlapping
    windows that pick the same pixel add up. As in ``torch`` too, a window holding NaN
    sends its gradient to its last NaN, and a window of ``-inf`` to its first pixel in
    the image (never to the padding).

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
        Gradient of the loss with respect to the pooled output: each value goes to
        one pixel of its window.
    x : array_like, shape (N, C, H, W)
        The input given to `max_pool2d`.
    size, stride, padding : int or (int, int)
        As given to `max_pool2d`: the gradient goes back through the same
        windows.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        ``dx``: zero except at each window's winner.

    Examples
    --------
    >>> x = np.array([[[[1, 3], [3, 0]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)
    array([[[[0., 1.],
             [0., 0.]]]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(x, size, stride, padding)
    dy = _check_dy(dy, x, (ho, wo))
    # The winner of each window: its row is the first (or last NaN) row whose own
    # winner wins the column maxima; its column is that row's winner. Row-major
    # order, as one scan would.
    best_in_row, column = _pool_axis(x, 3, kw, sw, pw, wo, "argmax")  # (N, C, H, W_out)
    # (N, C, H_out, W_out)
    _, row = _pool_axis(best_in_row, 2, kh, sh, ph, ho, "argmax")
    column = np.take_along_axis(column, row, axis=2)
    n, c, h, w = x.shape
    dx = np.zeros((n * c, h * w), dy.dtype)
    planes = np.arange(n * c).reshape(n, c, 1, 1)
    with np.errstate(invalid="ignore", over="ignore"):  # as in `_pool_axis`
        np.add.at(dx, (planes, row * w + column), dy)
    return dx.reshape(x.shape)


def avg_pool2d(x, size, *, stride=None, padding=0) -> np.ndarray:
    """The mean of each ``size`` window; zero padding counts (torch's default).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        The maps to average, channel by channel.
    size : int or (int, int)
        The window, ``(KH, KW)``.
    stride : int or (int, int), optional
        Step between windows (default: `size`, windows that do not overlap).
    padding : int or (int, int), default 0
        Zeros on each side, at most ``size // 2``.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)
        Each window's mean.

    Notes
    -----
    As `max_pool2d`: the windows' sums along the columns, then along the rows, clipped
    to the real image, divided by ``KH·KW``. Memory: the output and ``N·C·H·W_out``
    values.

    Examples
    --------
    >>> avg_pool2d(np.arange(8).reshape(1, 1, 2, 4), 2)  # rows 0 1 2 3 and 4 5 6 7
    array([[[[2.5, 4.5]]]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(x, size, stride, padding)
    y = _pool_axis(_pool_axis(x, 3, kw, sw, pw, wo, "sum"), 2, kh, sh, ph, ho, "sum")
    y /= _count(kh, kw)
    return y


def avg_pool2d_backward(dy, x, size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of `avg_pool2d`: each window shares its ``dy`` among its inputs.

    Each of the ``KH·KW`` pixels of a window gets an equal share.

    Parameters
    ----------
    dy : array_like, shape (N, C, H_out, W_out)
        Gradient of the loss with respect to the averages.
    x : array_like, shape (N, C, H, W)
        The input that was averaged.
    size, stride, padding : int or (int, int)
        As given to `avg_pool2d`.

    Returns
    -------
    ndarray, shape (N, C, H, W)
        ``dx``, each pixel's share of its windows' gradients.

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), 2)
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    x, (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(x, size, stride, padding)
    share = _check_dy(dy, x, (ho, wo)) / _count(kh, kw)
    n, c, h, w = x.shape
    # The adjoint of each pass, in reverse order.
    rows = np.zeros((n, c, h, wo), share.dtype)
    dx = np.zeros(x.shape, share.dtype)
    with np.errstate(invalid="ignore", over="ignore"):  # as in `_pool_axis`
        for _, outs, ins in taps(h, ho, kh, sh, ph):
            rows[:, :, ins] += share[:, :, outs]
        for _, outs, ins in taps(w, wo, kw, sw, pw):
            dx[..., ins] += rows[..., outs]
    return dx


class _Pool(Layer):
    """A pooling layer: 0 parameters, ``forward`` caches its input for ``backward``."""

    _forward = _backward = None

    def __init__(self, size, stride=None, padding=0):
        self.size, self.stride, self.padding, _ = as_window(
            size, stride, padding, name="size", pool=True
        )
        _check_padding(self.size, self.padding)
        self._set_params()

    def forward(self, x):
        return type(self)._forward(
            self._save(x), self.size, stride=self.stride, padding=self.padding
        )

    def backward(self, dy):
        return type(self)._backward(
            dy, self._saved_input(), self.size, stride=self.stride, padding=self.padding
        )

    def __repr__(self):
        extra = (
            "" if self.stride == self.size else f", stride={short_pair(self.stride)}"
        )
        extra += (
            "" if self.padding == (0, 0) else f", padding={short_pair(self.padding)}"
        )
        return f"{type(self).__name__}({short_pair(self.size)}{extra})"


class MaxPool2d(_Pool):
    """Max-pooling layer (see `max_pool2d`).

    Parameters
    ----------
    size : int or (int, int)
        The pooling window.
    stride : int or (int, int), optional
        Step between windows; `size` if not given.
    padding : int or (int, int), default 0
        At most ``size // 2`` on each side.

    Examples
    --------
    >>> pool = MaxPool2d(2)
    >>> pool, pool.n_params
    (MaxPool2d(2), 0)
    >>> pool.forward(np.zeros((1, 6, 28, 28))).shape
    (1, 6, 14, 14)
    """

    _forward, _backward = staticmethod(max_pool2d), staticmethod(max_pool2d_backward)


class AvgPool2d(_Pool):
    """Average-pooling layer (see `avg_pool2d`).

    Parameters
    ----------
    size, stride, padding : int or (int, int)
        The window, its step (`size` when None) and the zero padding, as in
        `avg_pool2d`.

    Examples
    --------
    >>> AvgPool2d(3, stride=2, padding=1)
    AvgPool2d(3, stride=2, padding=1)
    """

    _forward, _backward = staticmethod(avg_pool2d), staticmethod(avg_pool2d_backward)

"""Max and average pooling: summaries of small windows, with nothing to learn.

A convolution is translation *equivariant* (shift the input, the feature map shifts).
Pooling adds a little *invariance*: a feature that moves inside one pooling window leaves
the pooled value unchanged. The invariance is local and approximate; gallery example
``plot_08_pooling_invariance`` measures how much.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_pair, as_real_array, as_shaped, result_dtype
from ._layer import Layer
from ._windows import fold, pad, unpad, windows
from .convolution import _output_shape

__all__ = [
    "AvgPool2d",
    "MaxPool2d",
    "avg_pool2d",
    "avg_pool2d_backward",
    "max_pool2d",
    "max_pool2d_backward",
]


def _geometry(x, size, stride, padding):
    """Validate; return ``x`` as floats, the window, stride, padding and output shape."""
    x = as_real_array(x, "x", 4, "(N, C, H, W)")
    size = as_pair(size, "size", minimum=1)
    stride = size if stride is None else as_pair(stride, "stride", minimum=1)
    padding = as_pair(padding, "padding", minimum=0)
    if padding[0] > size[0] // 2 or padding[1] > size[1] // 2:
        raise ValueError(f"`padding` must be at most half the window `size` {size} (as in torch), so that "
                         f"every window holds a real pixel; got {padding}")
    out_hw = _output_shape(*x.shape[2:], *size, stride, padding, (1, 1), name="size")
    return x.astype(result_dtype(x), copy=False), size, stride, padding, out_hw


def _check_dy(dy, x, out_hw):
    dy = as_shaped(dy, "dy", (*x.shape[:2], *out_hw), "(N, C, H_out, W_out)", what="the output's shape")
    return dy.astype(result_dtype(dy, x), copy=False)


def max_pool2d(x, size, *, stride=None, padding=0) -> np.ndarray:
    """The largest value of each ``size`` window, per image and channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    size : int or (int, int)
        Window rows and columns.
    stride : int or (int, int), optional
        Step between windows; defaults to `size` (non-overlapping windows).
    padding : int or (int, int), default 0
        Added on each side as ``-inf``, so a pad never wins (as in ``torch``); at most ``size // 2``.

    Returns
    -------
    ndarray, shape (N, C, H_out, W_out)

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> max_pool2d(x, 2)
    array([[[[ 5.,  7.],
             [13., 15.]]]])
    """
    x, size, stride, padding, _ = _geometry(x, size, stride, padding)
    return windows(pad(x, padding, -np.inf), size, stride).max(axis=(4, 5))


def max_pool2d_backward(dy, x, size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of `max_pool2d`: each window's ``dy`` goes to its first largest input.

    Ties go to the first maximum in row-major order, as in ``torch``; overlapping
    windows that pick the same pixel add up.

    Examples
    --------
    >>> x = np.array([[[[1, 3], [3, 0]]]])
    >>> max_pool2d_backward(np.ones((1, 1, 1, 1)), x, 2)
    array([[[[0., 1.],
             [0., 0.]]]])
    """
    x, size, stride, padding, out_hw = _geometry(x, size, stride, padding)
    dy = _check_dy(dy, x, out_hw)
    xp = pad(x, padding, -np.inf)
    win = windows(xp, size, stride)
    first = win.reshape(*win.shape[:4], -1).argmax(axis=4)  # index of the first maximum
    dwin = np.zeros(win.shape, dy.dtype).reshape(*win.shape[:4], -1)
    np.put_along_axis(dwin, first[..., None], dy[..., None], axis=4)
    return np.ascontiguousarray(unpad(fold(dwin.reshape(win.shape), xp.shape, stride), padding))


def avg_pool2d(x, size, *, stride=None, padding=0) -> np.ndarray:
    """The mean of each ``size`` window; zero padding counts in the mean (torch's default).

    Examples
    --------
    >>> x = np.arange(16).reshape(1, 1, 4, 4)
    >>> avg_pool2d(x, 2)
    array([[[[ 2.5,  4.5],
             [10.5, 12.5]]]])
    """
    x, size, stride, padding, _ = _geometry(x, size, stride, padding)
    return windows(pad(x, padding), size, stride).mean(axis=(4, 5))


def avg_pool2d_backward(dy, x, size, *, stride=None, padding=0) -> np.ndarray:
    """Gradient of `avg_pool2d`: each window shares its ``dy`` equally among its ``KH·KW`` inputs.

    Examples
    --------
    >>> avg_pool2d_backward(np.ones((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), 2)
    array([[[[0.25, 0.25],
             [0.25, 0.25]]]])
    """
    x, size, stride, padding, out_hw = _geometry(x, size, stride, padding)
    dy = _check_dy(dy, x, out_hw)
    padded = (*x.shape[:2], x.shape[2] + 2 * padding[0], x.shape[3] + 2 * padding[1])
    dwin = np.broadcast_to((dy / (size[0] * size[1]))[..., None, None], (*dy.shape, *size))
    return np.ascontiguousarray(unpad(fold(dwin, padded, stride), padding))


class _Pool(Layer):
    """A pooling layer: 0 parameters, ``forward`` caches its input for ``backward``."""

    _forward = _backward = None

    def __init__(self, size, stride=None, padding=0):
        self.size = as_pair(size, "size", minimum=1)
        self.stride = self.size if stride is None else as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self._set_params()

    def forward(self, x):
        return type(self)._forward(self._save(x), self.size, stride=self.stride, padding=self.padding)

    def backward(self, dy):
        return type(self)._backward(dy, self._saved_input(), self.size, stride=self.stride, padding=self.padding)

    def __repr__(self):
        def short(pair):
            return pair[0] if pair[0] == pair[1] else pair
        extra = "" if self.stride == self.size else f", stride={short(self.stride)}"
        extra += "" if self.padding == (0, 0) else f", padding={short(self.padding)}"
        return f"{type(self).__name__}({short(self.size)}{extra})"


class MaxPool2d(_Pool):
    """Max-pooling layer (see `max_pool2d`).

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

    Examples
    --------
    >>> AvgPool2d(3, stride=2, padding=1)
    AvgPool2d(3, stride=2, padding=1)
    """

    _forward, _backward = staticmethod(avg_pool2d), staticmethod(avg_pool2d_backward)

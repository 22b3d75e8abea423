"""Convolution: the 2-D cross-correlation of the notes, batched conv2d, its gradients, a layer.

Every function computes ``y = Σᵢ Σⱼ W[:, :, i, j] @ (x shifted by (i, j))``, over all images
and positions at once: the shifted inputs are slices of one buffer, and each cache-sized block
of them is stacked into one matrix product (see `conv2d`, Notes).
The private helpers lay the padded images out as one long row per channel, so that
each shifted input is a view of the same memory.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_pair, as_real_array, as_shaped, check_positive_int, result_dtype
from ._layer import Layer, he_normal

__all__ = ["Conv2d", "conv2d", "conv2d_backward", "conv_output_shape", "convolve2d", "correlate2d"]


def conv_output_shape(h, w, kh, kw, *, stride=1, padding=0, dilation=1) -> tuple[int, int]:
    """Output ``(H_out, W_out)`` of a convolution, as in ``torch.nn.Conv2d``.

    ``H_out = (H + 2·padding - dilation·(KH - 1) - 1) // stride + 1``, and the same for columns.

    Parameters
    ----------
    h, w : int
        Input rows and columns.
    kh, kw : int
        Kernel rows and columns.
    stride, padding, dilation : int or (int, int)
        Step between windows (>= 1), zeros added on each side (>= 0), spacing of kernel taps (>= 1).

    Returns
    -------
    tuple of int

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive int, or the dilated kernel is larger than the padded input.

    Examples
    --------
    >>> conv_output_shape(32, 32, 5, 5)
    (28, 28)
    >>> conv_output_shape(224, 224, 11, 11, stride=4, padding=2)
    (55, 55)
    """
    sizes = [check_positive_int(v, name) for v, name in ((h, "h"), (w, "w"), (kh, "kh"), (kw, "kw"))]
    return _output_shape(*sizes, as_pair(stride, "stride", minimum=1),
                         as_pair(padding, "padding", minimum=0), as_pair(dilation, "dilation", minimum=1))


def _output_shape(h, w, kh, kw, stride, padding, dilation, name="kernel") -> tuple[int, int]:
    span = (dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1)
    padded = (h + 2 * padding[0], w + 2 * padding[1])
    if span[0] > padded[0] or span[1] > padded[1]:
        raise ValueError(f"`{name}` must fit in the padded input: the kernel ({kh}, {kw}) with dilation "
                         f"{dilation} spans {span}, but the input ({h}, {w}) with padding {padding} is only "
                         f"{padded}; use a smaller kernel or more padding")
    return (padded[0] - span[0]) // stride[0] + 1, (padded[1] - span[1]) // stride[1] + 1


def _check(x, w, b, stride, padding, dilation):
    """Validate conv2d's arguments; return arrays in the compute dtype and the geometry."""
    x = as_real_array(x, "x", 4, "(N, C, H, W)")
    w = as_real_array(w, "w", 4, "(F, C, KH, KW)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(f"`w` must have as many input channels as `x`: w.shape[1] must be "
                         f"{x.shape[1]} for x of shape {x.shape}; got w of shape {w.shape}")
    arrays = [x, w]
    if b is not None:
        arrays.append(as_shaped(b, "b", (w.shape[0],), "(F,)", why=", one bias per filter"))
    stride = as_pair(stride, "stride", minimum=1)
    padding = as_pair(padding, "padding", minimum=0)
    dilation = as_pair(dilation, "dilation", minimum=1)
    out_hw = _output_shape(*x.shape[2:], *w.shape[2:], stride, padding, dilation, name="w")
    return arrays, (stride, padding, dilation, out_hw)


def _pad(x, kernel_hw, geometry):
    """``x`` (N, C, H, W) zero-padded, channels first, in a flat (C, N·Hp·Wp + slack) buffer."""
    (n, c, h, wd), (kh, kw) = x.shape, kernel_hw
    (sh, sw), (ph, pw), (dh, dw), _ = geometry
    hp, wp = h + 2 * ph, wd + 2 * pw
    # With stride 1 the last windows run past the last image by the kernel's reach: zeros.
    slack = (kh - 1) * dh * wp + (kw - 1) * dw if sh == sw == 1 else 0
    buf = np.zeros((c, n * hp * wp + slack), x.dtype)
    buf[:, : n * hp * wp].reshape(c, n, hp, wp)[:, :, ph : ph + h, pw : pw + wd] = x.transpose(1, 0, 2, 3)
    return buf


def _windows(buf, x_shape, kernel_hw, geometry):
    """A view ``windows[c, i, j, ...]`` of `buf` (from `_pad`): the input seen by kernel tap (i, j).

    With stride 1 the trailing axis has one "wide" column per padded pixel of every image
    (N·Hp·Wp): ``windows[:, i, j]`` is then a plain slice of the flattened images shifted by
    ``i·dh·Wp + j·dw``. The columns of the last ``Wp - W_out`` pixels of each row and the last
    ``Hp - H_out`` rows of each image are junk, dropped by `_unwiden`. With a larger stride
    the trailing axes are (N, H_out, W_out). Nothing is copied either way.
    """
    (n, c, h, wd), (kh, kw) = x_shape, kernel_hw
    (sh, sw), (ph, pw), (dh, dw), (ho, wo) = geometry
    hp, wp = h + 2 * ph, wd + 2 * pw
    e = buf.itemsize
    if sh == sw == 1:
        shape, strides = (n * hp * wp,), (e,)
    else:
        shape, strides = (n, ho, wo), (hp * wp * e, sh * wp * e, sw * e)
    # np.ndarray over buf's memory is numpy.lib.stride_tricks.as_strided without its overhead.
    return np.ndarray((c, kh, kw, *shape), buf.dtype, buffer=buf, strides=(buf.strides[0], dh * wp * e, dw * e, *strides))


def _unpad(buf, x_shape, geometry):
    """The (N, C, H, W) images inside a buffer laid out by `_pad`."""
    n, c, h, wd = x_shape
    _, (ph, pw), _, _ = geometry
    hp, wp = h + 2 * ph, wd + 2 * pw
    images = buf[:, : n * hp * wp].reshape(c, n, hp, wp)[:, :, ph : ph + h, pw : pw + wd]
    return np.ascontiguousarray(images.transpose(1, 0, 2, 3))


def _widen(dy, x_shape, geometry):
    """(N, F, H_out, W_out) → (F, columns) in the layout of `_windows`, junk columns zero."""
    n, _, h, wd = x_shape
    (sh, sw), (ph, pw), _, (ho, wo) = geometry
    if not sh == sw == 1:
        return dy.transpose(1, 0, 2, 3).reshape(dy.shape[1], -1)
    wide = np.zeros((dy.shape[1], n, h + 2 * ph, wd + 2 * pw), dy.dtype)
    wide[:, :, :ho, :wo] = dy.transpose(1, 0, 2, 3)
    return wide.reshape(dy.shape[1], -1)


def _unwiden(cols, x_shape, geometry):
    """(F, columns) → (N, F, H_out, W_out), dropping the junk columns of the stride-1 layout."""
    n, _, h, wd = x_shape
    (sh, sw), (ph, pw), _, (ho, wo) = geometry
    if sh == sw == 1:
        cols = cols.reshape(-1, n, h + 2 * ph, wd + 2 * pw)[:, :, :ho, :wo]
    return np.ascontiguousarray(cols.reshape(-1, n, ho, wo).transpose(1, 0, 2, 3))


# The forward pass copies each block's windows into one (C·KH·KW, block) matrix of about
# this many bytes: small enough to stay in cache while it is multiplied, large enough that
# the product runs near the machine's matrix-product rate (measured by `nox -s bench`).
WINDOW_BLOCK_BYTES = 2**21
# The backward pass: with fewer input channels than this, each block's windows are copied as
# above; with more, it runs one product per kernel tap (C is their inner dimension), no copy.
TAP_CHANNELS = 32
# Backward blocks hold about BLOCK_ELEMENTS = F·block numbers, so the accumulators stay in cache.
BLOCK_ELEMENTS = 2**18


def _blocks(columns, rows, elements=None):
    """Split the columns into blocks of about ``elements / rows`` columns (`BLOCK_ELEMENTS`).

    Yields ``(units, cols)``: ``columns[..., units]`` are the block's windows and ``y[:, cols]``
    its part of a (rows, columns) result. A unit is one column, or with a stride larger than
    one, one image's H_out·W_out columns.
    """
    per_unit = math.prod(columns.shape[4:])
    step = max(1, (BLOCK_ELEMENTS if elements is None else elements) // (rows * per_unit))
    for start in range(0, columns.shape[3], step):
        stop = min(start + step, columns.shape[3])
        yield slice(start, stop), slice(start * per_unit, stop * per_unit)


def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Batched 2-D convolution (cross-correlation), the semantics of ``torch.nn.functional.conv2d``.

    ``y[n, f, r, c] = b[f] + Σ_{k,i,j} w[f, k, i, j] · x_pad[n, k, r·s + i·d, c·s + j·d]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input images.
    w : array_like, shape (F, C, KH, KW)
        Kernels: F filters, each seeing all C input channels.
    b : array_like, shape (F,), optional
        One bias per filter.
    stride, padding, dilation : int or (int, int)
        Step between windows (>= 1), zeros added on each side (>= 0), spacing of kernel taps (>= 1);
        a pair means (rows, columns).

    Returns
    -------
    ndarray, shape (N, F, H_out, W_out)
        See `conv_output_shape`. float32 if every input is float32, else float64.

    Raises
    ------
    TypeError
        If an array is complex, boolean or non-numeric, or stride/padding/dilation are not ints.
    ValueError
        On a wrong number of dimensions, empty arrays, a channel mismatch, a bias of the wrong
        shape, a non-positive stride or dilation, a negative padding, or a kernel larger than
        the padded input.

    Notes
    -----
    Each output is ``Σ_{i,j} w[:, :, i, j] @ (x shifted by (i·d, j·d))``, a sum over kernel
    taps. With stride 1 the shifted input is a *slice* of the padded images laid end to end in
    one long row per channel (each row of each image then yields ``Wp - W_out`` junk columns,
    dropped at the end), so the windows never need to be built for the whole input. The
    columns are processed in blocks of about `WINDOW_BLOCK_BYTES`: the ``KH·KW`` shifted slices
    of a block are stacked into one ``(C·KH·KW, block)`` matrix (im2col, one cache-sized block
    at a time, in one reused buffer) and the whole sum is **one matrix product** per block,
    ``(F, C·KH·KW) @ (C·KH·KW, block)``, whose deep inner dimension runs near the machine's
    matrix-product rate.

    Cost: ``2·N·F·C·KH·KW·H_out·W_out`` floating-point operations, all in the matrix products.
    Memory: the padded input, the output and a block-sized buffer; never the
    ``KH·KW``-times-larger copy of every window of the whole input.

    Examples
    --------
    Two 3×3 images of ones and ``0…8``, one filter summing every 2×2 window of each channel:

    >>> x = np.stack([np.ones((3, 3)), np.arange(9.0).reshape(3, 3)])[None]
    >>> conv2d(x, np.ones((1, 2, 2, 2)), b=[100])
    array([[[[112., 116.],
             [124., 128.]]]])
    >>> conv2d(x, np.ones((1, 2, 2, 2)), padding=1, stride=2).shape
    (1, 1, 2, 2)
    """
    (x, w, *b), geometry = _check(x, w, b, stride, padding, dilation)
    return _forward(x, w, b[0] if b else None, geometry)


def _forward(x, w, b, geometry):
    dtype = result_dtype(x, w, *([] if b is None else [b]))
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    (f, c, kh, kw), columns = w.shape, _windows(_pad(x, w.shape[2:], geometry), x.shape, w.shape[2:], geometry)
    rows = c * kh * kw  # the inner dimension of the product: every tap of every channel
    y = np.empty((f, columns[0, 0, 0].size), dtype)
    bias = None if b is None else b.astype(dtype)[:, None]
    store = None  # the block's windows, copied (im2col); one buffer, reused for every block
    for units, cols in _blocks(columns, rows, WINDOW_BLOCK_BYTES // dtype.itemsize):
        windows = columns[:, :, :, units]
        n = cols.stop - cols.start
        if store is None:  # the first block is the widest
            store = np.empty(rows * n, dtype)
        stacked = store[: rows * n].reshape(windows.shape)
        np.copyto(stacked, windows)
        block = y[:, cols]
        np.matmul(w.reshape(f, rows), stacked.reshape(rows, n), out=block)
        if bias is not None:
            block += bias
    return _unwiden(y, x.shape, geometry)


def conv2d_backward(dy, x, w, *, stride=1, padding=0, dilation=1):
    """Gradients of `conv2d` with respect to its input, kernels and bias.

    Parameters
    ----------
    dy : array_like, shape (N, F, H_out, W_out)
        Gradient of the loss with respect to ``conv2d(x, w, b, ...)``.
    x, w, stride, padding, dilation
        As given to `conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
        float32 if `dy`, `x` and `w` are all float32, else float64.

    Raises
    ------
    TypeError, ValueError
        As `conv2d`, and if `dy` does not have the shape of the forward output.

    Notes
    -----
    The same loop over kernel offsets as `conv2d`, transposed: for each offset ``(i, j)``,
    ``dw[:, :, i, j] = dy @ shiftedᵀ`` and ``w[:, :, i, j]ᵀ @ dy`` is added back onto the
    shifted input positions. Cost: twice the forward pass, ``4·N·F·C·KH·KW·H_out·W_out`` FLOPs.

    Examples
    --------
    With ``y = conv2d(x, w)`` and ``dy`` all ones, ``dw`` sums each kernel tap's window,
    ``db`` counts the outputs, and ``dx`` counts how many windows cover each pixel:

    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> dx, dw, db = conv2d_backward(np.ones((1, 1, 2, 2)), x, np.ones((1, 1, 2, 2)))
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dw[0, 0]
    array([[ 8., 12.],
           [20., 24.]])
    >>> db
    array([4.])
    """
    (x, w), geometry = _check(x, w, None, stride, padding, dilation)
    dy = as_shaped(dy, "dy", (x.shape[0], w.shape[0], *geometry[3]), "(N, F, H_out, W_out)",
                   what="the shape of conv2d's output")
    dtype = result_dtype(dy, x, w)
    dy, x, w = (a.astype(dtype, copy=False) for a in (dy, x, w))
    (f, c, kh, kw), dy_cols = w.shape, _widen(dy, x.shape, geometry)
    buf = _pad(x, (kh, kw), geometry)
    dbuf = np.zeros_like(buf)  # the gradient with respect to the padded input, same layout
    columns, dcolumns = (_windows(a, x.shape, (kh, kw), geometry) for a in (buf, dbuf))
    per_tap = c >= TAP_CHANNELS
    if per_tap:
        taps_t = w.transpose(2, 3, 1, 0).copy()  # taps_t[i, j] = w[:, :, i, j].T, contiguous
    dw = np.zeros((kh, kw, f, c) if per_tap else (f, c * kh * kw), dtype)
    product = None
    for units, cols in _blocks(columns, c if per_tap else c * kh * kw):
        dy_block = dy_cols[:, cols]
        if not per_tap:  # few channels: the block's windows as one matrix (im2col)
            windows = columns[:, :, :, units]
            dw += dy_block @ windows.reshape(c * kh * kw, -1).T
            dwindows = (w.reshape(f, -1).T @ dy_block).reshape(windows.shape)
            for i in range(kh):
                for j in range(kw):
                    dcolumns[:, i, j, units] += dwindows[:, i, j]
        else:  # many channels: per kernel tap
            product = np.empty((c, dy_block.shape[1]), dtype) if product is None else product[:, : dy_block.shape[1]]
            for i in range(kh):
                for j in range(kw):
                    shifted = columns[:, i, j, units]
                    dw[i, j] += dy_block @ shifted.reshape(c, -1).T
                    dcolumns[:, i, j, units] += np.matmul(taps_t[i, j], dy_block, out=product).reshape(shifted.shape)
    dw = dw.transpose(2, 3, 0, 1) if per_tap else dw.reshape(w.shape)
    return _unpad(dbuf, x.shape, geometry), np.ascontiguousarray(dw), dy.sum(axis=(0, 2, 3))


def correlate2d(image, kernel, *, stride=1, padding=0) -> np.ndarray:
    """Slide `kernel` over `image`: ``Y[r, c] = Σᵢ Σⱼ X[r·s + i, c·s + j] · W[i, j]``.

    The single-channel operation of the notes (what deep learning calls "convolution"),
    on the zero-padded image; ``padding=0`` gives the "valid" part.

    Parameters
    ----------
    image : array_like, shape (H, W)
    kernel : array_like, shape (KH, KW)
    stride, padding : int or (int, int)
        Step between windows (>= 1) and zeros added on each side (>= 0).

    Returns
    -------
    ndarray, shape (H_out, W_out)
        float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError, ValueError
        As `conv2d`, naming `image` and `kernel`.

    Notes
    -----
    ``conv2d`` with N = C = F = 1: ``2·KH·KW·H_out·W_out`` FLOPs.

    Examples
    --------
    The notes' vertical-edge detector finds the edge between bright (10) and dark (0) columns:

    >>> image = np.array([[10, 10, 10, 0, 0, 0]] * 6)
    >>> kernel = np.array([[1, 0, -1]] * 3)
    >>> correlate2d(image, kernel)
    array([[ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.],
           [ 0., 30., 30.,  0.]])
    >>> correlate2d(np.arange(16).reshape(4, 4), np.array([[1, 0], [0, -1]]), stride=2)
    array([[-5., -5.],
           [-5., -5.]])
    """
    image = as_real_array(image, "image", 2, "(H, W)")
    kernel = as_real_array(kernel, "kernel", 2, "(KH, KW)")
    stride = as_pair(stride, "stride", minimum=1)
    padding = as_pair(padding, "padding", minimum=0)
    out_hw = _output_shape(*image.shape, *kernel.shape, stride, padding, (1, 1))
    return _forward(image[None, None], kernel[None, None], None, (stride, padding, (1, 1), out_hw))[0, 0]


def convolve2d(image, kernel, *, stride=1, padding=0) -> np.ndarray:
    """True convolution: `correlate2d` with the kernel flipped in both axes.

    Matches ``scipy.signal.convolve2d(image, kernel, mode="valid")`` when ``padding=0``.
    Parameters, returns and errors as `correlate2d`.

    Examples
    --------
    >>> convolve2d(np.arange(16).reshape(4, 4), np.array([[1, 0], [0, -1]]), stride=2)
    array([[5., 5.],
           [5., 5.]])
    """
    kernel = as_real_array(kernel, "kernel", 2, "(KH, KW)")
    return correlate2d(image, kernel[::-1, ::-1], stride=stride, padding=padding)


class Conv2d(Layer):
    """A convolutional layer: `out_channels` kernels of ``in_channels × kernel_size``, shared.

    Parameters
    ----------
    in_channels, out_channels : int
        C and F.
    kernel_size : int or (int, int)
    stride, padding, dilation : int or (int, int)
        As in `conv2d`.
    bias : bool, default True
    rng : numpy.random.Generator or int, default 0
        Weights are He-normal, std ``sqrt(2 / (C·KH·KW))``; biases start at zero.
    dtype : dtype, default float64

    Examples
    --------
    >>> layer = Conv2d(3, 6, 5)
    >>> layer
    Conv2d(3 → 6, 5×5, 456 params)
    >>> layer.forward(np.zeros((2, 3, 32, 32))).shape
    (2, 6, 28, 28)
    >>> layer.backward(np.ones((2, 6, 28, 28))).shape, layer.grads[1]
    ((2, 3, 32, 32), array([1568., 1568., 1568., 1568., 1568., 1568.]))
    """

    def __init__(self, in_channels, out_channels, kernel_size, *, stride=1, padding=0, dilation=1,
                 bias=True, rng=0, dtype=np.float64):
        c, f = check_positive_int(in_channels, "in_channels"), check_positive_int(out_channels, "out_channels")
        kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.dilation = as_pair(dilation, "dilation", minimum=1)
        self.weight = he_normal(rng, (f, c, kh, kw), c * kh * kw, dtype)
        self.bias = np.zeros(f, dtype) if bias else None
        self._set_params(self.weight, self.bias)

    def _options(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation)

    def forward(self, x):
        """``conv2d(x, weight, bias, ...)``; remembers `x` for `backward`."""
        return conv2d(self._save(x), self.weight, self.bias, **self._options())

    def backward(self, dy):
        """Fill `grads` with ``(dw, db)`` and return ``dx`` for the last `forward` input."""
        dx, dw, db = conv2d_backward(dy, self._saved_input(), self.weight, **self._options())
        self._store_grads(dw, db)
        return dx

    def __repr__(self):
        f, c, kh, kw = self.weight.shape
        extras = "".join(f", {name} {v[0] if v[0] == v[1] else v}" for name, v, default
                         in (("stride", self.stride, 1), ("padding", self.padding, 0),
                             ("dilation", self.dilation, 1)) if v != (default, default))
        return f"Conv2d({c} → {f}, {kh}×{kw}{extras}, {self.n_params:,} params)"

"""Convolution: the 2-D cross-correlation of the notes, batched conv2d, its gradients, a layer.

Every function computes ``y = Σᵢ Σⱼ W[:, :, i, j] @ (x shifted by (i, j))``, image by image:
the shifted inputs are views of one padded image, and each cache-sized band of them is
stacked into one matrix product (see `conv2d`, Notes). Large calls share their images among
threads, one per core the BLAS would use.
"""

from __future__ import annotations

import contextlib
import functools
import math
import queue
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from ._checks import (
    as_pair,
    as_real_array,
    as_shaped,
    check_allocatable,
    check_bool,
    check_positive_int,
    result_dtype,
)
from ._clipped import conv2d_backward_clipped, conv2d_clipped, pays_off
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
    check_allocatable((x.shape[0], w.shape[0], *out_hw), "the output (N, F, H_out, W_out) that `x`, `w`, "
                      "`stride`, `padding` and `dilation` give")
    return arrays, _geometry(x.shape, w.shape, stride, padding, dilation, out_hw)


def _geometry(x_shape, w_shape, stride, padding, dilation, out_hw):
    """``(stride, padding, dilation, out_hw, wide)`` as the engine uses them.

    A stride or dilation that cannot matter is replaced by one that gives the same windows
    (absurd but legal values, e.g. ``10**18``, would overflow the views' byte strides): the
    dilation of a one-tap axis by 1, a stride larger than the padded input (one output) by
    that size. ``wide`` chooses the windows' layout (see `_image_buffer`): with stride 1.
    """
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    dilation = tuple(1 if k == 1 else d for k, d in zip(w_shape[2:], dilation, strict=True))
    stride = tuple(min(s, p) for s, p in zip(stride, padded, strict=True))
    return stride, padding, dilation, out_hw, stride == (1, 1)


def _row_width(x_shape, geometry):
    """Columns per output row in the windows' layout: ``Wp`` if wide (stride 1), else ``W_out``."""
    (_, pw), (_, wo), wide = geometry[1], geometry[3], geometry[4]
    return x_shape[3] + 2 * pw if wide else wo


def _image_buffer(x_shape, kernel_hw, geometry, images, dtype):
    """Room for `images` zero-padded images, end to end in one flat row per channel; two views.

    Returns ``(buffer, interior, windows)``: ``interior[:, :m] = x[k : k + m].transpose(1, 0,
    2, 3)`` loads m images (the border stays zero, so one buffer serves every group of images),
    and ``windows[c, i, j, k, r, q]`` is the input seen by kernel tap ``(i, j)`` at output row
    ``r`` of image ``k``: a view, nothing is copied. With stride 1 a row has one "wide" column
    per padded column (``Wp``), so each tap's rows are plain slices of the flat row shifted by
    ``i·dh·Wp + j·dw``; the last ``Wp - W_out`` columns of each row are junk, never copied to
    the output. With a larger stride a row has exactly ``W_out`` columns.
    """
    (_, c, h, wd), (kh, kw) = x_shape, kernel_hw
    (sh, sw), (ph, pw), (dh, dw), (ho, _), wide = geometry
    hp, wp = h + 2 * ph, wd + 2 * pw
    slack = (kw - 1) * dw if wide else 0  # the junk columns of the last row reach past the last image
    buffer = np.zeros((c, images * hp * wp + slack), dtype)
    interior = buffer[:, : images * hp * wp].reshape(c, images, hp, wp)[:, :, ph : ph + h, pw : pw + wd]
    e = buffer.itemsize
    # np.ndarray over the buffer's memory is numpy.lib.stride_tricks.as_strided without its overhead.
    windows = np.ndarray((c, kh, kw, images, ho, _row_width(x_shape, geometry)), dtype, buffer=buffer,
                         strides=(buffer.strides[0], dh * wp * e, dw * e, hp * wp * e, sh * wp * e, sw * e))
    return buffer, interior, windows


def _plan(n_images, rows, out_hw, width, limit):
    """Work units whose window matrices, ``rows × columns``, hold about `limit` numbers.

    Returns ``(groups, bands)``: each unit is a group of consecutive images (as many as fit,
    each with all its output rows) or, for large images, one image at a time split into
    bands of output rows.
    """
    per_row = rows * width
    per_image = per_row * out_hw[0]
    if per_image <= limit:
        size = limit // per_image
        return [range(k, min(k + size, n_images)) for k in range(0, n_images, size)], [(0, out_hw[0])]
    step = max(1, limit // per_row)
    return [range(k, k + 1) for k in range(n_images)], [(r, min(r + step, out_hw[0])) for r in range(0, out_hw[0], step)]


# Each forward band's windows are copied into one (C·KH·KW, band) matrix of about this many bytes:
# small enough to stay in cache while it is multiplied, large enough that the product runs near
# the machine's matrix-product rate (measured by `nox -s bench`).
WINDOW_BLOCK_BYTES = 2**21
# The backward pass: with fewer input channels than this, each band's windows are copied as
# above; with more, it runs one product per kernel tap (C is their inner dimension), no copy.
TAP_CHANNELS = 32
# Backward bands hold about this many numbers of windows (C·band, or C·KH·KW·band when copied).
BLOCK_ELEMENTS = 2**18
# Calls with at least this many FLOPs share their images among threads (see `_parallel`);
# smaller ones run in the calling thread, where the BLAS may still use several cores.
PARALLEL_FLOPS = 2**26
# Threads for large calls: None means as many as the BLAS would use (its thread setting).
THREADS = None


@functools.cache
def _blas():
    """threadpoolctl's handle on the BLAS NumPy calls, or None if it finds none."""
    blas = ThreadpoolController().select(user_api="blas")
    return blas if blas.lib_controllers else None


def _parallel(work, n_units, flops):
    """``work(units)`` for all units of work (groups of images): here, or shared among threads.

    ``work`` loops over the unit indices it is given and returns a result. A call of at least
    `PARALLEL_FLOPS` starts one worker per thread; each takes the next unit not yet taken until
    none is left (a slow core simply takes fewer), while the BLAS is limited to one thread, so
    that every core copies windows *and* multiplies, instead of one core copying while the BLAS
    threads wait. The BLAS is limited to one thread for such a call (of more than one unit)
    also when it runs in one thread, so that its bits depend neither on `THREADS` nor on the
    BLAS's own setting.
    Returns the list of the workers' results.
    """
    if flops < PARALLEL_FLOPS or n_units == 1:  # here, with the BLAS as it is set (THREADS plays no part)
        return [work(range(n_units))]
    blas = _blas()
    if THREADS is not None:
        threads = THREADS
    elif blas is not None:
        threads = max(lc.num_threads for lc in blas.lib_controllers)
    else:
        threads = 1
    threads = min(threads, n_units)
    todo = queue.SimpleQueue()
    for i in range(n_units):
        todo.put(i)

    def next_units():
        while True:
            try:
                yield todo.get_nowait()
            except queue.Empty:
                return

    with contextlib.ExitStack() as stack:
        # One BLAS thread even when this call runs in one thread (THREADS = 1): each unit's
        # products then round alike whatever the thread count.
        if blas is not None:
            stack.enter_context(blas.limit(limits=1))
        if threads == 1:
            return [work(next_units())]
        pool = stack.enter_context(ThreadPoolExecutor(threads, thread_name_prefix="convdoc"))
        return list(pool.map(lambda _: work(next_units()), range(threads)))


def _as_torch(func):
    """Run ``func`` where inf - inf is NaN and a sum past the float range is inf, silently, as
    in torch. Also on each worker thread: NumPy's error state belongs to a thread."""
    @functools.wraps(func)
    def quietly(*args, **kwargs):
        with np.errstate(invalid="ignore", over="ignore"):
            return func(*args, **kwargs)
    return quietly


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
    taps. Each image is zero-padded into one buffer, one long row per channel: with stride 1
    the input shifted by ``(i, j)`` is then a *slice* of that row (each output row gets
    ``Wp - W_out`` junk columns, never copied to the result), so no window is built for the
    whole input. The output rows are processed in bands of about `WINDOW_BLOCK_BYTES` of
    windows: the ``KH·KW`` shifted slices of a band are stacked into one ``(C·KH·KW, band)``
    matrix (im2col, one cache-sized band at a time, in one reused buffer) and the whole sum
    is **one matrix product** per band, ``(F, C·KH·KW) @ (C·KH·KW, band)``, whose deep inner
    dimension runs near the machine's matrix-product rate.

    A call of at least `PARALLEL_FLOPS` shares its images among as many threads as the BLAS
    would use, and limits the BLAS to one thread meanwhile, so that every core both copies
    and multiplies (NumPy's copies use one core). The result is the same either way. The BLAS
    setting is process-wide: other threads' matrix products also run on one BLAS thread while
    such a call lasts.

    Cost: ``2·N·F·C·KH·KW·H_out·W_out`` floating-point operations, all in the matrix products.
    Memory: the output and, per thread, one padded image and a band-sized buffer; never the
    ``KH·KW``-times-larger copy of every window of the whole input. When a padded image would
    outweigh the input and output several times over (a large padding read with a large
    stride or dilation), the same sums are made tap by tap over the real image instead.

    inf and NaN propagate as in torch (float64): a tap that reads the padding multiplies its
    zero, so an infinite weight there gives NaN.

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


@_as_torch
def _forward(x, w, b, geometry):
    dtype = result_dtype(x, w, *([] if b is None else [b]))
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    bias = None if b is None else b.astype(dtype)[:, None, None]
    if pays_off(x.shape, w.shape, geometry):  # a padding that dwarfs the image: never build it
        y = conv2d_clipped(x, w, geometry, dtype)
        return y if bias is None else np.add(y, bias, out=y)
    (n, c, _, _), (f, _, kh, kw), (ho, wo) = x.shape, w.shape, geometry[3]
    y = np.empty((n, f, ho, wo), dtype)
    rows = c * kh * kw  # the inner dimension of the product: every tap of every channel
    width = _row_width(x.shape, geometry)
    groups, bands = _plan(n, rows, (ho, wo), width, WINDOW_BLOCK_BYTES // dtype.itemsize)
    weights = w.reshape(f, rows)

    @_as_torch
    def work(units):
        _, interior, windows = _image_buffer(x.shape, (kh, kw), geometry, len(groups[0]), dtype)
        most = len(groups[0]) * max(stop - start for start, stop in bands) * width
        store = np.empty(rows * most, dtype)  # a band's windows, copied (im2col); reused
        out = np.empty(f * most, dtype)
        for group in (groups[u] for u in units):
            m, images = len(group), slice(group.start, group.stop)
            interior[:, :m] = x[images].transpose(1, 0, 2, 3)
            for start, stop in bands:
                shape = (m, stop - start, width)
                stacked = store[: rows * math.prod(shape)].reshape(c, kh, kw, *shape)
                np.copyto(stacked, windows[:, :, :, :m, start:stop])
                product = out[: f * math.prod(shape)].reshape(f, *shape)
                np.matmul(weights, stacked.reshape(rows, -1), out=product.reshape(f, -1))
                result = product[..., :wo].transpose(1, 0, 2, 3)  # without the junk columns, if any
                if bias is None:
                    y[images, :, start:stop] = result
                else:
                    np.add(result, bias, out=y[images, :, start:stop])

    _parallel(work, len(groups), 2 * y.size * rows)
    return y


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
    The same loop over kernel offsets as `conv2d`, transposed, image by image: for each offset
    ``(i, j)``, ``dw[:, :, i, j] = dy @ shiftedᵀ`` and ``w[:, :, i, j]ᵀ @ dy`` is added back onto
    the shifted input positions. With at least `TAP_CHANNELS` input channels that is one
    product per tap on views; with fewer, each band's windows are copied into one matrix as in
    `conv2d`. Large calls share the images among threads as `conv2d` does; the ``dw`` of each
    group of images is added up in image order, so the result does not depend on the threads. Cost: twice the forward pass, ``4·N·F·C·KH·KW·H_out·W_out`` FLOPs.

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
    return _backward(dy, x, w, stride, padding, dilation)


@_as_torch
def _backward(dy, x, w, stride, padding, dilation):
    (x, w), geometry = _check(x, w, None, stride, padding, dilation)
    dy = as_shaped(dy, "dy", (x.shape[0], w.shape[0], *geometry[3]), "(N, F, H_out, W_out)",
                   what="the shape of conv2d's output")
    dtype = result_dtype(dy, x, w)
    dy, x, w = (a.astype(dtype, copy=False) for a in (dy, x, w))
    if pays_off(x.shape, w.shape, geometry):  # as in `_forward`
        return (*conv2d_backward_clipped(dy, x, w, geometry), dy.sum(axis=(0, 2, 3)))
    if geometry[4] and not (np.isfinite(x).all() and np.isfinite(w).all()):
        # The wide layout's junk columns would meet an inf or NaN as 0·inf = NaN (in dw from x,
        # in dx from w, whose junk lands on real pixels): read only real taps instead.
        geometry = (*geometry[:4], False)
    (n, c, _, _), (f, _, kh, kw), (ho, wo) = x.shape, w.shape, geometry[3]
    dx = np.empty(x.shape, dtype)
    per_tap = c >= TAP_CHANNELS
    taps_t = w.transpose(2, 3, 1, 0).copy()  # taps_t[i, j] = w[:, :, i, j].T, contiguous
    weights_t = w.reshape(f, -1).T
    width = _row_width(x.shape, geometry)
    groups, bands = _plan(n, c if per_tap else c * kh * kw, (ho, wo), width, BLOCK_ELEMENTS)

    @_as_torch
    def work(units):
        g = len(groups[0])
        _, interior, windows = _image_buffer(x.shape, (kh, kw), geometry, g, dtype)
        dbuffer, dinterior, dwindows = _image_buffer(x.shape, (kh, kw), geometry, g, dtype)
        grad = np.zeros((f, g, ho, width), dtype)  # dy in the windows' layout; junk columns stay 0
        dws = {}  # each unit's kernel gradient, summed in unit order below: the same sum whichever
        for u in units:  # thread took which unit
            group = groups[u]
            m, images = len(group), slice(group.start, group.stop)
            dw = dws[u] = np.zeros((kh, kw, f, c) if per_tap else (f, c * kh * kw), dtype)
            interior[:, :m] = x[images].transpose(1, 0, 2, 3)
            dbuffer[...] = 0
            grad[:, :m, :, :wo] = dy[images].transpose(1, 0, 2, 3)
            for start, stop in bands:
                d = grad[:, :m, start:stop].reshape(f, -1)
                if per_tap:  # many channels: one product per kernel tap
                    for i in range(kh):
                        for j in range(kw):
                            shifted = windows[:, i, j, :m, start:stop]
                            dw[i, j] += d @ shifted.reshape(c, -1).T
                            dwindows[:, i, j, :m, start:stop] += (taps_t[i, j] @ d).reshape(shifted.shape)
                else:  # few channels: the band's windows as one matrix (im2col)
                    band = windows[:, :, :, :m, start:stop]
                    dw += d @ band.reshape(c * kh * kw, -1).T
                    back = (weights_t @ d).reshape(band.shape)
                    for i in range(kh):
                        for j in range(kw):
                            dwindows[:, i, j, :m, start:stop] += back[:, i, j]
            dx[images] = dinterior[:, :m].transpose(1, 0, 2, 3)
        return dws

    dws = {u: dw for done in _parallel(work, len(groups), 4 * dy.size * c * kh * kw) for u, dw in done.items()}
    dw = functools.reduce(np.add, (dws[u] for u in sorted(dws)))
    dw = dw.transpose(2, 3, 0, 1) if per_tap else dw.reshape(w.shape)
    return dx, np.ascontiguousarray(dw), dy.sum(axis=(0, 2, 3))


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
    check_allocatable((1, 1, *out_hw), "the output (N, F, H_out, W_out) that `image`, `kernel`, `stride` and "
                      "`padding` give")
    geometry = _geometry((1, 1, *image.shape), (1, 1, *kernel.shape), stride, padding, (1, 1), out_hw)
    return _forward(image[None, None], kernel[None, None], None, geometry)[0, 0]


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
        bias = check_bool(bias, "bias")
        kh, kw = as_pair(kernel_size, "kernel_size", minimum=1)
        self.stride = as_pair(stride, "stride", minimum=1)
        self.padding = as_pair(padding, "padding", minimum=0)
        self.dilation = as_pair(dilation, "dilation", minimum=1)
        self.weight = he_normal(rng, (f, c, kh, kw), c * kh * kw, dtype)
        self.bias = np.zeros(f, self.weight.dtype) if bias else None
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

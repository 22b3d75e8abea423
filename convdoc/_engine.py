"""The fast path behind `convdoc.convolution`: cache bands, raw buffers, a thread pool.

Every function computes ``y = Σᵢ Σⱼ W[:, :, i, j] @ (x shifted by (i, j))``, image by
image: the shifted inputs are views of one padded image, and each cache-sized band of
them is stacked into one matrix product (see `convdoc.conv2d`, Notes). Large calls share
their images among threads, one per core the BLAS would use. The arguments arrive
validated: the public functions in `convolution.py` check them, then call `forward` or
`backward`.
"""

from __future__ import annotations

import contextlib
import functools
import math
import queue
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from threadpoolctl import ThreadpoolController

from ._checks import result_dtype
from ._clipped import conv2d_backward_clipped, conv2d_clipped, pays_off

__all__ = ["as_torch", "backward", "forward", "geometry_of"]

# Each forward band's windows are copied into one (C·KH·KW, band) matrix of about this
# many bytes: small enough to stay in cache while it is multiplied, large enough that
# the product runs near the machine's matrix-product rate (measured by `nox -s bench`).
WINDOW_BLOCK_BYTES = 2**21
# The backward pass: with fewer input channels than this, each band's windows are
# copied as above; with more, it runs one product per kernel tap (C is their
# inner dimension), no copy.
TAP_CHANNELS = 32
# Backward bands hold about this many numbers of windows (C·band, or
# C·KH·KW·band when copied).
BLOCK_ELEMENTS = 2**18
# Calls with at least this many FLOPs share their images among threads (see `parallel`);
# smaller ones run in the calling thread, where the BLAS may still use several cores.
PARALLEL_FLOPS = 2**26
# Threads for large calls: None means as many as the BLAS would
# use (its thread setting).
THREADS = None


def geometry_of(x_shape, w_shape, stride, padding, dilation, out_hw):
    """``(stride, padding, dilation, out_hw, wide)`` as the engine uses them.

    A stride or dilation that cannot matter is replaced by one that gives the same
    windows (absurd but legal values, e.g. ``10**18``, would overflow the views' byte
    strides): the dilation of a one-tap axis by 1, a stride larger than the padded input
    (one output) by that size. ``wide`` chooses the windows' layout (see
    `image_buffer`): with stride 1.
    """
    padded = (x_shape[2] + 2 * padding[0], x_shape[3] + 2 * padding[1])
    dilation = tuple(
        1 if k == 1 else d for k, d in zip(w_shape[2:], dilation, strict=True)
    )
    stride = tuple(min(s, p) for s, p in zip(stride, padded, strict=True))
    return stride, padding, dilation, out_hw, stride == (1, 1)


def row_width(x_shape, geometry):
    """Columns per output row in the windows' layout: ``Wp`` if wide (stride 1), else
    ``W_out``."""
    (_, pw), (_, wo), wide = geometry[1], geometry[3], geometry[4]
    return x_shape[3] + 2 * pw if wide else wo


def image_buffer(x_shape, kernel_hw, geometry, images, dtype):
    """Room for `images` zero-padded images, end to end in one flat row per channel; two
    views.

    Returns ``(buffer, interior, windows)``: ``interior[:, :m] = x[k : k +
    m].transpose(1, 0, 2, 3)`` loads m images (the border stays zero, so one buffer
    serves every group of images), and ``windows[c, i, j, k, r, q]`` is the input seen
    by kernel tap ``(i, j)`` at output row ``r`` of image ``k``: a view, nothing is
    copied. With stride 1 a row has one "wide" column per padded column (``Wp``), so
    each tap's rows are plain slices of the flat row shifted by ``i·dh·Wp + j·dw``; the
    last ``Wp - W_out`` columns of each row are junk, never copied to the output. With a
    larger stride a row has exactly ``W_out`` columns.
    """
    (_, c, h, wd), (kh, kw) = x_shape, kernel_hw
    (sh, sw), (ph, pw), (dh, dw), (ho, _), wide = geometry
    hp, wp = h + 2 * ph, wd + 2 * pw
    # The junk columns of the last row reach past the last image.
    slack = (kw - 1) * dw if wide else 0
    buffer = np.zeros((c, images * hp * wp + slack), dtype)
    interior = buffer[:, : images * hp * wp].reshape(c, images, hp, wp)
    interior = interior[:, :, ph : ph + h, pw : pw + wd]
    e = buffer.itemsize
    # np.ndarray over the buffer's memory is
    # numpy.lib.stride_tricks.as_strided without its overhead.
    shape = (c, kh, kw, images, ho, row_width(x_shape, geometry))
    strides = (buffer.strides[0], dh * wp * e, dw * e, hp * wp * e, sh * wp * e, sw * e)
    windows = np.ndarray(shape, dtype, buffer=buffer, strides=strides)
    return buffer, interior, windows


def plan(n_images, rows, out_hw, width, limit):
    """Work units whose window matrices, ``rows × columns``, hold about `limit` numbers.

    Returns ``(groups, bands)``: each unit is a group of consecutive images (as many as
    fit, each with all its output rows) or, for large images, one image at a time split
    into bands of output rows.
    """
    per_row = rows * width
    per_image = per_row * out_hw[0]
    if per_image <= limit:
        size = limit // per_image
        groups = [range(k, min(k + size, n_images)) for k in range(0, n_images, size)]
        return groups, [(0, out_hw[0])]
    step = max(1, limit // per_row)
    bands = [(r, min(r + step, out_hw[0])) for r in range(0, out_hw[0], step)]
    return [range(k, k + 1) for k in range(n_images)], bands


@functools.cache
def blas():
    """threadpoolctl's handle on the BLAS NumPy calls, or None if it finds none."""
    found = ThreadpoolController().select(user_api="blas")
    return found if found.lib_controllers else None


def _thread_count(handle, n_units):
    """`THREADS`, else as many threads as the BLAS uses (one if none), at most
    `n_units`."""
    if THREADS is not None:
        threads = THREADS
    elif handle is not None:
        threads = max(lc.num_threads for lc in handle.lib_controllers)
    else:
        threads = 1
    return min(threads, n_units)


def parallel(work, n_units, flops):
    """``work(units)`` for all units of work (groups of images): here, or shared among
    threads.

    ``work`` loops over the unit indices it is given and returns a result. A call of at
    least `PARALLEL_FLOPS` starts one worker per thread; each takes the next unit not
    yet taken until none is left (a slow core simply takes fewer), while the BLAS is
    limited to one thread, so that every core copies windows *and* multiplies, instead
    of one core copying while the BLAS threads wait. The BLAS is limited to one thread
    for such a call (of more than one unit) also when it runs in one thread, so that its
    bits depend neither on `THREADS` nor on the BLAS's own setting. Returns the list of
    the workers' results.
    """
    # Here, with the BLAS as it is set (THREADS plays no part).
    if flops < PARALLEL_FLOPS or n_units == 1:
        return [work(range(n_units))]
    handle = blas()
    threads = _thread_count(handle, n_units)
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
        # One BLAS thread even when this call runs in one thread (THREADS = 1): each
        # unit's products then round alike whatever the thread count.
        if handle is not None:
            stack.enter_context(handle.limit(limits=1))
        if threads == 1:
            return [work(next_units())]
        pool = ThreadPoolExecutor(threads, thread_name_prefix="convdoc")
        pool = stack.enter_context(pool)
        return list(pool.map(lambda _: work(next_units()), range(threads)))


def as_torch(func):
    """Run ``func`` where inf - inf is NaN and a sum past the float range is inf,
    silently, as in torch. Also on each worker thread: NumPy's error state belongs to a
    thread."""

    @functools.wraps(func)
    def quietly(*args, **kwargs):
        with np.errstate(invalid="ignore", over="ignore"):
            return func(*args, **kwargs)

    return quietly


@as_torch
def forward(x, w, b, geometry):
    """`conv2d` of validated arrays: ``y`` of shape ``(N, F, H_out, W_out)``."""
    dtype = result_dtype(x, w, *([] if b is None else [b]))
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    bias = None if b is None else b.astype(dtype)[:, None, None]
    # A padding that dwarfs the image: never build it.
    if pays_off(x.shape, w.shape, geometry):
        y = conv2d_clipped(x, w, geometry, dtype)
        return y if bias is None else np.add(y, bias, out=y)
    (n, c, _, _), (f, _, kh, kw), (ho, wo) = x.shape, w.shape, geometry[3]
    y = np.empty((n, f, ho, wo), dtype)
    rows = c * kh * kw  # the inner dimension of the product: every tap of every channel
    width = row_width(x.shape, geometry)
    limit = WINDOW_BLOCK_BYTES // dtype.itemsize
    groups, bands = plan(n, rows, (ho, wo), width, limit)
    weights = w.reshape(f, rows)

    @as_torch
    def work(units):
        g = len(groups[0])
        _, interior, windows = image_buffer(x.shape, (kh, kw), geometry, g, dtype)
        most = g * max(stop - start for start, stop in bands) * width
        # A band's windows, copied (im2col); reused.
        store = np.empty(rows * most, dtype)
        out = np.empty(f * most, dtype)
        for group in (groups[u] for u in units):
            m, images = len(group), slice(group.start, group.stop)
            interior[:, :m] = x[images].transpose(1, 0, 2, 3)
            for start, stop in bands:
                shape = (m, stop - start, width)
                stacked = store[: rows * math.prod(shape)].reshape(c, kh, kw, *shape)
                np.copyto(stacked, windows[:, :, :, :m, start:stop])
                product = out[: f * math.prod(shape)].reshape(f, *shape)
                np.matmul(
                    weights, stacked.reshape(rows, -1), out=product.reshape(f, -1)
                )
                # Without the junk columns, if any.
                result = product[..., :wo].transpose(1, 0, 2, 3)
                if bias is None:
                    y[images, :, start:stop] = result
                else:
                    np.add(result, bias, out=y[images, :, start:stop])

    parallel(work, len(groups), 2 * y.size * rows)
    return y


def _backward_band(d, windows, dwindows, dw, taps_t, weights_t, per_tap, where):
    """Add one band's kernel gradient to ``dw`` and its input gradient to ``dwindows``.

    ``d`` is the band's ``dy`` as an ``(F, band)`` matrix; ``where`` is the band's
    ``(images, output rows)``, two slices.
    """
    c, kh, kw = windows.shape[:3]
    m, rows = where
    if per_tap:  # many channels: one product per kernel tap
        for i in range(kh):
            for j in range(kw):
                shifted = windows[:, i, j, m, rows]
                dw[i, j] += d @ shifted.reshape(c, -1).T
                dwindows[:, i, j, m, rows] += (taps_t[i, j] @ d).reshape(shifted.shape)
    else:  # few channels: the band's windows as one matrix (im2col)
        band = windows[:, :, :, m, rows]
        dw += d @ band.reshape(c * kh * kw, -1).T
        back = (weights_t @ d).reshape(band.shape)
        for i in range(kh):
            for j in range(kw):
                dwindows[:, i, j, m, rows] += back[:, i, j]


@as_torch
def backward(dy, x, w, geometry):
    """`conv2d_backward` of validated arrays: ``(dx, dw, db)``."""
    dtype = result_dtype(dy, x, w)
    dy, x, w = (a.astype(dtype, copy=False) for a in (dy, x, w))
    if pays_off(x.shape, w.shape, geometry):  # as in `forward`
        dx, dw = conv2d_backward_clipped(dy, x, w, geometry)
        return dx, dw, dy.sum(axis=(0, 2, 3))
    if geometry[4] and not (np.isfinite(x).all() and np.isfinite(w).all()):
        # The wide layout's junk columns would meet an inf or NaN as 0·inf =
        # NaN (in dw from x, in dx from w, whose junk lands on real pixels):
        # read only real taps instead.
        geometry = (*geometry[:4], False)
    (n, c, _, _), (f, _, kh, kw), (ho, wo) = x.shape, w.shape, geometry[3]
    dx = np.empty(x.shape, dtype)
    per_tap = c >= TAP_CHANNELS
    taps_t = w.transpose(
        2, 3, 1, 0
    ).copy()  # taps_t[i, j] = w[:, :, i, j].T, contiguous
    weights_t = w.reshape(f, -1).T
    width = row_width(x.shape, geometry)
    rows = c if per_tap else c * kh * kw
    groups, bands = plan(n, rows, (ho, wo), width, BLOCK_ELEMENTS)

    @as_torch
    def work(units):
        g = len(groups[0])
        _, interior, windows = image_buffer(x.shape, (kh, kw), geometry, g, dtype)
        dbuffer, dinterior, dwindows = image_buffer(
            x.shape, (kh, kw), geometry, g, dtype
        )
        # dy in the windows' layout; junk columns stay 0.
        grad = np.zeros((f, g, ho, width), dtype)
        # Each unit's kernel gradient, summed in unit order below: the same sum
        # whichever thread took which unit.
        dws = {}
        for u in units:
            group = groups[u]
            m, images = len(group), slice(group.start, group.stop)
            dw = np.zeros((kh, kw, f, c) if per_tap else (f, c * kh * kw), dtype)
            dws[u] = dw
            interior[:, :m] = x[images].transpose(1, 0, 2, 3)
            dbuffer[...] = 0
            grad[:, :m, :, :wo] = dy[images].transpose(1, 0, 2, 3)
            for start, stop in bands:
                d = grad[:, :m, start:stop].reshape(f, -1)
                where = (slice(None, m), slice(start, stop))
                args = (taps_t, weights_t, per_tap, where)
                _backward_band(d, windows, dwindows, dw, *args)
            dx[images] = dinterior[:, :m].transpose(1, 0, 2, 3)
        return dws

    done = parallel(work, len(groups), 4 * dy.size * c * kh * kw)
    dws = {u: dw for part in done for u, dw in part.items()}
    dw = functools.reduce(np.add, (dws[u] for u in sorted(dws)))
    dw = dw.transpose(2, 3, 0, 1) if per_tap else dw.reshape(w.shape)
    return dx, np.ascontiguousarray(dw), dy.sum(axis=(0, 2, 3))

"""Convolution: the notes' 2-D cross-correlation, batched conv2d, gradients, a layer.

Each public function checks its arguments (shapes, channels, stride, padding, dilation),
then makes one call to the engine, ``convdoc/_engine.py``, which computes the same sums
fast (cache bands, raw buffers, threads). The formula as a plain loop over output
positions and kernel taps is ``naive_conv2d`` in ``tests/_reference.py``, which every
path is tested against.
"""

from __future__ import annotations

import numpy as np

from . import _engine
from ._checks import (
    as_real_array,
    as_shaped,
    as_window,
    check_allocatable,
    check_positive_int,
    output_shape,
)
from ._layer import Layer, short_pair

__all__ = [
    "Conv2d",
    "conv2d",
    "conv2d_backward",
    "conv_output_shape",
    "convolve2d",
    "correlate2d",
]


def conv_output_shape(
    h, w, kh, kw, *, stride=1, padding=0, dilation=1
) -> tuple[int, int]:
    """Output ``(H_out, W_out)`` of a convolution, as in ``torch.nn.Conv2d``.

    ``H_out = (H + 2·padding - dilation·(KH - 1) - 1) // stride + 1``, and the same for
    columns.

    Parameters
    ----------
    h, w : int
        Input rows and columns.
    kh, kw : int
        Kernel rows and columns.
    stride, padding, dilation : int or (int, int)
        Step between windows (>= 1), zeros added on each side (>= 0), spacing of kernel
        taps (>= 1).

    Returns
    -------
    tuple of int
        ``(H_out, W_out)``, each at least 1.

    Raises
    ------
    TypeError, ValueError
        If a size is not a positive int, or the dilated kernel is larger than the padded
        input.

    Examples
    --------
    >>> conv_output_shape(32, 32, 5, 5)
    (28, 28)
    >>> conv_output_shape(224, 224, 11, 11, stride=4, padding=2)
    (55, 55)
    """
    h, w, kh, kw = (
        check_positive_int(v, n)
        for v, n in zip((h, w, kh, kw), "h w kh kw".split(), strict=True)
    )
    kernel, stride, padding, dilation = as_window((kh, kw), stride, padding, dilation)
    return output_shape((h, w), kernel, stride, padding, dilation)


def _check(x, w, b, stride, padding, dilation):
    """Validate conv2d's arguments; return the arrays and the engine's geometry."""
    x = as_real_array(x, "x", 4, "(N, C, H, W)")
    w = as_real_array(w, "w", 4, "(F, C, KH, KW)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            "`w` must have as many input channels as `x`: w.shape[1] must be "
            f"{x.shape[1]} for x of shape {x.shape}; got w of shape {w.shape}"
        )
    arrays = [x, w]
    if b is not None:
        arrays.append(
            as_shaped(b, "b", (w.shape[0],), "(F,)", why=", one bias per filter")
        )
    kernel, stride, padding, dilation = as_window(
        w.shape[2:], stride, padding, dilation
    )
    out_hw = output_shape(x.shape[2:], kernel, stride, padding, dilation, name="w")
    check_allocatable(
        (x.shape[0], w.shape[0], *out_hw),
        "the output (N, F, H_out, W_out) that `x`, `w`, `stride`, `padding` and "
        "`dilation` give",
    )
    return arrays, _engine.geometry_of(
        x.shape, w.shape, stride, padding, dilation, out_hw
    )


def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Batched 2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``.

    ``y[n, f, r, c] = b[f] + Σ_{k,i,j} w[f, k, i, j] · x_pad[n, k, r·s + i·d, c·s +
    j·d]``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input images.
    w : array_like, shape (F, C, KH, KW)
        Kernels: F filters, each seeing all C input channels.
    b : array_like, shape (F,), optional
        One bias per filter.
    stride, padding, dilation : int or (int, int)
        Step between windows (>= 1), zeros added on each side (>= 0), spacing of kernel
        taps (>= 1); a pair means (rows, columns).

    Returns
    -------
    ndarray, shape (N, F, H_out, W_out)
        See `conv_output_shape`. float32 if every input is float32, else float64.

    Raises
    ------
    TypeError
        If an array is complex, boolean or non-numeric, or stride/padding/dilation are
        not ints.
    ValueError
        On a wrong number of dimensions, empty arrays, a channel mismatch, a bias of the
        wrong shape, a non-positive stride or dilation, a negative padding, or a kernel
        larger than the padded input.

    Notes
    -----
    Each output is ``Σ_{i,j} w[:, :, i, j] @ (x shifted by (i·d, j·d))``, a sum over
    kernel taps. Each image is zero-padded into one buffer, one long row per channel:
    with stride 1 the input shifted by ``(i, j)`` is then a *slice* of that row (each
    output row gets ``Wp - W_out`` junk columns, never copied to the result), so no
    window is built for the whole input. The output rows are processed in bands of about
    ``_engine.WINDOW_BLOCK_BYTES`` of windows: the ``KH·KW`` shifted slices of a band
    are stacked into one ``(C·KH·KW, band)`` matrix (im2col, one cache-sized band at a
    time, in one reused buffer) and the whole sum is **one matrix product** per band,
    ``(F, C·KH·KW) @ (C·KH·KW, band)``, whose deep inner dimension runs near the
    machine's matrix-product rate.

    A call of at least ``_engine.PARALLEL_FLOPS`` shares its images among as many
    threads as the BLAS would use, and limits the BLAS to one thread meanwhile, so that
    every core both copies and multiplies (NumPy's copies use one core). The result is
    the same either way. The BLAS setting is process-wide: other threads' matrix
    products also run on one BLAS thread while such a call lasts.

    Cost: ``2·N·F·C·KH·KW·H_out·W_out`` floating-point operations, all in the matrix
    products. Memory: the output and, per thread, one padded image and a band-sized
    buffer; never the ``KH·KW``-times-larger copy of every window of the whole input.
    When a padded image would outweigh the input and output several times over (a large
    padding read with a large stride or dilation), the same sums are made tap by tap
    over the real image instead.

    inf and NaN propagate as in torch (float64): a tap that reads the padding multiplies
    its zero, so an infinite weight there gives NaN.

    Examples
    --------
    Two 3×3 images of ones and ``0…8``, one filter summing every 2×2 window of each
    channel:

    >>> x = np.stack([np.ones((3, 3)), np.arange(9.0).reshape(3, 3)])[None]
    >>> conv2d(x, np.ones((1, 2, 2, 2)), b=[100])
    array([[[[112., 116.],
             [124., 128.]]]])
    >>> conv2d(x, np.ones((1, 2, 2, 2)), padding=1, stride=2).shape
    (1, 1, 2, 2)
    """
    (x, w, *b), geometry = _check(x, w, b, stride, padding, dilation)
    return _engine.forward(x, w, b[0] if b else None, geometry)


def conv2d_backward(dy, x, w, *, stride=1, padding=0, dilation=1):
    """Gradients of `conv2d` with respect to its input, kernels and bias.

    Parameters
    ----------
    dy : array_like, shape (N, F, H_out, W_out)
        Gradient of the loss with respect to ``conv2d(x, w, b, ...)``.
    x : array_like, shape (N, C, H, W)
        The input given to `conv2d`.
    w : array_like, shape (F, C, KH, KW)
        The kernels given to `conv2d`.
    stride, padding, dilation : int or (int, int)
        As given to `conv2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Gradient with respect to `x`.
    dw : ndarray, shape (F, C, KH, KW)
        Gradient with respect to `w`.
    db : ndarray, shape (F,)
        Gradient with respect to the bias. All three are float32 if `dy`, `x` and `w`
        are all float32, else float64.

    Raises
    ------
    TypeError, ValueError
        As `conv2d`, and if `dy` does not have the shape of the forward output.

    Notes
    -----
    The same loop over kernel offsets as `conv2d`, transposed, image by image: for each
    offset ``(i, j)``, ``dw[:, :, i, j] = dy @ shiftedᵀ`` and ``w[:, :, i, j]ᵀ @ dy`` is
    added back onto the shifted input positions. With at least ``_engine.TAP_CHANNELS``
    input channels that is one product per tap on views; with fewer, each band's windows
    are copied into one matrix as in `conv2d`. Large calls share the images among
    threads as `conv2d` does; the ``dw`` of each group of images is added up in image
    order, so the result does not depend on the threads. Cost: twice the forward pass,
    ``4·N·F·C·KH·KW·H_out·W_out`` FLOPs.

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
    dy = as_shaped(
        dy,
        "dy",
        (x.shape[0], w.shape[0], *geometry[3]),
        "(N, F, H_out, W_out)",
        what="the shape of conv2d's output",
    )
    return _engine.backward(dy, x, w, geometry)


def correlate2d(image, kernel, *, stride=1, padding=0) -> np.ndarray:
    """Slide `kernel` over `image`: ``Y[r, c] = Σᵢ Σⱼ X[r·s + i, c·s + j] · W[i, j]``.

    The single-channel operation of the notes (what deep learning calls "convolution"),
    on the zero-padded image; ``padding=0`` gives the "valid" part.

    Parameters
    ----------
    image : array_like, shape (H, W)
        One channel of one image.
    kernel : array_like, shape (KH, KW)
        The weights of the window.
    stride, padding : int or (int, int)
        Step between windows (>= 1) and zeros added on each side (>= 0).

    Returns
    -------
    ndarray, shape (H_out, W_out)
        The feature map: float32 if both inputs are float32, else float64.

    Raises
    ------
    TypeError, ValueError
        As `conv2d`, naming `image` and `kernel`.

    Notes
    -----
    ``conv2d`` with N = C = F = 1: ``2·KH·KW·H_out·W_out`` FLOPs.

    Examples
    --------
    The notes' vertical-edge detector finds the edge between bright (10) and dark (0)
    columns:

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
    _, stride, padding, _ = as_window(kernel.shape, stride, padding)
    out_hw = output_shape(image.shape, kernel.shape, stride, padding)
    check_allocatable(
        (1, 1, *out_hw),
        "the output (N, F, H_out, W_out) that `image`, `kernel`, `stride` and "
        "`padding` give",
    )
    geometry = _engine.geometry_of(
        (1, 1, *image.shape), (1, 1, *kernel.shape), stride, padding, (1, 1), out_hw
    )
    return _engine.forward(image[None, None], kernel[None, None], None, geometry)[0, 0]


def convolve2d(image, kernel, *, stride=1, padding=0) -> np.ndarray:
    """True convolution: `correlate2d` with the kernel flipped in both axes.

    Matches ``scipy.signal.convolve2d(image, kernel, mode="valid")`` when ``padding=0``.
    Errors as `correlate2d`.

    Parameters
    ----------
    image : array_like, shape (H, W)
        The image, one channel.
    kernel : array_like, shape (KH, KW)
        The kernel, flipped before it slides.
    stride, padding : int or (int, int)
        As in `correlate2d`.

    Returns
    -------
    ndarray, shape (H_out, W_out)
        ``correlate2d(image, kernel[::-1, ::-1], ...)``.

    Examples
    --------
    >>> convolve2d(np.arange(16).reshape(4, 4), np.array([[1, 0], [0, -1]]), stride=2)
    array([[5., 5.],
           [5., 5.]])
    """
    kernel = as_real_array(kernel, "kernel", 2, "(KH, KW)")
    return correlate2d(image, kernel[::-1, ::-1], stride=stride, padding=padding)


class Conv2d(Layer):
    """A convolutional layer: `out_channels` shared kernels of `kernel_size`.

    Parameters
    ----------
    in_channels, out_channels : int
        C and F.
    kernel_size : int or (int, int)
        KH and KW (one int: a square kernel).
    stride, padding, dilation : int or (int, int)
        As in `conv2d`.
    bias : bool, default True
        Whether the layer has one bias per filter.
    rng : numpy.random.Generator or int, default 0
        Weights are He-normal, std ``sqrt(2 / (C·KH·KW))``; biases start at zero.
    dtype : dtype, default float64
        The floating dtype of the weights.

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

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        rng=0,
        dtype=np.float64,
    ):
        kernel, self.stride, self.padding, self.dilation = as_window(
            kernel_size, stride, padding, dilation
        )
        self._init_filters(in_channels, out_channels, kernel, bias, rng, dtype)

    def _options(self):
        return dict(stride=self.stride, padding=self.padding, dilation=self.dilation)

    def forward(self, x):
        return conv2d(self._save(x), self.weight, self.bias, **self._options())

    def backward(self, dy):
        dx, dw, db = conv2d_backward(
            dy, self._saved_input(), self.weight, **self._options()
        )
        self._store_grads(dw, db)
        return dx

    def __repr__(self):
        f, c, kh, kw = self.weight.shape
        extras = "".join(
            f", {name} {short_pair(v)}"
            for name, v, default in (
                ("stride", self.stride, 1),
                ("padding", self.padding, 0),
                ("dilation", self.dilation, 1),
            )
            if v != (default, default)
        )
        return f"Conv2d({c} → {f}, {kh}×{kw}{extras}, {self.n_params:,} params)"

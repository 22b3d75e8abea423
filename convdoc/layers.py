"""Dense (fully-connected) and locally-connected layers: the two baselines a convolution
beats.

A dense layer connects every input to every output with its own weight. A
locally-connected layer keeps the convolution's *sparsity* (each output sees one ``KH ×
KW`` window) but not its *sharing*: every output position has its own kernel. Comparing
the three separates the two benefits.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_pair,
    as_real_array,
    as_shaped,
    as_window,
    check_positive_int,
    output_shape,
    result_dtype,
)
from ._layer import Layer
from ._windows import dwarfed, fold, gather, pad, scatter, unpad, windows

__all__ = [
    "Dense",
    "Flatten",
    "LocallyConnected2d",
    "dense",
    "dense_backward",
    "locally_connected2d",
    "locally_connected2d_backward",
]


def _as_torch():
    """inf - inf is NaN and a sum past the float range is inf, silently, as in torch."""
    return np.errstate(invalid="ignore", over="ignore")


def _check_dense(x, w, b=None):
    x = as_real_array(x, "x", 2, "(N, D_in)")
    w = as_real_array(w, "w", 2, "(D_out, D_in)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"`w` must have shape (D_out, D_in) with D_in = {x.shape[1]} (the columns "
            f"of `x`, torch.nn.Linear layout); got w of shape {w.shape} for x of shape "
            f"{x.shape}"
        )
    arrays = [x, w]
    if b is not None:
        arrays.append(as_shaped(b, "b", (w.shape[0],), "(D_out,)"))
    dtype = result_dtype(*arrays)
    return [a.astype(dtype, copy=False) for a in arrays]


def dense(x, w, b=None) -> np.ndarray:
    """Fully-connected layer: ``y = x @ w.T + b``, every input wired to every output.

    Parameters
    ----------
    x : array_like, shape (N, D_in)
        N examples of D_in features.
    w : array_like, shape (D_out, D_in)
        One row of weights per output (the layout of ``torch.nn.Linear``).
    b : array_like, shape (D_out,), optional
        One bias per output.

    Returns
    -------
    ndarray, shape (N, D_out)
        The outputs: float32 if every input is float32, else float64.

    Notes
    -----
    ``D_out·D_in`` weights: for a 32×32×3 image mapped to 28×28×6 units that is
    3,072 · 4,704 = 14,450,688 weights, against 450 for the convolution that computes
    the same-shaped map (see `convdoc.dense_params`).

    Examples
    --------
    >>> dense([[1.0, 2.0]], [[1.0, 0.0], [1.0, 1.0], [0.0, -1.0]], [0.0, 0.0, 10.0])
    array([[1., 3., 8.]])
    """
    arrays = _check_dense(x, w, b)
    with _as_torch():
        y = arrays[0] @ arrays[1].T
        if b is not None:
            y += arrays[2]
    return y


def dense_backward(dy, x, w):
    """Gradients of `dense`: ``(dx, dw, db) = (dy @ w, dy.T @ x, dy.sum(0))``.

    Parameters
    ----------
    dy : array_like, shape (N, D_out)
        Gradient of the loss with respect to ``dense(x, w, b)``.
    x, w : array_like
        The input and the weights given to `dense`.

    Returns
    -------
    dx : ndarray, shape (N, D_in)
        Gradient with respect to `x`.
    dw : ndarray, shape (D_out, D_in)
        Gradient with respect to `w`.
    db : ndarray, shape (D_out,)
        Gradient with respect to the bias.

    Examples
    --------
    >>> eye = [[1.0, 0.0], [0.0, 1.0]]
    >>> dx, dw, db = dense_backward([[1.0, 1.0]], [[2.0, 3.0]], eye)
    >>> dx, dw, db
    (array([[1., 1.]]), array([[2., 3.],
           [2., 3.]]), array([1., 1.]))
    """
    x, w = _check_dense(x, w)
    dy = as_shaped(
        dy, "dy", (x.shape[0], w.shape[0]), "(N, D_out)", what="the output's shape"
    )
    dtype = result_dtype(dy, x, w)
    dy, x, w = (a.astype(dtype, copy=False) for a in (dy, x, w))
    with _as_torch():
        return dy @ w, dy.T @ x, dy.sum(axis=0)


def _check_local(x, w, b, stride, padding):
    x = as_real_array(x, "x", 4, "(N, C, H, W)")
    w = as_real_array(w, "w", 6, "(H_out, W_out, F, C, KH, KW)")
    _, stride, padding, _ = as_window(w.shape[4:], stride, padding)
    ho, wo = output_shape(x.shape[2:], w.shape[4:], stride, padding, name="w")
    if w.shape[:2] != (ho, wo) or w.shape[3] != x.shape[1]:
        raise ValueError(
            "`w` must have shape (H_out, W_out, F, C, KH, KW) with (H_out, W_out) = "
            f"{(ho, wo)} and C = {x.shape[1]} for x of shape {x.shape}; got shape "
            f"{w.shape}"
        )
    arrays = [x, w]
    if b is not None:
        arrays.append(
            as_shaped(
                b,
                "b",
                (w.shape[2], ho, wo),
                "(F, H_out, W_out)",
                why=", one bias per output",
            )
        )
    dtype = result_dtype(*arrays)
    return [a.astype(dtype, copy=False) for a in arrays], stride, padding


def locally_connected2d(x, w, b=None, *, stride=1, padding=0) -> np.ndarray:
    """Locally-connected layer: a convolution with a kernel per output position.

    ``y[n, f, r, c] = Σ_{k,i,j} x_pad[n, k, r·s + i, c·s + j] · w[r, c, f, k, i, j] (+
    b[f, r, c])``.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input images.
    w : array_like, shape (H_out, W_out, F, C, KH, KW)
        One ``(F, C, KH, KW)`` kernel bank per output position: no weight is shared.
    b : array_like, shape (F, H_out, W_out), optional
        One bias per output unit.
    stride, padding : int or (int, int)
        As in `convdoc.conv2d`.

    Returns
    -------
    ndarray, shape (N, F, H_out, W_out)
        The feature maps: float32 if every input is float32, else float64.

    Notes
    -----
    With every ``w[r, c]`` equal to one kernel this *is* `convdoc.conv2d`: the
    convolution is the locally-connected layer with the extra constraint that weights
    are shared. Cost: one batched product of shape ``(H_out·W_out) × (N, C·KH·KW) @
    (C·KH·KW, F)``.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.zeros((2, 2, 1, 1, 2, 2))
    >>> w[0, 0, 0, 0, 0, 0] = 1  # top-left output reads its window's top-left pixel ...
    >>> w[1, 1, 0, 0, 1, 1] = 1  # ... bottom-right output its bottom-right pixel
    >>> locally_connected2d(x, w)
    array([[[[0., 0.],
             [0., 8.]]]])
    """
    (x, w, *rest), stride, padding = _check_local(x, w, b, stride, padding)
    ho, wo, f, c, kh, kw = w.shape
    parts = []
    for group in _image_groups(x.shape[0], c * ho * wo * kh * kw):
        # (Ho·Wo, n, C·KH·KW)
        cols = _window_rows(x[group], (kh, kw), stride, padding, (ho, wo))
        with _as_torch():
            # (Ho·Wo, n, F)
            y = np.matmul(cols, w.reshape(ho * wo, f, c * kh * kw).transpose(0, 2, 1))
        parts.append(y.reshape(ho, wo, -1, f).transpose(2, 3, 0, 1))
    with _as_torch():
        y = np.ascontiguousarray(parts[0]) if len(parts) == 1 else np.concatenate(parts)
        if rest:
            y += rest[0]
    return y


#: Elements of window copies the locally connected layer makes at once (a group of
#: images, or one image if larger): memory stays within the input, the output and
#: about 2 MiB.
LOCAL_BLOCK_ELEMENTS = 2**18


def _image_groups(n: int, per_image: int):
    """Slices of the batch whose window copies hold about `LOCAL_BLOCK_ELEMENTS` (at
    least one image)."""
    size = max(1, LOCAL_BLOCK_ELEMENTS // per_image)
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _window_rows(x, kernel, stride, padding, out_hw):
    """Every window of `x` as rows: ``(Ho·Wo, N, C·KH·KW)`` (a padding that dwarfs `x`
    is never built)."""
    if dwarfed(x.shape, padding):
        win = gather(x, kernel, stride, padding, out_hw)
    else:
        win = windows(pad(x, padding), kernel, stride)  # (N, C, Ho, Wo, KH, KW), a view
    n, c = x.shape[:2]
    return win.transpose(2, 3, 0, 1, 4, 5).reshape(
        out_hw[0] * out_hw[1], n, c * kernel[0] * kernel[1]
    )


def locally_connected2d_backward(dy, x, w, *, stride=1, padding=0):
    """Gradients of `locally_connected2d` with respect to its input, weights and bias.

    Parameters
    ----------
    dy : array_like, shape (N, F, H_out, W_out)
        Gradient of the loss with respect to the layer's output.
    x, w : array_like
        The input and the weights given to `locally_connected2d`.
    stride, padding : int or (int, int)
        As given to `locally_connected2d`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
        Gradient with respect to the input.
    dw : ndarray, shape (H_out, W_out, F, C, KH, KW)
        Gradient with respect to each position's kernels.
    db : ndarray, shape (F, H_out, W_out)
        Gradient with respect to the biases.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> w = np.ones((2, 2, 1, 1, 2, 2))
    >>> dx, dw, db = locally_connected2d_backward(np.ones((1, 1, 2, 2)), x, w)
    >>> dx[0, 0]
    array([[1., 2., 1.],
           [2., 4., 2.],
           [1., 2., 1.]])
    >>> dw[1, 1, 0, 0]  # the bottom-right output's window
    array([[4., 5.],
           [7., 8.]])
    """
    (x, w), stride, padding = _check_local(x, w, None, stride, padding)
    ho, wo, f, c, kh, kw = w.shape
    n = x.shape[0]
    dy = as_shaped(
        dy, "dy", (n, f, ho, wo), "(N, F, H_out, W_out)", what="the output's shape"
    )
    dtype = result_dtype(dy, x, w)
    dy, x, w = (a.astype(dtype, copy=False) for a in (dy, x, w))
    clipped = dwarfed(x.shape, padding)  # as in `locally_connected2d`
    dx = np.empty_like(x)
    dw = np.zeros((ho * wo, f, c * kh * kw), dtype)
    for group in _image_groups(n, c * ho * wo * kh * kw):  # as in `locally_connected2d`
        xg = x[group]
        # (Ho·Wo, n, C·KH·KW)
        cols = _window_rows(xg, (kh, kw), stride, padding, (ho, wo))
        dy_p = dy[group].transpose(2, 3, 0, 1).reshape(ho * wo, -1, f)  # (Ho·Wo, n, F)
        with _as_torch():
            dw += np.matmul(dy_p.transpose(0, 2, 1), cols)
            # (Ho·Wo, n, C·KH·KW)
            dcols = np.matmul(dy_p, w.reshape(ho * wo, f, c * kh * kw))
            dwin = dcols.reshape(ho, wo, -1, c, kh, kw).transpose(2, 3, 0, 1, 4, 5)
            if clipped:
                dx[group] = scatter(dwin, xg.shape, (kh, kw), stride, padding)
            else:
                padded = (
                    *xg.shape[:2],
                    xg.shape[2] + 2 * padding[0],
                    xg.shape[3] + 2 * padding[1],
                )
                dx[group] = unpad(fold(dwin, padded, stride), padding)
    with _as_torch():
        return dx, dw.reshape(w.shape), dy.sum(axis=0)


class Dense(Layer):
    """A fully-connected layer: ``in_features · out_features`` weights, and biases.

    Parameters
    ----------
    in_features, out_features : int
        D_in and D_out.
    bias : bool, default True
        Whether each output has a bias.
    rng : numpy.random.Generator or int, default 0
        Weights are He-normal, std ``sqrt(2 / D_in)``; biases start at zero.
    dtype : dtype, default float64
        The floating dtype of the weights.

    Examples
    --------
    >>> layer = Dense(784, 100)
    >>> layer
    Dense(784 → 100, 78,500 params)
    >>> layer.forward(np.zeros((5, 784))).shape
    (5, 100)
    """

    def __init__(
        self, in_features, out_features, *, bias=True, rng=0, dtype=np.float64
    ):
        d_in, d_out = (
            check_positive_int(in_features, "in_features"),
            check_positive_int(out_features, "out_features"),
        )
        self._init_filters(d_in, d_out, (), bias, rng, dtype)

    def forward(self, x):
        return dense(self._save(x), self.weight, self.bias)

    def backward(self, dy):
        dx, dw, db = dense_backward(dy, self._saved_input(), self.weight)
        self._store_grads(dw, db)
        return dx

    def __repr__(self):
        d_out, d_in = self.weight.shape
        return f"Dense({d_in} → {d_out}, {self.n_params:,} params)"


class LocallyConnected2d(Layer):
    """A locally-connected layer: windows as a convolution's, a kernel per position.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input and of the output (C and F).
    input_size : int or (int, int)
        ``(H, W)`` of the input: unlike a convolution, the weights depend on it.
    kernel_size, stride, padding : int or (int, int)
        The window, its step and the zeros around the input, as for `Conv2d`.
    bias : bool, default True
        One bias per output unit, ``F·H_out·W_out`` of them.
    rng : numpy.random.Generator or int, default 0
        Seed or generator of the He-normal weights.
    dtype : dtype, default float64
        Floating dtype of the weights and biases.

    Examples
    --------
    >>> LocallyConnected2d(3, 6, (32, 32), 5)
    LocallyConnected2d(3 → 6, 5×5 at 28×28 positions, 357,504 params)
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        input_size,
        kernel_size,
        *,
        stride=1,
        padding=0,
        bias=True,
        rng=0,
        dtype=np.float64,
    ):
        size = as_pair(input_size, "input_size", minimum=1)
        kernel, self.stride, self.padding, _ = as_window(kernel_size, stride, padding)
        positions = output_shape(
            size, kernel, self.stride, self.padding, name="kernel_size"
        )
        self._init_filters(
            in_channels, out_channels, kernel, bias, rng, dtype, positions=positions
        )

    def forward(self, x):
        return locally_connected2d(
            self._save(x),
            self.weight,
            self.bias,
            stride=self.stride,
            padding=self.padding,
        )

    def backward(self, dy):
        dx, dw, db = locally_connected2d_backward(
            dy,
            self._saved_input(),
            self.weight,
            stride=self.stride,
            padding=self.padding,
        )
        self._store_grads(dw, db)
        return dx

    def __repr__(self):
        ho, wo, f, c, kh, kw = self.weight.shape
        return (
            f"LocallyConnected2d({c} → {f}, {kh}×{kw} at {ho}×{wo} positions, "
            f"{self.n_params:,} params)"
        )


class Flatten(Layer):
    """Reshape ``(N, C, H, W)`` (or any ``(N, ...)``) to ``(N, C·H·W)``; 0 parameters.

    Examples
    --------
    >>> Flatten().forward(np.zeros((2, 16, 4, 4))).shape
    (2, 256)
    """

    def __init__(self):
        self._set_params()

    def forward(self, x):
        x = as_real_array(x, "x")
        if x.ndim < 2:
            raise ValueError(
                f"`x` must have a batch axis, shape (N, ...); got shape {x.shape}"
            )
        self._save(x.shape)
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return np.reshape(dy, self._saved_input())

    def __repr__(self):
        return "Flatten()"

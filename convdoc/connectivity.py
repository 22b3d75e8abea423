"""Connectivity: a convolution as a sparse, weight-shared matrix, and receptive fields.

:func:`conv_matrix` writes a single-channel cross-correlation as the dense matrix a
fully-connected layer would need, so sparsity (few nonzeros per row) and sharing (the
same values on every row) can be seen and counted. :func:`receptive_field` gives the
closed form for a stack of layers and :func:`receptive_field_by_perturbation` measures
it.
"""

from __future__ import annotations

import numpy as np

from ._checks import (
    as_pair,
    as_real_array,
    as_window,
    check_positive_int,
    is_number,
    output_shape,
    result_dtype,
)

__all__ = ["conv_matrix", "receptive_field", "receptive_field_by_perturbation"]


def conv_matrix(kernel, input_shape, *, stride=1, padding=0) -> np.ndarray:
    """The matrix ``M`` with ``M @ x.ravel() == correlate2d(x, kernel, ...).ravel()``.

    Parameters
    ----------
    kernel : array_like, shape (KH, KW)
        Real kernel.
    input_shape : int or (int, int)
        ``(H, W)`` of the (unpadded) input image.
    stride : int or (int, int), default 1
        Step between windows, in rows and columns.
    padding : int or (int, int), default 0
        Zeros added at each border. ``M`` acts on the *unpadded* flattened input: the
        padded zeros contribute nothing, so their columns are simply absent.

    Returns
    -------
    ndarray, shape (H_out·W_out, H·W)
        Row ``r·W_out + c`` holds the kernel weights at the columns of the pixels that
        output ``(r, c)`` sees. float32 if `kernel` is float32, else float64.

    Raises
    ------
    TypeError
        If `kernel` is not real numeric, or `input_shape`, `stride`, `padding` are not
        ints.
    ValueError
        If `kernel` is not 2-D or empty, a size is out of range, or the kernel is larger
        than the padded input.

    Notes
    -----
    Each row has at most ``KH·KW`` nonzeros out of ``H·W``: a 3×3 kernel on a 6×6 image
    gives a 16×36 matrix with 9 nonzeros per row, 144 of 576 entries, yet only 9
    distinct values. The matrix costs ``O(H_out·W_out·H·W)`` memory, so keep images
    small.

    Examples
    --------
    >>> conv_matrix(np.array([[1, 2], [3, 4]]), (3, 3))
    array([[1., 2., 0., 3., 4., 0., 0., 0., 0.],
           [0., 1., 2., 0., 3., 4., 0., 0., 0.],
           [0., 0., 0., 1., 2., 0., 3., 4., 0.],
           [0., 0., 0., 0., 1., 2., 0., 3., 4.]])
    >>> conv_matrix(np.ones((3, 3)), (6, 6)).shape
    (16, 36)
    """
    k = as_real_array(kernel, "kernel", ndim=2, layout="(KH, KW)")
    h, w = as_pair(input_shape, "input_shape", minimum=1)
    _, (sr, sc), (pr, pc), _ = as_window(k.shape, stride, padding)
    kh, kw = k.shape
    misfit = (
        "`kernel` must fit the padded input {padded[0]}×{padded[1]} (input_shape "
        "{size}, padding {padding}); got shape {kernel}"
    )
    ho, wo = output_shape((h, w), k.shape, (sr, sc), (pr, pc), misfit=misfit)
    m = np.zeros((ho * wo, h * w), dtype=result_dtype(k))
    # Input row of each output's window corner.
    top = np.repeat(np.arange(ho) * sr - pr, wo)
    left = np.tile(np.arange(wo) * sc - pc, ho)  # input column of the same
    out = np.arange(ho * wo)
    for i in range(kh):
        for j in range(kw):
            r, c = top + i, left + j
            inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
            m[out[inside], r[inside] * w + c[inside]] = k[i, j]
    return m


def _layer(spec, i: int) -> tuple[int, int, int, int]:
    where = f"`layers[{i}]`"
    if not isinstance(spec, (tuple, list)) or not 2 <= len(spec) <= 4:
        raise ValueError(
            f"{where} must be a tuple (kernel, stride[, dilation[, padding]]); got "
            f"{spec!r}"
        )
    if any(not is_number(v, integer=True) for v in spec):
        raise TypeError(
            f"{where} must hold ints (kernel, stride[, dilation[, padding]]); got "
            f"{spec!r}"
        )
    k, s, d, p = (*spec, *(1, 0)[len(spec) - 2 :])  # defaults: dilation 1, padding 0
    for value, name in ((k, "kernel"), (s, "stride"), (d, "dilation")):
        if value < 1:
            raise ValueError(f"{where}: {name} must be positive; got {spec!r}")
    if p < 0:
        raise ValueError(f"{where}: padding must be >= 0; got {spec!r}")
    return int(k), int(s), int(d), int(p)


def receptive_field(layers) -> tuple[int, int, int]:
    """Receptive field of a stack of layers along one axis, in closed form.

    Parameters
    ----------
    layers : sequence of tuples
        One ``(kernel, stride, dilation)`` per layer, first layer first; ``dilation``
        may be omitted (1) and a fourth item ``padding`` added (0 when omitted). Pooling
        layers count like convolutions with their window and stride.

    Returns
    -------
    size : int
        Extent of the field: ``r_L = r_{L−1} + d_L·(k_L − 1)·j_{L−1}``, ``r_0 = 1``.
    jump : int
        Input distance between neighbouring outputs: ``j_L = j_{L−1}·s_L``, ``j_0 = 1``.
    start : int
        Input index of the first pixel seen by output 0: ``t_L = t_{L−1} −
        p_L·j_{L−1}``, ``t_0 = 0`` (negative when it lies in the padding).

    Raises
    ------
    TypeError
        If a layer holds non-ints.
    ValueError
        If a layer is not a tuple of 2 to 4 items, or a value is out of range.

    Notes
    -----
    Output ``o`` sees input indices ``start + o·jump`` to ``start + o·jump + size − 1``,
    clipped to the image (a layer whose stride does not divide its input drops trailing
    rows, so the last outputs may see a little less). With dilation this is the field's
    extent: pixels inside it may be skipped.

    Examples
    --------
    >>> receptive_field([(3, 1, 1), (3, 1, 1)])  # two 3×3 layers see 5×5
    (5, 1, 0)
    >>> receptive_field([(3, 1, 1)] * 3)
    (7, 1, 0)
    >>> receptive_field([(3, 2, 1, 1), (3, 1, 1, 1)])  # stride 2 then 3×3: 3 + 2·2
    (7, 2, -3)
    """
    size, jump, start = 1, 1, 0
    for i, spec in enumerate(layers):
        k, s, d, p = _layer(spec, i)
        size += d * (k - 1) * jump
        start -= p * jump
        jump *= s
    return size, jump, start


def receptive_field_by_perturbation(forward, input_shape, out_index) -> np.ndarray:
    """Mask of the input elements that change output `out_index`, found by trial.

    Parameters
    ----------
    forward : callable
        Maps an array of `input_shape` to an array (e.g. a model's ``forward``).
    input_shape : tuple of int
        Shape of the input `forward` expects, e.g. ``(1, 1, H, W)``.
    out_index : int or tuple
        Index of one element of ``forward(x)``.

    Returns
    -------
    ndarray of bool, shape `input_shape`
        True at the pixels that change the output.

    Raises
    ------
    TypeError
        If `forward` is not callable or `input_shape` holds non-ints.
    ValueError
        If `out_index` does not select exactly one element of the output.

    Notes
    -----
    Method: a fixed baseline ``x0`` (standard normal, seed 0) is evaluated once; then
    each input element in turn is moved by +1 (and, if that changed nothing, by −1) and
    the element is marked when ``forward(x)[out_index]`` differs *exactly* from the
    baseline value. This costs up to ``1 + 2·prod(input_shape)`` calls of `forward`. For
    a linear `forward` (convolutions, average pooling) the result is the receptive
    field, barring weights that cancel exactly. With ReLU or max pooling it is the set
    of pixels that matter *at that baseline*, a subset of the theoretical field. A
    `forward` computed with FFTs leaks rounding noise to every output and reports the
    whole input.

    Examples
    --------
    >>> def forward(x):  # sum of every 2×2 window: a "valid" 2×2 convolution
    ...     return x[:-1, :-1] + x[1:, :-1] + x[:-1, 1:] + x[1:, 1:]
    >>> receptive_field_by_perturbation(forward, (3, 4), (1, 2)).astype(int)
    array([[0, 0, 0, 0],
           [0, 0, 1, 1],
           [0, 0, 1, 1]])
    """
    if not callable(forward):
        raise TypeError(f"`forward` must be callable; got {type(forward).__name__}")
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) == 0:
        raise ValueError(
            "`input_shape` must be a non-empty tuple of positive ints; got "
            f"{input_shape!r}"
        )
    shape = tuple(check_positive_int(n, "input_shape") for n in input_shape)
    x = np.random.default_rng(0).standard_normal(shape)
    y0 = np.asarray(forward(x))
    try:
        base = y0[out_index]
    except (IndexError, TypeError) as exc:
        raise ValueError(
            f"`out_index` must index the output of shape {y0.shape}; got {out_index!r} "
            f"({exc})"
        ) from None
    if np.ndim(base) != 0:
        raise ValueError(
            f"`out_index` must select one element of the output of shape {y0.shape}; "
            f"got {out_index!r}, which selects shape {np.shape(base)}"
        )
    base = base.item()
    mask = np.zeros(shape, dtype=bool)
    for idx in np.ndindex(*shape):
        original = x[idx]
        for step in (1.0, -1.0):
            x[idx] = original + step
            if np.asarray(forward(x))[out_index] != base:
                mask[idx] = True
                break
        x[idx] = original
    return mask

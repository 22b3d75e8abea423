"""Translation: shift images and measure how far a map is from translation equivariance.

A map ``f`` is *equivariant* to shifts when shifting the input shifts the output,
``f(shift(x)) == shift(f(x))``; convolution is, up to what happens at the borders.
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, is_number, result_dtype

__all__ = ["equivariance_error", "shift"]

_MODES = ("zero", "circular")


def _check_int(value, name: str) -> int:
    if not is_number(value, integer=True):
        raise TypeError(
            f"`{name}` must be an int (a number of pixels); got {value!r} "
            f"({type(value).__name__})"
        )
    return int(value)


def _check_mode(mode) -> str:
    if mode not in _MODES:
        raise ValueError(
            f"`mode` must be one of {', '.join(map(repr, _MODES))}; got {mode!r}"
        )
    return mode


def shift(x, rows: int, cols: int, *, mode: str = "zero") -> np.ndarray:
    """Shift the last two axes of `x` by `rows` (down) and `cols` (right).

    Parameters
    ----------
    x : array_like, shape (..., H, W)
        Real array with at least two dimensions, e.g. ``(H, W)`` or ``(N, C, H, W)``.
    rows, cols : int
        Pixels to move down (negative: up) and right (negative: left).
    mode : {"zero", "circular"}, default "zero"
        ``"zero"``: pixels shifted out are lost and the vacated border is filled with
        zeros. ``"circular"``: pixels shifted out come back on the other side
        (``np.roll``).

    Returns
    -------
    ndarray, same shape as `x`
        The shifted array: float32 if `x` is float32, else float64.

    Raises
    ------
    TypeError
        If `x` is not real numeric or `rows`/`cols` are not ints.
    ValueError
        If `x` has fewer than two dimensions or no elements, or `mode` is unknown.

    Examples
    --------
    >>> x = np.arange(9).reshape(3, 3)
    >>> shift(x, 1, -1)
    array([[0., 0., 0.],
           [1., 2., 0.],
           [4., 5., 0.]])
    >>> shift(x, 1, -1, mode="circular")
    array([[7., 8., 6.],
           [1., 2., 0.],
           [4., 5., 3.]])
    """
    arr = as_real_array(x, "x")
    if arr.ndim < 2:
        raise ValueError(
            f"`x` must have at least 2 dimensions (..., H, W); got shape {arr.shape}"
        )
    rows, cols, mode = (
        _check_int(rows, "rows"),
        _check_int(cols, "cols"),
        _check_mode(mode),
    )
    arr = arr.astype(result_dtype(arr), copy=False)
    if mode == "circular":
        return np.roll(arr, (rows, cols), axis=(-2, -1))
    out = np.zeros_like(arr)
    h, w = arr.shape[-2:]
    if abs(rows) < h and abs(cols) < w:
        dst_r, src_r = (
            slice(max(rows, 0), h + min(rows, 0)),
            slice(max(-rows, 0), h - max(rows, 0)),
        )
        dst_c, src_c = (
            slice(max(cols, 0), w + min(cols, 0)),
            slice(max(-cols, 0), w - max(cols, 0)),
        )
        out[..., dst_r, dst_c] = arr[..., src_r, src_c]
    return out


def equivariance_error(
    f, x, rows: int, cols: int, *, mode: str = "zero", crop: int = 0
) -> float:
    """Largest difference between ``f(shift(x))`` and ``shift(f(x))``.

    Parameters
    ----------
    f : callable
        Maps an array like `x` to an array whose last two axes are spatial (stride 1, so
        the same shift applies to input and output).
    x : array_like, shape (..., H, W)
        Real input.
    rows, cols : int
        The shift, as in :func:`shift`.
    mode : {"zero", "circular"}, default "zero"
        Border handling of both shifts.
    crop : int, default 0
        Pixels ignored at each of the four borders of the output, where zero shifts and
        the map's own padding disagree.

    Returns
    -------
    float
        ``max |f(shift(x)) − shift(f(x))|`` over the cropped output; 0 for an
        equivariant `f`.

    Raises
    ------
    TypeError
        If `f` is not callable, or `x`, `rows`, `cols`, `crop` are of the wrong type.
    ValueError
        If `mode` is unknown, `crop` is negative or leaves nothing, or the two sides of
        the comparison differ in shape.

    Examples
    --------
    Differences of horizontal neighbours ("valid", so 3 columns out of 4) commute with a
    shift right, except in the left column where the shift brought in a zero:

    >>> def diff(x):
    ...     return x[..., :, 1:] - x[..., :, :-1]
    >>> x = np.array([[1, 2, 4, 8]] * 3)
    >>> equivariance_error(diff, x, 0, 1)
    1.0
    >>> equivariance_error(diff, x, 0, 1, crop=1)
    0.0
    """
    if not callable(f):
        raise TypeError(f"`f` must be callable; got {type(f).__name__}")
    arr = as_real_array(x, "x")
    if not is_number(crop, integer=True):
        raise TypeError(
            f"`crop` must be an int (pixels per border); got {crop!r} "
            f"({type(crop).__name__})"
        )
    if crop < 0:
        raise ValueError(f"`crop` must be >= 0; got {crop}")
    moved_then_mapped = np.asarray(f(shift(arr, rows, cols, mode=mode)))
    mapped = np.asarray(f(arr))
    if mapped.ndim < 2:
        raise ValueError(
            "`f` must return an array with at least 2 dimensions (..., H, W); got "
            f"shape {mapped.shape}"
        )
    mapped_then_moved = shift(mapped, rows, cols, mode=mode)
    if moved_then_mapped.shape != mapped_then_moved.shape:
        raise ValueError(
            f"`f` must give outputs of one shape; got {moved_then_mapped.shape} for "
            f"the shifted input and {mapped_then_moved.shape} for the original"
        )
    h, w = mapped_then_moved.shape[-2:]
    if 2 * crop >= min(h, w):
        raise ValueError(
            f"`crop` must leave part of the {h}×{w} output (2·crop < {min(h, w)}); got "
            f"{crop}"
        )
    window = (..., slice(crop, h - crop), slice(crop, w - crop))
    return float(np.max(np.abs(moved_then_mapped[window] - mapped_then_moved[window])))

"""Validation at the public edge, shared by every module.

Each helper raises ``TypeError`` (wrong kind of value) or ``ValueError``
(right kind, wrong value) with a message that names the argument, states the
rule and shows what was received, e.g.::

    ValueError: `kernel` must be 2-D with shape (KH, KW); got shape (3,)
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_pair",
    "as_real_array",
    "as_shaped",
    "as_window",
    "check_allocatable",
    "check_bool",
    "check_float_dtype",
    "check_positive_int",
    "check_rng",
    "is_number",
    "output_shape",
    "result_dtype",
]


def as_real_array(
    value, name: str, ndim: int | None = None, layout: str = ""
) -> np.ndarray:
    """Return ``value`` as a non-empty real numeric array, or raise.

    Parameters
    ----------
    value : array_like
        What the caller passed.
    name : str
        The argument's name, used in error messages.
    ndim : int, optional
        Required number of dimensions.
    layout : str, optional
        The expected shape in words, e.g. ``"(N, C, H, W)"``, for the message.

    Raises
    ------
    TypeError
        If the array is complex, boolean, or not numeric.
    ValueError
        If it has the wrong number of dimensions or no elements.
    """
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError) as exc:  # ragged lists and the like
        raise TypeError(
            f"`{name}` must be a real numeric array; got {type(value).__name__} ({exc})"
        ) from None
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"`{name}` must be real, not complex; got dtype {arr.dtype}")
    if kind == "b":
        raise TypeError(
            f"`{name}` must be numeric, not boolean; got dtype {arr.dtype} (cast with "
            ".astype(float))"
        )
    if kind not in "iuf":
        raise TypeError(f"`{name}` must be a real numeric array; got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        shape_txt = f" with shape {layout}" if layout else ""
        raise ValueError(f"`{name}` must be {ndim}-D{shape_txt}; got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"`{name}` must not be empty; got shape {arr.shape}")
    return arr


def as_shaped(
    value, name: str, shape: tuple, layout: str, *, what: str = "shape", why: str = ""
) -> np.ndarray:
    """`as_real_array` with an exact required ``shape`` (e.g. a bias or a gradient), or
    raise.

    Examples
    --------
    >>> as_shaped([0.0, 0.0], "b", (3,), "(F,)", why=", one bias per filter")
    Traceback (most recent call last):
    ...
    ValueError: `b` must have shape (F,) = (3,), one bias per filter; got shape (2,)
    """
    arr = as_real_array(value, name, len(shape), layout)
    if arr.shape != tuple(shape):
        raise ValueError(
            f"`{name}` must have {what} {layout} = {tuple(shape)}{why}; got shape "
            f"{arr.shape}"
        )
    return arr


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """Float dtype to compute in: float32 if every input is float32 or narrower float,
    else float64.

    Integer inputs are computed in float64, as the API promises.

    Examples
    --------
    >>> import numpy as np
    >>> result_dtype(np.ones(2, np.float32), np.ones(2, np.float32))
    dtype('float32')
    >>> result_dtype(np.ones(2, np.float32), np.ones(2, np.int64))
    dtype('float64')
    """
    if arrays and all(a.dtype.kind == "f" and a.dtype.itemsize <= 4 for a in arrays):
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def is_number(value, *, integer: bool = False) -> bool:
    """Whether ``value`` is a real number (an integer if ``integer``) and not a bool:
    ``True`` is an int to Python, never a size, a seed or a rate here.

    Examples
    --------
    >>> is_number(3, integer=True), is_number(2.5, integer=True), is_number(True)
    (True, False, False)
    """
    kind = numbers.Integral if integer else numbers.Real
    return isinstance(value, kind) and not isinstance(value, (bool, np.bool_))


def as_pair(value, name: str, *, minimum: int) -> tuple[int, int]:
    """Return ``value`` (an int or a pair of ints) as ``(rows, columns)``, each >=
    ``minimum``.

    Examples
    --------
    >>> as_pair(2, "stride", minimum=1)
    (2, 2)
    >>> as_pair((1, 3), "padding", minimum=0)
    (1, 3)
    """
    # The usual cases (an int, or a pair of ints such as an array's shape[2:]), without
    # the general checks.
    if type(value) is int and value >= minimum:
        return value, value
    if type(value) is tuple and len(value) == 2:
        rows, cols = value
        if type(rows) is int and type(cols) is int and min(rows, cols) >= minimum:
            return value
    if isinstance(value, np.ndarray) and value.ndim == 0:  # np.array(2): a scalar
        value = value.item()
    items = (
        (value, value)
        if not isinstance(value, (tuple, list, np.ndarray))
        else tuple(value)
    )
    if len(items) != 2:
        raise ValueError(
            f"`{name}` must be an int or a pair (rows, columns); got {value!r}"
        )
    out = []
    for item in items:
        if not is_number(item, integer=True):
            raise TypeError(f"`{name}` must be an int or a pair of ints; got {value!r}")
        if item < minimum:
            rule = "positive" if minimum == 1 else f">= {minimum}"
            raise ValueError(f"`{name}` must be {rule}; got {value!r}")
        out.append(int(item))
    return out[0], out[1]


def as_window(
    kernel, stride, padding, dilation=1, *, name: str = "kernel_size", pool=False
):
    """The geometry of a sliding window as four checked ``(rows, columns)`` pairs.

    ``(kernel, stride, padding, dilation)``: the window (named `name` in errors) and its
    step are positive, the zeros around the input are >= 0, the spacing of the taps is
    positive. For a pooling window (`pool`), a `stride` of ``None`` steps by the window.

    Examples
    --------
    >>> as_window(3, 2, (1, 0))
    ((3, 3), (2, 2), (1, 0), (1, 1))
    >>> as_window(2, None, 0, name="size", pool=True)
    ((2, 2), (2, 2), (0, 0), (1, 1))
    """
    kernel = as_pair(kernel, name, minimum=1)
    return (
        kernel,
        kernel if pool and stride is None else as_pair(stride, "stride", minimum=1),
        as_pair(padding, "padding", minimum=0),
        as_pair(dilation, "dilation", minimum=1),
    )


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int if it is a positive integer, else raise.

    Examples
    --------
    >>> check_positive_int(3, "units")
    3
    """
    if not is_number(value, integer=True):
        raise TypeError(
            f"`{name}` must be a positive int; got {value!r} ({type(value).__name__})"
        )
    if value < 1:
        raise ValueError(f"`{name}` must be a positive int; got {value!r}")
    return int(value)


def check_bool(value, name: str) -> bool:
    """Return ``value`` as a bool if it is one (Python or NumPy), else raise.

    Examples
    --------
    >>> check_bool("no", "bias")
    Traceback (most recent call last):
    ...
    TypeError: `bias` must be True or False; got 'no' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"`{name}` must be True or False; got {value!r} ({type(value).__name__})"
        )
    return bool(value)


def check_rng(value, name: str = "rng"):
    """Return ``value`` if it is a ``numpy.random.Generator`` or an int seed >= 0, else
    raise."""
    if isinstance(value, np.random.Generator):
        return value
    if not is_number(value, integer=True):
        raise TypeError(
            f"`{name}` must be an int seed or a numpy.random.Generator; got {value!r} "
            f"({type(value).__name__})"
        )
    if value < 0:
        raise ValueError(
            f"`{name}` must be an int seed >= 0 or a numpy.random.Generator; got "
            f"{value!r}"
        )
    return int(value)


def check_float_dtype(value, name: str = "dtype") -> np.dtype:
    """Return ``value`` as a NumPy floating dtype (float32, float64, ...), else raise.

    Examples
    --------
    >>> check_float_dtype("float32")
    dtype('float32')
    >>> check_float_dtype(np.int64)
    Traceback (most recent call last):
    ...
    TypeError: `dtype` must be a floating dtype such as np.float32 or np.float64; got
    int64
    """
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if value is None or dtype is None or dtype.kind != "f":
        got = (
            dtype
            if dtype is not None and value is not None
            else f"{value!r} ({type(value).__name__})"
        )
        raise TypeError(
            f"`{name}` must be a floating dtype such as np.float32 or np.float64; got "
            f"{got}"
        )
    return dtype


def check_allocatable(shape, what: str) -> tuple:
    """Return ``shape`` if an array of it could exist (NumPy's limit: 2**63 bytes), else
    raise.

    Examples
    --------
    >>> what = "the output (N, F, H_out, W_out) that `padding` gives"
    >>> check_allocatable((2, 10**18, 10**18), what)
    Traceback (most recent call last):
    ...
    ValueError: the output (N, F, H_out, W_out) that `padding` gives must fit in memory;
    got shape (2, 1000000000000000000, 1000000000000000000)
    """
    if math.prod(shape) * 8 >= 2**63:
        raise ValueError(f"{what} must fit in memory; got shape {tuple(shape)}")
    return tuple(shape)


MISFIT = (
    "`{name}` must fit in the padded input: the kernel {kernel} with dilation "
    "{dilation} spans {span}, but the input {size} with padding {padding} is only "
    "{padded}; use a smaller kernel or more padding"
)


def output_shape(
    size, kernel, stride, padding, dilation=(1, 1), *, name="kernel", misfit=MISFIT
):
    """``(H_out, W_out)`` of a window sliding over a padded input: the one formula.

    ``H_out = (H + 2·padding - dilation·(KH - 1) - 1) // stride + 1``, and the same for
    columns, as in ``torch.nn.Conv2d``. Every pair is ``(rows, columns)`` of checked
    ints. If the dilated window is larger than the padded input, raises ``ValueError``
    with ``misfit`` formatted with ``name``, ``kernel``, ``dilation``, ``span`` (the
    dilated window), ``size``, ``padding`` and ``padded``.

    Examples
    --------
    >>> output_shape((32, 32), (5, 5), (1, 1), (0, 0))
    (28, 28)
    >>> output_shape((4, 4), (5, 5), (1, 1), (0, 0))
    Traceback (most recent call last):
    ...
    ValueError: `kernel` must fit in the padded input: the kernel (5, 5) with dilation
    (1, 1) spans (5, 5), but the input (4, 4) with padding (0, 0) is only (4, 4); use a
    smaller kernel or more padding"""
    span = (dilation[0] * (kernel[0] - 1) + 1, dilation[1] * (kernel[1] - 1) + 1)
    padded = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    if span[0] > padded[0] or span[1] > padded[1]:
        raise ValueError(
            misfit.format(
                name=name,
                kernel=tuple(kernel),
                dilation=tuple(dilation),
                span=span,
                size=tuple(size),
                padding=tuple(padding),
                padded=padded,
            )
        )
    return (padded[0] - span[0]) // stride[0] + 1, (padded[1] - span[1]) // stride[
        1
    ] + 1

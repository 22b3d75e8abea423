"""Parameter counting: dense vs locally connected vs convolutional, and whole networks.

The three counting functions are the site's central argument in formulas; the layer
specs and :func:`summarize` apply them layer by layer to whole networks without
allocating a single weight, counting each layer's multiply-adds on the way. The residual
blocks and the named networks (LeNet-5 to MobileNetV2) live
in :mod:`convdoc.architectures`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import as_pair, as_window, check_positive_int, output_shape

__all__ = [
    "AdaptiveAvgPoolSpec",
    "AvgPoolSpec",
    "BatchNormSpec",
    "ConvSpec",
    "DenseSpec",
    "FlattenSpec",
    "GlobalAvgPoolSpec",
    "LayerSummary",
    "LocallyConnectedSpec",
    "MaxPoolSpec",
    "conv_params",
    "conv_share",
    "dense_params",
    "dense_share",
    "locally_connected_params",
    "summarize",
    "summary_table",
    "total_macs",
    "total_params",
]


def _check_bias(bias) -> bool:
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(
            f"`bias` must be True or False; got {bias!r} ({type(bias).__name__})"
        )
    return bool(bias)


def dense_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Parameters of a fully-connected layer: ``n_in·n_out`` weights and the biases.

    Parameters
    ----------
    n_in, n_out : int
        Number of input and output units (positive).
    bias : bool, default True
        Count one bias per output unit.

    Returns
    -------
    int
        The parameter count (a Python int, so it never overflows).

    Raises
    ------
    TypeError
        If a size is not an int (floats and bools are refused) or `bias` is not a bool.
    ValueError
        If a size is not positive.

    Examples
    --------
    A 32×32×3 image (3,072 values) densely connected to 28×28×6 = 4,704 outputs:

    >>> dense_params(3072, 4704)
    14455392
    >>> dense_params(10**6, 10**6, bias=False)  # a 1000×1000 image to 1M hidden units
    1000000000000
    """
    n_in, n_out = check_positive_int(n_in, "n_in"), check_positive_int(n_out, "n_out")
    return n_in * n_out + (n_out if _check_bias(bias) else 0)


def conv_params(
    in_channels: int,
    out_channels: int,
    kh: int,
    kw: int | None = None,
    *,
    bias: bool = True,
    groups: int = 1,
) -> int:
    """Parameters of a convolution: ``F·C·KH·KW`` shared weights (+ ``F`` biases).

    The count does not depend on the image size: that is parameter sharing. A grouped
    convolution splits the channels into `groups` independent convolutions, each filter
    seeing ``C/groups`` input channels: ``F·(C/groups)·KH·KW`` weights. With
    ``groups = C = F`` it is *depthwise*: one ``KH×KW`` kernel per channel.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``F`` (positive).
    kh, kw : int
        Kernel rows and columns; `kw` defaults to `kh` (square kernel).
    bias : bool, default True
        Count one bias per filter.
    groups : int, default 1
        Number of channel groups; must divide both `in_channels` and `out_channels`.

    Returns
    -------
    int
        ``F·(C/groups)·KH·KW`` weights, plus F biases if `bias`.

    Raises
    ------
    TypeError, ValueError
        As :func:`dense_params`, and if `groups` does not divide both channel counts.

    Examples
    --------
    >>> conv_params(3, 6, 5)  # six 5×5 filters on an RGB image: 6·(3·25 + 1)
    456
    >>> conv_params(1, 6, 5)  # the same on a grayscale image: 6·(25 + 1)
    156
    >>> conv_params(1, 1, 10, bias=False)
    100
    >>> conv_params(32, 32, 3, bias=False, groups=32)  # depthwise: a 3×3 kernel each
    288
    """
    c, f = (
        check_positive_int(in_channels, "in_channels"),
        check_positive_int(out_channels, "out_channels"),
    )
    kh = check_positive_int(kh, "kh")
    kw = kh if kw is None else check_positive_int(kw, "kw")
    g = _check_groups(groups, c, f)
    return f * (c // g) * kh * kw + (f if _check_bias(bias) else 0)


def _check_groups(groups, in_channels: int, out_channels: int) -> int:
    """`groups` as an int that divides both channel counts, or the house error."""
    g = check_positive_int(groups, "groups")
    if in_channels % g or out_channels % g:
        raise ValueError(
            f"`groups` must divide both the input channels ({in_channels}) and the "
            f"filters ({out_channels}); got groups={g}"
        )
    return g


def locally_connected_params(
    in_channels: int,
    out_channels: int,
    h_out: int,
    w_out: int,
    kh: int,
    kw: int | None = None,
    *,
    bias: bool = True,
) -> int:
    """Parameters of a locally connected layer: one unshared kernel per output position.

    ``H_out·W_out·F·C·KH·KW`` weights (+ ``F·H_out·W_out`` biases), i.e. exactly
    ``H_out·W_out`` times the convolution with the same kernel: sparsity without
    sharing.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``F`` (positive).
    h_out, w_out : int
        Output rows and columns (positive).
    kh, kw : int
        Kernel rows and columns; `kw` defaults to `kh`.
    bias : bool, default True
        Count one bias per filter and output position.

    Returns
    -------
    int
        ``H_out·W_out·F·C·KH·KW`` weights, plus the biases if `bias`.

    Raises
    ------
    TypeError, ValueError
        As :func:`dense_params`.

    Examples
    --------
    A 1000×1000 image to 1M hidden units, each seeing a 10×10 patch:

    >>> locally_connected_params(1, 1, 1000, 1000, 10, bias=False)
    100000000
    >>> locally_connected_params(3, 6, 28, 28, 5) == 28 * 28 * conv_params(3, 6, 5)
    True
    """
    h_out, w_out = (
        check_positive_int(h_out, "h_out"),
        check_positive_int(w_out, "w_out"),
    )
    per_position = conv_params(in_channels, out_channels, kh, kw, bias=bias)
    return h_out * w_out * per_position


def _spatial(cls):
    """Validate (kernel or size, stride, padding, dilation) of a sliding-window spec at
    construction."""

    def __post_init__(self):
        window = "kernel" if hasattr(self, "kernel") else "size"
        dilation, pool = getattr(self, "dilation", 1), window == "size"
        as_window(
            getattr(self, window),
            self.stride,
            self.padding,
            dilation,
            name=window,
            pool=pool,
        )
        if hasattr(self, "filters"):
            check_positive_int(self.filters, "filters")
            _check_bias(self.bias)
        if hasattr(self, "groups"):
            if self.filters % check_positive_int(self.groups, "groups"):
                raise ValueError(
                    f"`groups` must divide `filters` ({self.filters}); got "
                    f"groups={self.groups}"
                )

    cls.__post_init__ = __post_init__
    return cls


@dataclass(frozen=True)
@_spatial
class ConvSpec:
    """A convolution: `filters` shared kernels of size `kernel`.

    `dilation` spaces the kernel's taps; `groups` splits the channels into independent
    convolutions (``groups`` equal to the channel count: a depthwise convolution).

    Parameters
    ----------
    filters : int
        F, the output channels.
    kernel : int or (int, int)
        Kernel rows and columns.
    stride, padding : int or (int, int), default 1 and 0
        As in `convdoc.conv2d`.
    bias : bool, default True
        One bias per filter.
    dilation : int or (int, int), default 1
        Spacing of the kernel's taps.
    groups : int, default 1
        Channel groups; must divide `filters` (and the input channels).

    Examples
    --------
    >>> summarize((3, 32, 32), [ConvSpec(6, 5)])
    [LayerSummary(name='conv1', output_shape=(6, 28, 28), params=456, macs=352800)]
    """

    filters: int
    kernel: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    bias: bool = True
    dilation: int | tuple[int, int] = 1
    groups: int = 1


@dataclass(frozen=True)
@_spatial
class LocallyConnectedSpec:
    """Like :class:`ConvSpec`, but with a separate kernel at every output position.

    Parameters
    ----------
    filters : int
        Output channels.
    kernel : int or (int, int)
        The window, ``(KH, KW)``.
    stride, padding : int or (int, int), default 1 and 0
        As for a convolution.
    bias : bool, default True
        One bias per output unit.

    Examples
    --------
    >>> summarize((3, 32, 32), [LocallyConnectedSpec(6, 5)])[0].params  # 784 × 456
    357504
    """

    filters: int
    kernel: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    bias: bool = True


@dataclass(frozen=True)
@_spatial
class _PoolSpec:
    """A pooling window: `size`, `stride` (`size` if None) and `padding`.

    Parameters
    ----------
    size : int or (int, int)
        The window.
    stride : int or (int, int), optional
        Step between windows; `size` if None.
    padding : int or (int, int), default 0
        At most half the window on each side.
    """

    size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0


@dataclass(frozen=True)
class MaxPoolSpec(_PoolSpec):
    """Max pooling over `size` windows; `stride` defaults to `size` (0 parameters).

    Parameters
    ----------
    size, stride, padding : int or (int, int)
        The window, its step (`size` if None) and the padding, as in
        `convdoc.max_pool2d`.

    Examples
    --------
    >>> summarize((6, 28, 28), [MaxPoolSpec(2)])[0].output_shape
    (6, 14, 14)
    """


@dataclass(frozen=True)
class AvgPoolSpec(_PoolSpec):
    """Average pooling of `size` windows (no parameters); `stride` defaults to size.

    Parameters
    ----------
    size, stride, padding : int or (int, int)
        As in `convdoc.avg_pool2d`.

    Examples
    --------
    >>> summarize((6, 28, 28), [AvgPoolSpec(3, stride=2, padding=1)])[0].output_shape
    (6, 14, 14)
    """


@dataclass(frozen=True)
class AdaptiveAvgPoolSpec:
    """Average pooling to a fixed `output_size` whatever the input size, as torch.

    Parameters
    ----------
    output_size : int or (int, int)
        ``(H_out, W_out)`` of every output.

    Examples
    --------
    >>> summarize((512, 13, 13), [AdaptiveAvgPoolSpec(7)])[0].output_shape
    (512, 7, 7)
    """

    output_size: int | tuple[int, int]

    def __post_init__(self):
        as_pair(self.output_size, "output_size", minimum=1)


@dataclass(frozen=True)
class GlobalAvgPoolSpec:
    """Average of each channel: ``(C, H, W)`` → ``(C, 1, 1)``, 0 parameters.

    The same as ``AdaptiveAvgPoolSpec(1)``; what ResNet and MobileNetV2 put before their
    one dense layer.

    Examples
    --------
    >>> summarize((512, 7, 7), [GlobalAvgPoolSpec()])[0].output_shape
    (512, 1, 1)
    """


@dataclass(frozen=True)
class BatchNormSpec:
    """Batch normalization: a learned scale and shift per channel (``2·C`` parameters).

    At inference each value costs one multiply-add; the running mean and variance are
    statistics, not parameters (PyTorch keeps them as buffers).

    Examples
    --------
    >>> summarize((64, 56, 56), [BatchNormSpec()])[0].params
    128
    """


@dataclass(frozen=True)
class FlattenSpec:
    """Flatten ``(C, H, W)`` to ``(C·H·W,)`` (0 parameters).

    Examples
    --------
    >>> summarize((16, 5, 5), [FlattenSpec()])[0].output_shape
    (400,)
    """


@dataclass(frozen=True)
class DenseSpec:
    """A fully-connected layer with `units` outputs.

    Parameters
    ----------
    units : int
        Outputs of the layer.
    bias : bool, default True
        One bias per output.

    Examples
    --------
    >>> summarize((400,), [DenseSpec(120)])[0].params  # 400·120 + 120
    48120
    """

    units: int
    bias: bool = True

    def __post_init__(self):
        check_positive_int(self.units, "units")
        _check_bias(self.bias)


class LayerSummary(NamedTuple):
    """One row of :func:`summarize`: name, output shape, parameters, multiply-adds.

    `macs` counts the multiply-adds that involve a learned weight: a dense weight is
    used once per image, a convolution's weight once per output position.

    Parameters
    ----------
    name : str
        The layer's row name, e.g. ``conv1``.
    output_shape : tuple
        The shape it outputs for one image.
    params : int
        Its learned parameters.
    macs : int, default 0
        Its multiply-adds per image.

    Examples
    --------
    >>> summarize((4,), [DenseSpec(3)])[0]
    LayerSummary(name='fc1', output_shape=(3,), params=15, macs=12)
    """

    name: str
    output_shape: tuple
    params: int
    macs: int = 0


_PREFIX = {
    ConvSpec: "conv",
    LocallyConnectedSpec: "local",
    MaxPoolSpec: "pool",
    AvgPoolSpec: "pool",
    AdaptiveAvgPoolSpec: "adaptivepool",
    GlobalAvgPoolSpec: "globalpool",
    BatchNormSpec: "bn",
    FlattenSpec: "flatten",
    DenseSpec: "fc",
}


def _prefix(layer) -> str | None:
    """The row-name prefix of a spec: ``conv``, ``fc``..., ``block`` for a residual
    block."""
    # The block protocol, see convdoc.architectures.
    if callable(getattr(layer, "branches", None)):
        return "block"
    return _PREFIX.get(type(layer))


def _window_output(layer, shape: tuple, where: str) -> tuple[tuple, tuple]:
    """The kernel (or pooling window) of a windowed spec, and its output ``(H_out,
    W_out)`` on `shape`."""
    kernel, stride, padding, dilation = as_window(
        getattr(layer, "kernel", getattr(layer, "size", None)),
        layer.stride,
        layer.padding,
        getattr(layer, "dilation", 1),
        name="kernel",
        pool=hasattr(layer, "size"),
    )
    if not hasattr(layer, "filters") and any(
        2 * p > k for p, k in zip(padding, kernel, strict=True)
    ):
        raise ValueError(
            f"{where}: `padding` must be at most half the window size {kernel}; got "
            f"{padding}"
        )
    # `where` goes into a format string: its braces are doubled.
    escaped = where.replace("{", "{{").replace("}", "}}")
    misfit = (
        f"{escaped} does not fit: window {{span[0]}}×{{span[1]}} is larger than the "
        f"padded input {{padded[0]}}×{{padded[1]}} (input shape {shape}, padding "
        "{padding})"
    )
    h, w = shape[1:]
    return kernel, output_shape(
        (h, w), kernel, stride, padding, dilation, misfit=misfit
    )


def _apply(layer, shape: tuple, where: str) -> tuple[tuple, int, int]:
    """Output shape, parameter count and multiply-adds of one spec on `shape`."""
    if isinstance(layer, DenseSpec):
        if len(shape) != 1:
            raise ValueError(
                f"{where} needs a 1-D input (D,); got shape {shape}: put a "
                "FlattenSpec() before it"
            )
        return (
            (layer.units,),
            dense_params(shape[0], layer.units, bias=layer.bias),
            shape[0] * layer.units,
        )
    if isinstance(layer, FlattenSpec):
        return (math.prod(shape),), 0, 0
    if len(shape) != 3:
        raise ValueError(f"{where} needs a 3-D input (C, H, W); got shape {shape}")
    c, h, w = shape
    if isinstance(layer, BatchNormSpec):
        return shape, 2 * c, c * h * w
    if isinstance(layer, GlobalAvgPoolSpec):
        return (c, 1, 1), 0, 0
    if isinstance(layer, AdaptiveAvgPoolSpec):
        return (c, *as_pair(layer.output_size, "output_size", minimum=1)), 0, 0
    kernel, (ho, wo) = _window_output(layer, shape, where)
    if isinstance(layer, ConvSpec):
        if c % layer.groups:
            raise ValueError(
                f"{where}: `groups` must divide the input channels ({c}); got "
                f"groups={layer.groups}"
            )
        n = conv_params(c, layer.filters, *kernel, bias=layer.bias, groups=layer.groups)
        return (
            (layer.filters, ho, wo),
            n,
            ho * wo * layer.filters * (c // layer.groups) * kernel[0] * kernel[1],
        )
    if isinstance(layer, LocallyConnectedSpec):
        n = locally_connected_params(c, layer.filters, ho, wo, *kernel, bias=layer.bias)
        return (
            (layer.filters, ho, wo),
            n,
            ho * wo * layer.filters * c * kernel[0] * kernel[1],
        )
    return (c, ho, wo), 0, 0


def _walk(
    shape: tuple,
    layers,
    *,
    label: str = "`layers`",
    context: str = "",
    prefix: str = "",
    expand: bool = False,
) -> tuple[list[LayerSummary], tuple]:
    """Rows of `layers` applied to `shape`, and the final shape; `label` names them in
    errors."""
    counts: dict[str, int] = {}
    rows = []
    for i, layer in enumerate(layers):
        kind = _prefix(layer)
        if kind is None:
            kinds = ", ".join(sorted({c.__name__ for c in _PREFIX}))
            raise TypeError(
                f"{context}{label[:-1]}[{i}]` must be a layer spec ({kinds}) or a "
                f"block; got {type(layer).__name__}"
            )
        counts[kind] = counts.get(kind, 0) + 1
        name = f"{kind}{counts[kind]}"
        where = f"{context}{label[:-1]}[{i}]` ({name} = {layer!r})"
        if kind == "block":
            inner, shape = _block(layer, shape, where, f"{prefix}{name}.", expand)
            rows += (
                inner
                if expand
                else [
                    LayerSummary(
                        f"{prefix}{name}", shape, total_params(inner), total_macs(inner)
                    )
                ]
            )
        else:
            shape, n, macs = _apply(layer, shape, where)
            rows.append(LayerSummary(f"{prefix}{name}", shape, n, macs))
    return rows, shape


def _block(
    block, shape: tuple, where: str, prefix: str, expand: bool
) -> tuple[list[LayerSummary], tuple]:
    """The rows of a residual block's body and shortcut, checking that the two can be
    added."""
    if len(shape) != 3:
        raise ValueError(f"{where} needs a 3-D input (C, H, W); got shape {shape}")
    body, shortcut = block.branches(shape[0])
    rows, out = _walk(
        shape, body, label="`body`", context=f"{where}: ", prefix=prefix, expand=expand
    )
    if shortcut is not None:  # None: no skip connection; (): the identity
        side, side_out = _walk(
            shape,
            shortcut,
            label="`shortcut`",
            context=f"{where}: ",
            prefix=f"{prefix}shortcut.",
            expand=expand,
        )
        if side_out != out:
            raise ValueError(
                f"{where}: the `shortcut` output {side_out} must match the `body` "
                f"output {out} to be added; give the shortcut a 1×1 ConvSpec with the "
                "body's filters and stride"
            )
        rows += side
    return rows, out


def summarize(
    input_shape: tuple, layers, *, expand: bool = False
) -> list[LayerSummary]:
    """Output shape, parameter count and multiply-adds of each layer, from its spec.

    Output sizes follow ``floor((H + 2p − d(k − 1) − 1)/s) + 1`` per axis (torch's floor
    mode; ``d`` is the dilation, 1 unless given).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` for an image or ``(D,)`` for a vector.
    layers : sequence of specs
        :class:`ConvSpec`, :class:`LocallyConnectedSpec`, :class:`MaxPoolSpec`,
        :class:`AvgPoolSpec`, :class:`AdaptiveAvgPoolSpec`, :class:`GlobalAvgPoolSpec`,
        :class:`BatchNormSpec`, :class:`FlattenSpec`, :class:`DenseSpec`, and the
        residual blocks of :mod:`convdoc.architectures`.
    expand : bool, default False
        Give a block's layers one row each (``block2.conv1``,
        ``block2.shortcut.conv1``...) instead of one row for the whole block.

    Returns
    -------
    list of LayerSummary
        Named ``conv1``, ``local1``, ``pool1``, ``adaptivepool1``, ``bn1``, ``block1``,
        ``flatten1``, ``fc1``..., numbered per kind.

    Raises
    ------
    TypeError
        If `input_shape` holds non-ints or a layer is not a spec.
    ValueError
        If `input_shape` is not 1-D or 3-D, or a layer does not fit its input (window
        larger than the padded input, a dense layer on a 3-D shape, a spatial layer on a
        vector, `groups` that do not divide the channels, a block whose shortcut and
        body differ).

    Examples
    --------
    >>> specs = [ConvSpec(2, 3), MaxPoolSpec(2), FlattenSpec(), DenseSpec(3)]
    >>> for row in summarize((1, 6, 6), specs):
    ...     print(row)
    LayerSummary(name='conv1', output_shape=(2, 4, 4), params=20, macs=288)
    LayerSummary(name='pool1', output_shape=(2, 2, 2), params=0, macs=0)
    LayerSummary(name='flatten1', output_shape=(8,), params=0, macs=0)
    LayerSummary(name='fc1', output_shape=(3,), params=27, macs=24)

    The convolution uses each of its 18 weights at 16 positions; each dense weight once.
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(
            f"`input_shape` must be (C, H, W) or (D,); got {input_shape!r}"
        )
    shape = tuple(check_positive_int(n, "input_shape") for n in input_shape)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(
            f"`layers` must be a sequence of layer specs; got {type(layers).__name__}"
        )
    if not isinstance(expand, (bool, np.bool_)):
        raise TypeError(
            f"`expand` must be True or False; got {expand!r} ({type(expand).__name__})"
        )
    return _walk(shape, layers, expand=expand)[0]


def total_params(summary) -> int:
    """Sum of the parameter counts of a :func:`summarize` result.

    Parameters
    ----------
    summary : list of LayerSummary
        Rows from :func:`summarize`.

    Returns
    -------
    int
        The network's parameters.

    Examples
    --------
    >>> total_params(summarize((4,), [DenseSpec(3), DenseSpec(2)]))
    23
    """
    return sum(row.params for row in summary)


def total_macs(summary) -> int:
    """Sum of the multiply-adds of a :func:`summarize` result (per image).

    Parameters
    ----------
    summary : list of LayerSummary
        What :func:`summarize` returned.

    Returns
    -------
    int
        Multiply-adds per image of the whole network.

    Examples
    --------
    >>> total_macs(summarize((4,), [DenseSpec(3), DenseSpec(2)]))
    18
    """
    return sum(row.macs for row in summary)


def _share(summary, kind: str) -> float:
    total = total_params(summary)
    if total == 0:
        raise ValueError(
            "`summary` must contain parameters to share out; got a total of 0 "
            f"({len(summary)} layers)"
        )
    return (
        sum(
            row.params
            for row in summary
            if row.name.rsplit(".", 1)[-1].rstrip("0123456789") == kind
        )
        / total
    )


def dense_share(summary) -> float:
    """Fraction of all parameters held by the dense (``fc``) layers.

    Parameters
    ----------
    summary : list of LayerSummary
        A :func:`summarize` result; its ``fc`` rows are the dense layers (their
        names say so).

    Returns
    -------
    float
        Between 0 and 1: the ``fc`` rows' parameters over all the parameters of
        `summary`.

    Raises
    ------
    ValueError
        If the summary holds no parameters at all.

    Examples
    --------
    >>> specs = [ConvSpec(2, 3, bias=False), FlattenSpec(), DenseSpec(2)]
    >>> rows = summarize((1, 4, 4), specs)
    >>> [row.params for row in rows], dense_share(rows)  # 8·2 + 2 of 2·9 + 18
    ([18, 0, 18], 0.5)
    """
    return _share(summary, "fc")


def conv_share(summary) -> float:
    """Fraction of all parameters held by the convolutions (``conv`` rows).

    Inside blocks too.

    Summarize with ``expand=True`` to count the convolutions inside residual blocks: a
    block's own row is a ``block``, neither dense nor convolutional.

    Parameters
    ----------
    summary : list of LayerSummary
        The rows to add up, from :func:`summarize`.

    Returns
    -------
    float
        The convolutions' parameters over all parameters.

    Raises
    ------
    ValueError
        If no row has a parameter.

    Examples
    --------
    >>> specs = [ConvSpec(2, 3, bias=False), FlattenSpec(), DenseSpec(2)]
    >>> conv_share(summarize((1, 4, 4), specs))
    0.5
    """
    return _share(summary, "conv")


def summary_table(summary) -> str:
    """A markdown table of a :func:`summarize` result, with a total.

    Parameters
    ----------
    summary : list of LayerSummary
        The :func:`summarize` rows to show.

    Returns
    -------
    str
        Markdown: a header, one line per row and a bold total.

    Examples
    --------
    >>> print(summary_table(summarize((3, 32, 32), [ConvSpec(6, 5)])))
    | layer | output shape | parameters |
    |:------|:-------------|-----------:|
    | conv1 | 6 × 28 × 28 | 456 |
    | **total** | | **456** |
    """
    lines = [
        "| layer | output shape | parameters |",
        "|:------|:-------------|-----------:|",
    ]
    lines += [
        f"| {r.name} | {' × '.join(f'{n:,}' for n in r.output_shape)} | {r.params:,} |"
        for r in summary
    ]
    lines.append(f"| **total** | | **{total_params(summary):,}** |")
    return "\n".join(lines)

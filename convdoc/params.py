"""Parameter counting: dense vs locally connected vs convolutional, and whole networks.

The three counting functions are the site's central argument in formulas; the specs and
:func:`summarize` apply them layer by layer to LeNet-5, AlexNet and VGG-16 without
allocating a single weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._checks import as_pair, check_positive_int

__all__ = [
    "ALEXNET",
    "LENET5",
    "VGG16",
    "AdaptiveAvgPoolSpec",
    "Architecture",
    "AvgPoolSpec",
    "ConvSpec",
    "DenseSpec",
    "FlattenSpec",
    "LayerSummary",
    "LocallyConnectedSpec",
    "MaxPoolSpec",
    "conv_params",
    "dense_params",
    "dense_share",
    "locally_connected_params",
    "summarize",
    "summary_table",
    "total_params",
]


def _check_bias(bias) -> bool:
    if not isinstance(bias, (bool, np.bool_)):
        raise TypeError(f"`bias` must be True or False; got {bias!r} ({type(bias).__name__})")
    return bool(bias)


def dense_params(n_in: int, n_out: int, *, bias: bool = True) -> int:
    """Parameters of a fully-connected layer: ``n_in·n_out`` weights (+ ``n_out`` biases).

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


def conv_params(in_channels: int, out_channels: int, kh: int, kw: int | None = None, *,
                bias: bool = True) -> int:
    """Parameters of a convolution: ``F·C·KH·KW`` shared weights (+ ``F`` biases).

    The count does not depend on the image size: that is parameter sharing.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``F`` (positive).
    kh, kw : int
        Kernel rows and columns; `kw` defaults to `kh` (square kernel).
    bias : bool, default True
        Count one bias per filter.

    Returns
    -------
    int

    Raises
    ------
    TypeError, ValueError
        As :func:`dense_params`.

    Examples
    --------
    >>> conv_params(3, 6, 5)  # six 5×5 filters on an RGB image: 6·(3·25 + 1)
    456
    >>> conv_params(1, 6, 5)  # the same on a grayscale image: 6·(25 + 1)
    156
    >>> conv_params(1, 1, 10, bias=False)
    100
    """
    c, f = check_positive_int(in_channels, "in_channels"), check_positive_int(out_channels, "out_channels")
    kh = check_positive_int(kh, "kh")
    kw = kh if kw is None else check_positive_int(kw, "kw")
    return f * c * kh * kw + (f if _check_bias(bias) else 0)


def locally_connected_params(in_channels: int, out_channels: int, h_out: int, w_out: int, kh: int,
                             kw: int | None = None, *, bias: bool = True) -> int:
    """Parameters of a locally connected layer: one unshared kernel per output position.

    ``H_out·W_out·F·C·KH·KW`` weights (+ ``F·H_out·W_out`` biases), i.e. exactly
    ``H_out·W_out`` times the convolution with the same kernel: sparsity without sharing.

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
    h_out, w_out = check_positive_int(h_out, "h_out"), check_positive_int(w_out, "w_out")
    per_position = conv_params(in_channels, out_channels, kh, kw, bias=bias)
    return h_out * w_out * per_position


def _spatial(cls):
    """Validate (kernel or size, stride, padding) of a sliding-window spec at construction."""
    def __post_init__(self):
        window = "kernel" if hasattr(self, "kernel") else "size"
        as_pair(getattr(self, window), window, minimum=1)
        if self.stride is not None:
            as_pair(self.stride, "stride", minimum=1)
        as_pair(self.padding, "padding", minimum=0)
        if hasattr(self, "filters"):
            check_positive_int(self.filters, "filters")
            _check_bias(self.bias)
    cls.__post_init__ = __post_init__
    return cls


@dataclass(frozen=True)
@_spatial
class ConvSpec:
    """A convolution: `filters` kernels of size `kernel` (int or (rows, columns)), shared."""
    filters: int
    kernel: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    bias: bool = True


@dataclass(frozen=True)
@_spatial
class LocallyConnectedSpec:
    """Like :class:`ConvSpec`, but with a separate kernel at every output position."""
    filters: int
    kernel: int | tuple[int, int]
    stride: int | tuple[int, int] = 1
    padding: int | tuple[int, int] = 0
    bias: bool = True


@dataclass(frozen=True)
@_spatial
class MaxPoolSpec:
    """Max pooling over `size` windows; `stride` defaults to `size` (0 parameters)."""
    size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0


@dataclass(frozen=True)
@_spatial
class AvgPoolSpec:
    """Average pooling over `size` windows; `stride` defaults to `size` (0 parameters)."""
    size: int | tuple[int, int]
    stride: int | tuple[int, int] | None = None
    padding: int | tuple[int, int] = 0


@dataclass(frozen=True)
class AdaptiveAvgPoolSpec:
    """Average pooling to a fixed `output_size` whatever the input size (torch semantics)."""
    output_size: int | tuple[int, int]

    def __post_init__(self):
        as_pair(self.output_size, "output_size", minimum=1)


@dataclass(frozen=True)
class FlattenSpec:
    """Flatten ``(C, H, W)`` to ``(C·H·W,)`` (0 parameters)."""


@dataclass(frozen=True)
class DenseSpec:
    """A fully-connected layer with `units` outputs."""
    units: int
    bias: bool = True

    def __post_init__(self):
        check_positive_int(self.units, "units")
        _check_bias(self.bias)


class LayerSummary(NamedTuple):
    """One row of :func:`summarize`: the layer's name, output shape and parameter count."""
    name: str
    output_shape: tuple
    params: int


_PREFIX = {ConvSpec: "conv", LocallyConnectedSpec: "local", MaxPoolSpec: "pool", AvgPoolSpec: "pool",
           AdaptiveAvgPoolSpec: "adaptivepool", FlattenSpec: "flatten", DenseSpec: "fc"}


def _apply(layer, shape: tuple, where: str) -> tuple[tuple, int]:
    """Output shape and parameter count of one spec applied to an input of `shape`."""
    if isinstance(layer, DenseSpec):
        if len(shape) != 1:
            raise ValueError(f"{where} needs a 1-D input (D,); got shape {shape}: put a FlattenSpec() before it")
        return (layer.units,), dense_params(shape[0], layer.units, bias=layer.bias)
    if isinstance(layer, FlattenSpec):
        return (math.prod(shape),), 0
    if len(shape) != 3:
        raise ValueError(f"{where} needs a 3-D input (C, H, W); got shape {shape}")
    c, h, w = shape
    if isinstance(layer, AdaptiveAvgPoolSpec):
        return (c, *as_pair(layer.output_size, "output_size", minimum=1)), 0
    kernel = as_pair(getattr(layer, "kernel", getattr(layer, "size", None)), "kernel", minimum=1)
    stride = kernel if layer.stride is None else as_pair(layer.stride, "stride", minimum=1)
    padding = as_pair(layer.padding, "padding", minimum=0)
    if not hasattr(layer, "filters") and any(2 * p > k for p, k in zip(padding, kernel, strict=True)):
        raise ValueError(f"{where}: `padding` must be at most half the window size {kernel}; got {padding}")
    ph, pw = h + 2 * padding[0], w + 2 * padding[1]
    if kernel[0] > ph or kernel[1] > pw:
        raise ValueError(f"{where} does not fit: window {kernel[0]}×{kernel[1]} is larger than the "
                         f"padded input {ph}×{pw} (input shape {shape}, padding {padding})")
    ho, wo = (ph - kernel[0]) // stride[0] + 1, (pw - kernel[1]) // stride[1] + 1
    if isinstance(layer, ConvSpec):
        return (layer.filters, ho, wo), conv_params(c, layer.filters, *kernel, bias=layer.bias)
    if isinstance(layer, LocallyConnectedSpec):
        n = locally_connected_params(c, layer.filters, ho, wo, *kernel, bias=layer.bias)
        return (layer.filters, ho, wo), n
    return (c, ho, wo), 0


def summarize(input_shape: tuple, layers) -> list[LayerSummary]:
    """Output shape and parameter count of every layer, computed from the specs alone.

    Output sizes follow ``floor((H + 2p − k)/s) + 1`` per axis (torch's floor mode).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` for an image or ``(D,)`` for a vector.
    layers : sequence of specs
        :class:`ConvSpec`, :class:`LocallyConnectedSpec`, :class:`MaxPoolSpec`,
        :class:`AvgPoolSpec`, :class:`AdaptiveAvgPoolSpec`, :class:`FlattenSpec`, :class:`DenseSpec`.

    Returns
    -------
    list of LayerSummary
        Named ``conv1``, ``local1``, ``pool1``, ``adaptivepool1``, ``flatten1``, ``fc1``...,
        numbered per kind.

    Raises
    ------
    TypeError
        If `input_shape` holds non-ints or a layer is not a spec.
    ValueError
        If `input_shape` is not 1-D or 3-D, or a layer does not fit its input (window larger
        than the padded input, a dense layer on a 3-D shape, a spatial layer on a vector).

    Examples
    --------
    >>> for row in summarize((1, 6, 6), [ConvSpec(2, 3), MaxPoolSpec(2), FlattenSpec(), DenseSpec(3)]):
    ...     print(row)
    LayerSummary(name='conv1', output_shape=(2, 4, 4), params=20)
    LayerSummary(name='pool1', output_shape=(2, 2, 2), params=0)
    LayerSummary(name='flatten1', output_shape=(8,), params=0)
    LayerSummary(name='fc1', output_shape=(3,), params=27)
    """
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) not in (1, 3):
        raise ValueError(f"`input_shape` must be (C, H, W) or (D,); got {input_shape!r}")
    shape = tuple(check_positive_int(n, "input_shape") for n in input_shape)
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"`layers` must be a sequence of layer specs; got {type(layers).__name__}")
    counts: dict[str, int] = {}
    rows = []
    for i, layer in enumerate(layers):
        prefix = _PREFIX.get(type(layer))
        if prefix is None:
            raise TypeError(f"`layers[{i}]` must be a layer spec ({', '.join(sorted({c.__name__ for c in _PREFIX}))}); "
                            f"got {type(layer).__name__}")
        counts[prefix] = counts.get(prefix, 0) + 1
        name = f"{prefix}{counts[prefix]}"
        shape, n = _apply(layer, shape, f"`layers[{i}]` ({name} = {layer!r})")
        rows.append(LayerSummary(name, shape, n))
    return rows


def total_params(summary) -> int:
    """Sum of the parameter counts of a :func:`summarize` result.

    >>> total_params(summarize((4,), [DenseSpec(3), DenseSpec(2)]))
    23
    """
    return sum(row.params for row in summary)


def dense_share(summary) -> float:
    """Fraction of all parameters held by the dense (``fc``) layers.

    Raises ``ValueError`` if the summary holds no parameters at all.

    >>> round(dense_share(LENET5.summarize()), 3)
    0.958
    """
    total = total_params(summary)
    if total == 0:
        raise ValueError(f"`summary` must contain parameters to share out; got a total of 0 ({len(summary)} layers)")
    return sum(row.params for row in summary if row.name.startswith("fc")) / total


def summary_table(summary) -> str:
    """A markdown table of a :func:`summarize` result, with thousands separators and a total.

    >>> print(summary_table(summarize((3, 32, 32), [ConvSpec(6, 5)])))
    | layer | output shape | parameters |
    |:------|:-------------|-----------:|
    | conv1 | 6 × 28 × 28 | 456 |
    | **total** | | **456** |
    """
    lines = ["| layer | output shape | parameters |", "|:------|:-------------|-----------:|"]
    lines += [f"| {r.name} | {' × '.join(f'{n:,}' for n in r.output_shape)} | {r.params:,} |" for r in summary]
    lines.append(f"| **total** | | **{total_params(summary):,}** |")
    return "\n".join(lines)


@dataclass(frozen=True)
class Architecture:
    """A named network: its input shape ``(C, H, W)`` and its layer specs (a tuple)."""
    name: str
    input_shape: tuple
    layers: tuple

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))

    def summarize(self) -> list[LayerSummary]:
        """``summarize(self.input_shape, self.layers)``."""
        return summarize(self.input_shape, self.layers)


#: LeNet-5 in its modern form (full C3 connections, dense F6): 61,706 parameters.
LENET5 = Architecture("LeNet-5", (1, 32, 32), (
    ConvSpec(6, 5), MaxPoolSpec(2), ConvSpec(16, 5), MaxPoolSpec(2), FlattenSpec(),
    DenseSpec(120), DenseSpec(84), DenseSpec(10)))

#: AlexNet exactly as ``torchvision.models.alexnet``: 61,100,840 parameters.
ALEXNET = Architecture("AlexNet", (3, 224, 224), (
    ConvSpec(64, 11, stride=4, padding=2), MaxPoolSpec(3, 2), ConvSpec(192, 5, padding=2), MaxPoolSpec(3, 2),
    ConvSpec(384, 3, padding=1), ConvSpec(256, 3, padding=1), ConvSpec(256, 3, padding=1), MaxPoolSpec(3, 2),
    AdaptiveAvgPoolSpec(6), FlattenSpec(), DenseSpec(4096), DenseSpec(4096), DenseSpec(1000)))


def _vgg(config) -> tuple:
    return tuple(MaxPoolSpec(2) if v == "M" else ConvSpec(v, 3, padding=1) for v in config)


#: VGG-16 as ``torchvision.models.vgg16`` (configuration D): 138,357,544 parameters.
VGG16 = Architecture("VGG-16", (3, 224, 224), (
    *_vgg([64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]),
    AdaptiveAvgPoolSpec(7), FlattenSpec(), DenseSpec(4096), DenseSpec(4096), DenseSpec(1000)))

"""Named networks as layer specs, LeNet-5 to MobileNetV2, and the residual blocks they
use.

An :class:`Architecture` is a name, an input shape and a tuple of layer specs; its
``summarize()`` counts parameters and multiply-adds layer by layer. A *block* is a spec
with a ``branches(in_channels)`` method returning ``(body, shortcut)``: two tuples of
layer specs whose outputs are added (a shortcut of ``()`` is the identity, ``None``
means no skip connection). :func:`convdoc.summarize` counts a block as one row, or as
its layers with ``expand=True``. Activations have no parameters and are left out.
AlexNet, VGG-16, ResNet-18, ResNet-50 and MobileNetV2 match ``torchvision.models`` layer
for layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._checks import as_pair, check_positive_int
from ._layer import share_docstrings
from .params import (
    AdaptiveAvgPoolSpec,
    BatchNormSpec,
    ConvSpec,
    DenseSpec,
    FlattenSpec,
    GlobalAvgPoolSpec,
    LayerSummary,
    MaxPoolSpec,
    _prefix,
    summarize,
)

__all__ = [
    "ALEXNET",
    "LENET5",
    "MOBILENETV2",
    "RESNET18",
    "RESNET50",
    "VGG16",
    "Architecture",
    "BasicBlockSpec",
    "BottleneckSpec",
    "InvertedResidualSpec",
    "ResidualSpec",
]


def _specs(value, name: str, *, allow_empty: bool) -> tuple:
    """`value` as a tuple of layer specs, or the house error."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (tuple, list)):
        raise TypeError(
            f"`{name}` must be a tuple of layer specs; got {type(value).__name__}"
        )
    if not value and not allow_empty:
        raise ValueError(f"`{name}` must hold at least one layer spec; got {value!r}")
    for i, layer in enumerate(value):
        if _prefix(layer) is None:
            raise TypeError(
                f"`{name}[{i}]` must be a layer spec; got {type(layer).__name__}"
            )
    return tuple(value)


def _projection(in_channels: int, out_channels: int, stride) -> tuple:
    """The shortcut: the identity if shapes already match, else a strided 1×1
    convolution and BN."""
    if as_pair(stride, "stride", minimum=1) == (1, 1) and in_channels == out_channels:
        return ()
    return (ConvSpec(out_channels, 1, stride=stride, bias=False), BatchNormSpec())


class _Block:
    """The checks every block with a channel count, a stride (and an expansion) makes
    at construction: the count is its first field."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        share_docstrings(cls, _Block, ("branches",))

    def branches(self, in_channels: int) -> tuple[tuple, tuple | None]:
        """The block's layers for an input of `in_channels` channels.

        Parameters
        ----------
        in_channels : int
            Channels of the block's input: the shortcut projects them if they differ
            from the output's.

        Returns
        -------
        body : tuple of layer specs
            The main branch.
        shortcut : tuple of layer specs or None
            Added to the body's output: ``()`` is the identity, None no skip at all.

        Examples
        --------
        >>> body, shortcut = BottleneckSpec(64, stride=2).branches(64)
        >>> len(body), shortcut[0].stride  # a strided 1×1 projection
        (6, 2)
        """
        raise NotImplementedError

    def __post_init__(self):
        count = next(iter(self.__dataclass_fields__))  # filters, or width
        check_positive_int(getattr(self, count), count)
        as_pair(self.stride, "stride", minimum=1)
        if hasattr(self, "expansion"):
            check_positive_int(self.expansion, "expansion")


@dataclass(frozen=True)
class ResidualSpec:
    """Any residual block: ``body(x) + shortcut(x)``.

    An empty `shortcut` is the identity.

    Parameters
    ----------
    body : tuple of layer specs
        The main branch, at least one layer.
    shortcut : tuple of layer specs, default ()
        The branch added to the body's output; empty: the identity.

    Examples
    --------
    >>> from convdoc import summarize
    >>> summarize((8, 5, 5), [ResidualSpec((ConvSpec(8, 3, padding=1),))])
    [LayerSummary(name='block1', output_shape=(8, 5, 5), params=584, macs=14400)]
    """

    body: tuple
    shortcut: tuple = ()

    def __post_init__(self):
        object.__setattr__(self, "body", _specs(self.body, "body", allow_empty=False))
        object.__setattr__(
            self, "shortcut", _specs(self.shortcut, "shortcut", allow_empty=True)
        )

    def branches(self, in_channels: int) -> tuple[tuple, tuple]:
        """The block's two branches, whatever `in_channels`.

        Parameters
        ----------
        in_channels : int
            Channels of the block's input (unused: the specs are given).

        Returns
        -------
        body : tuple of layer specs
            As given.
        shortcut : tuple of layer specs
            As given.

        Examples
        --------
        >>> ResidualSpec((ConvSpec(8, 3, padding=1),)).branches(8)[1]
        ()
        """
        return self.body, self.shortcut


@dataclass(frozen=True)
class BasicBlockSpec(_Block):
    """ResNet's basic block: two 3×3 convolutions with batch norm, and a shortcut.

    The first convolution has the `stride`; the shortcut is the identity unless the
    stride or the channel count changes, when it is a 1×1 convolution with that stride
    (and BN).

    Parameters
    ----------
    filters : int
        Output channels of both convolutions.
    stride : int or (int, int), default 1
        Of the first convolution (and the projection).

    Examples
    --------
    >>> body, shortcut = BasicBlockSpec(128, stride=2).branches(64)
    >>> [type(layer).__name__ for layer in shortcut]
    ['ConvSpec', 'BatchNormSpec']
    >>> BasicBlockSpec(64).branches(64)[1]  # same shape: the identity
    ()
    """

    filters: int
    stride: int | tuple[int, int] = 1

    def branches(self, in_channels: int) -> tuple[tuple, tuple]:
        body = (
            ConvSpec(self.filters, 3, stride=self.stride, padding=1, bias=False),
            BatchNormSpec(),
            ConvSpec(self.filters, 3, padding=1, bias=False),
            BatchNormSpec(),
        )
        return body, _projection(in_channels, self.filters, self.stride)


@dataclass(frozen=True)
class BottleneckSpec(_Block):
    """ResNet's bottleneck block: three convolutions, each with batch norm.

    A 1×1 down to `width`, a 3×3 (with the `stride`), a 1×1 up to ``width·expansion``
    channels; the shortcut as :class:`BasicBlockSpec`.

    Parameters
    ----------
    width : int
        Channels of the 3×3 convolution.
    stride : int or (int, int), default 1
        Of the 3×3 convolution and of the projection.
    expansion : int, default 4
        The output has ``width·expansion`` channels.

    Examples
    --------
    >>> body, shortcut = BottleneckSpec(64).branches(64)  # 64 → 256 channels: projected
    >>> [layer.filters for layer in body if isinstance(layer, ConvSpec)]
    [64, 64, 256]
    >>> shortcut[0].filters
    256
    """

    width: int
    stride: int | tuple[int, int] = 1
    expansion: int = 4

    def branches(self, in_channels: int) -> tuple[tuple, tuple]:
        out = self.width * self.expansion
        body = (
            ConvSpec(self.width, 1, bias=False),
            BatchNormSpec(),
            ConvSpec(self.width, 3, stride=self.stride, padding=1, bias=False),
            BatchNormSpec(),
            ConvSpec(out, 1, bias=False),
            BatchNormSpec(),
        )
        return body, _projection(in_channels, out, self.stride)


@dataclass(frozen=True)
class InvertedResidualSpec(_Block):
    """MobileNetV2's inverted residual block: three convolutions with batch norm.

    A 1×1 up to ``C·expansion`` channels, a depthwise 3×3 (with the `stride`), a 1×1
    down to `filters`.

    The identity shortcut is added only when the shapes match (stride 1, ``C ==
    filters``); otherwise the block has no skip connection. With ``expansion=1`` the
    first 1×1 is left out.

    Parameters
    ----------
    filters : int
        Output channels.
    stride : int or (int, int), default 1
        Of the depthwise 3×3.
    expansion : int, default 6
        The hidden layer has ``C·expansion`` channels.

    Examples
    --------
    >>> body, shortcut = InvertedResidualSpec(24, expansion=6).branches(24)
    >>> body[2].groups, shortcut  # depthwise over 144 channels; identity shortcut
    (144, ())
    """

    filters: int
    stride: int | tuple[int, int] = 1
    expansion: int = 6

    def branches(self, in_channels: int) -> tuple[tuple, tuple | None]:
        hidden = in_channels * self.expansion
        expand = (
            (ConvSpec(hidden, 1, bias=False), BatchNormSpec())
            if self.expansion != 1
            else ()
        )
        body = (
            *expand,
            ConvSpec(
                hidden, 3, stride=self.stride, padding=1, bias=False, groups=hidden
            ),
            BatchNormSpec(),
            ConvSpec(self.filters, 1, bias=False),
            BatchNormSpec(),
        )
        keeps_shape = (
            as_pair(self.stride, "stride", minimum=1) == (1, 1)
            and in_channels == self.filters
        )
        return body, (() if keeps_shape else None)


@dataclass(frozen=True)
class Architecture:
    """A named network: its input shape ``(C, H, W)`` and its layer specs (a tuple).

    Parameters
    ----------
    name : str
        How tables and figures name it.
    input_shape : tuple
        ``(C, H, W)`` of one input image.
    layers : tuple of layer specs
        In order, blocks included.

    Examples
    --------
    >>> net = Architecture("tiny", (1, 8, 8), (ConvSpec(4, 3), FlattenSpec()))
    >>> [row.output_shape for row in net.summarize()]
    [(4, 6, 6), (144,)]
    """

    name: str
    input_shape: tuple
    layers: tuple

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))

    def summarize(self, *, expand: bool = False) -> list[LayerSummary]:
        """``summarize(self.input_shape, self.layers, expand=expand)``.

        Parameters
        ----------
        expand : bool, default False
            One row per layer inside the residual blocks, instead of one per block.

        Returns
        -------
        list of LayerSummary
            One row per layer (or block).

        Examples
        --------
        >>> LENET5.summarize()[0]
        LayerSummary(name='conv1', output_shape=(6, 28, 28), params=156, macs=117600)
        """
        return summarize(self.input_shape, self.layers, expand=expand)


#: LeNet-5 in its modern form (full C3 connections, dense F6): 61,706 parameters.
LENET5 = Architecture(
    "LeNet-5",
    (1, 32, 32),
    (
        ConvSpec(6, 5),
        MaxPoolSpec(2),
        ConvSpec(16, 5),
        MaxPoolSpec(2),
        FlattenSpec(),
        DenseSpec(120),
        DenseSpec(84),
        DenseSpec(10),
    ),
)

#: AlexNet exactly as ``torchvision.models.alexnet``: 61,100,840 parameters.
ALEXNET = Architecture(
    "AlexNet",
    (3, 224, 224),
    (
        ConvSpec(64, 11, stride=4, padding=2),
        MaxPoolSpec(3, 2),
        ConvSpec(192, 5, padding=2),
        MaxPoolSpec(3, 2),
        ConvSpec(384, 3, padding=1),
        ConvSpec(256, 3, padding=1),
        ConvSpec(256, 3, padding=1),
        MaxPoolSpec(3, 2),
        AdaptiveAvgPoolSpec(6),
        FlattenSpec(),
        DenseSpec(4096),
        DenseSpec(4096),
        DenseSpec(1000),
    ),
)


def _vgg(config) -> tuple:
    return tuple(
        MaxPoolSpec(2) if v == "M" else ConvSpec(v, 3, padding=1) for v in config
    )


#: VGG-16 as ``torchvision.models.vgg16`` (configuration D): 138,357,544 parameters.
VGG16 = Architecture(
    "VGG-16",
    (3, 224, 224),
    (
        *_vgg(
            [64, 64, "M", 128, 128, "M", 256, 256, 256, "M"] + [512, 512, 512, "M"] * 2
        ),
        AdaptiveAvgPoolSpec(7),
        FlattenSpec(),
        DenseSpec(4096),
        DenseSpec(4096),
        DenseSpec(1000),
    ),
)


def _resnet(name: str, block, blocks_per_stage) -> Architecture:
    """torchvision's ResNet: a 7×7 stem, four stages (64, 128, 256, 512), one dense
    layer."""
    layers = [
        ConvSpec(64, 7, stride=2, padding=3, bias=False),
        BatchNormSpec(),
        MaxPoolSpec(3, 2, padding=1),
    ]
    for stage, (filters, n) in enumerate(
        zip((64, 128, 256, 512), blocks_per_stage, strict=True)
    ):
        layers += [block(filters, stride=2 if stage and not i else 1) for i in range(n)]
    return Architecture(
        name,
        (3, 224, 224),
        (*layers, GlobalAvgPoolSpec(), FlattenSpec(), DenseSpec(1000)),
    )


#: ResNet-18 as ``torchvision.models.resnet18``: basic blocks, 2 per stage.
RESNET18 = _resnet("ResNet-18", BasicBlockSpec, (2, 2, 2, 2))

#: ResNet-50 as ``torchvision.models.resnet50`` (stride on the 3×3, "v1.5"):
#: bottlenecks 3, 4, 6, 3.
RESNET50 = _resnet("ResNet-50", BottleneckSpec, (3, 4, 6, 3))

# (expansion, filters, blocks, stride of the first block): torchvision's
# inverted_residual_setting.
_MOBILENETV2_STAGES = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)

#: MobileNetV2 as ``torchvision.models.mobilenet_v2`` (width 1.0).
MOBILENETV2 = Architecture(
    "MobileNetV2",
    (3, 224, 224),
    (
        ConvSpec(32, 3, stride=2, padding=1, bias=False),
        BatchNormSpec(),
        *(
            InvertedResidualSpec(c, stride=s if not i else 1, expansion=t)
            for t, c, n, s in _MOBILENETV2_STAGES
            for i in range(n)
        ),
        ConvSpec(1280, 1, bias=False),
        BatchNormSpec(),
        GlobalAvgPoolSpec(),
        FlattenSpec(),
        DenseSpec(1000),
    ),
)

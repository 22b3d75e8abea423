"""convdoc: why convolutional layers beat fully-connected ones, computed.

A small NumPy package that computes every number and figure of the convdoc site:
convolution forward and backward, dense and locally-connected layers, pooling,
activations, parameter counting, connectivity matrices, translation helpers,
optimizers, a tiny training loop, and offline data loaders.

Arrays are ``(N, C, H, W)`` and kernels ``(F, C, KH, KW)`` throughout.

>>> import numpy as np
>>> import convdoc as cd
>>> image = np.array([[10, 10, 10, 0, 0, 0]] * 6)
>>> edge = np.array([[1, 0, -1]] * 3)
>>> cd.correlate2d(image, edge)
array([[ 0., 30., 30.,  0.],
       [ 0., 30., 30.,  0.],
       [ 0., 30., 30.,  0.],
       [ 0., 30., 30.,  0.]])
"""

from importlib import metadata as _metadata

from . import (
    activations,
    architectures,
    connectivity,
    convolution,
    data,
    experiments,
    layers,
    network,
    optim,
    params,
    pooling,
    translation,
)
from .activations import *  # noqa: F403
from .architectures import *  # noqa: F403
from .connectivity import *  # noqa: F403
from .convolution import *  # noqa: F403
from .data import *  # noqa: F403
from .experiments import *  # noqa: F403
from .layers import *  # noqa: F403
from .network import *  # noqa: F403
from .optim import *  # noqa: F403
from .params import *  # noqa: F403
from .pooling import *  # noqa: F403
from .translation import *  # noqa: F403

# The version is written once, in pyproject.toml; an installed convdoc (wheel, sdist or
# editable) reads it back from its metadata.
try:
    __version__ = _metadata.version("convdoc")
# Imported from a source tree that was never installed.
except _metadata.PackageNotFoundError:
    __version__ = "0+unknown"

__all__ = [
    name
    for module in (
        convolution,
        layers,
        pooling,
        activations,
        params,
        architectures,
        connectivity,
        translation,
        optim,
        network,
        data,
        experiments,
    )
    for name in module.__all__
]

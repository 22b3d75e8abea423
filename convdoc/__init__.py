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

from importlib import import_module as _import_module
from importlib import metadata as _metadata

#: The public modules, in the order the API page lists them: each one's ``__all__`` is
#: re-exported here, so that ``import convdoc as cd; cd.conv2d(...)`` works.
MODULES = (
    "convolution",
    "layers",
    "pooling",
    "activations",
    "params",
    "architectures",
    "connectivity",
    "translation",
    "optim",
    "network",
    "data",
    "experiments",
)

__all__ = []
for _name in MODULES:
    _module = _import_module(f".{_name}", __name__)
    globals().update({name: getattr(_module, name) for name in _module.__all__})
    __all__ += _module.__all__
del _name, _module

# The version is written once, in pyproject.toml; an installed convdoc (wheel, sdist or
# editable) reads it back from its metadata.
try:
    __version__ = _metadata.version("convdoc")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

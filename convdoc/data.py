"""Data: a grey-level photograph and 8×8 handwritten digits, loaded offline.

Both data sets ship inside optional dependencies, so nothing is downloaded: the photo
comes with matplotlib (read through Pillow) and the digits with scikit-learn. Those
packages are imported only when a loader is called, so ``import convdoc`` needs NumPy
alone; a missing one raises ``ImportError`` with the command that installs it.

Each loader reads its file once per process (`functools.lru_cache`) and returns a fresh
copy on every call, so callers may modify what they get.
"""

from __future__ import annotations

import functools
import importlib

import numpy as np

from ._checks import as_pair

__all__ = ["load_digits", "load_photo"]

# ITU-R BT.601 luma weights for (R, G, B), as in Pillow's "L"
# mode and MATLAB's rgb2gray.
_LUMA = np.array([0.299, 0.587, 0.114])


def _require(module: str, package: str, caller: str):
    """Import ``module`` or raise an ImportError naming ``package`` and how to install
    it."""
    try:
        # The package itself, even if a submodule is loaded.
        importlib.import_module(module.partition(".")[0])
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"`{caller}` needs {package}, an optional dependency of convdoc that is "
            f"not installed; install it with: pip install {package}"
        ) from exc


@functools.lru_cache(maxsize=1)
def _photo_full() -> np.ndarray:
    """The full grey-level photo, read once; read-only, so the cache stays intact."""
    cbook = _require("matplotlib.cbook", "matplotlib", "load_photo")
    image = _require("PIL.Image", "Pillow", "load_photo")
    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    with image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float64)  # (H, W, 3), 0..255
    gray = np.clip(rgb @ _LUMA / 255.0, 0.0, 1.0)
    gray.flags.writeable = False
    return gray


def _area_weights(n_in: int, n_out: int) -> np.ndarray:
    """``(n_out, n_in)`` matrix averaging input pixels over each output pixel's
    footprint.

    Output pixel ``i`` covers ``[i·n_in/n_out, (i+1)·n_in/n_out)`` in input coordinates;
    its weights are the overlaps of that interval with input pixels ``[j, j+1)``,
    divided by the interval's length. Each row sums to 1.
    """
    edges = np.arange(n_out + 1) * n_in / n_out
    left = np.maximum(edges[:-1, np.newaxis], np.arange(n_in))
    right = np.minimum(edges[1:, np.newaxis], np.arange(1, n_in + 1))
    overlap = np.clip(right - left, 0.0, None)
    return overlap / overlap.sum(axis=1, keepdims=True)


def load_photo(size=None) -> np.ndarray:
    """Grace Hopper's portrait in grey levels, optionally shrunk.

    An ``(H, W)`` float64 array in [0, 1].

    Parameters
    ----------
    size : None, int or (int, int), optional
        Shape of the result. None (default) keeps the full photo, 600 rows by 512
        columns; an int ``n`` gives ``(n, n)``; a pair gives ``(rows, columns)``.
        Neither may exceed the full photo. Only a pair with the photo's proportions
        (600 : 512, e.g. ``(150, 128)``) keeps the face undistorted.

    Returns
    -------
    ndarray of float64, shape (H, W)
        Luma 0.299 R + 0.587 G + 0.114 B (ITU-R BT.601), divided by 255, so 0 is black
        and 1 is white. A new array on every call.

    Raises
    ------
    TypeError
        If `size` is not None, an int or a pair of ints.
    ValueError
        If `size` is not positive, or larger than the photo.
    ImportError
        If matplotlib or Pillow is not installed (``pip install matplotlib pillow``).

    Notes
    -----
    The photo is ``grace_hopper.jpg`` from matplotlib's sample data
    (``mpl-data/sample_data``), read with Pillow. Shrinking is area averaging: each
    output pixel is the mean of the input pixels its footprint covers, weighted by the
    overlap, computed in float64 as ``R @ photo @ C.T`` with two fixed averaging
    matrices. The result is therefore identical on every call, and when the shape
    divides evenly (600 → 150 rows) it is the plain mean of each block (here 4 × 4
    pixels).

    Examples
    --------
    >>> photo = load_photo()
    >>> photo.shape, photo.dtype
    ((600, 512), dtype('float64'))
    >>> bool(photo.min() >= 0.0 and photo.max() <= 1.0)
    True
    >>> small = load_photo(size=(150, 128))  # a quarter of each side: 4×4 block means
    >>> small.shape
    (150, 128)
    >>> bool(np.allclose(small, photo.reshape(150, 4, 128, 4).mean(axis=(1, 3))))
    True
    >>> load_photo(size=64).shape
    (64, 64)
    """
    # Checked on every call, not cached.
    _require("matplotlib.cbook", "matplotlib", "load_photo")
    _require("PIL.Image", "Pillow", "load_photo")
    full = _photo_full()
    if size is None:
        return full.copy()
    rows, cols = as_pair(size, "size", minimum=1)
    if rows > full.shape[0] or cols > full.shape[1]:
        raise ValueError(
            f"`size` must not exceed the photo's shape {full.shape} (load_photo only "
            f"shrinks); got {size!r}"
        )
    out = (
        _area_weights(full.shape[0], rows) @ full @ _area_weights(full.shape[1], cols).T
    )
    return np.clip(out, 0.0, 1.0)


@functools.lru_cache(maxsize=1)
def _digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The digits as scikit-learn stores them, read once; read-only arrays."""
    datasets = _require("sklearn.datasets", "scikit-learn", "load_digits")
    bunch = datasets.load_digits()
    images = np.asarray(bunch.images, dtype=np.float64)
    labels = np.asarray(bunch.target, dtype=np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten 8×8 digits of scikit-learn, as images and labels.

    Images ``(N, 1, 8, 8)`` in [0, 1] and labels ``(N,)``.

    Returns
    -------
    images : ndarray of float64, shape (1797, 1, 8, 8)
        One grey-level channel per digit, ink counts 0..16 divided by 16, so 0 is blank
        and 1 is full ink. A new array on every call.
    labels : ndarray of int64, shape (1797,)
        The digit shown, 0 to 9 (about 180 of each).

    Raises
    ------
    ImportError
        If scikit-learn is not installed (``pip install scikit-learn``).

    Notes
    -----
    The test set of the UCI "Optical Recognition of Handwritten Digits" data (Alpaydin
    and Kaynak, 1998): 32×32 bitmaps by 43 writers, each cut into 4×4 blocks whose
    pixels were counted, giving 8×8 images with values 0..16. scikit-learn bundles it,
    so it is read from disk (``sklearn.datasets.load_digits``), never downloaded.

    Examples
    --------
    >>> images, labels = load_digits()
    >>> images.shape, images.dtype, labels.shape, labels.dtype
    ((1797, 1, 8, 8), dtype('float64'), (1797,), dtype('int64'))
    >>> float(images.min()), float(images.max())
    (0.0, 1.0)
    >>> [int(n) for n in np.bincount(labels)]
    [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    """
    _require("sklearn.datasets", "scikit-learn", "load_digits")
    images, labels = _digits_raw()
    return (images / 16.0)[:, np.newaxis], labels.copy()

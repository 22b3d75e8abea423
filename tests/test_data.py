"""Data loaders: shapes, ranges, the sources they read, resizing, copies, and missing
dependencies."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

import convdoc as cd
from convdoc import data

pytest.importorskip("matplotlib")
pytest.importorskip("PIL")
pytest.importorskip("sklearn")

PHOTO_SHAPE = (600, 512)


def area_average_naive(img: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Reference: each output pixel is the overlap-weighted mean of the input pixels
    under it."""
    h, w = img.shape
    out = np.empty((rows, cols))
    for i in range(rows):
        r0, r1 = i * h / rows, (i + 1) * h / rows
        for j in range(cols):
            c0, c1 = j * w / cols, (j + 1) * w / cols
            total = area = 0.0
            for r in range(math.floor(r0), math.ceil(r1)):
                for c in range(math.floor(c0), math.ceil(c1)):
                    weight = (min(r1, r + 1) - max(r0, r)) * (
                        min(c1, c + 1) - max(c0, c)
                    )
                    total += weight * img[r, c]
                    area += weight
            out[i, j] = total / area
    return out


# ---- load_photo
# --------------------------------------------------------------------------------------
def test_photo_full_shape_dtype_range():
    photo = cd.load_photo()
    assert photo.shape == PHOTO_SHAPE
    assert photo.dtype == np.float64
    assert photo.min() >= 0.0 and photo.max() <= 1.0
    assert photo.max() - photo.min() > 0.5  # a real photograph, not a constant


def test_photo_is_bt601_luma_of_matplotlib_sample():
    from matplotlib import cbook
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float64)
        # Pillow's own 601 luma, rounded.
        luma_u8 = np.asarray(im.convert("L"), dtype=np.float64)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    photo = cd.load_photo()
    np.testing.assert_allclose(
        photo, (0.299 * r + 0.587 * g + 0.114 * b) / 255, rtol=0, atol=1e-12
    )
    assert np.abs(photo * 255 - luma_u8).max() <= 1.0


@pytest.mark.parametrize(
    ("size", "shape"),
    [
        (64, (64, 64)),
        ((150, 128), (150, 128)),
        ((48, 40), (48, 40)),
        ((120, 104), (120, 104)),
        ((1, 1), (1, 1)),
        (np.int64(5), (5, 5)),
        ([7, 3], (7, 3)),
        (PHOTO_SHAPE, PHOTO_SHAPE),
    ],
)
def test_photo_size_variants(size, shape):
    photo = cd.load_photo(size=size)
    assert photo.shape == shape
    assert photo.dtype == np.float64
    assert photo.min() >= 0.0 and photo.max() <= 1.0


def test_photo_even_shrink_is_block_mean():
    full = cd.load_photo()
    np.testing.assert_allclose(
        cd.load_photo(size=(150, 128)),
        full.reshape(150, 4, 128, 4).mean(axis=(1, 3)),
        rtol=0,
        atol=1e-13,
    )
    np.testing.assert_allclose(
        cd.load_photo(size=(300, 256)),
        full.reshape(300, 2, 256, 2).mean(axis=(1, 3)),
        rtol=0,
        atol=1e-13,
    )


@pytest.mark.parametrize("size", [(48, 40), (13, 29), (7, 3), (1, 1)])
def test_photo_uneven_shrink_matches_naive_area_average(size):
    full = cd.load_photo()
    np.testing.assert_allclose(
        cd.load_photo(size=size), area_average_naive(full, *size), rtol=0, atol=1e-12
    )


def test_photo_shrink_every_size_on_small_image(rng, monkeypatch):
    # A small random image in place of the photo: the naive loop then covers every size.
    img = rng.random((9, 7))
    monkeypatch.setattr(data, "_photo_full", lambda: img)
    for rows in range(1, 10):
        for cols in range(1, 8):
            np.testing.assert_allclose(
                cd.load_photo(size=(rows, cols)),
                area_average_naive(img, rows, cols),
                rtol=0,
                atol=1e-13,
            )


def test_photo_full_size_is_identity_and_mean_is_kept():
    full = cd.load_photo()
    assert np.array_equal(cd.load_photo(size=PHOTO_SHAPE), full)
    # Area averaging preserves the mean brightness exactly (up to rounding).
    assert math.isclose(cd.load_photo(size=(48, 40)).mean(), full.mean(), rel_tol=1e-12)
    assert math.isclose(
        float(cd.load_photo(size=(1, 1))[0, 0]), full.mean(), rel_tol=1e-12
    )


def test_photo_deterministic_and_fresh_copies():
    a, b = cd.load_photo(), cd.load_photo()
    assert np.array_equal(a, b) and a is not b and not np.shares_memory(a, b)
    assert a.flags.writeable
    a[:] = -1.0
    assert np.array_equal(cd.load_photo(), b)
    s1, s2 = cd.load_photo(size=(48, 40)), cd.load_photo(size=(48, 40))
    assert np.array_equal(s1, s2) and not np.shares_memory(s1, s2)
    s1 += 5
    assert np.array_equal(cd.load_photo(size=(48, 40)), s2)


@pytest.mark.parametrize(
    ("size", "match"),
    [
        (0, r"`size` must be positive; got 0"),
        ((10, -1), r"`size` must be positive; got \(10, -1\)"),
        (
            (1, 2, 3),
            r"`size` must be an int or a pair \(rows, columns\); got \(1, 2, 3\)",
        ),
        (
            601,
            r"`size` must not exceed the photo's shape \(600, 512\) \(load_photo only "
            r"shrinks\); got 601",
        ),
        (
            (600, 513),
            r"`size` must not exceed the photo's shape \(600, 512\).*got \(600, 513\)",
        ),
        (
            (700, 100),
            r"`size` must not exceed the photo's shape \(600, 512\).*got \(700, 100\)",
        ),
    ],
)
def test_photo_bad_size_value(size, match):
    with pytest.raises(ValueError, match=match):
        cd.load_photo(size=size)


@pytest.mark.parametrize("size", [1.5, "64", True, (64, 64.0)])
def test_photo_bad_size_type(size):
    with pytest.raises(
        TypeError, match=r"`size` must be an int or a pair of ints; got"
    ):
        cd.load_photo(size=size)


# ---- load_digits
# -------------------------------------------------------------------------------
def test_digits_shapes_dtypes_ranges():
    images, labels = cd.load_digits()
    assert images.shape == (1797, 1, 8, 8) and images.dtype == np.float64
    assert labels.shape == (1797,) and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    assert set(np.unique(labels)) == set(range(10))
    counts = np.bincount(labels, minlength=10)
    assert counts.sum() == 1797 and counts.min() >= 170 and counts.max() <= 190


def test_digits_are_sklearn_counts_over_16():
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images, labels = cd.load_digits()
    assert np.array_equal(images[:, 0] * 16, bunch.images)
    assert np.array_equal(images.reshape(1797, 64) * 16, bunch.data)
    assert np.array_equal(labels, bunch.target)
    # Values are multiples of 1/16.
    assert np.array_equal(images * 16, np.round(images * 16))


def test_digits_deterministic_and_fresh_copies():
    (x1, y1), (x2, y2) = cd.load_digits(), cd.load_digits()
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.shares_memory(x1, x2) and not np.shares_memory(y1, y2)
    assert x1.flags.writeable and y1.flags.writeable
    x1 *= 0
    y1[:] = -1
    x3, y3 = cd.load_digits()
    assert np.array_equal(x3, x2) and np.array_equal(y3, y2)


# ---- missing optional dependencies
# --------------------------------------------------------------- The package itself:
# convdoc[examples] would need convdoc on an index, which it is not.
INSTALL = "pip install {package}"


@pytest.mark.parametrize(
    ("module", "package"),
    [("sklearn", "scikit-learn"), ("sklearn.datasets", "scikit-learn")],
)
def test_digits_without_sklearn(monkeypatch, module, package):
    # Fill the cache first: the dependency must still be checked on each call.
    cd.load_digits()
    monkeypatch.setitem(sys.modules, module, None)
    wanted = (
        rf"`load_digits` needs {package}, an optional "
        rf"dependency.*{INSTALL.format(package=package)}"
    )
    with pytest.raises(ImportError, match=wanted):
        cd.load_digits()


@pytest.mark.parametrize(
    ("module", "package"),
    [
        ("matplotlib", "matplotlib"),
        ("matplotlib.cbook", "matplotlib"),
        ("PIL", "Pillow"),
        ("PIL.Image", "Pillow"),
    ],
)
def test_photo_without_dependency(monkeypatch, module, package):
    cd.load_photo()
    monkeypatch.setitem(sys.modules, module, None)
    wanted = (
        rf"`load_photo` needs {package}, an optional "
        rf"dependency.*{INSTALL.format(package=package)}"
    )
    with pytest.raises(ImportError, match=wanted):
        cd.load_photo(size=32)


def test_missing_dependency_on_first_load(monkeypatch):
    # Uncached path: the raw loaders themselves raise the same message.
    monkeypatch.setattr(data, "_digits_raw", data._digits_raw.__wrapped__)
    monkeypatch.setattr(data, "_photo_full", data._photo_full.__wrapped__)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    monkeypatch.setitem(sys.modules, "PIL.Image", None)
    with pytest.raises(ImportError, match=INSTALL.format(package="scikit-learn")):
        data._digits_raw()
    with pytest.raises(
        ImportError, match=rf"needs Pillow.*{INSTALL.format(package='Pillow')}"
    ):
        data._photo_full()


def test_import_needs_numpy_only():
    # The loaders import their dependencies lazily: importing
    # convdoc pulls none of them in.
    import subprocess

    code = (
        "import sys; import convdoc; "
        "print(sorted(m for m in ('matplotlib', 'PIL', 'sklearn', 'scipy') if m in "
        "sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"

"""The exact values behind the gallery's examples, checked here, not in the examples.

An example states its claim in one to three asserts (and the build fails if the claim
stops holding); the exact counts and arrays it prints are pinned here, computed the same
way with the public API, so nothing the examples used to check is lost.
"""

from __future__ import annotations

import numpy as np

import convdoc as cd


def test_plot_01_parameter_counts() -> None:
    assert cd.dense_params(3072, 4704, bias=False) == 3072 * 4704
    assert cd.dense_params(3072, 4704) - cd.dense_params(3072, 4704, bias=False) == 4704
    assert cd.conv_params(3, 6, 5) == 456  # 6·(5·5·3) + 6
    assert cd.conv_params(1, 6, 5) == 156  # the often-quoted count has one channel
    assert cd.Conv2d(3, 6, 5).n_params == cd.conv_params(3, 6, 5)
    local = cd.LocallyConnected2d(3, 6, (32, 32), 5)
    assert local.n_params == cd.locally_connected_params(3, 6, 28, 28, 5)
    assert cd.dense_params(10**6, 10**6, bias=False) == 10**12
    assert cd.locally_connected_params(1, 1, 1000, 1000, 10, bias=False) == 10**8
    assert cd.conv_params(1, 1, 10, bias=False) == 100
    assert cd.conv_output_shape(28, 28, 10, 10, stride=2) == (10, 10)
    weights = cd.dense_params(784, 100, bias=False) + cd.dense_params(
        100, 10, bias=False
    )
    assert weights == 79_400
    assert cd.dense_params(784, 100) + cd.dense_params(100, 10) == 79_510


def test_plot_02_conv_formula() -> None:
    image = np.array([[10.0, 10, 10, 0, 0, 0]] * 6)
    edge = np.array([[1.0, 0, -1]] * 3)
    out = cd.correlate2d(image, edge)
    assert out[0, 1] == np.sum(image[0:3, 1:4] * edge)
    assert np.array_equal(
        cd.convolve2d(image, edge), cd.correlate2d(image, edge[::-1, ::-1])
    )
    assert np.array_equal(cd.convolve2d(image, edge), -out)  # antisymmetric kernel
    rng = np.random.default_rng(0)
    kernel = rng.integers(-3, 4, size=(3, 3)).astype(float)
    z = rng.integers(0, 10, size=(6, 6)).astype(float)
    corr, conv = cd.correlate2d(z, kernel), cd.convolve2d(z, kernel)
    assert not np.allclose(corr, conv) and not np.allclose(corr, -conv)


def test_plot_04_sparsity() -> None:
    image = np.zeros((6, 6))
    image[:, :3] = 10
    probe = np.arange(1.0, 10.0).reshape(3, 3)
    edge = np.array([[1.0, 0, -1]] * 3)
    m = cd.conv_matrix(probe, image.shape)
    assert m.shape == (16, 36)
    assert np.allclose(m @ image.ravel(), cd.correlate2d(image, probe).ravel())
    first = np.argmax(m != 0, axis=1)  # column of each row's first non-zero
    assert np.array_equal(np.diff(first), [1, 1, 1, 3] * 3 + [1, 1, 1])
    values = np.unique(m[m != 0])
    assert np.array_equal(values, probe.ravel())
    m_edge = cd.conv_matrix(edge, image.shape)
    assert np.all(np.count_nonzero(m_edge, axis=1) == 6)
    assert np.allclose(m_edge @ image.ravel(), cd.correlate2d(image, edge).ravel())
    mask = cd.receptive_field_by_perturbation(
        lambda x: cd.correlate2d(x, probe), image.shape, (1, 1)
    )
    assert mask.sum() == 9 and (~mask).sum() == 27


def test_plot_05_parameter_sharing() -> None:
    photo = cd.load_photo()
    vertical = np.array([[1.0, 0, -1]] * 3)
    w = np.stack([vertical, vertical.T])[:, np.newaxis]
    maps = cd.conv2d(photo[np.newaxis, np.newaxis][..., :40, :30], w, padding=1)
    assert maps.shape[2:] == (40, 30)  # padding 1 keeps the size
    assert w.size == cd.conv_params(1, 2, 3, bias=False) == 18
    h, wd = photo.shape
    assert cd.locally_connected_params(1, 2, h, wd, 3, bias=False) == 18 * h * wd


def test_plot_06_sparsity_vs_sharing() -> None:
    h = w = 6
    k = 3
    basis = np.eye(h * w).reshape(h * w, 1, h, w)
    rng = np.random.default_rng(0)
    w_dense = rng.standard_normal((16, h * w))
    kernel = rng.standard_normal((1, 1, k, k))
    dense = cd.dense(basis.reshape(h * w, -1), w_dense).T
    conv = cd.conv2d(basis, kernel).reshape(h * w, -1).T
    assert np.allclose(dense, w_dense)
    assert np.allclose(conv, cd.conv_matrix(kernel[0, 0], (h, w)))
    assert np.count_nonzero(dense) == 16 * 36 and np.count_nonzero(conv) == 16 * 9
    assert np.unique(np.round(conv[conv != 0], 12)).size == 9
    assert cd.locally_connected_params(1, 1, 4, 4, k, bias=False) == 16 * 9
    assert cd.conv_params(1, 1, k, bias=False) == 9
    c, f, hh, ww, kk = 3, 6, 32, 32, 5
    lc = cd.locally_connected_params(c, f, 28, 28, kk, bias=False)
    sparsity = cd.dense_params(c * hh * ww, f * 28 * 28, bias=False) / lc
    assert np.isclose(sparsity, (c * hh * ww) / (c * kk * kk))


def test_plot_09_nonlinearity() -> None:
    image = cd.load_photo()
    x = image[np.newaxis, np.newaxis]
    m_x = np.array([-0.5, 0.0, 0.5]).reshape(1, 1, 1, 3)
    i_x = cd.conv2d(x, m_x, padding=(0, 1))[0, 0]
    i_y = cd.conv2d(x, m_x.transpose(0, 1, 3, 2), padding=(1, 0))[0, 0]
    r, c = 40, 60
    assert np.isclose(i_x[r, c], (image[r, c + 1] - image[r, c - 1]) / 2)
    assert np.isclose(i_y[r, c], (image[r + 1, c] - image[r - 1, c]) / 2)
    a, b = cd.SLIDES_SIGMOID_A, cd.SLIDES_SIGMOID_B
    assert (a, b) == (0.08, 50.0)  # the slides' a = 8·10⁻², b = 50
    z = np.linspace(-300, 300, 601)
    sig = cd.sigmoid(z, a, b)
    assert np.all(sig[z <= 0] <= (1 + 1e-12) / (1 + np.exp(a * b)))
    assert np.array_equal(cd.relu(z) > 0, z > 0)


def test_plot_10_receptive_fields() -> None:
    assert cd.receptive_field([(3, 1, 1)] * 3)[0] == 7
    assert cd.receptive_field([(3, 1, 1), (3, 1, 2), (3, 1, 4)])[0] == 15


def test_plot_10b_dilation_matches_stride() -> None:
    for depth in range(1, 9):
        strided = cd.receptive_field([(3, 2, 1)] * depth)[0]
        dilated = cd.receptive_field([(3, 1, 2**i) for i in range(depth)])[0]
        assert strided == dilated == 2 ** (depth + 1) - 1


def test_plot_10_padded_corner_starts_in_the_padding() -> None:
    assert cd.receptive_field([(3, 2, 1, 1), (3, 1, 1, 1)])[2] == -3


def test_plot_13_shuffling_keeps_the_pixels() -> None:
    images, _ = cd.load_digits()
    perm = np.random.default_rng(0).permutation(64)
    shuffled = images.reshape(len(images), 64)[:, perm].reshape(images.shape)
    assert np.array_equal(np.sort(shuffled, axis=None), np.sort(images, axis=None))


def test_plot_15_architectures() -> None:
    # The textbook count, written out independently of convdoc's counting functions:
    # two convolutions 6(1·25 + 1) and 16(6·25 + 1), then dense 400 → 120 → 84 → 10.
    convs = 6 * (1 * 25 + 1) + 16 * (6 * 25 + 1)
    lenet_by_hand = convs + (400 + 1) * 120 + (120 + 1) * 84 + (84 + 1) * 10
    assert cd.total_params(cd.LENET5.summarize()) == lenet_by_hand == 61_706
    assert (
        cd.total_params(cd.ALEXNET.summarize()) == 61_100_840
    )  # torchvision's variant
    filters = [s.filters for s in cd.ALEXNET.layers if isinstance(s, cd.ConvSpec)]
    assert filters == [64, 192, 384, 256, 256]
    assert (
        cd.total_params(cd.VGG16.summarize()) == 138_357_544
    )  # torchvision.models.vgg16()
    fc1 = next(row for row in cd.VGG16.summarize() if row.name == "fc1")
    assert fc1.params == cd.dense_params(512 * 7 * 7, 4096)
    shares = [cd.conv_share(a.summarize()) for a in (cd.LENET5, cd.ALEXNET, cd.VGG16)]
    assert all(s < 0.15 for s in shares)

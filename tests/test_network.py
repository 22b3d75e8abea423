"""network.py: the loss against PyTorch and finite differences, the model against its
layers, training."""

from __future__ import annotations

import numpy as np
import pytest

import convdoc as cd


def small_cnn(seed=0):
    return cd.Sequential(
        [
            cd.Conv2d(1, 4, 3, padding=1, rng=seed),
            cd.ReLU(),
            cd.MaxPool2d(2),
            cd.Flatten(),
            cd.Dense(4 * 4 * 4, 3, rng=seed + 1),
        ]
    )


def test_softmax_cross_entropy_matches_torch(rng, torch):
    logits, labels = rng.standard_normal((6, 4)) * 5, rng.integers(0, 4, 6)
    lt = torch.tensor(logits, requires_grad=True)
    ref = torch.nn.functional.cross_entropy(lt, torch.from_numpy(labels))
    ref.backward()
    loss, dlogits = cd.softmax_cross_entropy(logits, labels)
    assert loss == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(dlogits, lt.grad.numpy(), atol=1e-14)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    loss, dlogits = cd.softmax_cross_entropy([[1e4, 0.0], [0.0, 1e4]], [0, 0])
    assert loss == pytest.approx(5e3) and np.isfinite(dlogits).all()


def test_accuracy_hand_computed():
    assert (
        cd.accuracy([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 2.0]], [0, 1, 1, 1])
        == 0.75
    )


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([[0.0, 1.0]], [2]), r"`labels` must lie in 0..1"),
        (
            ([[0.0, 1.0]], [0.5]),
            r"`labels` must be integers of shape \(N,\) = \(1,\); got dtype float64",
        ),
        (([[0.0, 1.0]], [0, 1]), r"got dtype int64, shape \(2,\)"),
        (
            ([0.0, 1.0], [0]),
            r"`logits` must be 2-D with shape \(N, K\); got shape \(2,\)",
        ),
    ],
)
def test_loss_and_accuracy_bad_input(args, match):
    for f in (cd.softmax_cross_entropy, cd.accuracy):
        with pytest.raises(ValueError, match=match):
            f(*args)


def test_sequential_composes_layers_and_collects_params(rng):
    model = small_cnn()
    assert (
        model.n_params
        == 4 * 9 + 4 + 64 * 3 + 3
        == sum(layer.n_params for layer in model.layers)
    )
    assert all(
        p is q
        for p, q in zip(
            model.params,
            [
                model.layers[0].weight,
                model.layers[0].bias,
                model.layers[4].weight,
                model.layers[4].bias,
            ],
            strict=True,
        )
    )
    assert "Conv2d(1 → 4, 3×3, padding 1, 40 params)" in repr(model) and repr(
        model
    ).endswith("with 235 params")
    x = rng.standard_normal((5, 1, 8, 8))
    # BLAS may round per batch.
    np.testing.assert_allclose(
        model.predict(x, batch_size=2), model.forward(x), rtol=1e-12
    )


def test_sequential_backward_matches_finite_differences(rng):
    model = small_cnn()
    x, labels = rng.standard_normal((3, 1, 8, 8)), np.array([0, 2, 1])
    _, dlogits = cd.softmax_cross_entropy(model.forward(x), labels)
    dx = model.backward(dlogits)
    weight = model.layers[0].weight
    eps = 1e-6
    for idx in [(0, 0, 0, 0), (1, 0, 1, 2), (3, 0, 2, 2)]:
        old = weight[idx]
        weight[idx] = old + eps
        up = cd.softmax_cross_entropy(model.forward(x), labels)[0]
        weight[idx] = old - eps
        down = cd.softmax_cross_entropy(model.forward(x), labels)[0]
        weight[idx] = old
        assert model.grads[0][idx] == pytest.approx((up - down) / (2 * eps), abs=1e-7)
    x2 = x.copy()
    x2[1, 0, 3, 4] += eps
    up = cd.softmax_cross_entropy(model.forward(x2), labels)[0]
    x2[1, 0, 3, 4] -= 2 * eps
    down = cd.softmax_cross_entropy(model.forward(x2), labels)[0]
    assert dx[1, 0, 3, 4] == pytest.approx((up - down) / (2 * eps), abs=1e-7)


def test_sequential_rejects_non_layers():
    with pytest.raises(
        TypeError,
        match=r"`layers\[1\]` must be a layer with forward, backward, params and "
        r"grads; got int",
    ):
        cd.Sequential([cd.ReLU(), 3])


def test_train_learns_and_is_reproducible(rng):
    x = rng.standard_normal((60, 1, 8, 8))
    # Top vs bottom half.
    labels = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(int)
    runs = []
    for _ in range(2):
        model = small_cnn()
        history = cd.train(
            model,
            x,
            labels,
            optimizer=cd.Adam(model.params, lr=0.01),
            epochs=15,
            batch_size=16,
        )
        runs.append((history, model.forward(x)))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    history = runs[0][0]
    assert len(history["loss"]) == 15 and history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] >= 0.9


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"`epochs` must be a positive int; got 0"),
        (
            {"batch_size": 1.5},
            TypeError,
            r"`batch_size` must be a positive int; got 1.5",
        ),
        (
            {"rng": "seed"},
            TypeError,
            r"`rng` must be an int seed or a numpy.random.Generator; got .seed. "
            r"\(str\)",
        ),
        (
            {"y": np.zeros(3, int)},
            ValueError,
            r"`y` must hold one label per example, shape \(4,\); got shape \(3,\)",
        ),
    ],
)
def test_train_bad_input(kwargs, error, match):
    model = cd.Sequential([cd.Flatten(), cd.Dense(4, 2)])
    args = (
        dict(
            x=np.zeros((4, 2, 2)),
            y=np.zeros(4, int),
            optimizer=cd.GradientDescent(model.params),
            epochs=1,
            batch_size=2,
        )
        | kwargs
    )
    with pytest.raises(error, match=match):
        cd.train(model, args.pop("x"), args.pop("y"), **args)

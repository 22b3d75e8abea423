"""A stack of layers, the softmax cross-entropy loss and a minibatch training loop.

Just enough to train a small CNN against an MLP on real digits: every layer follows the
protocol in DESIGN.md (``forward``, ``backward``, ``params``, ``grads``, ``n_params``).
"""

from __future__ import annotations

import numpy as np

from ._checks import as_real_array, check_positive_int, check_rng

__all__ = ["Sequential", "accuracy", "softmax_cross_entropy", "train"]


class Sequential:
    """Layers applied in order; ``backward`` runs them in reverse.

    Parameters
    ----------
    layers : list of layers
        Objects with ``forward``, ``backward``, ``params`` and ``grads``, such as
        `Conv2d`, `ReLU` or `Dense`; the output of each is the input of the next.

    Examples
    --------
    >>> from convdoc import Conv2d, Dense, Flatten, MaxPool2d, ReLU
    >>> model = Sequential(
    ...     [Conv2d(1, 4, 3, padding=1), ReLU(), MaxPool2d(2), Flatten(), Dense(64, 10)]
    ... )
    >>> model.n_params
    690
    >>> model.forward(np.zeros((2, 1, 8, 8))).shape
    (2, 10)
    """

    def __init__(self, layers):
        if not isinstance(layers, (list, tuple)):
            raise TypeError(
                f"`layers` must be a list of layers; got {type(layers).__name__}"
            )
        if not layers:
            raise ValueError("`layers` must hold at least one layer; got an empty list")
        self.layers = list(layers)
        for k, layer in enumerate(self.layers):
            if not _is_layer(layer):
                raise TypeError(
                    f"`layers[{k}]` must be a layer with forward, backward, params and "
                    f"grads; got {type(layer).__name__}"
                )

    @property
    def params(self) -> list:
        """Every layer's parameter arrays, in order.

        The same objects, not copies: an optimizer built on them updates the model.
        """
        return [p for layer in self.layers for p in layer.params]

    @property
    def grads(self) -> list:
        """Gradients aligned with `params`, filled by `backward`."""
        return [g for layer in self.layers for g in layer.grads]

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)

    def forward(self, x):
        """Each layer's `forward`, in order.

        Parameters
        ----------
        x : array_like
            A batch for the first layer, first axis N.

        Returns
        -------
        ndarray
            The last layer's output: the logits, for a classifier.

        See Also
        --------
        predict : The same in batches, for large inputs.

        Examples
        --------
        >>> from convdoc import Dense, ReLU
        >>> model = Sequential([Dense(3, 4), ReLU(), Dense(4, 2)])
        >>> model.forward(np.ones((5, 3))).shape
        (5, 2)
        """
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy):
        """Each layer's `backward`, in reverse order: fills every layer's `grads`.

        Parameters
        ----------
        dy : array_like
            Gradient of the loss with respect to the last `forward` output.

        Returns
        -------
        ndarray
            The gradient with respect to the last `forward` input.

        Examples
        --------
        >>> from convdoc import Dense, ReLU
        >>> model = Sequential([Dense(3, 4), ReLU(), Dense(4, 2)])
        >>> logits = model.forward(np.ones((5, 3)))
        >>> model.backward(np.ones((5, 2))).shape, len(model.grads)
        ((5, 3), 4)
        """
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def predict(self, x, batch_size=512):
        """Forward pass in batches, without keeping inputs for a backward pass.

        Parameters
        ----------
        x : array_like
            Examples along the first axis.
        batch_size : int, default 512
            Examples per `forward` call: bounds the memory of large inputs.

        Returns
        -------
        ndarray
            The logits for every example of `x`, as `forward` gives them.

        Examples
        --------
        >>> from convdoc import Dense
        >>> Sequential([Dense(3, 2)]).predict(np.ones((1000, 3)), batch_size=300).shape
        (1000, 2)
        """
        x = as_real_array(x, "x")
        if x.ndim < 1:
            raise ValueError(
                f"`x` must have a batch axis, shape (N, ...); got shape {x.shape}"
            )
        batch_size = check_positive_int(batch_size, "batch_size")
        return np.concatenate(
            [self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        )

    def __repr__(self):
        inner = "".join(f"\n  {layer!r}," for layer in self.layers)
        return f"Sequential({inner}\n) with {self.n_params:,} params"


def _is_layer(layer) -> bool:
    return all(hasattr(layer, a) for a in ("forward", "backward", "params", "grads"))


def _check_labels(labels, n, k, name="labels", columns="one per column of `logits`"):
    try:
        labels = np.asarray(labels)
    except ValueError as exc:  # ragged lists
        raise ValueError(
            f"`{name}` must be integers of shape (N,) = ({n},); got "
            f"{type(labels).__name__} ({exc})"
        ) from None
    if labels.dtype.kind not in "iu" or labels.shape != (n,):
        raise ValueError(
            f"`{name}` must be integers of shape (N,) = ({n},); got dtype "
            f"{labels.dtype}, shape {labels.shape}"
        )
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(
            f"`{name}` must lie in 0..{k - 1} ({columns}); got values "
            f"{labels.min()}..{labels.max()}"
        )
    return labels


def softmax_cross_entropy(logits, labels):
    """Mean cross-entropy of ``softmax(logits)`` against labels, and its gradient.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Scores of K classes for N examples, finite.
    labels : array_like of int, shape (N,)
        The true class of each example, in ``0..K-1``.

    Returns
    -------
    loss : float
        ``-mean(log softmax(logits)[n, labels[n]])``.
    dlogits : ndarray, shape (N, K)
        ``(softmax(logits) - onehot(labels)) / N``.

    Examples
    --------
    >>> loss, dlogits = softmax_cross_entropy([[0.0, 0.0]], [1])
    >>> round(loss, 4), dlogits
    (0.6931, array([[ 0.5, -0.5]]))
    """
    logits = as_real_array(logits, "logits", 2, "(N, K)").astype(float)
    if not np.isfinite(logits).all():
        raise ValueError(
            f"`logits` must be finite; got {np.count_nonzero(~np.isfinite(logits))} "
            f"inf or nan values in shape {logits.shape}"
        )
    labels = _check_labels(labels, *logits.shape)
    # A gap beyond the float range becomes -inf: exp gives 0, exact.
    with np.errstate(over="ignore"):
        # Stable: exp never overflows.
        shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(labels))
    loss = -log_p[rows, labels].mean()
    dlogits = np.exp(log_p)
    dlogits[rows, labels] -= 1.0
    return float(loss), dlogits / len(labels)


def accuracy(logits, labels) -> float:
    """Fraction of rows whose largest logit is at the true label.

    Parameters
    ----------
    logits : array_like, shape (N, K)
        Scores of K classes for N examples.
    labels : array_like of int, shape (N,)
        The true class of each example, in ``0..K-1``.

    Returns
    -------
    float
        Between 0 and 1.

    Examples
    --------
    >>> accuracy([[2.0, 1.0], [0.0, 3.0], [5.0, 1.0]], [0, 1, 1])
    0.6666666666666666
    """
    logits = as_real_array(logits, "logits", 2, "(N, K)")
    labels = _check_labels(labels, *logits.shape)
    return float(np.mean(logits.argmax(axis=1) == labels))


def _check_model_and_optimizer(model, optimizer):
    """`train`'s `model` and `optimizer`: a layer and an optimizer of its params."""
    if not _is_layer(model):
        raise TypeError(
            "`model` must be a Sequential or a layer (forward, backward, params, "
            f"grads); got {type(model).__name__}"
        )
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "params")):
        raise TypeError(
            "`optimizer` must be an optimizer such as Adam(model.params); got "
            f"{type(optimizer).__name__}"
        )
    mine, theirs = list(model.params), list(optimizer.params)
    if len(mine) != len(theirs) or not all(
        p.shape == q.shape and np.may_share_memory(p, q)
        for p, q in zip(mine, theirs, strict=False)
    ):
        raise ValueError(
            "`optimizer` must update the model's parameters (build it with "
            f"`model.params`); got one over {len(theirs)} arrays for a model of "
            f"{len(mine)}"
        )


def _check_training(model, x, y, optimizer, epochs, batch_size, rng):
    """Every argument of `train`, checked before its first step (so a refusal changes
    nothing)."""
    _check_model_and_optimizer(model, optimizer)
    x = as_real_array(x, "x")
    if x.ndim < 1 or not np.isfinite(x).all():
        raise ValueError(
            f"`x` must hold finite examples along its first axis; got shape {x.shape} "
            f"with {np.count_nonzero(~np.isfinite(x))} inf or nan values"
        )
    try:
        shape = np.shape(y)
    except ValueError:  # ragged lists
        shape = "ragged"
    if shape != (len(x),):
        raise ValueError(
            f"`y` must hold one label per example, shape ({len(x)},); got shape {shape}"
        )
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = check_rng(rng)
    # The number of classes K; changes no parameter.
    logits = np.asarray(model.forward(x[:1]))
    if logits.ndim != 2 or logits.shape[0] != 1:
        raise ValueError(
            f"`model` must map `x` to logits of shape (N, K); got shape {logits.shape} "
            "for one example"
        )
    k = logits.shape[1]
    y = _check_labels(y, len(x), k, "y", f"one per output of `model`, K = {k}")
    return x, y, epochs, batch_size, np.random.default_rng(rng)


def train(model, x, y, *, optimizer, epochs, batch_size, rng=0) -> dict:
    """Minibatch training of a classifier with `softmax_cross_entropy`.

    Each epoch visits the examples in an order drawn from `rng` (a seed or Generator),
    so a run is reproducible.

    Parameters
    ----------
    model : Sequential or layer
        Maps a batch of `x` to logits ``(N, K)``; its parameters are updated in place.
    x : array_like
        Examples along the first axis, finite.
    y : array_like of int, shape (N,)
        One label per example, in ``0..K-1``.
    optimizer : GradientDescent or Adam
        An optimizer built on ``model.params``.
    epochs, batch_size : int
        Passes over the data, and examples per step (the last batch may be smaller).
    rng : int or numpy.random.Generator, default 0
        Seed or generator of the examples' order.

    Returns
    -------
    dict
        ``{"loss": [...], "accuracy": [...]}``: each epoch's mean batch loss and
        training accuracy.

    Raises
    ------
    TypeError, ValueError
        Before the first step, so that a refused call leaves the model as it was: if
        `model` is not a layer, `optimizer` does not update ``model.params``, `x` is not
        a finite real array, `y` is not one integer label per example in ``0..K-1`` (K:
        the model's outputs, from one forward pass), or `epochs`, `batch_size`, `rng`
        are invalid.

    Examples
    --------
    >>> from convdoc import Adam, Dense
    >>> x = np.array([[0.0, 1.0], [1.0, 0.0]] * 8)
    >>> y = np.array([0, 1] * 8)
    >>> model = Sequential([Dense(2, 2)])
    >>> adam = Adam(model.params, lr=0.1)
    >>> history = train(model, x, y, optimizer=adam, epochs=20, batch_size=4)
    >>> history["accuracy"][-1], history["loss"][-1] < history["loss"][0]
    (1.0, True)
    """
    x, y, epochs, batch_size, rng = _check_training(
        model, x, y, optimizer, epochs, batch_size, rng
    )
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        order = rng.permutation(len(x))
        losses, hits = [], 0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            logits = model.forward(x[batch])
            loss, dlogits = softmax_cross_entropy(logits, y[batch])
            model.backward(dlogits.astype(logits.dtype, copy=False))
            optimizer.step(model.grads)
            losses.append(loss * len(batch))
            hits += int((logits.argmax(axis=1) == y[batch]).sum())
        history["loss"].append(float(sum(losses) / len(x)))
        history["accuracy"].append(hits / len(x))
    return history

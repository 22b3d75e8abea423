"""What every layer class shares: its parameters, their gradients, and the cached
forward input.

The protocol (DESIGN.md): ``forward(x)`` caches what ``backward(dy)`` needs;
``backward`` fills ``grads`` in place, aligned with ``params``; ``n_params`` counts the
numbers in ``params``.
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import check_bool, check_float_dtype, check_positive_int, check_rng

__all__ = ["Layer", "share_docstrings", "short_pair"]


def short_pair(pair):
    """A ``(rows, columns)`` pair as a layer's repr shows it: one number if they agree.

    Examples
    --------
    >>> short_pair((2, 2)), short_pair((1, 3))
    (2, (1, 3))
    """
    return pair[0] if pair[0] == pair[1] else pair


def share_docstrings(cls, base, names):
    """Give `cls`'s methods `names` that have no docstring the ones of `base`.

    What the API pages show and numpydoc validates is then written once, on the base
    class, for every subclass that overrides the method.
    """
    for name in names:
        method = vars(cls).get(name)
        if method is not None and method.__doc__ is None:
            method.__doc__ = getattr(base, name).__doc__


class Layer:
    """Base of the layer classes: parameter bookkeeping and the forward cache."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        share_docstrings(cls, Layer, ("forward", "backward"))

    def forward(self, x):
        """The layer applied to a batch; the input is kept for `backward`.

        Parameters
        ----------
        x : array_like
            A batch, first axis N: ``(N, C, H, W)`` for image layers, ``(N, D)`` for
            dense ones.

        Returns
        -------
        ndarray
            The layer's output for every example of the batch.

        Examples
        --------
        >>> from convdoc import Dense
        >>> Dense(3, 2).forward(np.ones((4, 3))).shape
        (4, 2)
        """
        raise NotImplementedError

    def backward(self, dy):
        """Fill `grads` for the last `forward` input and return its gradient.

        Parameters
        ----------
        dy : array_like
            Gradient of the loss with respect to the last `forward` output (its shape).

        Returns
        -------
        ndarray
            ``dx``, the gradient with respect to the last `forward` input (its shape).

        Examples
        --------
        >>> from convdoc import Dense
        >>> layer = Dense(3, 2)
        >>> y = layer.forward(np.ones((4, 3)))
        >>> layer.backward(np.ones((4, 2))).shape, layer.grads[1]  # db: 4 ones each
        ((4, 3), array([4., 4.]))
        """
        raise NotImplementedError

    def _init_filters(
        self, in_channels, out_channels, kernel, bias, rng, dtype, *, positions=()
    ):
        """Own `out_channels` filters of ``in_channels × kernel`` weights at each of
        `positions` (none: one bank of filters, shared), and their biases.

        The one initialisation of every layer with weights: He-normal, std
        ``sqrt(2 / fan_in)`` with ``fan_in = C·KH·KW`` (``C`` for a dense layer, whose
        kernel is ``()``); biases start at zero. Weights have shape
        ``(*positions, F, C, *kernel)``, biases ``(F, *positions)``. The channels,
        `bias`, `rng` and `dtype` are checked here.
        """
        c = check_positive_int(in_channels, "in_channels")
        f = check_positive_int(out_channels, "out_channels")
        bias, rng = check_bool(bias, "bias"), check_rng(rng)
        dtype, fan_in = check_float_dtype(dtype), c * math.prod(kernel)
        draw = np.random.default_rng(rng).standard_normal((*positions, f, c, *kernel))
        self.weight = (draw * np.sqrt(2.0 / fan_in)).astype(dtype)
        self.bias = np.zeros((f, *positions), self.weight.dtype) if bias else None
        self._set_params(self.weight, self.bias)

    def _set_params(self, *arrays):
        """Own ``arrays`` (``None`` entries, e.g. no bias, are skipped) with zeroed
        gradients."""
        self.params = [p for p in arrays if p is not None]
        self.grads = [np.zeros_like(p) for p in self.params]
        self._saved = None

    def _save(self, value):
        """Remember what `backward` will need from this `forward` call."""
        self._saved = value
        return value

    def _saved_input(self):
        if self._saved is None:
            raise RuntimeError("`backward` needs a preceding `forward` call; got none")
        return self._saved

    def _store_grads(self, *grads):
        """Copy ``grads`` into `grads` in order; a gradient without a parameter (db, no
        bias) is dropped."""
        for buffer, grad in zip(self.grads, grads, strict=False):
            buffer[...] = grad

    @property
    def n_params(self) -> int:
        return sum(p.size for p in self.params)

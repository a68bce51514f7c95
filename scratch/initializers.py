"""Weight initialisation: where gradient descent starts from.

The scale matters. With N(0, 1) weights (Nielsen's "large" initialisation) a
unit with 784 inputs has a weighted input of standard deviation ~28, so a
sigmoid saturates and learns slowly. Dividing the variance by the number of
inputs keeps z of order one; He adds a factor 2 for ReLU, which zeroes half
its inputs; Glorot balances the forward and backward signal.

Weights are (n_in, n_out), biases (n_out,).
"""

from __future__ import annotations

import numpy as np

INITIALIZERS = ("standard_normal", "normal_scaled", "he", "glorot")


def initial_parameters(sizes: list[int], method: str, rng: np.random.Generator,
                       dtype: np.dtype = np.float32) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Random weights and biases for layers of the given sizes, e.g. [784, 30, 10].

    Returns (weights, biases): weights[l] is (sizes[l], sizes[l+1]), biases[l] is (sizes[l+1],).
    """
    if method not in INITIALIZERS:
        raise ValueError(f"unknown init {method!r}; expected one of {', '.join(INITIALIZERS)}")
    weights, biases = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if method == "glorot":
            limit = np.sqrt(6.0 / (n_in + n_out))
            w = rng.uniform(-limit, limit, (n_in, n_out))
        else:
            std = {"standard_normal": 1.0, "normal_scaled": np.sqrt(1.0 / n_in), "he": np.sqrt(2.0 / n_in)}[method]
            w = rng.standard_normal((n_in, n_out)) * std
        # Nielsen draws biases from N(0, 1); the modern schemes start them at zero.
        b = rng.standard_normal(n_out) if method in ("standard_normal", "normal_scaled") else np.zeros(n_out)
        weights.append(w.astype(dtype))
        biases.append(b.astype(dtype))
    return weights, biases

"""Backpropagation in one screen: the plain textbook version, to read and to check the fast one against.

`scratch.network.Network` trains with the same mathematics, but spread over preallocated
buffers, in-place activations, a fused cost and an optimizer, because that is what makes it
fast. This module is the same algorithm with nothing in the way: no buffers, no dropout,
no optimizer. tests/test_reference.py checks that the two agree on random networks.

Shapes, for a batch of n samples and layers of sizes [s0, s1, ..., sL]:
    x                  (n, s0)        the inputs, one row per sample
    W[l]               (s[l-1], s[l]) weights into layer l (a Keras Dense kernel)
    b[l]               (s[l],)        biases of layer l
    z[l] = a[l-1] W[l] + b[l]         (n, s[l])  weighted inputs;  a[l] = f_l(z[l])  activations

The maths counts layers from 1 (W[1] is the first weight matrix), the code from 0 like Python: in the
code `weights[l]` is W[l+1], of shape (s[l], s[l+1]), and `acts[l]` is a[l] (acts[0] is x). Activation
derivatives are written from the output: `backward(a, grad)` computes f'(z) * grad from a = f(z).
"""

from __future__ import annotations

import numpy as np

from scratch.activations import Activation
from scratch.costs import Cost


def forward(x: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray],
            activations: list[Activation]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Feed x (n, s0) through every layer; returns (zs, activations): z[l] for l = 1..L and a[l] for l = 0..L."""
    a, zs, acts = x, [], [x]
    for w, b, f in zip(weights, biases, activations):
        z = a @ w + b                  # (n, s[l])
        a = f.forward(z.copy())        # .copy(): the library's activations work in place
        zs.append(z)
        acts.append(a)
    return zs, acts


def backprop(x: np.ndarray, y_one_hot: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray],
             activations: list[Activation], cost: Cost) -> tuple[list[np.ndarray], list[np.ndarray], float]:
    """dC/dW[l], dC/db[l] for every layer and the batch-mean cost C, for inputs x (n, s0) and targets (n, sL).

    The four equations of backpropagation (Nielsen, chapter 2), one row per sample:
        delta[L] = dC/dz[L]                                 from the cost and the output activation
        delta[l] = (delta[l+1] @ W[l+1].T) * f_l'(z[l])     the error, carried back one layer
        dC/dW[l] = a[l-1].T @ delta[l]                      summed over the batch by the product
        dC/db[l] = sum of delta[l] over the batch
    """
    zs, acts = forward(x, weights, biases, activations)
    value = cost.value(zs[-1], acts[-1], y_one_hot, activations[-1])
    delta = cost.output_delta(zs[-1], acts[-1], y_one_hot, activations[-1])       # (n, sL), already / n
    grad_w, grad_b = [None] * len(weights), [None] * len(weights)
    for l in range(len(weights) - 1, -1, -1):
        grad_w[l] = acts[l].T @ delta                                               # (s[l], s[l+1])
        grad_b[l] = delta.sum(axis=0)                                               # (s[l+1],)
        if l > 0:
            delta = activations[l - 1].backward(acts[l], delta @ weights[l].T)      # (n, s[l])
    return grad_w, grad_b, float(value)

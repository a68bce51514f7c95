"""Cost functions: how wrong the network's output a is for the desired output y.

Both steps of the math start from the output layer's weighted input z (the
"logits") as well as its activation a, because the cross-entropy of a softmax
or sigmoid output has a numerically stable form in terms of z, and a simple
gradient with respect to z:

    softmax + cross-entropy:  C = logsumexp(z) - sum_j y_j z_j      dC/dz = a - y
    sigmoid + cross-entropy:  C = sum_j softplus(z_j) - y_j z_j     dC/dz = a - y

(The naive -log(a) gives inf as soon as a rounds to 0 in float32.)

Shapes: z, a, y are (n, classes); y is one-hot (a uniform row for a NO_CLASS label, scratch.checks).
Costs are means over the n samples of the mini-batch, so gradients are divided by n.
"""

from __future__ import annotations

import numpy as np

from scratch.activations import Activation, Sigmoid, Softmax


class Cost:
    name = "cost"

    def per_sample(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, activation: Activation) -> np.ndarray:
        """The cost of each sample, shape (n,)."""
        raise NotImplementedError

    def value(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, activation: Activation) -> float:
        """The cost averaged over the batch."""
        return float(self.per_sample(z, a, y, activation).mean())

    def output_delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray, activation: Activation) -> np.ndarray:
        """delta_L = dC/dz for the output layer, shape (n, classes), for the batch-mean cost."""
        raise NotImplementedError

    def check_output(self, activation: Activation) -> None:
        """Raise ValueError if this cost makes no sense with that output activation."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Quadratic(Cost):
    """C = 1/2 ||a - y||^2 per sample (mean squared error, as in Nielsen's network.py)."""

    name = "quadratic"

    def per_sample(self, z, a, y, activation):
        diff = a - y
        return 0.5 * np.einsum("ij,ij->i", diff, diff)

    def output_delta(self, z, a, y, activation):
        grad_a = a - y            # dC/da
        grad_a /= len(a)
        return activation.backward(a, grad_a)   # dC/dz = f'(z) * dC/da: the learning slowdown of sigmoid outputs


class CrossEntropy(Cost):
    """Cross-entropy: categorical with a softmax output, binary per unit with a sigmoid output."""

    name = "cross_entropy"

    def check_output(self, activation):
        if not isinstance(activation, (Softmax, Sigmoid)):
            raise ValueError(
                f"the cross_entropy cost needs a softmax or sigmoid output layer (outputs in (0, 1)), "
                f"got {activation.name}; use cost='quadratic' or change the output activation"
            )

    def per_sample(self, z, a, y, activation):
        if isinstance(activation, Softmax):
            top = z.max(axis=1, keepdims=True)
            logsumexp = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
            return logsumexp - np.einsum("ij,ij->i", y, z)
        softplus = np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))
        return (softplus - y * z).sum(axis=1)

    def output_delta(self, z, a, y, activation):
        # The softmax/sigmoid derivative cancels the 1/a of the log: no learning slowdown.
        delta = a - y
        delta /= len(a)
        return delta


COSTS: dict[str, type[Cost]] = {cls.name: cls for cls in (Quadratic, CrossEntropy)}


def get_cost(spec: str | Cost) -> Cost:
    """A Cost from its name ("quadratic", "cross_entropy") or itself."""
    if isinstance(spec, Cost):
        return spec
    if spec not in COSTS:
        raise ValueError(f"unknown cost {spec!r}; expected one of {', '.join(COSTS)}")
    return COSTS[spec]()

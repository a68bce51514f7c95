"""Activation functions: the non-linearity each layer applies to its weighted input z.

Every activation offers two steps of the math:

- `forward(z)`: a = f(z), computed in place in z's buffer (training runs this
  millions of times, so no new arrays are allocated).
- `backward(a, grad_a)`: the chain rule through f. Given dC/da it returns
  dC/dz, written into grad_a's buffer. It needs only the layer's *output* a,
  because every derivative here can be written in terms of a
  (sigmoid' = a(1 - a), tanh' = 1 - a^2, relu' = [a > 0]), so z need not be kept.

Arrays are (n, units): one row per sample of the mini-batch.
"""

from __future__ import annotations

import numpy as np


class Activation:
    """Base class: subclasses define `forward` and `backward` (see the module docstring)."""

    name = "activation"

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    """sigma(z) = 1 / (1 + e^-z), squashing into (0, 1); Nielsen's activation."""

    name = "sigmoid"

    def forward(self, z: np.ndarray) -> np.ndarray:
        # Written as 0.5 * (1 + tanh(z / 2)): identical, and it cannot overflow exp() for large -z.
        np.multiply(z, 0.5, out=z)
        np.tanh(z, out=z)
        z += 1
        z *= 0.5
        return z

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        grad_a *= a
        grad_a *= 1 - a
        return grad_a


class Tanh(Activation):
    """tanh(z), squashing into (-1, 1): a sigmoid centred on zero."""

    name = "tanh"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z, out=z)

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        grad_a *= 1 - a * a
        return grad_a


class ReLU(Activation):
    """max(0, z): the default for deep networks; its gradient does not vanish for z > 0."""

    name = "relu"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0, out=z)

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        grad_a *= a > 0
        return grad_a


class LeakyReLU(Activation):
    """z for z > 0, alpha * z otherwise: a ReLU whose units cannot die completely."""

    name = "leaky_relu"

    def __init__(self, alpha: float = 0.01) -> None:
        if not 0 < alpha < 1:
            raise ValueError(f"leaky_relu alpha must be between 0 and 1, got {alpha}")
        self.alpha = float(alpha)

    def forward(self, z: np.ndarray) -> np.ndarray:
        # max(z, alpha * z) equals z for z > 0 and alpha * z otherwise, because 0 < alpha < 1.
        return np.maximum(z, self.alpha * z, out=z)

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        # a has the sign of z, so a > 0 tells which branch was taken.
        grad_a *= np.where(a > 0, 1, self.alpha).astype(grad_a.dtype, copy=False)
        return grad_a

    def to_dict(self) -> dict:
        return {"name": self.name, "alpha": self.alpha}

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class Linear(Activation):
    """The identity: a = z. For a linear output layer, or to see what non-linearity buys."""

    name = "linear"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        return grad_a


class Softmax(Activation):
    """softmax(z)_i = e^z_i / sum_j e^z_j: a probability distribution over the classes.

    Output layers only. With the cross-entropy cost, `costs.CrossEntropy` uses the
    fused gradient (a - y) and never calls `backward` here.
    """

    name = "softmax"

    def forward(self, z: np.ndarray) -> np.ndarray:
        z -= z.max(axis=1, keepdims=True)  # e^z overflows for large z; softmax is shift-invariant
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z

    def backward(self, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        # The softmax Jacobian is diag(a) - a a^T, so dC/dz = a * (dC/da - sum_j dC/da_j a_j).
        dot = np.einsum("ij,ij->i", grad_a, a)[:, None]
        grad_a -= dot
        grad_a *= a
        return grad_a


ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Sigmoid, Tanh, ReLU, LeakyReLU, Linear, Softmax)
}


def get_activation(spec: str | dict | Activation) -> Activation:
    """An Activation from a name ("relu"), a saved dict ({"name": "leaky_relu", "alpha": 0.1}) or itself."""
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, dict):
        params = dict(spec)
        name = params.pop("name", None)
    else:
        name, params = spec, {}
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    try:
        return ACTIVATIONS[name](**params)
    except TypeError as e:
        raise ValueError(f"bad parameters for activation {name!r}: {e}") from None

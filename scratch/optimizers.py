"""Optimizers: how a gradient becomes a step, and learning-rate schedules.

Each optimizer updates parameters *in place* from gradients of the same shapes:
`step(params, grads, learning_rate)`. The update formulas are Keras's, so a
scratch recipe and its Keras twin take the same steps:

    SGD        w -= lr * g
    Momentum   v = mu * v - lr * g;  w += v          (Nesterov: w += mu * v - lr * g)
    RMSProp    s = rho * s + (1 - rho) * g^2;  w -= lr * g / sqrt(s + eps)
    Adam       m, v moving averages of g and g^2;  w -= lr_t * m / (sqrt(v) + eps),
               lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)   (bias correction)

Gradients are scratch buffers owned by the network; optimizers may overwrite them.
"""

from __future__ import annotations

import numpy as np


# --- learning-rate schedules (per epoch) --------------------------------------------------------

class Constant:
    """The same learning rate every epoch."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = _positive(learning_rate, "learning_rate")

    def __call__(self, epoch: int) -> float:
        return self.learning_rate

    def to_dict(self) -> dict:
        return {"name": "constant", "learning_rate": self.learning_rate}

    def __repr__(self) -> str:
        return f"Constant({self.learning_rate})"


class ExponentialDecay:
    """learning_rate * decay_rate ** epoch (epochs counted from 0): big steps first, fine ones later."""

    def __init__(self, learning_rate: float, decay_rate: float) -> None:
        self.learning_rate = _positive(learning_rate, "learning_rate")
        if not 0 < decay_rate <= 1:
            raise ValueError(f"decay_rate must be in (0, 1], got {decay_rate}")
        self.decay_rate = float(decay_rate)

    def __call__(self, epoch: int) -> float:
        return self.learning_rate * self.decay_rate ** epoch

    def to_dict(self) -> dict:
        return {"name": "exponential_decay", "learning_rate": self.learning_rate, "decay_rate": self.decay_rate}

    def __repr__(self) -> str:
        return f"ExponentialDecay({self.learning_rate}, {self.decay_rate})"


Schedule = Constant | ExponentialDecay


def as_schedule(learning_rate: float | Schedule) -> Schedule:
    return learning_rate if isinstance(learning_rate, (Constant, ExponentialDecay)) else Constant(learning_rate)


# --- optimizers ---------------------------------------------------------------------------------

class Optimizer:
    """Base class. `learning_rate` is a number or a per-epoch schedule."""

    name = "optimizer"

    def __init__(self, learning_rate: float | Schedule) -> None:
        self.schedule = as_schedule(learning_rate)
        self._state: list[list[np.ndarray]] | None = None

    def learning_rate_at(self, epoch: int) -> float:
        return self.schedule(epoch)

    def reset(self) -> None:
        """Forget the moving averages (a new fit starts afresh)."""
        self._state = None

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], learning_rate: float) -> None:
        """Update every parameter in place from its gradient (see `linear` for gradients that already
        hold lr * g: they are stepped with a learning rate of 1)."""
        if self._state is None:
            self._state = [[np.zeros_like(p) for _ in range(self.slots)] for p in params]
        for p, g, state in zip(params, grads, self._state):
            self.update(p, g, state, learning_rate)

    slots = 0  # how many state arrays per parameter (velocity, moments...)
    # True if the step depends on lr * g only (SGD, momentum). Then a network may hand over gradients
    # already multiplied by the rate: scaling the small (batch, classes) output error before
    # backpropagation scales every gradient below it, and saves a pass over each big weight matrix.
    linear = False

    def update(self, p: np.ndarray, g: np.ndarray, state: list[np.ndarray], lr: float) -> None:
        raise NotImplementedError

    def to_dict(self) -> dict:
        return {"name": self.name, "learning_rate": self.schedule.to_dict(), **self._hyperparameters()}

    def _hyperparameters(self) -> dict:
        return {}

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v}" for k, v in self._hyperparameters().items())
        return f"{type(self).__name__}({self.schedule!r}{', ' + params if params else ''})"


class SGD(Optimizer):
    """Plain stochastic gradient descent: w -= lr * g."""

    name = "sgd"
    linear = True

    def update(self, p, g, state, lr):
        if lr != 1.0:
            g *= lr
        p -= g


class Momentum(Optimizer):
    """SGD with momentum: a velocity that averages recent gradients, damping zig-zags."""

    name = "momentum"
    slots = 1
    linear = True

    def __init__(self, learning_rate: float | Schedule, momentum: float = 0.9, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def update(self, p, g, state, lr):
        (v,) = state
        if lr != 1.0:
            g *= lr
        v *= self.momentum
        v -= g                       # v = mu v - lr g
        if self.nesterov:            # look ahead along the velocity: w += mu v - lr g
            p += self.momentum * v
            p -= g
        else:
            p += v

    def _hyperparameters(self):
        return {"momentum": self.momentum, "nesterov": self.nesterov}


class RMSProp(Optimizer):
    """Divides each gradient by a running root-mean-square of its recent values."""

    name = "rmsprop"
    slots = 1

    def __init__(self, learning_rate: float | Schedule = 0.001, rho: float = 0.9, epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        if not 0 < rho < 1:
            raise ValueError(f"rho must be in (0, 1), got {rho}")
        self.rho = float(rho)
        self.epsilon = _positive(epsilon, "epsilon")

    def update(self, p, g, state, lr):
        (s,) = state
        s *= self.rho
        s += (1 - self.rho) * g * g
        g *= lr
        g /= np.sqrt(s + self.epsilon)
        p -= g

    def _hyperparameters(self):
        return {"rho": self.rho, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum and RMSProp together, with bias correction for the zero-initialised averages."""

    name = "adam"
    slots = 2

    def __init__(self, learning_rate: float | Schedule = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7) -> None:
        super().__init__(learning_rate)
        for name, beta in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= beta < 1:
                raise ValueError(f"{name} must be in [0, 1), got {beta}")
        self.beta_1, self.beta_2 = float(beta_1), float(beta_2)
        self.epsilon = _positive(epsilon, "epsilon")
        self.t = 0

    def reset(self) -> None:
        super().reset()
        self.t = 0

    def step(self, params, grads, learning_rate):
        self.t += 1
        corrected = learning_rate * np.sqrt(1 - self.beta_2 ** self.t) / (1 - self.beta_1 ** self.t)
        super().step(params, grads, corrected)

    def update(self, p, g, state, lr):
        m, v = state
        m += (1 - self.beta_1) * (g - m)
        v += (1 - self.beta_2) * (g * g - v)
        p -= lr * m / (np.sqrt(v) + self.epsilon)

    def _hyperparameters(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


OPTIMIZERS: dict[str, type[Optimizer]] = {cls.name: cls for cls in (SGD, Momentum, RMSProp, Adam)}


def get_optimizer(spec: str | dict | Optimizer) -> Optimizer:
    """An Optimizer from itself, a name with default settings ("adam"), or a saved dict."""
    if isinstance(spec, Optimizer):
        return spec
    if isinstance(spec, str):
        spec = {"name": spec, "learning_rate": {"sgd": 0.1, "momentum": 0.01}.get(spec, 0.001)}
    params = dict(spec)
    name = params.pop("name", None)
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    rate = params.pop("learning_rate", None)
    if isinstance(rate, dict):
        rate = dict(rate)
        schedule = rate.pop("name", "constant")
        rate = ExponentialDecay(**rate) if schedule == "exponential_decay" else Constant(**rate)
    try:
        return OPTIMIZERS[name](rate, **params)
    except TypeError as e:
        raise ValueError(f"bad parameters for optimizer {name!r}: {e}") from None


def _positive(value: float, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not value > 0 or not np.isfinite(value):
        raise ValueError(f"{name} must be a positive number, got {value}")
    return value

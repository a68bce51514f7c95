"""A fully connected feed-forward network, trained by backpropagation, in NumPy only.

Notation (Nielsen's, with one row per sample instead of one column):

    a[0] = x                                   the input batch, (n, sizes[0])
    z[l] = a[l-1] @ W[l] + b[l]                the weighted input of layer l, (n, sizes[l])
    a[l] = f_l(z[l])                           its activation
    delta[L] = dC/dz[L]                        from the cost (fused a - y for cross-entropy)
    delta[l] = f_l'(z[l]) * (delta[l+1] @ W[l+1].T)     backpropagation
    dC/dW[l] = a[l-1].T @ delta[l],  dC/db[l] = sum of delta[l] over the batch

W[l] is (sizes[l-1], sizes[l]), the layout of a Keras Dense kernel, so the same
numbers can be copied between the two libraries. In code, layers are indexed
from 0: `weights[0]` is W[1].

The whole mini-batch goes through each step at once: one matrix product per
layer and direction, no Python loop over samples. Training reuses preallocated
buffers (see `_Workspace`) and computes activations in place, because at
784-800-800-10 the time is in the matrix products, and every extra copy or
allocation shows in the benchmark.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratch import checks
from scratch.activations import Activation, Softmax, get_activation
from scratch.costs import Cost, get_cost
from scratch.initializers import initial_parameters
from scratch.optimizers import Optimizer
from scratch.history import History
from scratch.training import Augment, Evaluation, train


class Network:
    """A feed-forward network of fully connected layers.

    sizes: units per layer, input first, e.g. [784, 30, 10].
    activations: one name for every layer ("sigmoid"), or one per layer after the input
        (["relu", "relu", "softmax"]). Names: sigmoid, tanh, relu, leaky_relu, linear, softmax.
    cost: "quadratic" or "cross_entropy" (needs a softmax or sigmoid output).
    init: "standard_normal" (Nielsen's large), "normal_scaled" (N(0, 1/n_in)), "he", "glorot".
    dropout_input, dropout_hidden: fraction of input / hidden units dropped in training
        (inverted dropout: kept units are scaled up, so nothing changes at inference).
    max_norm: if set, each unit's vector of incoming weights is rescaled after every update
        so its length is at most this.
    seed: makes initialisation and training reproducible.
    dtype: float32 (fast, the default) or float64 (for gradient checking).
    """

    def __init__(self, sizes: Sequence[int], *, activations: str | Sequence[str | dict] = "sigmoid",
                 cost: str | Cost = "cross_entropy", init: str = "normal_scaled", seed: int = 0,
                 dropout_input: float = 0.0, dropout_hidden: float = 0.0, max_norm: float | None = None,
                 dtype: type | np.dtype | str = np.float32) -> None:
        self.sizes = checks.layer_sizes(sizes)
        self.activations = checks.activation_list(activations, len(self.sizes) - 1, get_activation)
        self.cost = get_cost(cost)
        self.cost.check_output(self.activations[-1])
        for layer, act in enumerate(self.activations[:-1], start=1):
            if isinstance(act, Softmax):
                raise ValueError(f"softmax is for the output layer only, but layer {layer} (hidden) uses it")
        self.init = init
        self.seed = checks.seed(seed)
        self.dropout_input = checks.rate(dropout_input, "dropout_input")
        self.dropout_hidden = checks.rate(dropout_hidden, "dropout_hidden")
        self.max_norm = None if max_norm is None else checks.positive(max_norm, "max_norm")
        self.dtype = checks.float_dtype(dtype)
        rng = np.random.default_rng(self.seed)
        self.weights, self.biases = initial_parameters(self.sizes, init, rng, self.dtype)
        self.history_: History | None = None
        self.hyperparameters_: dict = {}
        self.metadata: dict = {}   # free-form facts saved with the network (a builder's name, metrics...)
        self._workspaces: dict[int, _Workspace] = {}
        self._fits = 0

    # --- the math, one step per method ----------------------------------------------------------

    def feedforward(self, x: np.ndarray) -> np.ndarray:
        """Output activations (n, sizes[-1]) for inputs x (n, sizes[0]); no dropout, no checks."""
        return self._logits_and_output(x)[1]

    def _logits_and_output(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(z[L], a[L]) for a batch: the output layer's weighted input and activation."""
        a = x
        last = len(self.weights) - 1
        for l, (w, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            z = a @ w
            z += b
            a = act.forward(z.copy() if l == last else z)   # keep z[L] for the cost
        return z, a

    def _forward(self, x: np.ndarray, ws: _Workspace, rng: np.random.Generator | None) -> np.ndarray:
        """Feed a training batch forward, keeping in `ws` what backpropagation needs.

        With `rng`, dropout is applied: `ws.inputs[l]` is what layer l received (after
        dropout of the previous layer), `ws.outputs[l]` its activation before dropout
        (the derivative needs it), and `ws.masks[l]` the scaled keep-mask.
        Returns the output activations a[L].
        """
        ws.inputs[0] = self._drop(x, ws.input_mask, ws.dropped_input, self.dropout_input, rng)
        last = len(self.weights) - 1
        for l, (w, b, act) in enumerate(zip(self.weights, self.biases, self.activations)):
            z = ws.outputs[l]
            np.matmul(ws.inputs[l], w, out=z)
            z += b
            if l == last:
                np.copyto(ws.logits, z)        # the cost's stable form needs z[L]
            a = act.forward(z)                 # in place: z's buffer now holds a[l]
            if l < last:
                ws.inputs[l + 1] = self._drop(a, ws.masks[l], ws.dropped[l], self.dropout_hidden, rng)
        return ws.outputs[last]

    @staticmethod
    def _drop(a: np.ndarray, mask: np.ndarray | None, out: np.ndarray | None, rate: float,
              rng: np.random.Generator | None) -> np.ndarray:
        """Inverted dropout: zero each unit with probability `rate`, scale the rest by 1/(1 - rate)."""
        if rng is None or rate == 0.0:
            return a
        rng.random(out=mask, dtype=mask.dtype)
        np.greater_equal(mask, rate, out=mask)      # True/False as 1.0/0.0 in place
        mask *= 1.0 / (1.0 - rate)
        return np.multiply(a, mask, out=out)

    def _backward(self, delta: np.ndarray, ws: _Workspace, *, to_input: bool = False) -> np.ndarray | None:
        """Backpropagate the output error delta[L] = dC/dz[L] (n, sizes[-1]).

        Fills ws.grad_w / ws.grad_b with dC/dW and dC/db for every layer. With
        `to_input`, also returns dC/dx (n, sizes[0]) (what `imagine` descends).
        """
        for l in range(len(self.weights) - 1, -1, -1):
            np.matmul(ws.inputs[l].T, delta, out=ws.grad_w[l])
            np.sum(delta, axis=0, out=ws.grad_b[l])
            if l == 0 and not to_input:
                break
            grad_a = np.matmul(delta, self.weights[l].T, out=ws.grad_a[l])   # dC/d(input of layer l)
            if l == 0:
                if ws.input_mask is not None:
                    grad_a *= ws.input_mask
                return grad_a
            if ws.masks[l - 1] is not None:
                grad_a *= ws.masks[l - 1]            # dropped units passed nothing on
            delta = self.activations[l - 1].backward(ws.outputs[l - 1], grad_a)
        return None

    def gradients(self, x: np.ndarray, y: np.ndarray, weight_decay: float = 0.0
                  ) -> tuple[list[np.ndarray], list[np.ndarray], float]:
        """dC/dW, dC/db (copies) and the cost C for one batch, dropout off.

        x: (n, sizes[0]) inputs; y: (n,) integer labels. C is the batch-mean cost
        plus weight_decay / 2 * (sum of squared weights), the L2 penalty. This is what
        the gradient check and the Keras parity test compare against.
        """
        ws, cost, _ = self._backprop_batch(x, y, to_input=False)
        grad_w = [g.copy() for g in ws.grad_w]
        if weight_decay:
            cost += 0.5 * weight_decay * sum(float(np.sum(w * w)) for w in self.weights)
            for g, w in zip(grad_w, self.weights):
                g += weight_decay * w
        return grad_w, [g.copy() for g in ws.grad_b], cost

    def input_gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        """dC/dx (n, sizes[0]) and the cost, dropout off: how each input pixel should change
        to make the network output label y more strongly (descend it) or less (ascend it)."""
        ws, cost, grad_x = self._backprop_batch(x, y, to_input=True)
        return grad_x.copy(), cost

    def _backprop_batch(self, x, y, *, to_input: bool) -> tuple[_Workspace, float, np.ndarray | None]:
        x = np.ascontiguousarray(np.asarray(x, dtype=self.dtype).reshape(len(x), -1))
        if x.shape[1] != self.sizes[0]:
            raise ValueError(f"x has {x.shape[1]} values per sample, the input layer has {self.sizes[0]} units")
        target = checks.one_hot(y, len(x), self.sizes[-1], self.dtype)
        ws = _Workspace(self, len(x), training=False)
        output = self._forward(x, ws, rng=None)
        cost = self.cost.value(ws.logits, output, target, self.activations[-1])
        grad_x = self._backward(self.cost.output_delta(ws.logits, output, target, self.activations[-1]), ws,
                                to_input=to_input)
        return ws, float(cost), grad_x

    def _apply_max_norm(self) -> None:
        """Rescale each unit's incoming weight vector (a column of W) to length <= max_norm."""
        for w in self.weights:
            norms = np.sqrt(np.einsum("ij,ij->j", w, w))
            too_long = norms > self.max_norm
            if too_long.any():
                w[:, too_long] *= self.max_norm / norms[too_long]

    # --- training -------------------------------------------------------------------------------

    def fit(self, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 32,
            optimizer: str | dict | Optimizer = "sgd", validation: tuple[np.ndarray, np.ndarray] | None = None,
            weight_decay: float = 0.0, early_stopping: int | None = None, augment: Augment | None = None,
            time_budget: float | None = None, verbose: bool = True) -> History:
        """Train by mini-batch gradient descent; returns (and keeps as `history_`) the History.

        x: float images (n, 28, 28) or (n, 784) in [0, 1]; y: integer labels (n,).
        optimizer: an Optimizer (see scratch.optimizers) or a name with default settings.
        validation: (x_val, y_val), evaluated after every epoch. With it, the weights of the
            best epoch (by validation accuracy) are the ones kept at the end.
        weight_decay: L2 regularisation strength lambda (cost + lambda/2 * sum W^2).
        early_stopping: stop after this many epochs without a better validation accuracy.
        augment: a function (batch (m, sizes[0]), rng) -> batch of the same shape, applied to
            every training mini-batch (e.g. random shifts), so each epoch sees new variants.
        time_budget: seconds; training stops at the end of the epoch that exceeds it.
        verbose: a progress bar per epoch, with rate and ETA.

        Raises TrainingDiverged if the cost becomes NaN/infinite or explodes, or the weights do
        (see scratch.training.COST_GROWTH_LIMIT); the weights of the last good epoch (with
        validation data, the best one) are kept. Ctrl-C stops training, keeps the best weights
        so far, and raises TrainingInterrupted (a KeyboardInterrupt carrying the history) so the
        caller can save a checkpoint. The loop itself is scratch.training.train, shared with Sequential.
        """
        return train(self, x, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer, validation=validation,
                     weight_decay=weight_decay, early_stopping=early_stopping, augment=augment,
                     time_budget=time_budget, verbose=verbose)

    # --- the protocol of scratch.training.train ----------------------------------------------------

    @property
    def classes(self) -> int:
        """The number of outputs (classes)."""
        return self.sizes[-1]

    def _checked_data(self, x, y, x_name: str = "x", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """x as (n, sizes[0]) of the network's dtype and y as int64 labels, or a ValueError saying what is wrong."""
        x = checks.inputs(x, self.sizes[0], self.dtype, name=x_name)
        return x, checks.labels(y, len(x), self.sizes[-1], name=y_name)

    def _train_batch(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer, rate: float,
                     weight_decay: float, rng: np.random.Generator | None) -> tuple[float, int]:
        """One step of gradient descent on a mini-batch; returns (mean cost, number correct)."""
        ws = self._workspace(len(x))
        target = ws.one_hot(y)
        output = self._forward(x, ws, rng)
        cost = self.cost.value(ws.logits, output, target, self.activations[-1])
        hits = int(np.count_nonzero(output.argmax(axis=1) == y))
        delta = self.cost.output_delta(ws.logits, output, target, self.activations[-1])
        # Backpropagation is linear in the output error, so scaling this (n, classes) matrix by the rate
        # gives lr * dC/dW everywhere below it for free, and the optimizer skips a pass over 1.3 M weights.
        scale = rate if optimizer.linear else 1.0
        if optimizer.linear:
            delta *= rate
        self._backward(delta, ws)
        if weight_decay:
            for g, w in zip(ws.grad_w, self.weights):
                g += (scale * weight_decay) * w
        optimizer.step(self.weights + self.biases, ws.grad_w + ws.grad_b, 1.0 if optimizer.linear else rate)
        if self.max_norm is not None:
            self._apply_max_norm()
        return cost, hits

    def _workspace(self, n: int) -> _Workspace:
        if n not in self._workspaces:
            if len(self._workspaces) >= 4:      # a full and a last partial batch are all we need
                self._workspaces.clear()
            self._workspaces[n] = _Workspace(self, n, training=True)
        return self._workspaces[n]

    def _copy_parameters(self) -> list[np.ndarray]:
        return [p.copy() for p in self.weights + self.biases]

    def _set_parameters(self, params: list[np.ndarray]) -> None:
        n = len(self.weights)
        for p, saved in zip(self.weights + self.biases, params[:n] + params[n:]):
            np.copyto(p, saved)

    # --- using a trained network ----------------------------------------------------------------

    def predict_proba(self, x: np.ndarray, batch_size: int = 1024) -> np.ndarray:
        """Output activations (n, classes): probabilities for a softmax output; for a sigmoid
        output, one independent score in (0, 1) per class. x as for `fit`."""
        x = checks.inputs(x, self.sizes[0], self.dtype)
        return np.concatenate([self.feedforward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The predicted class of each sample, (n,) int."""
        return self.predict_proba(x).argmax(axis=1)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 1024) -> Evaluation:
        """Accuracy and mean cost on (x, y), dropout off."""
        x = checks.inputs(x, self.sizes[0], self.dtype)
        y = checks.labels(y, len(x), self.sizes[-1])
        correct, cost = 0, 0.0
        for i in range(0, len(x), batch_size):
            xb, yb = x[i:i + batch_size], y[i:i + batch_size]
            logits, output = self._logits_and_output(xb)
            target = checks.one_hot(yb, len(yb), self.sizes[-1], self.dtype)
            cost += float(self.cost.per_sample(logits, output, target, self.activations[-1]).sum())
            correct += int(np.count_nonzero(output.argmax(axis=1) == yb))
        return Evaluation(correct / len(x), cost / len(x))

    @property
    def parameter_count(self) -> int:
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases))

    def describe(self) -> str:
        """e.g. '784-800-800-10, relu/relu/softmax, cross_entropy'."""
        return (f"{'-'.join(map(str, self.sizes))}, {'/'.join(a.name for a in self.activations)}, "
                f"{self.cost.name}")

    def save(self, path) -> None:
        """Write `path` (.json, human-readable) and its weights (.npz beside it), atomically."""
        from scratch.persistence import save
        save(self, path)

    def __repr__(self) -> str:
        return f"Network({self.describe()})"


class _Workspace:
    """Buffers for one batch size, reused by every training step (no allocation per batch)."""

    def __init__(self, net: Network, n: int, *, training: bool) -> None:
        dt, sizes = net.dtype, net.sizes
        hidden = sizes[1:-1]
        drop_hidden = training and net.dropout_hidden > 0
        drop_input = training and net.dropout_input > 0
        self.outputs = [np.empty((n, s), dt) for s in sizes[1:]]          # z, then a, of each layer
        self.inputs: list[np.ndarray | None] = [None] * (len(sizes) - 1)  # what each layer received
        self.logits = np.empty((n, sizes[-1]), dt)
        self.masks = [np.empty((n, s), dt) if drop_hidden else None for s in hidden]
        self.dropped = [np.empty((n, s), dt) if drop_hidden else None for s in hidden]
        self.input_mask = np.empty((n, sizes[0]), dt) if drop_input else None
        self.dropped_input = np.empty((n, sizes[0]), dt) if drop_input else None
        self.grad_w = [np.empty_like(w) for w in net.weights]
        self.grad_b = [np.empty_like(b) for b in net.biases]
        self.grad_a = [np.empty((n, s), dt) for s in sizes[:-1]]         # dC/d(input of each layer)
        self._one_hot = np.zeros((n, sizes[-1]), dt)

    def one_hot(self, y: np.ndarray) -> np.ndarray:
        return checks.fill_targets(self._one_hot, y)

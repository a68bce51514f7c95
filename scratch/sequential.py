"""A network as a sequence of layers (scratch.layers), such as a convolutional network.

    import scratch
    net = scratch.cnn(seed=0)          # conv-pool-conv-pool-dense-softmax, the twin of tf_models.models.cnn
    net.fit(x_train, y_train, epochs=3, batch_size=128, optimizer=scratch.Adam(0.001))
    net.predict(x_test); net.save("my_cnn.json"); scratch.load("my_cnn.json")

It has the API of scratch.Network (fit, predict_proba, predict, evaluate, gradients,
input_gradient, save) and trains with the same loop (scratch.training.train). The
forward pass hands the batch from layer to layer; backpropagation hands dC/d(output)
back from layer to layer, each layer storing its parameter gradients on the way:

    a = x;      a = layer.forward(a, training)        for each layer, first to last
    g = dC/dz;  g = layer.backward(g)                 for each layer, last to first

The output layer's activation and the cost are fused as in Network: for softmax with
cross-entropy, dC/dz = a - y, computed from the logits z for numerical stability.
Images come as (n, 28, 28) or (n, 28, 28, 1) floats in [0, 1]; outputs are (n, 10).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from scratch import checks
from scratch.activations import Softmax
from scratch.costs import Cost, get_cost
from scratch.history import History
from scratch.layers import (Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, MaxPool2D)
from scratch.optimizers import Optimizer
from scratch.training import Augment, Evaluation, train


class Sequential:
    """Layers applied one after the other; the last one (Dense or Activation) gives the output.

    layers: scratch.layers objects, not yet part of another model. Unnamed layers are
        named after their type and position ("dense_3"); names must be unique.
    cost: "cross_entropy" (softmax or sigmoid output) or "quadratic".
    input_shape: the shape of one sample, (28, 28, 1) for MNIST (channels last).
    seed: makes initialisation and training reproducible.
    dtype: float32 (fast, the default) or float64 (for gradient checking).
    """

    def __init__(self, layers: Sequence[Layer], *, cost: str | Cost = "cross_entropy",
                 input_shape: Sequence[int] = (28, 28, 1), seed: int = 0,
                 dtype: type | np.dtype | str = np.float32) -> None:
        self.layers = _checked_layers(layers)
        self.input_shape = _checked_shape(input_shape)
        self.cost = get_cost(cost)
        output = self.layers[-1]
        if not isinstance(output, (Dense, Activation)):
            raise ValueError(f"the last layer gives the output, so it must be Dense or Activation, "
                             f"got {type(output).__name__} {output.name!r}")
        self.cost.check_output(output.activation)
        for layer in self.layers[:-1]:
            if isinstance(getattr(layer, "activation", None), Softmax):
                raise ValueError(f"softmax is for the output layer only, but layer {layer.name!r} uses it")
        self.seed = checks.seed(seed)
        self.dtype = checks.float_dtype(dtype)
        rng = np.random.default_rng(self.seed)
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.build(shape, rng, self.dtype)
        if len(shape) != 1:
            raise ValueError(f"the output must be one score per class, got per-sample shape {shape}; "
                             f"end with Flatten and Dense layers")
        self.classes = shape[0]
        self._params = [p for layer in self.layers for p in layer.params]
        self._grads = [g for layer in self.layers for g in layer.grads]
        # Layers before the first one with parameters need no backward pass in training.
        self._first_trainable = next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        self.history_: History | None = None
        self.hyperparameters_: dict = {}
        self.metadata: dict = {}   # free-form facts saved with the network (a builder's name, metrics...)
        self._fits = 0

    @staticmethod
    def array_shapes(layers: Sequence[Layer], input_shape: Sequence[int]) -> dict[str, tuple[int, ...]]:
        """The shape of every array a model of these (unbuilt) layers would hold, by "layer/array"
        name, worked out from the settings alone: nothing is allocated (loading relies on it)."""
        shapes, shape = {}, _checked_shape(input_shape)
        for layer in _checked_layers(layers):
            for name, array_shape in layer.array_shapes(shape).items():
                shapes[f"{layer.name}/{name}"] = tuple(array_shape)
            shape = layer.output_shape(shape)
        return shapes

    # --- the math: forward through the layers, backward through them in reverse ----------------

    def _forward(self, x: np.ndarray, training: bool, rng: np.random.Generator | None = None) -> np.ndarray:
        """Output activations (n, classes) of a batch x (n, *input_shape). Dropout needs training and rng."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rng = rng
            x = layer.forward(x, training)
        return x

    def _backward(self, delta: np.ndarray, to_input: bool = False) -> np.ndarray | None:
        """Backpropagate delta = dC/dz of the output layer (n, classes), filling every layer's grads.

        With `to_input`, returns dC/dx (n, *input_shape); otherwise the first layers skip that product.
        """
        last, stop = len(self.layers) - 1, 0 if to_input else self._first_trainable
        grad = delta
        for i in range(last, stop - 1, -1):
            need_input_grad = to_input or i > stop
            layer = self.layers[i]
            grad = layer.backward_logits(grad, need_input_grad) if i == last else layer.backward(grad, need_input_grad)
        return grad

    def _cost_and_delta(self, output: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
        """The batch-mean cost and dC/dz of the output layer, from its logits z and activations."""
        out_layer = self.layers[-1]
        target = checks.one_hot(y, len(y), self.classes, self.dtype)
        cost = self.cost.value(out_layer.logits, output, target, out_layer.activation)
        return cost, self.cost.output_delta(out_layer.logits, output, target, out_layer.activation)

    def gradients(self, x: np.ndarray, y: np.ndarray, weight_decay: float = 0.0, *, training: bool = False
                  ) -> tuple[dict[str, np.ndarray], float]:
        """dC/d(every trained parameter) (copies) by "layer/parameter" name, e.g. "conv_1/kernel"
        (the names of Keras's variables), and the cost C, for one batch. Dropout is off.

        x: (n, *input_shape) or (n, pixels); y: (n,) integer labels. C is the batch-mean cost plus
        weight_decay / 2 * (sum of squared kernels). training: batch normalisation uses the batch's
        own statistics, as in a training step (its moving averages are left unchanged); otherwise
        the moving averages, as at inference.
        """
        x, y = self._batch(x, y)
        with self._statistics_kept():
            cost, delta = self._cost_and_delta(self._forward(x, training), y)
            self._backward(delta)
        grads = {}
        for layer in self.layers:
            for i, (name, param, grad) in enumerate(zip(layer.param_names, layer.params, layer.grads)):
                grads[f"{layer.name}/{name}"] = grad.copy()
                if weight_decay and i in layer.regularized:
                    cost += 0.5 * weight_decay * float(np.sum(param * param))
                    grads[f"{layer.name}/{name}"] += weight_decay * param
        return grads, cost

    def input_gradient(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
        """dC/dx (the shape of x) and the cost, in inference mode: how each input pixel should change
        to make the network output label y more strongly (descend it) or less (ascend it)."""
        shape = np.shape(x)
        x, y = self._batch(x, y)
        cost, delta = self._cost_and_delta(self._forward(x, training=False), y)
        return self._backward(delta, to_input=True).reshape(shape).copy(), cost

    @contextmanager
    def _statistics_kept(self) -> Iterator[None]:
        """Undo on exit whatever a training-mode forward pass did to the moving averages."""
        saved = [(a, a.copy()) for layer in self.layers for a in layer.state.values()]
        try:
            yield
        finally:
            for array, copy in saved:
                np.copyto(array, copy)

    def _batch(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """x, y for gradients: shapes checked, but not the pixel range (finite differences step outside it)."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim < 2 or x[0].size != math.prod(self.input_shape):
            raise ValueError(f"x must be a batch of shape (n, {', '.join(map(str, self.input_shape))}), "
                             f"got shape {x.shape}")
        return np.ascontiguousarray(x.reshape(len(x), *self.input_shape)), checks.labels(y, len(x), self.classes)

    # --- training (the protocol of scratch.training.train) --------------------------------------

    def fit(self, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 32,
            optimizer: str | dict | Optimizer = "sgd", validation: tuple[np.ndarray, np.ndarray] | None = None,
            weight_decay: float = 0.0, early_stopping: int | None = None, augment: Augment | None = None,
            time_budget: float | None = None, verbose: bool = True) -> History:
        """Train by mini-batch gradient descent; returns (and keeps as `history_`) the History.

        The arguments are Network.fit's. Batch normalisation uses each mini-batch's statistics and
        updates its moving averages; `augment` receives batches of shape (m, *input_shape).
        Weight decay shrinks kernels, not biases or batch-norm's gamma and beta.
        """
        return train(self, x, y, epochs=epochs, batch_size=batch_size, optimizer=optimizer, validation=validation,
                     weight_decay=weight_decay, early_stopping=early_stopping, augment=augment,
                     time_budget=time_budget, verbose=verbose)

    def _checked_data(self, x, y, x_name: str = "x", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
        x = self._checked_inputs(x, x_name)
        return x, checks.labels(y, len(x), self.classes, name=y_name)

    def _checked_inputs(self, x, name: str = "x") -> np.ndarray:
        """Images (n, 28, 28), (n, 28, 28, 1) or (n, 784), floats in [0, 1] -> (n, *input_shape) of our dtype."""
        x = checks.inputs(x, math.prod(self.input_shape), self.dtype, name=name)
        return x.reshape(len(x), *self.input_shape)

    def _train_batch(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer, rate: float,
                     weight_decay: float, rng: np.random.Generator | None) -> tuple[float, int]:
        """One step of gradient descent on a mini-batch; returns (mean cost, number correct)."""
        output = self._forward(x, training=True, rng=rng)
        cost, delta = self._cost_and_delta(output, y)
        hits = int(np.count_nonzero(output.argmax(axis=1) == y))
        self._backward(delta)
        if weight_decay:
            for layer in self.layers:
                for i in layer.regularized:
                    layer.grads[i] += weight_decay * layer.params[i]
        optimizer.step(self._params, self._grads, rate)
        return cost, hits

    def _arrays(self) -> list[np.ndarray]:
        return [a for layer in self.layers for a in layer.arrays().values()]

    def _copy_parameters(self) -> list[np.ndarray]:
        """Copies of every array, batch-norm's moving averages included (they are part of the function)."""
        return [a.copy() for a in self._arrays()]

    def _set_parameters(self, params: list[np.ndarray]) -> None:
        for array, saved in zip(self._arrays(), params, strict=True):
            np.copyto(array, saved)

    # --- using a trained network ----------------------------------------------------------------

    def predict_proba(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Output activations (n, classes): class probabilities for a softmax output."""
        x = self._checked_inputs(x)
        out = np.empty((len(x), self.classes), self.dtype)
        for i in range(0, len(x), batch_size):
            out[i:i + batch_size] = self._forward(x[i:i + batch_size], training=False)
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The predicted class of each sample, (n,) int."""
        return self.predict_proba(x).argmax(axis=1)

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 256) -> Evaluation:
        """Accuracy and mean cost on (x, y), in inference mode (moving averages, no dropout)."""
        x, y = self._checked_data(x, y)
        out_layer, correct, cost = self.layers[-1], 0, 0.0
        for i in range(0, len(x), batch_size):
            yb = y[i:i + batch_size]
            output = self._forward(x[i:i + batch_size], training=False)
            target = checks.one_hot(yb, len(yb), self.classes, self.dtype)
            cost += float(self.cost.per_sample(out_layer.logits, output, target, out_layer.activation).sum())
            correct += int(np.count_nonzero(output.argmax(axis=1) == yb))
        return Evaluation(correct / len(x), cost / len(x))

    def activations(self, x: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """Every layer's output (copies) for a batch, in inference mode: [(layer name, (n, ...)), ...],
        e.g. the feature maps of conv_1 as (n, 24, 24, 20), for looking at what the filters see."""
        a = self._checked_inputs(x)
        outputs = []
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rng = None
            a = layer.forward(a, training=False)
            outputs.append((layer.name, a.copy()))
        return outputs

    def get_layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}; the layers are {', '.join(l.name for l in self.layers)}")

    @property
    def parameter_count(self) -> int:
        """Every number of the model, batch-norm's moving averages included (like Keras's count)."""
        return sum(a.size for a in self._arrays())

    @property
    def trainable_parameter_count(self) -> int:
        return sum(p.size for p in self._params)

    def describe(self) -> str:
        """One line, like a diagram: the layers that compute (convolution, pooling, dense) in order, then
        what the others add. e.g. 'conv 20@5x5 - max-pool 2x2 - ... - dense 10 softmax; batch-norm, relu,
        dropout 0.5; cross_entropy'. `summary()` lists every layer."""
        main = [layer.describe() for layer in self.layers if isinstance(layer, (Conv2D, MaxPool2D, Dense))]
        extras = list(dict.fromkeys(layer.describe() for layer in self.layers
                                    if not isinstance(layer, (Conv2D, MaxPool2D, Dense, Flatten))))
        return f"{' - '.join(main)}; {', '.join(extras)}; {self.cost.name}" if extras else \
            f"{' - '.join(main)}; {self.cost.name}"

    def summary(self) -> str:
        """A table of the layers: name, type, output shape, number of arrays' values."""
        lines = [f"{'layer':<12} {'type':<20} {'output':<16} {'numbers':>8}"]
        shape = self.input_shape
        for layer in self.layers:
            shape = layer.output_shape(shape)
            count = sum(a.size for a in layer.arrays().values())
            lines.append(f"{layer.name:<12} {type(layer).__name__:<20} {str(shape):<16} {count:>8}")
        lines.append(f"total: {self.parameter_count} ({self.trainable_parameter_count} trained)")
        return "\n".join(lines)

    def save(self, path) -> None:
        """Write `path` (.json, human-readable) and its arrays (.npz beside it), atomically."""
        from scratch.persistence import save
        save(self, path)

    def __repr__(self) -> str:
        return f"Sequential({self.describe()})"


def cnn(filters: tuple[int, ...] = (20, 40), kernel_size: int = 5, dense: int = 100, dropout: float = 0.5,
        batch_norm: bool = True, seed: int = 0, dtype: type | np.dtype | str = np.float32) -> Sequential:
    """The twin of tf_models.models.cnn: conv 20@5x5 - pool 2 - conv 40@5x5 - pool 2 - dense 100 -
    softmax 10 (Nielsen's chapter 6), with batch normalisation after each convolution and the dense
    layer, and dropout before the output. Same layers, names and initialisation distributions as
    the Keras model, so weights copy across by name (workbench.models.cnn_twins).
    """
    layers: list[Layer] = []
    for i, n in enumerate(filters, start=1):
        layers.append(Conv2D(n, kernel_size, use_bias=not batch_norm, kernel_initializer="he_normal", name=f"conv_{i}"))
        if batch_norm:
            layers.append(BatchNormalization(name=f"norm_{i}"))   # its beta makes a conv bias redundant
        layers += [Activation("relu", name=f"relu_{i}"), MaxPool2D(2, name=f"pool_{i}")]
    layers += [Flatten(name="features"),
               Dense(dense, use_bias=not batch_norm, kernel_initializer="he_normal", name="dense")]
    if batch_norm:
        layers.append(BatchNormalization(name="norm_dense"))
    layers += [Activation("relu", name="relu_dense"), Dropout(dropout, name="drop_dense"),
               Dense(10, activation="softmax", kernel_initializer="glorot_uniform", name="digit")]
    return Sequential(layers, cost="cross_entropy", input_shape=(28, 28, 1), seed=seed, dtype=dtype)


def _checked_layers(layers) -> list[Layer]:
    try:
        layers = list(layers)
    except TypeError:
        raise ValueError(f"layers must be a list of scratch.layers objects, got {type(layers).__name__}") from None
    if not layers:
        raise ValueError("a Sequential model needs at least one layer")
    names = set()
    for i, layer in enumerate(layers, start=1):
        if not isinstance(layer, Layer):
            raise ValueError(f"layer {i} is a {type(layer).__name__}, not a scratch.layers layer")
        if layer.input_shape is not None or sum(l is layer for l in layers) > 1:
            raise ValueError(f"layer {i} ({layer!r}) is already part of a model; make a new one")
        if layer.name is None:
            layer.name = f"{layer.kind}_{i}"
        if layer.name in names:
            raise ValueError(f"two layers are named {layer.name!r}; names must be unique")
        names.add(layer.name)
    return layers


def _checked_shape(shape) -> tuple[int, ...]:
    try:
        out = tuple(checks.count(s, "input_shape") for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"input_shape must be positive whole numbers such as (28, 28, 1), got {shape!r}") from None
    if not out:
        raise ValueError("input_shape is empty")
    return out

"""Using a trained Keras model quickly and quietly: outputs, the input gradient, hidden activations.

`model(x)` in eager mode costs milliseconds per call, and `model.predict` retraces
(and warns) for every new batch size. Each function here is one `tf.function`
with a fixed input signature (any batch size of 28x28 images), traced once per
model, so one image takes a fraction of a millisecond and nothing is printed.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tf_models.models import cross_entropy, half_sum_squared_error

IMAGES = tf.TensorSpec(shape=(None, 28, 28), dtype=tf.float32)
LABELS = tf.TensorSpec(shape=(None,), dtype=tf.int32)


def cost_of(model: keras.Model):
    """The cost a model was trained with, read from its output: cross-entropy after a softmax,
    Nielsen's quadratic cost after a sigmoid."""
    activation = keras.activations.serialize(model.layers[-1].activation)
    activation = activation if isinstance(activation, str) else activation.get("config", activation)
    return cross_entropy if activation == "softmax" else half_sum_squared_error


class CompiledModel:
    """One Keras model behind three compiled functions. Inputs are float32 (n, 28, 28) in [0, 1]."""

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.input_shape = tuple(model.input_shape[1:])     # (28, 28), (784,) or (28, 28, 1)
        cost = cost_of(model)

        def as_input(x):
            return tf.reshape(x, (-1,) + self.input_shape)

        @tf.function(input_signature=[IMAGES])
        def outputs(x):
            return model(as_input(x), training=False)

        @tf.function(input_signature=[IMAGES, LABELS])
        def input_gradient(x, labels):
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_mean(cost(labels, model(as_input(x), training=False)))
            return tape.gradient(loss, x), loss

        hidden = [layer for layer in model.layers[1:-1] if _shows_activity(layer)]
        self.hidden_names = [layer.name for layer in hidden]
        probe = keras.Model(model.inputs, [layer.output for layer in hidden]) if hidden else None

        @tf.function(input_signature=[IMAGES])
        def hidden_outputs(x):
            return probe(as_input(x), training=False)

        self._outputs, self._input_gradient = outputs, input_gradient
        self._hidden = hidden_outputs if probe is not None else None

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(n, 28, 28) -> (n, 10) float32 output activations; large batches go 1,000 at a time."""
        parts = [self._outputs(tf.constant(images[i:i + 1000])).numpy() for i in range(0, len(images), 1000)]
        return np.concatenate(parts) if parts else np.zeros((0, 10), np.float32)

    def input_gradient(self, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        """dC/dx (n, 28, 28) of the batch-mean training cost for `labels`, and that cost."""
        grad, loss = self._input_gradient(tf.constant(images), tf.constant(labels, dtype=tf.int32))
        return grad.numpy(), float(loss)

    def hidden_activations(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(layer name, its output for the batch) for every non-linearity between input and output: Dense and
        Conv2D layers with a non-linear activation, and Activation layers (the rule of every adapter)."""
        if self._hidden is None:
            return []
        outputs = self._hidden(tf.constant(images))
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return [(name, out.numpy()) for name, out in zip(self.hidden_names, outputs)]


def _shows_activity(layer: keras.layers.Layer) -> bool:
    """A non-linearity: an Activation/ReLU layer, or a Dense/Conv2D layer with a non-linear activation."""
    if isinstance(layer, (keras.layers.Dense, keras.layers.Conv2D)):
        return keras.activations.serialize(layer.activation) not in ("linear",)
    return isinstance(layer, (keras.layers.Activation, keras.layers.ReLU))

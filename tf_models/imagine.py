"""`imagine(model, digit)` for Keras models: the same descent as scratch's, with tf.GradientTape
providing dC/dx where the scratch networks backpropagate by hand."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tf_models.models import half_sum_squared_error
from scratch.dream import dream


def imagine(model: keras.Model, digit: int, **options) -> np.ndarray:
    """A (28, 28) float32 image in [0, 1] that `model` classifies as `digit` with low cost.

    The cost is the one the model was trained with: cross-entropy for a softmax
    output, Nielsen's quadratic cost for a sigmoid output.
    options: steps, step_size, l2, blur_every, blur_sigma, seed (see scratch.dream.dream).
    """
    classes = int(model.output_shape[-1])
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < classes:
        raise ValueError(f"digit must be a whole number from 0 to {classes - 1}, got {digit!r}")
    label = tf.constant([digit])
    output_activation = keras.activations.serialize(model.layers[-1].activation)
    cost = keras.losses.sparse_categorical_crossentropy if output_activation == "softmax" else half_sum_squared_error

    @tf.function(reduce_retracing=True)
    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_mean(cost(label, model(x, training=False)))
        return tape.gradient(loss, x), loss

    def input_gradient(x: np.ndarray) -> tuple[np.ndarray, float]:
        grad, loss = gradient(tf.constant(x.reshape(1, 28, 28)))
        return grad.numpy(), float(loss)

    return dream(input_gradient, **options)

"""The Keras models, each made by a function of its hyperparameters and returned compiled.

The two MLPs are the twins of the scratch networks: same layers, same
initialisation distributions, same cost and the same optimizer formulas, so
a difference in results comes from the framework, not the recipe. Inputs are
(n, 28, 28) float32 images in [0, 1], like every model in the workbench.

Losses are paired with outputs deliberately: the softmax output goes with
categorical cross-entropy on probabilities (from_logits=False, because the
model outputs probabilities), the sigmoid output with Nielsen's quadratic cost.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="digit_workbench")
def half_sum_squared_error(y_true, y_pred):
    """Nielsen's quadratic cost C = 1/2 ||a - y||^2 per sample, for integer labels y.

    Keras's own MeanSquaredError averages over the ten outputs instead of summing
    half of them: the same minimum, but gradients five times smaller, so Nielsen's
    learning rate of 3.0 would mean something else.
    """
    one_hot = ops.one_hot(ops.cast(ops.reshape(y_true, (-1,)), "int32"), ops.shape(y_pred)[-1])
    return 0.5 * ops.sum(ops.square(y_pred - ops.cast(one_hot, y_pred.dtype)), axis=-1)


def _normal_fan_in(scale: float, seed: int) -> keras.initializers.Initializer:
    """N(0, scale / n_in): scratch's "normal_scaled" (scale 1) and "he" (scale 2), untruncated like them."""
    return keras.initializers.VarianceScaling(scale, mode="fan_in", distribution="untruncated_normal", seed=seed)


def mlp_small(*, hidden: int = 30, learning_rate: float = 3.0, seed: int = 0) -> keras.Model:
    """784-30-10, sigmoid everywhere, quadratic cost, plain SGD: Nielsen's network.py recipe."""
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten(name="pixels")(inputs)
    x = layers.Dense(hidden, activation="sigmoid", name="hidden",
                     kernel_initializer=_normal_fan_in(1.0, seed),
                     bias_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=seed + 1))(x)
    outputs = layers.Dense(10, activation="sigmoid", name="digit",
                           kernel_initializer=_normal_fan_in(1.0, seed + 2),
                           bias_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=seed + 3))(x)
    model = keras.Model(inputs, outputs, name="mlp_small")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
                  loss=half_sum_squared_error,
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def mlp_large(*, hidden: tuple[int, ...] = (800, 800), dropout_input: float = 0.2, dropout_hidden: float = 0.5,
              max_norm: float | None = 4.0, learning_rate: float = 0.05, momentum: float = 0.9,
              nesterov: bool = False, seed: int = 0) -> keras.Model:
    """784-800-800-10, ReLU, softmax, cross-entropy, dropout and max-norm, momentum SGD.

    Dropout 0.2 on the pixels and 0.5 on hidden units with max-norm 4 on incoming
    weights is the recipe of Srivastava et al. (2014). The per-epoch learning-rate
    decay is a training setting (tf_models.training.fit), not part of the model.
    """
    constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten(name="pixels")(inputs)
    x = layers.Dropout(dropout_input, seed=seed, name="drop_pixels")(x)
    for i, units in enumerate(hidden, start=1):
        x = layers.Dense(units, activation="relu", name=f"hidden_{i}",
                         kernel_initializer=_normal_fan_in(2.0, seed + i), kernel_constraint=constraint)(x)
        x = layers.Dropout(dropout_hidden, seed=seed + 100 + i, name=f"drop_hidden_{i}")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit",
                           kernel_initializer=_normal_fan_in(2.0, seed + 99), kernel_constraint=constraint)(x)
    model = keras.Model(inputs, outputs, name="mlp_large")
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


def cnn(*, filters: tuple[int, int] = (20, 40), kernel_size: int = 5, dense: int = 100, dropout: float = 0.5,
        batch_norm: bool = True, learning_rate: float = 0.001, seed: int = 0) -> keras.Model:
    """conv 20@5x5 - pool 2 - conv 40@5x5 - pool 2 - dense 100 - softmax 10 (Nielsen's book, chapter 6).

    Modern details, on by default: batch normalisation after each convolution and
    the dense layer (faster, steadier training) and Adam. Dropout before the output.
    """
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Reshape((28, 28, 1), name="one_channel")(inputs)
    for i, n in enumerate(filters, start=1):
        x = layers.Conv2D(n, kernel_size, use_bias=not batch_norm, name=f"conv_{i}",
                          kernel_initializer=keras.initializers.HeNormal(seed=seed + i))(x)
        if batch_norm:
            x = layers.BatchNormalization(name=f"norm_{i}")(x)
        x = layers.Activation("relu", name=f"relu_{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool_{i}")(x)
    x = layers.Flatten(name="features")(x)
    x = layers.Dense(dense, use_bias=not batch_norm, name="dense",
                     kernel_initializer=keras.initializers.HeNormal(seed=seed + 10))(x)
    if batch_norm:
        x = layers.BatchNormalization(name="norm_dense")(x)
    x = layers.Activation("relu", name="relu_dense")(x)
    x = layers.Dropout(dropout, seed=seed + 11, name="drop_dense")(x)
    outputs = layers.Dense(10, activation="softmax", name="digit",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 12))(x)
    model = keras.Model(inputs, outputs, name="cnn")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


MODELS = {"mlp_small": mlp_small, "mlp_large": mlp_large, "cnn": cnn}


def parameter_count(model: keras.Model) -> int:
    """Trainable and non-trainable weights (batch-norm statistics included)."""
    return int(sum(math.prod(w.shape) for w in model.weights))

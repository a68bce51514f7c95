"""The Keras models, each made by a function of its hyperparameters and returned uncompiled
(`compile_model` adds the optimizer and loss, `optimizer_from` reads the recipes' optimizer settings).

The MLPs and the CNN are the twins of the scratch networks: same layers, same
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

from scratch.checks import NO_CLASS      # -1: the label of a drawing that is no digit


def desired_outputs(y_true, y_pred):
    """The desired outputs (n, classes) of integer labels y_true: one-hot rows, and for a NO_CLASS label
    a uniform row (1 / classes each), so that a drawing that is no digit teaches the network to spread
    its answer instead of being sure of one digit (outlier exposure). As scratch.checks.one_hot."""
    labels = ops.cast(ops.reshape(y_true, (-1,)), "int32")
    classes = ops.shape(y_pred)[-1]
    one_hot = ops.cast(ops.one_hot(ops.maximum(labels, 0), classes), y_pred.dtype)
    uniform = ops.ones_like(y_pred) / ops.cast(classes, y_pred.dtype)
    return ops.where(ops.expand_dims(labels == NO_CLASS, -1), uniform, one_hot)


@keras.saving.register_keras_serializable(package="digit_workbench")
def half_sum_squared_error(y_true, y_pred):
    """Nielsen's quadratic cost C = 1/2 ||a - y||^2 per sample, for integer labels y.

    Keras's own MeanSquaredError averages over the ten outputs instead of summing
    half of them: the same minimum, but gradients five times smaller, so Nielsen's
    learning rate of 3.0 would mean something else.
    """
    return 0.5 * ops.sum(ops.square(y_pred - desired_outputs(y_true, y_pred)), axis=-1)


@keras.saving.register_keras_serializable(package="digit_workbench")
def cross_entropy(y_true, y_pred):
    """The cross-entropy -sum y log a per sample of softmax outputs a, for integer labels y (NO_CLASS: uniform y).

    Keras's SparseCategoricalCrossentropy, except that it accepts the NO_CLASS label."""
    return keras.losses.categorical_crossentropy(desired_outputs(y_true, y_pred), y_pred)


def _normal_fan_in(scale: float, seed: int) -> keras.initializers.Initializer:
    """N(0, scale / n_in): scratch's "normal_scaled" (scale 1) and "he" (scale 2), untruncated like them."""
    return keras.initializers.VarianceScaling(scale, mode="fan_in", distribution="untruncated_normal", seed=seed)


_INITIALIZERS = {   # scratch's init names -> (kernel, bias) initialisers with the same distributions
    "standard_normal": (lambda seed: keras.initializers.RandomNormal(stddev=1.0, seed=seed),
                        lambda seed: keras.initializers.RandomNormal(stddev=1.0, seed=seed)),
    "normal_scaled": (lambda seed: _normal_fan_in(1.0, seed),
                      lambda seed: keras.initializers.RandomNormal(stddev=1.0, seed=seed)),
    "he": (lambda seed: _normal_fan_in(2.0, seed), lambda seed: keras.initializers.Zeros()),
    "glorot": (lambda seed: keras.initializers.GlorotUniform(seed=seed), lambda seed: keras.initializers.Zeros()),
}


def mlp(*, sizes: list[int], activations: str | list[str] = "sigmoid", cost: str = "cross_entropy",
        init: str = "normal_scaled", dropout_input: float = 0.0, dropout_hidden: float = 0.0,
        max_norm: float | None = None, seed: int = 0) -> keras.Model:
    """The twin of `scratch.Network(sizes, ...)`: Dense layers of the same sizes, activations and initialisation.

    784-30-10 sigmoid with the quadratic cost is Nielsen's network.py; 784-800-800-10 ReLU/softmax with
    dropout 0.2 on the pixels, 0.5 on hidden units and max-norm 4 is Srivastava et al. (2014).
    Returned uncompiled: `compile_model` adds the optimizer and the loss that goes with `cost`.
    """
    if sizes[0] != 784 or sizes[-1] != 10:
        raise ValueError(f"the workbench's MLPs take 784 pixels and give 10 digits, got sizes {sizes}")
    if init not in _INITIALIZERS:
        raise ValueError(f"unknown init {init!r}; expected one of {', '.join(_INITIALIZERS)}")
    layer_count = len(sizes) - 1
    names = [activations] * layer_count if isinstance(activations, str) else list(activations)
    kernel_init, bias_init = _INITIALIZERS[init]
    constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None
    inputs = keras.Input(shape=(28, 28), name="image")
    x = layers.Flatten(name="pixels")(inputs)
    if dropout_input:
        x = layers.Dropout(dropout_input, seed=seed, name="drop_pixels")(x)
    for i, (units, activation) in enumerate(zip(sizes[1:], names), start=1):
        last = i == layer_count
        x = layers.Dense(units, activation=activation, name="digit" if last else f"hidden_{i}",
                         kernel_initializer=kernel_init(seed + 2 * i), bias_initializer=bias_init(seed + 2 * i + 1),
                         kernel_constraint=constraint)(x)
        if dropout_hidden and not last:
            x = layers.Dropout(dropout_hidden, seed=seed + 100 + i, name=f"drop_hidden_{i}")(x)
    model = keras.Model(inputs, x, name="mlp")
    model.cost = cost
    return model


def cnn(*, filters: tuple[int, int] = (20, 40), kernel_size: int = 5, dense: int = 100, dropout: float = 0.5,
        batch_norm: bool = True, seed: int = 0) -> keras.Model:
    """conv 20@5x5 - pool 2 - conv 40@5x5 - pool 2 - dense 100 - softmax 10 (Nielsen's book, chapter 6).

    Modern details, on by default: batch normalisation after each convolution and
    the dense layer (faster, steadier training). Dropout before the output.
    Returned uncompiled, like `mlp`; its cost is cross-entropy.
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
    model.cost = "cross_entropy"
    return model


def loss_for(cost: str):
    """The Keras loss of a scratch cost name, for integer labels and probability outputs."""
    if cost == "quadratic":
        return half_sum_squared_error
    if cost == "cross_entropy":
        return cross_entropy
    raise ValueError(f"unknown cost {cost!r}; expected quadratic or cross_entropy")


def optimizer_from(spec: dict) -> tuple[keras.optimizers.Optimizer, float | None]:
    """A Keras optimizer from the scratch optimizer's settings (the recipes' shared form), and the
    per-epoch learning-rate decay it asks for (None for a constant rate).

    spec: {"name": "sgd" | "momentum" | "rmsprop" | "adam", "learning_rate": number or
    {"name": "exponential_decay", "learning_rate": lr, "decay_rate": d}, and the optimizer's own settings}.
    """
    settings = dict(spec)
    name = settings.pop("name", None)
    rate = settings.pop("learning_rate", 0.001)
    decay = None
    if isinstance(rate, dict):
        decay = rate.get("decay_rate") if rate.get("name") == "exponential_decay" else None
        rate = rate["learning_rate"]
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate=rate), decay
    if name == "momentum":
        return keras.optimizers.SGD(learning_rate=rate, momentum=settings.get("momentum", 0.9),
                                    nesterov=settings.get("nesterov", False)), decay
    if name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=rate, rho=settings.get("rho", 0.9),
                                        epsilon=settings.get("epsilon", 1e-7)), decay
    if name == "adam":
        return keras.optimizers.Adam(learning_rate=rate, beta_1=settings.get("beta_1", 0.9),
                                     beta_2=settings.get("beta_2", 0.999),
                                     epsilon=settings.get("epsilon", 1e-7)), decay
    raise ValueError(f"unknown optimizer {name!r}; expected sgd, momentum, rmsprop or adam")


def compile_model(model: keras.Model, optimizer: keras.optimizers.Optimizer, cost: str) -> keras.Model:
    """Give a model its optimizer, the loss for `cost`, and the accuracy metric training reports."""
    model.compile(optimizer=optimizer, loss=loss_for(cost),
                  metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")])
    return model


MODELS = {"mlp": mlp, "cnn": cnn}


def parameter_count(model: keras.Model) -> int:
    """Trainable and non-trainable weights (batch-norm statistics included)."""
    return int(sum(math.prod(w.shape) for w in model.weights))

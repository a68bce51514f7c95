"""The scratch CNN and its Keras twin compute the same function: copy the numbers across by layer name.

`scratch.sequential.cnn()` and `tf_models.models.cnn()` name their layers alike (conv_1,
norm_1, ..., digit), and scratch names each array like the Keras variable ("conv_1/kernel",
"norm_1/moving_mean"), with the same layouts (kernels (kh, kw, in, out), channels-last
images). Copying is pairing the layers by name and the arrays by name; the checks make
sure everything pairs up (types, shapes, settings that change the function) before
anything is copied, so a mismatch is reported instead of silently giving another network.
"""

from __future__ import annotations

import keras
import numpy as np

from scratch import layers as scratch_layers
from scratch.sequential import Sequential

_KERAS_TYPES = {   # scratch layer class -> the Keras layer class of its twin
    scratch_layers.Conv2D: keras.layers.Conv2D,
    scratch_layers.BatchNormalization: keras.layers.BatchNormalization,
    scratch_layers.Dense: keras.layers.Dense,
}


def paired_arrays(net: Sequential, model: keras.Model) -> list[tuple[np.ndarray, keras.Variable]]:
    """(scratch array, Keras variable) for every array of either model; ValueError unless all pair up."""
    keras_layers = {layer.name: layer for layer in model.layers if layer.weights}
    scratch_with_arrays = [layer for layer in net.layers if layer.arrays()]
    pairs = []
    for layer in scratch_with_arrays:
        twin = keras_layers.get(layer.name)
        if twin is None:
            raise ValueError(f"the scratch layer {layer.name!r} has no Keras layer of that name with weights")
        expected = _KERAS_TYPES.get(type(layer))
        if expected is None or not isinstance(twin, expected):
            raise ValueError(f"layer {layer.name!r}: scratch {type(layer).__name__} cannot be paired with "
                             f"Keras {type(twin).__name__}")
        _check_settings(layer, twin)
        variables = {variable.path.split("/")[-1]: variable for variable in twin.weights}
        arrays = layer.arrays()
        if set(variables) != set(arrays):
            raise ValueError(f"layer {layer.name!r}: scratch has arrays {sorted(arrays)}, "
                             f"Keras has {sorted(variables)}")
        for name, array in arrays.items():
            if tuple(variables[name].shape) != array.shape:
                raise ValueError(f"layer {layer.name!r}: scratch {name} is {array.shape}, "
                                 f"Keras {name} is {tuple(variables[name].shape)}")
            pairs.append((array, variables[name]))
    missing = sorted(set(keras_layers) - {layer.name for layer in scratch_with_arrays})
    if missing:
        raise ValueError(f"the Keras model has weights in layers the scratch model lacks: {', '.join(missing)}")
    return pairs


def _check_settings(layer: scratch_layers.Layer, twin: keras.layers.Layer) -> None:
    """The settings that change what a layer computes, beyond its arrays' shapes."""
    if isinstance(layer, scratch_layers.Conv2D):
        if (tuple(twin.strides) != (1, 1) or twin.padding != "valid" or twin.data_format != "channels_last"
                or tuple(twin.dilation_rate) != (1, 1)):
            raise ValueError(f"layer {layer.name!r}: the scratch Conv2D is valid, stride 1, channels-last; Keras has "
                             f"padding={twin.padding}, strides={twin.strides}, data_format={twin.data_format}")
    if isinstance(layer, scratch_layers.BatchNormalization):
        if twin.axis not in (-1, len(twin.input.shape) - 1) or not np.isclose(twin.epsilon, layer.epsilon):
            raise ValueError(f"layer {layer.name!r}: epsilon {layer.epsilon} (last axis) in scratch, "
                             f"{twin.epsilon} (axis {twin.axis}) in Keras")
    if isinstance(layer, (scratch_layers.Conv2D, scratch_layers.Dense)):
        activation = keras.activations.serialize(twin.activation)
        activation = activation if isinstance(activation, str) else activation.get("config", activation)
        ours = getattr(layer, "activation", None)
        ours = ours.name if ours is not None else "linear"
        if activation != ours:
            raise ValueError(f"layer {layer.name!r}: scratch uses {ours}, Keras uses {activation}")


def scratch_cnn_to_keras(net: Sequential, model: keras.Model) -> None:
    """Copy every array of `net` (weights and batch-norm moving averages) into `model`, by name."""
    for array, variable in paired_arrays(net, model):
        variable.assign(array)


def keras_cnn_to_scratch(model: keras.Model, net: Sequential) -> None:
    """Copy every weight of `model` (batch-norm moving averages included) into `net`, by name."""
    for array, variable in paired_arrays(net, model):
        np.copyto(array, keras.ops.convert_to_numpy(variable))

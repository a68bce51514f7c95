"""Scratch and Keras compute the same function: copy the numbers across and see.

A scratch layer's W is (n_in, n_out), exactly a Keras Dense kernel, and its b is
the Dense bias, so copying is a matter of pairing the layers in order. The
checks make sure the pairing is right (same sizes, same activations) before
anything is copied, so a mismatch is reported instead of silently producing a
different network.
"""

from __future__ import annotations

import keras
import numpy as np

from scratch import Network


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The model's Dense layers, input side first (Flatten and Dropout carry no weights)."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def check_twins(net: Network, model: keras.Model) -> None:
    """Raise ValueError unless `model` has `net`'s layer sizes and activations."""
    dense = dense_layers(model)
    if len(dense) != len(net.weights):
        raise ValueError(f"the scratch network has {len(net.weights)} layers, the Keras model {len(dense)} Dense layers")
    for i, (layer, w, act) in enumerate(zip(dense, net.weights, net.activations), start=1):
        kernel = layer.get_weights()[0]
        if kernel.shape != w.shape:
            raise ValueError(f"layer {i}: scratch W is {w.shape}, Keras kernel {layer.name} is {kernel.shape}")
        keras_act = keras.activations.serialize(layer.activation)
        keras_act = keras_act if isinstance(keras_act, str) else keras_act.get("config", keras_act)
        if keras_act != act.name:
            raise ValueError(f"layer {i}: scratch uses {act.name}, Keras layer {layer.name} uses {keras_act}")


def scratch_to_keras(net: Network, model: keras.Model) -> None:
    """Copy every W and b of `net` into the matching Dense layers of `model`."""
    check_twins(net, model)
    for layer, w, b in zip(dense_layers(model), net.weights, net.biases):
        layer.set_weights([w, b])


def keras_to_scratch(model: keras.Model, net: Network) -> None:
    """Copy every Dense kernel and bias of `model` into `net`."""
    check_twins(net, model)
    for layer, w, b in zip(dense_layers(model), net.weights, net.biases):
        kernel, bias = layer.get_weights()
        np.copyto(w, kernel)
        np.copyto(b, bias)

"""The scratch (NumPy) framework behind the adapter interface: scratch.Network and scratch.Sequential."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import scratch
from scratch.files import ModelFileError
from scratch.history import History
from scratch.persistence import FORMAT, SEQUENTIAL_FORMAT, model_paths
from workbench.models.adapter import Adapter, Augment, ModelUnavailable, TrainingData
from workbench.models.recipe import Recipe


class ScratchAdapter(Adapter):
    framework = "scratch"
    file_formats = (FORMAT, SEQUENTIAL_FORMAT)
    weights_suffix = ".npz"

    def build(self, recipe: Recipe, seed: int) -> Any:
        settings = {k: v for k, v in recipe.architecture.items() if k != "kind"}
        if recipe.architecture["kind"] == "cnn":
            from scratch.sequential import cnn
            return cnn(**settings, seed=seed)
        sizes = settings.pop("sizes")
        return scratch.Network(sizes, **settings, seed=seed)

    def fit(self, model: Any, data: TrainingData, *, epochs: int, batch_size: int, optimizer: dict,
            augment: Augment | None, time_budget: float | None, seed: int, verbose: bool) -> History:
        return model.fit(data.x_train, data.y_train, epochs=epochs, batch_size=batch_size, optimizer=optimizer,
                         validation=(data.x_validation, data.y_validation), augment=augment,
                         time_budget=time_budget, verbose=verbose)

    def predict_proba(self, model: Any, images: np.ndarray) -> np.ndarray:
        return model.predict_proba(images)

    def input_gradient(self, model: Any, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        x = images.reshape(len(images), -1) if isinstance(model, scratch.Network) else images
        return model.input_gradient(x, labels)

    def hidden_activations(self, model: Any, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        if not isinstance(model, scratch.Network):
            # The adapters' common rule: the output of every non-linearity before the output layer.
            outputs = model.activations(images)
            return [(name, out) for layer, (name, out) in zip(model.layers[:-1], outputs[:-1])
                    if _is_nonlinearity(layer)]
        a, shown = images.reshape(len(images), -1).astype(model.dtype), []
        for layer, (w, b, activation) in enumerate(zip(model.weights[:-1], model.biases, model.activations),
                                                   start=1):
            a = activation.forward(a @ w + b)
            shown.append((f"hidden_{layer}", a))
        return shown

    def first_layer_weights(self, model: Any) -> np.ndarray | None:
        return model.weights[0] if isinstance(model, scratch.Network) else None

    def save(self, model: Any, path: Path, metadata: dict) -> Path:
        model.metadata = metadata
        model.save(path)
        return model_paths(path)[0]

    def load(self, path: Path) -> tuple[Any, dict]:
        try:
            model = scratch.load(path)
        except ModelFileError as e:
            raise ModelUnavailable(str(e)) from None
        return model, model.metadata

    def describe(self, model: Any) -> dict:
        return {"summary": model.describe(), "parameter_count": model.parameter_count}


def _is_nonlinearity(layer: Any) -> bool:
    """An Activation layer, or a Dense/Conv2D layer with a non-linear activation of its own."""
    from scratch.layers import Activation, Conv2D, Dense
    if isinstance(layer, Activation):
        return True
    activation = getattr(layer, "activation", None)      # scratch's Conv2D has none: ReLU is its own layer
    return isinstance(layer, (Dense, Conv2D)) and getattr(activation, "name", "linear") != "linear"

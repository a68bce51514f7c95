"""The Keras (TensorFlow) framework behind the adapter interface.

TensorFlow takes seconds to import, so nothing here imports it until a Keras model is
built or loaded; `unavailable_reason` finds out whether it is installed without importing it.
A Keras model travels as a `tf_models.CompiledModel`: the keras.Model plus compiled functions
for predicting and for gradients (fast, and no retracing warnings).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from scratch.history import History
from workbench.models.adapter import Adapter, Augment, ModelUnavailable, TrainingData
from workbench.models.recipe import Recipe


def tensorflow_installed() -> bool:
    """Whether TensorFlow can be imported, found out without importing it (which takes seconds)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):    # a broken install, or an import hook refusing it
        return False


class KerasAdapter(Adapter):
    framework = "tensorflow"
    file_formats = ("digit-workbench/keras-model",)
    weights_suffix = ".keras"
    loads_slowly = True
    loads_bare_weights = True      # a .keras file saved by hand is a whole model

    def unavailable_reason(self) -> str | None:
        if tensorflow_installed():
            return None
        return "TensorFlow is not installed (pip install tensorflow), so this Keras model cannot be used"

    def build(self, recipe: Recipe, seed: int) -> Any:
        import tf_models
        settings = {k: v for k, v in recipe.architecture.items() if k != "kind"}
        kind = recipe.architecture["kind"]
        model = tf_models.MODELS[kind](**settings, seed=seed)
        optimizer, _ = tf_models.optimizer_from(recipe.training["optimizer"])
        tf_models.compile_model(model, optimizer, settings.get("cost", "cross_entropy"))
        return tf_models.CompiledModel(model)

    def fit(self, model: Any, data: TrainingData, *, epochs: int, batch_size: int, optimizer: dict,
            augment: Augment | None, time_budget: float | None, seed: int, verbose: bool) -> History:
        import tf_models
        _, decay_rate = tf_models.optimizer_from(optimizer)
        return tf_models.fit(model.model, data.x_train, data.y_train, epochs=epochs, batch_size=batch_size,
                             validation=(data.x_validation, data.y_validation), decay_rate=decay_rate,
                             augment=augment, time_budget=time_budget, seed=seed, verbose=verbose)

    def predict_proba(self, model: Any, images: np.ndarray) -> np.ndarray:
        return model.predict_proba(images)

    def input_gradient(self, model: Any, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        return model.input_gradient(images, labels)

    def hidden_activations(self, model: Any, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        return model.hidden_activations(images)

    def first_layer_weights(self, model: Any) -> np.ndarray | None:
        import keras
        dense = [layer for layer in model.model.layers if isinstance(layer, keras.layers.Dense)]
        if not dense or any(isinstance(layer, keras.layers.Conv2D) for layer in model.model.layers):
            return None
        kernel = dense[0].get_weights()[0]
        return kernel if kernel.shape[0] == 784 else None

    def save(self, model: Any, path: Path, metadata: dict) -> Path:
        import tf_models
        return tf_models.save(model.model, path, metadata)

    def load(self, path: Path) -> tuple[Any, dict]:
        reason = self.unavailable_reason()
        if reason:
            raise ModelUnavailable(reason)
        import tf_models
        from scratch.files import ModelFileError
        try:
            model, metadata = tf_models.load(path)
        except ModelFileError as e:
            raise ModelUnavailable(str(e)) from None
        shape = tuple(model.input_shape[1:])
        if shape not in ((28, 28), (784,), (28, 28, 1)) or tuple(model.output_shape[1:]) != (10,):
            raise ModelUnavailable(f"{path}: takes input {model.input_shape} and gives {model.output_shape}; "
                                   f"the workbench needs 28x28 images in and 10 digit outputs out")
        return tf_models.CompiledModel(model), metadata

    def describe(self, model: Any) -> dict:
        from tf_models.persistence import describe
        return describe(model.model)

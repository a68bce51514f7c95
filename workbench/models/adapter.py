"""The one interface between the workbench and a framework, and the classifier everybody uses.

Everything that differs between scratch and Keras goes through an `Adapter`: build a
model from a recipe, train it, predict, take the gradient of the cost with respect to
the input image, list hidden activations, save, load, describe. Builders, the registry,
the report and the GUI call only this interface, so adding a model means a recipe and
a new framework means one adapter (registered in workbench.models.frameworks).

A `Classifier` is a loaded model with its adapter: `predict_proba`, `predict`,
`input_gradient`, `saliency`, `hidden_activations`, `imagine`, whatever made it.
"""

from __future__ import annotations

import math
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scratch.dream import dream
from scratch.history import History
from workbench.models.recipe import Recipe

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class ModelUnavailable(Exception):
    """A model cannot be used here; the message says which and why (missing, corrupt, no TensorFlow...)."""


@dataclass
class TrainingData:
    """Float32 images (n, 28, 28) in [0, 1] and integer labels, for training and for choosing the best epoch."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray


class Adapter(ABC):
    """What one framework must provide. Models are the framework's own objects; the adapter knows them."""

    framework: str = ""          # recorded in model files and the manifest, e.g. "scratch"
    file_formats: tuple[str, ...] = ()   # the "format" values of its metadata JSONs
    weights_suffix: str = ""     # its weights file beside the JSON, e.g. ".npz"
    loads_slowly: bool = False   # True if loading imports a heavy library (the GUI loads those last)
    loads_bare_weights: bool = False   # True if a weights file alone, without our JSON, is a usable model

    def unavailable_reason(self) -> str | None:
        """Why this framework cannot be used on this machine (e.g. not installed), or None."""
        return None

    @abstractmethod
    def build(self, recipe: Recipe, seed: int) -> Any:
        """A new, untrained model from a recipe's architecture and training settings."""

    @abstractmethod
    def fit(self, model: Any, data: TrainingData, *, epochs: int, batch_size: int, optimizer: dict,
            augment: Augment | None, time_budget: float | None, seed: int, verbose: bool) -> History:
        """Train; the best epoch on the validation data is kept. Raises scratch.history.TrainingDiverged or
        TrainingInterrupted (Ctrl-C; the model then holds the best weights so far)."""

    @abstractmethod
    def predict_proba(self, model: Any, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> output activations (n, 10)."""

    @abstractmethod
    def input_gradient(self, model: Any, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        """(dC/dx as (n, 28, 28), C): the gradient of the model's batch-mean training cost for `labels`."""

    @abstractmethod
    def hidden_activations(self, model: Any, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(layer name, activations) of every non-linearity before the output layer (an activation layer, or a
        dense/conv layer with a non-linear activation), in order: (n, units) for dense, (n, h, w, channels) for
        conv. Twins built from one recipe give the same list."""

    @abstractmethod
    def save(self, model: Any, path: Path, metadata: dict) -> Path:
        """Write the model's JSON and weights file together (both or neither); returns the JSON path.
        The JSON holds `metadata` plus "format" (one of file_formats), "architecture" (at least `describe`'s
        summary and parameter_count) and "model_file" ({"file": the weights file's name, "sha256"})."""

    @abstractmethod
    def load(self, path: Path) -> tuple[Any, dict]:
        """(model, metadata) from a JSON written by `save`; raises ModelUnavailable saying why not."""

    @abstractmethod
    def describe(self, model: Any) -> dict:
        """The architecture as data, with at least "summary" and "parameter_count"."""

    def first_layer_weights(self, model: Any) -> np.ndarray | None:
        """(784, units) incoming weights of the first dense layer, for pictures of what units look for."""
        return None


class Classifier:
    """A trained model behind one small interface, whatever framework made it."""

    def __init__(self, adapter: Adapter, model: Any, metadata: dict, path: Path) -> None:
        self.adapter, self.model, self.metadata, self.path = adapter, model, metadata, path
        name = metadata.get("name")
        self.name = name if isinstance(name, str) and name else path.stem
        self.framework = adapter.framework
        # One computation at a time per model: libraries may keep per-model buffers (scratch's layers keep
        # what backward needs), and the GUI predicts on its Tk thread while a worker takes gradients.
        self._lock = threading.RLock()

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> output activations (n, 10)."""
        images = check_images(images)
        with self._lock:
            return self.adapter.predict_proba(self.model, images)

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The predicted digit of each image, (n,)."""
        return self.predict_proba(images).argmax(axis=1)

    def input_gradient(self, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float]:
        """(dC/dx (n, 28, 28), C) for the model's training cost C of calling each image its label."""
        images = check_images(images)
        labels = np.asarray(labels)
        if labels.shape != (len(images),) or labels.dtype.kind not in "iu" or \
                (labels.size and not 0 <= labels.min() <= labels.max() <= 9):
            raise ValueError(f"labels must be {len(images)} whole numbers from 0 to 9, got {labels!r}")
        with self._lock:
            grad, cost = self.adapter.input_gradient(self.model, images, labels.astype(np.int64))
        return np.asarray(grad, np.float32).reshape(images.shape), float(cost)

    def saliency(self, image: np.ndarray, digit: int | None = None) -> np.ndarray:
        """How much each pixel of one (28, 28) image pushed the model towards `digit` (default: its answer).

        Gradient times input: -dC/dx * x, with C the model's own training cost for `digit`. The gradient
        says which way each pixel would move the answer; multiplying by the pixel keeps only the ink that
        is actually there, so blank paper scores 0 and the map reads as "these strokes made it say 7".
        Positive: the pixel's ink pushed towards `digit`; negative: it pushed away. (One backward pass,
        so it is cheap enough to redraw as the user draws; integrated gradients would take ~50.)
        Returns (28, 28) float32.
        """
        image = check_images(np.asarray(image)[None])[0] if np.ndim(image) == 2 else check_images(image)[0]
        if digit is None:
            digit = int(self.predict(image[None])[0])
        _check_digit(digit)
        grad, _ = self.input_gradient(image[None], np.array([digit]))
        return (-grad[0] * image).astype(np.float32)

    def hidden_activations(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(layer name, activations) of every hidden layer for a batch of images."""
        images = check_images(images)
        with self._lock:
            return self.adapter.hidden_activations(self.model, images)

    def last_hidden(self, images: np.ndarray) -> np.ndarray:
        """(n, units): the last hidden layer's activations for a batch of images, flattened. What a model
        "sees" just before it answers; the sure rule's digit-likeness measures how typical they are."""
        layers = self.hidden_activations(images)
        if not layers:
            raise ValueError(f"{self.name} has no hidden layer")
        return np.asarray(layers[-1][1], np.float32).reshape(len(layers[-1][1]), -1)

    def first_layer_weights(self) -> np.ndarray | None:
        """(784, units) incoming weights of the first dense layer (None for a CNN)."""
        return self.adapter.first_layer_weights(self.model)

    def imagine(self, digit: int, **options) -> np.ndarray:
        """What the model thinks `digit` looks like: (28, 28) float32 in [0, 1], found by gradient descent
        on the input (scratch.dream). options: steps, step_size, l2, blur_every, blur_sigma, seed."""
        _check_digit(digit)
        label = np.array([digit])
        return dream(lambda x: self.input_gradient(x.reshape(1, 28, 28), label), **options)

    @property
    def test_accuracy(self) -> float | None:
        metrics = self.metadata.get("metrics")
        return fraction_or_none(metrics.get("test_accuracy")) if isinstance(metrics, dict) else None

    @property
    def summary(self) -> str:
        architecture = self.metadata.get("architecture")
        return str(architecture.get("summary", "")) if isinstance(architecture, dict) else ""

    def __repr__(self) -> str:
        return f"<Classifier {self.name} ({self.framework})>"


def check_images(images: np.ndarray) -> np.ndarray:
    """Validate what predict_proba takes: floats (n, 28, 28) in [0, 1] -> contiguous float32."""
    images = np.asarray(images)
    if images.dtype.kind != "f":
        raise ValueError(f"images must be floats in [0, 1], got dtype {images.dtype}"
                         + (" (divide uint8 pixels by 255)" if images.dtype.kind in "ui" else ""))
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"images must have shape (n, 28, 28), got {images.shape}"
                         + ("; for one image use image[None]" if images.shape == (28, 28) else ""))
    if images.size and not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1):
        raise ValueError("images must hold finite values in [0, 1]")
    return np.ascontiguousarray(images, dtype=np.float32)


def finite_or_none(value: object) -> float | None:
    """A finite float from a value read from a file, or None (missing, text, NaN, infinite, a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def fraction_or_none(value: object) -> float | None:
    """An accuracy read from a file: a finite number from 0 to 1, else unknown (None)."""
    value = finite_or_none(value)
    return value if value is not None and 0 <= value <= 1 else None


def _check_digit(digit: object) -> None:
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit <= 9:
        raise ValueError(f"digit must be a whole number from 0 to 9, got {digit!r}")

"""Measuring classifiers: accuracy, errors, confusion, and speed. Shared by builders, the report and tests."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from scratch.progress import ProgressBar
from workbench.data.my_drawings import LabelledDrawing, as_arrays

PredictProba = Callable[[np.ndarray], np.ndarray]   # float32 (n, 28, 28) -> (n, 10)


@dataclass(frozen=True)
class Scores:
    """How a model did on a labelled set of images."""

    accuracy: float           # fraction correct
    errors: int               # number wrong
    predictions: np.ndarray   # (n,) predicted digits
    confusion: np.ndarray     # (10, 10) counts: row = true digit, column = predicted

    @property
    def per_digit_accuracy(self) -> np.ndarray:
        """(10,) accuracy on the images of each true digit."""
        return np.diag(self.confusion) / np.maximum(self.confusion.sum(axis=1), 1)


def predict_in_batches(predict_proba: PredictProba, images: np.ndarray, batch_size: int = 1000,
                       progress: str | None = None) -> np.ndarray:
    """Output activations (n, 10) for many images, a batch at a time (bounded memory), with an optional bar."""
    bar = ProgressBar(len(images), progress or "", "img", enabled=progress is not None)
    outputs = []
    for start in range(0, len(images), batch_size):
        outputs.append(predict_proba(images[start:start + batch_size]))
        bar.update(len(outputs[-1]))
    bar.close()
    return np.concatenate(outputs) if outputs else np.zeros((0, 10), np.float32)


def score(probabilities: np.ndarray, labels: np.ndarray) -> Scores:
    """Accuracy, error count and confusion matrix from output activations (n, 10) and labels (n,)."""
    predictions = np.asarray(probabilities).argmax(axis=1)
    labels = np.asarray(labels).astype(np.int64)
    confusion = np.zeros((10, 10), np.int64)
    np.add.at(confusion, (labels, predictions), 1)
    correct = int(np.count_nonzero(predictions == labels))
    return Scores(correct / max(len(labels), 1), len(labels) - correct, predictions, confusion)


class Predictor(Protocol):
    """What evaluate_drawings needs of a model (workbench.models' Classifier has it)."""

    name: str

    def predict_proba(self, images: np.ndarray) -> np.ndarray: ...


class Mistake(NamedTuple):
    """A drawing a model gets wrong: its position in the list of drawings, its true label, the model's answer."""

    index: int
    label: int
    predicted: int


def evaluate_drawings(classifiers: Sequence[Predictor], drawings: Sequence[LabelledDrawing]) -> dict[str, Scores]:
    """{model name: Scores} of each classifier on your labelled drawings (workbench.data.my_drawings).

    Every drawing is prepared once (`LabelledDrawing.pixels`, as the GUI prepares the canvas) and
    every model sees the same images; predictions follow the order of `drawings`.
    """
    if not drawings:
        raise ValueError("no drawings to evaluate")
    images, labels = as_arrays(drawings)
    return {c.name: score(predict_in_batches(c.predict_proba, images), labels) for c in classifiers}


def mistakes(scores: dict[str, Scores], drawings: Sequence[LabelledDrawing]) -> dict[str, list[Mistake]]:
    """{model name: the drawings it gets wrong, in order}, from evaluate_drawings' scores on the same drawings."""
    labels = np.array([d.label for d in drawings], dtype=np.int64)
    found = {}
    for name, result in scores.items():
        if len(result.predictions) != len(labels):
            raise ValueError(f"{name} has {len(result.predictions)} predictions for {len(labels)} drawings")
        wrong = np.flatnonzero(result.predictions != labels)
        found[name] = [Mistake(int(i), int(labels[i]), int(result.predictions[i])) for i in wrong]
    return found


# The two-sided 95% quantile of the standard normal distribution.
Z_95 = 1.959963984540054


def wilson_interval(correct: int, total: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval (low, high) for an accuracy of `correct` out of `total` (95% by default).

    Unlike the normal approximation p +- z sqrt(p(1-p)/n), it stays inside [0, 1] and is not zero-wide
    at 0% or 100%, which matters for per-digit figures on 120 drawings where a model may be perfect.
    (0.0, 1.0) when there is nothing to measure.
    """
    if total <= 0:
        return 0.0, 1.0
    if not 0 <= correct <= total:
        raise ValueError(f"correct must be from 0 to total ({total}), got {correct}")
    p = correct / total
    z2 = z * z
    centre = (p + z2 / (2 * total)) / (1 + z2 / total)
    half = z / (1 + z2 / total) * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    low = 0.0 if correct == 0 else max(0.0, centre - half)      # exact at the edges, where rounding would
    high = 1.0 if correct == total else min(1.0, centre + half)   # leave 0.9999999999999999
    return low, high


def group_accuracy(predictions: np.ndarray, labels: np.ndarray, groups: np.ndarray) -> dict[int, float]:
    """{group: accuracy on its images} from (n,) predictions, labels and group ids (writers, say), sorted by group."""
    predictions, labels, groups = map(np.asarray, (predictions, labels, groups))
    if not predictions.shape == labels.shape == groups.shape:
        raise ValueError(f"predictions, labels and groups must have one shape, got {predictions.shape}, "
                         f"{labels.shape} and {groups.shape}")
    correct = predictions == labels
    return {int(g): float(correct[groups == g].mean()) for g in np.unique(groups)}


def latency_seconds(predict_proba: PredictProba, image: np.ndarray, repeats: int = 50) -> float:
    """Median seconds for one call on one image (1, 28, 28), after a warm-up call."""
    predict_proba(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict_proba(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def throughput(predict_proba: PredictProba, images: np.ndarray, repeats: int = 3) -> float:
    """Images per second for calls on the whole batch `images` (best of `repeats`, after a warm-up)."""
    predict_proba(images)
    best = min(_timed(predict_proba, images) for _ in range(repeats))
    return len(images) / best


def _timed(function: PredictProba, images: np.ndarray) -> float:
    start = time.perf_counter()
    function(images)
    return time.perf_counter() - start

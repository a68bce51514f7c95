"""The training loop shared by every scratch model: epochs of shuffled mini-batches.

`train(model, x, y, ...)` is what `Network.fit` and `Sequential.fit` call. It
knows nothing of layers or backpropagation; a model takes part by providing a
small protocol (`Trainable` below): check its data, take one gradient step on
a mini-batch, evaluate, and copy its parameters out and back in. Everything
around the gradient step lives here, once:

- shuffling (a new order every epoch) and the augmentation hook,
- the progress bar, and the History of costs and accuracies,
- validation after every epoch, keeping the weights of the best epoch,
- early stopping, the time budget, Ctrl-C (TrainingInterrupted),
- the divergence guard (TrainingDiverged), explained at `COST_GROWTH_LIMIT`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

import numpy as np

from scratch import checks
from scratch.history import COST_GROWTH_LIMIT, PARAMETER_LIMIT, History, TrainingDiverged, TrainingInterrupted
from scratch.optimizers import Optimizer, get_optimizer
from scratch.progress import ProgressBar

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]

# The divergence guard's two limits (COST_GROWTH_LIMIT, PARAMETER_LIMIT) are explained in scratch/history.py,
# shared with the Keras side so both frameworks stop on the same symptoms.


class Evaluation(NamedTuple):
    accuracy: float   # fraction of samples whose highest output is the label
    cost: float       # the cost (without weight decay) averaged over the samples


class Trainable(Protocol):
    """What `train` needs of a model (scratch.Network and scratch.Sequential provide it)."""

    seed: int
    classes: int                        # outputs, for the divergence guard's floor log(classes)
    history_: History | None
    hyperparameters_: dict
    _fits: int                          # how many fits ran before, so each gets new random streams

    def _checked_data(self, x, y, x_name: str = "x", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
        """(x, y) in the model's own layout and dtype, or ValueError in the caller's terms."""

    def _train_batch(self, x: np.ndarray, y: np.ndarray, optimizer: Optimizer, rate: float,
                     weight_decay: float, rng: np.random.Generator) -> tuple[float, int]:
        """One gradient step on a mini-batch (dropout drawn from rng); returns (mean cost, number correct)."""

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> Evaluation: ...

    def _copy_parameters(self) -> list[np.ndarray]:
        """Copies of everything that defines the model's function (weights, batch-norm statistics)."""

    def _set_parameters(self, params: list[np.ndarray]) -> None: ...


def train(model: Trainable, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int = 32,
          optimizer: str | dict | Optimizer = "sgd", validation: tuple[np.ndarray, np.ndarray] | None = None,
          weight_decay: float = 0.0, early_stopping: int | None = None, augment: Augment | None = None,
          time_budget: float | None = None, verbose: bool = True) -> History:
    """Train `model` by mini-batch gradient descent; returns (and sets as `model.history_`) the History.

    The arguments are those of `Network.fit`, which documents them. Raises TrainingDiverged
    (see COST_GROWTH_LIMIT) or TrainingInterrupted (Ctrl-C); either way the model is left
    holding the best (or last good) weights.
    """
    x, y = model._checked_data(x, y)
    epochs = checks.count(epochs, "epochs")
    batch_size = checks.count(batch_size, "batch_size")
    weight_decay = checks.non_negative(weight_decay, "weight_decay")
    optimizer = get_optimizer(optimizer)
    optimizer.reset()
    if validation is not None:
        x_val, y_val = model._checked_data(*checks.validation_pair(validation), "validation x", "validation y")
        checks.without_no_class(y_val, "validation y")
    if early_stopping is not None:
        early_stopping = checks.count(early_stopping, "early_stopping")
        if validation is None:
            raise ValueError("early_stopping needs validation data: pass validation=(x_val, y_val)")
    if augment is not None and not callable(augment):
        raise ValueError(f"augment must be a function (batch, rng) -> batch, got {type(augment).__name__}")

    model.hyperparameters_ = {
        "optimizer": optimizer.to_dict(), "epochs": epochs, "batch_size": batch_size,
        "weight_decay": weight_decay, "early_stopping_patience": early_stopping,
        "augment": describe_augment(augment),
        "time_budget_seconds": time_budget, "training_samples": len(x),
    }
    # Three independent streams, so adding augmentation does not change the shuffling, and so on.
    streams = np.random.SeedSequence([model.seed, model._fits]).spawn(3)
    model._fits += 1
    shuffle_rng, dropout_rng, augment_rng = (np.random.default_rng(s) for s in streams)
    history = model.history_ = History()
    best = None                      # (validation accuracy, epoch, parameters)
    start_level = None               # the first mini-batch's cost, see COST_GROWTH_LIMIT
    started = time.perf_counter()
    good_parameters = model._copy_parameters()

    def diverged(why: str, epoch: int, rate: float) -> TrainingDiverged:
        model._set_parameters(good_parameters)
        history.stop_reason = "diverged"
        kept = (f"The weights of epoch {best[1]}, the best by validation accuracy, were kept." if best is not None
                else "The weights from before this epoch were kept.")
        return TrainingDiverged(f"{why} in epoch {epoch + 1} with learning rate {rate:g}: training diverged. "
                                f"Try a smaller learning rate (e.g. {rate / 10:g}). {kept}")

    try:
        for epoch in range(epochs):
            epoch_start = time.perf_counter()
            rate = optimizer.learning_rate_at(epoch)
            bar = ProgressBar(len(x), f"epoch {epoch + 1}/{epochs}", "img", enabled=verbose)
            total_cost, correct, seen = 0.0, 0, 0
            order = shuffle_rng.permutation(len(x))
            for start in range(0, len(x), batch_size):
                batch = order[start:start + batch_size]
                xb = x[batch]
                if augment is not None:
                    xb = checks.augmented(augment(xb, augment_rng), xb.shape, x.dtype)
                with np.errstate(over="ignore", invalid="ignore"):   # divergence is reported below
                    cost, hits = model._train_batch(xb, y[batch], optimizer, rate, weight_decay, dropout_rng)
                if not np.isfinite(cost):
                    raise diverged(f"the cost became {cost} (batch starting at sample {start})", epoch, rate)
                if start_level is None:
                    start_level = max(cost, math.log(max(model.classes, 2)))
                if cost > COST_GROWTH_LIMIT * start_level:
                    raise diverged(f"the cost became {cost:.3g} (batch starting at sample {start}), more than "
                                   f"{COST_GROWTH_LIMIT:g} times its starting level of {start_level:.3g}", epoch, rate)
                total_cost += cost * len(batch)
                correct += hits
                seen += len(batch)
                bar.update(len(batch), f"cost {total_cost / seen:.4f} acc {correct / seen:.4f}")
            parameters = model._copy_parameters()
            largest = largest_magnitude(parameters)
            if not largest <= PARAMETER_LIMIT:      # also catches NaN
                raise diverged(f"a parameter grew to {largest:.3g}", epoch, rate)
            history.epoch.append(epoch + 1)
            history.learning_rate.append(rate)
            history.train_cost.append(total_cost / len(x))
            history.train_accuracy.append(correct / len(x))
            note = f"cost {history.train_cost[-1]:.4f} acc {history.train_accuracy[-1]:.4f}"
            if validation is not None:
                val = model.evaluate(x_val, y_val)
                history.validation_cost.append(val.cost)
                history.validation_accuracy.append(val.accuracy)
                note += f" | val cost {val.cost:.4f} val acc {val.accuracy:.4f}"
                if best is None or val.accuracy > best[0]:
                    best = (val.accuracy, epoch + 1, parameters)
            history.seconds.append(time.perf_counter() - epoch_start)
            bar.close(note)
            good_parameters = parameters
            if early_stopping is not None and epoch + 1 - best[1] >= early_stopping:
                history.stop_reason = "early_stopping"
                break
            if time_budget is not None and time.perf_counter() - started > time_budget:
                history.stop_reason = "time_budget"
                break
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
        raise TrainingInterrupted(history) from None
    finally:
        if best is not None:
            history.best_epoch = best[1]
            model._set_parameters(best[2])
    return history


def largest_magnitude(arrays: list[np.ndarray]) -> float:
    """The largest |value| in any of the arrays, or NaN if one holds a NaN."""
    largest = 0.0
    for a in arrays:
        if a.size:
            top, bottom = float(a.max()), float(a.min())   # two passes, but no |a| temporary
            if math.isnan(top) or math.isnan(bottom):
                return math.nan
            largest = max(largest, top, -bottom)
    return largest


def describe_augment(augment: Augment | None) -> dict | str | None:
    """How an augmentation hook records itself in the hyperparameters: its own to_dict() if it has one."""
    if augment is None:
        return None
    to_dict = getattr(augment, "to_dict", None)
    return to_dict() if callable(to_dict) else getattr(augment, "__name__", type(augment).__name__)

"""Training a Keras model the way the scratch networks are trained.

`fit` takes the same training settings as `scratch.Network.fit` (epochs, batch
size, per-epoch learning-rate decay, validation, early stopping, augmentation
hook, time budget) and returns the same `History`, so builders treat both
frameworks alike and plots compare like with like. The work is done by Keras's
own `model.fit` and callbacks; this module only translates.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import keras
import numpy as np

from scratch.checks import labels, without_no_class
from scratch.history import COST_GROWTH_LIMIT, PARAMETER_LIMIT, History, TrainingDiverged, TrainingInterrupted

Augment = Callable[[np.ndarray, np.random.Generator], np.ndarray]


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled mini-batches, each passed through `augment` (the same function scratch uses).

    Each batch gets its own generator seeded by (seed, epoch, batch), so the augmented
    data do not depend on the order in which Keras asks for batches.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, batch_size: int, augment: Augment | None, seed: int) -> None:
        super().__init__()
        self.x, self.y, self.batch_size, self.augment, self.seed = x, y, batch_size, augment, seed
        self.epoch = 0
        self.order = np.random.default_rng([seed, 0]).permutation(len(x))

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        batch = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        images = self.x[batch]
        if self.augment is not None:
            images = self.augment(images, np.random.default_rng([self.seed, self.epoch, index, 1]))
        return images, self.y[batch]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))


class _Recorder(keras.callbacks.Callback):
    """Keeps what Keras's History lacks: per-epoch seconds and learning rate, the weights of the
    last good epoch (to survive a NaN), and the time budget."""

    def __init__(self, history: History, time_budget: float | None) -> None:
        super().__init__()
        self.history, self.time_budget = history, time_budget
        self.good_weights = None
        self.diverged_at: tuple[int, int] | None = None
        self.why = ""
        self.best_weights = None                   # of the best healthy epoch by validation accuracy
        self.best_accuracy = -1.0
        self.start_level: float | None = None      # the first batch's loss, as in scratch's guard
        self.budget_spent = False

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()
        self.good_weights = self.model.get_weights()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.perf_counter()
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # Keras reports the epoch's running mean loss; a thousandfold rise of it is as telling as scratch's
        # per-batch cost (scratch.history explains the rule).
        loss = float(logs.get("loss", 0.0)) if logs else 0.0
        if self.start_level is None and math.isfinite(loss):
            self.start_level = max(loss, math.log(max(int(self.model.output_shape[-1]), 2)))
        if not math.isfinite(loss):
            self._diverged(batch, f"the loss became {loss}")
        elif loss > COST_GROWTH_LIMIT * self.start_level:
            self._diverged(batch, f"the loss became {loss:.3g}, more than {COST_GROWTH_LIMIT:g} times its "
                                  f"starting level of {self.start_level:.3g}")

    def _diverged(self, batch: int, why: str) -> None:
        self.diverged_at, self.why = (self.epoch, batch), why
        self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.diverged_at is None:
            largest = max(float(np.max(np.abs(w))) if w.size else 0.0 for w in self.model.get_weights())
            if not largest <= PARAMETER_LIMIT:
                self._diverged(-1, f"a weight grew to {largest:.3g}")
        if self.diverged_at is not None:
            return
        logs = logs or {}
        h = self.history
        h.epoch.append(epoch + 1)
        h.learning_rate.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))
        h.train_cost.append(float(logs["loss"]))
        h.train_accuracy.append(float(logs["accuracy"]))
        if "val_loss" in logs:
            h.validation_cost.append(float(logs["val_loss"]))
            h.validation_accuracy.append(float(logs["val_accuracy"]))
        h.seconds.append(time.perf_counter() - self.epoch_started)
        self.good_weights = self.model.get_weights()
        if "val_accuracy" in logs and float(logs["val_accuracy"]) > self.best_accuracy:
            self.best_accuracy, self.best_weights = float(logs["val_accuracy"]), self.good_weights
        if self.time_budget is not None and time.perf_counter() - self.started > self.time_budget:
            self.budget_spent = True
            self.model.stop_training = True


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int,
        validation: tuple[np.ndarray, np.ndarray] | None = None, decay_rate: float | None = None,
        early_stopping: int | None = None, augment: Augment | None = None, time_budget: float | None = None,
        seed: int = 0, verbose: bool = True) -> History:
    """Train a compiled model; returns the History (the scratch schema).

    x: float32 (n, 28, 28) in [0, 1]; y: integer labels (n,).
    decay_rate: the learning rate of epoch e is lr0 * decay_rate ** e, lr0 being the
        optimizer's at the start (Keras's LearningRateScheduler).
    With validation data the best epoch's weights are kept (Keras's EarlyStopping with
    restore_best_weights; patience = early_stopping, or the whole run).
    Raises TrainingDiverged on a NaN loss (weights of the last good epoch kept) and
    TrainingInterrupted on Ctrl-C (best weights so far kept).
    """
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be positive, got {epochs} and {batch_size}")
    if early_stopping is not None and validation is None:
        raise ValueError("early_stopping needs validation data: pass validation=(x_val, y_val)")
    # Keras's losses would read a wrong label silently (-2 as a 0, 12 as no target): the same checks as scratch
    classes = model.output_shape[-1]
    labels(y, len(x), classes, "y")
    if validation is not None:
        without_no_class(labels(validation[1], len(validation[0]), classes, "validation y"), "validation y")
    keras.utils.set_random_seed(seed)
    history = History()
    recorder = _Recorder(history, time_budget)
    callbacks = [recorder]
    if decay_rate is not None:
        initial = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        callbacks.append(keras.callbacks.LearningRateScheduler(lambda epoch: initial * decay_rate ** epoch))
    keep_best = None
    if validation is not None:
        keep_best = keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", restore_best_weights=True,
                                                  patience=early_stopping or epochs)
        callbacks.append(keep_best)
    batches = AugmentedBatches(np.asarray(x, np.float32), np.asarray(y), batch_size, augment, seed)
    try:
        model.fit(batches, epochs=epochs, validation_data=validation, callbacks=callbacks,
                  verbose=1 if verbose else 0)
    except KeyboardInterrupt:
        history.stop_reason = "interrupted"
        _restore_best(model, keep_best, history)
        raise TrainingInterrupted(history) from None
    if recorder.diverged_at is not None:
        # Our callback stopped training, so EarlyStopping restored nothing (and may hold the exploded epoch):
        # go back to the best healthy epoch, or the last good one.
        best = recorder.best_weights
        model.set_weights(best if best is not None else recorder.good_weights)
        history.stop_reason = "diverged"
        epoch, batch = recorder.diverged_at
        rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        where = f"batch {batch}" if batch >= 0 else "its end"
        raise TrainingDiverged(
            f"{recorder.why} in epoch {epoch + 1} ({where}) with learning rate {rate:g}: training diverged. "
            f"Try a smaller learning rate (e.g. {rate / 10:g}). "
            + ("The weights of the best epoch by validation accuracy were kept." if best is not None
               else "The weights from before this epoch were kept.")
        )
    if keep_best is not None and keep_best.stopped_epoch > 0:
        history.stop_reason = "early_stopping"
    elif recorder.budget_spent:
        history.stop_reason = "time_budget"
    if keep_best is not None and keep_best.best_weights is not None:
        history.best_epoch = keep_best.best_epoch + 1
    return history


def _restore_best(model: keras.Model, keep_best, history: History) -> None:
    if keep_best is not None and keep_best.best_weights is not None:
        model.set_weights(keep_best.best_weights)
        history.best_epoch = keep_best.best_epoch + 1

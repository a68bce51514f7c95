"""What a training run records, shared by the scratch and Keras sides so they can be compared and plotted
alike, and the two ways a run can end early that callers must handle."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class History:
    """What happened in each epoch. Training figures are measured on the fly during the epoch
    (dropout and augmentation active, as Keras reports them); validation ones after it."""

    epoch: list[int] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    train_cost: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    validation_cost: list[float] = field(default_factory=list)
    validation_accuracy: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    best_epoch: int | None = None      # the epoch whose weights were kept (with validation data)
    stop_reason: str = "completed"     # completed, early_stopping, time_budget, diverged, interrupted

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> History:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


# The divergence guard. A learning rate that is too large does not always make the cost NaN: with
# ReLU units and a softmax output the fused cross-entropy stays finite while every step overshoots
# further, so the cost and the weights grow by orders of magnitude and training "completes" with a
# useless network. Two symptoms are therefore treated like a NaN:
#
# - a mini-batch cost more than COST_GROWTH_LIMIT times the cost the network started from (at least
#   the cost of guessing uniformly, log(classes), so a network that starts almost perfect may still
#   get worse on new data). Descent lowers the cost; a thousandfold rise is no noise.
# - after an epoch, a parameter larger than PARAMETER_LIMIT in size, or not finite. Inputs are in
#   [0, 1] and initial weights of order 0.1, and float32 keeps about 7 significant digits: next to a
#   weight of 1e6 an ordinary step of 0.01 is lost in the rounding, so training could not come back.
#
# Either way training stops with TrainingDiverged, and the model gets back the weights of the last
# good epoch (or, with validation data, of the best epoch so far).
COST_GROWTH_LIMIT = 1e3
PARAMETER_LIMIT = 1e6


class TrainingDiverged(RuntimeError):
    """The cost or the weights exploded (NaN, infinite, or far beyond their starting scale). The model keeps
    the weights of the last good epoch (the best one, with validation data)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training. The model holds the best weights so far; `history` what was done."""

    def __init__(self, history: History) -> None:
        super().__init__("training interrupted")
        self.history = history

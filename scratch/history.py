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


class TrainingDiverged(RuntimeError):
    """The cost or the weights exploded (NaN, infinite, or far beyond their starting scale). The model keeps
    the weights of the last good epoch (the best one, with validation data)."""


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during training. The model holds the best weights so far; `history` what was done."""

    def __init__(self, history: History) -> None:
        super().__init__("training interrupted")
        self.history = history

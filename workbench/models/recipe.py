"""A recipe: how to make and train one model, as data that any framework's adapter can read.

The architecture and the training settings are written once, in framework-neutral
terms, so a scratch network and its Keras twin come from the same dictionary and a
difference in results says something about the frameworks, not the recipes:

    architecture  {"kind": "mlp", "sizes": [784, 30, 10], "activations": "sigmoid", "cost": "quadratic",
                   "init": "normal_scaled", "dropout_input": 0.0, "dropout_hidden": 0.0, "max_norm": None}
                  {"kind": "cnn", "filters": [20, 40], "kernel_size": 5, "dense": 100, "dropout": 0.5,
                   "batch_norm": True}
    training      {"epochs": 40, "batch_size": 10,
                   "optimizer": {"name": "sgd" | "momentum" | "rmsprop" | "adam",
                                 "learning_rate": {"name": "exponential_decay", "learning_rate": 3.0,
                                                   "decay_rate": 0.95}, ...its own settings}}
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.data.augment import AugmentConfig

ARCHITECTURE_KINDS = ("mlp", "cnn")


@dataclass(frozen=True)
class Recipe:
    """How to make and train one model with one framework."""

    name: str                      # also the file name in saved_networks/
    framework: str                 # which adapter builds it (see workbench.models.frameworks)
    description: str
    architecture: dict             # framework-neutral, see the module docstring
    training: dict                 # epochs, batch_size, optimizer
    augment: AugmentConfig | None = None
    time_budget_minutes: float | None = None
    styles: dict[str, int] | None = None   # writing-style digits added to the training set: {variant: count}
    outliers: int = 0              # drawings that are no digit added to the training set, with uniform targets

    def __post_init__(self) -> None:
        if self.architecture.get("kind") not in ARCHITECTURE_KINDS:
            raise ValueError(f"recipe {self.name}: architecture kind must be one of {ARCHITECTURE_KINDS}, "
                             f"got {self.architecture.get('kind')!r}")
        missing = {"epochs", "batch_size", "optimizer"} - self.training.keys()
        if missing:
            raise ValueError(f"recipe {self.name}: training needs {', '.join(sorted(missing))}")
        if isinstance(self.outliers, bool) or not isinstance(self.outliers, int) or self.outliers < 0:
            raise ValueError(f"recipe {self.name}: outliers must be a whole number, 0 or more, got {self.outliers!r}")

    def to_dict(self) -> dict:
        return {"name": self.name, "framework": self.framework, "description": self.description,
                "architecture": self.architecture, "training": self.training,
                "augment": self.augment.to_dict() if self.augment else None,
                "time_budget_minutes": self.time_budget_minutes, "styles": self.styles,
                "outliers": self.outliers}

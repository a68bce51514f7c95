"""One metadata schema for every saved model, whatever framework made it.

A model's JSON holds, besides what its library writes about the architecture and the weights file:

    name, description, framework, seed
    recipe      the Recipe it was built from (as data)
    training    {"epochs_requested", "epochs_run", "best_epoch", "stop_reason", "optimizer", "batch_size",
                 "augment", "time_budget_seconds", "training_samples", "seconds"}    same keys for every framework
    history     per-epoch figures (scratch.history.History.to_dict())
    metrics     {"test_accuracy", "test_errors", "best_validation_accuracy", ...}
    data        sizes of the splits and the MNIST checksums

Files of format_version 1 (the first shipped models) kept these facts in framework-specific places;
`normalized` reads both shapes and returns the one above, so every reader sees one schema.
"""

from __future__ import annotations

import math

from scratch.history import History

SCHEMA_VERSION = 2
_NUMBERS = {   # numbers readers compute with; anything else there becomes None (unknown)
    "metrics": ("test_accuracy", "test_errors", "best_validation_accuracy", "training_seconds", "epochs_run",
                "best_epoch"),
    "architecture": ("parameter_count",),
    "training": ("epochs_requested", "epochs_run", "best_epoch", "batch_size", "time_budget_seconds",
                 "training_samples", "seconds"),
}
_SECTIONS = ("training", "metrics", "history", "recipe", "data", "architecture", "versions", "model_file")
TRAINING_KEYS = ("epochs_requested", "epochs_run", "best_epoch", "stop_reason", "optimizer", "batch_size",
                 "augment", "time_budget_seconds", "training_samples", "seconds")


def training_record(history: History, *, epochs_requested: int, batch_size: int, optimizer: dict,
                    augment: dict | None, time_budget_seconds: float | None, training_samples: int) -> dict:
    """The `training` section: what was asked for and what actually happened."""
    return {"epochs_requested": epochs_requested, "epochs_run": len(history.epoch), "best_epoch": history.best_epoch,
            "stop_reason": history.stop_reason, "optimizer": optimizer, "batch_size": batch_size,
            "augment": augment, "time_budget_seconds": time_budget_seconds, "training_samples": training_samples,
            "seconds": round(sum(history.seconds), 1)}


def normalized(document: dict) -> dict:
    """`document` with a `training` section of the one schema (built from version-1 fields when missing).
    Informative fields of the wrong type (a hand-edited file) are dropped, so readers can trust their types."""
    document = {key: value for key, value in document.items()
                if not (key in _SECTIONS and not isinstance(value, dict))}
    for section, keys in _NUMBERS.items():
        if isinstance(document.get(section), dict):
            document[section] = {key: (_number(value) if key in keys else value)
                                 for key, value in document[section].items()}
    if isinstance(document.get("history"), dict) and not _history_ok(document["history"]):
        del document["history"]
    if isinstance(document.get("training"), dict):
        return document
    recipe = document.get("recipe") if isinstance(document.get("recipe"), dict) else {}
    recipe_training = recipe.get("training") if isinstance(recipe.get("training"), dict) else {}
    metrics = document.get("metrics") if isinstance(document.get("metrics"), dict) else {}
    history = document.get("history") if isinstance(document.get("history"), dict) else {}
    hyper = document.get("hyperparameters") if isinstance(document.get("hyperparameters"), dict) else {}
    epochs = history.get("epoch") if isinstance(history.get("epoch"), list) else []
    seconds = history.get("seconds") if isinstance(history.get("seconds"), list) else []
    optimizer = recipe_training.get("optimizer") or hyper.get("optimizer") or _v1_keras_optimizer(recipe)
    budget = hyper.get("time_budget_seconds")
    if budget is None and isinstance(recipe.get("time_budget_minutes"), (int, float)):
        budget = recipe["time_budget_minutes"] * 60
    training = {
        "epochs_requested": recipe_training.get("epochs", hyper.get("epochs")),
        "epochs_run": metrics.get("epochs_run", len(epochs)),
        "best_epoch": metrics.get("best_epoch", history.get("best_epoch")),
        "stop_reason": metrics.get("stop_reason", history.get("stop_reason")),
        "optimizer": optimizer,
        "batch_size": recipe_training.get("batch_size", hyper.get("batch_size")),
        "augment": recipe.get("augment", hyper.get("augment")),
        "time_budget_seconds": budget,
        "training_samples": hyper.get("training_samples", (document.get("data") or {}).get("train")
                                      if isinstance(document.get("data"), dict) else None),
        "seconds": round(sum(s for s in seconds if isinstance(s, (int, float))), 1) if seconds else None,
    }
    return {**document, "training": training}


def _v1_keras_optimizer(recipe: dict) -> dict | None:
    """Version-1 Keras recipes kept the optimizer inside the model function's arguments."""
    model = recipe.get("model") if isinstance(recipe.get("model"), dict) else {}
    training = recipe.get("training") if isinstance(recipe.get("training"), dict) else {}
    if "learning_rate" not in model:
        return None
    rate = {"name": "exponential_decay", "learning_rate": model["learning_rate"],
            "decay_rate": training.get("decay_rate", 1.0)}
    name = {"mlp_small": "sgd", "mlp_large": "momentum", "cnn": "adam"}.get(model.get("function"), "sgd")
    optimizer = {"name": name, "learning_rate": rate}
    if name == "momentum":
        optimizer.update(momentum=model.get("momentum", 0.9), nesterov=False)
    return optimizer


def _number(value: object) -> int | float | None:
    """A finite number from a file, or None: text, NaN, infinity, booleans and containers are not numbers."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if isinstance(value, int) or math.isfinite(value) else None


def _history_ok(history: dict) -> bool:
    """Per-epoch lists of numbers (what plots draw); a hand-edited history of another shape is dropped."""
    lists = [value for key, value in history.items() if key not in ("best_epoch", "stop_reason")]
    return all(isinstance(v, list) and all(_number(x) is not None for x in v) for v in lists)

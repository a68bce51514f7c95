"""Train the shipped models from their recipes and write them where the registry finds them.

For each recipe (builders/recipes.py) a build:
1. makes the model (scratch.Network or a tf_models function) with the build's seed;
2. trains it on the first 50,000 training images, choosing the best epoch on the last
   10,000 (the validation split); the test set is not looked at until step 3;
3. measures test accuracy once, writes the model, its metadata JSON and a training-curves
   PNG, reloads it through the registry to check the saved file gives the same accuracy,
   and records its headline figures in manifest.json.

Every file is written atomically. Ctrl-C keeps what was learned as a checkpoint in
OUT/checkpoints/ (never where the GUI loads models from) and says where.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from builders.recipes import RECIPES, Recipe
from workbench.augment import AugmentConfig, augment_batch
from workbench.data import MNIST_SHA256, DatasetError, load_mnist, pixels_to_float
from workbench.evaluate import predict_in_batches, score
from scratch.history import History, TrainingDiverged, TrainingInterrupted
from workbench.plots import save_figure, training_curves
from workbench.registry import DEFAULT_FOLDER, load_model, update_manifest

QUICK_TRAIN, QUICK_VALIDATION = 2000, 500


@dataclass
class Data:
    """Float32 images in [0, 1] and integer labels for the three roles."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_validation: np.ndarray
    y_validation: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    def sizes(self) -> dict:
        return {"train": len(self.x_train), "validation": len(self.x_validation), "test": len(self.x_test)}


class Augmenter:
    """The augmentation hook both frameworks call per mini-batch: (batch, rng) -> batch.

    An object rather than a closure so it can describe itself in the metadata (to_dict)."""

    def __init__(self, config: AugmentConfig) -> None:
        self.config = config

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        shape = batch.shape
        return augment_batch(batch.reshape(-1, 28, 28), rng, self.config).reshape(shape)

    def to_dict(self) -> dict:
        return {"name": "workbench.augment.augment_batch", **self.config.to_dict()}


def load_data(data_dir: str | None, quick: bool) -> Data:
    """The 50,000/10,000 split and the test set; --quick takes small slices of each."""
    mnist = load_mnist(data_dir)
    split = mnist.validation_split()
    data = Data(pixels_to_float(split.train_images), split.train_labels.astype(np.int64),
                pixels_to_float(split.validation_images), split.validation_labels.astype(np.int64),
                pixels_to_float(mnist.test_images), mnist.test_labels.astype(np.int64))
    if quick:
        data = Data(data.x_train[:QUICK_TRAIN], data.y_train[:QUICK_TRAIN],
                    data.x_validation[:QUICK_VALIDATION], data.y_validation[:QUICK_VALIDATION],
                    data.x_test[:QUICK_VALIDATION], data.y_test[:QUICK_VALIDATION])
    return data


def train_scratch(recipe: Recipe, data: Data, *, epochs: int, seed: int, time_budget: float | None,
                  verbose: bool, checkpoint: Path):
    """Make and train a scratch.Network; returns (network, history)."""
    import scratch
    net = scratch.Network(**recipe.model, seed=seed)
    augment = Augmenter(recipe.augment) if recipe.augment else None
    try:
        history = net.fit(data.x_train, data.y_train, epochs=epochs, batch_size=recipe.training["batch_size"],
                          optimizer=recipe.training["optimizer"], validation=(data.x_validation, data.y_validation),
                          augment=augment, time_budget=time_budget, verbose=verbose)
    except TrainingInterrupted:
        net.metadata = {"name": recipe.name, "checkpoint": True, "recipe": recipe.to_dict()}
        net.save(checkpoint)
        raise
    return net, history


def train_keras(recipe: Recipe, data: Data, *, epochs: int, seed: int, time_budget: float | None,
                verbose: bool, checkpoint: Path):
    """Make and train a tf_models model; returns (model, history)."""
    import tf_models
    from tf_models import training
    arguments = dict(recipe.model)
    model = tf_models.MODELS[arguments.pop("function")](**arguments, seed=seed)
    augment = Augmenter(recipe.augment) if recipe.augment else None
    try:
        history = training.fit(model, data.x_train, data.y_train, epochs=epochs,
                               batch_size=recipe.training["batch_size"],
                               validation=(data.x_validation, data.y_validation),
                               decay_rate=recipe.training.get("decay_rate"), augment=augment,
                               time_budget=time_budget, seed=seed, verbose=verbose)
    except TrainingInterrupted as stop:
        tf_models.save(model, checkpoint, history=stop.history,
                       extra={"name": recipe.name, "checkpoint": True, "recipe": recipe.to_dict()})
        raise
    return model, history


def build_one(recipe: Recipe, data: Data, out: Path, *, epochs: int | None, seed: int,
              time_budget_minutes: float | None, verbose: bool) -> dict:
    """Train, test, save, reload-and-check one model; returns its manifest entry."""
    epochs = epochs or recipe.training["epochs"]
    budget = time_budget_minutes if time_budget_minutes is not None else recipe.time_budget_minutes
    checkpoint = out / "checkpoints" / recipe.name
    trainer = train_scratch if recipe.framework == "scratch" else train_keras
    started = time.perf_counter()
    model, history = trainer(recipe, data, epochs=epochs, seed=seed, time_budget=budget and budget * 60,
                             verbose=verbose, checkpoint=checkpoint)
    seconds = time.perf_counter() - started

    scores = score(predict_in_batches(model.predict_proba if recipe.framework == "scratch"
                                      else _keras_proba(model), data.x_test), data.y_test)
    metrics = {
        "test_accuracy": scores.accuracy, "test_errors": scores.errors,
        "best_validation_accuracy": max(history.validation_accuracy) if history.validation_accuracy else None,
        "training_seconds": round(seconds, 1), "epochs_run": len(history.epoch), "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
    }
    extra = {"name": recipe.name, "description": recipe.description, "recipe": recipe.to_dict(), "seed": seed,
             "metrics": metrics, "data": {**data.sizes(), "mnist_sha256": MNIST_SHA256}}
    path = out / recipe.name
    if recipe.framework == "scratch":
        model.metadata = extra
        model.save(path)
    else:
        import tf_models
        tf_models.save(model, path, hyperparameters={**recipe.training, "augment": extra["recipe"]["augment"]},
                       history=history, extra=extra)
    curves = out / f"{recipe.name}-curves.png"
    save_figure(training_curves({recipe.name: history}, f"{recipe.name}: {scores.accuracy:.2%} on the test set"),
                curves)

    reloaded = load_model(out / f"{recipe.name}.json")
    again = score(predict_in_batches(reloaded.predict_proba, data.x_test), data.y_test)
    if again.errors != scores.errors:
        raise RuntimeError(f"{recipe.name}: the saved model makes {again.errors} test errors, the trained one "
                           f"{scores.errors}; the saved file does not reproduce the model")
    entry = {"name": recipe.name, "framework": recipe.framework, "file": f"{recipe.name}.json",
             "summary": reloaded.summary, "description": recipe.description,
             "parameters": _parameter_count(reloaded.metadata), "curves": curves.name, **metrics,
             "test_images": len(data.x_test), "seed": seed}
    update_manifest(out, entry)
    return entry


def _keras_proba(model):
    return lambda images: np.asarray(model.predict(images, batch_size=1000, verbose=0), np.float32)


def _parameter_count(metadata: dict) -> int | None:
    return (metadata.get("architecture") or {}).get("parameter_count")


# --- command line ---------------------------------------------------------------------------------

def parser(names: list[str], description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--models", nargs="+", choices=names, default=names, metavar="NAME",
                   help=f"which models to build (default: all of {', '.join(names)})")
    p.add_argument("--epochs", type=positive_int, help="epochs per model (default: each recipe's own)")
    p.add_argument("--seed", type=int, default=0, help="random seed for weights, shuffling, dropout, augmentation")
    p.add_argument("--data-dir", help="folder with the MNIST files (default: $MNIST_DIR, then the user cache, "
                                      "then download)")
    p.add_argument("--out", type=Path, help=f"where models go (default: {DEFAULT_FOLDER}/; with --quick a new "
                                            f"temporary folder)")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke test: {QUICK_TRAIN} training and {QUICK_VALIDATION} validation/test images, 1 epoch")
    p.add_argument("--time-budget", type=_positive_float, metavar="MINUTES",
                   help="per model: stop at the end of the epoch that exceeds it, keeping the best weights "
                        "(default: each recipe's own)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main(names: list[str], description: str, argv: list[str] | None = None) -> int:
    args = parser(names, description).parse_args(argv)
    out = args.out or (Path(tempfile.mkdtemp(prefix="workbench-quick-")) if args.quick else DEFAULT_FOLDER)
    epochs = 1 if args.quick and args.epochs is None else args.epochs
    try:
        data = load_data(args.data_dir, args.quick)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"building {', '.join(args.models)} into {out}/ ({data.sizes()['train']} training, "
          f"{data.sizes()['validation']} validation, {data.sizes()['test']} test images; seed {args.seed})")
    built, failed = [], []
    for name in args.models:
        recipe = RECIPES[name]
        print(f"\n== {name}: {recipe.description}")
        try:
            entry = build_one(recipe, data, out, epochs=epochs, seed=args.seed,
                              time_budget_minutes=args.time_budget, verbose=not args.quiet)
        except TrainingInterrupted:
            where = out / "checkpoints" / name
            print(f"\ninterrupted: what {name} had learned is saved as a checkpoint in {where}.json; "
                  f"{out}/ was left as it was for this model", file=sys.stderr)
            return 130
        except TrainingDiverged as e:
            print(f"{name}: {e}", file=sys.stderr)
            failed.append(name)
            continue
        built.append(entry)
        print(f"{name}: test accuracy {entry['test_accuracy']:.2%} ({entry['test_errors']} errors), "
              f"{entry['epochs_run']} epochs in {entry['training_seconds'] / 60:.1f} min, best epoch "
              f"{entry['best_epoch']}")
    if built:
        print("\n" + results_table(built))
    if failed:
        print(f"\nnot built: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def results_table(entries: list[dict]) -> str:
    """A Markdown table of the headline figures (also used for the README)."""
    lines = ["| model | framework | parameters | test accuracy | errors | epochs (best) | training time |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for e in entries:
        lines.append(f"| {e['name']} | {e['framework']} | {e.get('parameters') or 0:,} | "
                     f"{e['test_accuracy']:.2%} | {e['test_errors']} | {e['epochs_run']} ({e['best_epoch']}) | "
                     f"{e['training_seconds'] / 60:.1f} min |")
    return "\n".join(lines)


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value

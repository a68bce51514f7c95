"""Train the shipped models from their recipes and write them where the registry finds them.

For each recipe (builders/recipes.py) a build:
1. makes the model through its framework's adapter (workbench.models) with the build's seed;
2. trains it on the first 50,000 training images plus a pool of them redrawn in writing styles
   MNIST lacks (the recipe's `styles`, see builders.recipes) and a pool of drawings that are no
   digit, labelled NO_CLASS (the recipe's `outliers`, workbench.data.outliers); both are made from
   the build's seed, so twins get the very same images. The best epoch is chosen on the last 10,000
   (the validation split, plain MNIST);
   the test set is not looked at until step 3;
3. measures test accuracy once, writes the model, its metadata JSON and a training-curves
   PNG, reloads it through the registry to check the saved file gives the same accuracy,
   and records its headline figures in manifest.json.

Every file is written atomically. Ctrl-C keeps what was learned as a checkpoint in
OUT/checkpoints/ (never where the GUI loads models from) and says where.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from builders.recipes import RECIPES, WRITING_STYLES
from scratch.history import History, TrainingDiverged, TrainingInterrupted
from workbench import cli as arg_types
from workbench.data.augment import AugmentConfig, augment_batch
from workbench.data.mnist import MNIST_SHA256, DatasetError, MnistData, load_mnist, pixels_to_float
from workbench.data.outliers import outlier_pool
from workbench.data.styles import style_pool
from workbench.models.adapter import TrainingData
from workbench.models.frameworks import adapter_for
from workbench.models.locks import LockHeld, file_lock
from workbench.models.metadata import training_record
from workbench.models.recipe import Recipe
from workbench.models.registry import CALIBRATION, DEFAULT_FOLDER, load_all, load_model, update_manifest
from workbench.reports.calibration import describe_vote, fit_for_folder
from workbench.reports.evaluate import predict_in_batches, score
from workbench.reports.plots import save_figure, training_curves
from workbench.reports.readme_table import results_table

QUICK_TRAIN, QUICK_VALIDATION = 2000, 500
QUICK_STYLES_DIVISOR = 50      # --quick makes 1/50 of each writing style's digits and of the no-digit pool
STYLES_SEED_OFFSET = 14        # the pool's seed is the build's seed plus this, so it differs from the weights'
OUTLIERS_SEED_OFFSET = 15      # and the no-digit pool's


@dataclass
class Data(TrainingData):
    """TrainingData plus the test set, used once per model for the reported accuracy."""

    x_test: np.ndarray
    y_test: np.ndarray
    styles: dict | None = None     # how the writing-style pool in x_train was made: counts, seed, size
    mnist: MnistData | None = None  # what it was all taken from (the calibration after the build uses it too)
    outliers: dict | None = None   # how the no-digit pool in x_train was made: count, seed

    def sizes(self) -> dict:
        return {"train": len(self.x_train), "validation": len(self.x_validation), "test": len(self.x_test),
                "styles": self.styles, "outliers": self.outliers}


class Augmenter:
    """The augmentation hook both frameworks call per mini-batch: (batch, rng) -> batch.

    An object rather than a closure so it can describe itself in the metadata (to_dict)."""

    def __init__(self, config: AugmentConfig) -> None:
        self.config = config

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        shape = batch.shape
        return augment_batch(batch.reshape(-1, 28, 28), rng, self.config).reshape(shape)

    def to_dict(self) -> dict:
        return {"name": "workbench.data.augment.augment_batch", **self.config.to_dict()}


def load_data(data_dir: str | None, quick: bool, seed: int = 0,
              styles: dict[str, int] | None = WRITING_STYLES, progress: bool = True) -> Data:
    """The 50,000/10,000 split plus the writing-style pool, and the test set; --quick takes small slices.

    The pool (workbench.data.styles.style_pool) is redrawn from the training images only and
    appended to them; validation and test stay plain MNIST, so the best epoch and the reported
    accuracy mean what they always meant. `styles` None or {} trains on MNIST alone.
    """
    mnist = load_mnist(data_dir)
    split = mnist.validation_split()
    train_images, train_labels = split.train_images, split.train_labels
    test_images, test_labels = mnist.test_images, mnist.test_labels
    validation_images, validation_labels = split.validation_images, split.validation_labels
    if quick:
        train_images, train_labels = train_images[:QUICK_TRAIN], train_labels[:QUICK_TRAIN]
        validation_images, validation_labels = validation_images[:QUICK_VALIDATION], validation_labels[:QUICK_VALIDATION]
        test_images, test_labels = test_images[:QUICK_VALIDATION], test_labels[:QUICK_VALIDATION]
    data = Data(pixels_to_float(train_images), train_labels.astype(np.int64), pixels_to_float(validation_images),
                validation_labels.astype(np.int64), pixels_to_float(test_images), test_labels.astype(np.int64),
                None, mnist)
    return with_styles(data, styles, seed, quick, progress)


def with_styles(data: Data, styles: dict[str, int] | None, seed: int, quick: bool, progress: bool = True) -> Data:
    """`data` (plain MNIST) with the writing-style pool `styles` ({variant: count}) appended to its training
    set, redrawn from its training images with the build's seed; `styles` None or {}: `data` itself."""
    if not styles:
        return data
    if data.styles:
        raise ValueError("with_styles needs the plain data: this one already holds a style pool")
    counts = {name: count and max(1, count // QUICK_STYLES_DIVISOR) if quick else count
              for name, count in styles.items()}
    started = time.perf_counter()
    if progress:
        print(f"redrawing {sum(counts.values())} training digits in writing styles MNIST lacks...", flush=True)
    train_images = np.rint(data.x_train * 255).astype(np.uint8)     # the uint8 MNIST images, exactly
    styled_x, styled_y = style_pool(train_images, data.y_train, counts, np.random.default_rng(seed + STYLES_SEED_OFFSET))
    described = {"name": "workbench.data.styles.style_pool", "counts": counts,
                 "seed": seed + STYLES_SEED_OFFSET, "images": len(styled_x)}
    if progress:
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return dataclasses.replace(data, x_train=np.concatenate([data.x_train, styled_x]),
                               y_train=np.concatenate([data.y_train, styled_y]), styles=described)


def with_outliers(data: Data, count: int, seed: int, quick: bool, progress: bool = True) -> Data:
    """`data` with `count` drawings that are no digit (workbench.data.outliers, label NO_CLASS) appended to
    its training set, drawn with the build's seed; `count` 0: `data` itself."""
    if not count:
        return data
    if data.outliers:
        raise ValueError("with_outliers needs data without a no-digit pool: this one already holds one")
    count = max(1, count // QUICK_STYLES_DIVISOR) if quick else count
    started = time.perf_counter()
    if progress:
        print(f"drawing {count} marks that are no digit (workbench.data.outliers)...", flush=True)
    images, labels = outlier_pool(count, np.random.default_rng(seed + OUTLIERS_SEED_OFFSET))
    if progress:
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
    return dataclasses.replace(data, x_train=np.concatenate([data.x_train, images]),
                               y_train=np.concatenate([data.y_train, labels]),
                               outliers={"name": "workbench.data.outliers.outlier_pool", "images": count,
                                         "seed": seed + OUTLIERS_SEED_OFFSET})


def build_one(recipe: Recipe, data: Data, out: Path, *, epochs: int | None, seed: int,
              time_budget_minutes: float | None, verbose: bool) -> dict:
    """Train, test, save, reload-and-check one model; returns its manifest entry.

    The model's files are locked for the whole build, so a second build of the same model into the
    same folder stops at once with a clear message instead of silently replacing this one's files.
    """
    with file_lock(out / f".{recipe.name}.lock", f"{recipe.name} in {out}"):
        return _build_locked(recipe, data, out, epochs=epochs, seed=seed,
                             time_budget_minutes=time_budget_minutes, verbose=verbose)


def _build_locked(recipe: Recipe, data: Data, out: Path, *, epochs: int | None, seed: int,
                  time_budget_minutes: float | None, verbose: bool) -> dict:
    adapter = adapter_for(recipe.framework)
    epochs = epochs or recipe.training["epochs"]
    batch_size = recipe.training["batch_size"]
    budget = time_budget_minutes if time_budget_minutes is not None else recipe.time_budget_minutes
    augment = Augmenter(recipe.augment) if recipe.augment else None
    model = adapter.build(recipe, seed)

    def record(history: History) -> dict:
        training = training_record(history, epochs_requested=epochs, batch_size=batch_size,
                                   optimizer=recipe.training["optimizer"],
                                   augment=augment.to_dict() if augment else None,
                                   time_budget_seconds=budget and budget * 60, training_samples=len(data.x_train))
        return {"name": recipe.name, "description": recipe.description, "recipe": recipe.to_dict(), "seed": seed,
                "training": training, "history": history.to_dict()}

    started = time.perf_counter()
    try:
        history = adapter.fit(model, data, epochs=epochs, batch_size=batch_size,
                              optimizer=recipe.training["optimizer"], augment=augment,
                              time_budget=budget and budget * 60, seed=seed, verbose=verbose)
    except TrainingInterrupted as stop:
        adapter.save(model, out / "checkpoints" / recipe.name, {**record(stop.history), "checkpoint": True})
        raise
    seconds = time.perf_counter() - started

    scores = score(predict_in_batches(lambda x: adapter.predict_proba(model, x), data.x_test), data.y_test)
    metrics = {
        "test_accuracy": scores.accuracy, "test_errors": scores.errors,
        "best_validation_accuracy": max(history.validation_accuracy) if history.validation_accuracy else None,
        "training_seconds": round(seconds, 1), "epochs_run": len(history.epoch), "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
    }
    path = out / recipe.name
    adapter.save(model, path, {**record(history), "metrics": metrics,
                               "data": {**data.sizes(), "mnist_sha256": MNIST_SHA256}})
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
             "parameters": reloaded.metadata["architecture"].get("parameter_count"), "curves": curves.name,
             **metrics, "test_images": len(data.x_test), "seed": seed}
    update_manifest(out, entry)
    return entry


def calibrate_folder(out: Path, mnist: MnistData, quick: bool) -> bool:
    """Refit the window's "sure" rule (calibration.json) for the models now in `out`: a rebuilt model
    makes the old rule stale (it names the model files it was fitted for). False if it could not be done;
    the models are built either way, and the message says how to fit the rule later."""
    classifiers, problems = load_all(out)
    if not classifiers:
        return False
    print(f"\nfitting the \"sure\" rule for {', '.join(c.name for c in classifiers)}"
          + (f" (left out: {', '.join(problems)})" if problems else "") + "...", flush=True)
    try:
        rule, _ = fit_for_folder(classifiers, mnist, out, quick)
    except (OSError, ValueError, KeyboardInterrupt) as e:
        print(f"the models are built, but the \"sure\" rule was not refitted ({type(e).__name__}: {e}); the window "
              f"shows them as not calibrated until you run python -m workbench.reports.calibration --models-dir {out}",
              file=sys.stderr)
        return False
    print(f"wrote {out / CALIBRATION}: compare-all is {describe_vote(rule)}")
    return True


# --- command line ---------------------------------------------------------------------------------

def parser(names: list[str], description: str) -> argparse.ArgumentParser:
    # Under `python -m builders` argparse would call itself "__main__.py" in its messages.
    p = argparse.ArgumentParser(prog="python -m builders" if Path(sys.argv[0]).name == "__main__.py" else None,
                                description=description)
    p.add_argument("--models", nargs="+", choices=names, default=names, metavar="NAME",
                   help=f"which models to build (default: all of {', '.join(names)})")
    p.add_argument("--epochs", type=arg_types.positive_int, help="epochs per model (default: each recipe's own)")
    p.add_argument("--seed", type=arg_types.seed, default=0, help="random seed for weights, shuffling, dropout, augmentation")
    p.add_argument("--data-dir", help="folder with the MNIST files (default: $MNIST_DIR, then the user cache, "
                                      "then download)")
    p.add_argument("--out", type=Path, help=f"where models go (default: {DEFAULT_FOLDER}/; with --quick a new "
                                            f"temporary folder)")
    p.add_argument("--quick", action="store_true",
                   help=f"smoke test: {QUICK_TRAIN} training and {QUICK_VALIDATION} validation/test images, 1 epoch")
    p.add_argument("--time-budget", type=arg_types.positive_minutes, metavar="MINUTES",
                   help="per model: stop at the end of the epoch that exceeds it, keeping the best weights "
                        "(default: each recipe's own)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def main(names: list[str], description: str, argv: list[str] | None = None) -> int:
    args = parser(names, description).parse_args(argv)
    out = args.out or (Path(tempfile.mkdtemp(prefix="workbench-quick-")) if args.quick else DEFAULT_FOLDER)
    epochs = 1 if args.quick and args.epochs is None else args.epochs
    try:
        arg_types.check_writable(out)
    except OSError as e:
        print(f"error: --out: {e}", file=sys.stderr)
        return 2
    try:
        data = load_data(args.data_dir, args.quick, args.seed, styles=None, progress=not args.quiet)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted while loading MNIST; nothing was built", file=sys.stderr)
        return 130
    print(f"building {', '.join(args.models)} into {out}/ ({data.sizes()['train']} MNIST training images plus "
          f"each recipe's writing styles and no-digit drawings, {data.sizes()['validation']} validation, "
          f"{data.sizes()['test']} test images; "
          f"seed {args.seed})")
    built, failed = [], []
    styled: dict[tuple, Data] = {}              # one data set per distinct (styles, outliers): twins share theirs
    for name in args.models:
        recipe = RECIPES[name]
        print(f"\n== {name}: {recipe.description}")
        key = (tuple(sorted((recipe.styles or {}).items())), recipe.outliers)
        if key not in styled:
            styled[key] = with_outliers(with_styles(data, recipe.styles, args.seed, args.quick, progress=not args.quiet),
                                        recipe.outliers, args.seed, args.quick, progress=not args.quiet)
        try:
            entry = build_one(recipe, styled[key], out, epochs=epochs, seed=args.seed,
                              time_budget_minutes=args.time_budget, verbose=not args.quiet)
        except TrainingInterrupted:
            where = out / "checkpoints" / name
            print(f"\ninterrupted: what {name} had learned is saved as a checkpoint in {where}.json; "
                  f"{out}/ was left as it was for this model", file=sys.stderr)
            return 130
        except (TrainingDiverged, LockHeld) as e:
            print(f"{name}: {e}", file=sys.stderr)
            failed.append(name)
            continue
        built.append(entry)
        print(f"{name}: test accuracy {entry['test_accuracy']:.2%} ({entry['test_errors']} errors), "
              f"{entry['epochs_run']} epochs in {entry['training_seconds'] / 60:.1f} min, best epoch "
              f"{entry['best_epoch']}")
    if built:
        print("\n" + results_table(built))
        calibrated = calibrate_folder(out, data.mnist, args.quick)
    if failed:
        print(f"\nnot built: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or (built and not calibrated) else 0


def cli(argv: list[str] | None = None) -> int:
    """`digit-workbench-build` / `python -m builders`: every shipped model."""
    return main(list(RECIPES), "Train every shipped model into saved_networks/.", argv)

"""Choosing between recipes without looking at the real drawings: accuracy on drawn-style validation digits.

The real drawings (workbench.data.real_drawings) measure the shipped models and must never pick a setting.
A recipe change meant to help drawn digits is chosen here instead, on MNIST validation digits (the last
10,000 training images, never trained on) redrawn two ways, with seeds of their own (the calibration
set, workbench.reports.calibration, uses others):
- "drawn": 3,000 of them as mouse drawings (workbench.data.drawn_style.to_drawings, seed 777);
- "styled": 3,000 of them in the writing styles (workbench.data.styles.style_pool, 300 per variant, seed 778).
The two halves use different validation digits. builders/recipes.py quotes these figures.

    python -m workbench.reports.selection MODEL.json [MODEL.json ...] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from workbench.data.drawn_style import to_drawings
from workbench.data.mnist import DatasetError, load_mnist
from workbench.data.styles import VARIANTS, style_pool
from workbench.drawing.preprocess import to_mnist
from workbench.models.adapter import ModelUnavailable
from workbench.models.registry import load_model
from workbench.reports.evaluate import predict_in_batches, score

DRAWN_SEED, STYLED_SEED = 777, 778
DRAWN_COUNT = STYLED_COUNT = 3000


def selection_sets(mnist, drawn_count: int = DRAWN_COUNT, styled_count: int = STYLED_COUNT) \
        -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """{"drawn": (images, labels), "styled": (images, labels)}: float32 (n, 28, 28) as the models see them.

    The styled digits come from the first 5,000 validation images, the drawn ones from those after."""
    split = mnist.validation_split()
    images, labels = split.validation_images, split.validation_labels.astype(np.int64)
    source, pool = slice(0, 5000), slice(5000, 5000 + drawn_count)
    drawn = np.stack([to_mnist(d) for d in to_drawings(images[pool], seed=DRAWN_SEED)])
    counts = {name: max(1, styled_count // len(VARIANTS)) for name in VARIANTS}
    styled, styled_labels = style_pool(images[source], labels[source], counts, np.random.default_rng(STYLED_SEED))
    return {"drawn": (drawn, labels[pool]), "styled": (styled, styled_labels.astype(np.int64))}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m workbench.reports.selection",
                                description="Accuracy of model files on drawn-style validation digits.")
    p.add_argument("models", nargs="+", metavar="MODEL.json")
    p.add_argument("--data-dir", help="folder with the MNIST files (default: $MNIST_DIR, then the user cache)")
    args = p.parse_args(argv)
    try:
        classifiers = [load_model(path) for path in args.models]
        sets = selection_sets(load_mnist(args.data_dir, download=False))
    except (ModelUnavailable, DatasetError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for classifier in classifiers:
        accuracy = {name: score(predict_in_batches(classifier.predict_proba, x), y).accuracy
                    for name, (x, y) in sets.items()}
        print(f"{classifier.name}: " + ", ".join(f"{name} {a:.2%}" for name, a in accuracy.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drawings that are no digit, for training: outlier exposure (Hendrycks et al., 2019).

A network trained on digits alone answers every drawing with some digit, often confidently: a drawn
square is a sure 0, a hash a sure 4. Shown some drawings that are no digit with the label NO_CLASS,
whose desired output is uniform (1/10 for every digit; scratch.checks.one_hot), it learns to spread its
answer on what does not look like a digit, and its confidence starts to mean "this is a digit, and it
is this one". A recipe's `outliers` says how many to add to its training set (builders.build). Training
accuracy counts them as misses (no digit is right for them); validation data must be digits.

The pool is the MARKS of workbench.data.letters (lambda, a square root, <, a not-equal sign, a house, a
sun, a stick figure, a tree...), in turn, each sample randomly placed, sized, slanted, stretched, jittered
and drawn with a random pen like the GUI's canvas (render_strokes, then to_mnist). Never the drawn
letters (the check set of the "sure" rule) nor the symbols (what the rule is fitted against): both must
stay drawings the models were never taught to doubt.

No shipped model uses it (see builders.recipes for what it cost them on real drawings).

    python -m workbench.data.outliers OUT.png     # a montage: trained on, fitted on, checked on
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from scratch.checks import NO_CLASS
from workbench.data.letters import MARK_GLYPHS, MARKS, placed_strokes
from workbench.data.my_drawings import CANVAS
from workbench.drawing.preprocess import render_strokes, to_mnist


def outlier_pool(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` drawings that are no digit, as the models see them: (images (count, 28, 28) float32 in [0, 1],
    labels (count,) int64, all NO_CLASS), cycling through MARKS, in random order."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a whole number, 0 or more, got {count!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    images = np.empty((count, 28, 28), np.float32)
    for i in range(count):
        strokes, pen = placed_strokes(MARK_GLYPHS[MARKS[i % len(MARKS)]], rng, CANVAS)
        images[i] = to_mnist(render_strokes(strokes, (CANVAS, CANVAS), pen))
    order = rng.permutation(count)
    return images[order], np.full(count, NO_CLASS, np.int64)


# --- looking at it ------------------------------------------------------------------------------

def montage(path: str | Path, rng: np.random.Generator, columns: int = 16, zoom: int = 3) -> Path:
    """Write a PNG of the three kinds of drawings that are no digit, a row each, as the models see them:
    what outlier exposure trains models to doubt (this pool, the marks), what the "sure" rule is fitted
    against (the symbols) and what it is checked on (the letters). Dark ink on white, on a grey ground;
    written atomically."""
    from PIL import Image, ImageDraw, ImageFont

    from scratch.files import atomic_path
    from workbench.data.letters import LETTERS, SYMBOLS, letter_images

    rows = {"outlier exposure (marks)": outlier_pool(columns, rng)[0],
            "the rule's guard (symbols)": letter_images(1, rng, SYMBOLS[:columns])[0],
            "the check set (letters)": letter_images(1, rng, LETTERS[:columns])[0]}
    cell, gap, label_width = 28 * zoom, 4, 220
    picture = Image.new("L", (label_width + columns * (cell + gap) + gap, len(rows) * (cell + gap) + gap), 160)
    draw = ImageDraw.Draw(picture)
    try:
        font = ImageFont.load_default(size=15)
    except TypeError:                                   # Pillow before 10.1: one small bitmap font
        font = ImageFont.load_default()
    for row, (name, images) in enumerate(rows.items()):
        top = gap + row * (cell + gap)
        draw.text((6, top + cell // 2 - 6), name, fill=0, font=font)
        for col, tile in enumerate(images):
            ink = Image.fromarray(np.round(255 * (1 - tile)).astype(np.uint8), "L")
            picture.paste(ink.resize((cell, cell), Image.Resampling.NEAREST), (label_width + col * (cell + gap), top))
    path = Path(path)
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
    return path


def main(argv: list[str] | None = None) -> int:
    """`python -m workbench.data.outliers OUT.png`: drawings that are no digit, trained on, fitted on, checked on."""
    parser = argparse.ArgumentParser(prog="python -m workbench.data.outliers", description=main.__doc__)
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        print(f"wrote {montage(args.out, np.random.default_rng(args.seed))}")
    except OSError as e:
        print(f"error: cannot write {args.out}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Drawings that are no digit, for training: outlier exposure (Hendrycks et al., 2019).

A network trained on digits alone answers every drawing with some digit, often confidently: a drawn
square is a sure 0, a hash a sure 4. Shown some drawings that are no digit with the label NO_CLASS,
whose desired output is uniform (1/10 for every digit; scratch.checks.one_hot), it learns to spread its
answer on what does not look like a digit, and its confidence starts to mean "this is a digit, and it
is this one". That is what lets the window call more real digits "sure" while staying unsure of letters.

The pool is the SYMBOLS of workbench.data.letters (+ = # * % ~ @ & triangle square star heart spiral
arrow smiley infinity sigma omega pi), in turn, each sample randomly placed, sized, slanted, stretched,
jittered and drawn with a random pen like the GUI's canvas (render_strokes, then to_mnist).

Never the drawn letters (the check set of the "sure" rule) nor the marks (what the rule is fitted
against): both must be drawings the models were never taught to doubt. Random scribbles were tried too
and left out: two or three random strokes often look like a 1 with a long flag, and scratch-cnn trained
on them read 7 more real 1s (of 120) as 4 or 7.
"""

from __future__ import annotations

import numpy as np

from scratch.checks import NO_CLASS
from workbench.data.letters import SYMBOLS, SYMBOL_GLYPHS, placed_strokes
from workbench.data.my_drawings import CANVAS
from workbench.drawing.preprocess import render_strokes, to_mnist


def outlier_pool(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`count` drawings that are no digit, as the models see them: (images (count, 28, 28) float32 in [0, 1],
    labels (count,) int64, all NO_CLASS), cycling through SYMBOLS, in random order."""
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 0:
        raise ValueError(f"count must be a whole number, 0 or more, got {count!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator, got {type(rng).__name__}")
    images = np.empty((count, 28, 28), np.float32)
    for i in range(count):
        strokes, pen = placed_strokes(SYMBOL_GLYPHS[SYMBOLS[i % len(SYMBOLS)]], rng, CANVAS)
        images[i] = to_mnist(render_strokes(strokes, (CANVAS, CANVAS), pen))
    order = rng.permutation(count)
    return images[order], np.full(count, NO_CLASS, np.int64)

"""Drawn letters that do not look like digits: a check set for "is the model sure of a digit?".

MNIST models answer every input with some digit, often with confidence. A drawn letter has no right
answer among 0-9, so the fraction of letters a rule calls "sure of a digit" measures how often it would
present a confident wrong answer to someone who drew something else. These letters are a check set
only: nothing is trained, fitted or chosen on them.

SYMBOLS are other drawings that are no digit (+ = # * % ~ @ &, a triangle, a square, a star, a heart,
a spiral, an arrow, a smiley, infinity, sigma, omega, pi). They are what the "sure" rule is fitted
against (workbench.reports.calibration), so that the letters stay a fair test of it.
! and ? are left out: drawn small, their dot vanishes and what remains is a fair 1 or 7.

MARKS are a third set of drawings that are no digit (lambda, a square root, <, a not-equal sign, a
division sign, a diamond, a house, a sun, a dagger, an hourglass, an envelope, a bow tie, a stick figure,
a tree, an approximately-equal sign, a cloud): the pool of outlier exposure (workbench.data.outliers).
They are other glyphs than the letters and symbols, so a model trained to doubt them is fitted and checked
on glyphs it has not seen; some are relatives of them (the not-equal sign of the equals sign, the hourglass
of the X), so the guard and the check favour such a model somewhat.

Each glyph is a list of pen strokes in glyph coordinates: a 100-unit box, x to the right, y down (as on
the GUI's canvas, whose strokes are (x, y) pixels, y down). Capitals fill the box; lower-case letters
sit on the same baseline (y = 100) with an x-height of about 55 units, ascenders (f, h, k) reach the top.
`letter_images` places each sample on the GUI's 280-pixel canvas with random size, slant, stretch,
position, a little hand jitter and a random pen width, draws it with the GUI's round pen
(`workbench.drawing.preprocess.render_strokes`) and prepares it with `to_mnist`, exactly as a mouse
drawing is prepared. The randomness comes from the generator (or seed) given: same seed, same images.
"""

from __future__ import annotations

import numpy as np

from workbench.data.my_drawings import CANVAS
from workbench.drawing.preprocess import PEN_FRACTION, render_strokes, to_mnist

Stroke = list[tuple[float, float]]


def _arc(cx: float, cy: float, rx: float, ry: float, start: float, stop: float, steps: int = 16) -> Stroke:
    """Points of an elliptic arc from angle `start` to `stop` (degrees, counter-clockwise as seen on screen:
    0 = right, 90 = up, 180 = left, 270 = down; y grows down, so up is cy - ry)."""
    angles = np.radians(np.linspace(start, stop, steps))
    return [(cx + rx * np.cos(a), cy - ry * np.sin(a)) for a in angles]


def _glyphs() -> dict[str, list[Stroke]]:
    g: dict[str, list[Stroke]] = {
        # capitals: the 100-unit box
        "A": [[(0, 100), (50, 0), (100, 100)], [(25, 55), (75, 55)]],
        "C": [_arc(55, 50, 45, 50, 45, 315, 24)],
        "E": [[(90, 0), (0, 0), (0, 100), (90, 100)], [(0, 50), (65, 50)]],
        "F": [[(90, 0), (0, 0), (0, 100)], [(0, 48), (65, 48)]],
        "H": [[(0, 0), (0, 100)], [(80, 0), (80, 100)], [(0, 50), (80, 50)]],
        "K": [[(0, 0), (0, 100)], [(80, 0), (0, 58)], [(28, 38), (85, 100)]],
        "M": [[(0, 100), (0, 0), (50, 60), (100, 0), (100, 100)]],
        "N": [[(0, 100), (0, 0), (80, 100), (80, 0)]],
        "P": [[(0, 100), (0, 0), (45, 0)] + _arc(45, 26, 30, 26, 90, -90) + [(45, 52), (0, 52)]],
        "R": [[(0, 100), (0, 0), (45, 0)] + _arc(45, 26, 30, 26, 90, -90) + [(45, 52), (0, 52)],
              [(35, 52), (85, 100)]],
        "U": [[(0, 0)] + _arc(40, 60, 40, 40, 180, 360) + [(80, 0)]],
        "V": [[(0, 0), (45, 100), (90, 0)]],
        "W": [[(0, 0), (25, 100), (50, 35), (75, 100), (100, 0)]],
        "X": [[(0, 0), (85, 100)], [(85, 0), (0, 100)]],
        # lower case: baseline at 100, x-height at 45
        "a": [_arc(28, 74, 26, 26, 80, 440, 28), [(56, 48), (56, 100)]],
        "c": [_arc(32, 73, 30, 27, 50, 310, 20)],
        "e": [[(4, 73), (60, 73)] + _arc(32, 73, 28, 27, 0, 315, 22)],
        "f": [_arc(45, 18, 18, 18, 20, 180, 10) + [(27, 100)], [(8, 48), (52, 48)]],
        "h": [[(0, 0), (0, 100)], [(0, 70)] + _arc(27, 70, 27, 25, 180, 0, 12) + [(54, 100)]],
        "k": [[(0, 0), (0, 100)], [(48, 45), (0, 76), (52, 100)]],
        "m": [[(0, 45), (0, 100)], [(0, 66)] + _arc(20, 66, 20, 20, 180, 0, 10) + [(40, 100)],
              [(40, 66)] + _arc(60, 66, 20, 20, 180, 0, 10) + [(80, 100)]],
        "n": [[(0, 45), (0, 100)], [(0, 70)] + _arc(27, 70, 27, 25, 180, 0, 12) + [(54, 100)]],
        "r": [[(0, 45), (0, 100)], [(0, 72)] + _arc(24, 70, 24, 24, 180, 50, 8)],
        "u": [[(0, 45)] + _arc(27, 74, 27, 26, 180, 360, 14) + [(54, 45)], [(54, 45), (54, 100)]],
        "v": [[(0, 45), (30, 100), (60, 45)]],
        "w": [[(0, 45), (17, 100), (36, 62), (55, 100), (72, 45)]],
        "x": [[(0, 45), (56, 100)], [(56, 45), (0, 100)]],
    }
    return g


def _symbols() -> dict[str, list[Stroke]]:
    """Non-digit drawings for fitting the "sure" rule, in the same 100-unit box (none is a letter)."""
    star = [(50 + 50 * np.sin(np.radians(144 * k)), 52 - 50 * np.cos(np.radians(144 * k))) for k in range(6)]
    spiral = [(50 + r * np.cos(a), 50 - r * np.sin(a)) for a, r in zip(np.linspace(0, 5 * np.pi, 40),
                                                                       np.linspace(4, 50, 40))]
    infinity = [(50 + 48 * np.cos(t) / (1 + np.sin(t) ** 2), 50 + 48 * np.sin(t) * np.cos(t) / (1 + np.sin(t) ** 2))
                for t in np.linspace(0, 2 * np.pi, 40)]
    wave = [(x, 50 - 18 * np.sin(x / 100 * 2 * np.pi)) for x in np.linspace(0, 100, 24)]
    return {
        "plus": [[(50, 5), (50, 95)], [(5, 50), (95, 50)]],
        "equals": [[(0, 32), (100, 32)], [(0, 68), (100, 68)]],
        "hash": [[(35, 0), (25, 100)], [(75, 0), (65, 100)], [(5, 32), (100, 32)], [(0, 68), (95, 68)]],
        "asterisk": [[(50, 0), (50, 100)], [(7, 25), (93, 75)], [(93, 25), (7, 75)]],
        "percent": [_arc(22, 20, 16, 18, 0, 360, 14), [(85, 0), (15, 100)], _arc(78, 80, 16, 18, 0, 360, 14)],
        "tilde": [wave],
        "at": [_arc(50, 50, 16, 18, 0, 360, 14), _arc(50, 50, 48, 50, 0, 330, 26)],
        "ampersand": [[(90, 100), (20, 40)] + _arc(40, 20, 20, 20, 200, -20, 10)
                      + [(10, 75)] + _arc(35, 78, 25, 22, 180, 300, 8) + [(85, 55)]],
        "triangle": [[(50, 0), (100, 95), (0, 95), (50, 0)]],
        "square": [[(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]],
        "star": [star],
        "heart": [[(50, 100)] + _arc(27, 25, 25, 25, 225, 0, 12)[::-1][::-1] + _arc(73, 25, 25, 25, 180, -45, 12)
                  + [(50, 100)]],
        "spiral": [spiral],
        "arrow": [[(0, 50), (100, 50)], [(70, 20), (100, 50), (70, 80)]],
        "smiley": [_arc(50, 50, 50, 50, 0, 360, 28), [(33, 35), (33, 38)], [(67, 35), (67, 38)],
                   _arc(50, 55, 28, 22, 200, 340, 10)],
        "infinity": [infinity],
        "sigma": [[(95, 0), (5, 0), (55, 50), (5, 100), (95, 100)]],
        "omega": [[(0, 100), (30, 100)] + _arc(50, 45, 38, 42, 240, -60, 20) + [(70, 100), (100, 100)]],
        "pi": [[(0, 10), (100, 10)], [(28, 10), (25, 100)], [(72, 10), (78, 100)]],
    }


def _marks() -> dict[str, list[Stroke]]:
    """More drawings that are no digit, for outlier exposure only: other glyphs than the symbols the "sure"
    rule is fitted against and the letters of the check set, though some are their relatives (the
    not-equal sign of the equals sign, the hourglass of the X). None is a lone circle or a lone stroke."""
    rays = [[(50 + 30 * np.cos(a), 50 + 30 * np.sin(a)), (50 + 50 * np.cos(a), 50 + 50 * np.sin(a))]
            for a in np.radians(np.arange(0, 360, 45))]
    wave = [(x, 30 - 12 * np.sin(x / 100 * 2 * np.pi)) for x in np.linspace(0, 100, 20)]
    cloud = (_arc(20, 60, 20, 20, 270, 90, 8) + _arc(45, 35, 25, 25, 180, 0, 10)[1:]
             + _arc(78, 55, 22, 22, 120, -90, 10)[1:] + [(20, 80)])
    return {
        "lambda": [[(10, 0), (90, 100)], [(50, 48), (8, 100)]],
        "root": [[(0, 62), (18, 52), (42, 100), (72, 0), (100, 0)]],
        "less": [[(95, 5), (5, 50), (95, 95)]],
        "not_equal": [[(0, 35), (100, 35)], [(0, 68), (100, 68)], [(72, 0), (28, 100)]],
        "divide": [[(0, 50), (100, 50)], [(50, 12), (50, 16)], [(50, 84), (50, 88)]],
        "diamond": [[(50, 0), (100, 50), (50, 100), (0, 50), (50, 0)]],
        "house": [[(0, 100), (0, 42), (50, 0), (100, 42), (100, 100), (0, 100)]],
        "sun": [_arc(50, 50, 22, 22, 0, 360, 16)] + rays,
        "dagger": [[(50, 0), (50, 100)], [(12, 28), (88, 28)]],
        "hourglass": [[(0, 0), (100, 0), (0, 100), (100, 100), (0, 0)]],
        "envelope": [[(0, 15), (100, 15), (100, 85), (0, 85), (0, 15), (50, 55), (100, 15)]],
        "bowtie": [[(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)]],
        "stick_figure": [_arc(50, 14, 13, 14, 0, 360, 12), [(50, 28), (50, 68)], [(15, 42), (85, 42)],
                         [(20, 100), (50, 68), (80, 100)]],
        "tree": [[(50, 0), (95, 70), (5, 70), (50, 0)], [(42, 70), (42, 100)], [(58, 70), (58, 100)]],
        "approx": [wave, [(x, y + 40) for x, y in wave]],
        "cloud": [cloud],
    }


GLYPHS: dict[str, list[Stroke]] = _glyphs()
LETTERS: tuple[str, ...] = tuple(GLYPHS)      # "A", "C", ..., "x": 27 letters
SYMBOL_GLYPHS: dict[str, list[Stroke]] = _symbols()
SYMBOLS: tuple[str, ...] = tuple(SYMBOL_GLYPHS)
MARK_GLYPHS: dict[str, list[Stroke]] = _marks()
MARKS: tuple[str, ...] = tuple(MARK_GLYPHS)
_ALL_GLYPHS = {**GLYPHS, **SYMBOL_GLYPHS, **MARK_GLYPHS}

# The random variation of one sample (uniform within these ranges).
FILL = (0.45, 0.8)       # the letter's longer side, as a fraction of the canvas
SLANT = 0.25             # shear: x moves by up to +-0.25 x (height above the centre)
STRETCH = 0.15           # width scaled by up to +-15%, height kept
JITTER = 0.012           # hand tremor: smooth offsets of about this fraction of the canvas
PEN = (0.7, 1.4)         # pen width relative to MNIST's pen (PEN_FRACTION of the letter's size)
STEP = 8.0               # canvas pixels between resampled points (where jitter applies)
MARGIN = 4               # pixels kept free at the canvas edges


def letter_strokes(letter: str, rng: np.random.Generator, canvas: int = CANVAS) -> tuple[list[np.ndarray], float]:
    """One randomly varied sample of `letter` on a `canvas`-pixel canvas: (strokes, pen width in pixels).

    Each stroke is an (k, 2) float64 array of (x, y) canvas pixels, y down, as the GUI records them.
    """
    if letter not in _ALL_GLYPHS:
        raise ValueError(f"no glyph for {letter!r}; letters: {' '.join(LETTERS)}; symbols: {' '.join(SYMBOLS)}; "
                         f"marks: {' '.join(MARKS)}")
    return placed_strokes(_ALL_GLYPHS[letter], rng, canvas)


def placed_strokes(glyph: list[Stroke], rng: np.random.Generator,
                   canvas: int = CANVAS) -> tuple[list[np.ndarray], float]:
    """`glyph` (strokes in its own coordinates, y down) drawn once on a `canvas`-pixel canvas with random
    size, slant, stretch, position, hand jitter and pen width: (strokes, pen width in pixels), as letter_strokes."""
    u = rng.random(6)
    strokes = [np.asarray(s, np.float64) for s in glyph]
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    centre = (low + high) / 2
    slant = SLANT * (2 * u[0] - 1)
    stretch = 1 + STRETCH * (2 * u[1] - 1)
    shaped = []
    for s in strokes:
        s = s - centre
        s[:, 0] = s[:, 0] * stretch - slant * s[:, 1]          # y down: the top (y < 0) leans right for slant > 0
        shaped.append(s)
    every = np.concatenate(shaped)
    extent = float((every.max(axis=0) - every.min(axis=0)).max())
    size = (FILL[0] + (FILL[1] - FILL[0]) * u[2]) * canvas
    scale = size / extent
    pen = PEN_FRACTION * size * (PEN[0] + (PEN[1] - PEN[0]) * u[3])
    placed = [s * scale for s in shaped]
    every = np.concatenate(placed)
    half = (every.max(axis=0) - every.min(axis=0)) / 2
    room = np.maximum(canvas / 2 - MARGIN - pen / 2 - half, 0)
    offset = canvas / 2 + (2 * u[4:6] - 1) * room - (every.max(axis=0) + every.min(axis=0)) / 2
    out = []
    for s in placed:
        s = _resampled(s + offset, STEP)
        # smooth jitter: random offsets at every point, averaged with the neighbours
        noise = rng.normal(0.0, JITTER * canvas, s.shape)
        if len(s) > 2:
            padded = np.pad(noise, ((1, 1), (0, 0)), mode="edge")
            noise = (padded[:-2] + padded[1:-1] + padded[2:]) / 3
        out.append(np.clip(np.rint(s + noise), 0, canvas - 1))
    return out, float(pen)


def _resampled(points: np.ndarray, step: float) -> np.ndarray:
    """The polyline `points` with points every `step` pixels along it (its corners kept)."""
    pieces = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        n = max(int(np.ceil(np.linalg.norm(b - a) / step)), 1)
        t = np.arange(1, n + 1)[:, None] / n
        pieces.append(a + (b - a) * t)
    return np.concatenate(pieces)


def letter_images(count_per_letter: int, rng: np.random.Generator | int = 0,
                  letters: tuple[str, ...] = LETTERS) -> tuple[np.ndarray, list[str]]:
    """`count_per_letter` drawings of each letter as the models see them: ((n, 28, 28) float32, names).

    Images are in [0, 1], ink high (`to_mnist` of the canvas drawing); names[i] is the letter of image i;
    the letters come in the order of `letters`, each `count_per_letter` times. `rng` is a numpy Generator
    or an integer seed; the same seed gives the same images.
    """
    if isinstance(count_per_letter, bool) or not isinstance(count_per_letter, (int, np.integer)) \
            or count_per_letter < 0:
        raise ValueError(f"count_per_letter must be a whole number, 0 or more, got {count_per_letter!r}")
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = np.random.default_rng(int(rng))
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy Generator or an integer seed, got {type(rng).__name__}")
    if isinstance(letters, str):
        raise ValueError(f"letters must be a tuple of glyph names, not one string: use ({letters!r},)")
    unknown = [x for x in letters if x not in _ALL_GLYPHS]
    if unknown:
        raise ValueError(f"no glyph for {', '.join(map(repr, unknown))}; letters: {' '.join(LETTERS)}; "
                         f"symbols: {' '.join(SYMBOLS)}; marks: {' '.join(MARKS)}")
    images = np.empty((len(letters) * count_per_letter, 28, 28), np.float32)
    names: list[str] = []
    for letter in letters:
        for _ in range(count_per_letter):
            strokes, pen = letter_strokes(letter, rng)
            images[len(names)] = to_mnist(render_strokes(strokes, (CANVAS, CANVAS), pen))
            names.append(letter)
    return images, names


def symbol_images(count_per_symbol: int, rng: np.random.Generator | int = 0) -> tuple[np.ndarray, list[str]]:
    """`count_per_symbol` drawings of each of SYMBOLS, varied and prepared like `letter_images`."""
    return letter_images(count_per_symbol, rng, SYMBOLS)


def mark_images(count_per_mark: int, rng: np.random.Generator | int = 0) -> tuple[np.ndarray, list[str]]:
    """`count_per_mark` drawings of each of MARKS, varied and prepared like `letter_images`."""
    return letter_images(count_per_mark, rng, MARKS)

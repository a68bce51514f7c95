"""Writing styles that MNIST hardly has, made from pen paths: augmentation for models that read real drawings.

MNIST was written by American census staff and students. People elsewhere write some digits
differently, and models trained on MNIST misread those forms: a 1 with a long up-stroke flag
as 7, a crossed 7 as 2, a slashed zero as 8, 4 or 6, a 1 with a foot as 2, a 9 with a straight
stem and an angular head as 3 or 5, an open-topped 4 as 9; and a slow mouse turns every curve
into a polygon. Each variant here changes the *pen path* of a digit, then draws it with the pen
model of `workbench.data.drawn_style` (a round pen of random width, random size, slant, stretch
and position on a 280x280 canvas, a little hand jitter) and prepares it with `to_mnist`, as the
GUI does. Strokes are drawn, never pasted onto pixels, so a crossbar has the digit's pen width
and joins the stem the way ink does.

Where each variant's geometry comes from (paths live in the 84x84 grid of the digit's skeleton,
x right, y down; see `drawn_style.digit_skeletons`):

- from the MNIST sample's own skeleton, traced into branches (`trace_skeleton`):
  `seven_crossbar` (the stem is found where the skeleton crosses the crossbar's height),
  `zero_slash` (the slash runs through the loop's middle, past the skeleton on both sides),
  `polygonal` and `jitter` (any digit: its branches resampled or wobbled);
- from the sample's principal axis (its slant and length), a synthesised straight stem:
  `one_flag`, `one_foot` (MNIST 1s may already carry a small flag or foot; a clean stem
  means the sample gets exactly the form asked for);
- synthesised from a parametric template with random geometry, scaled into the sample's box
  (its height, and its aspect ratio within the template's limits): `four_open`,
  `four_closed`, `nine_straight`, `two_loop`. These forms differ from most MNIST samples in
  topology (an open top, a loop where MNIST has a corner), which no small edit of a skeleton
  gives reliably.

API: `styled_digits` for batches (what training will call); `styled_path` and `render_path`
for one sample (what the tests and the montage use). Run
`python -m workbench.data.styles OUT.png` for a montage of every variant.
"""

from __future__ import annotations

import argparse
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from scratch.files import atomic_path
from workbench.data.drawn_style import (FILL, MARGIN, SLANT, STRETCH, THICKNESS, check_images, check_size,
                                        check_thickness,
                                        digit_skeletons)
from workbench.drawing.preprocess import PEN_FRACTION, draw_segments, to_mnist

ALL_DIGITS = tuple(range(10))

# Each variant and the digits it applies to (declaration order is the montage's row order).
VARIANTS: dict[str, tuple[int, ...]] = {
    "one_flag": (1,),
    "one_foot": (1,),
    "seven_crossbar": (7,),
    "zero_slash": (0,),
    "four_open": (4,),
    "four_closed": (4,),
    "nine_straight": (9,),
    "two_loop": (2,),
    "polygonal": ALL_DIGITS,
    "jitter": ALL_DIGITS,
}

CANVAS = 280               # the GUI's canvas: the pen model is calibrated for drawings on it
HAND_JITTER = 0.008        # every drawing wobbles by up to 0.8% of its size (RMS): a steady hand
JITTER = (0.012, 0.025)    # the `jitter` variant: 1.2% to 2.5% of the size, a shaky hand or touchpad
POLYGON_SPACING = (0.2, 0.45)  # `polygonal`: one pen sample per 20-45% of the digit's size (a slow pen)
SMOOTHING = 3              # skeleton branches are averaged over 7 points (of the 84-pixel grid): 2.3 MNIST pixels
SPUR = 0.1                 # skeleton branches with a free end shorter than 10% of the digit are thinning noise


@dataclass(frozen=True)
class PenPath:
    """A digit as a pen draws it: strokes, and the named parts of its geometry.

    `strokes` are (k, 2) float64 arrays of (x, y) points, in order, y down, in the 84x84 grid of
    the source digit's skeleton; the pen stays down along a stroke. `parts` name points of the
    variant's own geometry (a crossbar's ends, a stem's ends...), in the same coordinates, so
    that tests and readers can check what was drawn without a classifier.
    """

    strokes: tuple[np.ndarray, ...]
    parts: Mapping[str, np.ndarray] = field(default_factory=dict)

    def points(self) -> np.ndarray:
        """Every point of every stroke, (m, 2)."""
        return np.concatenate(self.strokes) if self.strokes else np.zeros((0, 2))

    def size(self) -> float:
        """The longer side of the path's bounding box (at least 1): what jitter and spacing scale with."""
        points = self.points()
        return max(float(np.ptp(points, axis=0).max()), 1.0) if len(points) else 1.0


@dataclass(frozen=True)
class Rendering:
    """A pen path drawn on a canvas: `canvas` (size, size) uint8, black (0) ink on white (255).

    `to_canvas` is the (2, 3) affine map from path coordinates to canvas pixels (hand jitter
    aside, which moves points by a few pixels): canvas_xy = xy @ to_canvas[:, :2].T + to_canvas[:, 2].
    `pen` is the pen's width in canvas pixels.
    """

    canvas: np.ndarray
    to_canvas: np.ndarray
    pen: int

    def map(self, xy: np.ndarray) -> np.ndarray:
        """Path points (m, 2) -> canvas points (m, 2)."""
        return np.asarray(xy, np.float64) @ self.to_canvas[:, :2].T + self.to_canvas[:, 2]


# --------------------------------------------------------------------------------------------
# The batch API
# --------------------------------------------------------------------------------------------

def styled_digits(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                  probability: float = 0.5, variants: Iterable[str] | None = None,
                  size: int = CANVAS, thickness: tuple[float, float] = THICKNESS) -> np.ndarray:
    """Training images with some digits redrawn in other writing styles: (n, 28, 28) float32 in [0, 1].

    `images` (n, 28, 28) uint8, ink high, and `labels` (n,) integers 0..9, as loaded by
    workbench.data.mnist. Each sample for which some of `variants` (names of VARIANTS; default
    all) apply to its label is, with `probability`, redrawn in one of them, picked uniformly;
    the others come back as they were (divided by 255). A redrawn sample is its variant's pen
    path drawn by `render_path` on a `size` x `size` canvas with a pen of `thickness` x MNIST's
    (drawn from that range), then prepared with `to_mnist`: MNIST-style, as the GUI hands
    drawings to the models. Labels are unchanged: every variant is the same digit.

    Deterministic for a given state of `rng`. One row of random numbers is drawn per sample
    up front and sample i's result depends on row i alone, so with the same seed
    styled_digits(images[:k], ...) is the first k results of styled_digits(images, ...).
    """
    images, labels = _check_batch(images, labels)
    probability = _check_probability(probability)
    names = _check_variants(variants)
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")
    size = check_size(size)
    thickness = check_thickness(thickness)
    n = len(images)
    # Drawn for every sample, used or not: (whether, which variant, the sample's own seed).
    u = rng.random((n, 3))
    chosen = u[:, 0] < probability
    picks = u[:, 1]
    seeds = (u[:, 2] * 2.0 ** 53).astype(np.int64)    # every bit of the float's mantissa
    out = images.astype(np.float32) * np.float32(1 / 255)
    applicable = {digit: [v for v in names if digit in VARIANTS[v]] for digit in ALL_DIGITS}
    todo = [i for i in range(n) if chosen[i] and applicable[int(labels[i])]]
    if not todo:
        return out
    skeletons = digit_skeletons(images[todo])          # one vectorised thinning for the whole batch
    for skeleton, i in zip(skeletons, todo):
        options = applicable[int(labels[i])]
        variant = options[min(int(picks[i] * len(options)), len(options) - 1)]
        sample_rng = np.random.default_rng(seeds[i])
        path = _VARIANT_MAKERS[variant](skeleton, sample_rng)
        if not path.strokes or not len(path.points()):
            continue                                    # nothing to draw (an empty image): keep it
        rendering = render_path(path, sample_rng, size=size, thickness=thickness)
        pixels = to_mnist(rendering.canvas)
        if pixels.any():                                # a drawing too small to prepare: keep the original
            out[i] = pixels
    return out


def style_pool(images: np.ndarray, labels: np.ndarray, counts: Mapping[str, int],
               rng: np.random.Generator, with_sources: bool = False) -> tuple[np.ndarray, ...]:
    """Extra training digits in the writing styles MNIST lacks: (x (m, 28, 28) float32 in [0, 1], y (m,) int64).

    `images` (n, 28, 28) uint8 and `labels` (n,) are the digits the new ones are redrawn from (for
    training, the training split only; calibration redraws validation digits). `counts` says how
    many to make of each variant, e.g. {"one_flag": 1500, "polygonal": 2000}: for each, that many
    source digits are picked at random (without replacement where there are enough) among those the
    variant applies to, and each is redrawn in it (a source too faint to redraw is kept as it is).
    m = sum(counts.values()). Deterministic for a given state of `rng`. With `with_sources`, a third
    array (m,) int64 says which of `images` each new digit was redrawn from.

    Why a fixed pool rather than restyling mini-batches on the fly: a redrawing costs ~2 ms of
    Python per digit, too slow for every epoch of every model, and one pool made once per build
    gives the scratch networks and their Keras twins exactly the same extra digits.
    """
    images, labels = _check_batch(images, labels)
    if not isinstance(counts, Mapping) or not counts:
        raise ValueError(f"counts must map variant names to how many digits to make, got {counts!r}")
    _check_variants(counts)
    for name, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise ValueError(f"counts[{name!r}] must be a whole number of digits, at least 0, got {count!r}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    xs, ys, sources_used = [np.zeros((0, 28, 28), np.float32)], [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for name, count in counts.items():
        sources = np.flatnonzero(np.isin(labels, VARIANTS[name]))
        if count == 0:
            continue
        if not len(sources):
            raise ValueError(f"no training digit is one that {name!r} applies to ({VARIANTS[name]})")
        picks = rng.choice(sources, size=count, replace=count > len(sources))
        xs.append(styled_digits(images[picks], labels[picks], rng, probability=1.0, variants=[name]))
        ys.append(labels[picks].astype(np.int64))
        sources_used.append(picks.astype(np.int64))
    if with_sources:
        return np.concatenate(xs), np.concatenate(ys), np.concatenate(sources_used)
    return np.concatenate(xs), np.concatenate(ys)


def styled_path(image: np.ndarray, variant: str, rng: np.random.Generator) -> PenPath:
    """One MNIST digit ((28, 28) uint8, ink high) redrawn in `variant`: its pen path.

    The digit should be one that the variant applies to (VARIANTS[variant]); the synthesised
    variants use only its box and slant, so any image gives their digit.
    """
    if not isinstance(image, np.ndarray) or image.shape != (28, 28) or image.dtype != np.uint8:
        raise ValueError(f"image must be a (28, 28) uint8 array (ink high, as MNIST), got "
                         f"{getattr(image, 'dtype', type(image).__name__)} of shape {getattr(image, 'shape', '?')}")
    (name,) = _check_variants([variant])
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    return _VARIANT_MAKERS[name](digit_skeletons(image[None])[0], rng)


# --------------------------------------------------------------------------------------------
# The pen model
# --------------------------------------------------------------------------------------------

def render_path(path: PenPath, rng: np.random.Generator, size: int = CANVAS,
                thickness: tuple[float, float] = THICKNESS, hand_jitter: float = HAND_JITTER) -> Rendering:
    """Draw a pen path as a mouse drawing: the pen model of `drawn_style.to_drawings`.

    Every stroke wobbles a little (smooth offsets along it, up to `hand_jitter` x the path's size,
    RMS), then the whole drawing gets a random slant, stretch, size (its longer side FILL of
    the canvas) and position, and is drawn with a round pen whose width is `thickness` x
    MNIST's pen for that size (PEN_FRACTION of the longer side). Returns the canvas and the map
    from path to canvas coordinates.
    """
    if not isinstance(path, PenPath) or not len(path.points()):
        raise ValueError(f"path must be a PenPath with at least one point, got {path!r:.80}")
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    size = check_size(size)
    thickness = check_thickness(thickness)
    if isinstance(hand_jitter, bool) or not isinstance(hand_jitter, numbers.Real) or not 0 <= hand_jitter < 0.2:
        raise ValueError(f"hand_jitter must be a fraction of the digit's size from 0 to 0.2, got {hand_jitter!r}")
    u = rng.random(7)                                   # pen, fill, slant, stretch, position (2), jitter
    digit_size = path.size()
    wobbled = [_wobble(stroke, rng, u[6] * hand_jitter * digit_size, (0.4 * digit_size, 1.2 * digit_size),
                       0.1 * digit_size) for stroke in path.strokes]
    relative_pen = thickness[0] + (thickness[1] - thickness[0]) * u[0]
    fill = FILL[0] + (FILL[1] - FILL[0]) * u[1]
    slant = SLANT * (2 * u[2] - 1)
    stretch = 1 + STRETCH * (2 * u[3] - 1)
    points = np.concatenate(wobbled)
    to_canvas, pen = _placement(points, size, relative_pen, fill, slant, stretch, u[4:6])
    image = Image.new("L", (size, size), 255)
    for stroke in wobbled:
        xy = stroke @ to_canvas[:, :2].T + to_canvas[:, 2]
        if len(xy) == 1:
            xy = np.concatenate([xy, xy])               # a lone point is a dot
        draw_segments(image, xy[:-1], xy[1:], pen)
    return Rendering(np.asarray(image), to_canvas, pen)


def _placement(points: np.ndarray, size: int, relative_pen: float, fill: float, slant: float,
               stretch: float, position: np.ndarray) -> tuple[np.ndarray, int]:
    """The affine map (2, 3) that puts `points` (m, 2) on the canvas, and the pen width in pixels.

    The same placement as drawn_style's: slant and stretch about the points' mean, the longer
    side (pen included) `fill` x `size`, `position` in [0, 1]^2 of the room left over. Kept as
    a matrix so that callers can find the variant's parts on the canvas.
    """
    shear = np.array([[stretch, -slant], [0.0, 1.0]])   # y grows downwards: -slant leans the top right
    centred = (points - points.mean(axis=0)) @ shear.T
    extent = np.ptp(centred, axis=0)
    longer = fill * size
    pen = max(1, round(relative_pen * PEN_FRACTION * longer))
    scale = (longer - pen) / max(float(extent.max()), 1.0)
    low = centred.min(axis=0) * scale
    room = size - 2 * MARGIN - pen - (centred.max(axis=0) * scale - low)
    offset = MARGIN + pen / 2 + position * np.maximum(room, 0)
    linear = scale * shear
    translation = offset - low - linear @ points.mean(axis=0)
    return np.column_stack([linear, translation]), pen


def _wobble(stroke: np.ndarray, rng: np.random.Generator, amplitude: float,
            wavelengths: tuple[float, float], fade: float) -> np.ndarray:
    """`stroke` (k, 2) with smooth random offsets along it: a hand that does not move quite straight.

    Each axis gets three sinusoids of arc length (random wavelength in `wavelengths`, phase
    and N(0, 1) weight), scaled so their RMS is `amplitude`. The offsets fade to zero over
    the first and last `fade` of the stroke's length, so strokes still meet where they met (a 7's
    crossbar on its stem, skeleton branches at their junctions). Only the stroke's own
    points move: a straight segment stays straight, as it does under a mouse.
    """
    draws = rng.random((2, 3, 2))                       # always drawn, so later numbers do not shift
    weights = rng.standard_normal((2, 3))
    if len(stroke) < 2 or amplitude <= 0:
        return stroke.copy()
    along = _arc_length(stroke)
    low, high = wavelengths
    wavelength = low + (high - low) * draws[..., 0]     # (axis, sinusoid)
    phase = 2 * math.pi * draws[..., 1]
    waves = np.sin(2 * math.pi * along[:, None, None] / wavelength + phase) * weights   # (k, 2, 3)
    offsets = waves.sum(axis=2) * (amplitude / math.sqrt(1.5))    # E[sum of w^2 sin^2] = 3 / 2
    weight = np.clip(np.minimum(along, along[-1] - along) / max(fade, 1e-9), 0, 1)
    return stroke + offsets * weight[:, None]


# --------------------------------------------------------------------------------------------
# Skeletons as pen paths
# --------------------------------------------------------------------------------------------

_FOUR = ((-1, 0), (1, 0), (0, -1), (0, 1))
_DIAGONAL = ((-1, -1), (-1, 1), (1, -1), (1, 1))


def trace_skeleton(skeleton: np.ndarray, spur: float = SPUR) -> list[np.ndarray]:
    """A (h, w) bool skeleton as pen-path branches: (k, 2) float (x, y) polylines.

    Branches run between ends and junctions (a closed loop with neither is one branch that
    ends where it starts). Diagonal steps are links only where no 4-neighbour already joins
    the two pixels, so the staircases of a thinned line do not read as junctions. Branches
    with a free end shorter than `spur` x the skeleton's size are thinning noise (the forks
    Zhang-Suen leaves at a thick stroke's end) and are removed, then the rest retraced.
    """
    pixels = {(int(r), int(c)) for r, c in np.argwhere(skeleton)}
    if not pixels:
        return []
    rows, cols = zip(*pixels)
    limit = spur * max(max(rows) - min(rows), max(cols) - min(cols), 1)
    branches = _branches(pixels)
    total = sum(len(b) for b in branches)
    degree = {p: len(near) for p, near in _links(pixels).items()}
    # A spur: short, one free end, the other at a junction, and not most of the skeleton.
    spurs = [b for b in branches if len(b) < min(limit, total / 4)
             and min(degree[b[0]], degree[b[-1]]) == 1 and max(degree[b[0]], degree[b[-1]]) >= 3]
    for branch in spurs:
        junction = branch[-1] if degree[branch[0]] == 1 else branch[0]
        pixels.difference_update(p for p in branch if p != junction)
    if spurs:
        branches = _branches(pixels)
    # Tiny closed loops (round a 2x2 block of pixels) are thinning noise too, unless that is all there is.
    kept = [b for b in branches if not (len(b) < 6 and b[0] == b[-1])] or branches
    return [np.array([(c, r) for r, c in b], np.float64) for b in kept]


def _links(pixels: set[tuple[int, int]]) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """Each pixel's neighbours along the skeleton: 4-neighbours, and diagonal ones with no 4-path between."""
    links = {}
    for r, c in pixels:
        near = [(r + dr, c + dc) for dr, dc in _FOUR if (r + dr, c + dc) in pixels]
        near += [(r + dr, c + dc) for dr, dc in _DIAGONAL if (r + dr, c + dc) in pixels
                 and (r + dr, c) not in pixels and (r, c + dc) not in pixels]
        links[(r, c)] = near
    return links


def _branches(pixels: set[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """The skeleton's branches as lists of (row, col), in a fixed order (sorted starts)."""
    links = _links(pixels)
    done: set[frozenset] = set()
    branches = []

    def walk(start: tuple[int, int], step: tuple[int, int]) -> list[tuple[int, int]]:
        path, here = [start, step], step
        done.add(frozenset((start, step)))
        while len(links[here]) == 2:
            onward = [p for p in links[here] if frozenset((here, p)) not in done]
            if not onward:
                break                                   # back where a loop started
            done.add(frozenset((here, onward[0])))
            here = onward[0]
            path.append(here)
        return path

    ordered = sorted(pixels)
    for start in [p for p in ordered if len(links[p]) != 2] + ordered:   # ends and junctions first, then loops
        if not links[start] and frozenset((start,)) not in done:
            branches.append([start])                    # a lone pixel: a dot
            done.add(frozenset((start,)))
        for step in links[start]:
            if frozenset((start, step)) not in done:
                branches.append(walk(start, step))
    return branches


def _skeleton_path(skeleton: np.ndarray) -> PenPath:
    """The digit's own pen path: its traced skeleton branches, smoothed."""
    return PenPath(tuple(_smooth(b) for b in trace_skeleton(skeleton)))


def _smooth(branch: np.ndarray, half_window: int = SMOOTHING, passes: int = 2) -> np.ndarray:
    """A skeleton branch (k, 2) as a pen would move along it: a moving average over 2 half_window + 1 points.

    A skeleton thinned from 28-pixel MNIST digits jogs at the scale of MNIST's pixels, which a
    pen drawn along it shows as lumps; a pen path is smooth. The window shrinks towards an
    open branch's ends, so they stay put and branches still meet at their junctions; a closed
    loop is averaged round its whole length.
    """
    k = len(branch)
    closed = k > 3 and np.array_equal(branch[0], branch[-1])
    points = branch[:-1] if closed else branch
    for _ in range(passes):
        if closed:
            padded = np.concatenate([points[-half_window:], points, points[:half_window]])
            totals = np.concatenate([[[0.0, 0.0]], np.cumsum(padded, axis=0)])
            window = 2 * half_window + 1
            points = (totals[window:] - totals[:-window]) / window
        else:
            index = np.arange(len(points))
            half = np.minimum(half_window, np.minimum(index, len(points) - 1 - index))
            totals = np.concatenate([[[0.0, 0.0]], np.cumsum(points, axis=0)])
            points = (totals[index + half + 1] - totals[index - half]) / (2 * half + 1)[:, None]
    return np.concatenate([points, points[:1]]) if closed else points


def _box(skeleton: np.ndarray) -> tuple[float, float, float, float]:
    """(left, top, width, height) of the skeleton's pixels (x = col, y = row); a default box when empty."""
    rows, cols = np.nonzero(skeleton)
    if len(rows) == 0:
        return 21.0, 12.0, 42.0, 60.0                   # MNIST's 20-pixel box, x3
    return float(cols.min()), float(rows.min()), float(np.ptp(cols)) + 1, float(np.ptp(rows)) + 1


# --------------------------------------------------------------------------------------------
# Curves
# --------------------------------------------------------------------------------------------

def _arc_length(points: np.ndarray) -> np.ndarray:
    """(k,) distance along the polyline `points` (k, 2) from its first point."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points, axis=0).T))])


def _resample(points: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Points of the polyline (k, 2) at the distances `at` (m,) along it: (m, 2)."""
    along = _arc_length(points)
    return np.column_stack([np.interp(at, along, points[:, 0]), np.interp(at, along, points[:, 1])])


def _densify(points: np.ndarray, step: float) -> np.ndarray:
    """The polyline with points at most `step` apart along it (corners kept): (m, 2)."""
    pieces = [points[:1]]
    for a, b in zip(points[:-1], points[1:]):
        count = max(1, math.ceil(math.hypot(*(b - a)) / step))
        pieces.append(a + (b - a) * (np.arange(1, count + 1)[:, None] / count))
    return np.concatenate(pieces)


def _spline(keys: np.ndarray, per_segment: int = 10) -> np.ndarray:
    """A smooth curve through `keys` (k, 2): centripetal Catmull-Rom, (per_segment (k-1) + 1, 2).

    Centripetal (alpha 1/2) never overshoots into cusps or little loops between keys that are
    unevenly spaced, which uniform Catmull-Rom does: the curve looks like one pen movement.
    """
    keys = np.asarray(keys, np.float64)
    if len(keys) < 3:
        return _densify(keys, max(np.ptp(keys, axis=0).max() / per_segment, 1e-9)) if len(keys) == 2 else keys
    padded = np.concatenate([2 * keys[:1] - keys[1:2], keys, 2 * keys[-1:] - keys[-2:-1]])
    out = [keys[:1]]
    t = np.linspace(0, 1, per_segment + 1)[1:, None]
    for i in range(len(keys) - 1):
        p0, p1, p2, p3 = padded[i:i + 4]
        t0 = 0.0
        t1 = t0 + max(math.hypot(*(p1 - p0)), 1e-9) ** 0.5
        t2 = t1 + max(math.hypot(*(p2 - p1)), 1e-9) ** 0.5
        t3 = t2 + max(math.hypot(*(p3 - p2)), 1e-9) ** 0.5
        s = t1 + (t2 - t1) * t
        a1 = (t1 - s) / (t1 - t0) * p0 + (s - t0) / (t1 - t0) * p1
        a2 = (t2 - s) / (t2 - t1) * p1 + (s - t1) / (t2 - t1) * p2
        a3 = (t3 - s) / (t3 - t2) * p2 + (s - t2) / (t3 - t2) * p3
        b1 = (t2 - s) / (t2 - t0) * a1 + (s - t0) / (t2 - t0) * a2
        b2 = (t3 - s) / (t3 - t1) * a2 + (s - t1) / (t3 - t1) * a3
        out.append((t2 - s) / (t2 - t1) * b1 + (s - t1) / (t2 - t1) * b2)
    return np.concatenate(out)


def _bowed(start: Sequence[float], end: Sequence[float], bow: float, count: int = 12) -> np.ndarray:
    """A gently curved line start -> end: (count + 1, 2), bulging `bow` x its length to the left of travel.

    Hand-drawn "straight" strokes are slightly curved; bow 0 gives an exactly straight line.
    """
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    t = np.linspace(0, 1, count + 1)[:, None]
    normal = np.array([(b - a)[1], -(b - a)[0]])        # (b - a) turned a quarter left (y down)
    return a + t * (b - a) + 4 * bow * t * (1 - t) * normal


def _joined(*pieces: np.ndarray) -> np.ndarray:
    """Pieces of one stroke, each starting where the previous ended: one (k, 2) polyline."""
    return np.concatenate([pieces[0]] + [p[1:] for p in pieces[1:]])


def _to_box(unit: np.ndarray, box: tuple[float, float, float, float], width: float) -> np.ndarray:
    """Template points (x in [0, width], y in [0, 1]) -> the sample's box: same height, centred on it."""
    left, top, box_width, height = box
    return np.column_stack([left + box_width / 2 + (unit[:, 0] - width / 2) * height, top + unit[:, 1] * height])


def _aspect(box: tuple[float, float, float, float], low: float, high: float) -> float:
    """The sample's width / height, kept within what the template's digit can look like."""
    return float(np.clip(box[2] / box[3], low, high))


# --------------------------------------------------------------------------------------------
# The variants: skeleton -> PenPath
# --------------------------------------------------------------------------------------------

def _stem_of_one(skeleton: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The top and bottom (x, y) of a 1's stem: the skeleton's principal axis, 2% trimmed at each end.

    The axis keeps the sample's slant and length; trimming ignores a small flag or foot.
    """
    points = np.argwhere(skeleton)[:, ::-1].astype(np.float64)
    if len(points) < 2:
        left, top, width, height = _box(skeleton)
        return np.array([left + width / 2, top]), np.array([left + width / 2, top + height])
    mean = points.mean(axis=0)
    _, _, axes = np.linalg.svd(points - mean, full_matrices=False)
    direction = axes[0] if axes[0][1] >= 0 else -axes[0]  # pointing down the page
    along = (points - mean) @ direction
    low, high = np.quantile(along, [0.02, 0.98])
    if high - low < 20:                                 # a blob, not a stroke: a stem of MNIST height
        low, high = -30.0, 30.0
    return mean + low * direction, mean + high * direction


def _flag(top: np.ndarray, bottom: np.ndarray, rng: np.random.Generator, longest: float = 0.75) -> np.ndarray:
    """A 1's flag: from its tip, down and to the left of the stem's top (x, y), up to the top: (k, 2).

    It heads down-left at 10 to 65 degrees below horizontal, but at least 30 degrees off the
    stem, so that it stands clear of a slanted stem. Its length grows with its steepness: up to
    25 degrees it is a short serif (12% to 25% of the stem); from there to 55 degrees it may grow
    into an up-stroke of up to `longest` (most between half that and all of it: people who draw
    the up-stroke draw it long). A long flag that is not steep is a 7's top bar: models trained
    on long flags from 17 degrees up read 8 and more of MNIST's test 7s as 1. Very slightly
    curved, as drawn.
    """
    height = float(np.hypot(*(bottom - top)))
    down = (bottom - top) / max(height, 1e-9)
    lean = math.degrees(math.atan2(-down[0], down[1]))  # the stem's lean from vertical, positive as in "/"
    steepest = max(10.0, min(65.0, 60.0 - lean))        # the stem is (90 - lean) degrees below horizontal
    angle = rng.uniform(10.0, steepest)
    reach = 0.25 + (longest - 0.25) * min(max((angle - 25.0) / 30.0, 0.0), 1.0)
    length = rng.uniform(0.5, 1.0) * reach * height
    radians = math.radians(angle)
    tip = top + length * np.array([-math.cos(radians), math.sin(radians)])
    return _bowed(tip, top, rng.uniform(-0.06, 0.06))


def one_flag(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """1 with a flag: one stroke, from the flag's tip up to the stem's top and down the stem.

    Stem: the sample's principal axis (synthesised straight, slightly bowed). Flag: see
    `_flag`; from the short European serif to the long up-stroke that MNIST-trained models
    read as 7, up to 75% of the stem long.
    """
    top, bottom = _stem_of_one(skeleton)
    flag = _flag(top, bottom, rng)
    stem = _bowed(top, bottom, rng.uniform(-0.03, 0.03))
    return PenPath((_joined(flag, stem),), {"flag": flag, "stem": stem})


def one_foot(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """1 with a foot: a horizontal base stroke across the stem's bottom, usually with a flag too.

    Stem as in `one_flag`; 70% of these get a (shorter) flag, as people who add a foot do.
    The foot reaches 15% to 35% of the stem's length each side of it, within 4 degrees of
    horizontal, drawn left to right as a second stroke.
    """
    top, bottom = _stem_of_one(skeleton)
    height = float(np.hypot(*(bottom - top)))
    has_flag = rng.random() < 0.7
    flag = _flag(top, bottom, rng, longest=0.5)
    stem = _bowed(top, bottom, rng.uniform(-0.03, 0.03))
    left, right = rng.uniform(0.15, 0.35, 2) * height
    tilt = math.tan(math.radians(rng.uniform(-4, 4)))
    base = bottom + np.array([rng.uniform(-0.03, 0.03) * height, rng.uniform(-0.01, 0.02) * height])
    foot = _bowed(base + [-left, left * tilt], base + [right, -right * tilt], rng.uniform(-0.03, 0.03))
    parts = {"stem": stem, "foot": foot}
    if has_flag:
        parts["flag"] = flag
    return PenPath((_joined(flag, stem) if has_flag else stem, foot), parts)


def seven_crossbar(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """7 with a crossbar: the sample's own skeleton, and a short stroke across its stem near the middle.

    The crossbar sits 45% to 65% down the digit; the stem is where the skeleton crosses that
    height (the median x of its pixels there). The bar is centred on the stem give or take
    3% of the digit's height, reaches 14% to 28% of it to the left and 11% to 22% to the right
    (so it shows past the stem's ink even under a bold pen), within 8 degrees of horizontal.
    """
    path = _skeleton_path(skeleton)
    left, top, width, height = _box(skeleton)
    points = np.argwhere(skeleton)[:, ::-1].astype(np.float64)
    y = top + rng.uniform(0.45, 0.65) * height
    x = _stem_x(points, y, left + width / 2)
    middle = np.array([x + rng.uniform(-0.03, 0.02) * height, y])
    reach_left, reach_right = rng.uniform(0.14, 0.28) * height, rng.uniform(0.11, 0.22) * height
    tilt = math.tan(math.radians(rng.uniform(-8, 8)))
    bar = _bowed(middle + [-reach_left, reach_left * tilt], middle + [reach_right, -reach_right * tilt],
                 rng.uniform(-0.04, 0.04))
    # The stem point the bar crosses: the stem's x at the height where the bar passes over it.
    crossing_y = y + (middle[0] - x) * tilt
    stem_point = np.array([_stem_x(points, crossing_y, x), crossing_y])
    return PenPath(path.strokes + (bar,), {"crossbar": bar, "stem_point": stem_point[None]})


def _stem_x(points: np.ndarray, y: float, fallback: float) -> float:
    """The x where a skeleton's points (m, 2) cross the height y: the median x of those within 2 pixels."""
    near = points[np.abs(points[:, 1] - y) <= 2]
    if len(near) == 0:
        return fallback
    return float(np.median(near[:, 0]))


def zero_slash(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """0 with a slash: the sample's own skeleton, and a diagonal through the loop, outside to outside.

    The slash runs bottom-left to top-right (see `_slash_angle`), through the loop's middle
    give or take 10% of its size, and goes on 5% to 25% of the digit's size past the
    skeleton at each end (measured along the slash where it meets the skeleton).
    """
    path = _skeleton_path(skeleton)
    points = np.argwhere(skeleton)[:, ::-1].astype(np.float64)
    left, top, width, height = _box(skeleton)
    size = max(width, height)
    centre = np.array([left + width / 2, top + height / 2]) + rng.uniform(-0.1, 0.1, 2) * np.array([width, height])
    angle = math.radians(_slash_angle(points, rng))
    direction = np.array([math.cos(angle), -math.sin(angle)])   # towards the top right
    relative = points - centre
    along = relative @ direction
    across = relative @ np.array([-direction[1], direction[0]])
    on_line = along[np.abs(across) <= 2]
    if len(on_line) < 2:
        on_line = along                                 # a broken loop: span the whole digit
    start = centre + (on_line.min() - rng.uniform(0.05, 0.25) * size) * direction
    end = centre + (on_line.max() + rng.uniform(0.05, 0.25) * size) * direction
    slash = _bowed(start, end, rng.uniform(-0.03, 0.03))
    return PenPath(path.strokes + (slash,), {"slash": slash, "loop": points})


def _slash_angle(points: np.ndarray, rng: np.random.Generator) -> float:
    """A slash's angle above horizontal, in degrees, for a 0 whose skeleton points are (m, 2).

    People slash a zero at 30 to 65 degrees, bottom left to top right. An elongated 0 (its
    principal axes over 1.3 to 1) also gets a slash at least 20 degrees off its long axis:
    one along it would read as a leaf and its midrib, not a slashed zero. Where that leaves
    nothing in 30..65, the slash may be as flat as 15 or as steep as 80.
    """
    candidates = np.arange(15.0, 80.5, 0.5)
    covariance = np.cov((points - points.mean(axis=0)).T) if len(points) > 2 else np.eye(2)
    values, vectors = np.linalg.eigh(covariance)         # ascending: the long axis is the last
    if values[1] > 1.3 ** 2 * max(values[0], 1e-9):
        long_x, long_y = vectors[:, 1]
        axis = math.degrees(math.atan2(-long_y, long_x)) % 180   # above horizontal (y grows down)
        off = np.abs((candidates - axis + 90) % 180 - 90)
        if (off >= 20).any():
            candidates = candidates[off >= 20]
        else:
            candidates = candidates[off == off.max()]
    preferred = candidates[(candidates >= 30) & (candidates <= 65)]
    pool = preferred if len(preferred) else candidates
    return float(rng.choice(pool)) + rng.uniform(-0.25, 0.25)


def four_open(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """Open-topped 4 (synthesised): an L-shaped stroke (arm down, crossbar right) and a separate stem.

    The arm's top is 40% or more of the width left of the stem's top, so nothing closes the
    top; the crossbar, 50% to 68% down, runs past the stem by 10% to 35% of the width.
    """
    box = _box(skeleton)
    width = _aspect(box, 0.6, 0.9)
    stem_x = width * rng.uniform(0.62, 0.8)
    stem_top = np.array([stem_x + width * rng.uniform(-0.03, 0.06), rng.uniform(0.0, 0.08)])
    stem_bottom = np.array([stem_x - width * rng.uniform(-0.03, 0.05), 1.0])
    arm_top = np.array([width * rng.uniform(0.0, 0.18), rng.uniform(0.0, 0.22)])
    bar_y = rng.uniform(0.5, 0.68)
    corner = np.array([arm_top[0] + width * rng.uniform(-0.04, 0.12), bar_y])
    bar_end = np.array([stem_x + width * rng.uniform(0.1, 0.35), bar_y + rng.uniform(-0.05, 0.02)])
    arm = _bowed(arm_top, corner, rng.uniform(-0.05, 0.05))
    bar = _bowed(corner, bar_end, rng.uniform(-0.04, 0.04))
    stem = _bowed(stem_top, stem_bottom, rng.uniform(-0.03, 0.03))
    to_box = lambda unit: _to_box(unit, box, width)    # noqa: E731 - a short local alias
    parts = {"arm": to_box(arm), "crossbar": to_box(bar), "stem": to_box(stem)}
    return PenPath((to_box(_joined(arm, bar)), parts["stem"]), parts)


def four_closed(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """Closed 4 (synthesised): a stroke from the stem's top down-left and back right (the crossbar),
    then the stem from (or just above) that top: a closed triangle.

    The apex is within 5% of the top; the corner 0 to 12% of the width from the left, 55% to
    72% down; the crossbar runs past the stem by 10% to 30% of the width.
    """
    box = _box(skeleton)
    width = _aspect(box, 0.6, 0.9)
    stem_x = width * rng.uniform(0.6, 0.78)
    apex = np.array([stem_x, rng.uniform(0.0, 0.05)])
    stem_bottom = np.array([stem_x - width * rng.uniform(-0.04, 0.06), 1.0])
    bar_y = rng.uniform(0.55, 0.72)
    corner = np.array([width * rng.uniform(0.0, 0.12), bar_y])
    # The crossbar's far end: past the stem, whose x at bar_y lies between apex and bottom.
    stem_at_bar = apex[0] + (stem_bottom[0] - apex[0]) * (bar_y - apex[1]) / (1.0 - apex[1])
    bar_end = np.array([stem_at_bar + width * rng.uniform(0.1, 0.3), bar_y + rng.uniform(-0.04, 0.02)])
    diagonal = _bowed(apex, corner, rng.uniform(-0.04, 0.04))
    bar = _bowed(corner, bar_end, rng.uniform(-0.03, 0.03))
    # The stem starts on the apex or a little above it, along its own line, so the top is closed.
    overshoot = rng.uniform(0.0, 0.06)
    stem_top = apex + overshoot * (apex - stem_bottom) / np.hypot(*(apex - stem_bottom))
    stem = _bowed(stem_top, stem_bottom, rng.uniform(-0.02, 0.02))
    to_box = lambda unit: _to_box(unit, box, width)    # noqa: E731
    parts = {"diagonal": to_box(diagonal), "crossbar": to_box(bar), "stem": to_box(stem), "apex": to_box(apex[None])}
    return PenPath((to_box(_joined(diagonal, bar)), parts["stem"]), parts)


def nine_straight(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """9 with a straight stem (synthesised): a loop head, then a straight line down, in one stroke.

    The head is an ellipse (38% to 55% of the height, tilted up to 15 degrees) drawn
    counter-clockwise from its right side, smooth or (half the time) an angular polygon of 4
    to 6 corners; the stem leaves where the loop closes and goes straight to the bottom,
    vertical, or its foot up to 15 degrees to the left (as in italic writing) or 5 to the right.
    """
    box = _box(skeleton)
    width = _aspect(box, 0.5, 0.8)
    head = rng.uniform(0.38, 0.55)
    rx, ry = width * rng.uniform(0.42, 0.5), head / 2
    centre = np.array([rx + width * rng.uniform(0.0, 0.05), ry])
    tilt = math.radians(rng.uniform(-15, 15))
    start = math.radians(rng.uniform(-5, 35))
    overshoot = math.radians(rng.uniform(0, 25))
    if rng.random() < 0.5:
        corners = int(rng.integers(4, 7))
        angles = start + 2 * math.pi * (np.arange(corners + 1) + rng.uniform(-0.15, 0.15, corners + 1)) / corners
        angles[0], angles[-1] = start, start + 2 * math.pi + overshoot
    else:
        angles = np.linspace(start, start + 2 * math.pi + overshoot, 60)
    # Counter-clockwise on screen: y grows downwards, so the angle turns y the other way.
    local = np.column_stack([rx * np.cos(angles), -ry * np.sin(angles)])
    rotation = np.array([[math.cos(tilt), math.sin(tilt)], [-math.sin(tilt), math.cos(tilt)]])
    loop = centre + local @ rotation.T
    lean = math.tan(math.radians(rng.uniform(-5, 15)))   # positive: the foot to the left, as in "/"
    top = loop[-1]
    bottom = np.array([top[0] - lean * (1.0 - top[1]), 1.0])
    stem = _densify(np.array([top, bottom]), 0.05)
    to_box = lambda unit: _to_box(unit, box, width)    # noqa: E731
    stroke = to_box(_joined(loop, stem))
    return PenPath((stroke,), {"head": to_box(loop), "stem": to_box(stem)})


def two_loop(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """2 with a loop at its bottom-left turn (synthesised), in one stroke.

    A hook over the top, a diagonal down to the bottom left, where the pen circles
    clockwise (on screen) once round a loop 14% to 26% of the height tall and up to 1.8 times
    as wide (within the left 45% of the width), crossing the diagonal, and leaves along the
    base to the right.
    """
    box = _box(skeleton)
    width = _aspect(box, 0.65, 0.95)
    r = rng.uniform(0.07, 0.13)                         # the loop's half-height
    # Loops lie along the base, often wider than tall, but stay in the left part of the digit.
    stretch = min(rng.uniform(1.0, 1.8), 0.2 * width / r)
    centre = np.array([width * rng.uniform(0.03, 0.1) + stretch * r, 1.0 - r * rng.uniform(1.3, 1.8)])
    hook = np.array([
        [width * rng.uniform(0.0, 0.12), rng.uniform(0.18, 0.32)],
        [width * rng.uniform(0.2, 0.35), rng.uniform(0.02, 0.08)],
        [width * rng.uniform(0.5, 0.62), 0.0],
        [width * rng.uniform(0.82, 0.95), rng.uniform(0.1, 0.18)],
        [width * rng.uniform(0.8, 0.95), rng.uniform(0.3, 0.4)],
        [width * rng.uniform(0.45, 0.6), rng.uniform(0.55, 0.64)],
    ])
    # Round the loop clockwise on screen (y down: growing angle turns clockwise), entering at its
    # lower right, where the diagonal comes in heading down-left, and leaving at its right side.
    entry = math.radians(rng.uniform(35, 55))
    angles = entry + np.radians([0, 60, 135, 210, 285, 340])
    loop = centre + r * np.column_stack([stretch * np.cos(angles), np.sin(angles)])
    base_y = centre[1] + r * rng.uniform(0.7, 1.2)
    # The base runs right from the loop: its keys in order along x, so the pen never doubles back.
    start = centre[0] + r * (stretch + rng.uniform(0.5, 1.0))
    end = max(width * rng.uniform(0.85, 1.0), start + 0.3 * width)
    base = np.array([
        [start, base_y + rng.uniform(-0.02, 0.01)],
        [start + (end - start) * rng.uniform(0.4, 0.6), base_y + rng.uniform(-0.03, 0.03)],
        [end, base_y + rng.uniform(-0.06, 0.02)],
    ])
    keys = np.concatenate([hook, loop, base])
    curve = _spline(keys, 10)
    to_box = lambda unit: _to_box(unit, box, width)    # noqa: E731
    first_loop = len(hook) * 10 - 10                   # the curve's index of the loop's entry key
    return PenPath((to_box(curve),), {"loop": to_box(curve[first_loop:first_loop + 10 * len(loop) + 1]),
                                      "loop_centre": to_box(centre[None])})


def polygonal(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """Any digit as a slow mouse draws it: each skeleton branch through a few points, joined straight.

    The points are spaced 20% to 45% of the digit's size along each branch (one spacing per
    sample, each point moved up to a quarter of it), a branch's ends kept so branches still
    meet; a closed loop keeps at least 4 corners.
    """
    branches = _skeleton_path(skeleton).strokes
    if not branches:
        return PenPath(())
    size = PenPath(branches).size()
    spacing = rng.uniform(*POLYGON_SPACING) * size
    strokes = []
    for branch in branches:
        length = _arc_length(branch)[-1]
        closed = len(branch) > 2 and np.hypot(*(branch[0] - branch[-1])) <= 1.5
        pieces = max(4 if closed else 1, round(length / spacing))
        at = np.linspace(0, length, pieces + 1)
        at[1:-1] += rng.uniform(-0.25, 0.25, pieces - 1) * (length / pieces)
        strokes.append(_resample(branch, at))
    return PenPath(tuple(strokes), {"vertices": np.concatenate(strokes)})


def jitter(skeleton: np.ndarray, rng: np.random.Generator) -> PenPath:
    """Any digit drawn by a shaky hand: its skeleton branches with smooth offsets of 1.2% to 2.5% of its size.

    Stronger than the pen model's own steady-hand jitter, with somewhat shorter waves (30% to 80% of the size).
    """
    branches = _skeleton_path(skeleton).strokes
    if not branches:
        return PenPath(())
    size = PenPath(branches).size()
    amplitude = rng.uniform(*JITTER) * size
    strokes = tuple(_wobble(_densify(b, size / 60), rng, amplitude, (0.3 * size, 0.8 * size), 0.08 * size)
                    for b in branches)
    return PenPath(strokes)


_VARIANT_MAKERS: dict[str, Callable[[np.ndarray, np.random.Generator], PenPath]] = {
    "one_flag": one_flag, "one_foot": one_foot, "seven_crossbar": seven_crossbar, "zero_slash": zero_slash,
    "four_open": four_open, "four_closed": four_closed, "nine_straight": nine_straight, "two_loop": two_loop,
    "polygonal": polygonal, "jitter": jitter,
}
assert _VARIANT_MAKERS.keys() == VARIANTS.keys()


# --------------------------------------------------------------------------------------------
# Checking arguments
# --------------------------------------------------------------------------------------------

def _check_batch(images: object, labels: object) -> tuple[np.ndarray, np.ndarray]:
    images = check_images(images)
    if not isinstance(labels, np.ndarray):
        raise ValueError(f"labels must be a NumPy array of shape (n,), got {type(labels).__name__}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"labels must have shape ({len(images)},), one per image, got {labels.shape}")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers 0..9, got dtype {labels.dtype}")
    if len(labels) and (labels.min() < 0 or labels.max() > 9):
        raise ValueError(f"labels must be digits 0..9, got values from {labels.min()} to {labels.max()}")
    return images, labels


def _check_probability(probability: object) -> float:
    if isinstance(probability, bool) or not isinstance(probability, numbers.Real) \
            or not 0 <= float(probability) <= 1:
        raise ValueError(f"probability must be a number from 0 to 1, got {probability!r}")
    return float(probability)


def _check_variants(variants: Iterable[str] | None) -> list[str]:
    if variants is None:
        return list(VARIANTS)
    if isinstance(variants, str):
        raise ValueError(f"variants must be a list of variant names, not one string: use [{variants!r}]")
    names = list(variants)
    unknown = [v for v in names if v not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant name(s) {', '.join(map(repr, unknown))}; "
                         f"known: {', '.join(VARIANTS)}")
    if not names:
        raise ValueError(f"variants must name at least one of: {', '.join(VARIANTS)}")
    return list(dict.fromkeys(names))                  # in the order given, each once


# --------------------------------------------------------------------------------------------
# Looking at it
# --------------------------------------------------------------------------------------------

def montage(images: np.ndarray, labels: np.ndarray, path: str | Path, rng: np.random.Generator,
            samples: int = 10, zoom: int = 3) -> Path:
    """Write a PNG: one row per variant, its name, then `samples` random digits redrawn in it.

    `images` (n, 28, 28) uint8 and `labels` (n,) are where the samples come from (each row
    draws digits its variant applies to). Each cell shows the MNIST-style 28x28 result that
    training would get, dark ink on white, on a grey ground so ink touching the frame shows;
    the first cell of a row is one source digit, for comparison. Written atomically.
    """
    images, labels = _check_batch(images, labels)
    cell, gap, label_width = 28 * zoom, 4, 130
    rows = list(VARIANTS)
    width = label_width + (samples + 1) * (cell + gap) + gap + 8
    height = len(rows) * (cell + gap) + gap
    picture = Image.new("L", (width, height), 160)
    draw = ImageDraw.Draw(picture)
    try:
        font = ImageFont.load_default(size=15)
    except TypeError:                                   # Pillow before 10.1: one small bitmap font
        font = ImageFont.load_default()
    for row, name in enumerate(rows):
        pool = np.flatnonzero(np.isin(labels, VARIANTS[name]))
        picks = rng.choice(pool, size=samples, replace=len(pool) < samples)
        redrawn = styled_digits(images[picks], labels[picks], rng, probability=1.0, variants=[name])
        top = gap + row * (cell + gap)
        draw.text((6, top + cell // 2 - 6), name, fill=0, font=font)
        tiles = [images[picks[0]] / np.float32(255)] + list(redrawn)
        for col, tile in enumerate(tiles):
            left = label_width + col * (cell + gap) + (8 if col else 0)
            ink = Image.fromarray(np.round(255 * (1 - tile)).astype(np.uint8), "L")
            picture.paste(ink.resize((cell, cell), Image.Resampling.NEAREST), (left, top))
    path = Path(path)
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m workbench.data.styles OUT.png`: a montage of every writing-style variant on real MNIST digits."""
    from workbench.data.mnist import DatasetError, load_mnist

    parser = argparse.ArgumentParser(prog="python -m workbench.data.styles", description=main.__doc__)
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--data-dir", help="folder holding MNIST (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--samples", type=int, default=10, help="redrawn digits per variant (columns)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.samples < 1:
        parser.error("--samples must be at least 1")
    try:
        data = load_mnist(args.data_dir, download=False)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    path = montage(data.train_images, data.train_labels, args.out, np.random.default_rng(args.seed), args.samples)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

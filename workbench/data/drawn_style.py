"""Turn MNIST digits into mouse-drawing look-alikes, to measure how models cope with the GUI.

A digit drawn with the mouse differs from an MNIST digit in ways that matter to a model:
the pen is round, crisp and of one even width (thinner or bolder than MNIST's), and the
digit sits anywhere on a 280x280 canvas at any size, perhaps slanted. `to_drawings` makes
such drawings out of real MNIST digits, so that we know the right answer for each:

1. upscale the digit x3 (bilinear) and threshold it: a crisp shape;
2. thin the shape to a one-pixel skeleton (Zhang-Suen), the path the pen would follow;
3. move the skeleton's points with a random scale, slant, stretch and shift;
4. re-draw it on a white canvas with a round black pen of a random width.

The randomness comes from `seed` alone: the same digits and seed give the same drawings.
"""

from __future__ import annotations

import numbers

import numpy as np
from PIL import Image

from workbench.drawing.preprocess import PEN_FRACTION, draw_segments

UPSCALE = 3            # skeleton resolution: 84x84 per digit, fine enough for smooth strokes
THRESHOLD = 0.4        # ink level (0..1) that counts as the shape when thresholding
THICKNESS = (0.6, 1.6)  # pen width relative to MNIST's pen (PEN_FRACTION of the digit's size)
FILL = (0.45, 0.85)    # the drawing's longer side, as a fraction of the canvas
SLANT = 0.2            # shear x by up to +-0.2 x height: a slight italic, either way
STRETCH = 0.15         # width scaled by up to +-15%, height kept
MARGIN = 2             # pixels kept free around the drawing


def to_drawings(images: np.ndarray, seed: int = 0, size: int = 280,
                thickness: tuple[float, float] = THICKNESS) -> np.ndarray:
    """MNIST digits as mouse drawings: (n, size, size) uint8, white (255) paper, black (0) ink.

    `images` is (n, 28, 28) uint8 with ink high (as loaded by workbench.data.mnist). `thickness`
    is the range the pen width is drawn from, relative to MNIST's pen: 1.0 draws a digit
    that `to_mnist` turns back into MNIST's stroke width.
    """
    images = check_images(images)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    size = check_size(size)
    low, high = check_thickness(thickness)
    # One row of uniform random numbers per digit, drawn up front: a digit's drawing depends
    # on the seed and its position in `images` only, so to_drawings(images[:k]) is the first
    # k drawings of to_drawings(images), whatever the other digits are.
    u = np.random.default_rng(seed).random((len(images), 6))
    relative_pen = low + (high - low) * u[:, 0]
    fill = FILL[0] + (FILL[1] - FILL[0]) * u[:, 1]
    slant = SLANT * (2 * u[:, 2] - 1)
    stretch = 1 + STRETCH * (2 * u[:, 3] - 1)
    position = u[:, 4:6]
    skeletons = skeletonize(_upscaled_shapes(images))
    drawings = np.empty((len(images), size, size), np.uint8)
    for i in range(len(images)):
        points = np.argwhere(skeletons[i]).astype(np.float64)[:, ::-1]   # (x, y) = (col, row)
        edges = _skeleton_edges(skeletons[i])
        xy, pen = _place(points, size, relative_pen[i], fill[i], slant[i], stretch[i], position[i])
        drawings[i] = _draw(xy, edges, pen, size)
    return drawings


def digit_skeletons(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) uint8 digits (ink high) -> (n, 84, 84) bool skeletons: the paths a pen followed.

    Steps 1 and 2 of `to_drawings`, for other pen-path tools (workbench.data.styles) to start from
    the same skeletons: a skeleton pixel (row, col) is the point (x, y) = (col, row) at UPSCALE x
    MNIST's resolution.
    """
    return skeletonize(_upscaled_shapes(check_images(images)))


def check_images(images: object) -> np.ndarray:
    """MNIST-style digits: a uint8 NumPy array (n, 28, 28), ink high; ValueError saying what is wrong."""
    if not isinstance(images, np.ndarray):
        raise ValueError(f"images must be a NumPy array of shape (n, 28, 28), got {type(images).__name__}")
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"images must have shape (n, 28, 28), got {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8 (0..255, ink high, as MNIST), got dtype {images.dtype}")
    return images


def check_size(size: object) -> int:
    """The canvas side in pixels, refused with a clear message unless a whole number of at least 28."""
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 28:
        raise ValueError(f"size must be a whole number of pixels, at least 28, got {size!r}")
    return int(size)


def check_thickness(thickness: object) -> tuple[float, float]:
    """A (low, high) range of pen widths relative to MNIST's, refused with a clear message otherwise."""
    try:
        low, high = (float(t) for t in thickness)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"thickness must be a (low, high) pair of numbers, got {thickness!r}") from None
    if not 0 < low <= high < 5:
        raise ValueError(f"thickness must satisfy 0 < low <= high < 5 (relative to MNIST's pen), got {thickness!r}")
    return low, high


def _upscaled_shapes(images: np.ndarray) -> np.ndarray:
    """(n, 28, 28) uint8 -> (n, 84, 84) bool: bilinear x3 upscaling, then a threshold.

    Upscaling first makes the shape's outline smooth, so its skeleton is smooth too.
    Bilinear interpolation is separable: one (84, 28) matrix applied to rows and columns.
    """
    side = images.shape[1]
    matrix = _bilinear_matrix(side, side * UPSCALE)
    ink = images.astype(np.float32) * np.float32(1 / 255)
    return (matrix @ ink @ matrix.T) >= THRESHOLD


def _bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) float32 matrix of linear interpolation weights, pixel centres aligned."""
    source = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    source = np.clip(source, 0, n_in - 1)
    below = np.floor(source).astype(int)
    above = np.minimum(below + 1, n_in - 1)
    weight = (source - below).astype(np.float32)
    matrix = np.zeros((n_out, n_in), np.float32)
    rows = np.arange(n_out)
    np.add.at(matrix, (rows, below), 1 - weight)
    np.add.at(matrix, (rows, above), weight)
    return matrix


# --- Zhang-Suen thinning, vectorised over the batch with a lookup table -------------------

# The eight neighbours of a pixel, clockwise from north: P2 (north), P3 (north-east), ... P9.
# Bit k of a pixel's neighbourhood code is set when neighbour P(k+2) is ink.
_NEIGHBOURS = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _deletable_table(first_pass: bool) -> np.ndarray:
    """(256,) bool: may an ink pixel with this neighbourhood code be removed in this pass?

    Zhang & Suen (1984): remove a pixel that has 2 to 6 ink neighbours (not an end, not
    interior), exactly one white-to-ink transition around it (removing it does not cut the
    shape), and lies on a south-east boundary (first pass) or north-west one (second pass).
    Computing the rule once for all 256 neighbourhoods makes each pass a table look-up.
    """
    table = np.zeros(256, bool)
    for code in range(256):
        p = [(code >> k) & 1 for k in range(8)]        # p[0] = P2 ... p[7] = P9
        ink_neighbours = sum(p)
        transitions = sum(p[k] == 0 and p[(k + 1) % 8] == 1 for k in range(8))
        north, east, south, west = p[0], p[2], p[4], p[6]
        if first_pass:
            boundary = north * east * south == 0 and east * south * west == 0
        else:
            boundary = north * east * west == 0 and north * south * west == 0
        table[code] = 2 <= ink_neighbours <= 6 and transitions == 1 and boundary
    return table


_DELETABLE = (_deletable_table(True), _deletable_table(False))


def skeletonize(shapes: np.ndarray, max_passes: int = 100) -> np.ndarray:
    """(n, h, w) bool shapes -> (n, h, w) bool skeletons one pixel wide (Zhang-Suen thinning).

    Each pass peels one layer of boundary pixels off every shape at once; a shape is done
    when a pair of passes removes nothing. Digits that are done drop out of the work.
    """
    if shapes.ndim != 3 or shapes.dtype != bool:
        raise ValueError(f"shapes must be a (n, h, w) bool array, got {shapes.dtype} of shape {shapes.shape}")
    padded = np.pad(shapes, ((0, 0), (1, 1), (1, 1)))   # a paper border: neighbours always exist
    active = np.arange(len(shapes))
    for _ in range(max_passes):
        if active.size == 0:
            break
        work = padded[active]
        changed = np.zeros(len(active), bool)
        for table in _DELETABLE:
            remove = work[:, 1:-1, 1:-1] & table[_neighbourhood_codes(work)]
            work[:, 1:-1, 1:-1] &= ~remove
            changed |= remove.any(axis=(1, 2))
        padded[active] = work
        active = active[changed]
    return padded[:, 1:-1, 1:-1]


def _neighbourhood_codes(padded: np.ndarray) -> np.ndarray:
    """(n, h+2, w+2) bool -> (n, h, w) uint8 codes of each inner pixel's eight neighbours."""
    height, width = padded.shape[1] - 2, padded.shape[2] - 2
    codes = np.zeros((padded.shape[0], height, width), np.uint8)
    for bit, (dy, dx) in enumerate(_NEIGHBOURS):
        neighbour = padded[:, 1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
        codes |= neighbour.astype(np.uint8) << np.uint8(bit)
    return codes


def _skeleton_edges(skeleton: np.ndarray) -> np.ndarray:
    """(m, 2) index pairs into np.argwhere(skeleton): the skeleton's 8-connected neighbours."""
    height, width = skeleton.shape
    index = np.full((height + 2, width + 2), -1)         # -1: paper, and a paper border
    index[1:-1, 1:-1][skeleton] = np.arange(np.count_nonzero(skeleton))
    here = index[1:-1, 1:-1]
    pairs = []
    # Four directions (east, south, south-east, south-west) list every adjacent pair once.
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        there = index[1 + dy:1 + dy + height, 1 + dx:1 + dx + width]
        both = (here >= 0) & (there >= 0)
        pairs.append(np.stack([here[both], there[both]], axis=1))
    return np.concatenate(pairs)


def _place(points: np.ndarray, size: int, relative_pen: float, fill: float, slant: float,
           stretch: float, position: np.ndarray) -> tuple[np.ndarray, int]:
    """Skeleton points (x, y) in the 84x84 grid -> canvas points, and the pen width in pixels.

    The drawing's longer side (pen included) becomes `fill` x `size`; the pen is
    `relative_pen` x MNIST's (PEN_FRACTION of the longer side); `position` in [0, 1]^2
    says where in the room left over the drawing goes.
    """
    if len(points) == 0:
        return points, 1
    xy = points - points.mean(axis=0)
    xy[:, 0] = stretch * xy[:, 0] - slant * xy[:, 1]     # y grows downwards: -slant leans the top right
    extent = np.ptp(xy, axis=0)
    longer = fill * size
    # longer = scale * max(extent) + pen, and pen = relative_pen * PEN_FRACTION * longer
    pen = max(1, round(relative_pen * PEN_FRACTION * longer))
    scale = (longer - pen) / max(float(extent.max()), 1.0)
    xy = (xy - xy.min(axis=0)) * scale
    room = size - 2 * MARGIN - pen - xy.max(axis=0)
    xy += MARGIN + pen / 2 + position * np.maximum(room, 0)
    return xy, pen


def _draw(xy: np.ndarray, edges: np.ndarray, pen: int, size: int) -> np.ndarray:
    """Drag a round pen along the skeleton's edges, and dot its points: (size, size) uint8."""
    image = Image.new("L", (size, size), 255)
    # Every point is also a segment of length 0, so a lone skeleton pixel still gets its dot.
    starts = np.concatenate([xy[edges[:, 0]], xy])
    ends = np.concatenate([xy[edges[:, 1]], xy])
    draw_segments(image, starts, ends, pen)
    return np.asarray(image)

"""Random data augmentation for 28x28 digit images, in NumPy only.

Every training mini-batch is distorted afresh, so the network never sees exactly
the same digit twice and learns what does not change a digit's identity: where
it sits, its size, tilt and slant, small wobbles of the pen, and how thick the
pen was. The NumPy networks and their Keras twins call the same `augment_batch`
with the same configuration, so both sides train on the same distribution.

One call does, for every image of the batch at once (no Python loop over images):

1. stroke thickness: some images are thickened (grey dilation) or thinned (soft
   grey erosion) by a random amount, as if drawn with a wider or narrower pen;
2. geometry: one random affine map per image (scale each axis, slant, rotate,
   shift, all about the image centre) plus a smooth random displacement field
   (elastic distortion, Simard et al. 2003), applied in ONE resampling pass:
   for every output pixel we compute where it comes from in the input (inverse
   mapping) and interpolate bilinearly there. One pass means one blur, not one
   per transform, and no ink lost between intermediate images. Each shift is
   limited to the room the digit has, so strokes are not cut off at the frame.

Coordinates: x runs right along a row, y runs down the column (array order
`image[y, x]`); the centre of the 28x28 grid is (13.5, 13.5). An angle is
positive counter-clockwise *as seen on screen*, like `np.rot90`. Pixels outside
the frame count as background (0).

Run `python -m workbench.data.augment preview.png` to see what the defaults do to real MNIST digits.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from scratch.files import atomic_path

IMAGE_SIZE = 28
N_PIXELS = IMAGE_SIZE * IMAGE_SIZE
# The middle of the pixel grid (not pixel 14), so a turn by 90 degrees maps pixels exactly onto pixels.
CENTRE = (IMAGE_SIZE - 1) / 2
# Pixels of background kept around a shifted digit's ink box, as MNIST keeps ink off its outermost ring.
FRAME_MARGIN = 1.0


@dataclass(frozen=True)
class AugmentConfig:
    """How strongly to distort training digits. Every amount is drawn per image, uniformly up to its maximum.

    All fields are plain floats, so a config round-trips through JSON metadata
    (`to_dict` / `from_dict`). An amount of 0 switches its transform off;
    `AugmentConfig.none()` (all zeros) is the identity.

    The defaults serve two goals at once: better MNIST test accuracy (mild
    distortions around the identity, like the ones that took Simard et al.'s
    MLP to 99.3%) and robustness to digits drawn with a mouse, which come out
    thinner or bolder, more slanted and less well centred than MNIST's. Each
    image's shift is limited to the room its digit has, so strokes are never
    pushed out of the frame (see `keep_in_frame`).
    """

    # Chance that an image is augmented at all; the others pass through untouched.
    probability: float = 1.0
    # Shift in pixels along each axis, in [-max_shift, max_shift]: imperfect centring.
    # A digit already near an edge is not shifted further towards it than the frame allows.
    max_shift: float = 2.0
    # Rotation in degrees, in [-max_rotation, max_rotation]: a tilted page or hand.
    max_rotation: float = 10.0
    # Each axis is scaled independently by a factor in [1 - s, 1 + s], which also
    # changes the aspect ratio: people draw narrower and wider digits than MNIST's writers.
    max_scale_change: float = 0.1
    # Horizontal shear ("italic slant") in degrees, in [-max_slant, max_slant]: positive leans right.
    max_slant: float = 12.0
    # Elastic distortion: a random field of uniform(-1, 1) displacements, smoothed by a
    # Gaussian of std `elastic_sigma` pixels and scaled by `elastic_alpha` (Simard's alpha and
    # sigma). The smoother the field, the more it bends strokes instead of roughening them.
    # Simard used alpha=34, sigma=4 (displacements of about 1.4 pixels, std); these are milder
    # (about 0.8 pixels) because they come on top of the affine map.
    elastic_alpha: float = 20.0
    elastic_sigma: float = 4.0
    # Stroke thickness. An image is thickened with probability `dilation_probability`, else
    # thinned with probability `erosion_probability` (never both). The strength, drawn in
    # [0, max], blends the image with its grey dilation / erosion by a 3x3 cross: 1 adds
    # about a pixel on every side of a stroke.
    dilation_probability: float = 0.25
    max_dilation: float = 1.0
    erosion_probability: float = 0.25
    # Below 1, so erosion only fades a stroke one pixel wide instead of deleting it.
    max_erosion: float = 0.7

    def __post_init__(self) -> None:
        _validate_config(self)

    @classmethod
    def none(cls) -> AugmentConfig:
        """The identity: `augment_batch` returns an unchanged copy (all amounts zero)."""
        return cls(**{f.name: 0.0 for f in fields(cls)})

    @property
    def changes_geometry(self) -> bool:
        """True when the affine map or the elastic field can move pixels."""
        return any((self.max_shift, self.max_rotation, self.max_scale_change, self.max_slant, self.elastic_alpha))

    @property
    def changes_thickness(self) -> bool:
        """True when some images can be thickened or thinned."""
        return self.dilation_probability * self.max_dilation > 0 or self.erosion_probability * self.max_erosion > 0

    @property
    def is_identity(self) -> bool:
        """True when no image can change: nothing is augmented, or every amount is zero."""
        return self.probability == 0 or not (self.changes_geometry or self.changes_thickness)

    def to_dict(self) -> dict[str, float]:
        """The config as a JSON-ready dict of plain floats (for model metadata)."""
        return {name: float(value) for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AugmentConfig:
        """Rebuild a config from `to_dict()` output; unknown or missing keys are a ValueError.

        Strict both ways, because metadata that silently lost or gained a field
        would misreport how a stored model was trained.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"augmentation config must be a dict, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(names))
        missing = [name for name in names if name not in data]
        if unknown or missing:
            problems = []
            if unknown:
                problems.append(f"unknown keys {unknown}")
            if missing:
                problems.append(f"missing keys {missing}")
            raise ValueError(f"augmentation config has {' and '.join(problems)}; expected exactly {names}")
        return cls(**{name: data[name] for name in names})


def _validate_config(config: AugmentConfig) -> None:
    """Raise ValueError naming the first field that is not a finite number in its allowed range."""
    limits = {  # field: (lowest, highest, highest allowed?, why the upper limit)
        "probability": (0, 1, True, "it is a probability"),
        "max_shift": (0, IMAGE_SIZE / 2, True, "the frame is only 28 pixels wide"),
        "max_rotation": (0, 180, True, "angles repeat beyond 180 degrees"),
        "max_scale_change": (0, 1, False, "a scale factor 1 - max_scale_change must stay positive"),
        "max_slant": (0, 60, True, "a steeper slant flattens a digit beyond recognition"),
        "elastic_alpha": (0, math.inf, True, ""),
        "elastic_sigma": (0, math.inf, True, ""),
        "dilation_probability": (0, 1, True, "it is a probability"),
        "max_dilation": (0, 1, True, "1 is a full grey dilation"),
        "erosion_probability": (0, 1, True, "it is a probability"),
        "max_erosion": (0, 1, False, "a full erosion (1) deletes strokes one pixel wide"),
    }
    for name, (low, high, high_ok, why) in limits.items():
        value = getattr(config, name)
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"AugmentConfig.{name} must be a number, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"AugmentConfig.{name} must be finite, got {value!r}")
        if value < low:
            raise ValueError(f"AugmentConfig.{name} must be >= {low}, got {value!r}")
        if value > high or (value == high and not high_ok):
            bound = f"<= {high}" if high_ok else f"< {high}"
            raise ValueError(f"AugmentConfig.{name} must be {bound} ({why}), got {value!r}")
    if config.dilation_probability + config.erosion_probability > 1:
        raise ValueError(
            f"AugmentConfig.dilation_probability + erosion_probability must be <= 1 (an image is thickened "
            f"or thinned, never both), got {config.dilation_probability} + {config.erosion_probability}"
        )
    if config.elastic_alpha > 0 and config.elastic_sigma == 0:
        raise ValueError("AugmentConfig.elastic_sigma must be > 0 when elastic_alpha > 0 "
                         "(unsmoothed noise would scatter pixels instead of bending strokes)")


# --------------------------------------------------------------------------------------------
# The whole pipeline
# --------------------------------------------------------------------------------------------

def augment_batch(images: np.ndarray, rng: np.random.Generator,
                  config: AugmentConfig = AugmentConfig()) -> np.ndarray:
    """A randomly distorted copy of a batch of digits.

    images: float32 in [0, 1], ink high, shaped (n, 28, 28) or (n, 784); not modified.
    rng: the caller's `np.random.Generator`; the same seed gives the same output.
    Returns a new float32 array of the same shape, in [0, 1].
    """
    batch = _check_images(images, "images")
    _check_rng(rng)
    if not isinstance(config, AugmentConfig):
        raise ValueError(f"config must be an AugmentConfig, got {type(config).__name__}")
    if config.is_identity or len(batch) == 0:
        return images.copy()

    chosen = rng.random(len(batch)) < config.probability
    source = _change_thickness(batch, rng, config, chosen)
    if not config.changes_geometry:
        out = source.copy() if source is batch else source
    else:
        x, y = random_source_coordinates(source, rng, config, chosen)
        out = bilinear_sample(source, x, y)
    np.clip(out, 0.0, 1.0, out=out)  # rounding in the blends and interpolation must not leave [0, 1]
    return out.reshape(images.shape)


def random_source_coordinates(images: np.ndarray, rng: np.random.Generator, config: AugmentConfig,
                              chosen: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each output pixel of `images` (float32 (n, 28, 28)) is read from: (x, y), each float32 (n, 28, 28).

    The elastic field moves the point to look up first, then the inverse of the
    image's affine map takes it into the input. Each affine map's shift is
    limited to the room its digit has (`keep_in_frame`). Images where `chosen`
    is False read every pixel from itself (an exact identity).
    """
    n = len(images)
    u, v = _output_grid(n)
    if config.elastic_alpha > 0:
        dx, dy = elastic_displacements(n, rng, config.elastic_alpha, config.elastic_sigma)
        keep = chosen.astype(np.float32)[:, None, None]
        dx *= keep
        dy *= keep
        dx += u  # the displaced output points, in the fields' own buffers
        dy += v
        u, v = dx, dy
    matrices = random_affine_matrices(rng, config, chosen)
    matrices[chosen] = keep_in_frame(matrices[chosen], ink_boxes(images[chosen]))
    return _apply_affine(_inverse_affine(matrices), u, v)


# --------------------------------------------------------------------------------------------
# Geometry: affine maps and the one resampling pass
# --------------------------------------------------------------------------------------------

def affine_matrices(rotation: ArrayLike, scale_x: ArrayLike, scale_y: ArrayLike, slant: ArrayLike,
                    shift_x: ArrayLike, shift_y: ArrayLike) -> np.ndarray:
    """Forward affine maps, one per image, from per-image parameters (each shaped (n,) or scalar).

    The digit is first scaled along x and y, then slanted (horizontal shear by
    `slant` degrees, positive leaning right like italics), then rotated by
    `rotation` degrees (counter-clockwise on screen), all about the image
    centre, and finally shifted by (shift_x, shift_y) pixels (y down).
    Returns float64 (n, 2, 3) (or (2, 3) for scalars): [[a, b, tx], [c, d, ty]]
    maps a centred input point (u, v) to the output point (a u + b v + tx, c u + d v + ty).
    """
    theta = np.radians(np.asarray(rotation, dtype=np.float64))
    lean = np.tan(np.radians(np.asarray(slant, dtype=np.float64)))
    rotation, scale_x, scale_y, lean, shift_x, shift_y = np.broadcast_arrays(
        theta, scale_x, scale_y, lean, shift_x, shift_y)
    cos, sin = np.cos(rotation), np.sin(rotation)
    # y points down, so "counter-clockwise on screen" sends the +x axis to -y, and "leaning
    # right" moves the top of the digit (negative v) to the right: u' = u - lean * v.
    rotate = np.stack([np.stack([cos, sin], -1), np.stack([-sin, cos], -1)], -2)
    shear = np.zeros(rotation.shape + (2, 2))
    shear[..., 0, 0] = shear[..., 1, 1] = 1.0
    shear[..., 0, 1] = -lean
    scale = np.zeros(rotation.shape + (2, 2))
    scale[..., 0, 0], scale[..., 1, 1] = scale_x, scale_y
    linear = rotate @ shear @ scale
    return np.concatenate([linear, np.stack([shift_x, shift_y], -1)[..., None]], axis=-1)


def random_affine_matrices(rng: np.random.Generator, config: AugmentConfig,
                           chosen: np.ndarray) -> np.ndarray:
    """Random forward affine maps (n, 2, 3) drawn from `config`; identity where `chosen` is False."""
    n = len(chosen)

    def symmetric(limit: float) -> np.ndarray:
        return rng.uniform(-limit, limit, n) * chosen if limit > 0 else np.zeros(n)

    rotation = symmetric(config.max_rotation)
    scale_x = 1 + symmetric(config.max_scale_change)
    scale_y = 1 + symmetric(config.max_scale_change)
    slant = symmetric(config.max_slant)
    shift_x = symmetric(config.max_shift)
    shift_y = symmetric(config.max_shift)
    return affine_matrices(rotation, scale_x, scale_y, slant, shift_x, shift_y)


def ink_boxes(images: np.ndarray, threshold: float = 0.05) -> np.ndarray:
    """Each image's ink bounding box as float64 (n, 4): left, right, top, bottom pixel centres, centred.

    images: float32 (n, 28, 28). Pixels above `threshold` count as ink. Coordinates
    are relative to the image centre (so -13.5 is the first row or column). An
    image without ink gets the whole frame, which leaves it no room to move.
    """
    ink = images > threshold
    columns = ink.any(axis=1)  # (n, 28): which columns hold ink
    rows = ink.any(axis=2)
    last = IMAGE_SIZE - 1
    left, right = columns.argmax(axis=1), last - columns[:, ::-1].argmax(axis=1)
    top, bottom = rows.argmax(axis=1), last - rows[:, ::-1].argmax(axis=1)
    empty = ~columns.any(axis=1)
    left[empty], right[empty], top[empty], bottom[empty] = 0, last, 0, last
    return np.stack([left, right, top, bottom], axis=1) - CENTRE


def keep_in_frame(matrices: np.ndarray, boxes: np.ndarray, margin: float = FRAME_MARGIN) -> np.ndarray:
    """Forward maps (n, 2, 3) whose shifts are changed just enough to keep each ink box inside the frame.

    boxes: (n, 4) from `ink_boxes`. The four corners of each box go through the
    map's linear part (scale, slant, rotation); the shift may then move the
    digit only as far as the frame, less `margin` pixels on every side, allows.
    Many MNIST digits already reach within a pixel or two of an edge, and a
    shift that pushes them out would cut off a stroke, teaching the network
    digits nobody draws. A box too big for the frame is centred. Returns a new
    float64 array.
    """
    left, right, top, bottom = boxes.T
    corners_u = np.stack([left, right, left, right])   # (4, n)
    corners_v = np.stack([top, top, bottom, bottom])
    linear = matrices[:, :, :2]
    moved_u = linear[:, 0, 0] * corners_u + linear[:, 0, 1] * corners_v
    moved_v = linear[:, 1, 0] * corners_u + linear[:, 1, 1] * corners_v
    out = matrices.astype(np.float64, copy=True)
    for axis, moved in ((0, moved_u), (1, moved_v)):
        lowest = margin - CENTRE - moved.min(axis=0)    # smallest shift that keeps the box off the low edge
        highest = CENTRE - margin - moved.max(axis=0)   # largest shift that keeps it off the high edge
        shift = np.clip(out[:, axis, 2], lowest, np.maximum(highest, lowest))
        out[:, axis, 2] = np.where(lowest > highest, (lowest + highest) / 2, shift)
    return out


def _inverse_affine(matrices: np.ndarray) -> np.ndarray:
    """Inverse maps (n, 2, 3), float32, of forward maps (n, 2, 3): output point -> input point.

    Resampling asks, for every output pixel, which input point lands there, so
    it needs the inverse. The 2x2 inverse is written out (adjugate / det) to
    stay vectorised; `affine_transform` checks det != 0 first.
    """
    a, b, tx = matrices[:, 0, 0], matrices[:, 0, 1], matrices[:, 0, 2]
    c, d, ty = matrices[:, 1, 0], matrices[:, 1, 1], matrices[:, 1, 2]
    det = a * d - b * c
    inverse = np.empty(matrices.shape, dtype=np.float64)
    inverse[:, 0, 0], inverse[:, 0, 1] = d / det, -b / det
    inverse[:, 1, 0], inverse[:, 1, 1] = -c / det, a / det
    # input = L^-1 (output - t): the translation part is -L^-1 t.
    inverse[:, :, 2] = -(inverse[:, :, :2] @ matrices[:, :, 2:3])[:, :, 0]
    return inverse.astype(np.float32)


@lru_cache(maxsize=1)
def _centred_grid() -> tuple[np.ndarray, np.ndarray]:
    """(u, v): float32 (28, 28) coordinates of every pixel relative to the image centre."""
    offsets = np.arange(IMAGE_SIZE, dtype=np.float32) - np.float32(CENTRE)
    u, v = np.meshgrid(offsets, offsets)  # u varies along a row (x), v down a column (y)
    u.flags.writeable = v.flags.writeable = False  # shared by every call: guard against in-place edits
    return u, v


def _output_grid(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred output pixel coordinates (u, v), each float32 (n, 28, 28) as read-only broadcast views."""
    u, v = _centred_grid()
    shape = (n, IMAGE_SIZE, IMAGE_SIZE)
    return np.broadcast_to(u, shape), np.broadcast_to(v, shape)


def _apply_affine(inverse: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Source pixel coordinates (x, y), each new float32 (n, 28, 28), for centred output points (u, v).

    inverse: float32 (n, 2, 3) output -> input maps; (u, v) broadcast to (n, 28, 28).
    """
    a, b, tx = (inverse[:, 0, k, None, None] for k in range(3))
    c, d, ty = (inverse[:, 1, k, None, None] for k in range(3))
    # In-place adds reuse one buffer per coordinate instead of making four temporaries.
    x = a * u
    x += b * v
    x += tx + np.float32(CENTRE)
    y = c * u
    y += d * v
    y += ty + np.float32(CENTRE)
    return x, y


def bilinear_sample(images: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Images read at fractional pixel positions: out[k, i, j] = images[k] at (x[k, i, j], y[k, i, j]).

    images: float32 (n, 28, 28). x, y: float32 (n, 28, 28) source coordinates in
    pixels (x along a row, y down a column); they are used as scratch space and
    overwritten. Each value mixes the four surrounding pixels by their distance;
    points outside the frame read background (0). Returns new float32 (n, 28, 28).
    """
    n = len(images)
    # A zero border (1 pixel before, 2 after) lets every clipped coordinate's four
    # neighbours be read without bounds checks: coordinates are clipped to [-1, 28],
    # so the furthest neighbour is padded index 28 + 1 + 1 = 30.
    size = IMAGE_SIZE + 3
    padded = np.zeros((n, size, size), dtype=np.float32)
    padded[:, 1:IMAGE_SIZE + 1, 1:IMAGE_SIZE + 1] = images
    flat = padded.reshape(-1)

    np.clip(x, -1, IMAGE_SIZE, out=x)
    np.clip(y, -1, IMAGE_SIZE, out=y)
    x0 = np.floor(x)
    y0 = np.floor(y)
    x -= x0  # now the fractional part: the weight of the right-hand neighbour
    y -= y0  # ... and of the lower neighbour
    index = y0.astype(np.intp)
    index += 1  # the zero border
    index += (np.arange(n) * size)[:, None, None]
    index *= size
    index += x0.astype(np.intp)
    index += 1

    top_left = flat.take(index)
    top_right = flat.take(index + 1)
    bottom_left = flat.take(index + size)
    index += size + 1
    bottom_right = flat.take(index)
    # Interpolate along x in both rows, then between the rows along y (each lerp in place).
    top_right -= top_left
    top_right *= x
    top = top_left
    top += top_right
    bottom_right -= bottom_left
    bottom_right *= x
    bottom = bottom_left
    bottom += bottom_right
    bottom -= top
    bottom *= y
    top += bottom
    return top


def affine_transform(images: np.ndarray, matrices: np.ndarray) -> np.ndarray:
    """Deterministic affine warp: each image moved by its own forward map, bilinearly resampled.

    images: float32 (n, 28, 28) or (n, 784) in [0, 1]. matrices: (n, 2, 3) or one
    (2, 3) for all, forward maps about the image centre as made by `affine_matrices`
    (e.g. [[1, 0, 2], [0, 1, 0]] shifts right by 2 pixels). Returns a new float32
    array shaped like `images`; ink moved outside the frame is lost.
    """
    batch = _check_images(images, "images")
    matrices = np.asarray(matrices, dtype=np.float64)
    if matrices.shape == (2, 3):
        matrices = np.broadcast_to(matrices, (len(batch), 2, 3))
    if matrices.shape != (len(batch), 2, 3):
        raise ValueError(f"matrices must be shaped (2, 3) or ({len(batch)}, 2, 3), got {matrices.shape}")
    if not np.isfinite(matrices).all():
        raise ValueError("matrices must be finite")
    det = matrices[:, 0, 0] * matrices[:, 1, 1] - matrices[:, 0, 1] * matrices[:, 1, 0]
    if (np.abs(det) < 1e-6).any():
        raise ValueError(f"matrices must be invertible; matrix {int(np.argmin(np.abs(det)))} "
                         f"has determinant {det[np.argmin(np.abs(det))]:.3g}")
    u, v = _output_grid(len(batch))
    x, y = _apply_affine(_inverse_affine(matrices), u, v)
    out = bilinear_sample(batch, x, y)
    np.clip(out, 0.0, 1.0, out=out)
    return out.reshape(images.shape)


# --------------------------------------------------------------------------------------------
# Elastic distortion (Simard, Steinkraus and Platt 2003)
# --------------------------------------------------------------------------------------------

@lru_cache(maxsize=8)
def _gaussian_blur_matrix(sigma: float) -> np.ndarray:
    """float32 (28, 28) matrix G such that G @ f blurs each column of f with a Gaussian of std `sigma`.

    A 1-D convolution of a length-28 signal is a 28x28 matrix, and a 2-D Gaussian
    blur is separable, so blurring a whole batch of fields is two small matrix
    products. The kernel is normalised as if it were never cut off: the noise
    outside the frame counts as 0, so the field fades towards the edges (where
    MNIST has no ink) instead of growing there (as it would if each cut-off row
    were renormalised) and pulling ink onto the border.
    """
    positions = np.arange(IMAGE_SIZE, dtype=np.float64)
    kernel = np.exp(-0.5 * ((positions[:, None] - positions[None, :]) / sigma) ** 2)
    reach = np.arange(-IMAGE_SIZE - math.ceil(6 * sigma), IMAGE_SIZE + math.ceil(6 * sigma) + 1)
    kernel /= np.exp(-0.5 * (reach / sigma) ** 2).sum()  # the sum of the whole, uncut kernel
    matrix = kernel.astype(np.float32)
    matrix.flags.writeable = False
    return matrix


def elastic_displacements(n: int, rng: np.random.Generator, alpha: float,
                          sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Smooth random displacement fields (dx, dy), each float32 (n, 28, 28), in pixels.

    Simard's recipe: uniform(-1, 1) noise per pixel and axis, blurred by a Gaussian
    of std `sigma` (so neighbouring pixels move together and strokes bend instead
    of fraying), times `alpha`.
    """
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    blur = _gaussian_blur_matrix(float(sigma))
    noise = rng.random((2 * n, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    noise *= 2
    noise -= 1
    # Blur along x (rows times blur.T), then along y (blur times each field), as batched matrix products.
    smooth = blur @ (noise @ blur.T)
    smooth *= np.float32(alpha)
    return smooth[:n], smooth[n:]


# --------------------------------------------------------------------------------------------
# Stroke thickness: grey dilation and soft erosion by a 3x3 cross
# --------------------------------------------------------------------------------------------

def _cross_filter(images: np.ndarray, combine: np.ufunc) -> np.ndarray:
    """Each pixel combined (np.maximum or np.minimum) with its 4 neighbours: float32 (k, 28, 28) -> new array.

    The cross (not the 3x3 square) is the smallest round pen, so thickened
    diagonal strokes do not turn blocky. Neighbours outside the frame are ignored.
    """
    out = images.copy()
    combine(out[:, 1:, :], images[:, :-1, :], out=out[:, 1:, :])    # pixel above
    combine(out[:, :-1, :], images[:, 1:, :], out=out[:, :-1, :])   # pixel below
    combine(out[:, :, 1:], images[:, :, :-1], out=out[:, :, 1:])    # pixel to the left
    combine(out[:, :, :-1], images[:, :, 1:], out=out[:, :, :-1])   # pixel to the right
    return out


def _blend_towards(images: np.ndarray, target: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """images + strength * (target - images), per image, computed in `target`'s buffer (returned)."""
    target -= images
    target *= strength.astype(np.float32)[:, None, None]
    target += images
    return target


def dilate(images: np.ndarray, strength: ArrayLike = 1.0) -> np.ndarray:
    """Thicker strokes: a blend of each image with its grey dilation by a 3x3 cross.

    images: float32 (n, 28, 28) or (n, 784) in [0, 1]. strength: (n,) or a scalar
    in [0, 1]; 0 keeps the image, 1 adds about a pixel on every side of a stroke.
    Returns a new float32 array shaped like `images`.
    """
    batch = _check_images(images, "images")
    strength = _check_strength(strength, len(batch), "strength", upper=1.0, upper_ok=True)
    return _blend_towards(batch, _cross_filter(batch, np.maximum), strength).reshape(images.shape)


def soft_erode(images: np.ndarray, strength: ArrayLike = 0.5) -> np.ndarray:
    """Thinner strokes: a blend of each image with its grey erosion by a 3x3 cross.

    Full erosion would delete every stroke one pixel wide (all its neighbours
    across the stroke are background); blending with strength < 1 instead fades
    such a stroke to 1 - strength of its ink while the edges of thick strokes
    are peeled away. images as for `dilate`; strength (n,) or scalar in [0, 1).
    """
    batch = _check_images(images, "images")
    strength = _check_strength(strength, len(batch), "strength", upper=1.0, upper_ok=False)
    return _blend_towards(batch, _cross_filter(batch, np.minimum), strength).reshape(images.shape)


def _change_thickness(batch: np.ndarray, rng: np.random.Generator, config: AugmentConfig,
                      chosen: np.ndarray) -> np.ndarray:
    """`batch` (n, 28, 28) with random images thickened or thinned; a new array, or `batch` itself if none are.

    One uniform draw per image decides: below dilation_probability it is
    thickened, in the next erosion_probability it is thinned, else untouched.
    """
    if not config.changes_thickness:
        return batch
    n = len(batch)
    which = rng.random(n)      # one draw per image picks thicken, thin or neither
    strength = rng.random(n)   # fraction of the maximum strength
    thicken = chosen & (which < config.dilation_probability)
    thin = chosen & ~thicken & (which < config.dilation_probability + config.erosion_probability)
    out = None
    for mask, combine, limit in ((thicken, np.maximum, config.max_dilation),
                                 (thin, np.minimum, config.max_erosion)):
        if limit > 0 and mask.any():
            out = batch.copy() if out is None else out
            picked = out[mask]  # only those images: cheaper than filtering all and blending most with 0
            out[mask] = _blend_towards(picked, _cross_filter(picked, combine), strength[mask] * limit)
    return batch if out is None else out


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------

def _check_images(images: Any, name: str) -> np.ndarray:
    """`images` as a (n, 28, 28) view, after checking type, dtype, shape and range (ValueError otherwise)."""
    if not isinstance(images, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, got {type(images).__name__}")
    if images.dtype != np.float32:
        raise ValueError(
            f"{name} must be float32 in [0, 1], got {images.dtype}; convert uint8 MNIST pixels with "
            f"workbench.data.mnist.pixels_to_float, other floats with .astype(np.float32)"
        )
    if images.ndim == 2 and images.shape[1] == N_PIXELS:
        batch = images.reshape(len(images), IMAGE_SIZE, IMAGE_SIZE)
    elif images.ndim == 3 and images.shape[1:] == (IMAGE_SIZE, IMAGE_SIZE):
        batch = images
    else:
        raise ValueError(f"{name} must be shaped (n, 28, 28) or (n, 784), got {images.shape}")
    if batch.size:
        low, high = batch.min(), batch.max()
        if np.isnan(low) or np.isnan(high):
            raise ValueError(f"{name} contain NaN")
        if low < 0 or high > 1:
            raise ValueError(f"{name} must be in [0, 1] (ink high), got values from {low:g} to {high:g}")
    return batch


def _check_rng(rng: Any) -> None:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")


def _check_strength(strength: Any, n: int, name: str, *, upper: float, upper_ok: bool) -> np.ndarray:
    """A per-image strength as float (n,), checked to lie in [0, upper] (or [0, upper))."""
    values = np.asarray(strength, dtype=np.float64)
    if values.ndim > 1 or (values.ndim == 1 and len(values) != n):
        raise ValueError(f"{name} must be a scalar or shaped ({n},), got shape {values.shape}")
    values = np.broadcast_to(values, (n,))
    inside = (values >= 0) & ((values <= upper) if upper_ok else (values < upper))
    if not inside.all():
        interval = f"[0, {upper}]" if upper_ok else f"[0, {upper})"
        raise ValueError(f"{name} must be in {interval}, got {values[~inside][0]!r}")
    return values


# --------------------------------------------------------------------------------------------
# Looking at it
# --------------------------------------------------------------------------------------------

def preview_grid(images: np.ndarray, rng: np.random.Generator, config: AugmentConfig = AugmentConfig(),
                 path: str | Path = "augment_preview.png", *, n_augmentations: int = 8,
                 zoom: int = 3) -> Path:
    """Write a PNG: one row per image, its original on the left, then `n_augmentations` random versions.

    images: float32 (n, 28, 28) or (n, 784) in [0, 1]. Digits are drawn dark on
    white, each 28x28 frame on a grey background so ink touching the border
    shows. Written atomically; returns the path.
    """
    from PIL import Image  # only for pictures: augmentation itself needs NumPy alone

    batch = _check_images(images, "images")
    if not (isinstance(n_augmentations, int) and n_augmentations >= 1):
        raise ValueError(f"n_augmentations must be a positive integer, got {n_augmentations!r}")
    if not (isinstance(zoom, int) and 1 <= zoom <= 16):
        raise ValueError(f"zoom must be an integer from 1 to 16, got {zoom!r}")
    n = len(batch)
    if n == 0:
        raise ValueError("images must hold at least one image")
    # Column 0 is the original; each further column is one augmentation of every image.
    columns = [batch] + [augment_batch(batch, rng, config) for _ in range(n_augmentations)]
    gap, wide_gap = 2, 8  # pixels between frames; a wider gap after the originals
    cell = IMAGE_SIZE
    width = (n_augmentations + 1) * cell + n_augmentations * gap + (wide_gap - gap) + 2 * gap
    height = n * cell + (n + 1) * gap
    canvas = np.full((height, width), 160, dtype=np.uint8)
    for col, column in enumerate(columns):
        left = gap + col * (cell + gap) + (wide_gap - gap if col > 0 else 0)
        tiles = np.round(255 * (1 - column)).astype(np.uint8)  # ink high -> dark ink on white
        for row in range(n):  # a loop over a handful of tiles for a picture, not over training data
            top = gap + row * (cell + gap)
            canvas[top:top + cell, left:left + cell] = tiles[row]
    picture = Image.fromarray(canvas, mode="L").resize((width * zoom, height * zoom), Image.NEAREST)
    path = Path(path)
    with atomic_path(path) as tmp:
        picture.save(tmp, format="PNG")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m workbench.data.augment OUT.png`: a preview grid of real MNIST digits under the default config."""
    from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float

    parser = argparse.ArgumentParser(prog="python -m workbench.data.augment", description=main.__doc__)
    parser.add_argument("out", help="PNG file to write")
    parser.add_argument("--data-dir", help="folder holding MNIST (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--digits", type=int, default=10, help="how many digits (rows)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--none", action="store_true", help="use AugmentConfig.none() (a sanity check)")
    args = parser.parse_args(argv)
    try:
        data = load_mnist(args.data_dir)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    rng = np.random.default_rng(args.seed)
    picks = rng.choice(len(data.train_images), size=args.digits, replace=False)
    config = AugmentConfig.none() if args.none else AugmentConfig()
    path = preview_grid(pixels_to_float(data.train_images[picks]), rng, config, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

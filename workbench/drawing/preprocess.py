"""Prepare a drawing the way MNIST was made, so MNIST-trained models can read it.

LeCun, Cortes and Burges made MNIST from binary NIST scans in three steps:
crop each digit to its ink, scale it (keeping its aspect ratio, with
anti-aliasing) so that the longer side fills a 20x20 box, and paste it into a
28x28 frame so that the centre of mass of its ink sits at the frame's centre.
A model trained on MNIST has only ever seen digits prepared like that: hand it
a mouse drawing that is small, off-centre or squashed by a plain resize and
its accuracy collapses. `prepare` does the three steps; `plain_resize` is the
naive alternative, kept so the workbench can show a learner the difference.

Conventions: every function returns float32 pixels in [0, 1] with ink high
(1.0 = full ink), the same as `workbench.data.mnist.pixels_to_float(mnist_images)`.
Pure functions, no Tk: the GUI draws the same strokes on its Tk canvas and,
with `draw_stroke`, on an off-screen Pillow mirror that it hands to `prepare`.
A user's picture file is read with `open_picture` (upright, by its EXIF orientation),
and shown with `greyscale` (transparency flattened the way `prepare` reads it).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageOps, UnidentifiedImageError

# --- The MNIST frame (measured on the 60,000 training digits) -------------------------------

FRAME = 28        # MNIST images are 28x28
BOX = 20          # the digit's longer side: 20 pixels in 59,987 of the 60,000 training digits

# Where the ink's centre of mass goes, in (row, col) pixel-index coordinates (pixel (0, 0) is
# the top-left pixel, whose centre is at 0.0). Measured on the 60,000 training digits: mean
# (13.996, 14.007), std 0.29, and 99.998% of them lie in [13.5, 14.5) on both axes, spread
# evenly. That is the trace of a whole-pixel shift that put the centre of mass at (14, 14),
# not at the geometric centre 13.5: we do exactly that, and so match real MNIST.
CENTRE = (14.0, 14.0)

# --- The pen --------------------------------------------------------------------------------

# MNIST's pen, as a fraction of the digit's longer side: after `to_mnist` a stroke is
# (pen width) x 20 / (the drawing's longer side) pixels thick, so only this ratio matters.
# Measured with workbench.data.drawn_style on 2,000 MNIST training digits, redrawn with round pens
# of a fixed fraction and prepared with to_mnist. Mean ink per digit (sum of pixels):
#     pen fraction   0.098  0.110  0.118  0.123  0.127  0.135     MNIST itself
#     ink            83.9   92.7   98.4   102.0  104.7  110.1     102.1
# and at 0.123 the mean stroke width (ink / skeleton length) is 2.83 pixels, MNIST's 2.82.
PEN_FRACTION = 0.123

# The GUI's pen on a 280x280 canvas: right for a digit drawn three quarters of the canvas
# tall (210 px), as people do when asked to fill it. A smaller digit comes out bolder than
# MNIST, a larger one thinner; the models tolerate both (see drawn_style and its test).
DEFAULT_WIDTH = round(PEN_FRACTION * 0.75 * 280)   # 26 pixels

# --- What counts as ink, and as "nothing drawn" ---------------------------------------------

# Ink is measured after the background has been subtracted (0 = paper, 1 = full ink).
INK_LEVEL = 0.5       # a pixel "has ink" at half of full contrast or more
FAINT_LEVEL = 0.1     # ink that never reaches INK_LEVEL but reaches this is a faint smudge;
                      # below it the image is blank

# Near-empty input is reported, never prepared: scaled up to 20 pixels, a dot or a speck would
# become a confident-looking blob that the models classify as something. Relative to the image:
DOT_FRACTION = 0.15         # ink box's longer side below 15% of the image's longer side: a dot.
                            # On the canvas that is 42 px: the default pen's own dot is 26 px
                            # (9%), a click with a little jitter a few px more, and a digit
                            # under twice the pen's width is a blob once scaled to 20 px.
MIN_INK_FRACTION = 0.002    # fewer ink pixels than 0.2% of the image: a few stray specks

MESSAGE_EMPTY = "The canvas is empty: draw a digit."
MESSAGE_FAINT = "The ink is too faint: draw a darker digit."
MESSAGE_DOT = "Only a dot: draw a bigger digit."
MESSAGE_SPECKS = "Hardly any ink: draw a bigger digit."

METHODS = ("mnist", "resize")


@dataclass(frozen=True)
class Prepared:
    """A drawing made ready for a model, and what the GUI should tell the user about it."""

    pixels: np.ndarray   # (28, 28) float32 in [0, 1], ink high; all zeros when `empty`
    empty: bool          # nothing worth classifying was drawn (blank, a dot, a faint smudge)
    message: str         # short hint for the user when empty, "" otherwise
    ink_was_dark: bool   # True for dark ink on a light background (the canvas), False for MNIST-like


# --- Drawing strokes ------------------------------------------------------------------------


def render_strokes(strokes: Iterable[Sequence[Sequence[float]]], size: tuple[int, int] = (280, 280),
                   width: float = DEFAULT_WIDTH) -> Image.Image:
    """Draw mouse strokes as the canvas shows them: black (0) round-pen ink on white (255).

    `strokes` is a list of strokes, each a sequence of (x, y) canvas pixel coordinates (x to
    the right, y down, like Tk). `size` is (width, height). Returns a Pillow image of mode "L".
    """
    canvas_width, canvas_height = _check_size(size)
    pen = _check_width(width)
    if isinstance(strokes, (str, bytes)) or not isinstance(strokes, Iterable):
        raise ValueError(f"strokes must be a list of strokes (each a list of (x, y) points), "
                         f"got {type(strokes).__name__}")
    checked = [_check_points(stroke, f"strokes[{i}]") for i, stroke in enumerate(strokes)]
    image = Image.new("L", (canvas_width, canvas_height), 255)
    for points in checked:
        draw_stroke(image, points, pen)
    return image


def draw_stroke(image: Image.Image, points: Sequence[Sequence[float]], width: float = DEFAULT_WIDTH) -> None:
    """Draw one stroke onto `image` (mode "L") in place, in black, with a round pen.

    This is what the GUI calls on its off-screen mirror as the mouse moves (a stroke of the
    last two points is one segment). A one-point stroke is a dot of diameter `width`.
    """
    xy = _check_points(points, "points")
    if len(xy) == 1:
        xy = np.concatenate([xy, xy])           # a click: one segment of length 0, a dot
    draw_segments(image, xy[:-1], xy[1:], width)


def draw_segments(image: Image.Image, starts: np.ndarray, ends: np.ndarray, width: float = DEFAULT_WIDTH) -> None:
    """Draw the segments starts[i] -> ends[i] ((m, 2) float (x, y) arrays) in black, in place.

    A round pen dragged along a segment covers the union of its dots, so we stamp the pen's
    dot along each segment, sqrt(width) pixels apart: the bumps between neighbouring dots
    are then at most a quarter of a pixel deep (a chord's sagitta, spacing^2 / (8 radius)),
    below what pixels can show. That gives round caps and round joins for free, and the same
    thickness at every angle (Pillow's own wide lines are up to 14% thin at some angles).
    Dot centres are rounded to whole pixels, as Tk reports mouse positions.
    """
    pen = _check_width(width)
    starts, ends = _check_points(starts, "starts"), _check_points(ends, "ends")
    if starts.shape != ends.shape:
        raise ValueError(f"starts and ends must hold as many points, got {len(starts)} and {len(ends)}")
    lengths = np.hypot(*(ends - starts).T)
    counts = np.ceil(lengths / math.sqrt(pen)).astype(int) + 1        # dots per segment, ends included
    segment = np.repeat(np.arange(len(starts)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)   # 0, 1, ... per segment
    fraction = step / np.repeat(np.maximum(counts - 1, 1), counts)
    dots = np.rint(starts[segment] + fraction[:, None] * (ends - starts)[segment]).astype(int)
    draw = ImageDraw.Draw(image)
    dot, low = _pen_dot(pen), (pen - 1) // 2
    for x, y in np.unique(dots, axis=0):       # overlapping segments share dots: stamp each once
        draw.bitmap((int(x) - low, int(y) - low), dot, fill=0)


@functools.lru_cache(maxsize=64)
def _pen_dot(pen: int) -> Image.Image:
    """The pen's dot, a `pen` x `pen` mask: the pixels whose centres lie within pen/2 of its centre.

    Pasted with its corner at (x - (pen-1)//2, y - (pen-1)//2), it covers the same rows and
    columns as a Pillow line of width `pen` through (x, y); an even-sized dot cannot be
    centred on a pixel and reaches one pixel further right and down.
    """
    centre = (pen - 1) / 2
    yy, xx = np.mgrid[:pen, :pen]
    inside = (yy - centre) ** 2 + (xx - centre) ** 2 <= (pen / 2) ** 2
    return Image.fromarray(inside.astype(np.uint8) * 255)


def _check_size(size: object) -> tuple[int, int]:
    try:
        width, height = size  # type: ignore[misc]
    except (TypeError, ValueError):
        raise ValueError(f"size must be a (width, height) pair of positive integers, got {size!r}") from None
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"size must be a (width, height) pair of positive integers; "
                             f"its {name} is {value!r}")
    return int(width), int(height)


def _check_width(width: object) -> int:
    """The pen width as a whole number of pixels (at least 1)."""
    if isinstance(width, bool) or not isinstance(width, numbers.Real) or not math.isfinite(width):
        raise ValueError(f"width must be a positive number of pixels, got {width!r}")
    if width <= 0:
        raise ValueError(f"width must be a positive number of pixels, got {width!r}")
    return max(1, round(width))


def _check_points(points: object, name: str) -> np.ndarray:
    """A stroke as an (n, 2) float array of finite (x, y) pairs; n may be 0 (nothing to draw)."""
    if isinstance(points, (str, bytes)):
        raise ValueError(f"{name} must be a sequence of (x, y) number pairs, got a string")
    try:
        xy = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a sequence of (x, y) number pairs, "
                         f"could not read it as numbers: {points!r:.80}") from None
    if xy.size == 0:
        return xy.reshape(0, 2)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"{name} must be a sequence of (x, y) number pairs, got an array of shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError(f"{name} holds a point that is not finite (nan or inf)")
    return xy


# --- Reading a user's picture ---------------------------------------------------------------


def open_picture(path: str | os.PathLike) -> Image.Image:
    """Read a picture file the way picture viewers show it: a Pillow image, fully loaded (the file
    is closed), in the file's own mode, turned upright by its EXIF Orientation tag.

    Cameras and phones store a photo as the sensor saw it and record in that tag how to turn it
    for display; ignoring it shows (and classifies) a phone photo sideways. The tag is removed
    once applied, so the picture is never turned twice.
    Every way the file can fail to be read is a ValueError whose message names the file.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__}")
    try:
        with Image.open(path) as opened:
            return _upright(opened)
    except FileNotFoundError:
        raise ValueError(f"Cannot open {path}: no such file") from None
    except IsADirectoryError:
        raise ValueError(f"Cannot open {path}: it is a folder, not a picture file") from None
    except PermissionError:
        raise ValueError(f"Cannot open {path}: permission denied") from None
    except UnidentifiedImageError:
        raise ValueError(f"Cannot open {path}: not a picture file that can be read "
                         f"(PNG, JPEG, BMP, GIF, TIFF or WebP)") from None
    except Image.DecompressionBombError as e:
        raise ValueError(f"Cannot open {path}: the picture is too large ({e})") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as e:
        # Pillow reports a truncated or corrupt picture while decoding it, in any of these.
        raise ValueError(f"Cannot open {path}: the picture is damaged or cut short ({e})") from None


def _upright(image: Image.Image) -> Image.Image:
    """`image` loaded and turned by its EXIF orientation, as a new image (`image` is left as is).

    For a picture straight from its file only: Pillow keeps the tag on images derived from one
    (rotated, cropped...), so applying it to those would turn them twice; that is why `prepare`
    does not do it. Metadata too damaged to read is ignored: the pixels are the picture as stored.
    """
    image.load()
    try:
        orientation = image.getexif().get(ExifTags.Base.Orientation, 1)
    except (OSError, ValueError, SyntaxError, struct.error, KeyError, TypeError):
        orientation = 1
    return ImageOps.exif_transpose(image) if orientation != 1 else image.copy()


def greyscale(image: Image.Image) -> Image.Image:
    """`image` (any mode and size) as `prepare` reads it, as a mode "L" image (0 black .. 255 white).

    Transparency is flattened onto the backdrop `_backdrop` chooses, so ink drawn on a
    transparent layer stays visible whatever its colour. This is what the GUI shows of an
    opened picture, so the user sees what the models are given.
    """
    if not isinstance(image, Image.Image):
        raise ValueError(f"image must be a PIL.Image.Image, got {type(image).__name__}")
    light = _image_lightness(image)
    return Image.fromarray(np.rint(light * 255).astype(np.uint8), "L")


# --- Preparing a drawing for a model --------------------------------------------------------


def prepare(image: Image.Image | np.ndarray, method: str = "mnist") -> Prepared:
    """Turn a drawing into the (28, 28) float32 input of an MNIST model, or report it empty.

    `image` is a Pillow image (any mode; transparency: see `_backdrop`) or a 2-D array:
    uint8 0..255, bool, or float in [0, 1]; any size; dark ink on light or light ink on dark.
    `method` is "mnist" (crop, scale to 20 pixels, centre by mass: see the module docstring)
    or "resize" (squeeze the whole image to 28x28, the naive way).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {method!r}")
    light = _lightness(image)
    ink, ink_was_dark = _ink_from_lightness(light)
    problem = _emptiness(ink)
    if problem:
        return Prepared(np.zeros((FRAME, FRAME), np.float32), True, problem, ink_was_dark)
    ink = _full_contrast(ink)
    pixels = _mnist_style(ink) if method == "mnist" else _resize_whole(ink)
    return Prepared(pixels, False, "", ink_was_dark)


def to_mnist(image: Image.Image | np.ndarray) -> np.ndarray:
    """The drawing prepared like MNIST: (28, 28) float32 in [0, 1], ink high (zeros when empty)."""
    return prepare(image, "mnist").pixels


def plain_resize(image: Image.Image | np.ndarray) -> np.ndarray:
    """The whole drawing squeezed to 28x28, no cropping or centring: what *not* to do, for comparison."""
    return prepare(image, "resize").pixels


def _lightness(image: object) -> np.ndarray:
    """Any accepted input as float32 (H, W) lightness in [0, 1] (0 = black, 1 = white)."""
    if isinstance(image, Image.Image):
        return _image_lightness(image)
    if isinstance(image, np.ndarray):
        return _array_lightness(image)
    raise ValueError(f"image must be a PIL.Image.Image or a 2-D NumPy array, got {type(image).__name__}")


def _image_lightness(image: Image.Image) -> np.ndarray:
    if image.width == 0 or image.height == 0:
        raise ValueError(f"image has no pixels (size {image.width}x{image.height})")
    if image.mode.startswith("I;16"):
        return np.asarray(image, dtype=np.float32) * np.float32(1 / 65535)
    if image.mode in ("I", "F"):
        # Pillow's convention for 32-bit modes is the 0..255 scale of "L" (convert("F") keeps it).
        return _scaled(np.asarray(image, dtype=np.float32), 255, f"a mode {image.mode!r} image")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        image = _flattened(image.convert("RGBA"))
    return np.asarray(image.convert("L"), dtype=np.float32) * np.float32(1 / 255)


def _flattened(rgba: Image.Image) -> Image.Image:
    """An RGBA picture composited onto the grey `_backdrop` picks for it: an opaque RGBA image."""
    grey = _backdrop(np.asarray(rgba))
    return Image.alpha_composite(Image.new("RGBA", rgba.size, (grey, grey, grey, 255)), rgba)


def _backdrop(rgba: np.ndarray) -> int:
    """The grey level (0..255) to put behind a picture's transparent parts: they are its paper.

    `rgba` is the (H, W, 4) uint8 picture. Its visible pixels (at least half as opaque as the
    most opaque one) decide:
    - All of one tone (their 5th and 95th percentile lightness within a quarter of the
      range): the drawing is on a layer of its own and only the alpha channel shapes it.
      Colour alone cannot separate ink from paper, so the backdrop is whichever of black
      and white contrasts with the ink: white ink on a transparent layer stays visible.
    - Of several tones: the opaque pixels hold paper and ink themselves (a scan with
      transparent corners); the transparent parts become more of that paper, the visible
      pixels' median tone, rather than a frame of a contrasting colour.
    """
    alpha = rgba[..., 3]
    if not alpha.any():
        return 255                                          # nothing visible: a blank white page
    visible = rgba[alpha >= max(1, int(alpha.max()) // 2), :3].astype(np.float32)
    tones = visible @ np.array([0.299, 0.587, 0.114], np.float32)    # ITU-R 601 luma, as convert("L")
    low, median, high = np.percentile(tones, [5, 50, 95])
    if high - low <= 255 / 4:
        return 0 if median >= 128 else 255
    return int(round(median))


def _array_lightness(array: np.ndarray) -> np.ndarray:
    if array.ndim != 2:
        raise ValueError(f"image must be a 2-D (height, width) array of grey levels, got shape {array.shape}; "
                         f"pass a colour picture as a PIL image, or one channel of it")
    if array.size == 0:
        raise ValueError(f"image has no pixels (shape {array.shape})")
    if array.dtype == bool:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.integer):
        return _scaled(array.astype(np.float32), 255, f"an integer ({array.dtype}) array")
    if np.issubdtype(array.dtype, np.floating):
        return _scaled(array.astype(np.float32), 1, f"a float ({array.dtype}) array")
    raise ValueError(f"image must hold uint8, bool or float grey levels, got dtype {array.dtype}")


def _scaled(values: np.ndarray, full: float, what: str) -> np.ndarray:
    """`values` on a 0..`full` scale, checked, as float32 in [0, 1]."""
    if not np.isfinite(values).all():
        raise ValueError(f"image ({what}) holds nan or inf")
    low, high = float(values.min()), float(values.max())
    if low < 0 or high > full:
        hint = "; divide 0..255 pixels by 255" if full == 1 and high <= 255 else ""
        raise ValueError(f"image ({what}) must hold values in [0, {full:g}], "
                         f"got values from {low:g} to {high:g}{hint}")
    return values if full == 1 else values * np.float32(1 / full)


def _ink_from_lightness(light: np.ndarray) -> tuple[np.ndarray, bool]:
    """Ink high, background subtracted: (float32 (H, W) in [0, 1], whether the ink was dark).

    `paper_tone` says which way round the drawing is and how light its paper is. The paper's
    level is subtracted, so grey paper counts as background rather than as faint ink
    everywhere. Meant for clean images (a canvas, MNIST, a flat scan): noise above the
    paper's level still counts as ink.
    """
    level, ink_was_dark = paper_tone(light)
    ink = 1 - light if ink_was_dark else light
    background = 1 - level if ink_was_dark else level
    if 0 < background < 1:
        ink = np.clip((ink - background) / (1 - background), 0, 1)
    return ink.astype(np.float32, copy=False), ink_was_dark


def paper_tone(light: np.ndarray) -> tuple[float, bool]:
    """The paper of a drawing: (its lightness in [0, 1], whether the ink is darker than it).

    `light` is the (H, W) float32 lightness in [0, 1] (0 = black). The pixels are split into
    their two tones at Otsu's threshold, and the paper is the tone that covers more of the
    picture; its level is the median of its pixels.
    Why the larger tone and not the border: a digit covers well under half of any sensible
    picture (MNIST's 20x20 box is about a third ink; a thick 0 cropped to its own ink, 41%),
    but a tight crop puts ink on most of the border, and a border rule then reads the paper as
    ink. Why Otsu and not a fixed 0.5: it splits at the gap between the two tones actually
    present, so dark ink on dark-grey paper is still dark ink. Only a picture that is more
    than half ink (a canvas scribbled over) is read the other way round.
    A picture of a single tone has no ink: its paper is light (the canvas) from 0.5 up.
    """
    threshold = _otsu_threshold(light)
    if threshold is None:
        level = float(np.median(light))
        return level, level >= 0.5
    dark = light <= threshold
    dark_count = int(np.count_nonzero(dark))
    paper_is_light = dark_count * 2 <= light.size        # a tie goes to light paper, like the canvas
    return float(np.median(light[~dark] if paper_is_light else light[dark])), paper_is_light


def _otsu_threshold(light: np.ndarray) -> float | None:
    """Otsu's threshold of a lightness image (float32 in [0, 1]): the level that splits its
    pixels into the two classes with the largest variance between them, on a 256-level
    histogram. Pixels <= the threshold are the dark class. None when there is only one tone."""
    counts = np.bincount(np.rint(light.ravel() * 255).astype(np.intp), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    below = np.cumsum(counts)                       # pixels at or below each level (exact integers)
    above = below[-1] - below
    mass_below = np.cumsum(counts * levels)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = mass_below / below - (mass_below[-1] - mass_below) / above
        between = below * above * gap ** 2
    between[(below == 0) | (above == 0)] = 0
    if not between.any():
        return None
    return (int(np.argmax(between)) + 0.5) / 255


def _emptiness(ink: np.ndarray) -> str:
    """The message for near-empty ink (see DOT_FRACTION, MIN_INK_FRACTION), or "" when it is a drawing."""
    inked = ink >= INK_LEVEL
    if not inked.any():
        return MESSAGE_FAINT if ink.max() >= FAINT_LEVEL else MESSAGE_EMPTY
    top, bottom, left, right = _bounding_box(inked)
    if max(bottom - top, right - left) < DOT_FRACTION * max(ink.shape):
        return MESSAGE_DOT
    if np.count_nonzero(inked) < MIN_INK_FRACTION * ink.size:
        return MESSAGE_SPECKS
    return ""


def _full_contrast(ink: np.ndarray) -> np.ndarray:
    """Stretch the ink so that its darkest pixel is 1.0: every MNIST digit peaks at 254 or 255,
    so a grey pencil line must look as black as a pen's to the models."""
    darkest = float(ink.max())
    return ink if darkest >= 1 else ink * np.float32(1 / darkest)


def _bounding_box(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the True pixels, bottom and right exclusive; mask must have one."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def _mnist_style(ink: np.ndarray) -> np.ndarray:
    """Crop to the ink, scale the longer side to BOX pixels, centre by mass in the FRAME."""
    return _place_by_mass(_crop_and_scale(ink))


def _crop_and_scale(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box scaled so its longer side is BOX pixels, aspect ratio kept.

    Shrinking uses Pillow's box filter: each output pixel is the mean of the input pixels
    it covers, so ink is conserved and a 1-pixel line 10x too long fades to 0.1 but
    never vanishes (sampling would miss it). Enlarging a tiny input uses bilinear.
    The box holds every pixel with any ink, faint anti-aliased edges included: that is the
    box MNIST's 20 pixels measure (with it, a real MNIST digit comes back unchanged).
    """
    top, bottom, left, right = _bounding_box(ink > 0)
    height, width = bottom - top, right - left
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))   # Pillow wants (w, h)
    resample = Image.Resampling.BOX if scale <= 1 else Image.Resampling.BILINEAR
    scaled = Image.fromarray(ink).resize(size, resample, box=(left, top, right, bottom))
    return np.clip(np.asarray(scaled, dtype=np.float32), 0, 1)


def _place_by_mass(patch: np.ndarray) -> np.ndarray:
    """Paste `patch` into a FRAME x FRAME image, shifted by whole pixels so its centre of mass
    lands on CENTRE (within half a pixel), as MNIST was made. A lopsided patch that would
    then stick out of the frame is pushed back in: nothing is ever cut off.
    """
    height, width = patch.shape
    mass = patch.sum(dtype=np.float64)
    row_of_mass = patch.sum(axis=1) @ np.arange(height) / mass
    col_of_mass = patch.sum(axis=0) @ np.arange(width) / mass
    top = min(max(math.floor(CENTRE[0] - row_of_mass + 0.5), 0), FRAME - height)
    left = min(max(math.floor(CENTRE[1] - col_of_mass + 0.5), 0), FRAME - width)
    frame = np.zeros((FRAME, FRAME), np.float32)
    frame[top:top + height, left:left + width] = patch
    return frame


def _resize_whole(ink: np.ndarray) -> np.ndarray:
    """The whole image squeezed to FRAME x FRAME with the same box filter: no crop, no centring."""
    height, width = ink.shape
    resample = Image.Resampling.BOX if min(height, width) >= FRAME else Image.Resampling.BILINEAR
    resized = Image.fromarray(ink).resize((FRAME, FRAME), resample)
    return np.clip(np.asarray(resized, dtype=np.float32), 0, 1)

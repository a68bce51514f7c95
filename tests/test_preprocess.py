"""Preparing drawings like MNIST: strokes, cropping, scaling, centring, empty input, drawn-style digits."""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import pytest
from PIL import Image

from workbench.data.mnist import pixels_to_float
from workbench.data.drawn_style import skeletonize, to_drawings
from workbench.drawing.preprocess import (
    DEFAULT_WIDTH, MESSAGE_DOT, MESSAGE_EMPTY, MESSAGE_FAINT, MESSAGE_SPECKS,
    Prepared, open_picture, plain_resize, prepare, render_strokes, to_mnist,
)

# Where MNIST's digits have their centre of mass, (row, col), measured on the training set.
# Written out here, not imported, so that a wrong CENTRE in the code fails the centring test
# even where MNIST is absent (test_real_mnist_digits_come_back_unchanged checks it on MNIST).
MNIST_CENTRE = (14.0, 14.0)

# A "7" drawn in the top-left quarter of the canvas: small and far off-centre.
SEVEN_IN_CORNER = [[(20, 20), (120, 20), (60, 130)]]
# A "4" drawn to fill the canvas, in two strokes.
FOUR = [[(170, 30), (50, 170), (230, 170)], [(170, 30), (170, 260)]]


def thick_zero_cropped_tight() -> np.ndarray:
    """A "0" drawn with a broad pen (a tenth of its height, about MNIST's), cropped to its ink: uint8
    (199, 149), black ink on white. The ring is 92% of the border but only 41% of the picture."""
    ring = [[(10, 10), (139, 10), (139, 189), (10, 189), (10, 10)]]
    ink = np.asarray(render_strokes(ring, size=(154, 204), width=20)) == 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return np.where(ink, 0, 255).astype(np.uint8)


def on_a_transparent_layer(ink: np.ndarray, colour: int, hidden: int) -> Image.Image:
    """An RGBA picture: `ink` (bool (H, W)) opaque in grey level `colour`, transparent elsewhere, where
    the (invisible) colour is `hidden`: how drawing apps export a layer with no background."""
    grey = np.where(ink, colour, hidden).astype(np.uint8)
    alpha = np.where(ink, 255, 0).astype(np.uint8)
    return Image.fromarray(np.dstack([grey, grey, grey, alpha]), "RGBA")


def ink_box(pixels: np.ndarray) -> tuple[int, int]:
    """(height, width) of the pixels holding any ink."""
    rows = np.flatnonzero(pixels.any(axis=1))
    cols = np.flatnonzero(pixels.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(pixels: np.ndarray) -> tuple[float, float]:
    """(row, col) in pixel-index coordinates: pixel (0, 0)'s centre is at (0, 0)."""
    mass = pixels.sum()
    return (float(pixels.sum(axis=1) @ np.arange(pixels.shape[0]) / mass),
            float(pixels.sum(axis=0) @ np.arange(pixels.shape[1]) / mass))


# --- render_strokes -------------------------------------------------------------------------


def test_render_strokes_makes_a_white_L_image_of_the_given_size():
    image = render_strokes([], size=(300, 200))
    assert image.mode == "L" and image.size == (300, 200)
    assert np.all(np.asarray(image) == 255)
    drawn = np.asarray(render_strokes(FOUR))
    assert set(np.unique(drawn)) == {0, 255}          # crisp black ink on white, like the canvas


@pytest.mark.parametrize("width", [21, 20])
def test_a_one_point_stroke_is_a_round_dot_of_the_pen_width(width):
    ink = np.asarray(render_strokes([[(100, 100)]], width=width)) == 0
    assert ink_box(ink) == (width, width)
    radius = width / 2
    assert ink.sum() == pytest.approx(math.pi * radius ** 2, rel=0.06)    # a disc, not a square
    top = 100 - (width - 1) // 2
    assert not ink[top, top] and not ink[top + width - 1, top + width - 1]   # corners are paper
    assert ink[100, 100]


def test_a_stroke_is_a_continuous_line_with_round_caps():
    width = 9
    ink = np.asarray(render_strokes([[(30, 40), (250, 200)]], width=width)) == 0
    for t in np.linspace(0, 1, 1000):                       # every point along the segment is ink
        assert ink[round(40 + t * 160), round(30 + t * 220)]
    # Its thickness across the line is the pen's: the ink area is length x width + one disc.
    length = math.hypot(220, 160)
    assert ink.sum() == pytest.approx(length * width + math.pi * (width / 2) ** 2, rel=0.05)

    ink = np.asarray(render_strokes([[(50, 100), (200, 100)]], width=21)) == 0
    assert ink[100, 50 - 10] and ink[100, 200 + 10]          # caps reach one radius beyond the ends
    assert not ink[100 - 9, 50 - 9] and not ink[100 + 9, 200 + 9]   # ... and are round, not square


def test_separate_strokes_are_not_joined():
    ink = np.asarray(render_strokes([[(20, 50), (100, 50)], [(180, 50), (260, 50)]], width=5)) == 0
    assert not ink[50, 110:170].any()


@pytest.mark.parametrize("strokes, message", [
    ([[("a", 1)]], r"strokes\[0\].*could not read it as numbers"),
    ([[(1, 2), (1, 2, 3)]], r"strokes\[0\].*could not read it as numbers"),
    ([[(1, 2)], [(1, 2, 3)]], r"strokes\[1\].*\(x, y\)"),
    ([[(float("nan"), 1)]], r"strokes\[0\].*not finite"),
    ([["xy"]], r"strokes\[0\]"),
    ([None], r"strokes\[0\]"),
    (5, "list of strokes"),
    ("12", "list of strokes"),
])
def test_render_strokes_rejects_bad_points_clearly(strokes, message):
    with pytest.raises(ValueError, match=message):
        render_strokes(strokes)


@pytest.mark.parametrize("width", [0, -3, float("nan"), "5", None, True])
def test_render_strokes_rejects_a_bad_width(width):
    with pytest.raises(ValueError, match="width must be a positive number"):
        render_strokes(FOUR, width=width)


@pytest.mark.parametrize("size", [(0, 280), (280,), "big", (28.5, 28), (-1, 5), None])
def test_render_strokes_rejects_a_bad_size(size):
    with pytest.raises(ValueError, match="size must be a .width, height. pair"):
        render_strokes(FOUR, size=size)


# --- to_mnist and prepare -------------------------------------------------------------------


def test_to_mnist_returns_28x28_float32_in_0_1_with_ink_high():
    pixels = to_mnist(render_strokes(FOUR))
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    assert pixels.min() >= 0 and pixels.max() <= 1
    assert pixels.max() == 1.0 and pixels[0, 0] == 0     # full ink in the strokes, paper at 0
    assert np.array_equal(pixels, prepare(render_strokes(FOUR)).pixels)


def test_prepared_is_frozen_and_says_what_it_found():
    prepared = prepare(render_strokes(FOUR))
    assert isinstance(prepared, Prepared)
    assert prepared.ink_was_dark and not prepared.empty and prepared.message == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        prepared.empty = True


def test_off_centre_drawings_are_centred_by_mass_where_mnist_puts_it():
    rng = np.random.default_rng(7)
    drawings = [SEVEN_IN_CORNER, FOUR]
    for _ in range(20):   # random scribbles anywhere on the canvas, of any size
        corner = rng.uniform(10, 150, 2)
        drawings.append([[tuple(corner + rng.uniform(0, 120, 2)) for _ in range(rng.integers(2, 7))]])
    for strokes in drawings:
        pixels = to_mnist(render_strokes(strokes))
        row, col = centre_of_mass(pixels)
        assert abs(row - MNIST_CENTRE[0]) <= 0.5 and abs(col - MNIST_CENTRE[1]) <= 0.5, strokes
        assert max(ink_box(pixels)) == 20, strokes


def test_aspect_ratio_is_kept_a_tall_bar_stays_tall_and_thin():
    tall = to_mnist(render_strokes([[(100, 30), (100, 250)]], width=12))
    height, width = ink_box(tall)
    assert height == 20 and width <= 2
    wide = to_mnist(render_strokes([[(20, 200), (260, 200)]], width=12))
    height, width = ink_box(wide)
    assert width == 20 and height <= 2


def test_a_thin_line_is_scaled_down_without_vanishing():
    """A 1-pixel diagonal across the canvas: box filtering keeps its ink, only fainter."""
    ink = np.asarray(render_strokes([[(10, 10), (270, 270)]], width=1)) == 0
    pixels = to_mnist(ink)          # a bool array, True = ink (light ink on dark)
    scale = 20 / 261
    assert pixels.sum() == pytest.approx(ink.sum() * scale ** 2, rel=0.1)
    assert ink_box(pixels) == (20, 20)
    rows = np.flatnonzero(pixels.any(axis=1))
    assert np.all(pixels[rows].max(axis=1) > 0.05)     # faint (about 13/169) but in every row


def test_polarity_is_detected_and_both_give_the_same_result():
    dark_on_light = np.asarray(render_strokes(SEVEN_IN_CORNER))
    light_on_dark = 255 - dark_on_light
    a, b = prepare(dark_on_light), prepare(light_on_dark)
    assert a.ink_was_dark and not b.ink_was_dark
    assert np.array_equal(a.pixels, b.pixels)
    assert np.array_equal(plain_resize(dark_on_light), plain_resize(light_on_dark))


def test_grey_paper_is_background_and_grey_ink_is_full_ink_as_in_mnist():
    drawing = np.asarray(render_strokes(FOUR)).astype(np.float32) / 255
    pencil_on_grey_paper = 0.3 + 0.6 * drawing          # ink 0.3, paper 0.9
    np.testing.assert_allclose(to_mnist(pencil_on_grey_paper), to_mnist(drawing), atol=1e-5)
    np.testing.assert_allclose(plain_resize(pencil_on_grey_paper), plain_resize(drawing), atol=1e-5)


@pytest.mark.parametrize("make_input", [
    lambda img: img,                                              # Pillow "L"
    lambda img: np.asarray(img),                                  # uint8
    lambda img: np.asarray(img).astype(np.float64) / 255,         # float in [0, 1]
    lambda img: np.asarray(img).astype(np.float32) / 255,
    lambda img: np.asarray(img) < 128,                            # bool, True = ink
    lambda img: img.convert("RGB"),
    lambda img: img.convert("1"),
    lambda img: img.convert("P"),
    lambda img: img.convert("I"),
    lambda img: img.convert("F"),
    # RGBA: opaque black ink on a *transparent black* background; composited on white.
    lambda img: Image.merge("RGBA", (*[Image.new("L", img.size, 0)] * 3, img.point(lambda v: 255 - v))),
], ids=["L", "uint8", "float64", "float32", "bool", "RGB", "1", "P", "I", "F", "RGBA"])
def test_many_input_kinds_give_the_same_pixels(make_input):
    image = render_strokes(FOUR)
    assert np.array_equal(to_mnist(make_input(image)), to_mnist(image))


@pytest.mark.parametrize("make_picture", [
    lambda ink: on_a_transparent_layer(ink, 255, 255),               # white ink, transparent white
    lambda ink: on_a_transparent_layer(ink, 255, 0),                 # white ink, transparent black
    lambda ink: on_a_transparent_layer(ink, 230, 0).convert("LA"),   # off-white ink, grey + alpha
    lambda ink: _palette_picture(ink, ink_rgb=(255, 255, 255), hidden_rgb=(255, 255, 255)),
    lambda ink: on_a_transparent_layer(ink, 0, 255),                 # black ink, transparent white
    lambda ink: on_a_transparent_layer(ink, 0, 0).convert("LA"),
    lambda ink: _palette_picture(ink, ink_rgb=(0, 0, 0), hidden_rgb=(0, 0, 0)),
], ids=["RGBA-white-on-white", "RGBA-white-on-black", "LA-light", "P-white", "RGBA-black", "LA-black", "P-black"])
def test_ink_on_a_transparent_layer_is_read_whatever_its_colour(make_picture):
    """Case 9: transparency is the paper. White ink on a transparent layer used to be composited on
    white and vanish; the backdrop now contrasts with the opaque (ink) pixels."""
    ink = np.asarray(render_strokes(FOUR)) == 0
    prepared = prepare(make_picture(ink))
    assert not prepared.empty, prepared.message
    np.testing.assert_allclose(prepared.pixels, to_mnist(render_strokes(FOUR)), atol=1e-6)


def _palette_picture(ink: np.ndarray, ink_rgb: tuple, hidden_rgb: tuple) -> Image.Image:
    """A mode "P" picture with colour 0 transparent (as a GIF): index 1 where `ink`, 0 elsewhere."""
    picture = Image.fromarray(ink.astype(np.uint8), "P")
    picture.putpalette([*hidden_rgb, *ink_rgb])
    picture.info["transparency"] = 0
    return picture


def test_a_scan_with_transparent_margins_keeps_its_own_paper():
    """The other side of case 9: when the opaque pixels hold paper and ink, the transparent parts
    become that paper (here white), not a contrasting black frame."""
    scan = render_strokes(FOUR).convert("RGBA")
    framed = Image.new("RGBA", (400, 360), (0, 0, 0, 0))
    framed.paste(scan, (60, 40))
    np.testing.assert_array_equal(to_mnist(framed), to_mnist(render_strokes(FOUR)))


def test_a_thick_zero_cropped_tight_keeps_its_polarity():
    """Case 10: the ink covers most of the border, so a border rule reads the paper as ink. Paper is
    the larger of the two tones instead, and the result is that of the same 0 with a margin."""
    tight = thick_zero_cropped_tight()
    with_margin = np.pad(tight, 40, constant_values=255)
    for picture, dark in ((tight, True), (255 - tight, False)):
        prepared = prepare(picture)
        assert prepared.ink_was_dark == dark and not prepared.empty
        np.testing.assert_array_equal(prepared.pixels, prepare(with_margin).pixels)
        assert prepared.pixels[14, 14] == 0            # the hole in the middle of the 0 is paper


def test_open_picture_turns_a_phone_photo_upright(tmp_path):
    """Case 4: a photo stored sideways with an EXIF Orientation tag is opened the way it is shown."""
    upright = render_strokes(SEVEN_IN_CORNER).resize((280, 200))
    undo = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}
    for orientation, stored_as in undo.items():
        exif = Image.Exif()
        exif[0x0112] = orientation               # Orientation: how to turn the stored pixels to show them
        path = tmp_path / f"photo-{orientation}.png"
        upright.transpose(stored_as).save(path, exif=exif)
        picture = open_picture(path)
        assert picture.size == upright.size, orientation
        np.testing.assert_array_equal(np.asarray(picture), np.asarray(upright))
        np.testing.assert_array_equal(to_mnist(picture), to_mnist(upright))


@pytest.mark.parametrize("make, reason", [
    (lambda folder: folder / "missing.png", "no such file"),
    (lambda folder: folder, "a folder"),
    (lambda folder: _write(folder / "notes.png", b"not an image at all"), "not a picture"),
    (lambda folder: _write(folder / "cut.png", _png_bytes()[:300]), "damaged or cut short"),
], ids=["missing", "folder", "not-an-image", "truncated"])
def test_open_picture_names_the_file_it_cannot_read(tmp_path, make, reason):
    path = make(tmp_path)
    with pytest.raises(ValueError, match=reason) as err:
        open_picture(path)
    assert str(path) in str(err.value)


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def _png_bytes() -> bytes:
    import io
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_any_input_size_works():
    for size in [(28, 28), (500, 300), (90, 400)]:
        strokes = [[(size[0] * 0.3, size[1] * 0.2), (size[0] * 0.6, size[1] * 0.8)]]
        prepared = prepare(render_strokes(strokes, size=size, width=max(2, min(size) // 12)))
        assert not prepared.empty and max(ink_box(prepared.pixels)) == 20, size


def test_a_blank_canvas_is_reported_empty():
    for blank in (np.full((280, 280), 255, np.uint8), np.zeros((280, 280), np.uint8),
                  np.zeros((28, 28), np.float32), render_strokes([])):
        for method in ("mnist", "resize"):
            prepared = prepare(blank, method)
            assert prepared.empty and prepared.message == MESSAGE_EMPTY
            assert prepared.pixels.shape == (28, 28) and prepared.pixels.dtype == np.float32
            assert not prepared.pixels.any()


def test_a_dot_is_reported_not_turned_into_a_blob():
    for dot in ([[(140, 140)]], [[(140, 140), (143, 141), (141, 146)]]):   # a click, a jittery click
        prepared = prepare(render_strokes(dot))
        assert prepared.empty and prepared.message == MESSAGE_DOT and not prepared.pixels.any()
    tiny = np.zeros((28, 28), np.uint8)
    tiny[10:12, 15] = 255                       # a two-pixel speck on an MNIST-sized image
    prepared = prepare(tiny)
    assert prepared.empty and prepared.message == MESSAGE_DOT and not prepared.pixels.any()
    assert to_mnist(tiny).shape == (28, 28) and not to_mnist(tiny).any()


def test_a_faint_smudge_and_stray_specks_are_reported():
    smudge = np.where(np.asarray(render_strokes(FOUR)) == 0, 200, 255).astype(np.uint8)   # light grey
    prepared = prepare(smudge)
    assert prepared.empty and prepared.message == MESSAGE_FAINT and not prepared.pixels.any()

    specks = np.full((280, 280), 255, np.uint8)
    specks[[10, 50, 260], [15, 240, 130]] = 0
    prepared = prepare(specks)
    assert prepared.empty and prepared.message == MESSAGE_SPECKS and not prepared.pixels.any()


def test_a_full_canvas_scribble_gives_a_valid_result():
    rng = np.random.default_rng(3)
    scribble = [[tuple(p) for p in rng.uniform(0, 280, (60, 2))]]
    for method in ("mnist", "resize"):
        prepared = prepare(render_strokes(scribble), method)
        assert not prepared.empty and prepared.message == ""
        pixels = prepared.pixels
        assert pixels.shape == (28, 28) and pixels.dtype == np.float32
        assert 0 <= pixels.min() and pixels.max() <= 1 and pixels.max() > 0.5


def test_plain_resize_keeps_the_drawing_where_it_was():
    """What the learner should see: without preparation the 7 stays small, in the corner."""
    pixels = plain_resize(render_strokes(SEVEN_IN_CORNER))
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32
    row, col = centre_of_mass(pixels)
    assert row < 8 and col < 9
    assert max(ink_box(pixels)) <= 15


@pytest.mark.parametrize("bad, message", [
    (np.zeros((280, 280, 3), np.uint8), r"2-D .*shape \(280, 280, 3\)"),
    (np.zeros((4, 28, 28), np.float32), "2-D"),
    (np.zeros((0, 28), np.uint8), "no pixels"),
    ([[0, 255], [255, 0]], "PIL.Image.Image or a 2-D NumPy array, got list"),
    (None, "got NoneType"),
    ("drawing.png", "got str"),
    (np.full((28, 28), 200.0), r"\[0, 1\].*divide 0..255 pixels by 255"),
    (np.full((28, 28), np.nan), "nan"),
    (np.full((28, 28), 300, np.int32), r"\[0, 255\]"),
    (np.full((28, 28), -1, np.int8), r"\[0, 255\]"),
    (np.zeros((28, 28), np.complex64), "dtype complex64"),
    (Image.new("L", (0, 0)), "no pixels"),
])
def test_bad_images_give_a_clear_value_error(bad, message):
    with pytest.raises(ValueError, match=message):
        to_mnist(bad)


def test_an_unknown_method_is_named():
    with pytest.raises(ValueError, match="method must be one of 'mnist', 'resize', got 'crop'"):
        prepare(render_strokes(FOUR), "crop")


def test_to_mnist_is_fast_enough_for_the_gui():
    image = render_strokes(FOUR)
    to_mnist(image)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        to_mnist(image)
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.010        # the GUI's whole predict budget is 100 ms


def test_real_mnist_digits_come_back_unchanged(mnist):
    """The calibration check: BOX, CENTRE and the bounding box are exactly how MNIST was made,
    so preparing an MNIST digit again changes nothing but the contrast of the one digit in
    ten whose darkest pixel is 254 rather than 255."""
    digits = mnist.test_images[:300]
    for digit in digits:
        prepared = prepare(digit)
        assert not prepared.empty and not prepared.ink_was_dark
        np.testing.assert_allclose(prepared.pixels, digit / np.float32(digit.max()), atol=1e-6)


# --- drawn_style ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def few_digits() -> np.ndarray:
    """Six hand-made 'digits' (uint8, ink high), enough to test format and determinism without MNIST."""
    rng = np.random.default_rng(0)
    digits = np.zeros((6, 28, 28), np.uint8)
    for digit in digits:
        image = render_strokes([[tuple(p) for p in rng.uniform(70, 210, (4, 2))]], width=30)
        digit[:] = 255 - np.asarray(image.resize((28, 28), Image.Resampling.BOX))
    return digits


def test_drawings_are_crisp_black_on_white_canvases(few_digits):
    drawings = to_drawings(few_digits, seed=1)
    assert drawings.shape == (6, 280, 280) and drawings.dtype == np.uint8
    assert set(np.unique(drawings)) == {0, 255}
    for drawing in drawings:
        assert (drawing == 0).any()
        assert np.all(drawing[0] == 255) and np.all(drawing[-1] == 255)   # the digit stays on the canvas
        assert np.all(drawing[:, 0] == 255) and np.all(drawing[:, -1] == 255)
    assert to_drawings(few_digits, size=140).shape == (6, 140, 140)


def test_drawings_are_random_but_repeatable(few_digits):
    a = to_drawings(few_digits, seed=5)
    assert np.array_equal(a, to_drawings(few_digits, seed=5))
    assert not np.array_equal(a, to_drawings(few_digits, seed=6))
    assert np.array_equal(a[:3], to_drawings(few_digits[:3], seed=5))   # independent of the batch


def test_to_drawings_rejects_bad_input(few_digits):
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\), got \(28, 28\)"):
        to_drawings(few_digits[0])
    with pytest.raises(ValueError, match="uint8"):
        to_drawings(few_digits.astype(np.float32))
    with pytest.raises(ValueError, match="NumPy array"):
        to_drawings(few_digits.tolist())
    with pytest.raises(ValueError, match="thickness"):
        to_drawings(few_digits, thickness=(2, 1))
    with pytest.raises(ValueError, match="size"):
        to_drawings(few_digits, size=10)
    with pytest.raises(ValueError, match="seed must be an integer"):
        to_drawings(few_digits, seed=0.5)


def test_skeletonize_thins_shapes_to_one_pixel_lines():
    shapes = np.zeros((2, 40, 60), bool)
    shapes[0, 15:24, 5:55] = True                          # a bar 9 pixels thick
    yy, xx = np.mgrid[:40, :60]
    shapes[1] = np.abs(np.hypot(yy - 20, xx - 30) - 12) <= 3   # a ring 7 pixels thick
    bar, ring = skeletonize(shapes)
    assert np.all(bar[:, 12:48].sum(axis=0) == 1)          # one pixel across the bar's middle
    assert bar[:, 12:48].any(axis=0).all()                 # ... and unbroken
    padded = np.pad(ring, 1).astype(int)
    neighbours = sum(np.roll(padded, (dy, dx), axis=(0, 1)) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                     if (dy, dx) != (0, 0))[1:-1, 1:-1]
    assert np.all(neighbours[ring] >= 2)                   # the ring stays closed: no loose ends
    assert ring.sum() > 2 * math.pi * 12 * 0.9 and not ring[20, 30]
    assert np.array_equal(skeletonize(bar[None]), bar[None])   # a skeleton is its own skeleton


def test_the_default_pen_draws_mnist_thick_strokes(mnist):
    """DEFAULT_WIDTH's calibration stays true: at MNIST's pen (thickness 1.0) the prepared
    drawings hold as much ink as the MNIST digits they were made from."""
    digits = mnist.train_images[:300]
    drawings = to_drawings(digits, seed=2, thickness=(1.0, 1.0))
    prepared_ink = np.mean([to_mnist(d).sum() for d in drawings])
    mnist_ink = pixels_to_float(digits).sum(axis=(1, 2)).mean()
    assert prepared_ink == pytest.approx(mnist_ink, rel=0.05)
    assert 0.10 * 280 * 0.75 < DEFAULT_WIDTH < 0.15 * 280 * 0.75


# --- drawn-style digits through a quick MNIST classifier ------------------------------------


class TinyNet:
    """A 784-100-10 ReLU/softmax network, trained by plain mini-batch SGD: a stand-in MNIST model."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, seed: int = 0, epochs: int = 8,
                 batch: int = 50, eta: float = 0.5, hidden: int = 100):
        rng = np.random.default_rng(seed)
        x = pixels_to_float(images).reshape(len(images), -1)
        targets = np.eye(10, dtype=np.float32)[labels]
        self.w1 = rng.normal(0, 1 / np.sqrt(784), (784, hidden)).astype(np.float32)
        self.b1 = np.zeros(hidden, np.float32)
        self.w2 = rng.normal(0, 1 / np.sqrt(hidden), (hidden, 10)).astype(np.float32)
        self.b2 = np.zeros(10, np.float32)
        for _ in range(epochs):
            order = rng.permutation(len(x))
            for start in range(0, len(x), batch):
                rows = order[start:start + batch]
                self._step(x[rows], targets[rows], eta)

    def _step(self, x: np.ndarray, y: np.ndarray, eta: float) -> None:
        hidden = np.maximum(x @ self.w1 + self.b1, 0)
        z = hidden @ self.w2 + self.b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        dz = (p - y) / len(x)                      # gradient of the mean cross-entropy
        dh = (dz @ self.w2.T) * (hidden > 0)
        self.w2 -= eta * hidden.T @ dz
        self.b2 -= eta * dz.sum(axis=0)
        self.w1 -= eta * x.T @ dh
        self.b1 -= eta * dh.sum(axis=0)

    def accuracy(self, pixels: np.ndarray, labels: np.ndarray) -> float:
        """`pixels` (n, 28, 28) float in [0, 1], ink high."""
        hidden = np.maximum(pixels.reshape(len(pixels), -1) @ self.w1 + self.b1, 0)
        return float(np.mean((hidden @ self.w2 + self.b2).argmax(axis=1) == labels))


@pytest.fixture(scope="module")
def tiny_net(mnist) -> TinyNet:
    return TinyNet(mnist.train_images[:10_000], mnist.train_labels[:10_000])


@pytest.mark.slow
def test_mnist_preparation_makes_drawings_readable_and_plain_resizing_does_not(mnist, tiny_net):
    digits, labels = mnist.test_images[:500], mnist.test_labels[:500]
    drawings = to_drawings(digits, seed=0)
    original = tiny_net.accuracy(pixels_to_float(digits), labels)
    prepared = tiny_net.accuracy(np.stack([to_mnist(d) for d in drawings]), labels)
    resized = tiny_net.accuracy(np.stack([plain_resize(d) for d in drawings]), labels)
    print(f"\naccuracy on 500 MNIST test digits: originals {original:.1%}, as drawings prepared with "
          f"to_mnist {prepared:.1%}, with plain_resize {resized:.1%}")
    assert original > 0.90
    assert prepared >= resized + 0.40
    assert prepared >= original - 0.08

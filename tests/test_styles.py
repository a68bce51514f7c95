"""Writing-style variants (workbench.data.styles): each draws its digit's form, checked by geometry.

No classifier decides here: a 7's crossbar must put ink on both sides of the stem, a 0's slash
must cross the loop and go past it, an open 4 must leave its top open, and so on. Paths are
checked in their own coordinates (PenPath.parts names the pieces), and on the canvas through
Rendering.map, with the hand jitter off so that a part's points land where the map says.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from workbench.data import styles
from workbench.data.mnist import pixels_to_float
from workbench.data.styles import VARIANTS, PenPath, render_path, style_pool, styled_digits, styled_path
from workbench.drawing.preprocess import prepare, render_strokes

SEEDS = range(4)         # random geometries per variant: enough to meet the extremes of each range
THIN = (0.6, 0.6)        # the thinnest pen of the default range: holes and gaps stay visible


@pytest.fixture(scope="module")
def digits(mnist) -> dict[int, np.ndarray]:
    """Four MNIST training digits of each label, (4, 28, 28) uint8 per label."""
    return {d: mnist.train_images[np.flatnonzero(mnist.train_labels == d)[:4]] for d in range(10)}


@pytest.fixture(scope="module")
def batch(mnist) -> tuple[np.ndarray, np.ndarray]:
    """The first 40 MNIST training digits and labels."""
    return mnist.train_images[:40], mnist.train_labels[:40]


@pytest.fixture(scope="module")
def fake() -> tuple[np.ndarray, np.ndarray]:
    """Three hand-made 'digits' (uint8, ink high) and labels: enough for argument checks without MNIST."""
    rng = np.random.default_rng(0)
    images = np.zeros((3, 28, 28), np.uint8)
    for image in images:
        drawing = render_strokes([[tuple(p) for p in rng.uniform(70, 210, (4, 2))]], width=30)
        image[:] = 255 - np.asarray(drawing.resize((28, 28), Image.Resampling.BOX))
    return images, np.array([1, 7, 3])


def paths(digits: dict[int, np.ndarray], variant: str):
    """(seed, path) for each seed, the digit taken from those the variant applies to."""
    labels = VARIANTS[variant]
    for seed in SEEDS:
        image = digits[labels[seed % len(labels)]][seed % 4]
        yield seed, styled_path(image, variant, np.random.default_rng(seed))


def render(path: PenPath, seed: int, thickness: tuple[float, float] = THIN) -> styles.Rendering:
    """The path on a canvas with no hand jitter, so its parts lie exactly where Rendering.map puts them."""
    return render_path(path, np.random.default_rng(100 + seed), thickness=thickness, hand_jitter=0.0)


def inked(rendering, xy: np.ndarray) -> np.ndarray:
    """Whether the canvas has ink at each path point (m, 2), looked up through the rendering's map."""
    x, y = np.rint(rendering.map(xy)).astype(int).T
    return rendering.canvas[y, x] == 0


def x_at(polyline: np.ndarray, y: float) -> float:
    """The x of a polyline (k, 2) that runs down the page (y increasing or decreasing) at height y."""
    order = np.argsort(polyline[:, 1])
    return float(np.interp(y, polyline[order, 1], polyline[order, 0]))


# --- every variant --------------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_variant_draws_a_digit_that_to_mnist_prepares(digits, variant):
    for seed, path in paths(digits, variant):
        assert path.strokes and all(s.ndim == 2 and s.shape[1] == 2 and np.isfinite(s).all() for s in path.strokes)
        rendering = render_path(path, np.random.default_rng(seed))
        assert rendering.canvas.shape == (280, 280) and rendering.canvas.dtype == np.uint8
        assert set(np.unique(rendering.canvas)) == {0, 255}
        canvas = rendering.canvas
        border = np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])
        assert (border == 255).all(), "the drawing stays on the canvas"
        prepared = prepare(rendering.canvas)
        assert not prepared.empty, f"{variant} seed {seed}: {prepared.message}"
        rows, cols = np.nonzero(prepared.pixels > 0.5)
        assert max(np.ptp(rows), np.ptp(cols)) >= 15, "a whole digit, scaled to MNIST's 20-pixel box"


# --- the forms, by geometry -----------------------------------------------------------------


def test_one_flag_starts_at_the_top_and_goes_left_of_the_stem(digits):
    for seed, path in paths(digits, "one_flag"):
        flag, stem = path.parts["flag"], path.parts["stem"]
        top, bottom = stem[0], stem[-1]
        height = math.dist(top, bottom)
        assert np.allclose(flag[-1], top) and top[1] == stem[:, 1].min(), "the flag joins the stem at its top"
        assert np.allclose(path.strokes[0][0], flag[0]), "drawn in one stroke from the flag's tip"
        tip = flag[0]
        assert tip[1] > top[1], "the flag goes down from the top (at least a little)"
        # Left of the stem's line, by a good part of the flag's length (the stem leans, so not just x).
        down = (bottom - top) / height
        left_of_stem = (tip - top) @ np.array([-down[1], down[0]])     # (0, 1) down -> (-1, 0) left
        length = math.dist(tip, top)
        assert left_of_stem > 0.45 * length               # 30 degrees or more off the stem
        assert 0.12 * height < length < 0.76 * height
        if length > 0.35 * height:                        # a long flag is steep: not a 7's top bar
            assert (tip[1] - top[1]) > math.sin(math.radians(30)) * length
        assert inked(render(path, seed), flag).all()


def test_one_foot_reaches_both_sides_of_the_stem_bottom(digits):
    for seed, path in paths(digits, "one_foot"):
        foot, stem = path.parts["foot"], path.parts["stem"]
        bottom, height = stem[-1], math.dist(stem[0], stem[-1])
        assert foot[:, 0].min() < bottom[0] - 0.1 * height and foot[:, 0].max() > bottom[0] + 0.1 * height
        assert np.abs(foot[:, 1] - bottom[1]).max() < 0.1 * height, "horizontal, at the stem's bottom"
        assert inked(render(path, seed), foot).all()


def test_seven_crossbar_puts_ink_on_both_sides_of_the_stem(digits):
    for seed, path in paths(digits, "seven_crossbar"):
        bar, (stem_point,) = path.parts["crossbar"], path.parts["stem_point"]
        skeleton = styles.digit_skeletons(digits[7][seed % 4][None])[0]
        # The stem point is on the 7 itself, and the bar crosses it near the middle of its height.
        assert np.hypot(*(np.argwhere(skeleton)[:, ::-1] - stem_point).T).min() <= 2.5
        left, top, width, height = styles._box(skeleton)
        assert 0.35 < (stem_point[1] - top) / height < 0.75
        rendering = render(path, seed)
        stem_x = rendering.map(stem_point[None])[0, 0]
        canvas_bar = rendering.map(bar)
        # Past the stem's ink (half a pen each side of its line) by a quarter of a pen or more, both sides.
        reach = 0.75 * rendering.pen
        assert canvas_bar[:, 0].min() < stem_x - reach and canvas_bar[:, 0].max() > stem_x + reach
        assert inked(rendering, bar).all(), "ink all along the bar, left of the stem, over it, right of it"


def test_zero_slash_crosses_the_loop_and_goes_past_it(digits):
    for seed, path in paths(digits, "zero_slash"):
        slash, loop = path.parts["slash"], path.parts["loop"]
        start, end = slash[0], slash[-1]
        direction = (end - start) / math.dist(start, end)
        normal = np.array([-direction[1], direction[0]])
        across = (loop - start) @ normal
        assert across.min() < -3 and across.max() > 3, "loop on both sides of the slash: it cuts through"
        along = (loop - start) @ direction
        met = along[np.abs(across) <= 2]                 # where the slash meets the loop's path
        assert len(met) >= 2
        size = np.ptp(loop, axis=0).max()
        assert met.min() > 0.03 * size and met.max() < math.dist(start, end) - 0.03 * size, "past it, both ends"
        assert end[1] < start[1] and end[0] > start[0], "bottom left to top right"
        assert inked(render(path, seed), slash).all()


def open_to_the_edge(rendering, xy: np.ndarray) -> bool:
    """Whether paper at canvas point xy connects to the canvas's edge without crossing ink."""
    image = Image.fromarray(rendering.canvas).copy()    # a copy: an image made from an array is read-only
    ImageDraw.floodfill(image, (0, 0), 128)             # the corner is paper: the pen keeps a margin
    x, y = np.rint(xy).astype(int)
    return np.asarray(image)[y, x] == 128


def test_four_open_leaves_its_top_open_and_four_closed_closes_it(digits):
    for seed, path in paths(digits, "four_open"):
        arm, bar, stem = path.parts["arm"], path.parts["crossbar"], path.parts["stem"]
        # Between arm and stem, above the crossbar: paper that reaches the top of the canvas.
        y = arm[0, 1] + 0.4 * (bar[0, 1] - arm[0, 1])
        inside = np.array([(x_at(arm, y) + x_at(stem, y)) / 2, y])
        rendering = render(path, seed)
        assert not inked(rendering, inside[None])[0]
        assert open_to_the_edge(rendering, rendering.map(inside[None])[0]), f"seed {seed}: top closed"
        assert bar[-1, 0] > x_at(stem, bar[-1, 1]), "the crossbar runs past the stem"
        assert stem[-1, 1] > bar[:, 1].max(), "the stem goes on below the crossbar"
    for seed, path in paths(digits, "four_closed"):
        diagonal, bar, stem = path.parts["diagonal"], path.parts["crossbar"], path.parts["stem"]
        # The middle of the triangle: apex, corner, and where the crossbar meets the stem.
        inside = (diagonal[0] + diagonal[-1] + np.array([x_at(stem, bar[0, 1]), bar[0, 1]])) / 3
        rendering = render(path, seed)
        assert not inked(rendering, inside[None])[0]
        assert not open_to_the_edge(rendering, rendering.map(inside[None])[0]), f"seed {seed}: top open"


def test_nine_straight_has_a_straight_stem_below_its_loop(digits):
    for seed, path in paths(digits, "nine_straight"):
        (stroke,) = path.strokes
        head, stem = path.parts["head"], path.parts["stem"]
        assert np.allclose(stem[0], head[-1]), "the stem leaves where the loop closes, in one stroke"
        height = np.ptp(stroke[:, 1])
        below = stroke[stroke[:, 1] > head[:, 1].max()]
        assert np.ptp(below[:, 1]) > 0.3 * height, "a long stem below the head"
        # Collinear: every point within 0.5% of the height of the line through the first and last.
        direction = (below[-1] - below[0]) / math.dist(below[0], below[-1])
        off_line = (below - below[0]) @ np.array([-direction[1], direction[0]])
        assert np.abs(off_line).max() < 0.005 * height
        assert abs(direction[0]) < math.sin(math.radians(16)), "vertical or slanted, not sideways"
        assert inked(render(path, seed), stem).all()


def crossings(stroke: np.ndarray) -> list[np.ndarray]:
    """The points where a polyline (k, 2) crosses itself (segments that are not neighbours)."""
    found = []
    a, b = stroke[:-1], stroke[1:]
    for i in range(len(a)):
        d1, d2 = b[i] - a[i], b[i + 2:] - a[i + 2:]
        denominator = d1[0] * d2[:, 1] - d1[1] * d2[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            offset = a[i + 2:] - a[i]
            t = (offset[:, 0] * d2[:, 1] - offset[:, 1] * d2[:, 0]) / denominator
            u = (offset[:, 0] * d1[1] - offset[:, 1] * d1[0]) / denominator
        hits = (t >= 0) & (t <= 1) & (u >= 0) & (u <= 1) & (denominator != 0)
        found += [a[i] + t_ * d1 for t_ in t[hits]]
    return found


def test_two_loop_crosses_itself_at_its_bottom_left(digits):
    for seed, path in paths(digits, "two_loop"):
        (stroke,) = path.strokes
        (left, top), (right, bottom) = stroke.min(axis=0), stroke.max(axis=0)
        points = crossings(stroke)
        assert points, "a loop: the stroke crosses itself"
        assert all(x < (left + right) / 2 and y > top + 0.6 * (bottom - top) for x, y in points), "at the bottom left"
        assert stroke[-1, 0] > left + 0.7 * (right - left), "then the base runs right"


def direction_bins(path: PenPath) -> int:
    """In how many directions the pen moves: the 10-degree bins that the path's segments
    (between consecutive points, those half a unit long or more) head into."""
    steps = np.concatenate([np.diff(stroke, axis=0) for stroke in path.strokes])
    steps = steps[np.hypot(*steps.T) >= 0.5]
    angles = np.degrees(np.arctan2(steps[:, 1], steps[:, 0])) % 360
    return len(np.unique((angles // 10).astype(int)))


def test_polygonal_paths_have_few_directions(digits):
    for seed, image in enumerate(digits[0]):
        smooth = styles._skeleton_path(styles.digit_skeletons(image[None])[0])
        polygon = styled_path(image, "polygonal", np.random.default_rng(seed))
        assert direction_bins(smooth) >= 24, "a smooth 0 heads most ways"
        # A few straight sides: one per 15% or more of the digit's size along each branch (the
        # spacing is 20% to 45%, each corner moved by up to a quarter of it), and one more per branch.
        sides = sum(len(s) - 1 for s in polygon.strokes)
        length = sum(styles._arc_length(s)[-1] for s in smooth.strokes)
        assert 4 <= sides <= length / (0.15 * smooth.size()) + len(smooth.strokes)
        assert direction_bins(polygon) <= sides, "each side one direction"
        assert direction_bins(polygon) < 2 / 3 * direction_bins(smooth)
        lengths = np.concatenate([np.hypot(*np.diff(s, axis=0).T) for s in polygon.strokes])
        assert np.median(lengths) > 0.12 * smooth.size(), "long sides: a slow pen's samples, not a curve's"
        # Its corners lie on the digit's own path.
        assert np.hypot(*(polygon.points()[:, None] - smooth.points()[None]).T).min(axis=0).max() < 1.5


def test_jitter_wobbles_the_path_smoothly_and_a_little(digits):
    for seed, image in enumerate(digits[3]):
        smooth = styles._skeleton_path(styles.digit_skeletons(image[None])[0])
        shaky = styled_path(image, "jitter", np.random.default_rng(seed))
        size = smooth.size()
        distance = np.hypot(*(shaky.points()[:, None] - smooth.points()[None]).T).min(axis=1)
        assert 0.005 * size < distance.max() < 0.1 * size
        for stroke in shaky.strokes:                    # no sudden jumps: steps as fine as the densified path
            assert np.hypot(*np.diff(stroke, axis=0).T).max() < size / 20


# --- the batch API --------------------------------------------------------------------------


def test_styled_digits_redraws_with_the_given_probability(batch):
    images, labels = batch
    untouched = styled_digits(images, labels, np.random.default_rng(0), probability=0.0)
    assert untouched.dtype == np.float32 and untouched.shape == (40, 28, 28)
    np.testing.assert_array_equal(untouched, pixels_to_float(images))
    only_sevens = styled_digits(images, labels, np.random.default_rng(0), probability=1.0, variants=["seven_crossbar"])
    assert only_sevens.dtype == np.float32 and 0 <= only_sevens.min() and only_sevens.max() <= 1
    changed = np.any(np.abs(only_sevens - untouched) > 1e-6, axis=(1, 2))
    assert np.array_equal(changed, labels == 7), "every 7 redrawn, nothing else touched"
    some = styled_digits(images, labels, np.random.default_rng(0), probability=0.5)
    fraction = np.mean(np.any(np.abs(some - untouched) > 1e-6, axis=(1, 2)))
    assert 0.25 < fraction < 0.75


def test_styled_digits_are_repeatable_and_independent_of_the_batch(batch):
    images, labels = batch
    a = styled_digits(images[:12], labels[:12], np.random.default_rng(7), probability=1.0)
    assert np.array_equal(a, styled_digits(images[:12], labels[:12], np.random.default_rng(7), probability=1.0))
    assert not np.array_equal(a, styled_digits(images[:12], labels[:12], np.random.default_rng(8), probability=1.0))
    assert np.array_equal(a[:5], styled_digits(images[:5], labels[:5], np.random.default_rng(7), probability=1.0))
    path = styled_path(images[0], "polygonal", np.random.default_rng(3))
    again = styled_path(images[0], "polygonal", np.random.default_rng(3))
    assert all(np.array_equal(p, q) for p, q in zip(path.strokes, again.strokes))


def test_style_pool_makes_the_counts_asked_for_from_digits_each_variant_applies_to(batch):
    images, labels = batch
    counts = {"seven_crossbar": 3, "zero_slash": 2, "polygonal": 5, "one_flag": 0}
    x, y = style_pool(images, labels, counts, np.random.default_rng(1))
    assert x.shape == (10, 28, 28) and x.dtype == np.float32 and y.dtype == np.int64
    assert y[:3].tolist() == [7, 7, 7] and y[3:5].tolist() == [0, 0]
    assert 0 <= x.min() and x.max() <= 1 and (x.reshape(10, -1).max(axis=1) > 0.5).all()
    plain = pixels_to_float(images)
    assert not any(np.array_equal(sample, original) for sample in x for original in plain), "every one redrawn"
    again_x, again_y = style_pool(images, labels, counts, np.random.default_rng(1))
    assert np.array_equal(x, again_x) and np.array_equal(y, again_y)
    assert not np.array_equal(x, style_pool(images, labels, counts, np.random.default_rng(2))[0])


def test_style_pool_refuses_bad_counts(batch):
    images, labels = batch
    rng = np.random.default_rng(0)
    for counts, message in [({}, "counts must map"), ({"one_flagg": 2}, "unknown variant"),
                            ({"one_flag": -1}, "at least 0"), ({"one_flag": 1.5}, "whole number"),
                            ({"one_flag": True}, "whole number"), ([("one_flag", 2)], "counts must map")]:
        with pytest.raises(ValueError, match=message):
            style_pool(images, labels, counts, rng)
    no_zeros = labels != 0
    with pytest.raises(ValueError, match="no training digit"):
        style_pool(images[no_zeros], labels[no_zeros], {"zero_slash": 1}, rng)


def test_bad_arguments_are_refused_with_clear_messages(fake):
    images, labels = fake
    rng = np.random.default_rng(0)
    for probability in (-0.1, 1.5, True, "0.5", float("nan")):
        with pytest.raises(ValueError, match="probability must be a number from 0 to 1"):
            styled_digits(images, labels, rng, probability=probability)
    with pytest.raises(ValueError, match=r"unknown variant name\(s\) 'crossed_eight'; known: one_flag"):
        styled_digits(images, labels, rng, variants=["seven_crossbar", "crossed_eight"])
    with pytest.raises(ValueError, match="not one string"):
        styled_digits(images, labels, rng, variants="one_flag")
    with pytest.raises(ValueError, match="at least one"):
        styled_digits(images, labels, rng, variants=[])
    with pytest.raises(ValueError, match=r"shape \(n, 28, 28\), got \(28, 28\)"):
        styled_digits(images[0], labels, rng)
    with pytest.raises(ValueError, match="uint8"):
        styled_digits(images.astype(np.float32), labels, rng)
    with pytest.raises(ValueError, match="NumPy array"):
        styled_digits(images.tolist(), labels, rng)
    with pytest.raises(ValueError, match=r"labels must have shape \(3,\)"):
        styled_digits(images, labels[:2], rng)
    with pytest.raises(ValueError, match="labels must be integers"):
        styled_digits(images, labels.astype(np.float64), rng)
    with pytest.raises(ValueError, match="digits 0..9"):
        styled_digits(images, np.array([1, 7, 10]), rng)
    with pytest.raises(ValueError, match="rng must be a numpy.random.Generator"):
        styled_digits(images, labels, 0)
    with pytest.raises(ValueError, match="size"):
        styled_digits(images, labels, rng, size=10)
    with pytest.raises(ValueError, match="thickness"):
        styled_digits(images, labels, rng, thickness=(2, 1))
    with pytest.raises(ValueError, match="unknown variant"):
        styled_path(images[0], "one_flagg", rng)
    with pytest.raises(ValueError, match=r"\(28, 28\) uint8"):
        styled_path(images, "one_flag", rng)
    with pytest.raises(ValueError, match="PenPath"):
        render_path(PenPath(()), rng)
    with pytest.raises(ValueError, match="hand_jitter"):
        render_path(styled_path(images[0], "one_flag", rng), rng, hand_jitter=-1)


def test_without_mnist_every_variant_still_draws(fake):
    """Hand-made 'digits' are not real 1s or 7s, but every variant must still give a drawing."""
    images, _ = fake
    for variant in VARIANTS:
        out = styled_digits(images, np.full(3, VARIANTS[variant][0]), np.random.default_rng(1),
                            probability=1.0, variants=[variant])
        assert out.shape == (3, 28, 28) and (out.reshape(3, -1).max(axis=1) > 0.5).all()


def test_montage_writes_one_row_per_variant(batch, tmp_path):
    images, labels = batch
    path = styles.montage(images, labels, tmp_path / "montage.png", np.random.default_rng(0), samples=2, zoom=1)
    with Image.open(path) as picture:
        assert picture.height == len(VARIANTS) * (28 + 4) + 4

"""Your own drawings as a test set (workbench.data.my_drawings): files, checks, evaluation and the report.

The drawings here are simple digits drawn as strokes (a loop for 0, a line for 1, ...), drawn the
way the GUI draws them. Every number the evaluation and the report give is checked against the
models' own predictions on the drawings' pixels.
"""

from __future__ import annotations

import json
import math
import threading

import numpy as np
import pytest
from PIL import Image

import scratch
from gui.drawing import Drawing
from workbench.data import my_drawings
from workbench.data.mnist import pixels_to_float
from workbench.data.my_drawings import (DrawingFileError, LabelledDrawing, as_arrays, counts_per_digit,
                                        export_folder, import_folder, load_drawing, load_folder, save_drawing)
from workbench.drawing.preprocess import DEFAULT_WIDTH, prepare
from workbench.models.registry import load_all, update_manifest
from workbench.reports import compare
from workbench.reports.evaluate import evaluate_drawings, mistakes

# --- simple digits as strokes ---------------------------------------------------------------------


def _line(a, b, steps=8):
    return [(round(a[0] + (b[0] - a[0]) * t / steps, 2), round(a[1] + (b[1] - a[1]) * t / steps, 2))
            for t in range(steps + 1)]


def _arc(cx, cy, rx, ry, start, stop, steps=24):
    return [(round(cx + rx * math.cos(math.radians(start + (stop - start) * t / steps)), 2),
             round(cy + ry * math.sin(math.radians(start + (stop - start) * t / steps)), 2)) for t in range(steps + 1)]


SHAPES = {   # each digit: its strokes on a 280-pixel canvas, before moving and scaling
    0: [_arc(140, 140, 60, 95, -90, 270)],
    1: [_line((150, 40), (135, 240))],
    2: [_arc(140, 95, 55, 50, 190, 360) + _line((195, 95), (80, 235))[1:] + _line((80, 235), (205, 235))[1:]],
    3: [_arc(135, 90, 55, 48, 200, 450) + _arc(135, 187, 60, 52, 270, 520)[1:]],
    4: [_line((185, 240), (185, 40)) + _line((185, 40), (70, 170))[1:] + _line((70, 170), (215, 170))[1:]],
    7: [_line((70, 45), (210, 45)) + _line((210, 45), (115, 240))[1:]],
}


def digit(label: int, shift=(0, 0), scale=1.0, width=DEFAULT_WIDTH, created=None) -> LabelledDrawing:
    """A drawing of `label` moved by `shift` and scaled about the canvas centre; its strokes as the GUI keeps them."""
    strokes = [([(round(140 + scale * (x - 140) + shift[0], 2), round(140 + scale * (y - 140) + shift[1], 2))
                 for x, y in stroke], width) for stroke in SHAPES[label]]
    return LabelledDrawing.from_strokes(label, strokes, 280, created)


def drawing_set() -> list[LabelledDrawing]:
    """Twenty-four drawings: each shape at four sizes, places and pen widths, with distinct creation times."""
    variants = [((0, 0), 1.0, 26), ((-30, 10), 0.6, 14), ((25, -15), 0.8, 34), ((5, 20), 0.7, 20)]
    drawings = []
    for v, (shift, scale, width) in enumerate(variants):
        for label in SHAPES:
            created = f"2026-11-25T10:{v:02d}:{label:02d}.000001+00:00"
            drawings.append(digit(label, shift, scale, width, created))
    return drawings


def valid_document() -> dict:
    return {"label": 7, "canvas": 280, "created": "2026-11-25T10:00:00+00:00", "widths": [26],
            "strokes": [[[70, 45], [210, 45], [115, 240]]]}


# --- saving and loading ---------------------------------------------------------------------------


def test_round_trip_keeps_label_strokes_and_pixels(tmp_path):
    original = digit(3, shift=(7.25, -3), scale=0.9, width=22)
    path = save_drawing(tmp_path / "mine", original)
    assert path.parent == tmp_path / "mine" and path.suffix == ".json" and path.name.startswith("3-")
    loaded = load_drawing(path)
    assert loaded.label == 3
    assert loaded.strokes == original.strokes           # exactly, not approximately
    assert loaded.widths == [22] and loaded.canvas == 280 and loaded.created == original.created
    assert loaded.path == path
    pixels = loaded.pixels()
    assert pixels.shape == (28, 28) and pixels.dtype == np.float32 and 0 <= pixels.min() and pixels.max() == 1
    assert np.array_equal(pixels, original.pixels())
    png = path.with_suffix(".png")
    with Image.open(png) as image:
        assert image.mode == "L" and image.size == (28, 28)
        assert np.array_equal(np.asarray(image), np.uint8(np.round(pixels * 255)))
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, png.name]   # no temporaries left


def test_pixels_are_what_the_gui_canvas_gives(tmp_path):
    """Strokes drawn point by point on the GUI's Drawing, saved, loaded and re-rendered: the same canvas."""
    canvas = Drawing()
    for points, width in [(_arc(140, 140, 50, 90, -90, 270), 18), (_line((60, 60), (220, 230)), 30)]:
        canvas.start_stroke(*points[0], width=width)
        for x, y in points[1:]:
            canvas.extend_stroke(x, y)
    path = save_drawing(tmp_path, LabelledDrawing.from_strokes(8, canvas.strokes, canvas.size))
    loaded = load_drawing(path)
    assert loaded.widths == [18, 30]
    assert np.array_equal(np.asarray(loaded.image()), np.asarray(canvas.mirror))
    assert np.array_equal(loaded.pixels(), prepare(canvas.mirror, "mnist").pixels)


def test_widths_are_optional_and_default_to_the_gui_pen(tmp_path):
    document = valid_document()
    del document["widths"]
    path = tmp_path / "7-old.json"
    path.write_text(json.dumps(document))
    assert load_drawing(path).widths == [DEFAULT_WIDTH]


def test_saving_never_replaces_a_file(tmp_path):
    drawing = digit(1, created="2026-11-25T10:00:00.123456+00:00")
    first = save_drawing(tmp_path, drawing)
    text = first.read_text()
    second = save_drawing(tmp_path, drawing)
    assert first.name == "1-20261125-100000-123456.json"
    assert second.name == "1-20261125-100000-123456-2.json"
    assert first.read_text() == text
    # A file someone put at the next name (a PNG alone is enough) is left alone too.
    (tmp_path / "1-20261125-100000-123456-3.png").write_bytes(b"not mine")
    third = save_drawing(tmp_path, drawing)
    assert third.name == "1-20261125-100000-123456-4.json"
    assert (tmp_path / "1-20261125-100000-123456-3.png").read_bytes() == b"not mine"
    drawings, problems = load_folder(tmp_path)
    assert problems == {} and [d.path for d in drawings] == [first, second, third]   # in the order saved


def test_saves_at_the_same_moment_from_many_threads_all_survive(tmp_path):
    drawing = digit(7, created="2026-11-25T10:00:00+00:00")
    paths, errors = [], []

    def save():
        try:
            paths.append(save_drawing(tmp_path, drawing))
        except Exception as e:   # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=save) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(paths)) == 8
    assert len(list(tmp_path.glob("*.json"))) == 8 and len(list(tmp_path.glob("*.png"))) == 8
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_saving_an_invalid_or_empty_drawing_is_refused_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="label must be a whole number from 0 to 9"):
        save_drawing(tmp_path, LabelledDrawing(12, [[(10.0, 10.0), (200.0, 200.0)]], [26]))
    with pytest.raises(ValueError, match="widths holds 2 pen widths for 1 strokes"):
        save_drawing(tmp_path, LabelledDrawing(1, [[(10.0, 10.0), (200.0, 200.0)]], [26, 26]))
    with pytest.raises(ValueError, match=r"strokes\[0\]\[1\] must be an \[x, y\] pair"):
        save_drawing(tmp_path, LabelledDrawing(1, [[(10.0, 10.0), (200.0, 200.0, 3.0)]], [26]))
    with pytest.raises(ValueError, match="Only a dot"):
        save_drawing(tmp_path, LabelledDrawing(1, [[(140.0, 140.0)]], [26]))
    assert list(tmp_path.iterdir()) == []


def _with(**changes):
    document = valid_document()
    for key, value in changes.items():
        if value is _DELETE:
            del document[key]
        else:
            document[key] = value
    return json.dumps(document)


_DELETE = object()
VALID_TEXT = json.dumps(valid_document())

INVALID = {   # case: (file text, what the message must say)
    "label as text": (_with(label="7"), "label must be a whole number from 0 to 9, got '7'"),
    "label 10": (_with(label=10), "label must be a whole number from 0 to 9, got 10"),
    "label -1": (_with(label=-1), "label must be a whole number from 0 to 9"),
    "label true": (_with(label=True), "label must be a whole number from 0 to 9, got True"),
    "label 7.0": (_with(label=7.0), "label must be a whole number from 0 to 9, got 7.0"),
    "no label": (_with(label=_DELETE), "has no label"),
    "no strokes or canvas": (_with(strokes=_DELETE, canvas=_DELETE), "has no strokes, canvas"),
    "strokes not a list": (_with(strokes="M 0 0"), "strokes must be a list of strokes"),
    "no strokes": (_with(strokes=[], widths=[]), "strokes is empty"),
    "empty stroke": (_with(strokes=[[]]), "strokes[0] has no points"),
    "stroke not a list": (_with(strokes=[{"x": 1}]), "strokes[0] must be a list of [x, y] points"),
    "point of one number": (_with(strokes=[[[1, 2], [3]]]), "strokes[0][1] must be an [x, y] pair of numbers"),
    "point of three": (_with(strokes=[[[1, 2, 3]]]), "strokes[0][0] must be an [x, y] pair of numbers"),
    "point as text": (_with(strokes=[[["1", 2]]]), "strokes[0][0] must be an [x, y] pair of numbers"),
    "point of booleans": (_with(strokes=[[[True, 2]]]), "strokes[0][0] must be an [x, y] pair of numbers"),
    "NaN": (VALID_TEXT.replace("[115, 240]", "[NaN, 240]"), "strokes[0][2] is not a finite point"),
    "Infinity": (VALID_TEXT.replace("[115, 240]", "[115, -Infinity]"), "strokes[0][2] is not a finite point"),
    "far off the canvas": (_with(strokes=[[[70, 45], [1e300, 45]]]), "strokes[0][1] = [1e+300, 45] lies outside"),
    "canvas 0": (_with(canvas=0), "canvas must be the canvas side"),
    "canvas text": (_with(canvas="280"), "canvas must be the canvas side"),
    "canvas fraction": (_with(canvas=280.5), "canvas must be the canvas side"),
    "canvas huge": (_with(canvas=10 ** 6), "canvas must be the canvas side, a whole number of pixels from 1 to 2000"),
    "created nonsense": (_with(created="yesterday"), "created must be an ISO 8601 time"),
    "created a number": (_with(created=20261125), "created must be an ISO 8601 time"),
    "created without zone": (_with(created="2026-11-25T10:00:00"), "created must say its time zone"),
    "widths too few": (_with(widths=[]), "widths holds 0 pen widths for 1 strokes"),
    "widths not a list": (_with(widths=26), "widths must be a list of pen widths"),
    "width 0": (_with(widths=[0]), "widths[0] must be a pen width in pixels"),
    "width negative": (_with(widths=[-3]), "widths[0] must be a pen width in pixels"),
    "width text": (_with(widths=["26"]), "widths[0] must be a pen width in pixels"),
    "width wider than the canvas": (_with(widths=[281]), "widths[0] must be a pen width in pixels"),
    "width NaN": (VALID_TEXT.replace("[26]", "[NaN]"), "widths[0] must be a pen width"),
    "only a dot": (_with(strokes=[[[140, 140]]]), "nothing a model could read (Only a dot"),
    "not an object": ("[1, 2, 3]", "must hold a JSON object"),
    "truncated": (json.dumps(valid_document())[:40], "is not valid JSON"),
    "empty file": ("", "is not valid JSON"),
    "not text": (b"\xff\xfe\x00garbage", "is not text"),
    "nested deeply": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "too many points": (_with(strokes=[[[i % 200, 100] for i in range(my_drawings.MAX_POINTS + 1)]]),
                        "more than 100,000 points"),
    "too many strokes": (_with(strokes=[[[100, 100]]] * 1001, widths=[26] * 1001), "1,001 strokes, more than"),
    "too long strokes": (_with(strokes=[[[0, 0], [280, 280]] * 200]), "more than 200 canvas sides"),
    "too large": (_with(padding="x" * (my_drawings.MAX_FILE_BYTES + 1)), "larger than 4 MB"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_every_invalid_field_is_refused_with_a_message_naming_the_file(tmp_path, case):
    text, message = INVALID[case]
    path = tmp_path / "7-bad.json"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    with pytest.raises(DrawingFileError) as raised:
        load_drawing(path)
    assert str(path) in str(raised.value)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_a_missing_file_or_a_folder_is_refused_by_name(tmp_path):
    with pytest.raises(DrawingFileError, match=f"drawing {tmp_path / 'nothing.json'}: does not exist"):
        load_drawing(tmp_path / "nothing.json")
    (tmp_path / "folder.json").mkdir()
    with pytest.raises(DrawingFileError, match="is not a file"):
        load_drawing(tmp_path / "folder.json")


def test_a_folder_with_bad_files_still_loads_the_good_ones_oldest_first(tmp_path):
    late = save_drawing(tmp_path, digit(4, created="2026-11-26T09:00:00+00:00"))
    early = save_drawing(tmp_path, digit(7, created="2026-11-25T09:00:00+00:00"))
    # The same moment in another time zone is still the earliest: times are compared, not their text.
    earliest = save_drawing(tmp_path, digit(0, created="2026-11-25T09:30:00+02:00"))
    (tmp_path / "0-broken.json").write_text('{"label": 0, "strokes": [[[1, 2]')
    (tmp_path / "1-wrong.json").write_text(_with(label=11))
    (tmp_path / ".7-20261125.abc.tmp.json").write_text("{")      # a save in progress: not a drawing yet
    (tmp_path / "notes.txt").write_text("not a drawing")
    drawings, problems = load_folder(tmp_path)
    assert [d.path for d in drawings] == [earliest, early, late]
    assert [d.label for d in drawings] == [0, 7, 4]
    assert set(problems) == {tmp_path / "0-broken.json", tmp_path / "1-wrong.json"}
    assert "0-broken.json" in problems[tmp_path / "0-broken.json"]
    assert "label must be a whole number" in problems[tmp_path / "1-wrong.json"]
    assert counts_per_digit(drawings).tolist() == [1, 0, 0, 0, 1, 0, 0, 1, 0, 0]


def test_a_missing_folder_is_an_error_naming_it_unless_allowed(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_folder(tmp_path / "nowhere")
    assert load_folder(tmp_path / "nowhere", missing_ok=True) == ([], {})
    (tmp_path / "file").write_text("")
    with pytest.raises(NotADirectoryError, match="file"):
        load_folder(tmp_path / "file")


def test_counts_per_digit():
    counts = counts_per_digit(drawing_set())
    assert counts.shape == (10,)
    assert counts.tolist() == [4, 4, 4, 4, 4, 0, 0, 4, 0, 0]
    assert counts_per_digit([]).tolist() == [0] * 10


def test_import_and_export_copy_valid_drawings_and_never_overwrite(tmp_path):
    source, mine = tmp_path / "friend", tmp_path / "mine"
    shared = digit(2, created="2026-11-25T10:00:00+00:00")
    theirs = [save_drawing(source, shared), save_drawing(source, digit(3)), save_drawing(source, digit(1))]
    (source / "9-bad.json").write_text(_with(label=9, canvas=-1))
    own = save_drawing(mine, shared)                 # the same drawing: already there
    other = save_drawing(mine, digit(0))
    before = {p.name: p.read_bytes() for p in mine.iterdir()}

    count, skipped = import_folder(source, mine)
    assert count == 2
    assert set(skipped) == {source / "9-bad.json", theirs[0]}
    assert "canvas must be" in skipped[source / "9-bad.json"]
    assert f"already in {mine} as {own.name}" == skipped[theirs[0]]
    for name, data in before.items():
        assert (mine / name).read_bytes() == data
    drawings, problems = load_folder(mine)
    assert problems == {} and sorted(d.label for d in drawings) == [0, 1, 2, 3]
    for path in theirs[1:]:
        copy = next(d for d in drawings if d.created == load_drawing(path).created)
        assert copy.strokes == load_drawing(path).strokes and copy.path.with_suffix(".png").is_file()

    assert import_folder(source, mine)[0] == 0       # importing twice adds nothing

    out = tmp_path / "export"
    count, skipped = export_folder(mine, out)
    assert count == 4 and skipped == {}
    assert sorted(d.label for d in load_folder(out)[0]) == [0, 1, 2, 3]
    assert other.name in {p.name for p in out.iterdir()}
    with pytest.raises(FileNotFoundError, match="nowhere"):
        import_folder(tmp_path / "nowhere", mine)


def test_as_arrays_stacks_pixels_and_labels():
    drawings = drawing_set()[:3]
    images, labels = as_arrays(drawings)
    assert images.shape == (3, 28, 28) and images.dtype == np.float32
    assert labels.tolist() == [0, 1, 2]
    for image, drawing in zip(images, drawings):
        assert np.array_equal(image, drawing.pixels())


# --- evaluation and the report ----------------------------------------------------------------------

MODELS = {"tiny-a": 1, "tiny-b": 2}


@pytest.fixture(scope="module")
def models_folder(mnist, tmp_path_factory):
    """Two small [784, 16, 10] scratch networks (one epoch on 500 images), saved with a manifest."""
    folder = tmp_path_factory.mktemp("models")
    x = pixels_to_float(mnist.train_images[:500])
    y = mnist.train_labels[:500].astype(np.int64)
    validation = (pixels_to_float(mnist.train_images[-200:]), mnist.train_labels[-200:].astype(np.int64))
    for name, seed in MODELS.items():
        net = scratch.Network([784, 16, 10], seed=seed)
        net.fit(x, y, epochs=1, batch_size=10, optimizer=scratch.SGD(0.5), validation=validation, verbose=False)
        net.metadata = {"name": name, "metrics": {"test_accuracy": 0.5, "training_seconds": 1.0}}
        net.save(folder / name)
        update_manifest(folder, {"name": name, "framework": "scratch", "file": f"{name}.json"})
    return folder


@pytest.fixture(scope="module")
def drawings_folder(tmp_path_factory):
    """The drawing set saved into a folder, with one broken file among them."""
    folder = tmp_path_factory.mktemp("my_drawings")
    for drawing in drawing_set():
        save_drawing(folder, drawing)
    (folder / "5-broken.json").write_text('{"label": 5')
    return folder


def direct(classifier, drawings):
    """Each drawing predicted on its own by classifier.predict: (predictions, labels)."""
    predictions = np.array([int(classifier.predict(d.pixels()[None])[0]) for d in drawings])
    return predictions, np.array([d.label for d in drawings])


def test_evaluate_drawings_equals_direct_evaluation(models_folder, drawings_folder):
    classifiers, problems = load_all(models_folder)
    assert problems == {} and [c.name for c in classifiers] == list(MODELS)
    drawings, _ = load_folder(drawings_folder)
    scores = evaluate_drawings(classifiers, drawings)
    wrong = mistakes(scores, drawings)
    assert list(scores) == list(MODELS)
    for classifier in classifiers:
        predictions, labels = direct(classifier, drawings)
        result = scores[classifier.name]
        assert np.array_equal(result.predictions, predictions)
        assert result.accuracy == pytest.approx(np.mean(predictions == labels))
        assert result.errors == np.count_nonzero(predictions != labels)
        confusion = np.zeros((10, 10), int)
        for label, predicted in zip(labels, predictions):
            confusion[label, predicted] += 1
        assert np.array_equal(result.confusion, confusion)
        assert wrong[classifier.name] == [(i, labels[i], predictions[i]) for i in np.flatnonzero(predictions != labels)]
    with pytest.raises(ValueError, match="no drawings"):
        evaluate_drawings(classifiers, [])


@pytest.fixture(scope="module")
def report(mnist_dir, models_folder, drawings_folder):
    out = models_folder / "report"
    status = compare.main(["--quick", "--quiet", "--folder", str(models_folder), "--out", str(out),
                           "--data-dir", str(mnist_dir), "--my-drawings", str(drawings_folder)])
    assert status == 0
    return out, json.loads((out / "results.json").read_text()), (out / "README.md").read_text()


def test_report_my_drawings_numbers_equal_direct_evaluation(report, models_folder, drawings_folder):
    out, results, text = report
    drawings, _ = load_folder(drawings_folder)
    mine = results["my_drawings"]
    assert mine["folder"] == str(drawings_folder) and mine["count"] == len(drawings) == 24
    assert mine["per_digit"] == counts_per_digit(drawings).tolist()
    assert list(mine["skipped"]) == [str(drawings_folder / "5-broken.json")]
    classifiers, _ = load_all(models_folder)
    assert [m["name"] for m in mine["models"]] == list(MODELS)
    for classifier, model in zip(classifiers, mine["models"]):
        predictions, labels = direct(classifier, drawings)
        accuracy = float(np.mean(predictions == labels))
        assert model["accuracy"] == pytest.approx(accuracy)
        assert model["errors"] == np.count_nonzero(predictions != labels)
        assert 0 < model["errors"] < len(drawings), "all right or all wrong: the checks below would prove little"
        assert sum(map(sum, model["confusion"])) == len(drawings)
        for d in range(10):
            of_digit = labels == d
            expected = float(np.mean(predictions[of_digit] == d)) if of_digit.any() else None
            assert model["per_digit_accuracy"][d] == (pytest.approx(expected) if expected is not None else None)
        assert [(m["index"], m["label"], m["predicted"], m["file"]) for m in model["mistakes"]] == [
            (i, labels[i], predictions[i], drawings[i].path.name) for i in np.flatnonzero(predictions != labels)]
        # The report's table shows the same numbers, in the format of the other tables.
        row = next(line for line in text.split("## My drawings")[1].splitlines()
                   if line.startswith(f"| {model['name']} |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[1] == f"{accuracy:.2%}" and cells[2] == str(model["errors"])
        assert cells[3 + 5] == "–"     # no drawings of a 5
    section = text.split("## My drawings")[1].split("\n## ")[0]
    assert "| drawings | 4 | 4 | 4 | 4 | 4 | 0 | 0 | 4 | 0 | 0 | 24 |" in section
    assert "5-broken.json" in section
    assert "](my_drawings_confusion.png)" in section
    assert (out / "my_drawings_confusion.png").stat().st_size > 1000


@pytest.mark.parametrize("make, message", [
    (lambda folder: None, "does not exist"),
    (lambda folder: folder.mkdir(), "holds no drawings"),
    (lambda folder: (folder.mkdir(), (folder / "1-x.json").write_text("{")), "none of its 1 .json files"),
])
def test_a_missing_or_empty_drawings_folder_is_a_clear_error(tmp_path, capsys, make, message):
    folder = tmp_path / "my drawings"
    make(folder)
    status = compare.main(["--quick", "--quiet", "--folder", str(tmp_path), "--out", str(tmp_path / "r"),
                           "--my-drawings", str(folder)])
    assert status == 2
    error = capsys.readouterr().err
    assert "--my-drawings" in error and str(folder) in error and message in error
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("change", [lambda d: d["strokes"][0][0].__setitem__(0, 10 ** 400),
                                    lambda d: d.__setitem__("widths", [10 ** 400] * len(d["strokes"])),
                                    lambda d: d.__setitem__("created", "0001-01-01T00:00:00+14:00")])
def test_numbers_out_of_range_are_refused_for_that_file_alone(tmp_path, change):
    """Found in review: an integer of 400 digits (valid JSON) made float() overflow and took the whole
    folder down; a time that cannot be expressed in UTC broke saving during an import."""
    from workbench.data.my_drawings import LabelledDrawing, load_folder, save_drawing
    good = save_drawing(tmp_path, LabelledDrawing.from_strokes(1, [([(140, 40), (140, 240)], 18)]))
    bad = save_drawing(tmp_path, LabelledDrawing.from_strokes(7, [([(70, 60), (210, 55), (130, 240)], 18)]))
    document = json.loads(bad.read_text())
    change(document)
    bad.write_text(json.dumps(document))
    drawings, problems = load_folder(tmp_path)
    assert [d.path for d in drawings] == [good]
    assert list(problems) == [bad]


def test_a_stroke_dragged_far_outside_the_canvas_can_still_be_kept(tmp_path):
    from workbench.data.my_drawings import LabelledDrawing, load_drawing, save_drawing
    drawing = LabelledDrawing.from_strokes(1, [([(140, 40), (140, 240), (140, 5000)], 18)])
    assert load_drawing(save_drawing(tmp_path, drawing)).label == 1

"""The real window, driven with real Tk events on a virtual display (Xvfb).

Each check compares what the window shows with what the registry's model says about
`to_mnist` of the window's own off-screen mirror, so a wiring mistake anywhere between the
mouse and the bars fails here. A screenshot of the window is saved in test-artifacts/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gui_helpers import pump
from workbench.drawing.preprocess import render_strokes, to_mnist
from workbench.models.confidence import DigitLikeness
from workbench.models.registry import available_models, load_model

pytestmark = pytest.mark.gui
tk = pytest.importorskip("tkinter", reason="tkinter is not installed (Debian/Ubuntu: apt install python3-tk)")

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "saved_networks"
ARTIFACTS = ROOT / "test-artifacts"
SEVEN = [[(70, 60), (120, 58), (170, 56), (210, 55), (190, 100), (165, 150), (145, 200), (130, 240)]]
ONE = [[(140, 40), (140, 100), (141, 160), (142, 240)]]


def open_app(folder: Path, wait_for_models: bool = True):
    """The window on `folder`'s models, keeping labelled drawings in a fresh temporary folder."""
    import tempfile
    from gui.app import App
    root = tk.Tk()
    app = App(root, folder, my_drawings=Path(tempfile.mkdtemp(prefix="my-drawings-")) / "my_drawings")
    pump(root, lambda: app.models and (not wait_for_models or not app.loading), timeout=180)
    return root, app


def draw(root, app, strokes) -> None:
    """Draw strokes with pointer events on the real canvas, then wait for the prediction they trigger."""
    before = app.updates
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        app.canvas.event_generate("<ButtonPress-1>", x=x0, y=y0)
        for x, y in rest:
            app.canvas.event_generate("<B1-Motion>", x=x, y=y)
        app.canvas.event_generate("<ButtonRelease-1>", x=rest[-1][0], y=rest[-1][1])
    pump(root, lambda: app.updates > before and app._pending_predict is None)


def expected_outputs(app) -> dict[str, np.ndarray]:
    """What each model says of to_mnist(the window's mirror), asked through the registry directly."""
    pixels = to_mnist(app.drawing.mirror)
    return {name: load_model(app.models[name].path).predict_proba(pixels[None])[0] for name in app.classifiers}


def compare_bar_heights(app, name: str) -> np.ndarray:
    """The ten bar heights of a model's row in compare-all, read back from the canvas, in [0, 1]."""
    from gui.app import BAR_AREA
    heights = []
    for digit in range(10):
        x0, y0, x1, y1 = app.compare.coords(app.compare.find_withtag(f"bar:{name}:{digit}")[0])
        heights.append((y1 - y0) / BAR_AREA[1])
    return np.array(heights)


@pytest.fixture(scope="module")
def shipped_app(display):
    if not any(m.framework != "unknown" for m in available_models(SHIPPED)):
        pytest.skip("no shipped models in saved_networks/ (run python -m builders)")
    root, app = open_app(SHIPPED)
    yield root, app
    root.destroy()


def test_drawing_shows_every_models_outputs_for_the_mirrored_image(shipped_app):
    root, app = shipped_app
    app.clear()
    draw(root, app, SEVEN)
    # The mirror is exactly the strokes as drawn (pen width and all), not a screen grab.
    assert np.array_equal(np.asarray(app.drawing.mirror),
                          np.asarray(render_strokes(SEVEN, width=app.drawing.strokes[0][1])))
    expected = expected_outputs(app)
    assert set(expected) == set(app.classifiers) and len(expected) >= 2
    for name, outputs in expected.items():
        np.testing.assert_allclose(app.opinions[name].outputs, outputs, atol=1e-5)
        np.testing.assert_allclose(compare_bar_heights(app, name), np.clip(outputs, 0, 1), atol=0.03)
    chosen = expected[app.chosen]
    np.testing.assert_allclose([bar.get_height() for bar in app.bars], chosen, atol=1e-6)
    view = app.opinions[app.chosen]
    assert app.shown_digit == (int(chosen.argmax()) if view.sure else None)
    assert str(int(chosen.argmax())) in app.verdict.get()
    # the 28x28 view shows what the models saw
    assert np.array_equal(app.prepared.pixels, to_mnist(app.drawing.mirror))


def test_predict_button_answers_in_one_click(shipped_app):
    root, app = shipped_app
    app.clear()
    app.drawing.start_stroke(*ONE[0][0])
    for point in ONE[0][1:]:
        app.drawing.extend_stroke(*point)
    before = app.updates
    app.root.event_generate("<Return>")          # the keyboard shortcut of Predict
    pump(root, lambda: app.updates > before)
    assert set(app.opinions) == set(app.classifiers)
    for name, outputs in expected_outputs(app).items():
        np.testing.assert_allclose(app.opinions[name].outputs, outputs, atol=1e-5)


def test_undo_and_clear(shipped_app):
    root, app = shipped_app
    app.clear()
    draw(root, app, SEVEN)
    draw(root, app, ONE)
    assert len(app.drawing.strokes) == 2
    app.root.event_generate("<Control-z>")
    pump(root, lambda: len(app.drawing.strokes) == 1)
    width = app.drawing.strokes[0][1]
    assert np.array_equal(np.asarray(app.drawing.mirror), np.asarray(render_strokes(SEVEN, width=width)))
    assert app.canvas.find_withtag("stroke1") == () and app.canvas.find_withtag("stroke0")
    for name, outputs in expected_outputs(app).items():
        np.testing.assert_allclose(app.opinions[name].outputs, outputs, atol=1e-5)
    app.root.event_generate("<Escape>")
    pump(root, lambda: app.drawing.empty)
    assert np.asarray(app.drawing.mirror).min() == 255 and app.canvas.find_all() == ()
    assert app.opinions == {} and "empty" in app.verdict.get() and app.shown_digit is None
    assert all(h == 0 for h in compare_bar_heights(app, app.chosen))
    app.undo()                                           # nothing to undo: said, not raised
    assert "Nothing to undo" in app.status.get()


def test_switching_models_and_compare_all(shipped_app):
    root, app = shipped_app
    app.clear()
    draw(root, app, SEVEN)
    names = list(app.classifiers)
    for name in names:
        app.chooser.selection_clear(0, "end")
        app.chooser.selection_set(list(app.models).index(name))
        app.chooser.event_generate("<<ListboxSelect>>")
        root.update()
        assert app.chosen == name and name in app.axes.get_title()
        np.testing.assert_allclose([bar.get_height() for bar in app.bars], app.opinions[name].outputs, atol=1e-6)
    app.tabs.select(1)
    root.update()
    from gui.verdict import agreement, rule_applies
    assert app.rule is not None, app.rule_problem             # saved_networks/ ships its calibration.json
    assert rule_applies(app.rule, app.opinions) and all(view.calibrated for view in app.opinions.values())
    verdict = agreement(app.opinions, app.rule)
    assert app.compare_message.get() == verdict.message
    assert verdict.message.startswith(("Sure: ", "Unsure: ", "This does not look like a digit"))
    highlighted = {tag.split(":", 1)[1] for item in app.compare.find_all() for tag in app.compare.gettags(item)
                   if tag.startswith("disagree:")}
    assert highlighted == set(verdict.disagreeing)
    for name in names:
        answer = app.compare.itemcget(app.compare.find_withtag(f"answer:{name}")[0], "text")
        assert answer.startswith(str(app.opinions[name].digit))
    save_screenshot(root, "gui-compare-all.png")
    app.tabs.select(0)


def test_save_and_open(shipped_app, tmp_path, mnist):
    root, app = shipped_app
    app.clear()
    assert app.save_to(tmp_path / "none") is None and "empty" in app.status.get()
    draw(root, app, SEVEN)
    drawing_path, pixels_path = app.save_to(tmp_path / "saved")
    assert np.array_equal(np.asarray(Image.open(drawing_path)), np.asarray(app.drawing.mirror))
    np.testing.assert_allclose(np.asarray(Image.open(pixels_path)) / 255, app.prepared.pixels, atol=1 / 255)

    # An MNIST test digit as a file: light ink on dark, 28x28; enlarged on the canvas and classified.
    digit = mnist.test_images[0]
    path = tmp_path / "mnist-digit.png"
    Image.fromarray(digit).save(path)
    assert app.open_image(path)
    root.update()
    expected = expected_outputs(app)
    for name, outputs in expected.items():
        np.testing.assert_allclose(app.opinions[name].outputs, outputs, atol=1e-5)
    assert sum(int(o.argmax()) == int(mnist.test_labels[0]) for o in expected.values()) >= len(expected) - 1

    # Unreadable files: a message, the drawing and models untouched.
    before = dict(app.opinions)
    for bad in (tmp_path / "missing.png", _write(tmp_path / "notes.png", b"not an image at all")):
        assert not app.open_image(bad)
        assert bad.name in app.status.get()
        assert app.opinions.keys() == before.keys()
    app.undo()                                  # removes the opened picture
    assert app.drawing.empty


def test_imagine(shipped_app):
    root, app = shipped_app
    app.choose(next(n for n in app.classifiers if app.models[n].framework == "scratch"))
    app.imagine_digit.set(4)
    app.imagine()
    pump(root, lambda: not app._imagining, timeout=120)
    assert f"a 4 looks like" in app.imagine_note.get() and "classifies this picture as 4" in app.imagine_note.get()


def test_screenshot(shipped_app):
    root, app = shipped_app
    app.clear()
    draw(root, app, SEVEN)
    app.tabs.select(0)
    root.update()
    path = save_screenshot(root, "gui-window.png")
    assert path is None or Image.open(path).size[0] > 300


def test_broken_and_missing_models_are_reported_and_the_rest_work(display, tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    good = "scratch-784-30-10"
    for suffix in (".json", ".npz"):
        shutil.copy(SHIPPED / f"{good}{suffix}", folder / f"{good}{suffix}")
    (folder / "broken.json").write_text('{"format": "digit-workbench/scratch-net')
    no_weights = json.loads((SHIPPED / f"{good}.json").read_text())
    no_weights["name"], no_weights["model_file"]["file"] = "no-weights", "no-weights.npz"
    (folder / "no-weights.json").write_text(json.dumps(no_weights))
    root, app = open_app(folder)
    try:
        assert list(app.classifiers) == [good]
        assert set(app.unavailable) == {"broken", "no-weights"}
        assert "not valid JSON" in app.unavailable["broken"]
        assert "broken" in app.status.get() and "no-weights" in app.status.get()
        app.chooser.selection_clear(0, "end")
        app.chooser.selection_set(list(app.models).index("broken"))
        app.chooser.event_generate("<<ListboxSelect>>")
        root.update()
        assert app.chosen == good and "cannot be chosen" in app.chooser_note.get()
        draw(root, app, SEVEN)
        np.testing.assert_allclose(app.opinions[good].outputs, expected_outputs(app)[good], atol=1e-5)
        app.predict()            # an empty canvas after clear, a re-predict: no error anywhere
    finally:
        root.destroy()


ANY_LIKENESS = DigitLikeness(np.zeros((10, 100)), np.eye(100), 0.0, 1.0)   # scratch-cnn's last hidden layer: 100 units


def _calibrated_folder(tmp_path: Path, name: str, **rule_fields) -> Path:
    """Two shipped scratch models and a calibration.json written by hand for them."""
    from scratch.files import json_text
    from workbench.models.confidence import SureRule
    folder = tmp_path / name
    folder.mkdir()
    models = ("scratch-784-30-10", "scratch-cnn")
    shas = {}
    for model in models:
        for suffix in (".json", ".npz"):
            shutil.copy(SHIPPED / f"{model}{suffix}", folder / f"{model}{suffix}")
        shas[model] = json.loads((SHIPPED / f"{model}.json").read_text())["model_file"]["sha256"]
    fields = dict(temperatures={m: 1.0 for m in models}, threshold=0.0, single_thresholds={m: 0.0 for m in models},
                  agreement=1, not_digit_below={}, models=shas)
    fields.update(rule_fields)
    (folder / "calibration.json").write_text(json_text(SureRule(**fields).to_dict()))
    return folder


@pytest.mark.parametrize("case, fields, single, compare", [
    ("always-sure", {}, "says 7: sure", "Sure: 7."),
    ("never-sure", dict(threshold=1.0, single_thresholds={"scratch-784-30-10": 1.0, "scratch-cnn": 1.0}),
     "unsure: 7 or", "Unsure: 7 or"),
    ("nothing-is-a-digit", dict(threshold=1.0, single_thresholds={"scratch-784-30-10": 1.0, "scratch-cnn": 1.0},
                                not_digit_below={"scratch-784-30-10": 1.0, "scratch-cnn": 1.0, "": 1.0}),
     "this does not look like a digit", "This does not look like a digit."),
    ("stale", dict(models={"scratch-784-30-10": "0" * 64, "scratch-cnn": "0" * 64}),
     "not calibrated", "Not calibrated for this set of models"),
    # compare-all's vote given to scratch-cnn alone, with a likeness test on its hidden layer: the window must
    # compute that layer for the drawing, or the rule would not apply at all
    ("looks-like-a-digit", dict(weights={"scratch-784-30-10": 0.0, "scratch-cnn": 1.0},
                                likeness={"scratch-cnn": ANY_LIKENESS}, likeness_threshold=-1e12,
                                not_digit_likeness=-1e12), "says 7: sure", "Sure: 7."),
    ("looks-like-nothing", dict(weights={"scratch-784-30-10": 0.0, "scratch-cnn": 1.0},
                                likeness={"scratch-cnn": ANY_LIKENESS}, likeness_threshold=1e12,
                                not_digit_likeness=1e12),
     "says 7: sure", "This does not look like a digit: inside scratch-cnn"),
])
def test_the_window_says_what_calibration_json_says(display, tmp_path, case, fields, single, compare):
    """The fitted rule in calibration.json, not a constant in the GUI, decides "sure": change the file and
    the window's words change with it; a file fitted for other model files is not trusted."""
    root, app = open_app(_calibrated_folder(tmp_path, case, **fields))
    try:
        draw(root, app, SEVEN)
        assert all(view.digit == 7 for view in app.opinions.values()), "both models should read the 7"
        assert single in app.verdict.get()
        assert compare in app.compare_message.get()
        if case == "stale":
            assert "Not calibrated (rebuilt or new since calibration.json)" in app.status.get()
        else:
            assert all(view.calibrated for view in app.opinions.values())
        assert app.shown_digit == (7 if case in ("always-sure", "stale", "looks-like-a-digit", "looks-like-nothing")
                                   else None)       # the chosen model's own answer
    finally:
        root.destroy()


def test_compare_all_reads_the_drawings_own_hidden_layer(display, tmp_path):
    """The likeness threshold set just below, then just above, the drawn 7's own likeness inside scratch-cnn
    (computed here through the registry, not by the window): the window's compare-all says "sure", then not."""
    from dataclasses import replace
    folder = _calibrated_folder(tmp_path, "threshold-at-the-drawing", weights={"scratch-784-30-10": 0.0,
                                                                               "scratch-cnn": 1.0},
                                likeness={"scratch-cnn": ANY_LIKENESS}, likeness_threshold=-1e12,
                                not_digit_likeness=-1e12)
    root, app = open_app(folder)
    try:
        draw(root, app, SEVEN)
        features = load_model(folder / "scratch-cnn.json").last_hidden(to_mnist(app.drawing.mirror)[None])
        np.testing.assert_allclose(app.opinions["scratch-cnn"].features, features[0], rtol=1e-5, atol=1e-6)
        own = float(ANY_LIKENESS.score(features)[0])
        for margin, compare in ((-0.5, "Sure: 7."), (0.5, "Unsure: 7 or")):
            app.rule = replace(app.rule, likeness_threshold=own + margin, not_digit_likeness=own - 1.0)
            app.predict()
            assert compare in app.compare_message.get(), (margin, app.compare_message.get())
    finally:
        root.destroy()


def test_without_tensorflow_keras_models_are_greyed_and_scratch_ones_work(display):
    if not any(m.framework == "tensorflow" for m in available_models(SHIPPED)):
        pytest.skip("no shipped Keras models")
    code = textwrap.dedent(f"""
        import importlib.abc, sys, time
        class BlockTensorFlow(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("tensorflow", "keras"):
                    raise ImportError("blocked: TensorFlow is 'not installed'")
        sys.meta_path.insert(0, BlockTensorFlow())
        import tkinter as tk
        from gui.app import App
        root = tk.Tk()
        app = App(root, {str(SHIPPED)!r})
        while not app.models or app.loading:
            root.update()
        app.drawing.start_stroke(140, 40); app.drawing.extend_stroke(141, 240)
        app.predict()
        keras = [n for n, m in app.models.items() if m.framework == "tensorflow"]
        assert keras and all("TensorFlow is not installed" in app.unavailable[n] for n in keras), app.unavailable
        assert set(app.opinions) == set(app.classifiers) and app.classifiers
        assert all(app.models[n].framework == "scratch" for n in app.classifiers)
        greyed = [app.chooser.itemcget(list(app.models).index(n), "foreground") for n in keras]
        assert all(g for g in greyed), greyed
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("ok", sorted(app.classifiers))
    """)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")


def save_screenshot(root, name: str) -> Path | None:
    """Grab the window from the X server into test-artifacts/ (kept by CI)."""
    try:
        from PIL import ImageGrab
        root.update()
        x, y, w, h = root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height()
        image = ImageGrab.grab(bbox=(x, y, x + w, y + h), xdisplay=os.environ.get("DISPLAY"))
    except (OSError, ImportError) as e:
        print(f"no screenshot: {e}")
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    image.save(path)
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_console_script_opens_the_window_with_no_tensorflow_log_lines(display):
    """`digit-workbench` (installed by pip install -e . in requirements-dev.txt) opens the window, loads
    every shipped model, Keras ones included, and prints nothing of TensorFlow's in its first 10 seconds."""
    script = Path(sys.executable).parent / "digit-workbench"
    if not script.exists():
        pytest.skip(f"{script} is not installed (pip install -e .)")
    process = subprocess.Popen([str(script), "--models-dir", str(SHIPPED), "--verbose"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, cwd=ROOT, env=os.environ.copy())
    try:
        output, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    expected = len(json.loads((SHIPPED / "manifest.json").read_text())["models"])
    assert f"{expected} model(s) ready" in output, output      # TensorFlow was imported and the Keras models loaded
    noise = [line for line in output.splitlines()
             if re.match(r"[IWEF]\d{4} ", line) or any(word in line for word in
                                                      ("oneDNN", "cuda", "CUDA", "absl::", "tf.function",
                                                       "retracing", "cpu_feature_guard", "TensorFlow binary"))]
    assert not noise, "TensorFlow wrote to the terminal:\n" + "\n".join(noise)


# --- why: saliency, and the hidden layers as you draw ------------------------------------------------

def explained(root, app):
    """Wait until the explanation of the newest drawing is on screen; returns it."""
    pump(root, lambda: app.explanation is not None and app.explanation.generation == app.generation)
    return app.explanation


def test_saliency_overlay_shows_what_made_it_say_its_answer_and_another_digit(shipped_app):
    root, app = shipped_app
    app.clear()
    app.show_why.set(True)
    app.why_digit.set("its answer")
    try:
        draw(root, app, SEVEN)
        expl = explained(root, app)
        chosen = load_model(app.models[app.chosen].path)
        pixels = app.prepared.pixels
        answer = int(chosen.predict(pixels[None])[0])
        assert expl.chosen == app.chosen and expl.answer == answer
        np.testing.assert_allclose(expl.saliency, chosen.saliency(pixels, answer), rtol=1e-4, atol=1e-6)
        assert f"What made {app.chosen} say {answer}" in app.why_caption.get()
        shown = ImageTk_to_array(app)
        assert shown.ndim == 3 and (shown[..., 0] > shown[..., 2] + 40).any(), "no red evidence on the 28x28 view"
        # "What would make it a 1": a second map, for another digit.
        app.why_digit.set("1")
        app._why_changed()
        expl = explained(root, app)
        assert expl.other_digit == 1
        np.testing.assert_allclose(expl.other_saliency, chosen.saliency(pixels, 1), rtol=1e-4, atol=1e-6)
        assert f"What would make {app.chosen} say 1" in app.why_caption.get()
        # Compare-all: one small map per model, each for that model's own answer.
        for name in app.classifiers:
            assert app.compare.find_withtag(f"map:{name}"), name
            own = load_model(app.models[name].path)
            np.testing.assert_allclose(expl.maps[name][1], own.saliency(pixels, expl.maps[name][0]),
                                       rtol=1e-4, atol=1e-6)
    finally:
        app.show_why.set(False)
        app.why_digit.set("its answer")


def ImageTk_to_array(app) -> np.ndarray:
    """The 28x28 view as shown, one pixel per model input pixel, read back from Tk's photo image: (28, 28, 3)."""
    from gui.app import PIXEL_ZOOM
    photo = app._photos["pixels"]._PhotoImage__photo      # the tkinter.PhotoImage behind Pillow's wrapper
    return np.array([[photo.get(x * PIXEL_ZOOM + 1, y * PIXEL_ZOOM + 1) for x in range(28)] for y in range(28)])


@pytest.mark.parametrize("model,first_title", [("scratch-784-30-10", "hidden_1: 30 units"),
                                               ("scratch-784-800-800-10", "hidden_1: 800 units"),
                                               ("keras-cnn", "relu_1: 20 feature maps 24x24")])
def test_inside_view_shows_the_hidden_layers_of_the_chosen_model(shipped_app, model, first_title):
    root, app = shipped_app
    if model not in app.classifiers:
        pytest.skip(f"{model} is not among the shipped models")
    app.choose(model)
    app.tabs.select(3)
    app.clear()
    before = app.inside.updates
    draw(root, app, SEVEN)
    expl = explained(root, app)
    pump(root, lambda: app.inside.updates > before)
    direct = load_model(app.models[model].path).hidden_activations(app.prepared.pixels[None])
    assert [name for name, _ in expl.hidden] == [name for name, _ in direct]
    for (_, shown), (_, values) in zip(expl.hidden, direct):
        np.testing.assert_allclose(shown, values[0], rtol=1e-4, atol=1e-5)
    titles = [app.inside.canvas.itemcget(item, "text") for item in app.inside.canvas.find_all()
              if app.inside.canvas.type(item) == "text"]
    assert titles and titles[0].startswith(first_title), titles
    assert len(app.inside.canvas.find_withtag("section")) == len(titles)
    if model == "scratch-784-30-10":           # click unit 12's tile: its weights are enlarged
        from gui.inside_view import COLUMNS, UNIT_TILE
        top = app.inside._shown[0][0]
        cell = UNIT_TILE + 4
        x, y = 4 + (12 % COLUMNS) * cell + cell // 2, top + (12 // COLUMNS) * cell + cell // 2
        app.inside.canvas.event_generate("<Button-1>", x=x, y=y)
        root.update()
        assert app.inside.enlarged_note.get().startswith("unit 12:")
    # Drawing more updates the view; clearing empties it.
    before = app.inside.updates
    draw(root, app, ONE)
    explained(root, app)
    pump(root, lambda: app.inside.updates > before)
    app.clear()
    root.update()
    assert "Draw a digit" in app.inside.note.get()


# --- your drawings as a test set -------------------------------------------------------------------------

def test_labelling_keeps_the_drawing_with_its_label_and_strokes(shipped_app):
    from workbench.data.my_drawings import load_drawing, load_folder
    root, app = shipped_app
    app.clear()
    draw(root, app, SEVEN)
    before = set(app.my_drawings_folder.glob("*.json")) if app.my_drawings_folder.exists() else set()
    app.label_buttons[7].invoke()                      # "This is a: 7"
    app.label_buttons[7].invoke()                      # the same drawing again: a second file, nothing overwritten
    written = sorted(set(app.my_drawings_folder.glob("*.json")) - before)
    assert len(written) == 2 and "Kept as a 7" in app.status.get()
    document = json.loads(written[0].read_text())
    assert document["label"] == 7 and document["canvas"] == 280 and document["created"]
    assert [[tuple(point) for point in stroke] for stroke in document["strokes"]] == \
        [[tuple(point) for point in points] for points, _ in app.drawing.strokes]
    assert written[0].with_suffix(".png").exists()
    kept = load_drawing(written[0])
    np.testing.assert_allclose(kept.pixels(), app.prepared.pixels, atol=1e-6)
    assert len(load_folder(app.my_drawings_folder)[0]) >= 2


def test_my_drawings_tab_shows_each_models_accuracy_and_loads_mistakes_back(shipped_app, tmp_path):
    from workbench.data.my_drawings import load_folder
    from workbench.reports.evaluate import evaluate_drawings
    root, app = shipped_app
    for strokes, label in ((SEVEN, 7), (ONE, 1), (ONE, 7)):       # the last is a 1 kept as a 7: a mistake
        app.clear()
        draw(root, app, strokes)
        app.label_drawing(label)
    before = app.my_drawings.updates
    app.tabs.select(app.my_drawings)
    pump(root, lambda: app.my_drawings.updates > before, timeout=60)
    drawings, _ = load_folder(app.my_drawings_folder)
    expected = evaluate_drawings([load_model(app.models[n].path) for n in app.classifiers], drawings)
    shown = {row: app.my_drawings.table.item(row, "values") for row in app.my_drawings.table.get_children()}
    assert set(shown) == set(app.classifiers)
    for name, scores in expected.items():
        assert shown[name][0] == f"{scores.accuracy:.2%}", name
    name = app.my_drawings.selected_model()
    assert name == app.chosen
    wrong = [i for i, (p, d) in enumerate(zip(expected[name].predictions, drawings)) if p != d.label]
    assert app.my_drawings.wrong_list.size() == len(wrong) >= 1
    app.my_drawings.wrong_list.selection_set(0)
    app.my_drawings.wrong_list.event_generate("<<ListboxSelect>>")
    root.update()
    loaded = drawings[wrong[0]]
    assert [points for points, _ in app.drawing.strokes] == [list(map(tuple, s)) for s in loaded.strokes]
    assert "Loaded" in app.status.get()


def test_import_and_export_a_folder_of_drawings(shipped_app, tmp_path):
    from workbench.data.my_drawings import load_folder
    root, app = shipped_app
    app.clear()
    draw(root, app, ONE)
    app.label_drawing(1)
    count = len(load_folder(app.my_drawings_folder)[0])
    exported = tmp_path / "class-pool"
    before = app.my_drawings.updates
    app.my_drawings.export_to(exported)
    pump(root, lambda: "Exported" in app.status.get(), timeout=60)
    assert len(load_folder(exported)[0]) == count and "Exported" in app.status.get()
    friend = tmp_path / "friend"
    from workbench.data.my_drawings import LabelledDrawing, save_drawing
    save_drawing(friend, LabelledDrawing.from_strokes(4, [([(170, 40), (90, 170), (210, 170)], 18),
                                                          ([(180, 120), (180, 250)], 18)]))
    before = app.my_drawings.updates
    app.my_drawings.import_from(friend)
    pump(root, lambda: "Imported" in app.status.get(), timeout=60)
    assert len(load_folder(app.my_drawings_folder)[0]) == count + 1 and "Imported 1" in app.status.get()

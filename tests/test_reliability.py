"""Bad input and faults found by trying the workbench as a careless or hostile user would (issue 12):
each test here failed before its fix. Cases are numbered as in the issue."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import stat
from pathlib import Path

import numpy as np
import pytest

import scratch
from builders import build
from builders.recipes import RECIPES
from scratch.files import ModelFileError, atomic_paths, write_json
from workbench.models.locks import file_lock
from workbench.models.registry import (MANIFEST, ModelUnavailable, available_models, load_all, load_model,
                                       update_manifest)

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "saved_networks"
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0   # root ignores folder permissions


@pytest.fixture
def folder(tmp_path):
    """Two small valid scratch models in a folder, listed in its manifest."""
    for name, seed in (("good-a", 1), ("good-b", 2)):
        net = scratch.Network([784, 8, 10], activations=["relu", "softmax"], seed=seed)
        net.metadata = {"name": name, "metrics": {"test_accuracy": 0.5}}
        net.save(tmp_path / name)
        update_manifest(tmp_path, {"name": name, "framework": "scratch", "file": f"{name}.json"})
    return tmp_path


def edit(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


# 1. --time-budget inf, and a model's two files change together or not at all ------------------------

@pytest.mark.parametrize("flag,value,message", [
    ("--time-budget", "inf", "finite number of minutes"), ("--time-budget", "nan", "finite number of minutes"),
    ("--time-budget", "0", "finite number of minutes above 0"), ("--seed", "-1", "from 0 to 4294967295"),
    ("--seed", "x", "expected a whole number")])
def test_bad_numbers_are_refused_at_the_flag(flag, value, message, capsys):     # cases 1 and 17
    with pytest.raises(SystemExit) as stop:
        build.main(list(RECIPES), "test", ["--quick", flag, value])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert flag in error and message in error and "Traceback" not in error


def test_a_failed_write_leaves_the_old_pair_as_it_was(tmp_path):                # case 1
    first, second = tmp_path / "m.json", tmp_path / "m.npz"
    first.write_text("old json")
    second.write_text("old weights")
    with pytest.raises(ValueError, match="metrics.training_seconds is NaN or infinite"):
        with atomic_paths(second, first) as (weights_tmp, json_tmp):
            weights_tmp.write_text("new weights")
            json_tmp.write_text(scratch.files.json_text({"metrics": {"training_seconds": float("inf")}}))
    assert first.read_text() == "old json" and second.read_text() == "old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.npz"], "temporaries left behind"


def test_keras_save_with_an_unwritable_value_keeps_the_old_model(tmp_path):     # case 1, Keras side
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    import tf_models
    model = tf_models.mlp(sizes=[784, 4, 10], activations=["relu", "softmax"], init="he")
    path = tf_models.save(model, tmp_path / "k", {"name": "k"})
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ValueError, match="NaN or infinite"):
        tf_models.save(model, tmp_path / "k", {"name": "k", "training": {"time_budget_seconds": float("inf")}})
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    tf_models.load(path)


# 2. fields of the wrong type -------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    lambda d: d.update(architecture=5), lambda d: d.update(architecture={"sizes": "784-10"}),
    lambda d: d.update(model_file="w.npz"), lambda d: d.update(model_file={"file": 7}),
    lambda d: d.update(seed="x"), lambda d: d.update(format="digit-workbench/keras-model")])
def test_a_needed_field_of_the_wrong_type_is_reported_for_that_model_alone(folder, change):
    edit(folder / "good-a.json", change)
    edit(folder / MANIFEST, lambda d: d["models"].pop(0))   # listed from the file itself
    available_models(folder)                                # does not raise
    loaded, problems = load_all(folder)
    assert [c.name for c in loaded] == ["good-b"]
    assert list(problems) == ["good-a"] and "good-a" in problems["good-a"]


@pytest.mark.parametrize("change,accuracy", [
    (lambda d: d.update(metrics="high"), None), (lambda d: d.update(name=["x"]), 0.5),
    (lambda d: d.update(metrics={"test_accuracy": "99%"}), None), (lambda d: d.update(history=5), 0.5),
    (lambda d: d.update(training="fast"), 0.5), (lambda d: d.update(format_version=[1]), 0.5)])
def test_an_informative_field_of_the_wrong_type_is_ignored(folder, change, accuracy):
    edit(folder / "good-a.json", change)
    edit(folder / MANIFEST, lambda d: d["models"].pop(0))
    infos = {i.name: i for i in available_models(folder)}
    loaded, problems = load_all(folder)
    assert not problems and sorted(c.name for c in loaded) == ["good-a", "good-b"]
    assert infos["good-a"].test_accuracy == accuracy
    assert {c.name: c.test_accuracy for c in loaded}["good-a"] == accuracy


def test_a_manifest_entry_of_the_wrong_shape_is_skipped(folder):
    edit(folder / MANIFEST, lambda d: d["models"].extend([{"name": 3, "framework": "scratch", "file": 4}, "x"]))
    assert sorted(i.name for i in available_models(folder)) == ["good-a", "good-b"]


# 6 and 13. paths that leave the models folder ---------------------------------------------------------

@pytest.mark.parametrize("file", ["/etc/passwd", "../outside.json", "../../etc/passwd"])
def test_manifest_paths_must_stay_inside_the_folder(folder, file):             # case 6
    (folder.parent / "outside.json").write_text((folder / "good-a.json").read_text())
    edit(folder / MANIFEST, lambda d: d["models"].append({"name": "evil", "framework": "scratch", "file": file}))
    loaded, problems = load_all(folder)
    assert sorted(c.name for c in loaded) == ["good-a", "good-b"]
    assert "points outside the folder" in problems["evil"]


def test_a_weights_file_outside_the_folder_is_reported_for_that_model(folder):  # case 13
    edit(folder / "good-a.json", lambda d: d["model_file"].update(file="../../etc/passwd"))
    loaded, problems = load_all(folder)
    assert [c.name for c in loaded] == ["good-b"]
    assert "good-a" in problems and "outside" in problems["good-a"], problems


# 7. two processes at once -------------------------------------------------------------------------------

def _add_entries(folder: str, prefix: str, count: int) -> None:
    for i in range(count):
        update_manifest(folder, {"name": f"{prefix}{i}", "framework": "scratch", "file": f"{prefix}{i}.json"})


def test_two_processes_updating_the_manifest_keep_every_entry(tmp_path):
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_add_entries, args=(str(tmp_path), p, 60)) for p in ("a", "b")]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    names = {e["name"] for e in json.loads((tmp_path / MANIFEST).read_text())["models"]}
    assert len(names) == 120


def test_a_second_build_of_the_same_model_stops_with_a_clear_message(mnist, tmp_path, capsys):
    with file_lock(tmp_path / ".scratch-784-30-10.lock", "scratch-784-30-10"):
        code = build.main(list(RECIPES), "test", ["--quick", "--quiet", "--out", str(tmp_path),
                                                   "--models", "scratch-784-30-10"])
    assert code == 1
    assert "another process is writing scratch-784-30-10" in capsys.readouterr().err
    assert not (tmp_path / "scratch-784-30-10.json").exists()


# 8 and 12. Keras files that are not what they claim ------------------------------------------------------

@pytest.fixture
def keras_file(tmp_path):
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    import tf_models
    model = tf_models.mlp(sizes=[784, 4, 10], activations=["relu", "softmax"], init="he")
    return tf_models, model, tf_models.save(model, tmp_path / "k", {"name": "k"})


def test_keras_nan_weights_are_refused_at_load(keras_file, tmp_path):          # case 8
    tf_models, model, _ = keras_file
    model.layers[-1].kernel.assign(np.full(model.layers[-1].kernel.shape, np.nan, np.float32))
    path = tf_models.save(model, tmp_path / "nan", {"name": "nan"})
    with pytest.raises(ModelUnavailable, match=r"weights .*digit.* contain NaN or infinite values"):
        load_model(path)


@pytest.mark.parametrize("content,message", [(b"", "the file is empty"),
                                             (b"hello, I am text\n", "holds other data")])
def test_a_keras_file_that_is_empty_or_text_says_so(keras_file, content, message):   # case 12
    tf_models, _, path = keras_file
    keras_path = path.with_suffix(".keras")
    keras_path.write_bytes(content)
    edit(path, lambda d: d["model_file"].pop("sha256"))
    with pytest.raises(ModelFileError, match=message):
        tf_models.load(path)
    with pytest.raises(ModelFileError, match=message):
        tf_models.load(keras_path)             # a bare .keras named directly


# 14. a scratch model that is not a digit classifier --------------------------------------------------------

@pytest.mark.parametrize("sizes,message", [([784, 8, 5], "outputs of shape \\(5,\\)"),
                                           ([100, 8, 10], "does not take 28x28 images")])
def test_a_model_with_the_wrong_inputs_or_outputs_is_unavailable_at_load(tmp_path, sizes, message):
    net = scratch.Network(sizes, activations=["relu", "softmax"])
    net.metadata = {"name": "odd"}
    net.save(tmp_path / "odd")
    with pytest.raises(ModelUnavailable, match=message):
        load_model(tmp_path / "odd.json")


# 15 and 16. where models cannot be written -----------------------------------------------------------------

def test_out_naming_a_file_is_refused_before_training(tmp_path, capsys):         # case 15
    target = tmp_path / "a-file"
    target.write_text("x")
    assert build.main(list(RECIPES), "test", ["--quick", "--out", str(target)]) == 2
    error = capsys.readouterr().err
    assert "--out" in error and "is a file, not a folder" in error


@pytest.mark.skipif(AS_ROOT, reason="root may write into read-only folders")
def test_out_naming_a_read_only_folder_is_refused_before_training(tmp_path, capsys):
    target = tmp_path / "read-only"
    target.mkdir()
    target.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert build.main(list(RECIPES), "test", ["--quick", "--out", str(target)]) == 2
    finally:
        target.chmod(stat.S_IRWXU)
    assert "cannot write into" in capsys.readouterr().err


def test_saving_under_a_file_names_the_target_and_the_cause(tmp_path):           # case 16
    (tmp_path / "file").write_text("x")
    net = scratch.Network([784, 4, 10])
    with pytest.raises(OSError, match=r"cannot write .*file/sub/net\.(npz|json): .*file is a file, not a folder"):
        net.save(tmp_path / "file" / "sub" / "net")
    with pytest.raises(OSError, match="is a file, not a folder"):
        write_json(tmp_path / "file" / "x.json", {})


# 18. one image where a batch is expected ---------------------------------------------------------------------

def test_one_image_suggests_adding_the_batch_axis():
    net = scratch.Network([784, 4, 10])
    with pytest.raises(ValueError, match=r"pass x\[None\], shape \(1, 28, 28\)"):
        net.predict_proba(np.zeros((28, 28), np.float32))
    classifier = load_all(SHIPPED, names=["scratch-784-30-10"])[0][0]
    with pytest.raises(ValueError, match=r"image\[None\]"):
        classifier.predict_proba(np.zeros((28, 28), np.float32))


# 20 and 21. the models folder itself, and accuracies that are not numbers ----------------------------------------

def test_a_models_folder_that_does_not_exist_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="the models folder .*nowhere does not exist"):
        available_models(tmp_path / "nowhere")
    with pytest.raises(ModelUnavailable, match="does not exist"):
        load_model("scratch-784-30-10", tmp_path / "nowhere")


@pytest.mark.parametrize("value", [float("nan"), "NaN", 1e300, -1, True])
def test_an_accuracy_that_is_not_a_fraction_is_shown_as_unknown(folder, value):
    edit(folder / "good-a.json", lambda d: d["metrics"].update(test_accuracy=value))
    edit(folder / MANIFEST, lambda d: d["models"].pop(0))          # read it from the model file itself
    info = {i.name: i for i in available_models(folder)}["good-a"]
    assert info.test_accuracy is None and "nan" not in info.label
    classifier = load_model(folder / "good-a.json")
    assert classifier.test_accuracy is None


# 5. a model file that declares enormous layers is refused before anything is allocated -----------------------

@pytest.mark.parametrize("hidden", [300_000, 30_000_000])
def test_a_scratch_json_declaring_huge_layers_is_refused_at_once(folder, hidden):
    import time
    edit(folder / "good-a.json", lambda d: d["architecture"].update(sizes=[784, hidden, 10]))
    started = time.perf_counter()
    loaded, problems = load_all(folder)
    assert time.perf_counter() - started < 1.0
    assert [c.name for c in loaded] == ["good-b"] and "good-a" in problems


def test_a_keras_archive_declaring_huge_layers_is_refused_before_keras_builds_it(keras_file):
    import io
    import time
    import zipfile
    tf_models, _, path = keras_file
    keras_path = path.with_suffix(".keras")
    with zipfile.ZipFile(keras_path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = members["config.json"].replace(b'"units": 4', b'"units": 5000000')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    keras_path.write_bytes(buffer.getvalue())
    edit(path, lambda d: d["model_file"].pop("sha256"))
    started = time.perf_counter()
    with pytest.raises(ModelFileError, match="declares 5,000,010 units, more than its .*weights file can hold"):
        tf_models.load(path)
    assert time.perf_counter() - started < 1.0


def test_a_scratch_save_that_cannot_write_its_json_keeps_the_old_pair(tmp_path):     # case 1, scratch side
    net = scratch.Network([784, 4, 10], seed=0)
    net.metadata = {"name": "m"}
    net.save(tmp_path / "m")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    changed = scratch.Network([784, 4, 10], seed=1)
    changed.metadata = {"name": "m", "training": {"time_budget_seconds": float("inf")}}
    with pytest.raises(ValueError, match="training.time_budget_seconds is NaN or infinite"):
        changed.save(tmp_path / "m")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    np.testing.assert_array_equal(scratch.load(tmp_path / "m.json").weights[0], net.weights[0])


def test_ctrl_c_while_the_builders_load_mnist_is_a_short_message(monkeypatch, tmp_path, capsys):   # case 19
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(build, "load_data", interrupted)
    assert build.main(list(RECIPES), "test", ["--quick", "--out", str(tmp_path)]) == 130
    error = capsys.readouterr().err
    assert "interrupted while loading MNIST" in error and "Traceback" not in error


@pytest.mark.parametrize("change", [lambda d: d["architecture"].update(parameter_count="many"),
                                    lambda d: d["metrics"].update(training_seconds="abc", test_errors=[1]),
                                    lambda d: d.update(history={"epoch": "x", "train_cost": [1, "a"]})])
def test_hand_edited_numbers_are_unknown_not_a_crash_in_the_report(folder, change, mnist_dir, capsys):
    """Found in review: a text parameter_count crashed the comparison report's table."""
    from workbench.reports import compare
    edit(folder / "good-a.json", change)
    assert compare.main(["--quick", "--quiet", "--no-real-drawings", "--folder", str(folder), "--out",
                         str(folder / "report"), "--data-dir", str(mnist_dir), "--readme", str(folder / "R.md")]) == 0
    assert "good-a" in (folder / "report" / "README.md").read_text()
    classifier = load_model(folder / "good-a.json")
    architecture, metrics = classifier.metadata["architecture"], classifier.metadata["metrics"]
    assert architecture.get("parameter_count") is None or isinstance(architecture["parameter_count"], int)
    assert all(metrics.get(k) is None or isinstance(metrics[k], (int, float))
               for k in ("training_seconds", "test_errors"))
    history = classifier.metadata.get("history")
    assert history is None or all(isinstance(v, list) for k, v in history.items()
                                  if k not in ("best_epoch", "stop_reason"))

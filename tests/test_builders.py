"""Builders: a quick build of all six models loads through the registry; the shipped models
meet their accuracy targets and agree with the manifest; Ctrl-C leaves a checkpoint, not a half model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from builders import build
from workbench.reports import readme_table
from builders.recipes import RECIPES, WRITING_STYLES
from scratch.checks import NO_CLASS
from workbench.models.confidence import load_rule, weights_sha256
from workbench.data.mnist import pixels_to_float
from workbench.reports.evaluate import predict_in_batches, score
from workbench.models.registry import CALIBRATION, available_models, load_all, load_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "saved_networks"
TARGETS = {"scratch-784-30-10": 0.954, "scratch-784-800-800-10": 0.990, "keras-784-30-10": 0.954,
           "keras-784-800-800-10": 0.990, "keras-cnn": 0.994, "scratch-cnn": 0.994}


def test_quick_build_of_every_model_loads_through_the_registry(mnist, tmp_path, capsys):
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    out = tmp_path / "models"
    assert build.main(list(RECIPES), "test", ["--quick", "--quiet", "--out", str(out), "--seed", "3"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert [e["name"] for e in manifest["models"]] == list(RECIPES)
    classifiers, problems = load_all(out)
    assert problems == {} and sorted(c.name for c in classifiers) == sorted(RECIPES)
    x = pixels_to_float(mnist.test_images[:build.QUICK_VALIDATION])
    for classifier, entry in zip(sorted(classifiers, key=lambda c: list(RECIPES).index(c.name)), manifest["models"]):
        assert classifier.framework == RECIPES[classifier.name].framework
        accuracy = score(classifier.predict_proba(x), mnist.test_labels[:len(x)]).accuracy
        assert accuracy == pytest.approx(entry["test_accuracy"]) and accuracy > 0.3   # one epoch on 2000 images
        meta = classifier.metadata
        styles = meta["data"]["styles"]
        assert styles["counts"] == {name: max(1, n // build.QUICK_STYLES_DIVISOR)
                                    for name, n in RECIPES[classifier.name].styles.items()}
        outliers = meta["data"]["outliers"] or {"images": 0}
        count = RECIPES[classifier.name].outliers
        assert outliers["images"] == (count and max(1, count // build.QUICK_STYLES_DIVISOR))
        assert outliers.get("seed", 3 + build.OUTLIERS_SEED_OFFSET) == 3 + build.OUTLIERS_SEED_OFFSET
        assert meta["seed"] == 3 and meta["data"]["train"] == build.QUICK_TRAIN + styles["images"] + outliers["images"]
        assert styles["images"] == sum(styles["counts"].values()) and styles["seed"] == 3 + build.STYLES_SEED_OFFSET
        assert meta["training"]["training_samples"] == meta["data"]["train"]
        assert meta["metrics"]["epochs_run"] == 1 and len(meta["history"]["validation_accuracy"]) == 1
        assert meta["recipe"]["name"] == classifier.name and meta["versions"]
        assert (out / f"{classifier.name}-curves.png").stat().st_size > 1000
    assert "| keras-cnn |" in capsys.readouterr().out
    # the window's rule is refitted for exactly the models just built
    rule, why = load_rule(out / CALIBRATION)
    assert why == "" and all(rule.covers(c.name, weights_sha256(c)) for c in classifiers)
    assert set(rule.temperatures) == set(RECIPES)


def test_twins_have_the_same_styles_and_outliers_and_every_model_some_styles():
    for recipe in RECIPES.values():
        assert recipe.styles, f"{recipe.name} trains without writing styles"
        if recipe.name.startswith("scratch-"):
            twin = RECIPES["keras-" + recipe.name[len("scratch-"):]]
            assert (twin.styles, twin.outliers) == (recipe.styles, recipe.outliers)


def test_the_no_digit_pool_is_appended_with_its_label(mnist):
    data = build.load_data(None, quick=True, seed=5, progress=False)
    mixed = build.with_outliers(data, 500, 5, quick=False, progress=False)
    assert np.array_equal(mixed.x_train[:len(data.x_train)], data.x_train)
    assert (mixed.y_train[len(data.y_train):] == NO_CLASS).all() and len(mixed.y_train) == len(data.y_train) + 500
    assert mixed.outliers == {"name": "workbench.data.outliers.outlier_pool", "images": 500,
                              "seed": 5 + build.OUTLIERS_SEED_OFFSET}
    again = build.with_outliers(data, 500, 5, quick=False, progress=False)
    assert np.array_equal(again.x_train, mixed.x_train), "the same seed draws the same pool"
    assert build.with_outliers(data, 0, 5, quick=False, progress=False) is data
    with pytest.raises(ValueError, match="already holds one"):
        build.with_outliers(mixed, 500, 5, quick=False, progress=False)


def test_every_model_trains_on_the_same_styled_digits(mnist):
    """The scratch models and their Keras twins get one pool, made from training images only."""
    data = build.load_data(None, quick=True, seed=5, progress=False)
    again = build.load_data(None, quick=True, seed=5, progress=False)
    assert np.array_equal(data.x_train, again.x_train) and np.array_equal(data.y_train, again.y_train)
    plain = pixels_to_float(mnist.train_images[:build.QUICK_TRAIN])
    assert np.array_equal(data.x_train[:build.QUICK_TRAIN], plain)
    extra = len(data.x_train) - build.QUICK_TRAIN
    assert extra == data.styles["images"] == sum(max(1, n // build.QUICK_STYLES_DIVISOR)
                                                 for n in WRITING_STYLES.values())
    assert np.bincount(data.y_train[build.QUICK_TRAIN:], minlength=10)[1] >= \
        (WRITING_STYLES["one_flag"] + WRITING_STYLES["one_foot"]) // build.QUICK_STYLES_DIVISOR
    bare = build.load_data(None, quick=True, seed=5, styles=None, progress=False)
    assert len(bare.x_train) == build.QUICK_TRAIN and bare.styles is None
    again = build.with_styles(bare, WRITING_STYLES, 5, quick=True, progress=False)
    assert np.array_equal(again.x_train, data.x_train) and again.styles == data.styles
    with pytest.raises(ValueError, match="plain data"):
        build.with_styles(again, WRITING_STYLES, 5, quick=True, progress=False)


def test_same_seed_same_model(mnist, tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert build.main(list(RECIPES), "test", ["--quick", "--quiet", "--out", str(out),
                                                  "--models", "scratch-784-30-10"]) == 0
    a, b = (np.load(out / "scratch-784-30-10.npz") for out in outs)
    assert all(np.array_equal(a[k], b[k]) for k in a.files)


def test_ctrl_c_saves_a_checkpoint_and_leaves_no_model(mnist, tmp_path, monkeypatch, capsys):
    calls = []

    def interrupted(self, batch, rng):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return batch

    monkeypatch.setattr(build.Augmenter, "__call__", interrupted)
    out = tmp_path / "models"
    code = build.main(list(RECIPES), "test", ["--quick", "--quiet", "--out", str(out), "--models",
                                              "scratch-784-800-800-10"])
    assert code == 130
    assert "checkpoint" in capsys.readouterr().err
    assert not (out / "scratch-784-800-800-10.json").exists() and not (out / "manifest.json").exists()
    checkpoint = load_model(out / "checkpoints" / "scratch-784-800-800-10.json")
    assert checkpoint.metadata["checkpoint"] is True


def test_bad_flags_are_clear(capsys):
    for argv in (["--epochs", "0"], ["--models", "nope"], ["--time-budget", "soon"]):
        with pytest.raises(SystemExit) as stop:
            build.main(list(RECIPES), "test", argv)
        assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "must be at least 1" in err and "invalid choice: 'nope'" in err and "number of minutes" in err


def test_missing_data_is_one_clear_error(tmp_path, capsys):
    assert build.main(list(RECIPES), "test", ["--quick", "--data-dir", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


# --- the shipped models -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", list(TARGETS))
def test_shipped_model_meets_its_target_and_its_manifest(name, mnist):
    entries = {e["name"]: e for e in json.loads((SHIPPED / "manifest.json").read_text())["models"]}
    assert name in entries, f"{name} is not in saved_networks/manifest.json: run python -m builders"
    if RECIPES[name].framework == "tensorflow":
        pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    classifier = load_model(SHIPPED / entries[name]["file"])
    scores = score(predict_in_batches(classifier.predict_proba, pixels_to_float(mnist.test_images)),
                   mnist.test_labels)
    assert scores.errors == entries[name]["test_errors"]
    assert scores.accuracy == pytest.approx(entries[name]["test_accuracy"])
    assert scores.accuracy >= TARGETS[name], f"{name}: {scores.accuracy:.2%} < target {TARGETS[name]:.1%}"
    data = classifier.metadata["data"]
    assert entries[name]["test_images"] == 10000 and data["styles"]["counts"] == RECIPES[name].styles
    outliers = data.get("outliers") or {"images": 0}
    assert outliers["images"] == RECIPES[name].outliers
    assert data["train"] == 50000 + data["styles"]["images"] + outliers["images"], \
        "the MNIST split plus the writing-style pool and the no-digit pool"


def test_the_shipped_sure_rule_was_fitted_for_the_shipped_model_files():
    """Otherwise the window would show every model as "not calibrated"."""
    rule, why = load_rule(SHIPPED / CALIBRATION)
    assert rule is not None, why
    assert set(rule.temperatures) == set(RECIPES)
    for info in available_models(SHIPPED):
        sha = json.loads(info.path.read_text())["model_file"]["sha256"]
        assert rule.covers(info.name, sha), f"{CALIBRATION} is stale for {info.name}: run python -m builders " \
                                             f"or python -m workbench.reports.calibration"


def test_shipped_folder_is_complete_and_small():
    names = {m.name for m in available_models(SHIPPED)}
    assert names == set(RECIPES)
    total = sum(p.stat().st_size for p in SHIPPED.rglob("*") if p.is_file())
    assert total < 25 * 2**20, f"saved_networks/ is {total / 2**20:.1f} MB"
    assert not (SHIPPED / "checkpoints").exists()


def test_readme_results_table_is_generated_from_the_manifest():
    readme = (ROOT / "README.md").read_text()
    table = readme_table.render(SHIPPED / "manifest.json")
    assert readme_table.replace_between_markers(readme, table) == readme, \
        "README's results table is stale: run python -m builders.readme_table"
    assert readme_table.main(["--check"]) == 0

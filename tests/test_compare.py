"""The comparison report (python -m builders.compare) on two small real models and one corrupt file.

Every number the report writes is checked against an independent evaluation of the saved
models through workbench.reports.evaluate.score on the same images, so a report that mixes up
models, images or labels fails here.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

import scratch
from workbench.reports import compare
from workbench.data.mnist import pixels_to_float
from workbench.data.drawn_style import to_drawings
from workbench.reports.evaluate import score
from workbench.drawing.preprocess import to_mnist
from workbench.models.registry import update_manifest

MODELS = {"tiny-a": 1, "tiny-b": 2}        # name: seed; different seeds make different mistakes
TRAIN = 500


def make_models(folder, mnist) -> None:
    """Two [784, 16, 10] networks, one epoch on 500 training images, and a corrupt model file."""
    x = pixels_to_float(mnist.train_images[:TRAIN])
    y = mnist.train_labels[:TRAIN].astype(np.int64)
    validation = (pixels_to_float(mnist.train_images[-200:]), mnist.train_labels[-200:].astype(np.int64))
    for name, seed in MODELS.items():
        net = scratch.Network([784, 16, 10], seed=seed)
        net.fit(x, y, epochs=1, batch_size=10, optimizer=scratch.SGD(0.5), validation=validation, verbose=False)
        net.metadata = {"name": name, "metrics": {"test_accuracy": 0.5, "training_seconds": 1.5}}
        net.save(folder / name)
        update_manifest(folder, {"name": name, "framework": "scratch", "file": f"{name}.json"})
    # A model file cut off in the middle of a save, found by the registry's scan of the folder.
    text = (folder / "tiny-a.json").read_text()
    (folder / "broken.json").write_text(text[: len(text) // 2])


@pytest.fixture(scope="module")
def report(mnist, mnist_dir, tmp_path_factory):
    """Run the report once with --quick; returns (out folder, results.json, report text, README, exit status)."""
    folder = tmp_path_factory.mktemp("models")
    make_models(folder, mnist)
    out = folder / "report"
    readme = folder / "PROJECT.md"
    readme.write_text(f"# project\n\n{compare.README_BEGIN}\nold table\n{compare.README_END}\n\nafter\n")
    status = compare.main(["--quick", "--quiet", "--folder", str(folder), "--out", str(out),
                           "--data-dir", str(mnist_dir), "--readme", str(readme)])
    results = json.loads((out / "results.json").read_text()) if (out / "results.json").exists() else None
    text = (out / "README.md").read_text() if (out / "README.md").exists() else ""
    return folder, out, results, text, readme.read_text(), status


@pytest.fixture(scope="module")
def expected(report, mnist):
    """Independent answers: each saved model evaluated directly on the --quick images and drawings."""
    folder = report[0]
    images = pixels_to_float(mnist.test_images[:compare.QUICK_TEST])
    labels = mnist.test_labels[:compare.QUICK_TEST]
    drawings = to_drawings(mnist.test_images[:compare.QUICK_DRAWN], seed=compare.DRAWN_SEED)
    drawn = np.stack([to_mnist(d) for d in drawings])
    scores = {}
    for name in MODELS:
        net = scratch.load(folder / f"{name}.json")
        scores[name] = (score(net.predict_proba(images), labels),
                        score(net.predict_proba(drawn), labels[:compare.QUICK_DRAWN]))
    return labels, scores


def test_report_runs_and_lists_the_corrupt_model(report):
    _, out, results, text, _, status = report
    assert status == 0
    assert results is not None, "results.json was not written"
    assert [m["name"] for m in results["models"]] == list(MODELS)
    assert list(results["problems"]) == ["broken"]
    assert "not valid JSON" in results["problems"]["broken"]
    assert "## Models that could not be loaded" in text and "**broken**" in text
    for figure in ("confusion.png", "per_digit.png", "disagreement.png", "hardest.png", "drawn_robustness.png",
                   "imagine.png", "training_curves.png"):
        assert (out / figure).stat().st_size > 1000, figure
        assert f"]({figure})" in text, f"{figure} is not linked from the report"


def test_accuracy_errors_and_confusion_match_direct_evaluation(report, expected):
    _, _, results, text, _, _ = report
    _, scores = expected
    assert results["test_images"] == compare.QUICK_TEST
    for model in results["models"]:
        test, _ = scores[model["name"]]
        assert model["test_accuracy"] == pytest.approx(test.accuracy)
        assert model["test_errors"] == test.errors
        assert np.array_equal(model["confusion"], test.confusion)
        assert np.allclose(model["per_digit_accuracy"], test.per_digit_accuracy)
        assert model["parameters"] == 784 * 16 + 16 + 16 * 10 + 10
        assert model["training_seconds"] == 1.5
        assert model["latency_ms"] > 0 and model["throughput_images_per_second"] > 0
        assert model["file_megabytes"] > 0.05   # the .npz alone holds 12,730 float32 numbers
        # The Markdown table shows the same figures in the model's row.
        row = next(line for line in text.splitlines() if line.startswith(f"| {model['name']} | scratch |"))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[4] == f"{test.accuracy:.2%}" and cells[5] == str(test.errors)


def test_disagreement_and_hardest_digits_match_the_predictions(report, expected):
    _, _, results, text, _, _ = report
    labels, scores = expected
    a, b = (scores[name][0].predictions for name in MODELS)
    differ = int(np.count_nonzero(a != b))
    assert differ > 0, "the two test models agree everywhere; the check below would prove little"
    matrix = np.array(results["disagreement"]["fraction"])
    assert np.allclose(matrix, [[0, differ / len(labels)], [differ / len(labels), 0]])
    assert results["disagreement"]["images"][0][1] == differ
    assert f"{differ / len(labels):.2%} ({differ})" in text

    # The gallery: images both models get wrong first (in test-set order), then those one gets wrong.
    both_wrong = np.flatnonzero((a != labels) & (b != labels))
    one_wrong = np.flatnonzero((a != labels) ^ (b != labels))
    assert len(both_wrong) > 0, "no image fools both test models; the order check below would prove little"
    hardest = results["hardest"]
    assert [h["index"] for h in hardest] == np.concatenate([both_wrong, one_wrong])[:compare.HARDEST_COUNT].tolist()
    for h in hardest:
        assert h["label"] == labels[h["index"]]
        assert h["answers"] == {name: int(scores[name][0].predictions[h["index"]]) for name in MODELS}


def test_drawn_accuracy_matches_direct_evaluation(report, expected):
    _, _, results, text, _, _ = report
    labels, scores = expected
    assert results["drawn"] == {"seed": compare.DRAWN_SEED, "count": compare.QUICK_DRAWN}
    assert f"seed {compare.DRAWN_SEED}" in text
    for model in results["models"]:
        test, drawn = scores[model["name"]]
        assert model["drawn_accuracy"] == pytest.approx(drawn.accuracy)
        assert model["drawn_errors"] == drawn.errors
        plain = np.mean(test.predictions[:compare.QUICK_DRAWN] == labels[:compare.QUICK_DRAWN])
        assert model["plain_accuracy_on_drawn_digits"] == pytest.approx(plain)


def test_readme_table_replaced_between_markers(report):
    _, _, results, _, readme, _ = report
    assert "old table" not in readme
    assert readme.startswith("# project\n\n" + compare.README_BEGIN)
    assert readme.endswith(compare.README_END + "\n\nafter\n")
    assert "](report/drawn_robustness.png)" in readme and "](report/confusion.png)" in readme
    for model in results["models"]:
        assert f"| {model['name']} | scratch |" in readme


def test_readme_without_markers_is_left_alone(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# no markers here\n")
    assert compare.update_readme(readme, "| table |") is False
    assert readme.read_text() == "# no markers here\n"
    assert "no compare markers" in capsys.readouterr().out


def test_missing_data_dir_is_a_clear_error(tmp_path, capsys):
    status = compare.main(["--quick", "--folder", str(tmp_path), "--data-dir", str(tmp_path / "nowhere")])
    assert status == 2
    error = capsys.readouterr().err
    assert "MNIST could not be loaded" in error and "nowhere" in error


def test_no_loadable_model_is_a_clear_error(mnist_dir, tmp_path, capsys):
    (tmp_path / "broken.json").write_text("{")
    status = compare.main(["--quick", "--folder", str(tmp_path), "--out", str(tmp_path / "r"),
                           "--data-dir", str(mnist_dir)])
    assert status == 2
    error = capsys.readouterr().err
    assert "no model could be loaded" in error and "broken" in error
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("argv, message", [(["--bogus"], "unrecognized arguments: --bogus"),
                                           (["--drawings", "0"], "must be at least 1")])
def test_bad_flags_are_clear_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        compare.main(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("flag,value,message", [("--folder", "nowhere", "does not exist"),
                                                ("--folder", "a-file", "is a file, not a folder"),
                                                ("--out", "a-file", "is a file, not a folder")])
def test_bad_folders_are_refused_before_any_work(tmp_path, capsys, flag, value, message):
    (tmp_path / "a-file").write_text("x")
    args = ["--quick", "--folder", str(tmp_path), "--out", str(tmp_path / "r"), flag, str(tmp_path / value)]
    assert compare.main(args) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error

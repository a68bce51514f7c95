"""The adapters: one interface for both frameworks, one metadata schema, twins that agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from builders.build import Data, build_one
from builders.recipes import RECIPES
from workbench.models.adapter import Classifier
from workbench.models.frameworks import ADAPTERS, adapter_for
from workbench.models.metadata import TRAINING_KEYS
from workbench.models.registry import load_all, load_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "saved_networks"


def tiny_data(n=96, seed=0) -> Data:
    rng = np.random.default_rng(seed)
    x = rng.random((n, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, n)
    return Data(x, y, x[:32], y[:32], x[:32], y[:32])


def test_every_shipped_model_reads_in_the_one_schema():
    classifiers, problems = load_all(SHIPPED)
    assert not problems
    manifest = {e["name"]: e for e in json.loads((SHIPPED / "manifest.json").read_text())["models"]}
    for c in classifiers:
        training = c.metadata["training"]
        assert set(TRAINING_KEYS) <= set(training), c.name
        assert training["epochs_run"] == manifest[c.name]["epochs_run"] == len(c.metadata["history"]["epoch"])
        assert training["best_epoch"] == manifest[c.name]["best_epoch"]
        assert training["optimizer"]["name"] in ("sgd", "momentum", "adam"), c.name
        assert isinstance(training["batch_size"], int)


def test_epochs_run_is_what_ran_not_the_recipes_count():
    for c in load_all(SHIPPED)[0]:
        training = c.metadata["training"]
        assert training["epochs_requested"] == RECIPES[c.name].training["epochs"], c.name
        assert training["epochs_run"] == len(c.metadata["history"]["epoch"]) <= training["epochs_requested"]
        assert (training["stop_reason"] == "completed") == (training["epochs_run"] == training["epochs_requested"])


@pytest.mark.parametrize("stem", ["784-30-10", "784-800-800-10"])
def test_twins_built_from_one_recipe_write_the_same_schema(stem, tmp_path):
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    data = tiny_data()
    documents = {}
    for framework in ("scratch", "keras"):
        recipe = RECIPES[f"{framework}-{stem}"]
        build_one(recipe, data, tmp_path, epochs=1, seed=0, time_budget_minutes=None, verbose=False)
        documents[framework] = json.loads((tmp_path / f"{recipe.name}.json").read_text())
    scratch_doc, keras_doc = documents["scratch"], documents["keras"]
    assert scratch_doc["training"].keys() == keras_doc["training"].keys() == set(TRAINING_KEYS)
    for key in ("epochs_requested", "epochs_run", "best_epoch", "optimizer", "batch_size", "augment",
                "training_samples"):
        assert scratch_doc["training"][key] == keras_doc["training"][key], key
    assert scratch_doc["recipe"]["architecture"] == keras_doc["recipe"]["architecture"]
    assert scratch_doc["architecture"]["parameter_count"] == keras_doc["architecture"]["parameter_count"]


def test_adapters_are_registered_once_each():
    assert len({a.framework for a in ADAPTERS}) == len(ADAPTERS)
    with pytest.raises(ValueError, match="unknown framework 'theano'"):
        adapter_for("theano")


def twins():
    """A scratch 784-40-10 ReLU/softmax MLP and its Keras twin holding the same weights, as Classifiers."""
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    import scratch
    import tf_models
    from workbench.models import twins as copying
    settings = dict(activations=["relu", "softmax"], cost="cross_entropy", init="he")
    net = scratch.Network([784, 40, 10], **settings, seed=4)
    model = tf_models.mlp(sizes=[784, 40, 10], **settings)
    copying.scratch_to_keras(net, model)
    return (Classifier(adapter_for("scratch"), net, {"name": "s"}, ROOT),
            Classifier(adapter_for("tensorflow"), tf_models.CompiledModel(model), {"name": "k"}, ROOT))


def test_twins_give_the_same_input_gradient_and_saliency():
    ours, theirs = twins()
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), atol=1e-5)
    g1, c1 = ours.input_gradient(x, np.array([1, 2, 3]))
    g2, c2 = theirs.input_gradient(x, np.array([1, 2, 3]))
    assert c1 == pytest.approx(c2, rel=1e-4)
    assert np.linalg.norm(g1 - g2) / np.linalg.norm(g2) < 1e-4
    for digit in (None, 7):
        s1, s2 = ours.saliency(x[0], digit), theirs.saliency(x[0], digit)
        assert s1.shape == (28, 28) and s1.dtype == np.float32 and np.isfinite(s1).all()
        assert np.linalg.norm(s1 - s2) / np.linalg.norm(s2) < 1e-4


def test_saliency_is_zero_on_blank_paper_and_checks_its_digit():
    ours, _ = twins()
    image = np.zeros((28, 28), np.float32)
    image[8:20, 13:15] = 1.0
    saliency = ours.saliency(image)
    assert np.all(saliency[image == 0] == 0) and np.abs(saliency).sum() > 0
    with pytest.raises(ValueError, match="digit must be a whole number from 0 to 9"):
        ours.saliency(image, 10)


def test_hidden_activations_have_the_layer_sizes():
    ours, theirs = twins()
    x = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    for c in (ours, theirs):
        layers = c.hidden_activations(x)
        assert [a.shape for _, a in layers] == [(2, 40)]
    np.testing.assert_allclose(ours.hidden_activations(x)[0][1], theirs.hidden_activations(x)[0][1], atol=1e-5)
    assert ours.first_layer_weights().shape == theirs.first_layer_weights().shape == (784, 40)


def test_cnn_twins_show_the_same_hidden_layers():
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed")
    import tf_models
    from scratch.sequential import cnn
    from workbench.models.cnn_twins import scratch_cnn_to_keras
    net, model = cnn(seed=2), tf_models.cnn(seed=2)
    scratch_cnn_to_keras(net, model)
    ours = Classifier(adapter_for("scratch"), net, {"name": "s"}, ROOT)
    theirs = Classifier(adapter_for("tensorflow"), tf_models.CompiledModel(model), {"name": "k"}, ROOT)
    x = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    a, b = ours.hidden_activations(x), theirs.hidden_activations(x)
    assert [n for n, _ in a] == [n for n, _ in b] == ["relu_1", "relu_2", "relu_dense"]
    for (_, u), (_, v) in zip(a, b):
        np.testing.assert_allclose(u, v, atol=1e-4)

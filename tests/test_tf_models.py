"""The Keras side: the three models build, train, save and load; and scratch and Keras are the same thing."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

keras = pytest.importorskip("keras", reason="TensorFlow/Keras is not installed")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is not installed")

import scratch  # noqa: E402
import tf_models  # noqa: E402
from workbench.models import twins as parity  # noqa: E402
from workbench.models.adapter import Classifier  # noqa: E402
from workbench.models.frameworks import adapter_for  # noqa: E402
from workbench.data.mnist import pixels_to_float  # noqa: E402
from scratch.files import ModelFileError  # noqa: E402
from scratch.checks import NO_CLASS  # noqa: E402
from scratch.history import TrainingDiverged  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def mlp_small(*, hidden=30, learning_rate=3.0, seed=0):
    """784-30-10 sigmoid, quadratic cost, SGD (the keras-784-30-10 recipe's model), compiled."""
    model = tf_models.mlp(sizes=[784, hidden, 10], activations="sigmoid", cost="quadratic", init="normal_scaled",
                          seed=seed)
    return tf_models.compile_model(model, keras.optimizers.SGD(learning_rate), "quadratic")


def mlp_large(*, hidden=(800, 800), dropout_input=0.2, dropout_hidden=0.5, max_norm=4.0, learning_rate=0.05,
              seed=0):
    """784-800-800-10 ReLU/softmax with dropout and max-norm, momentum SGD, compiled."""
    model = tf_models.mlp(sizes=[784, *hidden, 10], activations=["relu"] * len(hidden) + ["softmax"],
                          cost="cross_entropy", init="he", dropout_input=dropout_input,
                          dropout_hidden=dropout_hidden, max_norm=max_norm, seed=seed)
    return tf_models.compile_model(model, keras.optimizers.SGD(learning_rate, momentum=0.9), "cross_entropy")


def cnn(seed=0):
    return tf_models.compile_model(tf_models.cnn(seed=seed), keras.optimizers.Adam(0.001), "cross_entropy")


BUILDERS = {"mlp_small": mlp_small, "mlp_large": mlp_large, "cnn": cnn}


def tiny_images(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28)).astype(np.float32), rng.integers(0, 10, n)


@pytest.mark.parametrize("name", ["mlp_small", "mlp_large", "cnn"])
def test_model_builds_trains_saves_and_loads(name, tmp_path):
    x, y = tiny_images()
    model = BUILDERS[name]()
    history = tf_models.fit(model, x, y, epochs=2, batch_size=16, validation=(x[:16], y[:16]), verbose=False)
    assert history.epoch == [1, 2] and len(history.validation_accuracy) == 2
    assert all(s > 0 for s in history.seconds)
    path = tf_models.save(model, tmp_path / name, {"name": name, "history": history.to_dict()})
    loaded, metadata = tf_models.load(path)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert metadata["framework"] == "tensorflow" and metadata["name"] == name
    assert metadata["architecture"]["parameter_count"] == tf_models.parameter_count(model)
    assert metadata["history"]["train_cost"] == history.train_cost
    assert metadata["versions"]["tensorflow"] == tf.__version__
    assert not list(tmp_path.glob("*.tmp*")), "temporary files left behind"


def test_losses_are_paired_with_their_outputs():
    small, large, conv = mlp_small(), mlp_large(), cnn()
    assert small.loss is tf_models.models.half_sum_squared_error
    with pytest.raises(ValueError, match="unknown cost"):
        tf_models.loss_for("hinge")
    for model in (large, conv):
        assert keras.activations.serialize(model.layers[-1].activation) == "softmax"
        assert model.loss is tf_models.models.cross_entropy     # probabilities in, as the output gives


def test_a_no_digit_label_asks_for_a_uniform_output_in_both_frameworks():
    """Outlier exposure: label NO_CLASS (-1) means "no digit": the desired output is 1/10 everywhere,
    in Keras's losses exactly as in scratch's costs, and a digit label keeps Keras's own cross-entropy."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 10)).astype(np.float32)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    sigmoid = 1 / (1 + np.exp(-logits))
    y = np.array([0, NO_CLASS, 9, NO_CLASS, 4, 2])
    target = np.full((6, 10), 0.1)             # the NO_CLASS rows; the digit rows are one-hot:
    target[[0, 2, 4, 5]] = 0
    target[[0, 2, 4, 5], [0, 9, 4, 2]] = 1
    np.testing.assert_allclose(scratch.checks.one_hot(y, 6, 10, np.float64), target)
    np.testing.assert_allclose(tf_models.models.cross_entropy(y, softmax), -(target * np.log(softmax)).sum(axis=1),
                               rtol=1e-5)
    np.testing.assert_allclose(tf_models.models.half_sum_squared_error(y, sigmoid),
                               0.5 * ((sigmoid - target) ** 2).sum(axis=1), rtol=1e-5)
    digits = y >= 0
    np.testing.assert_allclose(tf_models.models.cross_entropy(y[digits], softmax[digits]),
                               keras.losses.sparse_categorical_crossentropy(y[digits], softmax[digits]), rtol=1e-5)


@pytest.mark.parametrize("bad_y,bad_validation_y,match", [
    (-2, None, r"y labels must be in 0\.\.9 \(or -1 for none of them\), got values from -2"),
    (12, None, r"y labels must be in 0\.\.9 .*to 12"),
    (None, NO_CLASS, r"validation y holds the label -1 \(none of the classes\)")])
def test_fit_refuses_labels_its_losses_would_misread(bad_y, bad_validation_y, match):
    """Keras's losses would read -2 as a 0 and 12 as no target at all, silently; scratch refuses them too."""
    x, y = tiny_images(32)
    y_val = y.copy()
    if bad_y is not None:
        y[3] = bad_y
    if bad_validation_y is not None:
        y_val[3] = bad_validation_y
    with pytest.raises(ValueError, match=match):
        tf_models.fit(mlp_small(), x, y, epochs=1, batch_size=8, validation=(x, y_val), verbose=False)
    net = scratch.Network([784, 5, 10])
    with pytest.raises(ValueError, match=match):
        net.fit(x, y, epochs=1, batch_size=8, validation=(x, y_val), verbose=False)


def test_half_sum_squared_error_is_nielsens_cost():
    y_pred = np.array([[0.2, 0.7, 0.1], [0.5, 0.5, 0.0]], np.float32)
    got = tf_models.models.half_sum_squared_error(np.array([1, 0]), y_pred)
    expected = [0.5 * (0.2**2 + 0.3**2 + 0.1**2), 0.5 * (0.5**2 + 0.5**2)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_learning_rate_decays_per_epoch_and_time_budget_stops():
    x, y = tiny_images(32)
    model = mlp_large(hidden=(16,), learning_rate=0.1)
    history = tf_models.fit(model, x, y, epochs=3, batch_size=16, decay_rate=0.5, verbose=False)
    assert history.learning_rate == pytest.approx([0.1, 0.05, 0.025])
    history = tf_models.fit(mlp_small(), x, y, epochs=5, batch_size=16, time_budget=0.0, verbose=False)
    assert history.stop_reason == "time_budget" and history.epoch == [1]


def test_divergence_is_reported_and_good_weights_kept():
    x, y = tiny_images(32)
    model = mlp_large(hidden=(16,), learning_rate=1e30, max_norm=None)   # ReLU overflows to inf
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        tf_models.fit(model, x * 0 + 1, y, epochs=2, batch_size=8, verbose=False)
    for w, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(w, b)


def test_augmentation_hook_is_applied_to_every_batch():
    x, y = tiny_images(40)
    seen = []

    def spy(batch, rng):
        seen.append(batch.shape)
        return batch

    tf_models.fit(mlp_small(), x, y, epochs=1, batch_size=16, augment=spy, verbose=False)
    # Keras fetches the first batch once more to inspect its structure, hence "at least".
    assert seen.count((16, 28, 28)) >= 2 and seen.count((8, 28, 28)) == 1


# --- clear errors when loading ----------------------------------------------------------------------

@pytest.fixture
def saved_small(tmp_path):
    model = mlp_small()
    return tf_models.save(model, tmp_path / "small")


def test_loading_a_missing_model(tmp_path):
    with pytest.raises(ModelFileError, match=r"nothing\.json does not exist"):
        tf_models.load(tmp_path / "nothing.json")


def test_loading_a_missing_keras_file(saved_small):
    saved_small.with_suffix(".keras").unlink()
    with pytest.raises(ModelFileError, match=r"small\.keras: the model file of small\.json is missing"):
        tf_models.load(saved_small)


def test_loading_a_corrupt_keras_file(saved_small):
    keras_file = saved_small.with_suffix(".keras")
    keras_file.write_bytes(keras_file.read_bytes()[:300])
    document = json.loads(saved_small.read_text())
    document["model_file"].pop("sha256")        # let the damaged archive itself be what is reported
    saved_small.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"small\.keras: cannot be loaded \(truncated or corrupt\?\)"):
        tf_models.load(saved_small)


def test_loading_a_changed_keras_file(saved_small, tmp_path):
    other = tf_models.save(mlp_small(seed=5), tmp_path / "other")
    saved_small.with_suffix(".keras").write_bytes(other.with_suffix(".keras").read_bytes())
    with pytest.raises(ModelFileError, match="come from different saves"):
        tf_models.load(saved_small)


# --- parity: the same weights give the same function and the same gradients -----------------------

TWINS = {  # Keras model function -> the scratch network with the same layers
    "mlp_small": lambda: scratch.Network([784, 30, 10], activations="sigmoid", cost="quadratic",
                                         init="normal_scaled", seed=11),
    "mlp_large": lambda: scratch.Network([784, 800, 800, 10], activations=["relu", "relu", "softmax"],
                                         cost="cross_entropy", init="he", seed=12),
}


@pytest.fixture(scope="module")
def mnist_batch(request):
    mnist = request.getfixturevalue("mnist")
    return pixels_to_float(mnist.test_images[:500]), mnist.test_labels[:500].astype(np.int64)


@pytest.mark.parametrize("name", list(TWINS))
def test_same_weights_same_probabilities(name, mnist_batch):
    x, _ = mnist_batch
    net, model = TWINS[name](), BUILDERS[name]()
    parity.scratch_to_keras(net, model)
    difference = np.abs(model.predict(x, verbose=0) - net.predict_proba(x)).max()
    print(f"{name}: max |p_keras - p_scratch| = {difference:.2e}")
    assert difference < 1e-5


@pytest.mark.parametrize("name", list(TWINS))
@pytest.mark.parametrize("no_digits", [0, 16], ids=["digits", "with no-digit labels"])
def test_same_weights_same_gradients(name, no_digits, mnist_batch):
    x, y = mnist_batch[0][:64], mnist_batch[1][:64].copy()
    y[:no_digits] = NO_CLASS                   # as if these were drawings that are no digit
    net, model = TWINS[name](), BUILDERS[name]()
    parity.scratch_to_keras(net, model)
    grad_w, grad_b, scratch_cost = net.gradients(x, y)
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(model.loss(y, model(x, training=False)))   # dropout off
    keras_grads = tape.gradient(loss, [v for layer in parity.dense_layers(model) for v in layer.trainable_variables])
    assert float(loss) == pytest.approx(scratch_cost, rel=1e-5)
    scratch_grads = [g for pair in zip(grad_w, grad_b) for g in pair]
    for i, (ours, theirs) in enumerate(zip(scratch_grads, keras_grads)):
        theirs = theirs.numpy()
        relative = np.linalg.norm(ours - theirs) / np.linalg.norm(theirs)
        print(f"{name} variable {i} {ours.shape}: relative difference {relative:.2e}")
        assert relative < 1e-4


def test_weights_copy_back_from_keras():
    model = mlp_small(seed=3)
    net = TWINS["mlp_small"]()
    parity.keras_to_scratch(model, net)
    x, _ = tiny_images(8)
    np.testing.assert_allclose(net.predict_proba(x), model.predict(x, verbose=0), atol=1e-6)


def test_mismatched_twins_are_refused():
    with pytest.raises(ValueError, match="scratch uses sigmoid, Keras layer hidden_1 uses relu"):
        parity.scratch_to_keras(scratch.Network([784, 30, 10], activations="sigmoid"),
                                mlp_large(hidden=(30,)))
    with pytest.raises(ValueError, match="has 3 layers, the Keras model 2 Dense layers"):
        parity.scratch_to_keras(TWINS["mlp_large"](), mlp_small())


@pytest.mark.slow
def test_keras_model_recognises_what_it_imagines(mnist):
    split = mnist.validation_split()
    model = mlp_large(hidden=(64,), dropout_input=0.0, dropout_hidden=0.0, max_norm=None)
    tf_models.fit(model, pixels_to_float(split.train_images[:5000]), split.train_labels[:5000],
                  epochs=2, batch_size=32, verbose=False)
    for digit in (0, 3, 7):
        image = Classifier(adapter_for("tensorflow"), tf_models.CompiledModel(model), {}, ROOT).imagine(digit)
        assert image.shape == (28, 28) and 0 <= image.min() and image.max() == pytest.approx(1.0)
        assert int(model.predict(image[None], verbose=0).argmax()) == digit


# --- the scratch side works without TensorFlow ----------------------------------------------------

NO_TENSORFLOW = textwrap.dedent("""
    import importlib.abc, sys

    class BlockTensorFlow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("tensorflow", "keras"):
                raise ImportError(f"{name} is blocked in this test: TensorFlow is 'not installed'")

    sys.meta_path.insert(0, BlockTensorFlow())
    try:
        import tensorflow
    except ImportError:
        pass
    else:
        raise SystemExit("the blocker failed: tensorflow imported")
""")


def run_without_tensorflow(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", NO_TENSORFLOW + textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin",
                                                                           "TMP_DIR": str(tmp_path)})


def test_scratch_trains_saves_loads_and_predicts_without_tensorflow(tmp_path):
    result = run_without_tensorflow("""
        import os, numpy as np, scratch
        rng = np.random.default_rng(0)
        x, y = rng.random((200, 784)).astype(np.float32), rng.integers(0, 10, 200)
        net = scratch.Network([784, 20, 10], activations=["relu", "softmax"], init="he")
        net.fit(x, y, epochs=2, batch_size=20, optimizer=scratch.Momentum(0.05), verbose=False)
        path = os.path.join(os.environ["TMP_DIR"], "net.json")
        net.save(path)
        loaded = scratch.load(path)
        assert np.array_equal(loaded.predict_proba(x), net.predict_proba(x))
        assert not any(m.split(".")[0] in ("tensorflow", "keras") for m in sys.modules)
        print("scratch ok without tensorflow")
    """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "scratch ok without tensorflow" in result.stdout


@pytest.mark.parametrize("with_validation", [False, True])
def test_an_exploding_loss_without_nan_is_divergence_too(with_validation):
    """Issue 12 case 3 on the Keras side: a huge learning rate on ReLU/softmax makes the loss and the
    weights explode while staying finite; training must stop and keep good weights."""
    x, y = tiny_images(256)
    model = mlp_large(hidden=(32,), dropout_input=0.0, dropout_hidden=0.0, max_norm=None, learning_rate=1e6)
    validation = (x[:64], y[:64]) if with_validation else None
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        tf_models.fit(model, x, y, epochs=3, batch_size=16, validation=validation, verbose=False)
    largest = max(float(np.abs(w).max()) for w in model.get_weights())
    assert np.isfinite(largest) and largest < 1e3, f"the exploded weights were kept: {largest:.3g}"

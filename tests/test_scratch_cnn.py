"""The from-scratch convolutional network: layer gradients, batch norm and dropout modes, saving,
training on MNIST, and parity with its Keras twin (tf_models.models.cnn)."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import scratch
from scratch.files import ModelFileError
from scratch.layers import Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D
from scratch.sequential import Sequential, cnn


# --- backpropagation equals finite differences, layer by layer -----------------------------------

def numeric_gradient(cost, array, h=1e-6):
    """Central differences of cost() with respect to every entry of `array` (changed in place, restored)."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        saved = array[index]
        array[index] = saved + h
        plus = cost()
        array[index] = saved - h
        minus = cost()
        array[index] = saved
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(analytic, numeric):
    a = np.concatenate([g.ravel() for g in analytic])
    n = np.concatenate([g.ravel() for g in numeric])
    return np.linalg.norm(a - n) / (np.linalg.norm(a) + np.linalg.norm(n))


def check_layer(layer, input_shape, *, training=True, n=3, seed=0, prepare=None):
    """Compare a layer's backward pass with central differences of C = sum(forward(x) * r), r random."""
    rng = np.random.default_rng(seed)
    layer.build(input_shape, rng, np.float64)
    if prepare:
        prepare(layer, rng)
    x = rng.standard_normal((n, *input_shape))
    r = rng.standard_normal((n, *layer.output_shape(input_shape)))

    def forward():
        if isinstance(layer, Dropout):
            layer.rng = np.random.default_rng(7)     # the same mask on every call
        return layer.forward(x, training)

    def cost():
        return float(np.sum(forward() * r))

    forward()
    grad_x = layer.backward(r.copy()).copy()       # activations work in their input's buffer
    analytic = [grad_x] + [g.copy() for g in layer.grads]
    numeric = [numeric_gradient(cost, x)] + [numeric_gradient(cost, p) for p in layer.params]
    error = relative_error(analytic, numeric)
    assert error < 1e-6, f"{layer!r}: relative error {error:.2e}"
    return analytic


def random_statistics(layer, rng):
    """Batch-norm arrays away from their initial 1s and 0s, so every term of the math is exercised."""
    for array in layer.arrays().values():
        array[:] = rng.uniform(0.5, 1.5, array.shape)


@pytest.mark.parametrize("use_bias", [True, False])
def test_conv2d_gradients(use_bias):
    analytic = check_layer(Conv2D(3, (3, 2), use_bias=use_bias, kernel_initializer="he_normal"), (5, 4, 2))
    assert len(analytic) == (3 if use_bias else 2)


def test_conv2d_gradients_with_one_channel():
    """Few channels and wide images: the patch matrix is stored transposed (a faster copy)."""
    check_layer(Conv2D(3, 2), (5, 9, 1))


@pytest.mark.parametrize("kernel_size,input_shape", [((2, 4), (4, 5, 3)), ((3, 3), (3, 3, 2)), ((1, 1), (2, 3, 2))])
def test_conv2d_gradients_when_the_kernel_is_as_wide_as_the_image(kernel_size, input_shape):
    check_layer(Conv2D(2, kernel_size), input_shape)


@pytest.mark.parametrize("input_shape", [(6, 5, 2), (5, 9, 1)])
def test_conv2d_computes_a_convolution(input_shape):
    """Against the definition, one output pixel at a time."""
    rng = np.random.default_rng(0)
    layer = Conv2D(4, 3)
    layer.build(input_shape, rng, np.float64)
    layer.bias[:] = rng.standard_normal(4)
    h, w, c = input_shape
    x = rng.standard_normal((2, h, w, c))
    out = layer.forward(x)
    assert out.shape == (2, h - 2, w - 2, 4)
    for r, s in np.ndindex(h - 2, w - 2):
        expected = np.einsum("nijc,ijcf->nf", x[:, r:r + 3, s:s + 3], layer.kernel) + layer.bias
        np.testing.assert_allclose(out[:, r, s], expected, rtol=1e-12)


def test_max_pool_gradients():
    check_layer(MaxPool2D(), (4, 6, 3))


def test_max_pool_with_odd_sizes_and_ties():
    check_layer(MaxPool2D(), (5, 3, 2))
    layer = MaxPool2D()
    layer.build((2, 2, 1), None, np.float64)
    x = np.ones((1, 2, 2, 1))                          # a four-way tie: the gradient goes to one input only
    assert layer.forward(x).shape == (1, 1, 1, 1)
    assert layer.backward(np.ones((1, 1, 1, 1))).sum() == 1


@pytest.mark.parametrize("input_shape", [(3, 4, 5), (6,)])
def test_batch_norm_gradients_in_training(input_shape):
    check_layer(BatchNormalization(), input_shape, n=4, prepare=random_statistics)


def test_batch_norm_gradients_at_inference():
    check_layer(BatchNormalization(), (3, 3, 2), training=False, prepare=random_statistics)


@pytest.mark.parametrize("activation,use_bias", [("linear", True), ("tanh", False), ("softmax", True)])
def test_dense_gradients(activation, use_bias):
    check_layer(Dense(4, activation=activation, use_bias=use_bias), (5,))


def test_flatten_gradients():
    check_layer(Flatten(), (2, 3, 2))


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu", "linear", "softmax"])
def test_activation_gradients(name):
    check_layer(Activation(name), (6,) if name == "softmax" else (3, 3, 2))


def test_dropout_gradients():
    check_layer(Dropout(0.4), (4, 5))


def tiny_cnn(dtype=np.float64, dropout=0.5, seed=0):
    """Every layer type, on 8x8 images, small enough to check numerically in well under a second."""
    layers = [Conv2D(2, 3, use_bias=False, kernel_initializer="he_normal", name="conv_1"),
              BatchNormalization(name="norm_1"), Activation("relu", name="relu_1"), MaxPool2D(name="pool_1"),
              Conv2D(3, 2, name="conv_2"), Activation("tanh", name="tanh_2"), Flatten(name="features"),
              Dense(5, use_bias=False, kernel_initializer="he_normal", name="dense"),
              BatchNormalization(name="norm_dense"), Activation("relu", name="relu_dense"),
              Dropout(dropout, name="drop_dense"), Dense(3, activation="softmax", name="digit")]
    return Sequential(layers, input_shape=(8, 8, 1), seed=seed, dtype=dtype)


def toy_images(n=6, seed=1, classes=3):
    rng = np.random.default_rng(seed)
    return rng.random((n, 8, 8, 1)), rng.integers(0, classes, n)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_whole_cnn_gradients(training, weight_decay):
    net = tiny_cnn()
    for layer in net.layers:
        if isinstance(layer, BatchNormalization):
            random_statistics(layer, np.random.default_rng(3))
    x, y = toy_images()
    before = [a.copy() for a in net._copy_parameters()]
    grads, _ = net.gradients(x, y, weight_decay, training=training)
    assert list(grads) == ["conv_1/kernel", "norm_1/gamma", "norm_1/beta", "conv_2/kernel", "conv_2/bias",
                           "dense/kernel", "norm_dense/gamma", "norm_dense/beta", "digit/kernel", "digit/bias"]

    def cost():
        return net.gradients(x, y, weight_decay, training=training)[1]

    numeric = [numeric_gradient(cost, p) for p in net._params]
    error = relative_error(list(grads.values()), numeric)
    assert error < 1e-6, f"relative error {error:.2e}"
    for a, b in zip(before, net._copy_parameters()):     # gradients() leaves the moving averages alone
        np.testing.assert_array_equal(a, b)


def test_input_gradient_matches_finite_differences():
    net = tiny_cnn()
    x, y = toy_images(n=2)
    grad, cost = net.input_gradient(x, y)
    assert grad.shape == x.shape and cost == pytest.approx(net.evaluate(x, y).cost * 1, rel=1e-12)
    numeric = numeric_gradient(lambda: net.input_gradient(x, y)[1], x)
    assert relative_error([grad], [numeric]) < 1e-6
    flat, _ = net.input_gradient(x.reshape(2, 64), y)          # the gradient comes in the shape of x
    np.testing.assert_array_equal(flat, grad.reshape(2, 64))


# --- training mode and inference mode -------------------------------------------------------------

def test_batch_norm_uses_batch_statistics_in_training_and_moving_ones_at_inference():
    rng = np.random.default_rng(0)
    layer = BatchNormalization(momentum=0.9, epsilon=1e-3)
    layer.build((2, 2, 3), rng, np.float64)
    layer.gamma[:], layer.beta[:] = [1.0, 2.0, 3.0], [0.5, -0.5, 0.0]
    moving_mean, moving_variance = np.array([0.1, 0.2, 0.3]), np.array([1.5, 2.0, 0.5])
    layer.state["moving_mean"][:], layer.state["moving_variance"][:] = moving_mean, moving_variance
    x = rng.normal(3.0, 2.0, (5, 2, 2, 3))

    expected = layer.gamma * (x - moving_mean) / np.sqrt(moving_variance + 1e-3) + layer.beta
    np.testing.assert_allclose(layer.forward(x, training=False), expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.state["moving_mean"], moving_mean)        # inference changes nothing

    mean, variance = x.mean(axis=(0, 1, 2)), x.var(axis=(0, 1, 2))                # biased, like Keras 3
    expected = layer.gamma * (x - mean) / np.sqrt(variance + 1e-3) + layer.beta
    np.testing.assert_allclose(layer.forward(x, training=True), expected, rtol=1e-10)
    np.testing.assert_allclose(layer.state["moving_mean"], 0.9 * moving_mean + 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(layer.state["moving_variance"], 0.9 * moving_variance + 0.1 * variance, rtol=1e-12)


def test_a_prediction_does_not_depend_on_the_rest_of_the_batch():
    net = tiny_cnn(dtype=np.float32)
    x, _ = toy_images(n=10)
    x = x.astype(np.float32)
    np.testing.assert_allclose(net.predict_proba(x[:1]), net.predict_proba(x)[:1], rtol=1e-5)


def test_dropout_is_off_at_inference():
    x, _ = toy_images(n=20)
    net = tiny_cnn(dropout=0.5)
    first = net.predict_proba(x)
    np.testing.assert_array_equal(first, net.predict_proba(x))
    without = tiny_cnn(dropout=0.0)            # the same seed gives the same weights
    np.testing.assert_allclose(first, without.predict_proba(x), rtol=1e-12)
    layer = Dropout(0.5)
    layer.build((1000,), None, np.float64)
    layer.rng = np.random.default_rng(0)
    ones = np.ones((20, 1000))
    assert layer.forward(ones, training=False) is ones
    dropped = layer.forward(ones, training=True)
    assert 0.45 < np.mean(dropped == 0) < 0.55 and set(np.unique(dropped)) == {0.0, 2.0}


def test_activations_lists_every_layer_output():
    net = cnn(seed=0)
    x = np.random.default_rng(0).random((2, 28, 28)).astype(np.float32)
    outputs = net.activations(x)
    assert [name for name, _ in outputs] == [layer.name for layer in net.layers]
    shapes = dict((name, a.shape) for name, a in outputs)
    assert shapes["conv_1"] == (2, 24, 24, 20) and shapes["pool_2"] == (2, 4, 4, 40)
    assert shapes["features"] == (2, 640) and shapes["digit"] == (2, 10)
    np.testing.assert_allclose(outputs[-1][1], net.predict_proba(x), rtol=1e-6)
    assert not np.shares_memory(outputs[0][1], outputs[1][1])


def test_cnn_is_the_twin_of_the_keras_layout():
    net = cnn(seed=0)
    assert [layer.name for layer in net.layers] == [
        "conv_1", "norm_1", "relu_1", "pool_1", "conv_2", "norm_2", "relu_2", "pool_2", "features",
        "dense", "norm_dense", "relu_dense", "drop_dense", "digit"]
    assert net.get_layer("conv_1").bias is None and net.get_layer("dense").bias is None
    assert net.parameter_count == 86_150 and net.classes == 10
    kernel = net.get_layer("conv_2").kernel
    assert kernel.shape == (5, 5, 20, 40) and kernel.dtype == np.float32
    assert np.std(kernel) == pytest.approx(np.sqrt(2 / 500), rel=0.05)     # He: sqrt(2 / fan_in)
    assert np.abs(kernel).max() <= 2 * np.sqrt(2 / 500) / 0.8796 + 1e-6    # truncated at two sigma
    no_norm = cnn(batch_norm=False)
    assert "norm_1" not in [layer.name for layer in no_norm.layers] and no_norm.get_layer("conv_1").bias is not None
    assert not np.array_equal(cnn(seed=1).get_layer("conv_1").kernel, net.get_layer("conv_1").kernel)


@pytest.mark.parametrize("make,message", [
    (lambda: Sequential([]), "at least one layer"),
    (lambda: Sequential([Flatten(), Dense(10)]), "needs a softmax or sigmoid output"),
    (lambda: Sequential([Flatten(), Dense(10, activation="softmax", name="a"), Dense(10, activation="softmax",
                                                                                     name="a")]), "named 'a'"),
    (lambda: Sequential([Dense(10, activation="softmax")]), "Dense takes vectors"),
    (lambda: Sequential([Conv2D(2, 30), Flatten(), Dense(10, activation="softmax")]), "does not fit"),
    (lambda: Sequential([Flatten(), Activation("softmax"), Dense(10, activation="softmax")]), "output layer only"),
    (lambda: Sequential([Conv2D(2, 3)]), "must be Dense or Activation"),
    (lambda: Conv2D(0, 3), "filters must be a positive whole number"),
    (lambda: Conv2D(2, (3, 3, 3)), "kernel_size must be"),
    (lambda: Conv2D(2, 3, kernel_initializer="zeros"), "unknown kernel_initializer"),
    (lambda: Dropout(1.0), r"rate must be in \[0, 1\)"),
    (lambda: MaxPool2D(3), "2x2 windows only"),
])
def test_bad_layers_give_a_clear_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_fit_checks_the_images():
    net = tiny_cnn(dtype=np.float32)
    x, y = toy_images()
    with pytest.raises(ValueError, match="63 values per sample .* has 64 units"):
        net.fit(x.reshape(6, 64)[:, :63], y, epochs=1, verbose=False)
    with pytest.raises(ValueError, match="divide by 255"):
        net.fit((x * 255).astype(np.uint8), y, epochs=1, verbose=False)


# --- training -------------------------------------------------------------------------------------

def test_training_reduces_the_cost_and_is_reproducible():
    x, y = toy_images(n=60, seed=4)
    x[y == 1, :4] = 1.0        # something to learn
    x[y == 2, 4:] = 0.0

    def run():
        net = tiny_cnn(dtype=np.float32, dropout=0.2, seed=2)
        history = net.fit(x, y, epochs=8, batch_size=10, optimizer=scratch.Adam(0.02), validation=(x, y),
                          verbose=False)
        return net, history

    (a, history), (b, again) = run(), run()
    assert history.train_cost[-1] < 0.6 * history.train_cost[0]
    assert history.train_cost == again.train_cost
    for p, q in zip(a._copy_parameters(), b._copy_parameters()):
        np.testing.assert_array_equal(p, q)
    assert a.hyperparameters_["optimizer"]["name"] == "adam"


def test_divergence_restores_the_weights_and_the_moving_averages():
    x, y = toy_images(n=60, seed=4)
    net = tiny_cnn(dtype=np.float32, seed=2)
    good = net._copy_parameters()
    with pytest.raises(scratch.TrainingDiverged, match="smaller learning rate"):
        net.fit(x, y, epochs=3, batch_size=10, optimizer=scratch.SGD(1e8), verbose=False)
    for p, q in zip(good, net._copy_parameters()):
        np.testing.assert_array_equal(p, q)


def test_ctrl_c_keeps_the_best_epoch_and_reports_the_history():
    """The shared training loop (scratch.training.train) gives Sequential what Network has."""
    x, y = toy_images(n=40, seed=4)
    calls = []

    def interrupt_in_epoch_3(batch, rng):
        calls.append(1)
        if len(calls) == 9:          # 4 batches per epoch: the first batch of epoch 3
            raise KeyboardInterrupt
        return batch

    net = tiny_cnn(dtype=np.float32, seed=2)
    with pytest.raises(scratch.TrainingInterrupted) as caught:
        net.fit(x, y, epochs=5, batch_size=10, optimizer=scratch.Adam(0.01), validation=(x, y),
                augment=interrupt_in_epoch_3, verbose=False)
    history = caught.value.history
    assert history is net.history_ and history.stop_reason == "interrupted" and history.epoch == [1, 2]
    assert history.best_epoch == 1 + int(np.argmax(history.validation_accuracy))
    assert net.evaluate(x, y).accuracy == max(history.validation_accuracy)


@pytest.fixture(scope="module")
def mnist_arrays(request):
    mnist = request.getfixturevalue("mnist")
    from workbench.data.mnist import pixels_to_float
    return (pixels_to_float(mnist.train_images[:1500]), mnist.train_labels[:1500],
            pixels_to_float(mnist.test_images[:500]), mnist.test_labels[:500])


def test_cnn_learns_from_a_few_hundred_mnist_images(mnist_arrays):
    x, y, x_test, y_test = mnist_arrays
    net = cnn(seed=0)
    before = net.evaluate(x_test, y_test)
    history = net.fit(x[:1200], y[:1200], epochs=2, batch_size=32, optimizer=scratch.Adam(0.002),
                      validation=(x[1200:], y[1200:]), verbose=False)
    after = net.evaluate(x_test, y_test)
    print(f"scratch CNN, 2 epochs on 1,200 images: test accuracy {before.accuracy:.3f} -> {after.accuracy:.3f}")
    assert after.accuracy > 0.8 and after.accuracy > before.accuracy + 0.4
    assert after.cost < before.cost and history.train_cost[1] < history.train_cost[0]
    assert history.best_epoch is not None
    image = scratch.imagine(net, 3, steps=30)
    assert image.shape == (28, 28) and image.dtype == np.float32


# --- saving and loading ---------------------------------------------------------------------------

@pytest.fixture
def saved(tmp_path):
    net = tiny_cnn(dtype=np.float32, seed=5)
    x, y = toy_images(n=30)
    x = x.astype(np.float32)
    net.fit(x, y, epochs=2, batch_size=10, optimizer=scratch.Adam(0.01), validation=(x[:10], y[:10]), verbose=False)
    net.metadata["metrics"] = {"note": "kept"}
    path = tmp_path / "cnn.json"
    net.save(path)
    return net, path, x


def test_save_then_load_gives_identical_predictions(saved):
    net, path, x = saved
    loaded = scratch.load(path)
    assert isinstance(loaded, Sequential)
    np.testing.assert_array_equal(loaded.predict_proba(x), net.predict_proba(x))
    for p, q in zip(net._copy_parameters(), loaded._copy_parameters()):      # moving averages included
        np.testing.assert_array_equal(p, q)
    assert loaded.describe() == net.describe()
    assert loaded.history_.validation_accuracy == net.history_.validation_accuracy
    assert loaded.metadata["metrics"] == {"note": "kept"}
    assert loaded.hyperparameters_["batch_size"] == 10
    document = json.loads(path.read_text())
    assert document["format"] == "digit-workbench/scratch-sequential"
    assert [layer["name"] for layer in document["architecture"]["layers"]][:2] == ["conv_1", "norm_1"]
    with np.load(path.with_suffix(".npz")) as npz:
        assert "norm_1/moving_variance" in npz.files and "conv_1/bias" not in npz.files
    assert not list(path.parent.glob("*.tmp*"))


def _without_checksum(path: Path) -> None:
    """Drop the recorded SHA-256, so the damage itself is what gets reported."""
    document = json.loads(path.read_text())
    document["model_file"].pop("sha256")
    path.write_text(json.dumps(document))


def _rewrite_npz(path: Path, change) -> None:
    npz = path.with_suffix(".npz")
    with np.load(npz) as f:
        arrays = {name: f[name] for name in f.files}
    change(arrays)
    np.savez(npz, **arrays)
    _without_checksum(path)


def test_loading_truncated_arrays(saved):
    _, path, _ = saved
    npz = path.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[:300])
    _without_checksum(path)
    with pytest.raises(ModelFileError, match=r"cnn\.npz: not a readable weights file"):
        scratch.load(path)


def test_loading_a_wrong_shape(saved):
    _, path, _ = saved
    document = json.loads(path.read_text())
    document["architecture"]["layers"][7]["units"] = 6
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"cnn\.npz: dense/kernel has shape \(12, 5\), but the layers in "
                                             r"cnn\.json need \(12, 6\)"):
        scratch.load(path)


def test_loading_nan_weights(saved):
    net, path, _ = saved
    net.get_layer("conv_2").kernel[0, 0, 0, 0] = np.nan
    net.save(path)
    with pytest.raises(ModelFileError, match=r"cnn\.npz: conv_2/kernel contains NaN"):
        scratch.load(path)


def test_loading_a_missing_array(saved):
    _, path, _ = saved
    _rewrite_npz(path, lambda arrays: arrays.pop("norm_1/moving_variance"))
    with pytest.raises(ModelFileError, match=r"cnn\.npz: array norm_1/moving_variance is missing"):
        scratch.load(path)


def test_loading_an_unexpected_array(saved):
    _, path, _ = saved
    _rewrite_npz(path, lambda arrays: arrays.update({"conv_1/bias": np.zeros(2, np.float32)}))
    with pytest.raises(ModelFileError, match=r"holds arrays that the layers in cnn\.json do not have: conv_1/bias"):
        scratch.load(path)


@pytest.mark.parametrize("bad,message", [
    (np.zeros((12, 5), np.int64), r"dense/kernel has dtype int64, expected floats"),
    (np.array([[None] * 5] * 12, dtype=object), r"dense/kernel has dtype object"),
])
def test_loading_arrays_that_are_not_floats(saved, bad, message):
    _, path, _ = saved
    npz = path.with_suffix(".npz")
    with np.load(npz) as f:
        arrays = {name: f[name] for name in f.files}
    arrays["dense/kernel"] = bad
    np.savez(npz, **arrays)              # allow_pickle is np.savez's default: the object array is pickled
    _without_checksum(path)
    with pytest.raises(ModelFileError, match=message):
        scratch.load(path)


def test_loading_an_unknown_layer_type(saved):
    _, path, _ = saved
    document = json.loads(path.read_text())
    document["architecture"]["layers"][2]["type"] = "attention"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"cnn\.json: invalid architecture: unknown layer type 'attention'"):
        scratch.load(path)


def test_a_huge_declared_layer_is_refused_before_anything_is_allocated(saved):
    _, path, _ = saved
    document = json.loads(path.read_text())
    document["architecture"]["layers"][7]["units"] = 30_000_000        # a 3 KB JSON declaring 1.4 GB of kernel
    path.write_text(json.dumps(document))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"dense/kernel has shape \(12, 5\), but .* need \(12, 30000000\)"):
            scratch.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def test_a_truncated_array_is_found_from_its_header(saved):
    """A zip member cut short (header intact) is reported without reading the data."""
    _, path, _ = saved
    npz = path.with_suffix(".npz")
    with zipfile.ZipFile(npz) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["dense/kernel.npy"] = members["dense/kernel.npy"][:-8]
    with zipfile.ZipFile(npz, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    _without_checksum(path)
    with pytest.raises(ModelFileError, match=r"dense/kernel is truncated"):
        scratch.load(path)


# --- parity with the Keras twin -------------------------------------------------------------------

@pytest.fixture(scope="module")
def keras_cnn():
    pytest.importorskip("tensorflow", reason="TensorFlow is not installed: no Keras twin to compare with")
    from tf_models.models import cnn as make_keras_cnn
    return make_keras_cnn


@pytest.fixture(scope="module")
def trained_scratch_cnn(mnist_arrays):
    """Weights and batch-norm statistics away from their initial values, so the comparison means something."""
    x, y, _, _ = mnist_arrays
    net = cnn(seed=0)
    net.fit(x[:320], y[:320], epochs=1, batch_size=64, optimizer=scratch.Adam(0.01), verbose=False)
    return net


def test_scratch_weights_in_keras_give_the_same_probabilities(keras_cnn, trained_scratch_cnn, mnist_arrays):
    from workbench.models.cnn_twins import scratch_cnn_to_keras
    images = mnist_arrays[2][:64]
    model = keras_cnn(seed=0)
    scratch_cnn_to_keras(trained_scratch_cnn, model)
    expected = trained_scratch_cnn.predict_proba(images)
    difference = np.abs(np.asarray(model(images, training=False)) - expected).max()
    print(f"scratch -> keras: max |difference| of probabilities {difference:.1e}")
    assert difference < 1e-5, f"max |scratch - keras| = {difference:.2e}"


def test_keras_weights_in_scratch_give_the_same_probabilities(keras_cnn, mnist_arrays):
    from workbench.models.cnn_twins import keras_cnn_to_scratch
    images = mnist_arrays[2][:64]
    model = keras_cnn(seed=3)
    rng = np.random.default_rng(0)
    for layer in model.layers:           # batch-norm statistics of a trained model, roughly
        if layer.name.startswith("norm"):
            for variable in layer.weights:
                variable.assign(rng.uniform(0.5, 1.5, variable.shape).astype(np.float32))
    net = cnn(seed=1)
    keras_cnn_to_scratch(model, net)
    np.testing.assert_array_equal(net.get_layer("norm_2").state["moving_variance"],
                                  np.asarray(model.get_layer("norm_2").moving_variance))
    difference = np.abs(np.asarray(model(images, training=False)) - net.predict_proba(images)).max()
    assert difference < 1e-5, f"max |scratch - keras| = {difference:.2e}"


def test_keras_twin_gives_the_same_gradients(keras_cnn, trained_scratch_cnn, mnist_arrays):
    """One batch, batch norm in training mode (batch statistics), dropout off on both sides."""
    import keras
    import tensorflow as tf
    from workbench.models.cnn_twins import scratch_cnn_to_keras
    images, labels = mnist_arrays[2][:64], mnist_arrays[3][:64]
    model = keras_cnn(seed=0)
    scratch_cnn_to_keras(trained_scratch_cnn, model)
    model.get_layer("drop_dense").rate = 0.0
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy()(labels, model(images, training=True))
    keras_grads = {v.path: np.asarray(g) for v, g in
                   zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables))}
    grads, cost = trained_scratch_cnn.gradients(images, labels, training=True)
    assert sorted(grads) == sorted(keras_grads)
    assert cost == pytest.approx(float(loss), rel=1e-5)
    for name, grad in grads.items():
        difference = np.linalg.norm(grad - keras_grads[name]) / np.linalg.norm(keras_grads[name])
        print(f"{name}: relative difference {difference:.1e}")
        assert difference < 1e-4, f"{name}: relative difference {difference:.2e}"


def test_twins_that_do_not_pair_up_are_refused(keras_cnn):
    from workbench.models.cnn_twins import keras_cnn_to_scratch, scratch_cnn_to_keras
    with pytest.raises(ValueError, match=r"layer 'conv_1': scratch has arrays \['kernel'\], Keras has \['bias', "):
        scratch_cnn_to_keras(cnn(), keras_cnn(batch_norm=False))
    with pytest.raises(ValueError, match="the scratch layer 'digit_2' has no Keras layer of that name"):
        scratch_cnn_to_keras(Sequential([Flatten(), Dense(10, activation="softmax", name="digit_2")]), keras_cnn())
    with pytest.raises(ValueError, match="Keras model has weights in layers the scratch model lacks: conv_1, conv_2, "
                                         "dense, norm_1, norm_2, norm_dense"):
        only_the_output = Sequential([Dense(10, activation="softmax", name="digit")], input_shape=(100,))
        keras_cnn_to_scratch(keras_cnn(), only_the_output)
    with pytest.raises(ValueError, match=r"layer 'conv_2': scratch kernel is \(5, 5, 20, 30\), Keras kernel is "
                                         r"\(5, 5, 20, 40\)"):
        scratch_cnn_to_keras(cnn(filters=(20, 30)), keras_cnn())

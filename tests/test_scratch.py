"""The from-scratch NumPy library: gradients, training, regularisation, saving, and input checks."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import scratch
from scratch.network import Network
from scratch.history import TrainingDiverged
from workbench.data.mnist import pixels_to_float
from scratch.files import ModelFileError

ROOT = Path(__file__).resolve().parent.parent


def toy_problem(n=300, features=12, classes=4, seed=0):
    """Inputs in [0, 1] labelled by a random linear teacher: learnable, but not in one step."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, features))
    teacher = rng.standard_normal((features, classes))
    return x.astype(np.float32), (x @ teacher).argmax(axis=1)


# --- backpropagation equals finite differences ----------------------------------------------------

def numeric_gradients(net: Network, x, y, weight_decay, h=1e-6):
    """Central differences of the cost with respect to every weight and bias (float64)."""
    grads = []
    for params in (net.weights, net.biases):
        for p in params:
            g = np.zeros_like(p)
            for index in np.ndindex(p.shape):
                saved = p[index]
                p[index] = saved + h
                plus = net.gradients(x, y, weight_decay)[2]
                p[index] = saved - h
                minus = net.gradients(x, y, weight_decay)[2]
                p[index] = saved
                g[index] = (plus - minus) / (2 * h)
            grads.append(g)
    return grads


CASES = [  # (hidden activation, output activation, cost)
    ("sigmoid", "sigmoid", "quadratic"),
    ("tanh", "sigmoid", "quadratic"),
    ("relu", "softmax", "quadratic"),
    ("leaky_relu", "linear", "quadratic"),
    ("linear", "tanh", "quadratic"),
    ("sigmoid", "softmax", "cross_entropy"),
    ("tanh", "sigmoid", "cross_entropy"),
    ("relu", "softmax", "cross_entropy"),
    ("leaky_relu", "softmax", "cross_entropy"),
    ("linear", "sigmoid", "cross_entropy"),
]


@pytest.mark.parametrize("hidden,output,cost", CASES)
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_backprop_matches_finite_differences(hidden, output, cost, weight_decay):
    net = Network([6, 5, 4, 3], activations=[hidden, hidden, output], cost=cost, init="glorot", seed=3, dtype=np.float64)
    rng = np.random.default_rng(1)
    x, y = rng.random((7, 6)), rng.integers(0, 3, 7)
    grad_w, grad_b, _ = net.gradients(x, y, weight_decay)
    analytic = np.concatenate([g.ravel() for g in grad_w + grad_b])
    numeric = np.concatenate([g.ravel() for g in numeric_gradients(net, x, y, weight_decay)])
    relative_error = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
    assert relative_error < 1e-6, f"{hidden}/{output}/{cost}: relative error {relative_error:.2e}"


def test_input_gradient_matches_finite_differences():
    net = Network([5, 4, 3], activations=["tanh", "softmax"], cost="cross_entropy", seed=0, dtype=np.float64)
    x, y = np.random.default_rng(2).random((1, 5)), np.array([2])
    grad, _ = net.input_gradient(x, y)
    h, numeric = 1e-6, np.zeros(5)
    for i in range(5):
        step = np.zeros((1, 5))
        step[0, i] = h
        numeric[i] = (net.input_gradient(x + step, y)[1] - net.input_gradient(x - step, y)[1]) / (2 * h)
    np.testing.assert_allclose(grad[0], numeric, rtol=1e-6, atol=1e-9)


def test_fused_cross_entropy_is_stable_for_extreme_logits():
    net = Network([2, 2], activations="softmax", cost="cross_entropy", dtype=np.float32)
    net.weights[0][:] = [[200.0, -200.0], [0, 0]]
    net.biases[0][:] = 0
    result = net.evaluate(np.array([[1.0, 0.0]], np.float32), np.array([1]))
    assert np.isfinite(result.cost) and result.cost == pytest.approx(400.0, rel=1e-4)


# --- training -------------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", [
    scratch.SGD(0.5), scratch.Momentum(0.1, 0.9), scratch.Momentum(0.1, 0.9, nesterov=True),
    scratch.RMSProp(0.005), scratch.Adam(0.01),
])
def test_every_optimizer_decreases_the_loss(optimizer):
    x, y = toy_problem()
    net = Network([12, 16, 4], activations=["relu", "softmax"], cost="cross_entropy", init="he", seed=0)
    before = net.evaluate(x, y).cost
    history = net.fit(x, y, epochs=15, batch_size=16, optimizer=optimizer, verbose=False)
    after = net.evaluate(x, y).cost
    assert after < 0.5 * before, f"{optimizer!r}: cost {before:.3f} -> {after:.3f}"
    assert history.train_cost[-1] < history.train_cost[0]


def test_exponential_decay_schedule_is_applied_per_epoch():
    x, y = toy_problem(n=64)
    net = Network([12, 4], activations="softmax", seed=0)
    history = net.fit(x, y, epochs=3, batch_size=32, optimizer=scratch.SGD(scratch.ExponentialDecay(0.4, 0.5)),
                      verbose=False)
    assert history.learning_rate == pytest.approx([0.4, 0.2, 0.1])


def test_same_seed_same_weights_and_history():
    x, y = toy_problem()

    def train():
        net = Network([12, 10, 4], activations=["relu", "softmax"], seed=7, dropout_hidden=0.3)
        history = net.fit(x, y, epochs=3, batch_size=20, optimizer=scratch.Momentum(0.1), verbose=False,
                          augment=lambda batch, rng: np.clip(batch + rng.normal(0, 0.01, batch.shape), 0, 1))
        return net, history

    (a, ha), (b, hb) = train(), train()
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(wa, wb)
    assert ha.train_cost == hb.train_cost and ha.train_accuracy == hb.train_accuracy
    c = Network([12, 10, 4], activations=["relu", "softmax"], seed=8)
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_dropout_is_off_at_inference():
    x, y = toy_problem(n=50)
    net = Network([12, 30, 4], activations=["relu", "softmax"], seed=0, dropout_input=0.2, dropout_hidden=0.5)
    first = net.predict_proba(x)
    np.testing.assert_array_equal(first, net.predict_proba(x))
    plain = Network([12, 30, 4], activations=["relu", "softmax"], seed=0)   # same weights, no dropout at all
    np.testing.assert_allclose(first, plain.predict_proba(x), rtol=1e-6)


def test_inverted_dropout_keeps_the_expected_activation():
    net = Network([12, 200, 4], activations=["sigmoid", "softmax"], seed=0, dropout_hidden=0.5)   # sigmoid: no unit is 0
    x = np.full((4000, 12), 0.5, np.float32)
    from scratch.network import _Workspace
    ws = _Workspace(net, len(x), training=True)
    net._forward(x, ws, np.random.default_rng(0))
    kept = ws.inputs[1] != 0
    assert 0.45 < kept.mean() < 0.55                       # about half the units dropped
    np.testing.assert_allclose(ws.inputs[1].mean(axis=0), ws.outputs[0].mean(axis=0), rtol=0.1, atol=1e-3)


class NormWatchingSGD(scratch.SGD):
    """SGD that records the longest incoming-weight vector seen before each update."""

    def __init__(self, *args):
        super().__init__(*args)
        self.longest = []

    def step(self, params, grads, learning_rate):
        self.longest.append(max(np.linalg.norm(w, axis=0).max() for w in params if w.ndim == 2))
        super().step(params, grads, learning_rate)


def test_max_norm_holds_after_every_update():
    x, y = toy_problem()
    net = Network([12, 20, 4], activations=["relu", "softmax"], init="he", seed=0, max_norm=0.8)
    optimizer = NormWatchingSGD(2.0)
    net.fit(x, y, epochs=3, batch_size=10, optimizer=optimizer, verbose=False)
    assert max(optimizer.longest[1:]) <= 0.8 * (1 + 1e-5)
    assert max(np.linalg.norm(w, axis=0).max() for w in net.weights) <= 0.8 * (1 + 1e-5)
    unconstrained = Network([12, 20, 4], activations=["relu", "softmax"], init="he", seed=0)
    unconstrained.fit(x, y, epochs=3, batch_size=10, optimizer=scratch.SGD(2.0), verbose=False)
    assert max(np.linalg.norm(w, axis=0).max() for w in unconstrained.weights) > 0.8   # the limit did bite


def test_weight_decay_shrinks_weights():
    x, y = toy_problem()
    norms = []
    for decay in (0.0, 0.05):
        net = Network([12, 20, 4], activations=["relu", "softmax"], seed=0)
        net.fit(x, y, epochs=5, batch_size=10, optimizer=scratch.SGD(0.5), weight_decay=decay, verbose=False)
        norms.append(sum(float(np.sum(w * w)) for w in net.weights))
    assert norms[1] < 0.7 * norms[0]


def test_early_stopping_keeps_the_best_epoch():
    x, y = toy_problem(n=400)
    net = Network([12, 40, 4], activations=["relu", "softmax"], seed=0)
    history = net.fit(x[:100], y[:100], epochs=60, batch_size=10, optimizer=scratch.SGD(0.5),
                      validation=(x[100:], y[100:]), early_stopping=3, verbose=False)
    assert history.stop_reason == "early_stopping" and len(history.epoch) < 60
    best = int(np.argmax(history.validation_accuracy))
    assert history.best_epoch == best + 1
    assert net.evaluate(x[100:], y[100:]).accuracy == pytest.approx(history.validation_accuracy[best])


def test_time_budget_stops_after_the_epoch_that_exceeds_it():
    x, y = toy_problem()
    history = Network([12, 4], activations="softmax").fit(x, y, epochs=50, time_budget=0.0, verbose=False)
    assert history.stop_reason == "time_budget" and len(history.epoch) == 1


def test_divergence_stops_with_a_clear_message_and_keeps_good_weights():
    x, y = toy_problem()
    net = Network([12, 20, 4], activations=["relu", "softmax"], init="standard_normal", seed=0)
    net.fit(x, y, epochs=1, optimizer=scratch.SGD(0.01), verbose=False)
    good = [w.copy() for w in net.weights]
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        net.fit(x * 0 + 1, y, epochs=3, optimizer=scratch.SGD(1e30), verbose=False)
    assert net.history_.stop_reason == "diverged"
    for w, g in zip(net.weights, good):
        np.testing.assert_array_equal(w, g)


@pytest.mark.parametrize("with_validation", [False, True])
def test_an_exploding_cost_counts_as_divergence(with_validation):
    """A learning rate of 1e6 on ReLU/softmax: the fused cross-entropy stays finite while the cost and the
    weights explode, so a NaN check alone let training 'complete' with a ruined network."""
    x, y = toy_problem(n=400)
    net = Network([12, 20, 4], activations=["relu", "softmax"], init="he", seed=0)
    net.fit(x[:300], y[:300], epochs=5, batch_size=10, optimizer=scratch.SGD(0.5), verbose=False)
    good, accuracy = net._copy_parameters(), net.evaluate(x[300:], y[300:]).accuracy
    assert accuracy > 0.8
    validation = (x[300:], y[300:]) if with_validation else None
    with pytest.raises(TrainingDiverged, match=r"the cost became .* more than 1000 times its starting level"):
        net.fit(x[:300], y[:300], epochs=3, batch_size=10, optimizer=scratch.SGD(1e6), validation=validation,
                verbose=False)
    assert net.history_.stop_reason == "diverged" and net.history_.epoch == []
    for w, g in zip(net._copy_parameters(), good):
        np.testing.assert_array_equal(w, g)
    assert net.evaluate(x[300:], y[300:]).accuracy == accuracy


def test_exploding_weights_count_as_divergence_even_when_the_cost_cannot_explode():
    """Sigmoid outputs with the quadratic cost keep the cost below 2 whatever the weights do."""
    x, y = toy_problem()
    net = Network([12, 20, 4], activations="sigmoid", cost="quadratic", seed=0)
    good = net._copy_parameters()
    with pytest.raises(TrainingDiverged, match=r"a parameter grew to .* in epoch 1"):
        net.fit(x, y, epochs=3, batch_size=10, optimizer=scratch.SGD(1e8), verbose=False)
    for w, g in zip(net._copy_parameters(), good):
        np.testing.assert_array_equal(w, g)


def test_divergence_with_validation_keeps_the_best_epoch():
    x, y = toy_problem(n=400)

    class BlowUpInEpoch3(scratch.SGD):
        def learning_rate_at(self, epoch):
            return 0.5 if epoch < 2 else 1e6

    net = Network([12, 20, 4], activations=["relu", "softmax"], init="he", seed=0)
    with pytest.raises(TrainingDiverged, match=r"in epoch 3 .* The weights of epoch [12], the best"):
        net.fit(x[:300], y[:300], epochs=4, batch_size=10, optimizer=BlowUpInEpoch3(0.5),
                validation=(x[300:], y[300:]), verbose=False)
    history = net.history_
    assert history.epoch == [1, 2] and history.best_epoch in (1, 2)
    assert net.evaluate(x[300:], y[300:]).accuracy == max(history.validation_accuracy)


def test_augment_hook_sees_every_batch():
    x, y = toy_problem(n=50)
    shapes = []

    def spy(batch, rng):
        shapes.append(batch.shape)
        return batch

    Network([12, 4], activations="softmax").fit(x, y, epochs=2, batch_size=20, augment=spy, verbose=False)
    assert shapes == [(20, 12), (20, 12), (10, 12)] * 2
    with pytest.raises(ValueError, match=r"augment function returned shape \(3,\), expected \(20, 12\)"):
        Network([12, 4], activations="softmax").fit(x, y, epochs=1, batch_size=20, augment=lambda b, r: b[:3, 0],
                                        verbose=False)


def test_progress_bar_can_be_switched_off(capsys):
    x, y = toy_problem(n=40)
    Network([12, 4], activations="softmax").fit(x, y, epochs=1, verbose=False)
    assert capsys.readouterr().err == ""
    Network([12, 4], activations="softmax").fit(x, y, epochs=1, verbose=True)
    assert "epoch 1/1" in capsys.readouterr().err


# --- clear errors at the boundary -----------------------------------------------------------------

@pytest.mark.parametrize("make_x,make_y,message", [
    (lambda x: x.reshape(-1), lambda y: y, r"must be a batch"),
    (lambda x: (x * 255).astype(np.uint8), lambda y: y, r"dtype uint8 \(pixels 0\.\.255\? divide by 255"),
    (lambda x: x[:, :10], lambda y: y, r"10 values per sample .* input layer has 12 units"),
    (lambda x: np.where(x > 0.9, np.nan, x), lambda y: y, r"non-finite"),
    (lambda x: x * 3, lambda y: y, r"values must be in \[0, 1\]"),
    (lambda x: x, lambda y: y + 4, r"labels must be in 0\.\.3 \(or -1 for none of them\), got values from 4 to [67]"),
    (lambda x: x, lambda y: y - 2, r"labels must be in 0\.\.3 \(or -1 for none of them\), got values from -2 to"),
    (lambda x: x, lambda y: y[:-1], r"has 299 labels but there are 300 samples"),
    (lambda x: x, lambda y: y.astype(float), r"integer class labels, got dtype float64"),
    (lambda x: x, lambda y: np.eye(4)[y], r"one-hot rows\?"),
])
def test_bad_training_data_gives_a_clear_error(make_x, make_y, message):
    x, y = toy_problem()
    with pytest.raises(ValueError, match=message):
        Network([12, 4], activations="softmax").fit(make_x(x), make_y(y), epochs=1, verbose=False)


@pytest.mark.parametrize("kwargs,message", [
    (dict(sizes=[784]), "at least an input and an output layer"),
    (dict(sizes=[784, 0, 10]), "positive whole numbers"),
    (dict(sizes=[784, 10], activations="swish"), "unknown activation 'swish'"),
    (dict(sizes=[784, 30, 10], activations=["relu"]), "lists 1 functions but the network has 2 layers"),
    (dict(sizes=[784, 10], activations="linear", cost="cross_entropy"), "needs a softmax or sigmoid output"),
    (dict(sizes=[784, 30, 10], activations=["softmax", "softmax"]), "softmax is for the output layer only"),
    (dict(sizes=[784, 10], cost="hinge"), "unknown cost 'hinge'"),
    (dict(sizes=[784, 10], init="zeros"), "unknown init 'zeros'"),
    (dict(sizes=[784, 10], dropout_hidden=1.0), r"dropout_hidden must be in \[0, 1\)"),
    (dict(sizes=[784, 10], max_norm=-1), "max_norm must be positive"),
    (dict(sizes=[784, 10], dtype="float16"), "float32 or float64"),
])
def test_bad_network_settings_give_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network(**kwargs)


def test_bad_fit_settings_give_a_clear_error():
    x, y = toy_problem(n=20)
    net = Network([12, 4], activations="softmax")
    with pytest.raises(ValueError, match="epochs must be a positive whole number"):
        net.fit(x, y, epochs=0)
    with pytest.raises(ValueError, match="early_stopping needs validation data"):
        net.fit(x, y, epochs=1, early_stopping=2)
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'"):
        net.fit(x, y, epochs=1, optimizer="adamw")
    with pytest.raises(ValueError, match="learning_rate must be a positive number"):
        scratch.SGD(-0.1)


def test_images_may_come_as_28x28():
    x = np.random.default_rng(0).random((3, 28, 28)).astype(np.float32)
    net = Network([784, 10], activations="softmax")
    np.testing.assert_array_equal(net.predict_proba(x), net.predict_proba(x.reshape(3, 784)))


# --- saving and loading ---------------------------------------------------------------------------

@pytest.fixture
def trained(tmp_path):
    x, y = toy_problem()
    net = Network([12, 9, 4], activations=["leaky_relu", "softmax"], cost="cross_entropy", init="he", seed=5,
                  dropout_hidden=0.1, max_norm=3.0)
    net.fit(x, y, epochs=2, batch_size=25, optimizer=scratch.Adam(0.01), validation=(x[:50], y[:50]),
            verbose=False)
    net.metadata["metrics"] = {"note": "kept"}
    path = tmp_path / "toy.json"
    net.save(path)
    return net, path, x


def test_save_then_load_gives_identical_predictions(trained):
    net, path, x = trained
    loaded = scratch.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(x), net.predict_proba(x))
    assert loaded.describe() == net.describe() and loaded.max_norm == 3.0
    assert loaded.history_.validation_accuracy == net.history_.validation_accuracy
    assert loaded.metadata["metrics"] == {"note": "kept"}


def test_saved_json_is_readable_and_complete(trained):
    _, path, _ = trained
    document = json.loads(path.read_text())
    assert document["architecture"]["sizes"] == [12, 9, 4]
    assert document["architecture"]["activations"] == [{"name": "leaky_relu", "alpha": 0.01}, {"name": "softmax"}]
    assert document["hyperparameters"]["optimizer"]["name"] == "adam"
    assert document["versions"]["numpy"] == np.__version__
    assert len(document["history"]["train_cost"]) == 2
    assert path.with_suffix(".npz").exists() and document["model_file"]["file"] == "toy.npz"
    assert not list(path.parent.glob("*.tmp*")), "temporary files left behind"


def test_loading_a_missing_model_names_the_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope\.json does not exist"):
        scratch.load(tmp_path / "nope.json")


def test_loading_truncated_json(trained):
    _, path, _ = trained
    path.write_text(path.read_text()[:100])
    with pytest.raises(ModelFileError, match=r"toy\.json is not valid JSON \(truncated or corrupt\?\)"):
        scratch.load(path)


def test_loading_truncated_weights(trained):
    _, path, _ = trained
    npz = path.with_suffix(".npz")
    npz.write_bytes(npz.read_bytes()[:200])
    document = json.loads(path.read_text())
    document["model_file"].pop("sha256")        # so the truncation itself is what gets reported
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match=r"toy\.npz: not a readable weights file"):
        scratch.load(path)


def test_loading_weights_from_another_save(trained, tmp_path):
    net, path, _ = trained
    other = Network([12, 9, 4], activations=["leaky_relu", "softmax"], seed=99)
    other.save(tmp_path / "other.json")
    path.with_suffix(".npz").write_bytes((tmp_path / "other.npz").read_bytes())
    with pytest.raises(ModelFileError, match="come from different saves"):
        scratch.load(path)


def _edit(path: Path, change) -> None:
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_loading_a_shape_mismatch(trained):
    _, path, _ = trained
    _edit(path, lambda d: d["architecture"].update(sizes=[12, 8, 4]))
    with pytest.raises(ModelFileError, match=r"W1 has shape \(12, 9\), but sizes \[12, 8, 4\] need \(12, 8\)"):
        scratch.load(path)


def test_loading_an_unknown_activation(trained):
    _, path, _ = trained
    _edit(path, lambda d: d["architecture"].update(activations=["gelu", "softmax"]))
    with pytest.raises(ModelFileError, match=r"toy\.json: invalid architecture: unknown activation 'gelu'"):
        scratch.load(path)


def test_loading_nan_weights(trained, tmp_path):
    net, path, _ = trained
    net.weights[1][0, 0] = np.nan
    net.save(path)
    with pytest.raises(ModelFileError, match=r"toy\.npz: W2 contains NaN"):
        scratch.load(path)


def test_a_huge_declared_size_is_refused_before_anything_is_allocated(trained):
    """A 3 KB JSON declaring a hidden layer of 30 million units must not make loading allocate gigabytes."""
    import tracemalloc
    _, path, _ = trained
    _edit(path, lambda d: d["architecture"].update(sizes=[12, 30_000_000, 4]))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"toy\.npz: W1 has shape \(12, 9\), but sizes \[12, 30000000, 4\] "
                                                 r"need \(12, 30000000\)"):
            scratch.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


def _replace_array(path: Path, name: str, array) -> None:
    npz = path.with_suffix(".npz")
    with np.load(npz) as f:
        arrays = {key: f[key] for key in f.files}
    arrays[name] = array
    np.savez(npz, **arrays)       # np.savez pickles object arrays: exactly what a loader must refuse
    _edit(path, lambda d: d["model_file"].pop("sha256"))


@pytest.mark.parametrize("array,message", [
    (np.zeros((12, 9), np.int32), r"toy\.npz: W1 has dtype int32, expected floats"),
    (np.array([[None] * 9] * 12, dtype=object), r"toy\.npz: W1 has dtype object"),
    (np.zeros((12, 9), np.complex64), r"toy\.npz: W1 has dtype complex64, expected floats"),
])
def test_loading_arrays_that_are_not_floats(trained, array, message):
    _, path, _ = trained
    _replace_array(path, "W1", array)
    with pytest.raises(ModelFileError, match=message):
        scratch.load(path)


def test_loading_a_missing_array(trained):
    _, path, _ = trained
    npz = path.with_suffix(".npz")
    with np.load(npz) as f:
        arrays = {key: f[key] for key in f.files if key != "b2"}
    np.savez(npz, **arrays)
    _edit(path, lambda d: d["model_file"].pop("sha256"))
    with pytest.raises(ModelFileError, match=r"toy\.npz: array b2 is missing"):
        scratch.load(path)


@pytest.mark.parametrize("model_file,message", [
    ([1, 2], r"toy\.json: 'model_file' must be an object"),
    ({"file": "../../etc/passwd"}, r"toy\.json: the weights file '\.\./\.\./etc/passwd' is not a file name beside it"),
    ({"file": "x" * 10000}, r"cannot be read|is missing"),
])
def test_loading_a_bad_weights_file_reference(trained, model_file, message):
    _, path, _ = trained
    _edit(path, lambda d: d.update(model_file=model_file))
    with pytest.raises(ModelFileError, match=message):
        scratch.load(path)


def test_loading_something_that_is_not_a_network(tmp_path):
    (tmp_path / "x.json").write_text('{"format": "something-else"}')
    with pytest.raises(ModelFileError, match="not a scratch network file"):
        scratch.load(tmp_path / "x.json")


# --- imagine and real MNIST -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist_subset(request):
    mnist = request.getfixturevalue("mnist")
    split = mnist.validation_split()
    return (pixels_to_float(split.train_images[:10_000]), split.train_labels[:10_000],
            pixels_to_float(mnist.test_images), mnist.test_labels)


@pytest.fixture(scope="module")
def small_trained_net(mnist_subset):
    x, y, _, _ = mnist_subset
    net = Network([784, 30, 10], activations="sigmoid", cost="quadratic", init="normal_scaled", seed=0)
    net.fit(x, y, epochs=1, batch_size=10, optimizer=scratch.SGD(3.0), verbose=False)
    return net


@pytest.mark.slow
def test_784_30_10_learns_mnist_in_one_epoch(small_trained_net, mnist_subset):
    _, _, x_test, y_test = mnist_subset
    accuracy = small_trained_net.evaluate(x_test, y_test).accuracy
    print(f"784-30-10, one epoch on 10,000 images: test accuracy {accuracy:.4f}")
    assert accuracy >= 0.88


@pytest.mark.slow
@pytest.mark.parametrize("digit", range(10))
def test_the_network_recognises_what_it_imagines(small_trained_net, digit):
    image = scratch.imagine(small_trained_net, digit)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image.min() >= 0 and image.max() == pytest.approx(1.0)
    assert small_trained_net.predict(image[None])[0] == digit
    assert 0.02 < image.mean() < 0.5, "mostly blank paper with some ink, not noise everywhere"


def test_imagine_rejects_bad_digits():
    with pytest.raises(ValueError, match="digit must be a whole number from 0 to 9"):
        scratch.imagine(Network([784, 10], activations="softmax"), 10)


# --- NumPy only -----------------------------------------------------------------------------------

def test_nothing_under_scratch_imports_tensorflow():
    for path in (ROOT / "scratch").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert name.split(".")[0] not in {"tensorflow", "keras", "torch", "jax", "sklearn"}, \
                    f"{path.name} imports {name}"



def test_the_scratch_cnn_runs_where_tensorflow_cannot_be_imported():
    """Not only no import statement: a CNN forward and backward pass, training and saving, in a process
    where importing TensorFlow (or any other ML library) fails."""
    import subprocess
    import sys
    code = """
import sys
class Blocked:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"tensorflow", "keras", "torch", "jax", "sklearn"}:
            raise ImportError(f"{name} is blocked in this test")
sys.meta_path.insert(0, Blocked())
import tempfile, pathlib
import numpy as np
import scratch
net = scratch.cnn(filters=(4, 8), dense=16, seed=0)
rng = np.random.default_rng(0)
x, y = rng.random((16, 28, 28)).astype(np.float32), rng.integers(0, 10, 16)
grads, cost = net.gradients(x, y, training=True)
assert np.isfinite(cost) and all(np.isfinite(g).all() for g in grads.values())
net.fit(x, y, epochs=1, batch_size=8, optimizer=scratch.Adam(0.01), verbose=False)
grad_x, _ = net.input_gradient(x[:1], y[:1])
assert grad_x.shape == (1, 28, 28)
path = pathlib.Path(tempfile.mkdtemp()) / "cnn.json"
net.save(path)
assert (scratch.load(path).predict_proba(x) == net.predict_proba(x)).all()
assert not {"tensorflow", "keras"} & set(sys.modules)
print("ok")
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


@pytest.mark.parametrize("make", [lambda: scratch.SGD(0.5), lambda: scratch.Momentum(0.1, 0.9)])
def test_prescaled_gradients_take_the_same_steps(make):
    """SGD and momentum get lr * g from the network (the output error is scaled before backpropagation);
    the steps must be those of the plain formula, weight decay included."""
    x, y = toy_problem()

    class Plain(type(make())):          # the same optimizer, told it is not linear: the textbook path
        linear = False

    trained = []
    for optimizer in (make(), Plain(**{"learning_rate": make().schedule} | make()._hyperparameters())):
        net = Network([12, 16, 4], activations=["relu", "softmax"], init="he", seed=5, dtype=np.float64)
        net.fit(x, y, epochs=3, batch_size=32, optimizer=optimizer, weight_decay=0.01, verbose=False)
        trained.append(net)
    for a, b in zip(trained[0].weights + trained[0].biases, trained[1].weights + trained[1].biases):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)

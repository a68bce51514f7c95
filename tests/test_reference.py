"""The fast, in-place training path of scratch.Network computes exactly the textbook backpropagation of
scratch.reference, on random networks of every activation and cost."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import reference
from scratch.checks import NO_CLASS
from scratch.network import Network

CASES = [(["sigmoid", "sigmoid"], "quadratic"), (["relu", "relu", "softmax"], "cross_entropy"),
         (["tanh", "leaky_relu", "sigmoid"], "cross_entropy"), (["linear", "tanh"], "quadratic")]


@pytest.mark.parametrize("activations,cost", CASES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fast_backprop_equals_the_reference(activations, cost, seed):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(3, 12)) for _ in range(len(activations) + 1)]
    net = Network(sizes, activations=activations, cost=cost, init="glorot", seed=seed, dtype=np.float64)
    for b in net.biases:                       # non-zero biases, so a bias bug cannot hide
        b[:] = rng.normal(size=b.shape)
    x, y = rng.random((9, sizes[0])), rng.integers(0, sizes[-1], 9)
    y[:3] = NO_CLASS                           # drawings that are no digit: their desired output is uniform
    desired = np.vstack([np.full((3, sizes[-1]), 1 / sizes[-1]), np.eye(sizes[-1])[y[3:]]])
    fast_w, fast_b, fast_cost = net.gradients(x, y)
    ref_w, ref_b, ref_cost = reference.backprop(x, desired, net.weights, net.biases, net.activations, net.cost)
    assert fast_cost == pytest.approx(ref_cost, rel=1e-12)
    for fast, ref in zip(fast_w + fast_b, ref_w + ref_b):
        np.testing.assert_allclose(fast, ref, rtol=1e-10, atol=1e-13)


def test_reference_forward_gives_the_networks_outputs():
    net = Network([784, 30, 10], activations="sigmoid", cost="quadratic", seed=3)
    x = np.random.default_rng(0).random((5, 784)).astype(np.float32)
    _, activations = reference.forward(x, net.weights, net.biases, net.activations)
    np.testing.assert_allclose(activations[-1], net.predict_proba(x), rtol=1e-6)


def test_the_comparison_can_fail():
    """A reference fed a different weight disagrees: the test above is not vacuous."""
    net = Network([4, 3, 2], activations=["tanh", "softmax"], seed=0, dtype=np.float64)
    x, y = np.random.default_rng(1).random((6, 4)), np.array([0, 1, 0, 1, 1, 0])
    changed = [w.copy() for w in net.weights]
    changed[0][0, 0] += 0.1
    fast_w, _, _ = net.gradients(x, y)
    ref_w, _, _ = reference.backprop(x, np.eye(2)[y], changed, net.biases, net.activations, net.cost)
    assert not np.allclose(fast_w[0], ref_w[0])


def test_a_training_step_descends_the_reference_gradient_also_for_no_digit_labels():
    """The training path fills its desired outputs in place (no allocation per batch); for a NO_CLASS
    label they must be the uniform row the reference is given."""
    rng = np.random.default_rng(4)
    net = Network([6, 5, 4], activations=["sigmoid", "softmax"], cost="cross_entropy", seed=2, dtype=np.float64)
    x, y = rng.random((8, 6)), np.array([0, NO_CLASS, 3, 1, NO_CLASS, 2, 0, NO_CLASS])
    desired = np.where((y == NO_CLASS)[:, None], 1 / 4, np.eye(4)[np.maximum(y, 0)])
    ref_w, ref_b, _ = reference.backprop(x, desired, net.weights, net.biases, net.activations, net.cost)
    before = [p.copy() for p in net.weights + net.biases]
    net.fit(x, y, epochs=1, batch_size=8, optimizer={"name": "sgd", "learning_rate": 0.5}, verbose=False)
    for old, new, gradient in zip(before, net.weights + net.biases, ref_w + ref_b):
        np.testing.assert_allclose(new, old - 0.5 * gradient, rtol=1e-10, atol=1e-12)

"""The fast CNN layers of scratch.layers compute exactly the plain definitions of scratch.reference_layers."""

from __future__ import annotations

import numpy as np
import pytest

from scratch import reference_layers as ref
from scratch.layers import BatchNormalization, Conv2D, MaxPool2D


def built(layer, input_shape, seed=0):
    layer.build(input_shape, np.random.default_rng(seed), np.float64)
    return layer


@pytest.mark.parametrize("shape,filters,kernel,use_bias", [((9, 8, 1), 4, 3, True), ((7, 7, 3), 5, 5, False),
                                                           ((12, 12, 20), 6, 5, False)])
def test_conv2d_equals_the_definition(shape, filters, kernel, use_bias):
    rng = np.random.default_rng(1)
    layer = built(Conv2D(filters, kernel, use_bias=use_bias), shape)
    if use_bias:
        layer.bias[:] = rng.normal(size=filters)
    x = rng.normal(size=(3, *shape))
    y = layer.forward(x, training=True).copy()
    np.testing.assert_allclose(y, ref.conv2d_forward(x, layer.kernel, layer.bias), rtol=1e-10, atol=1e-12)
    grad_y = rng.normal(size=y.shape)
    grad_x = layer.backward(grad_y).copy()
    want_x, want_kernel, want_bias = ref.conv2d_backward(x, layer.kernel, grad_y)
    np.testing.assert_allclose(grad_x, want_x, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.grads[0], want_kernel, rtol=1e-10, atol=1e-12)
    if use_bias:
        np.testing.assert_allclose(layer.grads[1], want_bias, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape", [(8, 8, 3), (7, 9, 2)])
def test_max_pool_equals_the_definition(shape):
    rng = np.random.default_rng(2)
    layer = built(MaxPool2D(), shape)
    x = rng.normal(size=(2, *shape))
    x[0, 0, 0, 0] = x[0, 0, 1, 0] = 9.0           # a tie: the first winner takes the gradient
    y = layer.forward(x, training=True).copy()
    np.testing.assert_array_equal(y, ref.max_pool_forward(x))
    grad_y = rng.normal(size=y.shape)
    np.testing.assert_allclose(layer.backward(grad_y), ref.max_pool_backward(x, grad_y), rtol=1e-12)


@pytest.mark.parametrize("shape", [(6, 6, 4), (10,)])
def test_batch_norm_in_training_equals_the_definition(shape):
    rng = np.random.default_rng(3)
    layer = built(BatchNormalization(), shape)
    layer.gamma[:] = rng.normal(size=shape[-1])
    layer.beta[:] = rng.normal(size=shape[-1])
    x = rng.normal(2.0, 3.0, size=(5, *shape))
    y = layer.forward(x, training=True).copy()
    np.testing.assert_allclose(y, ref.batch_norm_forward(x, layer.gamma, layer.beta, layer.epsilon), rtol=1e-10)
    grad_y = rng.normal(size=y.shape)
    grad_x = layer.backward(grad_y).copy()
    want_x, want_gamma, want_beta = ref.batch_norm_backward(x, layer.gamma, grad_y, layer.epsilon)
    np.testing.assert_allclose(grad_x, want_x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(layer.grads[0], want_gamma, rtol=1e-10)
    np.testing.assert_allclose(layer.grads[1], want_beta, rtol=1e-10)


def test_the_definitions_are_right_by_finite_differences():
    """The reference itself is checked against central differences, so the two cannot agree on a mistake."""
    rng = np.random.default_rng(4)
    x, kernel = rng.normal(size=(2, 5, 5, 2)), rng.normal(size=(3, 3, 2, 3))
    grad_y = rng.normal(size=(2, 3, 3, 3))
    grad_x, grad_kernel, _ = ref.conv2d_backward(x, kernel, grad_y)
    h = 1e-6
    for index in [(0, 1, 2, 1), (1, 4, 0, 0)]:
        bumped = x.copy()
        bumped[index] += h
        numeric = ((ref.conv2d_forward(bumped, kernel, None) - ref.conv2d_forward(x, kernel, None)) * grad_y).sum() / h
        assert numeric == pytest.approx(grad_x[index], rel=1e-4)
    bumped = kernel.copy()
    bumped[1, 2, 0, 1] += h
    numeric = ((ref.conv2d_forward(x, bumped, None) - ref.conv2d_forward(x, kernel, None)) * grad_y).sum() / h
    assert numeric == pytest.approx(grad_kernel[1, 2, 0, 1], rel=1e-4)
    gamma = rng.normal(size=3)
    xb, gy = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    grad_xb, _, _ = ref.batch_norm_backward(xb, gamma, gy)
    bumped = xb.copy()
    bumped[2, 1] += h
    numeric = ((ref.batch_norm_forward(bumped, gamma, 0) - ref.batch_norm_forward(xb, gamma, 0)) * gy).sum() / h
    assert numeric == pytest.approx(grad_xb[2, 1], rel=1e-3)

"""The CNN layers in their plainest form: loops over the kernel and the window, straight from the definitions.

`scratch/layers.py` computes the same things with im2col, reused buffers, transposed storage and
strided views, because that is what makes training fast. Read this file first: each function is one
layer's forward or backward pass written as the formula says. tests/test_reference_layers.py checks
that the fast layers agree with these to float64 rounding.

Shapes are channels-last, like Keras: images x (n, h, w, c); kernels (kh, kw, c, f).
"""

from __future__ import annotations

import numpy as np


def conv2d_forward(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None) -> np.ndarray:
    """y[n, i, j, f] = sum over (di, dj, c) of x[n, i+di, j+dj, c] * kernel[di, dj, c, f]  (+ bias[f]).

    x (n, h, w, c) -> y (n, h-kh+1, w-kw+1, f): "valid" padding, stride 1. One term of the sum per
    kernel offset (di, dj): shift the image by the offset and multiply every channel by that kernel entry.
    """
    kh, kw, _, f = kernel.shape
    n, h, w, _ = x.shape
    y = np.zeros((n, h - kh + 1, w - kw + 1, f))
    for di in range(kh):
        for dj in range(kw):
            shifted = x[:, di:di + h - kh + 1, dj:dj + w - kw + 1, :]          # (n, oh, ow, c)
            y += shifted @ kernel[di, dj]                                     # (c, f)
    return y + bias if bias is not None else y


def conv2d_backward(x: np.ndarray, kernel: np.ndarray, grad_y: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dC/dx, dC/dkernel, dC/dbias) from dC/dy (n, oh, ow, f), by differentiating each term of the sum:
    x[n, i+di, j+dj, c] met kernel[di, dj, c, f] in y[n, i, j, f], so the gradient flows back along the
    same pairs."""
    kh, kw, _, _ = kernel.shape
    _, oh, ow, _ = grad_y.shape
    grad_x, grad_kernel = np.zeros_like(x, dtype=float), np.zeros_like(kernel, dtype=float)
    for di in range(kh):
        for dj in range(kw):
            shifted = x[:, di:di + oh, dj:dj + ow, :]                          # (n, oh, ow, c)
            grad_kernel[di, dj] = np.einsum("nijc,nijf->cf", shifted, grad_y)
            grad_x[:, di:di + oh, dj:dj + ow, :] += grad_y @ kernel[di, dj].T
    return grad_x, grad_kernel, grad_y.sum(axis=(0, 1, 2))


def max_pool_forward(x: np.ndarray) -> np.ndarray:
    """y[n, i, j, c] = the largest of x[n, 2i:2i+2, 2j:2j+2, c]: x (n, h, w, c) -> (n, h//2, w//2, c)."""
    n, h, w, c = x.shape
    y = np.empty((n, h // 2, w // 2, c))
    for i in range(h // 2):
        for j in range(w // 2):
            y[:, i, j, :] = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :].max(axis=(1, 2))
    return y


def max_pool_backward(x: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
    """dC/dx: each window's gradient goes to the pixel that won it; when several tie, to the first one
    reading the window row by row (TensorFlow's rule); rows and columns past the last full window get none."""
    grad_x = np.zeros_like(x, dtype=float)
    n, h, w, c = x.shape
    for i in range(h // 2):
        for j in range(w // 2):
            window = x[:, 2 * i:2 * i + 2, 2 * j:2 * j + 2, :].reshape(n, 4, c)     # the 4 pixels, row by row
            first = window.argmax(axis=1)                                           # (n, c): argmax takes the first
            for k in range(4):
                grad_x[:, 2 * i + k // 2, 2 * j + k % 2, :] = np.where(first == k, grad_y[:, i, j, :], 0.0)
    return grad_x


def batch_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, epsilon: float = 1e-3) -> np.ndarray:
    """Training mode: each channel (the last axis) normalised by the mean and (biased) variance of the
    batch over every other axis, then scaled by gamma and shifted by beta."""
    axes = tuple(range(x.ndim - 1))
    mean, variance = x.mean(axis=axes), x.var(axis=axes)
    return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta


def batch_norm_backward(x: np.ndarray, gamma: np.ndarray, grad_y: np.ndarray, epsilon: float = 1e-3
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dC/dx, dC/dgamma, dC/dbeta) in training mode. x_hat = (x - mean) / std depends on every sample
    through the batch statistics, which gives the two extra terms:
        dC/dx = gamma / std * (g - mean(g) - x_hat * mean(g * x_hat)),   g = dC/dy, means over the batch axes."""
    axes = tuple(range(x.ndim - 1))
    std = np.sqrt(x.var(axis=axes) + epsilon)
    x_hat = (x - x.mean(axis=axes)) / std
    grad_x = gamma / std * (grad_y - grad_y.mean(axis=axes) - x_hat * (grad_y * x_hat).mean(axis=axes))
    return grad_x, (grad_y * x_hat).sum(axis=axes), grad_y.sum(axis=axes)

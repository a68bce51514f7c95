"""What does a network think a digit looks like? Ask it, by gradient descent on the input.

Start from a blank page and repeatedly nudge every pixel in the direction that
lowers the network's cost of calling the image `digit` (the gradient of the cost
with respect to the input, found by backpropagating one step further than
training does). Left alone this finds high-frequency noise that fools the
network, so each step also:

- pulls pixels back towards blank paper (an L2 penalty: ink must earn its place),
- blurs the image a little every few steps (neighbouring pixels should agree, like pen strokes),
- clips to [0, 1], the range of real images.

(The defaults were chosen by looking at grids of results for sigmoid and ReLU
networks: lighter regularisation leaves speckled noise, heavier blur fades the
digit until the network no longer recognises it.) The result is stretched so its
darkest pixel is 1, and callers should check what the network says of it.

The loop is framework-free: it needs only a function giving dC/dx, which the
scratch networks compute by backpropagation and Keras models by tf.GradientTape.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

InputGradient = Callable[[np.ndarray], tuple[np.ndarray, float]]   # x (1, 28, 28) -> (dC/dx, C)


def dream(input_gradient: InputGradient, *, steps: int = 300, step_size: float = 0.1,
          l2: float = 0.03, blur_every: int = 1, blur_sigma: float = 0.7, seed: int = 0) -> np.ndarray:
    """Gradient descent on a (28, 28) image to minimise a network's cost; returns float32 in [0, 1].

    input_gradient: given x (1, 28, 28) float32, returns (dC/dx of the same shape, C).
    step_size: the largest change of any pixel in one step (steps are normalised by the
        gradient's largest entry, so the same settings suit every network).
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, got {steps}")
    rng = np.random.default_rng(seed)
    x = (0.05 * rng.random((1, 28, 28))).astype(np.float32)   # faint noise, so symmetric units can differ
    for step in range(steps):
        grad, _ = input_gradient(x)
        grad = np.asarray(grad, dtype=np.float32).reshape(x.shape)
        scale = float(np.abs(grad).max())
        if scale > 0:
            x -= step_size * grad / scale
        x *= 1.0 - l2                                   # decay towards blank paper
        if blur_every and step % blur_every == 0:
            x = gaussian_blur(x, blur_sigma)
        np.clip(x, 0.0, 1.0, out=x)
    top = float(x.max())
    return x[0] / top if top > 0 else x[0]   # full contrast: the darkest stroke is black ink


def gaussian_blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Blur a batch of images (n, h, w) with a Gaussian of `sigma` pixels (zero padding)."""
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = (taps / taps.sum()).astype(images.dtype)
    out = images
    for axis in (1, 2):   # separable: rows, then columns
        padded = np.pad(out, [(0, 0)] + [(radius, radius) if a == axis else (0, 0) for a in (1, 2)])
        length = out.shape[axis]
        out = sum(t * np.take(padded, np.arange(i, i + length), axis=axis) for i, t in enumerate(taps))
    return out.astype(images.dtype, copy=False)

"""`imagine(model, digit)`: the picture a scratch model finds most typical of a digit.

The gradient comes from the model's `input_gradient` (Network or Sequential), which is
backpropagation carried one layer further than training needs: down to the pixels.
The descent loop and its regularisers are shared with the Keras models (scratch.dream).
"""

from __future__ import annotations

import math

import numpy as np

from scratch.dream import dream
from scratch.network import Network
from scratch.sequential import Sequential


def imagine(model: Network | Sequential, digit: int, **options) -> np.ndarray:
    """A (28, 28) float32 image in [0, 1] that `model` classifies as `digit` with low cost.

    options: steps, step_size, l2, blur_every, blur_sigma, seed (see scratch.dream.dream).
    """
    if isinstance(model, Sequential):
        pixels, classes, shape = math.prod(model.input_shape), model.classes, (1, *model.input_shape)
    else:
        pixels, classes, shape = model.sizes[0], model.sizes[-1], (1, model.sizes[0])
    if pixels != 784:
        raise ValueError(f"imagine needs a network with 784 inputs (28x28 images), this one has {pixels}")
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < classes:
        raise ValueError(f"digit must be a whole number from 0 to {classes - 1}, got {digit!r}")
    label = np.array([digit])

    def input_gradient(x: np.ndarray) -> tuple[np.ndarray, float]:
        return model.input_gradient(x.reshape(shape), label)

    return dream(input_gradient, **options)

"""`imagine(net, digit)`: the picture a scratch network finds most typical of a digit.

The gradient comes from `Network.input_gradient`, which is backpropagation
carried one layer further than training needs: down to the pixels. The descent
loop and its regularisers are shared with the Keras models (scratch.dream).
"""

from __future__ import annotations

import numpy as np

from scratch.network import Network
from scratch.dream import dream


def imagine(net: Network, digit: int, **options) -> np.ndarray:
    """A (28, 28) float32 image in [0, 1] that `net` classifies as `digit` with low cost.

    options: steps, step_size, l2, blur_every, blur_sigma, seed (see scratch.dream.dream).
    """
    if net.sizes[0] != 784:
        raise ValueError(f"imagine needs a network with 784 inputs (28x28 images), this one has {net.sizes[0]}")
    if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < net.sizes[-1]:
        raise ValueError(f"digit must be a whole number from 0 to {net.sizes[-1] - 1}, got {digit!r}")
    label = np.array([digit])

    def input_gradient(x: np.ndarray) -> tuple[np.ndarray, float]:
        return net.input_gradient(x.reshape(1, 784), label)

    return dream(input_gradient, **options)

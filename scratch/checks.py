"""Input validation at the library's boundary.

Every public entry point checks its arguments here, so a mistake is reported
as "expected X, got Y" in the caller's terms instead of as a shape error from
deep inside a matrix product three layers down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def layer_sizes(sizes: Sequence[int]) -> list[int]:
    try:
        out = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"sizes must be a list of layer sizes such as [784, 30, 10], got {sizes!r}") from None
    if len(out) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {out}")
    if any(s < 1 or s != size for s, size in zip(out, sizes)):
        raise ValueError(f"layer sizes must be positive whole numbers, got {list(sizes)}")
    return out


def activation_list(spec, n_layers: int, make: Callable) -> list:
    """One activation object per layer from a single name or a list of per-layer names."""
    if isinstance(spec, (str, dict)) or not isinstance(spec, Sequence):
        return [make(spec) for _ in range(n_layers)]   # a fresh object per layer
    if len(spec) != n_layers:
        raise ValueError(
            f"activations lists {len(spec)} functions but the network has {n_layers} layers after the "
            f"input; give one per layer, or a single name for all"
        )
    return [make(s) for s in spec]


def inputs(x, n_inputs: int, dtype: np.dtype, name: str = "x") -> np.ndarray:
    """Images (n, 28, 28) or vectors (n, n_inputs), floats in [0, 1] -> (n, n_inputs) of `dtype`.

    Any float dtype is accepted and converted; integer pixels are refused because
    forgetting to divide by 255 is the most common mistake, and it trains silently badly.
    """
    x = np.asarray(x)
    if x.dtype.kind not in "f":
        hint = " (pixels 0..255? divide by 255, e.g. x / 255)" if x.dtype.kind in "ui" else ""
        raise ValueError(f"{name} must hold floats in [0, 1], got dtype {x.dtype}{hint}")
    if x.ndim < 2:
        raise ValueError(f"{name} must be a batch, shape (n, {n_inputs}) or (n, 28, 28), got shape {x.shape}; "
                         f"for a single sample use x[None]")
    features = int(np.prod(x.shape[1:]))
    if features != n_inputs:
        one_sample = int(np.prod(x.shape)) == n_inputs
        raise ValueError(
            f"{name} has {features} values per sample (shape {x.shape}) but the network's input layer "
            f"has {n_inputs} units" + (f"; this looks like one sample: pass {name}[None], shape (1, "
                                       f"{', '.join(map(str, x.shape))})" if one_sample else "")
        )
    if len(x) == 0:
        raise ValueError(f"{name} is empty (shape {x.shape})")
    x = x.reshape(len(x), n_inputs)
    low, high = float(x.min()), float(x.max())
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"{name} contains non-finite values (NaN or infinity)")
    if low < 0 or high > 1:
        raise ValueError(f"{name} values must be in [0, 1], got a range of {low:g} to {high:g}")
    return np.ascontiguousarray(x, dtype=dtype)


NO_CLASS = -1   # the label of a sample that belongs to none of the classes (a drawing that is no digit)


def labels(y, n: int, n_classes: int, name: str = "y") -> np.ndarray:
    """Integer labels (n,) in 0..n_classes-1, or NO_CLASS (-1) for none of them -> int64 array."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be integer labels of shape ({n},), got shape {y.shape}"
                         + ("; one-hot rows? pass y.argmax(axis=1)" if y.ndim == 2 else ""))
    if y.dtype.kind not in "ui":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}"
                         + (" (convert with y.astype(int))" if y.dtype.kind == "f" else ""))
    if len(y) != n:
        raise ValueError(f"{name} has {len(y)} labels but there are {n} samples")
    if y.size and (y.min() < NO_CLASS or y.max() >= n_classes):
        raise ValueError(f"{name} labels must be in 0..{n_classes - 1} (or {NO_CLASS} for none of them), "
                         f"got values from {y.min()} to {y.max()}")
    return y.astype(np.int64, copy=False)


def without_no_class(y: np.ndarray, name: str = "y") -> np.ndarray:
    """Checked labels y, refused if any is NO_CLASS: validation data chooses the best epoch by accuracy on
    the classes, where a sample of none of them would count as a miss whatever the network answers."""
    if (np.asarray(y) == NO_CLASS).any():
        raise ValueError(f"{name} holds the label {NO_CLASS} (none of the classes): validation data must be "
                         f"samples of the classes")
    return y


def one_hot(y: np.ndarray, n: int, n_classes: int, dtype: np.dtype) -> np.ndarray:
    """Labels (n,) -> one-hot rows (n, n_classes), the desired output y of the cost.

    A NO_CLASS label's row is uniform (1 / n_classes each): for a drawing that is no digit the network
    should spread its answer evenly instead of being sure of one digit (outlier exposure)."""
    y = labels(y, n, n_classes)
    return fill_targets(np.empty((n, n_classes), dtype), y)


def fill_targets(out: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Write the desired outputs of int64 labels y (n,) into `out` (n, n_classes), in place; see one_hot."""
    out.fill(0)
    known = y != NO_CLASS
    out[np.flatnonzero(known), y[known]] = 1
    out[~known] = 1 / out.shape[1]
    return out


def validation_pair(validation) -> tuple:
    if not isinstance(validation, (tuple, list)) or len(validation) != 2:
        raise ValueError("validation must be a pair (x_val, y_val)")
    return validation[0], validation[1]


def augmented(batch, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """What an augment hook returned must look like what it was given."""
    batch = np.asarray(batch)
    if batch.shape != shape:
        raise ValueError(f"the augment function returned shape {batch.shape}, expected {shape}")
    return batch.astype(dtype, copy=False)


def count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def seed(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"seed must be a non-negative whole number, got {value!r}")
    return int(value)


def rate(value, name: str) -> float:
    value = _number(value, name)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def positive(value, name: str) -> float:
    value = _number(value, name)
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return value


def non_negative(value, name: str) -> float:
    value = _number(value, name)
    if value < 0:
        raise ValueError(f"{name} must be zero or positive, got {value}")
    return value


def float_dtype(dtype) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}") from None
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dtype}")
    return dtype


def _number(value, name: str) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value

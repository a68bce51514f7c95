"""What the window says about a set of model outputs: pure functions, testable without a window.

People draw letters and scribbles too, and MNIST models answer anyway, with confidence. So
the window only presents a digit as "the answer" when the chosen model is sure of it, and in
the compare-all view only when the models agree; otherwise it says the answer is unsure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

UNSURE_BELOW = 0.6   # top output activation (normalised to sum 1) below this: the model is unsure


@dataclass(frozen=True)
class Opinion:
    """One model's answer for one drawing."""

    digit: int            # the digit with the largest output
    confidence: float     # its share of the outputs (the softmax probability, or the normalised sigmoid)
    outputs: np.ndarray   # (10,) the raw output activations, as the bars show them

    @property
    def sure(self) -> bool:
        return self.confidence >= UNSURE_BELOW


def opinion(outputs: np.ndarray) -> Opinion:
    """Read a model's (10,) output activations. Sigmoid outputs (784-30-10) need not sum to 1,
    so confidence is the top output's share of the total: for softmax models that is the probability."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(-1)
    if outputs.shape != (10,) or not np.isfinite(outputs).all():
        raise ValueError(f"expected 10 finite outputs, got shape {outputs.shape}")
    total = float(outputs.clip(min=0).sum())
    digit = int(outputs.argmax())
    confidence = float(outputs[digit]) / total if total > 0 else 0.0
    return Opinion(digit, confidence, outputs.astype(np.float32))


def single_verdict(name: str, view: Opinion) -> str:
    """The sentence under the big digit for the chosen model."""
    if view.sure:
        return f"{name} says {view.digit} ({view.confidence:.0%} sure)."
    return (f"Unsure: {name}'s best guess is {view.digit}, only {view.confidence:.0%} sure. "
            f"Is it a digit? Try drawing it larger and clearer.")


@dataclass(frozen=True)
class Agreement:
    majority: int | None          # the most common answer (None without opinions)
    disagreeing: frozenset[str]   # names of the models whose answer is not the majority's
    unsure: frozenset[str]        # names of the models that are not sure of their answer
    message: str


def agreement(opinions: Mapping[str, Opinion]) -> Agreement:
    """Which models disagree with the majority, and the sentence that sums it up."""
    if not opinions:
        return Agreement(None, frozenset(), frozenset(), "No model is available.")
    votes = Counter(view.digit for view in opinions.values())
    # Ties broken by the summed confidence, so the answer does not depend on dictionary order.
    majority = max(votes, key=lambda d: (votes[d], sum(v.confidence for v in opinions.values() if v.digit == d)))
    disagreeing = frozenset(name for name, view in opinions.items() if view.digit != majority)
    unsure = frozenset(name for name, view in opinions.items() if not view.sure)
    n = len(opinions)
    if not disagreeing and not unsure:
        message = f"All {n} models say {majority}." if n > 1 else f"The model says {majority}."
    elif not disagreeing:
        message = f"All {n} models say {majority}, but {len(unsure)} of them unsure: the answer is unsure."
    else:
        others = ", ".join(f"{votes[d]} say {d}" for d in sorted(votes, key=lambda d: -votes[d]) if d != majority)
        message = f"Unsure: the models disagree. {votes[majority]} of {n} say {majority}; {others}."
    return Agreement(majority, disagreeing, unsure, message)

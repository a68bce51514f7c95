"""What the window says about a set of model outputs: pure functions, testable without a window.

People draw letters and scribbles too, and MNIST models answer anyway, with confidence. So the window
presents a digit as "the answer" only when the rule fitted on data says it is sure
(workbench.models.confidence.SureRule, read from calibration.json beside the models), and otherwise
says "unsure: 7 or 1?" or "this does not look like a digit". A model the rule was not fitted for (a
rebuilt or new model, or no calibration.json) falls back to the old hand-set rule (top share at least
OLD_RULE_SURE), and the window says its confidence is not calibrated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from workbench.models.confidence import OLD_RULE_SURE, Reading, SureRule


@dataclass(frozen=True)
class Opinion:
    """One model's answer for one drawing."""

    digit: int            # the digit with the largest output
    confidence: float     # its calibrated probability, or (uncalibrated) its share of the outputs
    outputs: np.ndarray   # (10,) the raw output activations, as the bars show them
    reading: Reading | None = None   # what the fitted rule says; None if the model is not calibrated
    features: np.ndarray | None = None   # (units,) its last hidden layer, when compare-all's likeness reads it

    @property
    def sure(self) -> bool:
        return self.reading.sure if self.reading is not None else self.confidence >= OLD_RULE_SURE

    @property
    def calibrated(self) -> bool:
        return self.reading is not None


def opinion(outputs: np.ndarray, rule: SureRule | None = None, name: str | None = None,
            features: np.ndarray | None = None) -> Opinion:
    """Read a model's (10,) output activations, with `rule`'s calibration of model `name` if given;
    `features`: its (units,) last hidden layer, kept for compare-all when the rule's likeness reads it.

    Uncalibrated, confidence is the top output's share of the total (sigmoid outputs need not sum to 1;
    for softmax models that is the probability). A rule that cannot read this model (it has no
    numbers for it) leaves the opinion uncalibrated rather than failing."""
    outputs = np.asarray(outputs, dtype=np.float64).reshape(-1)
    if outputs.shape != (10,) or not np.isfinite(outputs).all():
        raise ValueError(f"expected 10 finite outputs, got shape {outputs.shape}")
    if rule is not None and name is not None and name in rule.temperatures and name in rule.single_thresholds:
        reading = rule.read_single(name, outputs.clip(min=0))
        kept = None if features is None else np.asarray(features, np.float32).reshape(-1)
        return Opinion(reading.digit, reading.confidence, outputs.astype(np.float32), reading, kept)
    total = float(outputs.clip(min=0).sum())
    digit = int(outputs.argmax())
    confidence = float(outputs[digit]) / total if total > 0 else 0.0
    return Opinion(digit, confidence, outputs.astype(np.float32))


def single_verdict(name: str, view: Opinion) -> str:
    """The sentence under the big digit for the chosen model."""
    if view.reading is not None:
        reading = view.reading
        if reading.sure:
            return f"{name} says {view.digit}: sure ({view.confidence:.0%}, calibrated)."
        if reading.kind == "unsure":
            return f"{name}: {reading.phrase()} ({view.digit} at {view.confidence:.0%}, calibrated)"
        return (f"{name}: {reading.phrase()}. Its best guess, {view.digit}, gets only {view.confidence:.0%} "
                f"(calibrated).")
    if view.sure:
        return f"{name} says {view.digit} ({view.confidence:.0%} of its output; not calibrated)."
    return (f"Unsure: {name}'s best guess is {view.digit}, only {view.confidence:.0%} of its output (not "
            f"calibrated). Is it a digit? Try drawing it larger and clearer.")


@dataclass(frozen=True)
class Agreement:
    majority: int | None          # the answer (the rule's digit when calibrated, else the most common one)
    disagreeing: frozenset[str]   # names of the models whose answer is not it
    unsure: frozenset[str]        # names of the models that are not sure of their answer
    message: str
    sure: bool = False            # whether the window presents `majority` as the answer


def agreement(opinions: Mapping[str, Opinion], rule: SureRule | None = None) -> Agreement:
    """What compare-all says: the fitted rule's reading when `rule` covers exactly these models (see
    `rule_applies`), else the old rule (sure when all agree and all are sure)."""
    if not opinions:
        return Agreement(None, frozenset(), frozenset(), "No model is available.")
    votes = Counter(view.digit for view in opinions.values())
    unsure = frozenset(name for name, view in opinions.items() if not view.sure)
    n = len(opinions)
    if rule is not None and rule_applies(rule, opinions):
        reading = rule.read_combined({name: view.outputs.clip(min=0) for name, view in opinions.items()},
                                     {name: opinions[name].features for name in rule.needs_features})
        answer = reading.digit
        disagreeing = frozenset(name for name, view in opinions.items() if view.digit != answer)
        said = f"{votes[answer]} of {n} models say {answer}"
        others = ", ".join(f"{votes[d]} say {d}" for d in sorted(votes, key=lambda d: -votes[d]) if d != answer)
        if rule.equal_votes:
            pooled = f"together {reading.confidence:.0%} for {answer}"
        else:       # say whose vote counts: "sure" may stand on two models that the others contradict
            pooled = f"the vote ({rule.vote_shares}) gives {answer} {reading.confidence:.0%}"
        detail = f"{said}{'; ' + others if others else ''}; {pooled}."
        if reading.sure:
            message = f"Sure: {answer}. {detail}"
        elif reading.kind == "unsure":
            message = f"Unsure: {reading.digit} or {reading.runner_up}? {detail}"
        elif rule.needs_features:
            message = (f"This does not look like a digit: inside {', '.join(rule.needs_features)} it lies far "
                       f"from every digit they were calibrated on. {detail}")
        else:
            message = f"This does not look like a digit. {detail}"
        return Agreement(answer, disagreeing, unsure, message, reading.sure)
    # Ties broken by the summed confidence, so the answer does not depend on dictionary order.
    majority = max(votes, key=lambda d: (votes[d], sum(v.confidence for v in opinions.values() if v.digit == d)))
    disagreeing = frozenset(name for name, view in opinions.items() if view.digit != majority)
    if rule is None:
        note = ""
    elif _calibrated_for(rule, opinions):              # so it was the hidden layers that were missing
        note = (f" (The hidden layers of {', '.join(rule.needs_features)} that the rule reads could not be "
                f"computed: the old rule.)")
    else:
        note = " (Not calibrated for this set of models: the old rule.)"
    if not disagreeing and not unsure:
        message = f"All {n} models say {majority}." if n > 1 else f"The model says {majority}."
    elif not disagreeing:
        message = f"All {n} models say {majority}, but {len(unsure)} of them unsure: the answer is unsure."
    else:
        others = ", ".join(f"{votes[d]} say {d}" for d in sorted(votes, key=lambda d: -votes[d]) if d != majority)
        message = f"Unsure: the models disagree. {votes[majority]} of {n} say {majority}; {others}."
    return Agreement(majority, disagreeing, unsure, message + note, not disagreeing and not unsure)


def rule_applies(rule: SureRule, opinions: Mapping[str, Opinion]) -> bool:
    """The compare-all rule was fitted for one set of models: it applies when exactly those answer, every
    one of them is read with the rule's calibration (so none was rebuilt since), and the hidden layers its
    likeness reads came with their opinions."""
    return _calibrated_for(rule, opinions) and all(
        opinions[name].features is not None and rule.likeness[name].accepts(opinions[name].features)
        for name in rule.needs_features)


def _calibrated_for(rule: SureRule, opinions: Mapping[str, Opinion]) -> bool:
    """Exactly the rule's models answer, each read with the rule's calibration."""
    return all(view.calibrated for view in opinions.values()) and rule.applies_to(set(opinions))

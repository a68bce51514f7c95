"""When is a model sure? Calibrated probabilities and the rule behind "sure", "unsure: 7 or 1?" and
"this does not look like a digit", as the window uses them.

A model's top output is a confidence, but not a calibrated one: a network trained to near-zero loss says
99% for drawings it gets wrong. Temperature scaling (Guo et al., 2017) fixes the scale with one number
per model: the calibrated probabilities are softmax(log(p) / T). T > 1 softens over-confident outputs;
the predicted digit never changes. Sigmoid-output models (784-30-10) give outputs that do not sum to 1:
they are first normalised by their sum (each output's share, as the window shows it).

A `SureRule` holds what was fitted on calibration data (workbench.reports.calibration, which writes
calibration.json beside the models):
- each model's temperature and its own "sure" threshold on its calibrated top probability;
- for compare-all, a weighted vote: the models' calibrated probabilities are pooled with `weights`
  (fitted on the calibration data: the weights that best predict its labels, so a model that reads
  drawn digits better counts more, and one that adds nothing counts nothing); the answer is the pool's
  top digit, and it is "sure" when the pool's top probability reaches `threshold`, at least `agreement`
  of the voting models give that digit themselves, AND the drawing looks like a digit to the voters
  (`DigitLikeness` of their last hidden layers, at least `likeness_threshold`). The output layer alone
  cannot tell a letter from a digit: an "a" is a sure 0 to every model. Their hidden layers can;
- "not a digit": for compare-all, when the drawing is less digit-like than all but a small share of the
  calibration digits (`not_digit_likeness`); for one model, when its top two digits together hold less
  probability than they do for all but a small share of the calibration digits (`not_digit_below`).
- which model files it was fitted for (their weights' SHA-256): a model rebuilt since then is not
  calibrated, and the window says so instead of trusting stale numbers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratch.files import read_json
from workbench.models.adapter import Classifier

FORMAT = "digit-workbench/calibration"
FLOOR = 1e-30       # probabilities are clipped here before the log (float32 softmax underflows to 0)
SURE, UNSURE, NOT_A_DIGIT = "sure", "unsure", "not a digit"
T_LIMITS = (0.01, 100.0)     # temperatures a rule may hold: beyond them softmax(log p / T) under- or overflows
OLD_RULE_SURE = 0.6          # the old, hand-set rule: sure when the top output's share reaches this
MAX_UNITS = 256              # the widest hidden layer whose digit-likeness a calibration file holds (units^2 numbers)
MAX_FILE_BYTES = 16_000_000  # enough for six such layers (about 32 bytes a number); anything bigger is not one
MAX_LIKENESS_VALUE = 1e12    # means and precision entries beyond this are no fit of real activations


# --- checking inputs -----------------------------------------------------------------------------

def check_probabilities(p: object, what: str = "probabilities") -> np.ndarray:
    """(n, 10) finite, non-negative outputs as float64; ValueError saying what is wrong."""
    try:
        array = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an (n, 10) array of numbers") from None
    if array.ndim != 2 or array.shape[1] != 10:
        raise ValueError(f"{what} must have shape (n, 10), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    if (array < 0).any():
        raise ValueError(f"{what} must not be negative (got {array.min():g}): pass output activations, not logits")
    return array


def _is_finite_number(value: object) -> bool:
    """A real number (not a bool, not a string) that is neither NaN nor infinite."""
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating)) \
        and math.isfinite(float(value))


def check_temperature(T: object) -> float:
    if not _is_finite_number(T) or float(T) <= 0:
        raise ValueError(f"temperature must be a positive finite number, got {T!r}")
    return float(T)


def _fraction_like(value: object, what: str) -> float:
    """A finite number from 0 to a little above 1 (a threshold above every confidence means 'never sure')."""
    if not _is_finite_number(value) or not 0 <= float(value) <= 1.000001:
        raise ValueError(f"{what} must be a number from 0 to 1, got {value!r}")
    return float(value)


# --- temperature scaling -------------------------------------------------------------------------

def normalised(probabilities: object) -> np.ndarray:
    """(n, 10) outputs divided by their row sums (sigmoid outputs need it; softmax ones are unchanged).
    A row of zeros becomes uniform."""
    p = check_probabilities(probabilities)
    total = p.sum(axis=1, keepdims=True)
    return np.where(total > 0, p / np.where(total > 0, total, 1), 0.1)


def log_probabilities(probabilities: object) -> np.ndarray:
    """log of the normalised outputs, clipped at FLOOR: (n, 10)."""
    return np.log(np.maximum(normalised(probabilities), FLOOR))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibrate(probabilities: object, T: float) -> np.ndarray:
    """softmax(log(p) / T) of (n, 10) outputs (normalised by their sum first): calibrated probabilities."""
    return softmax(log_probabilities(probabilities) / check_temperature(T))


def check_features(features: object, units: int) -> np.ndarray:
    """(n, units) finite last-hidden-layer activations as float64; ValueError saying what is wrong."""
    try:
        x = np.asarray(features, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"features must be an (n, {units}) array of numbers") from None
    if x.ndim != 2 or x.shape[1] != units:
        raise ValueError(f"features must have shape (n, {units}), got {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinite values")
    return x


def _matrix(value: object, shape: tuple[int | None, int | None], what: str) -> np.ndarray:
    """A finite float64 array of `shape` (None: any length, at most MAX_UNITS); ValueError saying what is wrong."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an array of numbers") from None
    if array.ndim != len(shape) or any(want is not None and got != want for got, want in zip(array.shape, shape)) \
            or any(got > MAX_UNITS or got == 0 for got in array.shape):
        wanted = " x ".join("units" if want is None else str(want) for want in shape)
        raise ValueError(f"{what} must have shape {wanted} (units from 1 to {MAX_UNITS}), got {array.shape}")
    if not np.isfinite(array).all() or np.abs(array).max() > MAX_LIKENESS_VALUE:
        raise ValueError(f"{what} must be finite numbers no larger than {MAX_LIKENESS_VALUE:g}")
    return array


@dataclass(frozen=True)
class DigitLikeness:
    """How much a drawing looks like a digit to one model: how close the activations of its last hidden
    layer lie to those of the calibration digits.

    Each digit's activations are modelled as a Gaussian around that digit's mean, all digits sharing one
    covariance (Lee et al., 2018, "A simple unified framework for detecting out-of-distribution samples").
    The squared Mahalanobis distance to the nearest digit's mean says how far a drawing lies from every
    digit the model knows. The score is that distance standardised on the calibration digits, with its sign
    turned so that higher is more digit-like: 0 is their median distance, -1 one standard deviation further.
    """

    means: np.ndarray       # (10, units): each digit's mean activations on the calibration digits
    precision: np.ndarray   # (units, units): the inverse of the shared (shrunk) covariance
    centre: float           # the calibration digits' median distance
    scale: float            # the standard deviation of their distances

    def __post_init__(self) -> None:
        means = _matrix(self.means, (10, None), "likeness means")
        units = means.shape[1]
        precision = _matrix(self.precision, (units, units), "likeness precision")
        # an inverse covariance is symmetric and positive definite; anything else makes "distances" that
        # can be negative, and a far drawing look like a digit
        try:
            if not np.allclose(precision, precision.T, rtol=1e-9, atol=1e-12):
                raise np.linalg.LinAlgError
            np.linalg.cholesky(precision)
        except np.linalg.LinAlgError:
            raise ValueError("likeness precision must be symmetric and positive definite (an inverse "
                             "covariance)") from None
        for what, value in (("centre", self.centre), ("scale", self.scale)):
            if not _is_finite_number(value) or abs(float(value)) > MAX_LIKENESS_VALUE:
                raise ValueError(f"likeness {what} must be a finite number, got {value!r}")
        if float(self.scale) <= 0:
            raise ValueError(f"likeness scale must be positive, got {self.scale!r}")
        for name, value in (("means", means), ("precision", precision), ("centre", float(self.centre)),
                            ("scale", float(self.scale))):
            object.__setattr__(self, name, value)

    @property
    def units(self) -> int:
        return self.means.shape[1]

    def accepts(self, features: object) -> bool:
        """Whether `features` are (units,) finite activations of the layer this likeness was fitted on."""
        x = np.asarray(features)
        return x.shape == (self.units,) and x.dtype.kind in "fiu" and bool(np.isfinite(x).all())

    def distance(self, features: object) -> np.ndarray:
        """(n,) squared Mahalanobis distance of (n, units) activations to the nearest digit's mean."""
        x = check_features(features, self.units)
        nearest = np.full(len(x), np.inf)
        for mean in self.means:                    # one digit at a time: (n, units) at most in memory
            difference = x - mean
            nearest = np.minimum(nearest, np.einsum("ij,ij->i", difference @ self.precision, difference))
        return nearest

    def score(self, features: object) -> np.ndarray:
        """(n,) digit-likeness: (centre - distance) / scale; 0 for a typical calibration digit."""
        return (self.centre - self.distance(features)) / self.scale

    def to_dict(self) -> dict:
        return {"means": self.means.tolist(), "precision": self.precision.tolist(), "centre": self.centre,
                "scale": self.scale}

    @classmethod
    def from_dict(cls, document: object) -> DigitLikeness:
        if not isinstance(document, Mapping):
            raise ValueError("a likeness must be an object with means, precision, centre and scale")
        return cls(document.get("means"), document.get("precision"), document.get("centre"), document.get("scale"))


def top_two_mass(p: np.ndarray) -> np.ndarray:
    """(n,) the probability held by the two likeliest digits of each row of (n, 10) probabilities."""
    top = np.sort(p, axis=1)
    return top[:, -1] + top[:, -2]


# --- the rule ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """What one rule says about one drawing."""

    digit: int                  # the likeliest digit
    runner_up: int              # the second likeliest
    confidence: float           # the (calibrated) probability of `digit`
    kind: str                   # SURE, UNSURE or NOT_A_DIGIT

    @property
    def sure(self) -> bool:
        return self.kind == SURE

    def phrase(self) -> str:
        """'sure', 'unsure: 7 or 1?' or 'this does not look like a digit'."""
        if self.kind == SURE:
            return "sure"
        if self.kind == UNSURE:
            return f"unsure: {self.digit} or {self.runner_up}?"
        return "this does not look like a digit"


@dataclass
class SureRule:
    """Per-model temperatures and thresholds, and the compare-all rule, chosen on calibration data."""

    temperatures: dict[str, float]
    threshold: float                                   # compare-all: the pooled (voted) top probability
    single_thresholds: dict[str, float] = field(default_factory=dict)
    agreement: int = 1                                 # compare-all: models that must give the answer themselves
    not_digit_below: dict[str, float] = field(default_factory=dict)   # per model, and "" for compare-all
    models: dict[str, str] = field(default_factory=dict)              # model -> SHA-256 of its weights file
    max_risk: float = 0.005            # what the thresholds allow: error among digits called sure...
    max_negative_sure: float = 0.05    # ...and share of non-digit drawings called a sure digit
    fitted_on: str = ""
    weights: dict[str, float] = field(default_factory=dict)     # compare-all: each model's vote (default equal)
    likeness: dict[str, DigitLikeness] = field(default_factory=dict)   # per voting model; {}: no likeness test
    likeness_threshold: float | None = None     # compare-all is sure only at or above this likeness...
    not_digit_likeness: float | None = None     # ...and says "not a digit" below this one

    def __post_init__(self) -> None:
        if not isinstance(self.temperatures, Mapping) or not self.temperatures:
            raise ValueError("a SureRule needs the temperature of at least one model")
        self.temperatures = {str(k): check_temperature(v) for k, v in self.temperatures.items()}
        if "" in self.temperatures:
            raise ValueError("a model name must not be empty")
        strange = [T for T in self.temperatures.values() if not T_LIMITS[0] <= T <= T_LIMITS[1]]
        if strange:
            raise ValueError(f"temperatures must be from {T_LIMITS[0]} to {T_LIMITS[1]}, got {strange[0]!r}")
        self.threshold = _fraction_like(self.threshold, "threshold")
        self.single_thresholds = {str(k): _fraction_like(v, f"the threshold of {k}")
                                  for k, v in dict(self.single_thresholds).items()}
        self.not_digit_below = {str(k): _fraction_like(v, f"not_digit_below of {k or 'compare-all'}")
                                for k, v in dict(self.not_digit_below).items()}
        self.weights = _vote_weights(self.weights, self.temperatures)
        if isinstance(self.agreement, bool) or not isinstance(self.agreement, (int, np.integer)) \
                or not 1 <= self.agreement <= len(self.voters):
            raise ValueError(f"agreement must be a whole number from 1 to {len(self.voters)} (the voting models), "
                             f"got {self.agreement!r}")
        if not isinstance(self.likeness, Mapping) or \
                not all(isinstance(v, DigitLikeness) for v in self.likeness.values()):
            raise ValueError("likeness must map model names to DigitLikeness")
        self.likeness = {str(k): v for k, v in self.likeness.items()}
        if not set(self.likeness) <= set(self.voters):
            raise ValueError(f"likeness may be given for voting models only ({', '.join(self.voters)}), "
                             f"got {', '.join(self.likeness)}")
        for what in ("likeness_threshold", "not_digit_likeness"):
            value = getattr(self, what)
            if self.likeness and not _is_finite_number(value):
                raise ValueError(f"{what} must be a finite number when the rule has a likeness, got {value!r}")
            setattr(self, what, float(value) if self.likeness else None)
        self.agreement = int(self.agreement)
        if not isinstance(self.models, Mapping) or not all(isinstance(v, str) for v in self.models.values()):
            raise ValueError("models must map model names to the SHA-256 of their weights")
        self.models = {str(k): v for k, v in self.models.items()}
        self.max_risk = _fraction_like(self.max_risk, "max_risk")
        self.max_negative_sure = _fraction_like(self.max_negative_sure, "max_negative_sure")
        for what, keys in (("single_thresholds", self.single_thresholds), ("models", self.models),
                           ("not_digit_below", set(self.not_digit_below) - {""})):
            unknown = [k for k in keys if k not in self.temperatures]
            if unknown:
                raise ValueError(f"{what} names {', '.join(map(repr, unknown))}, which has no temperature")

    # --- arrays: what calibration and the report use ----------------------------------------

    @property
    def voters(self) -> list[str]:
        """The models whose calibrated probabilities compare-all pools (weight above 0)."""
        return [name for name, weight in self.weights.items() if weight > 0]

    @property
    def needs_features(self) -> list[str]:
        """The voting models whose last hidden layer (Classifier.last_hidden) compare-all reads, for the likeness
        (a voter without one, or with one too wide to keep, has no likeness and is not among them)."""
        return list(self.likeness)

    @property
    def equal_votes(self) -> bool:
        """Whether every model has the same vote (as in a calibration.json from before the vote was fitted)."""
        return len(set(round(v, 12) for v in self.weights.values())) == 1

    @property
    def vote_shares(self) -> str:
        """The voting models' votes in words, the largest first: "keras-cnn 55%, scratch-cnn 45%"."""
        ranked = sorted(self.weights.items(), key=lambda item: -item[1])
        return ", ".join(f"{name} {weight:.0%}" for name, weight in ranked if weight > 0)

    def combined(self, outputs: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray] | None = None
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(digit (n,), confidence (n,), sure (n,)) of compare-all from {model: (n, 10) outputs} and, if the
        rule has a likeness, {model: (n, units) last hidden activations} of `needs_features`.
        Every model of the rule must be there (others are ignored). Confidence: the pool's top probability."""
        digit, confidence, sure, _, _ = self._combined(outputs, features)
        return digit, confidence, sure

    def combined_kinds(self, outputs: Mapping[str, np.ndarray],
                       features: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
        """(n,) SURE, UNSURE or NOT_A_DIGIT for compare-all."""
        return self._combined(outputs, features)[4]

    def digit_likeness(self, features: Mapping[str, np.ndarray] | None) -> np.ndarray:
        """(n,) how much each drawing looks like a digit to the voters: their likeness scores, weighted by
        their votes, from {model: (n, units) last hidden activations}."""
        missing = [name for name in self.likeness if features is None or name not in features]
        if missing:
            raise ValueError(f"compare-all needs the last hidden layer of {', '.join(missing)} "
                             f"(Classifier.last_hidden) to tell whether a drawing looks like a digit")
        total = sum(self.weights[name] for name in self.likeness)
        return sum(self.weights[name] * part.score(features[name]) for name, part in self.likeness.items()) / total

    def _combined(self, outputs: Mapping[str, np.ndarray], features: Mapping[str, np.ndarray] | None):
        """(digit, confidence, sure, pooled (n, 10), kinds (n,)): compare-all, step by step."""
        digit, confidence, agreeing, pooled = weighted_vote(self._calibrated(outputs), self.weights)
        sure = (confidence >= self.threshold) & (agreeing >= self.agreement)
        if not self.likeness:
            return digit, confidence, sure, pooled, _kinds(sure, top_two_mass(pooled), self.not_digit_below.get("", 0.0))
        likeness = self.digit_likeness(features)
        if likeness.shape != sure.shape:
            raise ValueError(f"features must have one row per drawing ({len(sure)}), got {len(likeness)}")
        sure &= likeness >= self.likeness_threshold
        return digit, confidence, sure, pooled, _kinds(sure, likeness, self.not_digit_likeness)

    def single(self, name: str, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(digit, confidence, sure) of one model alone, with its own threshold."""
        if name not in self.single_thresholds:
            raise ValueError(f"no threshold for model {name!r}")
        p = calibrate(outputs, self.temperatures[name])
        confidence = p.max(axis=1)
        return p.argmax(axis=1), confidence, confidence >= self.single_thresholds[name]

    def single_kinds(self, name: str, outputs: np.ndarray) -> np.ndarray:
        _, _, sure = self.single(name, outputs)
        return _kinds(sure, top_two_mass(calibrate(outputs, self.temperatures[name])),
                      self.not_digit_below.get(name, 0.0))

    def _calibrated(self, outputs: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        missing = [name for name in self.temperatures if name not in outputs]
        if missing:
            raise ValueError(f"outputs missing for {', '.join(missing)}")
        return {name: calibrate(outputs[name], T) for name, T in self.temperatures.items()}

    # --- one drawing: what the window uses ---------------------------------------------------

    def read_single(self, name: str, outputs: np.ndarray) -> Reading:
        """The reading of model `name` for one drawing's (10,) outputs."""
        outputs = np.asarray(outputs, np.float64).reshape(1, 10)
        p = calibrate(outputs, self.temperatures[name])[0]
        return _reading(p, self.single_kinds(name, outputs)[0])

    def read_combined(self, outputs: Mapping[str, np.ndarray],
                      features: Mapping[str, np.ndarray] | None = None) -> Reading:
        """The compare-all reading for one drawing, from {model: (10,) outputs} and, if the rule has a
        likeness, {model: (units,) last hidden activations}."""
        batch = {name: np.asarray(o, np.float64).reshape(1, 10) for name, o in outputs.items()}
        hidden = None if features is None else {name: np.asarray(f, np.float64).reshape(1, -1)
                                                for name, f in features.items()}
        _, _, _, pooled, kinds = self._combined(batch, hidden)
        return _reading(pooled[0], kinds[0])

    def covers(self, name: str, weights_sha256: str | None) -> bool:
        """Whether this rule was fitted for this very model file (a rebuilt model is not calibrated)."""
        return name in self.temperatures and name in self.single_thresholds and \
            weights_sha256 is not None and self.models.get(name) == weights_sha256

    def applies_to(self, covered: set[str] | frozenset[str]) -> bool:
        """Whether compare-all may use this rule for the answering models `covered` (each read with this
        rule's calibration): it was fitted for exactly one set of models, so only for exactly those."""
        return set(covered) == set(self.temperatures)

    # --- files -------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"format": FORMAT, "temperatures": dict(self.temperatures), "threshold": self.threshold,
                "single_thresholds": dict(self.single_thresholds), "agreement": self.agreement,
                "not_digit_below": dict(self.not_digit_below), "models": dict(self.models),
                "max_risk": self.max_risk, "max_negative_sure": self.max_negative_sure, "fitted_on": self.fitted_on,
                "weights": dict(self.weights), "likeness": {k: v.to_dict() for k, v in self.likeness.items()},
                "likeness_threshold": self.likeness_threshold, "not_digit_likeness": self.not_digit_likeness}

    @classmethod
    def from_dict(cls, document: object) -> SureRule:
        if not isinstance(document, Mapping) or document.get("format") != FORMAT:
            raise ValueError(f"not a calibration document (its format must be {FORMAT!r})")
        temperatures = document.get("temperatures")
        parts = {key: document.get(key, {}) for key in ("single_thresholds", "not_digit_below", "models")}
        if not isinstance(temperatures, Mapping) or not all(isinstance(v, Mapping) for v in parts.values()):
            raise ValueError("temperatures, single_thresholds, not_digit_below and models must be objects "
                             "{model: value}")
        fitted_on = document.get("fitted_on", "")
        weights, likeness = document.get("weights", {}), document.get("likeness", {})
        if not isinstance(weights, Mapping) or not isinstance(likeness, Mapping):
            raise ValueError("weights and likeness must be objects {model: value}")
        return cls(dict(temperatures), document.get("threshold"), dict(parts["single_thresholds"]),
                   document.get("agreement", 1), dict(parts["not_digit_below"]), dict(parts["models"]),
                   document.get("max_risk", 0.005), document.get("max_negative_sure", 0.05),
                   fitted_on if isinstance(fitted_on, str) else "", dict(weights),
                   {str(k): DigitLikeness.from_dict(v) for k, v in likeness.items()},
                   document.get("likeness_threshold"), document.get("not_digit_likeness"))


def _vote_weights(weights: object, temperatures: Mapping[str, float]) -> dict[str, float]:
    """Every model's vote, non-negative and summing to 1; none given: equal votes."""
    if not isinstance(weights, Mapping):
        raise ValueError("weights must map model names to their votes")
    if not weights:
        return {name: 1 / len(temperatures) for name in temperatures}
    if set(map(str, weights)) != set(temperatures):
        raise ValueError(f"weights must give a vote to exactly the models with a temperature "
                         f"({', '.join(temperatures)}), got {', '.join(map(str, weights))}")
    votes = {str(k): v for k, v in weights.items()}
    if any(not _is_finite_number(v) or float(v) < 0 for v in votes.values()) or sum(votes.values()) <= 0:
        raise ValueError(f"weights must be non-negative numbers, not all 0, got {votes!r}")
    total = float(sum(votes.values()))
    return {name: float(votes[name]) / total for name in temperatures}


def weighted_vote(calibrated: Mapping[str, np.ndarray], weights: Mapping[str, float]
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From {model: (n, 10) calibrated probabilities} and {model: vote}: the pool sum(vote x probabilities)
    (n, 10), its digit (n,), that digit's pooled probability (n,), and how many voting models (vote > 0) give
    that digit themselves (n,). Returns (digit, confidence, agreeing, pool). Fitting and using the rule both
    go through here."""
    voters = [name for name in calibrated if weights.get(name, 0) > 0]
    pooled = sum(weights[name] * calibrated[name] for name in voters) / sum(weights[name] for name in voters)
    digit = pooled.argmax(axis=1)
    agreeing = np.sum([calibrated[name].argmax(axis=1) == digit for name in voters], axis=0)
    return digit, pooled.max(axis=1), agreeing, pooled


def old_rule(outputs: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The old, hand-set rule for (n, 10) outputs: (digit, share of the top output, sure = share >= 0.6).
    The window falls back to it for a model calibration.json was not fitted for."""
    p = np.clip(np.asarray(outputs, dtype=np.float64), 0, None)
    p = check_probabilities(p)
    total = p.sum(axis=1)
    share = np.where(total > 0, p.max(axis=1) / np.where(total > 0, total, 1), 0.0)
    return p.argmax(axis=1), share, share >= OLD_RULE_SURE


def _kinds(sure: np.ndarray, digit_likeness: np.ndarray, not_digit_below: float) -> np.ndarray:
    """SURE where sure; else NOT_A_DIGIT where the drawing's digit-likeness (the top-two mass, or compare-all's
    likeness score) is below `not_digit_below`; else UNSURE."""
    return np.where(sure, SURE, np.where(digit_likeness < not_digit_below, NOT_A_DIGIT, UNSURE))


def _reading(p: np.ndarray, kind: str) -> Reading:
    order = np.argsort(-p, kind="stable")
    return Reading(int(order[0]), int(order[1]), float(p[order[0]]), str(kind))


def weights_sha256(classifier: Classifier) -> str | None:
    """The SHA-256 its JSON records for its weights file (what calibration.json is keyed on)."""
    model_file = classifier.metadata.get("model_file")
    sha = model_file.get("sha256") if isinstance(model_file, dict) else None
    return sha if isinstance(sha, str) else None


def load_rule(path: Path) -> tuple[SureRule | None, str]:
    """(rule, "") from a calibration.json, or (None, why not): a missing or broken file is not an error
    for the window, which then says its confidences are uncalibrated."""
    if not path.exists():
        return None, f"no {path.name} in {path.parent} (run python -m workbench.reports.calibration)"
    try:
        if not path.is_file():
            return None, f"{path} is not a file"
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, f"{path} is {path.stat().st_size:,} bytes: too big to be a calibration file"
        return SureRule.from_dict(read_json(path, "calibration file")), ""
    except ValueError as e:
        return None, f"{path}: {e}" if str(path) not in str(e) else str(e)
    except OSError as e:
        return None, f"{path} cannot be read: {e}"
    except RecursionError:
        return None, f"{path}: nested too deeply to be a calibration file"

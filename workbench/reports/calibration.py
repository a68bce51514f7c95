"""Confidence you can trust: temperature scaling, calibration error, and a "sure" rule chosen on data.

A model's top output is a confidence, but not a calibrated one: a network trained to near-zero loss
says 99% for drawings it gets wrong. Temperature scaling (Guo et al., 2017) fixes the scale with one
number per model: the calibrated probabilities are softmax(log(p) / T), with T fitted to minimise the
negative log-likelihood of the right labels on held-out data. T > 1 softens over-confident outputs;
the predicted digit never changes.

Sigmoid-output models (784-30-10) give outputs that do not sum to 1: they are first normalised by their
sum (each output's share, as the GUI shows it), then scaled like the others.

The combined rule for several models averages their calibrated probabilities and calls the answer
(the top digit of the average) "sure" when the averaged top probability reaches a threshold. The
threshold is chosen on calibration data as the smallest one whose selective error (the error rate on
the images called sure) is at most MAX_RISK (0.5%); each model alone gets its own threshold the same way.

Calibration data: the MNIST validation split (the last 10,000 training images, never trained on) plus
CALIBRATION_DRAWN MNIST validation digits redrawn as mouse drawings (workbench.data.drawn_style, fixed
seed). Never the real drawings (workbench.data.real_drawings): they are measured only.

    python -m workbench.reports.calibration [--models-dir saved_networks] [--data-dir DIR] [--real-drawings DIR]

fits the temperatures and thresholds, writes them to MODELS_DIR/calibration.json (a SureRule), and prints
for the real drawings and for drawn letters (workbench.data.letters) how the rule does, next to today's
rule in the GUI (gui/verdict.py: top share >= 0.6; compare-all: all agree and all sure).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratch.files import timestamp, write_json
from workbench.data.drawn_style import to_drawings
from workbench.data.letters import LETTERS, letter_images
from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float
from workbench.data.real_drawings import RealDrawingsError, load_real_drawings
from workbench.drawing.preprocess import to_mnist
from workbench.models.registry import CALIBRATION, DEFAULT_FOLDER, check_folder, load_all
from workbench.reports.evaluate import predict_in_batches

T_RANGE = (0.05, 20.0)       # temperatures searched
MAX_RISK = 0.005             # the selective error a threshold may allow on the calibration data
TODAY_SURE = 0.6             # gui/verdict.py's UNSURE_BELOW: today's rule, for the "before" figures
FLOOR = 1e-30                # probabilities are clipped here before the log (float32 softmax underflows to 0)
CALIBRATION_DRAWN = 2000     # drawn-style digits added to the calibration data
CALIBRATION_SEED = 2024      # their seed (not compare's 1234, which draws test digits)
LETTERS_PER_LETTER = 20
LETTERS_SEED = 7
COVERAGES = (0.5, 0.8, 0.9, 0.95, 1.0)
FORMAT = "digit-workbench/calibration"


# --- checking inputs -----------------------------------------------------------------------------

def _probabilities(p: object, what: str = "probabilities") -> np.ndarray:
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


def _labels(labels: object, n: int) -> np.ndarray:
    array = np.asarray(labels)
    if array.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), one per row of probabilities, got {array.shape}")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all() or (array != np.round(array)).any():
            raise ValueError("labels must be whole numbers from 0 to 9")
    elif array.dtype.kind not in "iu":
        raise ValueError(f"labels must be whole numbers from 0 to 9, got dtype {array.dtype}")
    if n and not 0 <= array.min() <= array.max() <= 9:
        raise ValueError(f"labels must be from 0 to 9, got values from {array.min()} to {array.max()}")
    return array.astype(np.int64)


def _temperature(T: object) -> float:
    if isinstance(T, bool) or not isinstance(T, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(T)) or float(T) <= 0:
        raise ValueError(f"temperature must be a positive finite number, got {T!r}")
    return float(T)


def _vector(values: object, what: str, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or (n is not None and len(array) != n):
        raise ValueError(f"{what} must have shape ({n if n is not None else 'n'},), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return array


# --- temperature scaling -------------------------------------------------------------------------

def normalised(probabilities: object) -> np.ndarray:
    """(n, 10) outputs divided by their row sums (sigmoid outputs need it; softmax ones are unchanged).
    A row of zeros becomes uniform."""
    p = _probabilities(probabilities)
    total = p.sum(axis=1, keepdims=True)
    return np.where(total > 0, p / np.where(total > 0, total, 1), 0.1)


def _log_probabilities(probabilities: object) -> np.ndarray:
    return np.log(np.maximum(normalised(probabilities), FLOOR))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def calibrate(probabilities: object, T: float) -> np.ndarray:
    """softmax(log(p) / T) of (n, 10) outputs (normalised by their sum first): calibrated probabilities."""
    return _softmax(_log_probabilities(probabilities) / _temperature(T))


def _nll(logp: np.ndarray, labels: np.ndarray, T: float) -> float:
    z = logp / T
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(labels)), labels]))


def negative_log_likelihood(probabilities: object, labels: object, T: float = 1.0) -> float:
    """Mean -log of the calibrated probability of the right label."""
    logp = _log_probabilities(probabilities)
    return _nll(logp, _labels(labels, len(logp)), _temperature(T))


def fit_temperature(probabilities: object, labels: object, t_range: tuple[float, float] = T_RANGE,
                    tolerance: float = 1e-5) -> float:
    """The temperature T in `t_range` minimising the NLL of softmax(log(p) / T) for the right labels.

    The NLL is convex in 1/T, so it has one minimum along log T: a coarse grid brackets it, then
    golden-section search on log T narrows it to `tolerance` (relative). Outputs that do not sum to 1
    (sigmoid models) are normalised by their sum first.
    """
    logp = _log_probabilities(probabilities)
    labels = _labels(labels, len(logp))
    if len(labels) == 0:
        raise ValueError("fit_temperature needs at least one labelled example")
    low, high = math.log(t_range[0]), math.log(t_range[1])
    grid = np.linspace(low, high, 33)
    values = [_nll(logp, labels, math.exp(x)) for x in grid]
    best = int(np.argmin(values))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    ratio = (math.sqrt(5) - 1) / 2
    c, d = b - ratio * (b - a), a + ratio * (b - a)
    fc, fd = _nll(logp, labels, math.exp(c)), _nll(logp, labels, math.exp(d))
    while b - a > tolerance:
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - ratio * (b - a)
            fc = _nll(logp, labels, math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + ratio * (b - a)
            fd = _nll(logp, labels, math.exp(d))
    return float(math.exp((a + b) / 2))


def expected_calibration_error(probabilities: object, labels: object, bins: int = 15) -> float:
    """ECE: sum over `bins` equal-width confidence bins of (share of images) x |accuracy - mean confidence|.
    Confidence is the top probability of the (sum-normalised) outputs."""
    p = normalised(probabilities)
    labels = _labels(labels, len(p))
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"bins must be a whole number, at least 1, got {bins!r}")
    if len(p) == 0:
        raise ValueError("expected_calibration_error needs at least one labelled example")
    confidence = p.max(axis=1)
    correct = p.argmax(axis=1) == labels
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    ece = 0.0
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(ece)


# --- selective prediction ------------------------------------------------------------------------

def risk_coverage(confidence: object, correct: object) -> tuple[np.ndarray, np.ndarray]:
    """(coverage, risk) for calling "sure" everything at or above each distinct confidence, most confident first.

    coverage[k]: the fraction of images with confidence >= the k-th largest distinct confidence;
    risk[k]: the error rate among them. Tied confidences enter together (one point per distinct value).
    """
    confidence = _vector(confidence, "confidence")
    correct = np.asarray(correct)
    if correct.shape != confidence.shape or correct.dtype.kind not in "biu" or \
            (correct.dtype.kind != "b" and not np.isin(correct, (0, 1)).all()):
        raise ValueError(f"correct must be {len(confidence)} booleans (one per confidence), got "
                         f"shape {correct.shape}, dtype {correct.dtype}")
    n = len(confidence)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(-confidence, kind="stable")
    sorted_conf = confidence[order]
    errors = np.cumsum(~correct.astype(bool)[order])
    ends = np.flatnonzero(np.r_[sorted_conf[1:] != sorted_conf[:-1], True])   # last index of each tie group
    counts = ends + 1
    return counts / n, errors[ends] / counts


def choose_threshold(confidence: object, correct: object, max_risk: float = MAX_RISK) -> float:
    """The smallest threshold t (one of the confidences) whose selective error, the error rate among the
    images with confidence >= t, is at most `max_risk`. If none qualifies, a value just above the
    largest confidence: nothing is called sure."""
    confidence = _vector(confidence, "confidence")
    if not 0 <= max_risk < 1:
        raise ValueError(f"max_risk must be a fraction from 0 to below 1, got {max_risk!r}")
    if len(confidence) == 0:
        raise ValueError("choose_threshold needs at least one example")
    coverage, risk = risk_coverage(confidence, correct)
    thresholds = np.sort(np.unique(confidence))[::-1]          # matches risk_coverage's points
    ok = np.flatnonzero(risk <= max_risk)
    if len(ok) == 0:
        return float(np.nextafter(thresholds[0], np.inf))
    return float(thresholds[ok].min())


def risk_at_coverage(coverage: np.ndarray, risk: np.ndarray, target: float) -> float:
    """The risk at the first point of a risk-coverage curve whose coverage reaches `target`."""
    reached = np.flatnonzero(np.asarray(coverage) >= target - 1e-12)
    return float(np.asarray(risk)[reached[0]]) if len(reached) else float("nan")


# --- the rule ------------------------------------------------------------------------------------

@dataclass
class SureRule:
    """Per-model temperatures and the thresholds chosen on calibration data.

    threshold: for the combined rule (average of every model's calibrated probabilities);
    single_thresholds: {model: its own threshold when it is used alone}.
    """

    temperatures: dict[str, float]
    threshold: float
    single_thresholds: dict[str, float] = field(default_factory=dict)
    max_risk: float = MAX_RISK
    fitted_on: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.temperatures, Mapping) or not self.temperatures:
            raise ValueError("a SureRule needs the temperature of at least one model")
        self.temperatures = {str(k): _temperature(v) for k, v in self.temperatures.items()}
        self.threshold = _fraction_like(self.threshold, "threshold")
        self.single_thresholds = {str(k): _fraction_like(v, f"the threshold of {k}")
                                  for k, v in dict(self.single_thresholds).items()}
        self.max_risk = _fraction_like(self.max_risk, "max_risk")

    def combined(self, outputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(digit (n,), confidence (n,), sure (n,)) of the combined rule from {model: (n, 10) outputs}.
        Every model of the rule must be there (others are ignored)."""
        missing = [name for name in self.temperatures if name not in outputs]
        if missing:
            raise ValueError(f"outputs missing for {', '.join(missing)}")
        average = np.mean([calibrate(outputs[name], T) for name, T in self.temperatures.items()], axis=0)
        confidence = average.max(axis=1)
        return average.argmax(axis=1), confidence, confidence >= self.threshold

    def single(self, name: str, outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(digit, confidence, sure) of one model alone, with its own threshold."""
        if name not in self.single_thresholds:
            raise ValueError(f"no threshold for model {name!r}")
        p = calibrate(outputs, self.temperatures[name])
        confidence = p.max(axis=1)
        return p.argmax(axis=1), confidence, confidence >= self.single_thresholds[name]

    def to_dict(self) -> dict:
        return {"format": FORMAT, "temperatures": dict(self.temperatures), "threshold": self.threshold,
                "single_thresholds": dict(self.single_thresholds), "max_risk": self.max_risk,
                "fitted_on": self.fitted_on}

    @classmethod
    def from_dict(cls, document: object) -> SureRule:
        if not isinstance(document, Mapping) or document.get("format") != FORMAT:
            raise ValueError(f"not a calibration document (its format must be {FORMAT!r})")
        temperatures = document.get("temperatures")
        singles = document.get("single_thresholds", {})
        if not isinstance(temperatures, Mapping) or not isinstance(singles, Mapping):
            raise ValueError("temperatures and single_thresholds must be objects {model: number}")
        fitted_on = document.get("fitted_on", "")
        return cls(dict(temperatures), document.get("threshold"), dict(singles),
                   document.get("max_risk", MAX_RISK), fitted_on if isinstance(fitted_on, str) else "")


def _fraction_like(value: object, what: str) -> float:
    """A finite number from 0 to a little above 1 (a threshold above every confidence means 'never sure')."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(float(value)) or not 0 <= float(value) <= 1.000001:
        raise ValueError(f"{what} must be a number from 0 to 1, got {value!r}")
    return float(value)


def fit_rule(outputs: Mapping[str, np.ndarray], labels: np.ndarray, max_risk: float = MAX_RISK,
             fitted_on: str = "") -> SureRule:
    """Fit every model's temperature, its own threshold, and the combined threshold on calibration data."""
    labels = _labels(labels, len(next(iter(outputs.values()))))
    temperatures = {name: fit_temperature(p, labels) for name, p in outputs.items()}
    singles = {}
    for name, p in outputs.items():
        calibrated = calibrate(p, temperatures[name])
        singles[name] = choose_threshold(calibrated.max(axis=1), calibrated.argmax(axis=1) == labels, max_risk)
    rule = SureRule(temperatures, 1.0, singles, max_risk, fitted_on)
    digit, confidence, _ = rule.combined(outputs)
    rule.threshold = choose_threshold(confidence, digit == labels, max_risk)
    return rule


# --- today's rule (gui/verdict.py), for the "before" figures ------------------------------------

def today_single(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(digit, sure) as gui/verdict.py decides: top output's share of the (non-negative) outputs >= 0.6."""
    p = _probabilities(np.clip(outputs, 0, None))
    total = p.sum(axis=1)
    digit = p.argmax(axis=1)
    share = np.where(total > 0, p.max(axis=1) / np.where(total > 0, total, 1), 0.0)
    return digit, share >= TODAY_SURE


def today_combined(outputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(digit, sure) of today's compare-all: sure when every model gives the same digit and every one is sure."""
    views = [today_single(p) for p in outputs.values()]
    digits = np.stack([d for d, _ in views])
    sure = np.all(digits == digits[0], axis=0) & np.all(np.stack([s for _, s in views]), axis=0)
    return digits[0], sure


# --- the command ---------------------------------------------------------------------------------

def _line(name: str, real: tuple[np.ndarray, np.ndarray] | None, labels: np.ndarray | None,
          letters_sure: np.ndarray) -> str:
    if real is not None:
        digit, sure = real
        coverage = sure.mean()
        accuracy = f"{(digit[sure] == labels[sure]).mean():8.2%}" if sure.any() else "     n/a"
        head = f"{coverage:9.1%} {accuracy}  ({int(sure.sum()):4d}/{len(sure)})"
    else:
        head = f"{'-':>9} {'-':>8}  {'':11}"
    return f"  {name:<28} {head}   {letters_sure.mean():8.1%}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m workbench.reports.calibration", description=__doc__.splitlines()[0])
    p.add_argument("--models-dir", type=Path, default=DEFAULT_FOLDER,
                   help=f"where the models are; calibration.json is written there (default: {DEFAULT_FOLDER}/)")
    p.add_argument("--data-dir", help="folder with the MNIST files (default: $MNIST_DIR, then the user cache)")
    p.add_argument("--real-drawings", type=Path, metavar="DIR",
                   help="folder holding uji2_digits.npz (default: $REAL_DRAWINGS_DIR, then the user cache)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    start = time.perf_counter()
    try:
        check_folder(args.models_dir)
        mnist = load_mnist(args.data_dir, download=False)
    except (OSError, DatasetError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    classifiers, problems = load_all(args.models_dir)
    for name, why in problems.items():
        print(f"left out: {why}", file=sys.stderr)
    if not classifiers:
        print(f"error: no model could be loaded from {args.models_dir}", file=sys.stderr)
        return 2
    names = [c.name for c in classifiers]

    split = mnist.validation_split()
    drawn = to_drawings(split.validation_images[:CALIBRATION_DRAWN], seed=CALIBRATION_SEED)
    drawn_images = np.stack([to_mnist(d) for d in drawn])
    calibration_images = np.concatenate([pixels_to_float(split.validation_images), drawn_images])
    calibration_labels = np.concatenate([split.validation_labels,
                                         split.validation_labels[:CALIBRATION_DRAWN]]).astype(np.int64)

    try:
        real = load_real_drawings(args.real_drawings, download=False)
        real_images, real_labels = real.images(), real.labels.astype(np.int64)
        real_note = f"{len(real_labels)} real drawings (UJI Pen Characters v2, measured only)"
    except RealDrawingsError as e:
        if args.real_drawings is not None:
            print(f"error: {e}", file=sys.stderr)
            return 2
        real_images, real_labels, real_note = None, None, f"real drawings not found: {e}"
    letters, _ = letter_images(LETTERS_PER_LETTER, LETTERS_SEED)

    calib_out, real_out, letter_out = {}, {}, {}
    for c in classifiers:
        calib_out[c.name] = predict_in_batches(c.predict_proba, calibration_images)
        letter_out[c.name] = predict_in_batches(c.predict_proba, letters)
        if real_images is not None:
            real_out[c.name] = predict_in_batches(c.predict_proba, real_images)

    fitted_on = (f"MNIST validation split ({len(split.validation_labels)} images, the last of the training set) + "
                 f"{len(drawn_images)} of them redrawn by to_drawings (seed {CALIBRATION_SEED})")
    rule = fit_rule(calib_out, calibration_labels, MAX_RISK, fitted_on)
    target = args.models_dir / CALIBRATION
    write_json(target, {**rule.to_dict(), "created_at": timestamp()})

    print(f"Calibration data: {fitted_on}.")
    print(f"Check sets: {real_note}; {len(letters)} drawn letters ({len(LETTERS)} letters x {LETTERS_PER_LETTER}, "
          f"seed {LETTERS_SEED}).")
    print(f"Thresholds: the smallest with selective error <= {MAX_RISK:.1%} on the calibration data.\n")
    print(f"  {'model':<28} {'T':>6} {'ECE before':>11} {'ECE after':>10}  {'own threshold':>13}   (on calibration data)")
    for name in names:
        T = rule.temperatures[name]
        print(f"  {name:<28} {T:6.3f} {expected_calibration_error(calib_out[name], calibration_labels):11.4f} "
              f"{expected_calibration_error(calibrate(calib_out[name], T), calibration_labels):10.4f}  "
              f"{rule.single_thresholds[name]:13.4f}")
    print(f"  {'combined (average)':<28} {'':6} {'':11} {'':10}  {rule.threshold:13.4f}\n")

    header = f"  {'rule':<28} {'coverage':>9} {'accuracy':>8}  {'(sure/all)':>11}   {'letters sure':>12}"
    has_real = real_labels is not None
    print("Before: today's rule (top share >= 0.6; compare-all: all agree and all sure)")
    print(header)
    for name in names:
        d_real = today_single(real_out[name]) if has_real else None
        print(_line(name, d_real, real_labels, today_single(letter_out[name])[1]))
    print(_line("compare-all", today_combined(real_out) if has_real else None, real_labels,
                today_combined(letter_out)[1]))
    print("\nAfter: calibrated (own temperature and threshold; compare-all: averaged, combined threshold)")
    print(header)
    for name in names:
        d_real = rule.single(name, real_out[name])[::2] if has_real else None
        print(_line(name, d_real, real_labels, rule.single(name, letter_out[name])[2]))
    combined_real = rule.combined(real_out) if has_real else None
    print(_line("compare-all (combined)", (combined_real[0], combined_real[2]) if has_real else None, real_labels,
                rule.combined(letter_out)[2]))

    if has_real:
        digit, confidence, _ = combined_real
        coverage, risk = risk_coverage(confidence, digit == real_labels)
        print("\nRisk-coverage of the combined rule on the real drawings (most confident first):")
        print("  coverage   error")
        for target_coverage in COVERAGES:
            print(f"  {target_coverage:7.0%}  {risk_at_coverage(coverage, risk, target_coverage):7.2%}")
    print(f"\nWrote {target}. ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

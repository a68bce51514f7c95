"""Fitting the rule behind "sure" on data, and measuring it: temperature scaling, calibration error,
thresholds, risk-coverage, and how often a rule is sure of a digit when someone drew a letter.

The rule itself (workbench.models.confidence.SureRule) is what the window uses; this module chooses its
numbers and reports how it does:
- each model's temperature T minimises the negative log-likelihood of the right labels on calibration
  data (Guo et al., 2017); sigmoid outputs (784-30-10) are normalised by their sum first;
- each threshold is the smallest whose selective error (the error rate on the images called sure) is
  at most MAX_RISK (0.5%) on the calibration digits AND that calls at most MAX_NEGATIVE_SURE (5%) of
  a set of drawn symbols (+ = # % @ ... workbench.data.letters.SYMBOLS) a sure digit;
- compare-all pools the calibrated probabilities with one vote per model: the votes that maximise the
  likelihood of the calibration labels (a model whose vote would weigh under MIN_VOTE dropped, the rest
  renormalised), so the models that read drawn digits best carry the vote;
- "does it look like a digit?": each voting model's last hidden layer gets a DigitLikeness (class means
  and one shared covariance of the calibration digits' activations; a Mahalanobis distance), and compare-all
  may refuse "sure" below a likeness level. Which level (turning away 0 to 10% of the calibration digits,
  LIKENESS_SHARES), how many voting models must give the pool's answer themselves, and the threshold are
  chosen together: the combination whose guarded threshold calls the most calibration digits sure;
- "this does not look like a digit" below the 1% least digit-like calibration digits: for compare-all
  by the likeness, for one model by the probability its top two digits hold.

Calibration data: the MNIST validation split (the last 10,000 training images, never trained on) plus
some of those digits redrawn as mouse drawings (workbench.data.drawn_style) and in writing styles
(workbench.data.styles), fixed seeds. Never the real drawings (workbench.data.real_drawings) and never
the drawn letters: both are check sets, measured only.

    python -m workbench.reports.calibration [--models-dir saved_networks] [--data-dir DIR] [--real-drawings DIR]

fits the rule, writes it to MODELS_DIR/calibration.json (the builders do this after every build), and
prints for the real drawings and for drawn letters how it does, next to the old rule (top share >= 0.6;
compare-all: all agree and all sure).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from scratch.files import timestamp, write_json
from workbench.data.drawn_style import to_drawings
from workbench.data.letters import LETTERS, SYMBOLS, letter_images, symbol_images
from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float
from workbench.data.real_drawings import RealDrawingsError, load_real_drawings
from workbench.data.styles import VARIANTS, style_pool
from workbench.drawing.preprocess import to_mnist
from workbench.models.confidence import (MAX_UNITS, NOT_A_DIGIT, DigitLikeness, SureRule, calibrate,
                                         check_features, check_temperature, log_probabilities, normalised, old_rule,
                                         top_two_mass, weighted_vote, weights_sha256)
from workbench.cli import check_writable
from workbench.models.registry import CALIBRATION, DEFAULT_FOLDER, check_folder, load_all
from workbench.reports.evaluate import predict_in_batches

T_RANGE = (0.05, 20.0)       # temperatures searched
MAX_RISK = 0.005             # the selective error a threshold may allow on the calibration data
MAX_NEGATIVE_SURE = 0.05     # the share of non-digit drawings (symbols) a threshold may call a sure digit
NOT_DIGIT_SHARE = 0.01       # "not a digit" when the top two hold less than for 99% of the calibration digits
CALIBRATION_DRAWN = 2000     # drawn-style digits added to the calibration data
CALIBRATION_SEED = 2024      # their seed (not compare's 1234, which draws test digits)
CALIBRATION_STYLED = 2000    # validation digits redrawn in writing styles, added to the calibration data
SYMBOLS_PER_SYMBOL = 40      # drawn symbols (negatives) per symbol
SYMBOLS_SEED = 11
QUICK_VALIDATION, QUICK_SYMBOLS = 500, 5
LETTERS_PER_LETTER = 20
LETTERS_SEED = 7
COVERAGES = (0.5, 0.8, 0.9, 0.95, 1.0)
MIN_VOTE = 0.05              # a model whose fitted vote weighs less is left out of compare-all's pool
VOTE_STEPS, VOTE_TOLERANCE = 10_000, 1e-9  # EM updates of the votes: at most this many, until they move less
LIKENESS_SHRINKAGE = 0.1     # covariance shrunk this far towards a multiple of the identity (dead units)
LIKENESS_SHARES = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1)   # calibration digits a likeness level may turn away


# --- checking inputs -----------------------------------------------------------------------------

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


def _vector(values: object, what: str, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or (n is not None and len(array) != n):
        raise ValueError(f"{what} must have shape ({n if n is not None else 'n'},), got {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{what} contain NaN or infinite values")
    return array


# --- temperature scaling -------------------------------------------------------------------------

def _nll(logp: np.ndarray, labels: np.ndarray, T: float) -> float:
    z = logp / T
    zmax = z.max(axis=1)
    lse = zmax + np.log(np.exp(z - zmax[:, None]).sum(axis=1))
    return float(np.mean(lse - z[np.arange(len(labels)), labels]))


def negative_log_likelihood(probabilities: object, labels: object, T: float = 1.0) -> float:
    """Mean -log of the calibrated probability of the right label."""
    logp = log_probabilities(probabilities)
    return _nll(logp, _labels(labels, len(logp)), check_temperature(T))


def fit_temperature(probabilities: object, labels: object, t_range: tuple[float, float] = T_RANGE,
                    tolerance: float = 1e-5) -> float:
    """The temperature T in `t_range` minimising the NLL of softmax(log(p) / T) for the right labels.

    The NLL is convex in 1/T, so it has one minimum along log T: a coarse grid brackets it, then
    golden-section search on log T narrows it to `tolerance` (relative). Outputs that do not sum to 1
    (sigmoid models) are normalised by their sum first.
    """
    logp = log_probabilities(probabilities)
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
    _check_fraction(max_risk, "max_risk")
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


# --- the vote and the likeness ------------------------------------------------------------------

def fit_vote_weights(calibrated: Mapping[str, np.ndarray], labels: object, min_vote: float = MIN_VOTE
                     ) -> dict[str, float]:
    """{model: vote}: the non-negative votes, summing to 1, that maximise the likelihood of the right labels
    under the pool sum(vote x calibrated probabilities) (a linear opinion pool fitted on held-out data, as
    in stacking). The EM update for mixture weights finds them: each model's new vote is the share of the
    right label's pooled probability it supplied, on average; the likelihood never falls and the votes
    settle at its maximum. Votes under `min_vote` are then set to 0 and the rest renormalised: such a
    model adds little the others do not say, and the window need not look inside it.

    calibrated: {model: (n, 10) calibrated probabilities}; labels (n,)."""
    names = list(calibrated)
    if not names:
        raise ValueError("fit_vote_weights needs the probabilities of at least one model")
    labels = _labels(labels, len(calibrated[names[0]]))
    if len(labels) == 0:
        raise ValueError("fit_vote_weights needs at least one labelled example")
    right = np.stack([np.asarray(calibrated[name], np.float64)[np.arange(len(labels)), labels] for name in names])
    if not (right.sum(axis=0) > 0).all():
        raise ValueError("every model gives probability 0 to the right label of some example: no vote can explain it")
    votes = _em_votes(right, np.ones(len(names), bool))
    kept = votes >= min(min_vote, votes.max())
    return {name: float(v) for name, v in zip(names, _em_votes(right, kept))}     # refitted among the kept


def _em_votes(right: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """EM for the votes of the `allowed` models ((models,) bool), from right (models, n): each model's
    probability of each example's right label. Votes of the others are 0."""
    votes = np.where(allowed, 1.0 / allowed.sum(), 0.0)
    for _ in range(VOTE_STEPS):
        shares = votes[:, None] * right / np.maximum(votes @ right, 1e-300)     # (models, n), columns sum to 1
        votes, before = shares.mean(axis=1), votes
        if np.abs(votes - before).max() < VOTE_TOLERANCE:
            break
    return votes / votes.sum()


def fit_likeness(features: object, labels: object, shrinkage: float = LIKENESS_SHRINKAGE) -> DigitLikeness:
    """A DigitLikeness fitted on (n, units) last-hidden-layer activations of calibration digits and their
    labels (n,): each digit's mean, the covariance of the activations around their digit's mean (shared,
    shrunk towards a multiple of the identity so that dead or duplicate units leave it invertible), and the
    median and spread of the digits' own distances."""
    x = check_features(features, np.shape(features)[-1] if np.ndim(features) else 0)
    labels = _labels(labels, len(x))
    missing = sorted(set(range(10)) - set(labels.tolist()))
    if missing:
        raise ValueError(f"fit_likeness needs examples of every digit; none of {missing}")
    means = np.stack([x[labels == digit].mean(axis=0) for digit in range(10)])
    residuals = x - means[labels]
    covariance = residuals.T @ residuals / len(x)
    units = covariance.shape[0]
    covariance = (1 - shrinkage) * covariance + shrinkage * max(np.trace(covariance) / units, 1e-12) * np.eye(units)
    partial = DigitLikeness(means, np.linalg.inv(covariance), 0.0, 1.0)
    distances = partial.distance(x)
    return DigitLikeness(means, partial.precision, float(np.median(distances)),
                         float(max(np.std(distances), 1e-12)))


# --- fitting the rule ----------------------------------------------------------------------------

def _check_fraction(value: object, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not 0 <= float(value) < 1:
        raise ValueError(f"{what} must be a fraction from 0 to below 1, got {value!r}")


def choose_guarded_threshold(confidence: object, correct: object, negative_confidence: object | None = None,
                             max_risk: float = MAX_RISK, max_negative_sure: float = MAX_NEGATIVE_SURE) -> float:
    """The smallest threshold t with selective error <= `max_risk` on the digits AND at most
    `max_negative_sure` of the non-digit drawings at or above it (`negative_confidence`, the rule's
    confidence on drawings that are no digit). Without negatives, choose_threshold."""
    t = choose_threshold(confidence, correct, max_risk)
    if negative_confidence is None:
        return t
    negative = _vector(negative_confidence, "negative confidence")
    if len(negative) == 0:
        return t
    _check_fraction(max_negative_sure, "max_negative_sure")
    # the smallest t leaving at most max_negative_sure of the negatives at or above it: just above some value
    values = np.unique(negative)                               # ascending
    above = len(negative) - np.searchsorted(np.sort(negative), values, side="right")   # negatives > each value
    floor = float(np.nextafter(values[np.flatnonzero(above <= max_negative_sure * len(negative))[0]], np.inf))
    if floor <= t:
        return t
    confidence = _vector(confidence, "confidence")
    coverage, risk = risk_coverage(confidence, correct)
    thresholds = np.sort(np.unique(confidence))[::-1]          # matches risk_coverage's points
    ok = np.flatnonzero((risk <= max_risk) & (thresholds >= floor))
    at_floor = confidence >= floor
    if not at_floor.any() or (~np.asarray(correct, bool)[at_floor]).mean() <= max_risk:
        return floor                                           # the floor itself keeps the risk
    return float(thresholds[ok].min()) if len(ok) else float(np.nextafter(thresholds[0], np.inf))


def not_digit_level(p: np.ndarray, share: float = NOT_DIGIT_SHARE) -> float:
    """The top-two mass under which only `share` of the calibration digits fall: below it a drawing
    is less digit-like than 99% of real digits, so the window says it does not look like a digit."""
    return float(np.quantile(top_two_mass(p), share))


def fit_rule(outputs: Mapping[str, np.ndarray], labels: np.ndarray, negatives: Mapping[str, np.ndarray] | None = None,
             max_risk: float = MAX_RISK, max_negative_sure: float = MAX_NEGATIVE_SURE, fitted_on: str = "",
             models: Mapping[str, str] | None = None, features: Mapping[str, np.ndarray] | None = None,
             negative_features: Mapping[str, np.ndarray] | None = None) -> SureRule:
    """Fit every model's temperature and thresholds, and the compare-all rule, on calibration data.

    outputs: {model: (n, 10) outputs on calibration digits}, labels (n,); negatives: {model: (m, 10)
    outputs on drawings that are no digit} (optional). features and negative_features (optional): {model:
    (n or m, units) last hidden activations} of the same drawings; with them compare-all gets a likeness
    test. Each threshold is the smallest with selective error <= max_risk on the digits and at most
    max_negative_sure of the negatives called sure. For compare-all, every likeness level and agreement
    level (how many voting models must give the answer themselves) gets its threshold that way, and the
    combination that calls the most calibration digits sure is kept.
    """
    if not isinstance(outputs, Mapping) or not outputs:
        raise ValueError("fit_rule needs the outputs of at least one model: {model: (n, 10) outputs}")
    if negatives is not None and set(negatives) != set(outputs):
        raise ValueError(f"negatives must hold the same models as outputs; missing: "
                         f"{sorted(set(outputs) - set(negatives))}, extra: {sorted(set(negatives) - set(outputs))}")
    if features is not None and negatives is not None and negative_features is None:
        raise ValueError("with features and negatives, fit_rule needs negative_features too (the negatives' "
                         "last hidden activations), or the likeness would go unguarded")
    labels = _labels(labels, len(next(iter(outputs.values()))))
    temperatures = {name: fit_temperature(p, labels) for name, p in outputs.items()}
    calibrated = {name: calibrate(p, temperatures[name]) for name, p in outputs.items()}
    negative_calibrated = ({name: calibrate(p, temperatures[name]) for name, p in negatives.items()}
                           if negatives else None)
    singles, not_digit = {}, {}
    for name, p in calibrated.items():
        singles[name] = choose_guarded_threshold(
            p.max(axis=1), p.argmax(axis=1) == labels,
            negative_calibrated[name].max(axis=1) if negative_calibrated else None, max_risk, max_negative_sure)
        not_digit[name] = not_digit_level(p)
    weights = fit_vote_weights(calibrated, labels)
    voters = [name for name, weight in weights.items() if weight > 0]
    not_digit[""] = not_digit_level(weighted_vote(calibrated, weights)[3])
    readable = [name for name in voters if features is not None and name in features
                and 0 < np.shape(features[name])[-1] <= MAX_UNITS]      # a wider layer is not kept in the file
    likeness = {name: fit_likeness(features[name], labels) for name in readable}

    def candidate(agreement: int, level: float | None, not_digit_likeness: float | None = 0.0) -> SureRule:
        return SureRule(temperatures, 0.0, agreement=agreement, weights=weights, likeness=likeness,
                        likeness_threshold=level, not_digit_likeness=not_digit_likeness)

    levels, not_digit_likeness = [None], None
    if likeness:
        digit_like = candidate(1, 0.0).digit_likeness(features)
        levels = [float(np.quantile(digit_like, share)) for share in LIKENESS_SHARES]
        not_digit_likeness = float(np.quantile(digit_like, NOT_DIGIT_SHARE))
    best = None                                        # (coverage, agreement, threshold, likeness level)
    for level in levels:
        for agreement in range(1, len(voters) + 1):
            # threshold 0: "sure" is then exactly the rule's other tests (agreement, likeness), applied by the
            # very code the window uses; a drawing failing them can never be sure (confidence 0)
            rule = candidate(agreement, level)
            digit, confidence, passes = rule.combined(outputs, features)
            gated = np.where(passes, confidence, 0.0)
            negative_gated = None
            if negatives:
                _, negative_confidence, negative_passes = rule.combined(negatives, negative_features)
                negative_gated = np.where(negative_passes, negative_confidence, 0.0)
            threshold = choose_guarded_threshold(gated, digit == labels, negative_gated, max_risk, max_negative_sure)
            coverage = float(((gated >= threshold) & (gated > 0)).mean())
            if best is None or coverage >= best[0] - 1e-12:      # on a tie, the stricter levels
                best = (coverage, agreement, threshold, level)
    _, agreement, threshold, level = best
    return SureRule(temperatures, threshold, singles, agreement, not_digit, dict(models or {}), max_risk,
                    max_negative_sure, fitted_on, weights, likeness, level, not_digit_likeness)


# --- the old rule, for the "before" figures ----------------------------------------------------

def old_single(outputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(digit, sure) by the old rule: the top output's share of the (non-negative) outputs >= OLD_RULE_SURE."""
    digit, _, sure = old_rule(outputs)
    return digit, sure


def old_combined(outputs: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(digit, sure) of the old compare-all: sure when every model gives the same digit and every one is sure."""
    views = [old_single(p) for p in outputs.values()]
    digits = np.stack([d for d, _ in views])
    sure = np.all(digits == digits[0], axis=0) & np.all(np.stack([s for _, s in views]), axis=0)
    return digits[0], sure


# --- the data it is fitted on, and fitting for a folder of models --------------------------------

def calibration_set(mnist, quick: bool = False) -> tuple[np.ndarray, np.ndarray, str]:
    """(images (n, 28, 28) float32, labels (n,), description): the MNIST validation split (never trained
    on) plus some of it redrawn as mouse drawings and in the writing styles of workbench.data.styles.
    `quick`: a small slice of each (smoke tests)."""
    split = mnist.validation_split()
    validation_images, validation_labels = split.validation_images, split.validation_labels
    drawn_count, styled_count = CALIBRATION_DRAWN, CALIBRATION_STYLED
    if quick:
        validation_images, validation_labels = validation_images[:QUICK_VALIDATION], validation_labels[:QUICK_VALIDATION]
        drawn_count = styled_count = QUICK_VALIDATION // 5
    drawn = to_drawings(validation_images[:drawn_count], seed=CALIBRATION_SEED)
    drawn_images = np.stack([to_mnist(d) for d in drawn])
    counts = {name: max(1, styled_count // len(VARIANTS)) for name in VARIANTS}
    styled_images, styled_labels = style_pool(validation_images, validation_labels, counts,
                                              np.random.default_rng(CALIBRATION_SEED))
    images = np.concatenate([pixels_to_float(validation_images), drawn_images, styled_images])
    labels = np.concatenate([validation_labels, validation_labels[:drawn_count], styled_labels]).astype(np.int64)
    described = (f"MNIST validation split ({len(validation_labels)} images, the last of the training set, "
                 f"never trained on) + {len(drawn_images)} of them redrawn by to_drawings + {len(styled_images)} "
                 f"redrawn in writing styles (seed {CALIBRATION_SEED})")
    return images, labels, described


def fit_for_folder(classifiers: Sequence, mnist, folder: Path, quick: bool = False) -> tuple[SureRule, dict]:
    """Fit the rule for these classifiers, write folder/calibration.json, and return (rule, the outputs
    it was fitted on: {"calibration": {model: outputs}, "labels": ..., "symbols": {model: outputs}})."""
    images, labels, described = calibration_set(mnist, quick)
    per_symbol = QUICK_SYMBOLS if quick else SYMBOLS_PER_SYMBOL
    symbols, _ = symbol_images(per_symbol, SYMBOLS_SEED)
    calib_out = {c.name: predict_in_batches(c.predict_proba, images) for c in classifiers}
    symbol_out = {c.name: predict_in_batches(c.predict_proba, symbols) for c in classifiers}
    calib_features, symbol_features = {}, {}
    for c in classifiers:
        # a model without hidden layers, or with a last one too wide to keep in the file, gets no likeness
        if _likeness_fits(c, images[:1]):
            calib_features[c.name] = predict_in_batches(c.last_hidden, images)
            symbol_features[c.name] = predict_in_batches(c.last_hidden, symbols)
    fitted_on = (f"{described}; negatives: {len(symbols)} drawn symbols ({len(SYMBOLS)} x {per_symbol}, "
                 f"seed {SYMBOLS_SEED})")
    rule = fit_rule(calib_out, labels, symbol_out, MAX_RISK, MAX_NEGATIVE_SURE, fitted_on,
                    {c.name: weights_sha256(c) or "" for c in classifiers}, calib_features, symbol_features)
    write_json(folder / CALIBRATION, {**rule.to_dict(), "created_at": timestamp()})
    return rule, {"calibration": calib_out, "labels": labels, "symbols": symbol_out}


def describe_vote(rule: SureRule) -> str:
    """In words: how compare-all decides, with the rule's numbers."""
    dropped = [name for name, weight in rule.weights.items() if weight == 0]
    agreeing = (f" and at least {rule.agreement} of the {len(rule.voters)} voting models give that digit themselves"
                if rule.agreement > 1 else "")
    pooled = ("the calibrated probabilities pooled with equal votes" if rule.equal_votes
              else "the calibrated probabilities pooled with the votes fitted on the calibration data")
    text = (f"{pooled} ({rule.vote_shares}{'; no vote: ' + ', '.join(dropped) if dropped else ''}); sure when the pool's top "
            f"probability reaches {rule.threshold:.4f}{agreeing}")
    if rule.likeness:
        text += (f", and the drawing looks like a digit inside {', '.join(rule.needs_features)} (likeness at least "
                 f"{rule.likeness_threshold:.2f}: the squared Mahalanobis distance of the last hidden layer to the "
                 f"nearest digit's calibration mean, counted in standard deviations of the calibration digits' "
                 f"distances from their median, sign turned, averaged with the votes; below "
                 f"{rule.not_digit_likeness:.2f}, \"this does not look like a digit\")")
    return text


def _likeness_fits(classifier, image: np.ndarray) -> bool:
    """Whether the model has a last hidden layer narrow enough (MAX_UNITS) for a likeness in the file."""
    try:
        return classifier.last_hidden(image).shape[1] <= MAX_UNITS
    except ValueError:                                  # no hidden layer
        return False


def rule_features(rule: SureRule | None, classifiers: Sequence, images: np.ndarray) -> dict[str, np.ndarray] | None:
    """{model: (n, units) last hidden activations on `images`} of the models whose digit-likeness the
    rule's compare-all reads (rule.needs_features); None when it reads none."""
    if rule is None or not rule.needs_features:
        return None
    by_name = {c.name: c for c in classifiers}
    return {name: predict_in_batches(by_name[name].last_hidden, images)
            for name in rule.needs_features if name in by_name}


# --- the command ---------------------------------------------------------------------------------

def _line(name: str, real: tuple[np.ndarray, np.ndarray] | None, labels: np.ndarray | None,
          letters_sure: np.ndarray, letters_not_digit: np.ndarray | None = None) -> str:
    if real is not None:
        digit, sure = real
        coverage = sure.mean()
        accuracy = f"{(digit[sure] == labels[sure]).mean():8.2%}" if sure.any() else "     n/a"
        head = f"{coverage:9.1%} {accuracy}  ({int(sure.sum()):4d}/{len(sure)})"
    else:
        head = f"{'-':>9} {'-':>8}  {'':11}"
    tail = f"   {letters_not_digit.mean():10.1%}" if letters_not_digit is not None else ""
    return f"  {name:<28} {head}   {letters_sure.mean():8.1%}{tail}"


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
        check_writable(args.models_dir)
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
    try:
        real = load_real_drawings(args.real_drawings, download=False)
        real_images, real_labels = real.images(), real.labels.astype(np.int64)
        real_note = f"{len(real_labels)} real drawings (UJI Pen Characters v2, measured only)"
    except RealDrawingsError as e:
        if args.real_drawings is not None:
            print(f"error: {e}", file=sys.stderr)
            return 2
        real_images, real_labels, real_note = None, None, f"real drawings not found: {e}"

    rule, fitted = fit_for_folder(classifiers, mnist, args.models_dir)
    calib_out, calibration_labels = fitted["calibration"], fitted["labels"]
    letters, _ = letter_images(LETTERS_PER_LETTER, LETTERS_SEED)
    letter_out, real_out = {}, {}
    for c in classifiers:
        letter_out[c.name] = predict_in_batches(c.predict_proba, letters)
        if real_images is not None:
            real_out[c.name] = predict_in_batches(c.predict_proba, real_images)
    letter_features = rule_features(rule, classifiers, letters)
    real_features = rule_features(rule, classifiers, real_images) if real_images is not None else None

    print(f"Calibration data: {rule.fitted_on}.")
    print(f"Check sets: {real_note}; {len(letters)} drawn letters ({len(LETTERS)} letters x {LETTERS_PER_LETTER}, "
          f"seed {LETTERS_SEED}).")
    print(f"Thresholds: the smallest with selective error <= {MAX_RISK:.1%} on the calibration digits and at most "
          f"{MAX_NEGATIVE_SURE:.0%} of the symbols called sure. Compare-all: {describe_vote(rule)} (the "
          f"combination that covers the most calibration digits).\n")
    print(f"  {'model':<28} {'T':>6} {'ECE before':>11} {'ECE after':>10}  {'own threshold':>13}   (on calibration data)")
    for name in names:
        T = rule.temperatures[name]
        print(f"  {name:<28} {T:6.3f} {expected_calibration_error(calib_out[name], calibration_labels):11.4f} "
              f"{expected_calibration_error(calibrate(calib_out[name], T), calibration_labels):10.4f}  "
              f"{rule.single_thresholds[name]:13.4f}")
    print(f"  {'compare-all (the vote)':<28} {'':6} {'':11} {'':10}  {rule.threshold:13.4f}\n")

    header = f"  {'rule':<28} {'coverage':>9} {'accuracy':>8}  {'(sure/all)':>11}   {'letters sure':>12}"
    has_real = real_labels is not None
    print("Before: the old rule (top share >= 0.6; compare-all: all agree and all sure)")
    print(header)
    for name in names:
        d_real = old_single(real_out[name]) if has_real else None
        print(_line(name, d_real, real_labels, old_single(letter_out[name])[1]))
    print(_line("compare-all", old_combined(real_out) if has_real else None, real_labels,
                old_combined(letter_out)[1]))
    print("\nAfter: the calibrated rule the window uses")
    print(header + f"   {'not a digit':>11}")
    for name in names:
        d_real = rule.single(name, real_out[name])[::2] if has_real else None
        print(_line(name, d_real, real_labels, rule.single(name, letter_out[name])[2],
                    rule.single_kinds(name, letter_out[name]) == NOT_A_DIGIT))
    combined_real = rule.combined(real_out, real_features) if has_real else None
    print(_line("compare-all", (combined_real[0], combined_real[2]) if has_real else None, real_labels,
                rule.combined(letter_out, letter_features)[2],
                rule.combined_kinds(letter_out, letter_features) == NOT_A_DIGIT))

    if has_real:
        digit, confidence, _ = combined_real
        coverage, risk = risk_coverage(confidence, digit == real_labels)
        print("\nRisk-coverage of the pooled probabilities on the real drawings (most confident first):")
        print("  coverage   error")
        for target_coverage in COVERAGES:
            print(f"  {target_coverage:7.0%}  {risk_at_coverage(coverage, risk, target_coverage):7.2%}")
    print(f"\nWrote {args.models_dir / CALIBRATION}. ({time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

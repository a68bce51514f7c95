"""Temperature scaling, the "sure" threshold, risk-coverage, SureRule, and the drawn-letters check set.

Fast and self-contained: synthetic probabilities, no MNIST, no trained model.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratch.files import json_text
from workbench.data.letters import (GLYPHS, LETTERS, MARK_GLYPHS, MARKS, SYMBOL_GLYPHS, SYMBOLS, letter_images,
                                   letter_strokes, mark_images, symbol_images)
from workbench.drawing.preprocess import prepare, render_strokes
from workbench.models.registry import CALIBRATION, available_models
from workbench.models.confidence import (MAX_FILE_BYTES, NOT_A_DIGIT, SURE, UNSURE, DigitLikeness, SureRule, calibrate,
                                         load_rule, weighted_vote)
from workbench.reports.calibration import (choose_guarded_threshold, choose_threshold, expected_calibration_error,
                                           describe_vote, fit_likeness, fit_rule, fit_temperature,
                                           fit_vote_weights, main,
                                           negative_log_likelihood, risk_at_coverage, risk_coverage, old_combined,
                                           old_single)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def synthetic(n: int = 20000, true_t: float = 2.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Outputs softmax(T * z) whose labels are drawn from softmax(z): over-confident by exactly T."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2.0, (n, 10))
    truth = softmax(z)
    labels = (truth.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return softmax(true_t * z), labels


def test_fit_temperature_recovers_a_known_temperature():
    p, labels = synthetic(true_t=2.5)
    assert fit_temperature(p, labels) == pytest.approx(2.5, rel=0.05)
    p, labels = synthetic(true_t=0.5, seed=1)                # under-confident: T below 1
    assert fit_temperature(p, labels) == pytest.approx(0.5, rel=0.05)


def test_fit_temperature_minimises_the_nll():
    p, labels = synthetic(n=3000, true_t=3.0, seed=2)
    T = fit_temperature(p, labels)
    best = negative_log_likelihood(p, labels, T)
    for other in (T * 0.9, T * 1.1, 1.0):
        assert best <= negative_log_likelihood(p, labels, other) + 1e-9


def test_calibration_lowers_the_ece_of_over_confident_outputs():
    p, labels = synthetic(true_t=3.0, seed=3)
    before = expected_calibration_error(p, labels)
    after = expected_calibration_error(calibrate(p, fit_temperature(p, labels)), labels)
    assert before > 0.05
    assert after < before / 3


def test_calibrate_keeps_the_answer_and_normalises_sigmoid_outputs():
    rng = np.random.default_rng(4)
    sigmoid = rng.random((50, 10))                               # rows do not sum to 1
    calibrated = calibrate(sigmoid, 2.0)
    assert np.allclose(calibrated.sum(axis=1), 1)
    assert (calibrated.argmax(axis=1) == sigmoid.argmax(axis=1)).all()
    assert np.allclose(calibrate(sigmoid, 1.0), sigmoid / sigmoid.sum(axis=1, keepdims=True))


def test_ece_by_hand():
    # two images at confidence 0.9 (bin 13 of 15), one right, one wrong: |0.5 - 0.9| = 0.4
    p = np.full((2, 10), 0.1 / 9)
    p[:, 0] = 0.9
    assert expected_calibration_error(p, np.array([0, 1])) == pytest.approx(0.4)


def test_risk_coverage_on_a_tiny_example():
    confidence = np.array([0.9, 0.5, 0.8, 0.7, 0.6])
    correct = np.array([True, False, True, False, True])
    coverage, risk = risk_coverage(confidence, correct)
    # most confident first: 0.9 R, 0.8 R, 0.7 W, 0.6 R, 0.5 W
    assert np.allclose(coverage, [0.2, 0.4, 0.6, 0.8, 1.0])
    assert np.allclose(risk, [0, 0, 1 / 3, 1 / 4, 2 / 5])
    assert risk_at_coverage(coverage, risk, 0.5) == pytest.approx(1 / 3)
    assert risk_at_coverage(coverage, risk, 1.0) == pytest.approx(0.4)


def test_risk_coverage_takes_ties_together():
    coverage, risk = risk_coverage([0.9, 0.7, 0.7, 0.5], [True, True, False, True])
    assert np.allclose(coverage, [0.25, 0.75, 1.0])
    assert np.allclose(risk, [0, 1 / 3, 1 / 4])


def test_threshold_is_the_smallest_with_selective_error_within_the_limit():
    confidence = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, False, True, True])
    # selective errors at t = 0.99 .. 0.6: 0, 0, 0, 1/4, 1/5, 1/6
    assert choose_threshold(confidence, correct, max_risk=0.0) == 0.9
    assert choose_threshold(confidence, correct, max_risk=0.2) == 0.6      # 1/5 and 1/6 are within 0.2
    assert choose_threshold(confidence, correct, max_risk=0.18) == 0.6     # 1/6 only; the smallest wins
    assert choose_threshold(confidence, correct, max_risk=0.3) == 0.6
    # nothing qualifies: a threshold above every confidence, so nothing is sure
    t = choose_threshold([0.9, 0.8], [False, True], max_risk=0.1)
    assert t > 0.9


def test_fit_rule_and_combined_rule():
    p, labels = synthetic(n=4000, true_t=2.0, seed=5)
    q, _ = synthetic(n=4000, true_t=2.0, seed=5)
    rule = fit_rule({"a": p, "b": q}, labels, max_risk=0.05)
    digit, confidence, sure = rule.combined({"a": p, "b": q})
    assert sure.any()
    assert (digit[sure] != labels[sure]).mean() <= 0.05
    assert rule.threshold == pytest.approx(confidence[sure].min())
    d1, c1, s1 = rule.single("a", p)
    assert (d1[s1] != labels[s1]).mean() <= 0.05


def test_a_threshold_guarded_by_negatives_calls_few_of_them_sure():
    confidence = np.array([0.99, 0.98, 0.97, 0.9, 0.8, 0.7])
    correct = np.array([1, 1, 1, 1, 0, 1], bool)
    assert choose_guarded_threshold(confidence, correct, None, max_risk=0.0) == 0.9
    # one negative of three may be sure: the negatives do not move the threshold
    assert choose_guarded_threshold(confidence, correct, np.array([0.975, 0.5, 0.4]), 0.0, 0.34) == 0.9
    # none may: the threshold rises just above the most confident negative
    t = choose_guarded_threshold(confidence, correct, np.array([0.975, 0.5, 0.4]), 0.0, 0.0)
    assert 0.975 < t <= 0.98
    assert not (np.array([0.975, 0.5, 0.4]) >= t).any()


def synthetic_negatives(n: int = 1000, seed: int = 9, scale: float = 5.0) -> np.ndarray:
    """Outputs for inputs with no right answer: random, often confident."""
    return softmax(np.random.default_rng(seed).normal(0, 1.0, (n, 10)) * scale)


def test_fit_rule_with_negatives_keeps_both_limits_and_chooses_an_agreement_level():
    p, labels = synthetic(n=4000, true_t=2.0, seed=5)
    q, _ = synthetic(n=4000, true_t=2.0, seed=5)
    negatives = {"a": synthetic_negatives(seed=1), "b": synthetic_negatives(seed=1, scale=4.0)}
    unguarded = fit_rule({"a": p, "b": q}, labels, max_risk=0.05)
    rule = fit_rule({"a": p, "b": q}, labels, negatives, max_risk=0.05, max_negative_sure=0.02)
    assert rule.agreement in (1, 2)
    digit, _, sure = rule.combined({"a": p, "b": q})
    assert (digit[sure] != labels[sure]).mean() <= 0.05
    assert rule.combined(negatives)[2].mean() <= 0.02
    assert unguarded.combined(negatives)[2].mean() > 0.02        # the guard mattered here
    for name in "ab":
        assert rule.single(name, negatives[name])[2].mean() <= 0.02
    # "not a digit" is rare on the calibration digits (about 1%) and common on the negatives
    kinds = rule.combined_kinds({"a": p, "b": q})
    assert set(np.unique(kinds)) <= {SURE, UNSURE, NOT_A_DIGIT}
    assert (kinds == NOT_A_DIGIT).mean() <= 0.011
    flat = synthetic_negatives(seed=3, scale=0.5)               # no digit stands out
    assert (rule.combined_kinds({"a": flat, "b": flat}) == NOT_A_DIGIT).mean() > 0.9


# --- the weighted vote and the digit-likeness ----------------------------------------------------

def test_fitted_votes_favour_the_model_that_predicts_the_labels_and_drop_one_that_adds_nothing():
    p, labels = synthetic(n=4000, true_t=1.0, seed=21)          # calibrated and informative
    noise = softmax(np.random.default_rng(22).normal(0, 1.0, (4000, 10)))     # knows nothing
    worse, _ = synthetic(n=4000, true_t=1.0, seed=21)
    worse = 0.5 * worse + 0.05                                    # the same answers, half as sure
    votes = fit_vote_weights({"good": p, "noise": noise, "worse": worse}, labels)
    assert sum(votes.values()) == pytest.approx(1.0)
    assert votes["noise"] == 0.0 and votes["good"] > votes["worse"]
    # the votes are the likelihood's optimum: a small step towards any other mix is no better
    def log_likelihood(w):
        pool = sum(w[k] * {"good": p, "noise": noise, "worse": worse}[k] for k in w)
        return np.log(pool[np.arange(len(labels)), labels]).mean()
    unpruned = fit_vote_weights({"good": p, "worse": worse}, labels, min_vote=0.0)
    for shift in (-0.05, 0.05):
        other = {"good": min(max(unpruned["good"] + shift, 0), 1)}
        other["worse"] = 1 - other["good"]
        assert log_likelihood(unpruned) >= log_likelihood(other) - 1e-9


def test_fitting_votes_refuses_what_no_vote_can_explain():
    with pytest.raises(ValueError, match="at least one labelled example"):
        fit_vote_weights({"a": np.zeros((0, 10))}, np.zeros(0, int))
    zero = np.zeros((3, 10))
    zero[:, 5] = 1.0
    with pytest.raises(ValueError, match="probability 0 to the right label"):
        fit_vote_weights({"a": zero, "b": zero}, np.array([1, 2, 5]))
    with pytest.raises(ValueError, match="at least one model"):
        fit_vote_weights({}, np.zeros(0, int))


def test_the_weighted_vote_pools_only_the_voters_and_counts_their_agreement():
    a = np.array([[0.9, 0.1] + [0.0] * 8])
    b = np.array([[0.2, 0.8] + [0.0] * 8])
    c = np.array([[0.0, 1.0] + [0.0] * 8])
    digit, confidence, agreeing, pooled = weighted_vote({"a": a, "b": b, "c": c}, {"a": 0.75, "b": 0.25, "c": 0.0})
    assert pooled[0, :2] == pytest.approx([0.725, 0.275]) and digit[0] == 0 and confidence[0] == pytest.approx(0.725)
    assert agreeing[0] == 1                    # a says 0, b says 1; c has no vote


def test_digit_likeness_is_a_mahalanobis_distance_to_the_nearest_digit():
    rng = np.random.default_rng(3)
    means, covariance = rng.normal(0, 5, (10, 4)), np.diag([1.0, 2.0, 0.5, 3.0])
    likeness = DigitLikeness(means, np.linalg.inv(covariance), 2.0, 4.0)
    x = rng.normal(0, 5, (6, 4))
    brute = [min(float((row - m) @ np.linalg.inv(covariance) @ (row - m)) for m in means) for row in x]
    assert likeness.distance(x) == pytest.approx(brute)
    assert likeness.score(x) == pytest.approx((2.0 - np.array(brute)) / 4.0)
    assert likeness.score(means[3:4])[0] == pytest.approx(0.5)     # at a digit's mean: distance 0
    again = DigitLikeness.from_dict(json.loads(json.dumps(likeness.to_dict())))
    assert again.score(x) == pytest.approx(likeness.score(x))


@pytest.mark.parametrize("change, message", [
    (dict(means=np.zeros((9, 4))), "likeness means must have shape 10 x units"),
    (dict(precision=np.eye(3)), "likeness precision must have shape 4 x 4"),
    (dict(means=np.full((10, 4), np.nan)), "means must be finite numbers"),
    (dict(precision=np.eye(4) * 1e300), "precision must be finite numbers no larger than"),
    (dict(precision=-np.eye(4)), "symmetric and positive definite"),
    (dict(precision=np.triu(np.ones((4, 4)))), "symmetric and positive definite"),
    (dict(scale=0.0), "scale must be positive"),
    (dict(centre="x"), "centre must be a finite number"),
    (dict(means=np.zeros((10, 5000))), "units from 1 to"),
])
def test_a_broken_likeness_is_refused_clearly(change, message):
    fields = dict(means=np.zeros((10, 4)), precision=np.eye(4), centre=1.0, scale=1.0)
    fields.update(change)
    with pytest.raises(ValueError, match=message):
        DigitLikeness(**fields)


def test_a_likeness_checks_the_features_it_reads():
    likeness = DigitLikeness(np.zeros((10, 4)), np.eye(4), 1.0, 1.0)
    with pytest.raises(ValueError, match="shape \\(n, 4\\)"):
        likeness.distance(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        likeness.distance(np.full((2, 4), np.nan))
    assert likeness.accepts(np.zeros(4)) and not likeness.accepts(np.zeros(3)) \
        and not likeness.accepts(np.array([np.inf, 0, 0, 0])) and not likeness.accepts(np.array(["a"] * 4))


def clusters(n: int, seed: int, units: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features (n, units), labels (n,), outputs (n, 10)): each digit a tight cluster of hidden activations,
    its outputs sure of the digit."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    centres = np.random.default_rng(0).normal(0, 4, (10, units))
    features = centres[labels] + rng.normal(0, 0.5, (n, units))
    outputs = np.full((n, 10), 0.002)
    outputs[np.arange(n), labels] = 0.982
    return features, labels, outputs


def test_fit_likeness_centres_the_calibration_digits_and_ranks_far_drawings_low():
    features, labels, _ = clusters(3000, seed=1)
    likeness = fit_likeness(features, labels)
    scores = likeness.score(features)
    assert np.median(scores) == pytest.approx(0.0, abs=1e-9) and np.std(scores) == pytest.approx(1.0)
    assert likeness.means[4] == pytest.approx(features[labels == 4].mean(axis=0))
    far = np.random.default_rng(2).normal(0, 4, (200, 6)) + 12.0     # activations no digit gives
    assert likeness.score(far).max() < np.quantile(scores, 0.01)
    with pytest.raises(ValueError, match="every digit; none of \\[9\\]"):
        fit_likeness(features[labels != 9], labels[labels != 9])


def test_the_likeness_refuses_what_the_output_layer_is_sure_of_but_no_digit_looks_like():
    """Letters are sure digits to the output layer; their hidden activations give them away."""
    features, labels, outputs = clusters(3000, seed=4)
    # negatives as the guard sees them: sure outputs, activations away from every digit
    rng = np.random.default_rng(5)
    negative_out = outputs[rng.integers(0, 3000, 400)]
    negative_features = rng.normal(0, 4, (400, 6)) + 10.0
    fits = {}
    for with_features in (False, True):
        extra = dict(features={"a": features, "b": features}, negative_features={"a": negative_features,
                                                                                 "b": negative_features}) \
            if with_features else {}
        fits[with_features] = fit_rule({"a": outputs, "b": outputs}, labels, {"a": negative_out, "b": negative_out},
                                       max_risk=0.01, max_negative_sure=0.05, **extra)
    blind, seeing = fits[False], fits[True]
    assert not blind.likeness and seeing.needs_features == ["a", "b"]
    assert blind.combined({"a": outputs, "b": outputs})[2].mean() == 0    # the guard left it nothing to call sure
    digits = seeing.combined({"a": outputs, "b": outputs}, {"a": features, "b": features})[2]
    negatives = seeing.combined({"a": negative_out, "b": negative_out}, {"a": negative_features,
                                                                         "b": negative_features})[2]
    assert digits.mean() > 0.9 and negatives.mean() <= 0.05
    kinds = seeing.combined_kinds({"a": negative_out, "b": negative_out}, {"a": negative_features,
                                                                           "b": negative_features})
    assert (kinds == NOT_A_DIGIT).mean() > 0.9
    with pytest.raises(ValueError, match="needs the last hidden layer of a, b"):
        seeing.combined({"a": outputs, "b": outputs})
    with pytest.raises(ValueError, match="negative_features"):
        fit_rule({"a": outputs}, labels, {"a": negative_out}, features={"a": features})
    again = SureRule.from_dict(json.loads(json.dumps(seeing.to_dict())))
    assert np.array_equal(again.combined({"a": outputs, "b": outputs}, {"a": features, "b": features})[2], digits)
    described = describe_vote(seeing)
    assert "equal votes (a 50%, b 50%)" in described and "inside a, b" in described      # twins: equal votes
    # a voter whose hidden layer is missing (or too wide to keep) goes without a likeness; the others keep theirs
    partial = fit_rule({"a": outputs, "b": outputs}, labels, {"a": negative_out, "b": negative_out}, max_risk=0.01,
                       features={"a": features}, negative_features={"a": negative_features})
    assert partial.needs_features == ["a"] and partial.voters == ["a", "b"]
    wide = np.repeat(features, 50, axis=1)                     # 300 units: more than a calibration file keeps
    none = fit_rule({"a": outputs}, labels, {"a": negative_out}, features={"a": wide},
                    negative_features={"a": np.repeat(negative_features, 50, axis=1)})
    assert not none.likeness and none.needs_features == [] and "inside" not in describe_vote(none)


def test_the_votes_in_words_name_the_voters_largest_first_and_leave_out_a_model_without_a_vote():
    rule = SureRule({"a": 1.0, "b": 1.0, "c": 1.0}, 0.9, weights={"a": 0.3, "b": 0.7, "c": 0.0})
    assert rule.vote_shares == "b 70%, a 30%"
    assert "(b 70%, a 30%; no vote: c)" in describe_vote(rule)


def test_a_rule_without_votes_gives_every_model_an_equal_one_and_bad_votes_are_refused():
    old = SureRule({"a": 1.0, "b": 1.0}, 0.9).to_dict()
    del old["weights"], old["likeness"], old["likeness_threshold"], old["not_digit_likeness"]
    rule = SureRule.from_dict(old)                          # a calibration.json from before the vote
    assert rule.weights == {"a": 0.5, "b": 0.5} and rule.voters == ["a", "b"] and not rule.needs_features
    assert rule.equal_votes and "pooled with equal votes (a 50%, b 50%)" in describe_vote(rule)
    p, _ = synthetic(n=50, seed=8)
    q, _ = synthetic(n=50, seed=9)
    _, confidence, _ = rule.combined({"a": p, "b": q})
    assert confidence == pytest.approx(((calibrate(p, 1.0) + calibrate(q, 1.0)) / 2).max(axis=1))
    for weights, message in (({"a": 1.0}, "exactly the models"), ({"a": -1.0, "b": 2.0}, "non-negative"),
                             ({"a": 0.0, "b": 0.0}, "not all 0")):
        with pytest.raises(ValueError, match=message):
            SureRule({"a": 1.0, "b": 1.0}, 0.9, weights=weights)
    with pytest.raises(ValueError, match="from 1 to 1 \\(the voting models\\)"):
        SureRule({"a": 1.0, "b": 1.0}, 0.9, agreement=2, weights={"a": 1.0, "b": 0.0})
    likeness = DigitLikeness(np.zeros((10, 2)), np.eye(2), 1.0, 1.0)
    with pytest.raises(ValueError, match="voting models only \\(a\\), got b"):
        SureRule({"a": 1.0, "b": 1.0}, 0.9, weights={"a": 1.0, "b": 0.0}, likeness={"b": likeness},
                 likeness_threshold=0.0, not_digit_likeness=-1.0)
    with pytest.raises(ValueError, match="likeness_threshold must be a finite number"):
        SureRule({"a": 1.0}, 0.9, likeness={"a": likeness}, not_digit_likeness=-1.0)


def test_readings_say_sure_unsure_or_not_a_digit():
    rule = SureRule({"a": 1.0, "b": 1.0}, 0.9, {"a": 0.9, "b": 0.9}, agreement=2,
                    not_digit_below={"a": 0.5, "b": 0.5, "": 0.5})
    sure = np.full(10, 0.005)
    sure[7] = 0.955
    torn = np.full(10, 0.01)
    torn[7], torn[1] = 0.5, 0.42
    flat = np.full(10, 0.1)
    assert rule.read_single("a", sure).phrase() == "sure"
    assert rule.read_single("a", torn).phrase() == "unsure: 7 or 1?"
    assert rule.read_single("a", flat).kind == NOT_A_DIGIT
    assert rule.read_single("a", flat).phrase() == "this does not look like a digit"
    assert rule.read_combined({"a": sure, "b": sure}).sure
    # with equal votes (the default) the pool is the average: 7 at 0.73, and only one model says 7: unsure, 7 or 1
    reading = rule.read_combined({"a": sure, "b": torn[[0, 7, 2, 3, 4, 5, 6, 1, 8, 9]]})
    assert (reading.kind, reading.digit, reading.runner_up) == (UNSURE, 7, 1)


def test_a_rule_covers_only_the_model_files_it_was_fitted_for():
    rule = SureRule({"a": 1.0}, 0.9, {"a": 0.9}, models={"a": "abc"})
    assert rule.covers("a", "abc")
    assert not rule.covers("a", "rebuilt")
    assert not rule.covers("b", "abc")


def test_load_rule_says_why_instead_of_failing(tmp_path):
    rule, why = load_rule(tmp_path / CALIBRATION)
    assert rule is None and CALIBRATION in why
    (tmp_path / CALIBRATION).write_text('{"format": "digit-workbench/calibration", "temperatures": {"a": 1')
    rule, why = load_rule(tmp_path / CALIBRATION)
    assert rule is None and "not valid JSON" in why and CALIBRATION in why
    (tmp_path / CALIBRATION).write_text('{"format": "digit-workbench/calibration", "temperatures": {"a": -1}, '
                                        '"threshold": 0.9}')
    rule, why = load_rule(tmp_path / CALIBRATION)
    assert rule is None and "temperature" in why
    (tmp_path / CALIBRATION).write_text(json_text(SureRule({"a": 2.0}, 0.9, {"a": 0.8}).to_dict()))
    rule, why = load_rule(tmp_path / CALIBRATION)
    assert why == "" and rule.temperatures == {"a": 2.0}


def test_a_rule_refuses_numbers_for_models_it_has_no_temperature_for():
    good = SureRule({"a": 1.0}, 0.9, {"a": 0.9}).to_dict()
    for field, value, message in [("single_thresholds", {"a": 0.9, "b": 0.9}, "'b', which has no temperature"),
                                  ("models", {"b": "0" * 64}, "'b', which has no temperature"),
                                  ("not_digit_below", {"b": 0.5}, "'b', which has no temperature"),
                                  ("temperatures", {"a": 1e-320}, "temperatures must be from"),
                                  ("temperatures", {"a": 1e6}, "temperatures must be from"),
                                  ("temperatures", {"": 1.0}, "must not be empty"),
                                  ("max_negative_sure", 2, "max_negative_sure")]:
        with pytest.raises(ValueError, match=message):
            SureRule.from_dict({**good, field: value})
    assert SureRule.from_dict({**good, "not_digit_below": {"": 0.5}}).not_digit_below == {"": 0.5}


def test_load_rule_refuses_what_is_not_a_calibration_file(tmp_path):
    folder = tmp_path / CALIBRATION
    folder.mkdir()
    assert "not a file" in load_rule(folder)[1]
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    rule, why = load_rule(deep)
    assert rule is None and "deep.json" in why
    broken = SureRule({"a": 1.0}, 0.9, likeness={"a": DigitLikeness(np.zeros((10, 2)), np.eye(2), 0.0, 1.0)},
                      likeness_threshold=0.0, not_digit_likeness=-1.0).to_dict()
    broken["likeness"]["a"]["precision"] = [[1.0, 0.0]]
    (tmp_path / "likeness.json").write_text(json_text(broken))
    rule, why = load_rule(tmp_path / "likeness.json")
    assert rule is None and "likeness.json" in why and "precision must have shape 2 x 2" in why
    big = tmp_path / "big.json"
    big.write_text(" " * (MAX_FILE_BYTES + 1))
    assert "too big" in load_rule(big)[1]


def test_fit_rule_says_what_is_wrong_with_its_inputs():
    p, labels = synthetic(n=200, seed=8)
    with pytest.raises(ValueError, match="at least one model"):
        fit_rule({}, labels)
    with pytest.raises(ValueError, match="missing: \\['b'\\]"):
        fit_rule({"a": p, "b": p}, labels, {"a": p})
    with pytest.raises(ValueError, match="max_risk"):
        choose_threshold([0.9], [True], max_risk="0.1")


def test_sure_rule_round_trips_through_json():
    rule = SureRule({"m1": 1.5, "m2": np.float64(0.8)}, 0.97, {"m1": 0.95, "m2": 0.99}, agreement=2,
                    not_digit_below={"m1": 0.6, "": 0.5}, models={"m1": "0" * 64, "m2": "1" * 64},
                    fitted_on="synthetic")
    document = json.loads(json_text(rule.to_dict()))
    again = SureRule.from_dict(document)
    assert again == rule
    assert isinstance(again.temperatures["m2"], float)
    with pytest.raises(ValueError, match="format"):
        SureRule.from_dict({"temperatures": {"m": 1.0}, "threshold": 0.9})
    with pytest.raises(ValueError, match="temperature"):
        SureRule.from_dict({**document, "temperatures": {"m": -1}})
    with pytest.raises(ValueError, match="threshold"):
        SureRule.from_dict({**document, "threshold": float("nan")})
    with pytest.raises(ValueError, match="agreement"):
        SureRule.from_dict({**document, "agreement": 3})
    with pytest.raises(ValueError, match="SHA-256"):
        SureRule.from_dict({**document, "models": {"m1": 5}})


def test_the_old_rule_is_what_the_window_falls_back_to_without_calibration():
    from gui.verdict import opinion
    rng = np.random.default_rng(6)
    a, b = rng.random((200, 10)) ** 4, rng.random((200, 10)) ** 4
    digit, sure = old_single(a)
    for row, d, s in zip(a, digit, sure):
        view = opinion(row)
        assert (view.digit, view.sure) == (d, s)
    combined_digit, combined_sure = old_combined({"a": a, "b": b})
    agree = a.argmax(axis=1) == b.argmax(axis=1)
    assert (combined_sure == (agree & old_single(a)[1] & old_single(b)[1])).all()


@pytest.mark.parametrize("bad, match", [
    (np.ones((3, 9)), "shape"),
    (np.ones(10), "shape"),
    (np.full((2, 10), np.nan), "NaN"),
    (-np.ones((2, 10)), "negative"),
])
def test_bad_probabilities_are_refused(bad, match):
    labels = np.zeros(len(bad), np.int64)
    with pytest.raises(ValueError, match=match):
        fit_temperature(bad, labels)
    with pytest.raises(ValueError, match=match):
        calibrate(bad, 1.0)


@pytest.mark.parametrize("labels, match", [
    (np.array([0, 10]), "0 to 9"),
    (np.array([0, -1]), "0 to 9"),
    (np.array([0.5, 1.0]), "whole"),
    (np.array([0, 1, 2]), "shape"),
    (np.array(["a", "b"]), "whole"),
])
def test_bad_labels_are_refused(labels, match):
    p = np.full((2, 10), 0.1)
    with pytest.raises(ValueError, match=match):
        fit_temperature(p, labels)
    with pytest.raises(ValueError, match=match):
        expected_calibration_error(p, labels)


def test_other_bad_inputs_are_refused():
    p = np.full((2, 10), 0.1)
    for T in (0, -1.0, float("nan"), float("inf"), "2"):
        with pytest.raises(ValueError, match="temperature"):
            calibrate(p, T)
    with pytest.raises(ValueError, match="at least one"):
        fit_temperature(np.zeros((0, 10)), np.zeros(0, np.int64))
    with pytest.raises(ValueError, match="correct"):
        risk_coverage([0.9, 0.8], [True])
    with pytest.raises(ValueError, match="NaN"):
        risk_coverage([0.9, np.nan], [True, False])
    with pytest.raises(ValueError, match="bins"):
        expected_calibration_error(p, [0, 1], bins=0)


# --- the drawn letters -------------------------------------------------------------------------------

def test_letters_are_the_ones_asked_for():
    assert "".join(LETTERS) == "ACEFHKMNPRUVWXacefhkmnruvwx"


def _check_drawn_set(draw, glyph_names: tuple[str, ...]) -> None:
    """draw(count, seed) -> (images, names) draws each glyph `count` times, deterministically per seed,
    every image a real stroke scaled to MNIST's 20-pixel box."""
    images, names = draw(2, 5)
    assert names == [x for x in glyph_names for _ in range(2)] and images.shape == (2 * len(glyph_names), 28, 28)
    assert np.array_equal(images, draw(2, 5)[0]) and not np.array_equal(images, draw(2, 6)[0])
    for name, image in zip(names, images):
        assert (image > 0.5).sum() >= 20, name
        rows, cols = np.nonzero(image > 0.1)
        assert max(np.ptp(rows), np.ptp(cols)) >= 15, name


def test_symbols_the_rule_is_fitted_against_are_no_letter_of_the_check_set_and_render():
    assert not set(SYMBOLS) & set(LETTERS) and len(SYMBOLS) >= 15
    _check_drawn_set(symbol_images, SYMBOLS)
    # no symbol is drawn with the same strokes as a letter of the check set
    for name, strokes in SYMBOL_GLYPHS.items():
        assert all(strokes != letter for letter in GLYPHS.values()), name


def test_marks_for_outlier_exposure_are_neither_letters_nor_symbols_and_render():
    """Models trained to doubt the marks (workbench.data.outliers) are still fitted against symbols and
    checked on letters they have never seen."""
    assert not set(MARKS) & (set(LETTERS) | set(SYMBOLS)) and len(MARKS) >= 15
    for name, strokes in MARK_GLYPHS.items():
        assert all(strokes != other for other in [*GLYPHS.values(), *SYMBOL_GLYPHS.values()]), name
    _check_drawn_set(mark_images, MARKS)


def test_letter_images_are_deterministic_per_seed():
    first, names = letter_images(2, 11)
    again, names_again = letter_images(2, np.random.default_rng(11))
    other, _ = letter_images(2, 12)
    assert first.shape == (2 * len(LETTERS), 28, 28) and first.dtype == np.float32
    assert names == names_again == [x for x in LETTERS for _ in range(2)]
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


def test_every_glyph_renders_a_letter_to_mnist_accepts():
    images, names = letter_images(1, 3)
    rng = np.random.default_rng(3)
    for letter, image in zip(names, images):
        strokes, pen = letter_strokes(letter, rng)
        prepared = prepare(render_strokes(strokes, (280, 280), pen))
        assert not prepared.empty, letter
        assert np.array_equal(prepared.pixels, image), letter    # letter_images is exactly this path
        assert image.shape == (28, 28) and 0 <= image.min() and image.max() <= 1
        assert (image > 0.5).sum() >= 20, letter                  # a real stroke, not a speck
        rows, cols = np.nonzero(image > 0.1)
        assert max(np.ptp(rows), np.ptp(cols)) >= 15, letter         # scaled to MNIST's 20-pixel box


def test_samples_vary_and_letters_differ():
    images, names = letter_images(3, 5)
    per_letter = images.reshape(len(LETTERS), 3, 28, 28)
    for letter, samples in zip(LETTERS, per_letter):
        assert not np.array_equal(samples[0], samples[1]), letter
    # the mean image of each letter differs from every other letter's
    means = per_letter.mean(axis=1).reshape(len(LETTERS), -1)
    distance = np.linalg.norm(means[:, None] - means[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    assert distance.min() > 0.5
    # the glyphs themselves are all different shapes
    shapes = {json.dumps(np.round(np.concatenate([np.asarray(s) for s in g]), 1).tolist()) for g in GLYPHS.values()}
    assert len(shapes) == len(GLYPHS)


def test_unknown_letters_and_bad_counts_are_refused():
    with pytest.raises(ValueError, match="glyph"):
        letter_images(1, 0, letters=("A", "Q"))
    with pytest.raises(ValueError, match="count_per_letter"):
        letter_images(-1, 0)
    with pytest.raises(ValueError, match="rng"):
        letter_images(1, "seed")


def test_the_registry_does_not_list_calibration_json_as_a_model(tmp_path):
    (tmp_path / CALIBRATION).write_text(json_text(SureRule({"m": 1.0}, 0.9).to_dict()))
    assert available_models(tmp_path) == []


def test_the_command_stops_with_a_message_when_the_models_folder_is_missing(tmp_path, capsys):
    assert main(["--models-dir", str(tmp_path / "nowhere")]) == 2
    assert "nowhere" in capsys.readouterr().err


# --- choosing recipes on drawn-style validation digits (workbench.reports.selection) --------------

def test_selection_sets_are_validation_digits_redrawn_the_same_way_every_time(mnist):
    from workbench.reports import selection
    sets = selection.selection_sets(mnist, drawn_count=20, styled_count=40)
    again = selection.selection_sets(mnist, drawn_count=20, styled_count=40)
    split = mnist.validation_split()
    (drawn, drawn_labels), (styled, styled_labels) = sets["drawn"], sets["styled"]
    assert drawn.shape == (20, 28, 28) and np.array_equal(drawn_labels, split.validation_labels[5000:5020])
    assert len(styled) == len(styled_labels) >= 10 and set(styled_labels) <= set(range(10))
    for name in sets:
        images, labels = sets[name]
        assert images.dtype == np.float32 and 0 <= images.min() and images.max() <= 1 and images.any(axis=(1, 2)).all()
        assert np.array_equal(images, again[name][0]) and np.array_equal(labels, again[name][1])


def test_selection_cli_names_a_missing_model(tmp_path, capsys):
    from workbench.reports import selection
    assert selection.main([str(tmp_path / "nowhere.json")]) == 2
    assert "nowhere.json" in capsys.readouterr().err

"""The comparison report's "Confidence" section: how the window's "sure" rule does on real drawings
and on drawn letters, and the risk-coverage curves behind it.

The rule is the one the window uses: calibration.json beside the models, read by
workbench.models.confidence.load_rule, applied through the same SureRule methods. A model the file
was not fitted for (rebuilt since, or new) is shown with the old rule (top share >= 0.6) and marked so.

For each model and for compare-all (the rule's weighted vote of the calibrated probabilities, with its
agreement level and digit-likeness test), on the real drawings: coverage (the share called "sure") and accuracy among those; on the drawn
letters (workbench.data.letters, a check set nothing is fitted on): the share called a sure digit, and
the share called "this does not look like a digit". The old rule sits beside them for comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from workbench.data.letters import LETTERS, letter_images
from workbench.models.adapter import Classifier
from workbench.models.confidence import NOT_A_DIGIT, OLD_RULE_SURE, SureRule, load_rule, old_rule, weights_sha256
from workbench.models.registry import CALIBRATION
from workbench.reports.calibration import (LETTERS_PER_LETTER, LETTERS_SEED, NOT_DIGIT_SHARE, describe_vote,
                                           old_combined, old_single, risk_coverage, rule_features)
from workbench.reports.evaluate import predict_in_batches

COMPARE_ALL = "compare-all"
OLD_RULE = "compare-all, old rule"
FIGURE = "risk_coverage.png"
QUICK_LETTERS = 3            # per letter with --quick


@dataclass
class RuleResult:
    """How one rule does: on real drawings (None if not measured) and on letters."""

    name: str
    calibrated: bool
    real_sure: np.ndarray | None = None         # (m,) bool
    real_correct: np.ndarray | None = None      # (m,) bool: the rule's answer is the true digit
    real_confidence: np.ndarray | None = None   # (m,) what the rule thresholds, for the risk-coverage curve
    letters_sure: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    letters_not_digit: np.ndarray | None = None

    def coverage(self) -> float | None:
        return None if self.real_sure is None else float(self.real_sure.mean())

    def accuracy_when_sure(self) -> float | None:
        if self.real_sure is None or not self.real_sure.any():
            return None
        return float(self.real_correct[self.real_sure].mean())

    def to_dict(self) -> dict:
        return {"rule": self.name, "calibrated": self.calibrated,
                "real_coverage": self.coverage(), "real_accuracy_when_sure": self.accuracy_when_sure(),
                "real_sure_count": None if self.real_sure is None else int(self.real_sure.sum()),
                "letters_sure_share": float(self.letters_sure.mean()) if len(self.letters_sure) else None,
                "letters_not_a_digit_share": None if self.letters_not_digit is None or not len(self.letters_not_digit)
                else float(self.letters_not_digit.mean())}


@dataclass
class ConfidenceSection:
    rule: SureRule | None
    rule_note: str                    # where the rule came from, or why there is none
    results: list[RuleResult]
    compare_all_note: str             # why compare-all does not use the rule, or ""
    letters_count: int
    real_count: int | None


def measure_confidence(classifiers: Sequence[Classifier], folder: Path, real_out: Mapping[str, np.ndarray] | None,
                       real_labels: np.ndarray | None, quick: bool, real_images: np.ndarray | None = None
                       ) -> ConfidenceSection:
    """Apply the folder's rule (as the window does) to the real drawings and the drawn letters.

    real_out: {model: (m, 10) outputs on the real drawings}, real_labels (m,), real_images (m, 28, 28) (for
    the hidden layers compare-all's likeness reads); None when not measured."""
    rule, why = load_rule(folder / CALIBRATION)
    letters, _ = letter_images(QUICK_LETTERS if quick else LETTERS_PER_LETTER, LETTERS_SEED)
    letter_out = {c.name: predict_in_batches(c.predict_proba, letters) for c in classifiers}
    covered = {c.name for c in classifiers if rule is not None and rule.covers(c.name, weights_sha256(c))}
    results = []
    for c in classifiers:
        name = c.name
        result = RuleResult(name, name in covered)
        if name in covered:
            result.letters_sure = rule.single(name, letter_out[name])[2]
            result.letters_not_digit = rule.single_kinds(name, letter_out[name]) == NOT_A_DIGIT
            if real_out is not None:
                digit, confidence, sure = rule.single(name, real_out[name])
                result.real_sure, result.real_correct, result.real_confidence = sure, digit == real_labels, confidence
        else:
            result.letters_sure = old_single(letter_out[name])[1]
            if real_out is not None:
                digit, share, sure = old_rule(real_out[name])
                result.real_sure, result.real_correct, result.real_confidence = sure, digit == real_labels, share
        results.append(result)
    names = [c.name for c in classifiers]
    compare_all_note = ""
    if rule is not None and covered == set(names) and rule.applies_to(covered):
        letter_features = rule_features(rule, classifiers, letters)
        combined = RuleResult(COMPARE_ALL, True, letters_sure=rule.combined(letter_out, letter_features)[2],
                              letters_not_digit=rule.combined_kinds(letter_out, letter_features) == NOT_A_DIGIT)
        if real_out is not None:
            if rule.needs_features and real_images is None:
                raise ValueError("measure_confidence needs real_images: compare-all's likeness reads hidden layers")
            real_features = rule_features(rule, classifiers, real_images)
            digit, confidence, sure = rule.combined(real_out, real_features)
            combined.real_sure, combined.real_correct, combined.real_confidence = sure, digit == real_labels, confidence
        results.append(combined)
    elif rule is not None:
        compare_all_note = (f"{CALIBRATION} was fitted for {', '.join(rule.temperatures)}; compare-all uses it "
                            f"only for exactly those model files, so it is not shown with the rule here")
    old = RuleResult(OLD_RULE, False, letters_sure=old_combined(letter_out)[1])
    if real_out is not None:
        digit, sure = old_combined(real_out)
        old.real_sure, old.real_correct = sure, digit == real_labels
    results.append(old)
    note = f"`{CALIBRATION}` ({rule.fitted_on})" if rule is not None else why
    return ConfidenceSection(rule, note, results, compare_all_note, len(letters),
                             None if real_labels is None else len(real_labels))


def confidence_table(section: ConfidenceSection) -> str:
    rows = ["| rule | calibrated | real drawings called sure | right when sure | letters called a sure digit "
            "| letters: \"not a digit\" |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    for r in section.results:
        coverage, accuracy = r.coverage(), r.accuracy_when_sure()
        sure = "" if r.real_sure is None else f" ({int(r.real_sure.sum()):,}/{len(r.real_sure):,})"
        rows.append(f"| {r.name} | {'yes' if r.calibrated else f'no (top share >= {OLD_RULE_SURE})'} | "
                    f"{'-' if coverage is None else f'{coverage:.1%}'}{sure} | "
                    f"{'-' if accuracy is None else f'{accuracy:.2%}'} | {r.letters_sure.mean():.1%} | "
                    f"{'-' if r.letters_not_digit is None else f'{r.letters_not_digit.mean():.1%}'} |")
    return "\n".join(rows)


def risk_coverage_figure(section: ConfidenceSection) -> Figure | None:
    """Error among the drawings called sure against the share called sure, most confident first, per rule;
    a dot marks where each rule's threshold puts it."""
    curves = [r for r in section.results if r.real_confidence is not None]
    if not curves:
        return None
    figure = Figure(figsize=(8, 5))
    axes = figure.subplots()
    for index, r in enumerate(curves):
        coverage, risk = risk_coverage(r.real_confidence, r.real_correct)
        style = dict(lw=2.5, color="black") if r.name == COMPARE_ALL else dict(lw=1.2, color=f"C{index % 10}")
        axes.plot(coverage, 100 * risk, label=r.name + ("" if r.calibrated else " (uncalibrated)"), **style)
        if r.real_sure is not None and r.real_sure.any():
            axes.plot(r.coverage(), 100 * (1 - r.accuracy_when_sure()), "o", color=style["color"])
    axes.axhline(0.5, color="grey", ls=":", lw=1)
    axes.axvline(0.9, color="grey", ls=":", lw=1)
    axes.set(xlabel="coverage: share of real drawings called sure", ylabel="error among those (%)",
             title=f"Risk-coverage on {section.real_count:,} real drawings (dots: where each rule says sure)",
             xlim=(0, 1.01), ylim=(0, max(2.0, axes.get_ylim()[1])))
    axes.legend(fontsize=7, loc="upper left")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def confidence_markdown(section: ConfidenceSection, image: str) -> list[str]:
    rule = section.rule
    how = ("No calibrated rule: " + section.rule_note + "." if rule is None else
           f"The rule is the one the window uses, read from {section.rule_note}. Each model's probabilities are "
           f"temperature-scaled; a model is sure when its calibrated top probability reaches its own threshold. "
           f"Compare-all: {describe_vote(rule)}. Every threshold was chosen as the smallest whose error on the "
           f"calibration digits is at most {rule.max_risk:.1%} and that calls at most {rule.max_negative_sure:.0%} of "
           f"a set of drawn symbols a sure digit. \"This does not look like a digit\" for one model: its top two "
           f"digits hold less probability than for {1 - NOT_DIGIT_SHARE:.0%} of the calibration digits." +
           (f" Note: {section.compare_all_note}." if section.compare_all_note else ""))
    return ["## Confidence: when the window says \"sure\"",
            how + f" Letters: {section.letters_count:,} drawn letters ({' '.join(LETTERS)}), a check set "
            f"nothing is fitted on (`workbench.data.letters`). The old rule (top share >= {OLD_RULE_SURE}; compare-all: all "
            f"agree and all sure) is shown for comparison.",
            confidence_table(section), image]


def confidence_document(section: ConfidenceSection) -> dict:
    return {"rule": None if section.rule is None else section.rule.to_dict(), "note": section.rule_note,
            "compare_all_note": section.compare_all_note,
            "letters": section.letters_count, "real_drawings": section.real_count,
            "rules": [r.to_dict() for r in section.results]}


"""The GUI's pure parts, without a window: what it says about model outputs (gui.verdict) and which
models it offers in which state (gui.model_state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gui.model_state import LOADING, READY, UNAVAILABLE, ModelBoard
from gui.verdict import UNSURE_BELOW, agreement, opinion, single_verdict
from workbench.models.registry import ModelInfo


def outputs_for(digit: int, confidence: float) -> np.ndarray:
    """Softmax-like outputs: `confidence` on `digit`, the rest spread evenly."""
    outputs = np.full(10, (1 - confidence) / 9)
    outputs[digit] = confidence
    return outputs


# --- verdict -------------------------------------------------------------------------------------

def test_opinion_reads_the_top_digit_and_its_share():
    view = opinion(outputs_for(7, 0.9))
    assert view.digit == 7 and view.confidence == pytest.approx(0.9) and view.sure
    assert view.outputs.dtype == np.float32 and view.outputs.shape == (10,)


def test_sigmoid_outputs_are_normalised_by_their_sum():
    outputs = np.zeros(10)
    outputs[3], outputs[5] = 0.9, 0.9       # two sigmoid units both fully on: a coin toss, not "90% sure"
    view = opinion(outputs)
    assert view.confidence == pytest.approx(0.5) and not view.sure


def test_all_zero_outputs_are_not_sure():
    assert opinion(np.zeros(10)).confidence == 0.0


@pytest.mark.parametrize("bad", [np.zeros(5), np.full(10, np.nan), np.array([np.inf] + [0] * 9)])
def test_opinion_refuses_what_is_not_ten_finite_outputs(bad):
    with pytest.raises(ValueError, match="10 finite outputs"):
        opinion(bad)


def test_the_sure_threshold_is_inclusive():
    assert opinion(outputs_for(1, UNSURE_BELOW)).sure
    assert not opinion(outputs_for(1, UNSURE_BELOW - 0.01)).sure


def test_single_verdict_says_sure_or_unsure():
    assert single_verdict("m", opinion(outputs_for(4, 0.95))) == "m says 4 (95% sure)."
    unsure = single_verdict("m", opinion(outputs_for(4, 0.4)))
    assert unsure.startswith("Unsure: m's best guess is 4, only 40% sure")


def test_agreement_when_all_agree_and_are_sure():
    verdict = agreement({"a": opinion(outputs_for(2, 0.9)), "b": opinion(outputs_for(2, 0.8))})
    assert verdict.majority == 2 and not verdict.disagreeing and not verdict.unsure
    assert verdict.message == "All 2 models say 2."
    assert agreement({"a": opinion(outputs_for(2, 0.9))}).message == "The model says 2."


def test_agreement_when_all_agree_but_one_is_unsure():
    verdict = agreement({"a": opinion(outputs_for(2, 0.9)), "b": opinion(outputs_for(2, 0.3))})
    assert verdict.unsure == {"b"} and "unsure" in verdict.message and verdict.majority == 2


def test_agreement_names_the_models_that_disagree():
    verdict = agreement({"a": opinion(outputs_for(1, 0.9)), "b": opinion(outputs_for(1, 0.9)),
                         "c": opinion(outputs_for(7, 0.9))})
    assert verdict.majority == 1 and verdict.disagreeing == {"c"}
    assert verdict.message == "Unsure: the models disagree. 2 of 3 say 1; 1 say 7."


def test_a_tie_is_broken_by_confidence_not_by_order():
    first = agreement({"a": opinion(outputs_for(1, 0.7)), "b": opinion(outputs_for(7, 0.99))})
    second = agreement({"b": opinion(outputs_for(7, 0.99)), "a": opinion(outputs_for(1, 0.7))})
    assert first.majority == second.majority == 7


def test_no_opinions():
    verdict = agreement({})
    assert verdict.majority is None and verdict.message == "No model is available."


# --- model state -----------------------------------------------------------------------------------

class FakeClassifier:
    def __init__(self, accuracy):
        self.test_accuracy = accuracy


def info(name, framework="scratch", usable=True):
    return ModelInfo(name, framework if usable else "unknown", Path(f"{name}.json"),
                     summary="" if usable else "not valid JSON")


def test_models_start_loading_and_unknown_files_are_unavailable():
    board = ModelBoard([info("a"), info("broken", usable=False)])
    assert board.state("a") == LOADING and board.state("broken") == UNAVAILABLE
    assert board.unavailable() == {"broken": "not valid JSON"} and board.still_loading()
    assert board.chosen is None and board.label("a") == "a (scratch, loading…)"


def test_the_most_accurate_ready_model_is_chosen_even_when_it_loads_last():
    board = ModelBoard([info("fast"), info("best", "tensorflow")])
    board.loaded("fast", FakeClassifier(0.96))
    assert board.chosen == "fast"
    board.loaded("best", FakeClassifier(0.995))
    assert board.chosen == "best" and not board.still_loading()
    assert board.label("best") == "best (tensorflow, 99.50%)"


def test_the_users_choice_survives_later_loads():
    board = ModelBoard([info("a"), info("b"), info("c")])
    board.loaded("a", FakeClassifier(0.9))
    board.loaded("b", FakeClassifier(0.8))
    board.choose("b")
    board.loaded("c", FakeClassifier(0.99))
    assert board.chosen == "b"


def test_a_model_that_fails_is_unavailable_and_another_is_chosen():
    board = ModelBoard([info("a"), info("b")])
    board.loaded("a", FakeClassifier(0.99))
    board.loaded("b", FakeClassifier(0.9))
    board.failed("a", "a: failed to predict")
    assert board.state("a") == UNAVAILABLE and board.chosen == "b" and list(board.ready()) == ["b"]
    board.failed("b", "b: corrupt")
    assert board.chosen is None and board.chosen_classifier() is None


def test_models_without_an_accuracy_come_last():
    board = ModelBoard([info("unknown-accuracy"), info("known")])
    board.loaded("unknown-accuracy", FakeClassifier(None))
    board.loaded("known", FakeClassifier(0.5))
    assert board.chosen == "known"


@pytest.mark.parametrize("name,why", [("loading", "still loading"), ("broken", "not valid JSON"),
                                      ("nothing", "not listed")])
def test_only_ready_models_can_be_chosen(name, why):
    board = ModelBoard([info("loading"), info("broken", usable=False)])
    with pytest.raises(ValueError, match=why):
        board.choose(name)
    assert board.state("broken") != READY

"""The GUI's pure parts, without a window: what it says about model outputs (gui.verdict) and which
models it offers in which state (gui.model_state)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gui.model_state import LOADING, READY, UNAVAILABLE, ModelBoard
from gui.verdict import agreement, opinion, rule_applies, single_verdict
from workbench.models.confidence import DigitLikeness, OLD_RULE_SURE as UNSURE_BELOW, SureRule
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
    assert single_verdict("m", opinion(outputs_for(4, 0.95))) == "m says 4 (95% of its output; not calibrated)."
    unsure = single_verdict("m", opinion(outputs_for(4, 0.4)))
    assert unsure.startswith("Unsure: m's best guess is 4, only 40% of its output (not calibrated)")


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


# --- with the fitted rule (calibration.json) --------------------------------------------------------

RULE = SureRule({"a": 2.0, "b": 1.0}, 0.9, {"a": 0.8, "b": 0.95}, agreement=2,
                not_digit_below={"a": 0.5, "b": 0.5, "": 0.5})


def test_a_calibrated_opinion_is_the_rules_reading():
    outputs = outputs_for(4, 0.97)
    view = opinion(outputs, RULE, "a")
    reading = RULE.read_single("a", outputs)
    assert view.calibrated and (view.digit, view.confidence, view.sure) == (4, reading.confidence, reading.sure)
    assert view.confidence < 0.97                       # T = 2 softens it
    assert single_verdict("a", view).startswith("a says 4: sure") == reading.sure
    torn = outputs_for(4, 0.5)
    torn[9] = 0.45
    assert "unsure: 4 or 9?" in single_verdict("b", opinion(torn, RULE, "b"))
    assert "does not look like a digit" in single_verdict("b", opinion(np.full(10, 0.1), RULE, "b"))


def test_compare_all_uses_the_rule_when_it_covers_exactly_these_models():
    sure = {"a": opinion(outputs_for(3, 0.999), RULE, "a"), "b": opinion(outputs_for(3, 0.999), RULE, "b")}
    assert rule_applies(RULE, sure)
    verdict = agreement(sure, RULE)
    expected = RULE.read_combined({name: view.outputs for name, view in sure.items()})
    assert verdict.sure == expected.sure and verdict.majority == expected.digit == 3
    assert verdict.message.startswith("Sure: 3.")
    # one model says 3, the other 8, with equal weight: not sure, the two readings are offered
    split = {"a": sure["a"], "b": opinion(outputs_for(8, 0.999), RULE, "b")}
    verdict = agreement(split, RULE)
    assert not verdict.sure and verdict.message.startswith(("Unsure: 3 or 8?", "Unsure: 8 or 3?"))
    # a model the rule does not cover (or an uncalibrated one): the old rule, and the window says so
    extra = {**sure, "c": opinion(outputs_for(3, 0.99))}
    assert not rule_applies(RULE, extra)
    assert "Not calibrated for this set of models" in agreement(extra, RULE).message
    uncalibrated = {"a": sure["a"], "b": opinion(outputs_for(3, 0.999))}
    assert not rule_applies(RULE, uncalibrated)


def test_compare_all_with_a_likeness_reads_the_voters_hidden_layers():
    """The rule's vote goes to "a" alone, and "a"'s hidden layer must look like a digit for "sure"."""
    likeness = DigitLikeness(np.zeros((10, 3)), np.eye(3), 1.0, 1.0)        # score = 1 - |features|^2
    rule = SureRule({"a": 1.0, "b": 1.0}, 0.9, {"a": 0.9, "b": 0.9}, weights={"a": 1.0, "b": 0.0},
                    likeness={"a": likeness}, likeness_threshold=0.0, not_digit_likeness=-3.0)
    near, middle, far = np.array([0.1, 0.0, 0.0]), np.array([1.5, 0.0, 0.0]), np.array([3.0, 0.0, 0.0])
    b_says_8 = opinion(outputs_for(8, 0.999), rule, "b")
    for features, kind in ((near, "Sure: 3."), (middle, "Unsure: 3 or"), (far, "This does not look like a digit")):
        views = {"a": opinion(outputs_for(3, 0.999), rule, "a", features), "b": b_says_8}
        assert rule_applies(rule, views)
        verdict = agreement(views, rule)
        assert verdict.message.startswith(kind) and verdict.sure == (kind == "Sure: 3.")
        assert verdict.majority == 3              # b's 8 has no vote, and the window says whose vote counts
        assert "1 of 2 models say 3; 1 say 8; the vote (a 100%) gives 3 " in verdict.message
    # without a usable hidden layer (missing, another size than the rule was fitted for, not finite) the rule
    # cannot be applied: the old rule, and the window says why
    for features in (None, np.zeros(5), np.array([np.nan, 0.0, 0.0])):
        views = {"a": opinion(outputs_for(3, 0.999), rule, "a", features), "b": b_says_8}
        assert not rule_applies(rule, views)
        assert "The hidden layers of a that the rule reads could not be computed" in agreement(views, rule).message


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


# --- pictures and explanations, without a window ------------------------------------------------------

from gui import pictures  # noqa: E402
from gui.explainer import Explanation, Request, explain  # noqa: E402
from gui.inside_view import sections  # noqa: E402


def test_signed_colours_are_red_for_positive_blue_for_negative_black_for_zero():
    colours = pictures.signed_colours(np.array([1.0, -1.0, 0.0]))
    assert colours[0, 0] > colours[0, 2] and colours[1, 2] > colours[1, 0] and not colours[2].any()


def test_tile_grid_and_tile_at_agree():
    tiles = [np.full((28, 28), i, np.float32) for i in range(13)]
    grid = pictures.tile_grid(tiles, columns=5, tile=20)
    assert grid.size == (5 * 24, 3 * 24)
    assert pictures.tile_at(24 * 2 + 5, 24 * 1 + 5, 5, 20, 13) == 7
    assert pictures.tile_at(24 * 4 + 5, 24 * 2 + 5, 5, 20, 13) is None      # past the last tile


def test_heat_strip_has_one_cell_per_unit():
    strip = pictures.heat_strip(np.arange(800, dtype=np.float32), columns=50, cell=8)
    assert strip.size == (400, 128)
    assert np.asarray(strip)[4, 4].sum() < np.asarray(strip)[-4, -4].sum()   # unit 0 dark, unit 799 bright


class TinyModel:
    """A linear 'classifier' with a known gradient: enough to check what explain() asks and returns."""
    name, test_accuracy = "tiny", 0.9

    def predict(self, images):
        return images.reshape(len(images), -1)[:, :10].argmax(axis=1)

    def saliency(self, image, digit):
        return np.full((28, 28), float(digit), np.float32) * image

    def hidden_activations(self, images):
        return [("hidden_1", images.reshape(len(images), -1)[:, :30])]

    def first_layer_weights(self):
        return np.ones((784, 30), np.float32)


def test_explain_computes_the_answer_the_other_digit_and_the_hidden_layers():
    pixels = np.zeros((28, 28), np.float32)
    pixels[0, 3] = 1.0                       # TinyModel answers 3
    model = TinyModel()
    expl = explain(Request(5, pixels, model, 8, {"tiny": model}))
    assert expl.generation == 5 and expl.answer == 3 and expl.other_digit == 8
    assert expl.saliency[0, 3] == 3 and expl.other_saliency[0, 3] == 8 and expl.maps["tiny"][0] == 3
    assert expl.hidden[0][1].shape == (30,) and expl.first_weights.shape == (784, 30)
    titles = [s.title for s in sections(expl)]
    assert titles[0].startswith("hidden_1: 30 units") and sections(expl)[0].units is not None


def test_a_model_that_fails_to_explain_is_reported_and_the_others_are_explained():
    class Broken(TinyModel):
        def saliency(self, image, digit):
            raise RuntimeError("no gradient")
    pixels = np.zeros((28, 28), np.float32)
    expl = explain(Request(1, pixels, TinyModel(), None, {"broken": Broken(), "tiny": TinyModel()}))
    assert "broken" in expl.errors and "tiny" in expl.maps and expl.saliency is not None


def test_wide_layers_are_strips_and_feature_maps_are_grids():
    expl = Explanation(1, chosen="m", answer=7, hidden=[("hidden_1", np.random.rand(800)),
                                                       ("relu_2", np.random.rand(8, 8, 40))],
                       first_weights=np.random.rand(784, 800))
    titles = [s.title for s in sections(expl)]
    assert titles[0].startswith("hidden_1: 800 units") and titles[1].startswith("relu_2: 40 feature maps 8x8")
    with_top = sections(expl, show_top_units=True)
    assert "most active units" in with_top[1].title and len(with_top[1].units) == 10

"""Why did it say 7? The explanations the window shows, computed off the Tk thread.

For the current drawing the window wants: the chosen model's saliency for its answer and for
another digit, every model's saliency for its own answer (the small maps in compare-all), and
the chosen model's hidden activations. These take gradients, so a worker thread computes them;
the window submits a request after each prediction and shows the result for the newest one.
Requests that were overtaken by a newer drawing are skipped, not computed.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field

import numpy as np

from workbench.models.adapter import Classifier


@dataclass(frozen=True)
class Request:
    generation: int                       # increases with every prediction; results carry it back
    pixels: np.ndarray                    # (28, 28) what the models see
    chosen: Classifier | None
    other_digit: int | None               # "what would make it a 1" (None: only the answer)
    everyone: dict[str, Classifier]       # models whose small map compare-all shows
    answers: dict[str, int] = field(default_factory=dict)   # each model's answer, if already known
    want_hidden: bool = True


@dataclass
class Explanation:
    generation: int
    chosen: str | None = None
    answer: int | None = None
    saliency: np.ndarray | None = None                 # (28, 28) for the answer
    other_digit: int | None = None
    other_saliency: np.ndarray | None = None           # (28, 28) for other_digit
    maps: dict[str, tuple[int, np.ndarray]] = field(default_factory=dict)   # name -> (its answer, map)
    hidden: list[tuple[str, np.ndarray]] = field(default_factory=list)    # (layer, activations for the image)
    first_weights: np.ndarray | None = None            # (784, units) of the chosen model, for unit pictures
    errors: dict[str, str] = field(default_factory=dict)


def explain(request: Request) -> Explanation:
    """Compute everything the request asks for (pure: no Tk, no threads). A model that fails is
    reported in `errors` and the others are still explained."""
    result = Explanation(request.generation)
    image = request.pixels
    for name, classifier in request.everyone.items():
        try:
            answer = request.answers.get(name)
            answer = int(classifier.predict(image[None])[0]) if answer is None else answer
            result.maps[name] = (answer, classifier.saliency(image, answer))
        except Exception as e:          # one broken model must not blank the others' maps
            result.errors[name] = f"{type(e).__name__}: {e}"
    chosen = request.chosen
    if chosen is None:
        return result
    result.chosen = chosen.name
    try:
        if chosen.name in result.maps:
            result.answer, result.saliency = result.maps[chosen.name]
        else:
            result.answer = int(chosen.predict(image[None])[0])
            result.saliency = chosen.saliency(image, result.answer)
        if request.other_digit is not None and request.other_digit != result.answer:
            result.other_digit = request.other_digit
            result.other_saliency = chosen.saliency(image, request.other_digit)
        if request.want_hidden:
            result.hidden = [(layer, values[0]) for layer, values in chosen.hidden_activations(image[None])]
            result.first_weights = chosen.first_layer_weights()
    except Exception as e:
        result.errors[chosen.name] = f"{type(e).__name__}: {e}"
    return result


class Explainer:
    """One worker thread that explains the newest request; results arrive on `results` as
    ("explained", generation, Explanation)."""

    def __init__(self, results: queue.Queue) -> None:
        self.results = results
        self._newest: Request | None = None
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="explainer", daemon=True)
        self._thread.start()

    def submit(self, request: Request) -> None:
        """Replace whatever is waiting with this request (an older drawing no longer matters)."""
        with self._wake:
            self._newest = request
            self._wake.notify()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._newest is None:
                    self._wake.wait()
                request, self._newest = self._newest, None
            self.results.put(("explained", request.generation, explain(request)))

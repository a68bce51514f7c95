"""Which models the window offers and in what state each is, kept in one place (no Tk here, so tests
drive it directly).

Each model listed by the registry is, at any moment, in exactly one state:

    loading      its file is being read in a worker thread (Keras ones wait for TensorFlow)
    ready        loaded; it answers
    unavailable  it cannot be used, with the reason (corrupt file, TensorFlow missing, failed to predict)
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.models.adapter import Classifier
from workbench.models.registry import ModelInfo

LOADING, READY, UNAVAILABLE = "loading", "ready", "unavailable"


@dataclass
class ModelState:
    info: ModelInfo
    state: str = LOADING
    classifier: Classifier | None = None
    reason: str = ""


class ModelBoard:
    """The models of one folder, in registry order, with their states and the chosen one."""

    def __init__(self, infos: list[ModelInfo] | None = None) -> None:
        self.entries: dict[str, ModelState] = {}
        self.chosen: str | None = None
        self.user_chose = False          # once the user picks a model, loading others never changes it
        self.set_listed(infos or [])

    def set_listed(self, infos: list[ModelInfo]) -> None:
        """Start over with these models: usable ones loading, unknown files unavailable with their reason."""
        self.entries = {}
        for info in infos:
            if info.usable:
                self.entries.setdefault(info.name, ModelState(info))
            else:
                self.entries.setdefault(info.name, ModelState(info, UNAVAILABLE,
                                                              reason=info.summary or "not a model of the workbench"))
        self.chosen = None

    def loaded(self, name: str, classifier: Classifier) -> None:
        entry = self.entries[name]
        entry.state, entry.classifier, entry.reason = READY, classifier, ""
        self._choose_default()

    def failed(self, name: str, reason: str) -> None:
        """Mark a model unavailable (at load, or when it fails to predict); a new choice is made if needed."""
        entry = self.entries[name]
        entry.state, entry.classifier, entry.reason = UNAVAILABLE, None, reason
        if self.chosen == name:
            self.chosen = None
        self._choose_default()

    def choose(self, name: str) -> None:
        """Make a ready model the chosen one; ValueError naming why not otherwise."""
        entry = self.entries.get(name)
        if entry is None or entry.state != READY:
            why = "not listed" if entry is None else ("still loading" if entry.state == LOADING else entry.reason)
            raise ValueError(f"model {name!r} cannot be chosen: {why}")
        self.chosen, self.user_chose = name, True

    # --- questions --------------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return list(self.entries)

    def state(self, name: str) -> str:
        return self.entries[name].state

    def ready(self) -> dict[str, Classifier]:
        """Name -> classifier of every ready model, in listing order."""
        return {n: e.classifier for n, e in self.entries.items() if e.state == READY}

    def loading(self) -> list[str]:
        return [n for n, e in self.entries.items() if e.state == LOADING]

    def unavailable(self) -> dict[str, str]:
        return {n: e.reason for n, e in self.entries.items() if e.state == UNAVAILABLE}

    def still_loading(self) -> bool:
        return any(e.state == LOADING for e in self.entries.values())

    def chosen_classifier(self) -> Classifier | None:
        return self.entries[self.chosen].classifier if self.chosen else None

    def label(self, name: str) -> str:
        """How the chooser lists a model: name, framework, test accuracy, or why it cannot be chosen."""
        entry = self.entries[name]
        if entry.state == LOADING:
            return f"{name} ({entry.info.framework}, loading…)"
        if entry.state == UNAVAILABLE:
            return f"{name} (unavailable)"
        accuracy = entry.classifier.test_accuracy if entry.classifier else None
        return f"{name} ({entry.info.framework}" + (f", {accuracy:.2%})" if accuracy is not None else ")")

    def _choose_default(self) -> None:
        """Keep the user's choice while it is ready; otherwise the most accurate ready model (by its
        recorded test accuracy; models without one come last), so a newcomer first sees the best model,
        even when it is a Keras model that loads after the scratch ones."""
        if self.user_chose and self.chosen is not None and self.entries[self.chosen].state == READY:
            return
        ready = list(self.ready().items())
        if not ready:
            self.chosen = None
            return
        self.chosen = max(ready, key=lambda item: item[1].test_accuracy if item[1].test_accuracy is not None
                          else -1.0)[0]

"""Figures as PNG files, drawn with matplotlib's object API (never pyplot's global state, so
importing this cannot change the GUI's Tk backend)."""

from __future__ import annotations

import os
from collections.abc import Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from scratch.files import atomic_path
from scratch.history import History


def save_figure(figure: Figure, path: str | os.PathLike, dpi: int = 110) -> None:
    """Write a figure as PNG, atomically."""
    FigureCanvasAgg(figure)
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")


def training_curves(histories: Mapping[str, History], title: str = "") -> Figure:
    """Accuracy and cost by epoch, training (dashed) and validation (solid), one colour per model."""
    figure = Figure(figsize=(11, 4.2))
    accuracy_axes, cost_axes = figure.subplots(1, 2)
    for index, (name, history) in enumerate(histories.items()):
        colour = f"C{index % 10}"
        for axes, train, validation in ((accuracy_axes, history.train_accuracy, history.validation_accuracy),
                                        (cost_axes, history.train_cost, history.validation_cost)):
            axes.plot(history.epoch, train, "--", color=colour, alpha=0.7,
                      label=f"{name} training" if len(histories) == 1 else None)
            if validation:
                axes.plot(history.epoch, validation, "-", color=colour, label=f"{name} validation"
                          if len(histories) == 1 else name)
        if history.best_epoch and history.validation_accuracy:
            accuracy_axes.plot([history.best_epoch], [history.validation_accuracy[history.best_epoch - 1]], "o",
                               color=colour)
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="accuracy (dot: best epoch, kept)")
    cost_axes.set(xlabel="epoch", ylabel="cost", title="cost", yscale="log")
    top = max((max(h.validation_accuracy or h.train_accuracy or [0]) for h in histories.values()), default=1)
    accuracy_axes.set_ylim(max(0.0, min(0.9, top - 0.1)), 1.0)
    for axes in (accuracy_axes, cost_axes):
        axes.grid(alpha=0.3)
    accuracy_axes.legend(fontsize=8, loc="lower right")
    if len(histories) == 1:
        cost_axes.legend(fontsize=8)
    else:
        cost_axes.text(0.99, 0.99, "dashed: training (dropout/augmentation on)\nsolid: validation", ha="right",
                       va="top", transform=cost_axes.transAxes, fontsize=8)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure

"""The comparison report's figures (python -m workbench.reports.compare), one function per figure.

Every function takes plain NumPy arrays and model names, returns a matplotlib Figure
built with the object API (never pyplot, so importing this leaves the GUI's Tk backend
alone), and does not write anything: save it with workbench.reports.plots.save_figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

DIGITS = np.arange(10)


def confusion_matrices(names: Sequence[str], confusions: Sequence[np.ndarray],
                       title: str = "Confusion matrices on the test set") -> Figure:
    """One heatmap per model of its (10, 10) confusion counts (row = true digit, column = predicted).

    The colour scale is logarithmic-ish (counts + 1, log10) so the few confusions stay visible
    beside the diagonal's hundreds; every cell is annotated with its count.
    """
    columns = min(len(names), 3)
    rows = math.ceil(len(names) / columns)
    figure = Figure(figsize=(4.6 * columns, 4.3 * rows))
    axes_grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for axes, name, confusion in zip(axes_grid, names, confusions):
        shade = np.log10(np.asarray(confusion) + 1)
        image = axes.imshow(shade, cmap="Blues", vmin=0, vmax=max(float(shade.max()), 1.0))
        for true in range(10):
            for predicted in range(10):
                count = int(confusion[true, predicted])
                if count:
                    dark = shade[true, predicted] > 0.6 * shade.max()
                    axes.text(predicted, true, str(count), ha="center", va="center", fontsize=6,
                              color="white" if dark else "black")
        axes.set(xticks=DIGITS, yticks=DIGITS, xlabel="predicted", ylabel="true digit", title=name)
        axes.tick_params(labelsize=7)
        colourbar = figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
        colourbar.set_label("log10(count + 1)", fontsize=7)
    for axes in axes_grid[len(names):]:
        axes.set_visible(False)
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def per_digit_bars(names: Sequence[str], accuracies: np.ndarray,
                   title: str = "Accuracy per digit (test set)") -> Figure:
    """Grouped bars: accuracy (models, 10) on the images of each true digit (the test set unless `title` says)."""
    accuracies = np.asarray(accuracies, dtype=float)
    figure = Figure(figsize=(11, 4))
    axes = figure.subplots()
    width = 0.8 / max(len(names), 1)
    for index, (name, row) in enumerate(zip(names, accuracies)):
        axes.bar(DIGITS + (index - (len(names) - 1) / 2) * width, row, width, label=name, color=f"C{index % 10}")
    # Zoom on the top of the scale, where the models differ (all are far above chance).
    low = float(accuracies.min()) if accuracies.size else 0.0
    axes.set_ylim(max(0.0, min(0.9, low - 0.02)), 1.0)
    axes.set(xticks=DIGITS, xlabel="true digit", ylabel="accuracy", title=title)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))   # outside: bars fill the axes
    figure.tight_layout()
    return figure


def disagreement_heatmap(names: Sequence[str], disagreement: np.ndarray) -> Figure:
    """Heatmap of the (models, models) fraction of test images two models label differently."""
    size = max(4.0, 1.1 * len(names) + 2)
    figure = Figure(figsize=(size + 1, size))
    axes = figure.subplots()
    percent = 100 * np.asarray(disagreement)
    image = axes.imshow(percent, cmap="Oranges", vmin=0)
    for i in range(len(names)):
        for j in range(len(names)):
            text = "–" if i == j else f"{percent[i, j]:.2f}%"
            dark = percent[i, j] > 0.6 * percent.max()
            axes.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ticks = np.arange(len(names))
    axes.set_xticks(ticks, names, rotation=30, ha="right", fontsize=8)
    axes.set_yticks(ticks, names, fontsize=8)
    axes.set_title("How often two models disagree (test set)")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04).set_label("% of test images")
    figure.tight_layout()
    return figure


def hardest_gallery(images: np.ndarray, labels: np.ndarray, answers: dict[str, np.ndarray],
                    columns: int = 6, title: str = "Test digits that most models get wrong (x: wrong answer)",
                    notes: Sequence[str] | None = None) -> Figure:
    """The given digits (k, 28, 28), each titled with its true label and every model's answer.

    answers: {model name: (k,) predicted digits}. A wrong answer is marked with "x". notes: an optional
    (k,) short text put after each true label (who wrote it, say).
    """
    count = len(images)
    rows = max(1, math.ceil(count / columns))
    title_lines = 1 + len(answers)
    figure = Figure(figsize=(2.0 * columns, (1.7 + 0.16 * title_lines) * rows))
    axes_grid = np.atleast_1d(figure.subplots(rows, columns, squeeze=False)).ravel()
    for k, axes in enumerate(axes_grid):
        axes.set_axis_off()
        if k >= count:
            continue
        axes.imshow(images[k], cmap="gray_r", vmin=0, vmax=1)
        lines = [f"true {int(labels[k])}" + (f", {notes[k]}" if notes is not None else "")]
        lines += [f"{name[:16]}: {int(p[k])}{'' if p[k] == labels[k] else ' x'}" for name, p in answers.items()]
        axes.set_title("\n".join(lines), fontsize=6.5, loc="left")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def drawn_robustness_bars(names: Sequence[str], plain: Sequence[float], drawn: Sequence[float],
                          count: int) -> Figure:
    """Side-by-side bars: accuracy on `count` MNIST test digits and on the same digits redrawn."""
    x = np.arange(len(names))
    figure = Figure(figsize=(max(6.0, 1.5 * len(names) + 2), 4))
    axes = figure.subplots()
    for offset, values, label, colour in ((-0.2, plain, "MNIST as is", "C0"),
                                          (0.2, drawn, "drawn on a canvas, then to_mnist", "C1")):
        bars = axes.bar(x + offset, values, 0.4, label=label, color=colour)
        axes.bar_label(bars, [f"{v:.1%}" for v in values], fontsize=7)
    axes.set_xticks(x, names, rotation=20, ha="right", fontsize=8)
    axes.set(ylim=(0, 1.08), ylabel="accuracy", title=f"Drawn-style robustness ({count} test digits)")
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))   # outside: bars fill the axes
    figure.tight_layout()
    return figure


def imagine_grid(names: Sequence[str], pictures: np.ndarray) -> Figure:
    """Rows = models, columns = digits 0-9: pictures (models, 10, 28, 28) in [0, 1], ink high."""
    figure = Figure(figsize=(10, 1.15 * len(names) + 0.6))
    axes_grid = figure.subplots(len(names), 10, squeeze=False)
    for row, name in enumerate(names):
        for digit in range(10):
            axes = axes_grid[row, digit]
            axes.imshow(pictures[row, digit], cmap="gray_r", vmin=0, vmax=1)
            axes.set_xticks([])
            axes.set_yticks([])
            if row == 0:
                axes.set_title(str(digit))
            if digit == 0:
                axes.set_ylabel(name[:14], rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle("What each model imagines a digit looks like (gradient descent on the input)")
    figure.tight_layout()
    return figure

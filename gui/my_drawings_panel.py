"""The "My drawings" tab: your labelled drawings as a test set.

How many drawings there are per digit, each model's accuracy on them, the chosen model's confusion,
and the drawings each model gets wrong (click one to load it back onto the canvas). Import and export
a folder, so a class can pool its drawings. Reading the folder and evaluating every model run in the
background (`run_in_background`, given by the window); this panel only lays out and shows results.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tkinter import filedialog, ttk

import numpy as np

from workbench.data.my_drawings import LabelledDrawing, counts_per_digit, export_folder, import_folder, load_folder
from workbench.models.adapter import Classifier
from workbench.reports.evaluate import Mistake, Scores, evaluate_drawings, mistakes

CELL = 22     # confusion grid cell, pixels


@dataclass
class Evaluated:
    """What the tab shows: the folder's drawings, files left out, and each model's scores and mistakes."""

    drawings: list[LabelledDrawing]
    problems: dict[Path, str]
    scores: dict[str, Scores]
    wrong: dict[str, list[Mistake]]


def evaluate_folder(folder: Path, classifiers: list[Classifier]) -> Evaluated:
    """Read every drawing of `folder` and evaluate every model on them (slow: call off the Tk thread)."""
    drawings, problems = load_folder(folder, missing_ok=True)
    if not drawings or not classifiers:
        return Evaluated(drawings, problems, {}, {})
    scores = evaluate_drawings(classifiers, drawings)
    return Evaluated(drawings, problems, scores, mistakes(scores, drawings))


class MyDrawingsPanel(ttk.Frame):
    def __init__(self, parent: tk.Misc, folder: Path, classifiers: Callable[[], dict[str, Classifier]],
                 chosen: Callable[[], str | None], run_in_background: Callable, open_drawing: Callable,
                 say: Callable[[str], None]) -> None:
        super().__init__(parent, padding=6)
        self.folder, self._classifiers, self._chosen = folder, classifiers, chosen
        self._background, self._open_drawing, self._say = run_in_background, open_drawing, say
        self.result: Evaluated | None = None
        self.updates = 0
        self._requested = 0
        self.summary = tk.StringVar(value=f"Keep drawings with the \"This is a\" buttons; they go to {folder}/.")
        top = ttk.Frame(self)
        top.grid(row=0, column=0, columnspan=2, sticky="ew")
        ttk.Label(top, textvariable=self.summary, wraplength=420).grid(row=0, column=0, sticky="w")
        for column, (text, command) in enumerate((("Refresh", self.refresh), ("Import…", self.ask_import),
                                                  ("Export…", self.ask_export)), start=1):
            ttk.Button(top, text=text, command=command).grid(row=0, column=column, padx=2)
        self.table = ttk.Treeview(self, columns=("accuracy", "errors"), height=6, selectmode="browse")
        self.table.heading("#0", text="model")
        self.table.heading("accuracy", text="accuracy")
        self.table.heading("errors", text="wrong")
        self.table.column("#0", width=200)
        self.table.column("accuracy", width=80, anchor="e")
        self.table.column("errors", width=60, anchor="e")
        self.table.grid(row=1, column=0, sticky="nw", pady=4)
        self.table.bind("<<TreeviewSelect>>", lambda event: self._show_model())
        self.confusion = tk.Canvas(self, width=CELL * 11 + 4, height=CELL * 11 + 4, bg="white", highlightthickness=0)
        self.confusion.grid(row=1, column=1, sticky="nw", padx=8, pady=4)
        ttk.Label(self, text="Drawings the model gets wrong (click one to load it onto the canvas):").grid(
            row=2, column=0, columnspan=2, sticky="w")
        self.wrong_list = tk.Listbox(self, height=7, width=70, activestyle="none")
        self.wrong_list.grid(row=3, column=0, columnspan=2, sticky="ew")
        self.wrong_list.bind("<<ListboxSelect>>", lambda event: self._load_selected())
        self._listed: list[Mistake] = []

    # --- actions --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the folder and evaluate every ready model, in the background."""
        classifiers = list(self._classifiers().values())
        self.summary.set(f"Reading {self.folder}/ and evaluating {len(classifiers)} model(s)…")
        self._requested += 1
        request = self._requested

        def done(result) -> None:
            if request == self._requested:       # an older refresh finishing late must not replace a newer one
                self.show(result)
        self._background(lambda: evaluate_folder(self.folder, classifiers), done)

    def ask_import(self) -> None:
        source = filedialog.askdirectory(parent=self, title="Import drawings from…")
        if source:
            self.import_from(Path(source))

    def ask_export(self) -> None:
        destination = filedialog.askdirectory(parent=self, title="Export your drawings into…")
        if destination:
            self.export_to(Path(destination))

    def import_from(self, source: Path) -> None:
        self._copy(import_folder, source, self.folder, "Imported")

    def export_to(self, destination: Path) -> None:
        self._copy(export_folder, self.folder, destination, "Exported")

    def _copy(self, copy, source: Path, destination: Path, verb: str) -> None:
        def work():
            return copy(source, destination)

        def done(result) -> None:
            if isinstance(result, Exception):
                self._say(f"{verb[:-2]} failed: {result}")
                return
            count, skipped = result
            self._say(f"{verb} {count} drawing(s) from {source} into {destination}"
                      + (f"; {len(skipped)} left out ({next(iter(skipped.values()))}…)" if skipped else ""))
            self.refresh()
        self._background(work, done)

    # --- showing ------------------------------------------------------------------------------------

    def show(self, result) -> None:
        if isinstance(result, Exception):
            self.summary.set(f"Could not read {self.folder}/: {result}")
            self.updates += 1
            return
        self.result = result
        counts = counts_per_digit(result.drawings) if result.drawings else np.zeros(10, int)
        left_out = ""
        if result.problems:
            path, why = next(iter(result.problems.items()))
            left_out = f"; {len(result.problems)} file(s) left out (e.g. {Path(path).name}: {why})"
        self.summary.set(f"{len(result.drawings)} drawing(s) in {self.folder}/{left_out}. Per digit: "
                         + "  ".join(f"{d}: {counts[d]}" for d in range(10)))
        self.table.delete(*self.table.get_children())
        for name, scores in result.scores.items():
            self.table.insert("", "end", iid=name, text=name,
                              values=(f"{scores.accuracy:.2%}", f"{scores.errors} of {len(result.drawings)}"))
        chosen = self._chosen()
        if chosen in result.scores:
            self.table.selection_set(chosen)
        self._show_model()
        self.updates += 1

    def selected_model(self) -> str | None:
        selection = self.table.selection()
        return selection[0] if selection else None

    def _show_model(self) -> None:
        name = self.selected_model()
        self.confusion.delete("all")
        self.wrong_list.delete(0, "end")
        self._listed = []
        if self.result is None or name not in self.result.scores:
            return
        matrix = self.result.scores[name].confusion
        top = max(int(matrix.max()), 1)
        self.confusion.create_text(CELL * 6, 2, anchor="n", text=f"{name}: drawn (rows) vs said (columns)",
                                   font=("TkDefaultFont", 7))
        for d in range(10):
            self.confusion.create_text(CELL * (d + 1.5), CELL * 0.9, text=str(d), font=("TkDefaultFont", 7))
            self.confusion.create_text(CELL * 0.5, CELL * (d + 1.5), text=str(d), font=("TkDefaultFont", 7))
        for row in range(10):
            for column in range(10):
                count = int(matrix[row, column])
                level = count / top
                colour = "#%02x%02x%02x" % ((int(255 - 180 * level),) * 2 + (255,)) if row == column else \
                    "#%02x%02x%02x" % (255, int(255 - 200 * level), int(255 - 200 * level))
                x, y = CELL * (column + 1), CELL * (row + 1)
                self.confusion.create_rectangle(x, y, x + CELL, y + CELL, fill=colour, outline="#ddd")
                if count:
                    self.confusion.create_text(x + CELL / 2, y + CELL / 2, text=str(count), font=("TkDefaultFont", 7))
        for mistake in self.result.wrong.get(name, []):
            drawing = self.result.drawings[mistake.index]
            where = drawing.path.name if drawing.path else f"drawing {mistake.index}"
            self.wrong_list.insert("end", f"{where}: drawn as {mistake.label}, {name} says {mistake.predicted}")
            self._listed.append(mistake)

    def _load_selected(self) -> None:
        selection = self.wrong_list.curselection()
        if selection and self.result is not None:
            self._open_drawing(self.result.drawings[self._listed[selection[0]].index])

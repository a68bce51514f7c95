"""The "Inside" tab: the chosen model's hidden layers, live, for the current drawing.

- a layer of at most 64 units right after the pixels (784-30-10): every unit as a tile showing its
  incoming weights as a 28x28 picture (red: ink here raises the unit, blue: lowers it), framed brighter
  the more active it is; click a unit to see its weights large;
- wider dense layers (800 units): a heat strip of all units; "most active units" shows the weights
  of the strongest first-layer units;
- convolution layers: their feature maps, one tile per channel.
`sections` is pure (arrays in, pictures out) so tests need no window; `InsidePanel` only shows them.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk

import numpy as np
from PIL import Image, ImageTk

from gui import pictures
from gui.explainer import Explanation

UNIT_TILES = 64          # at most this many units are drawn one by one
COLUMNS, UNIT_TILE, MAP_TILE = 10, 40, 34
WIDTH = 10 * (UNIT_TILE + 4)
TOP_UNITS = 10
STRIP_COLUMNS, STRIP_CELL = 50, 8


@dataclass
class Section:
    title: str
    picture: Image.Image
    units: np.ndarray | None = None       # for a clickable unit grid: unit index of each tile


def sections(explanation: Explanation, show_top_units: bool = False) -> list[Section]:
    """The pictures of the Inside tab for one explanation, top to bottom."""
    found: list[Section] = []
    weights = explanation.first_weights
    for depth, (layer, values) in enumerate(explanation.hidden):
        if values.ndim == 3:                                   # (h, w, channels): feature maps
            maps = [values[:, :, c] for c in range(values.shape[2])]
            found.append(Section(f"{layer}: {len(maps)} feature maps {values.shape[0]}x{values.shape[1]}",
                                 pictures.tile_grid(maps, COLUMNS, MAP_TILE)))
            continue
        units = values.reshape(-1)
        active = int(np.count_nonzero(units > 1e-3 * max(float(np.abs(units).max()), 1e-12)))
        scale = float(np.abs(units).max()) or 1.0
        if depth == 0 and weights is not None and weights.shape[1] == len(units) and len(units) <= UNIT_TILES:
            tiles = [weights[:, u].reshape(28, 28) for u in range(len(units))]
            found.append(Section(f"{layer}: {len(units)} units; each picture is a unit's incoming weights, "
                                 f"its frame how active it is (click one to enlarge)",
                                 pictures.tile_grid(tiles, COLUMNS, UNIT_TILE, frames=list(units / scale),
                                                    signed=True), units=np.arange(len(units))))
            continue
        found.append(Section(f"{layer}: {len(units)} units, {active} active (one cell per unit, brighter: "
                             f"more active)", pictures.heat_strip(np.abs(units), STRIP_COLUMNS, STRIP_CELL)))
        if depth == 0 and weights is not None and weights.shape[1] == len(units) and show_top_units:
            top = np.argsort(-units)[:TOP_UNITS]
            tiles = [weights[:, u].reshape(28, 28) for u in top]
            found.append(Section(f"the {len(top)} most active units of {layer}: their incoming weights "
                                 f"(click one to enlarge)", pictures.tile_grid(
                                     tiles, COLUMNS, UNIT_TILE, frames=list(units[top] / scale), signed=True),
                                 units=top))
    return found


class InsidePanel(ttk.Frame):
    """Shows `sections(...)` on a scrollable canvas; a click on a unit enlarges its weights."""

    def __init__(self, parent: tk.Misc) -> None:
        super().__init__(parent, padding=6)
        self.note = tk.StringVar(value="Draw a digit to look inside the chosen model.")
        ttk.Label(self, textvariable=self.note, wraplength=520).grid(row=0, column=0, columnspan=2, sticky="w")
        self.top_units = tk.BooleanVar(value=False)
        ttk.Checkbutton(self, text="most active units' weights (wide layers)", variable=self.top_units,
                        command=self._redraw).grid(row=1, column=0, sticky="w")
        self.canvas = tk.Canvas(self, width=WIDTH + 10, height=430, bg="white", highlightthickness=0)
        self.canvas.grid(row=2, column=0, sticky="nsew")
        scroll = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        scroll.grid(row=2, column=1, sticky="ns")
        self.canvas.configure(yscrollcommand=scroll.set)
        self.enlarged = tk.Label(self, bg="black")
        self.enlarged.grid(row=3, column=0, sticky="w", pady=4)
        self.enlarged_note = tk.StringVar(value="")
        ttk.Label(self, textvariable=self.enlarged_note).grid(row=4, column=0, sticky="w")
        self.canvas.bind("<Button-1>", self._clicked)
        self._photos: list[ImageTk.PhotoImage] = []
        self._shown: list[tuple[int, Section]] = []          # (y of the picture, section)
        self._explanation: Explanation | None = None
        self.updates = 0

    def show(self, explanation: Explanation | None, why_empty: str = "") -> None:
        self._explanation = explanation
        self._redraw(why_empty)

    def _redraw(self, why_empty: str = "") -> None:
        self.canvas.delete("all")
        self._photos, self._shown = [], []
        explanation = self._explanation
        if explanation is None or not explanation.hidden:
            self.note.set(why_empty or "Draw a digit to look inside the chosen model.")
            self.updates += 1
            return
        self.note.set(f"Inside {explanation.chosen} for this drawing (it says {explanation.answer}).")
        y = 4
        for section in sections(explanation, self.top_units.get()):
            self.canvas.create_text(4, y, anchor="nw", text=section.title, width=WIDTH, font=("TkDefaultFont", 9))
            y += 30
            photo = ImageTk.PhotoImage(section.picture, master=self)
            self._photos.append(photo)
            self.canvas.create_image(4, y, anchor="nw", image=photo, tags=("section",))
            self._shown.append((y, section))
            y += section.picture.height + 10
        self.canvas.configure(scrollregion=(0, 0, WIDTH, y))
        self.updates += 1

    def _clicked(self, event: tk.Event) -> None:
        x, y = int(self.canvas.canvasx(event.x)) - 4, int(self.canvas.canvasy(event.y))
        for top, section in self._shown:
            if section.units is None or not top <= y < top + section.picture.height:
                continue
            index = pictures.tile_at(x, y - top, COLUMNS, UNIT_TILE, len(section.units))
            if index is not None:
                self.enlarge(int(section.units[index]))
            return

    def enlarge(self, unit: int) -> None:
        """Show one first-layer unit's incoming weights large."""
        weights = self._explanation.first_weights if self._explanation else None
        if weights is None or not 0 <= unit < weights.shape[1]:
            return
        picture = Image.fromarray(pictures.signed_colours(weights[:, unit].reshape(28, 28)), "RGB")
        photo = ImageTk.PhotoImage(picture.resize((28 * 7, 28 * 7), Image.Resampling.NEAREST), master=self)
        self._photos.append(photo)
        self.enlarged.configure(image=photo)
        activation = dict(self._explanation.hidden).get(self._explanation.hidden[0][0]).reshape(-1)[unit]
        self.enlarged_note.set(f"unit {unit}: its incoming weights (red: ink here raises it, blue: lowers it); "
                               f"activation now {activation:.3f}")

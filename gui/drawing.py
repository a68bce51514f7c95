"""The drawing behind the canvas: strokes, undo, and the off-screen mirror image models see.

The Tk canvas only shows the drawing; this object holds it. Every segment drawn on the
canvas is drawn the same way on a Pillow image (`mirror`), so the GUI never grabs the screen
(which fails on Wayland and virtual displays). An opened picture becomes the background of
the mirror, and strokes can be drawn over it; it is shown as `prepare` reads it
(`preprocess.greyscale`), on its own paper (`preprocess.paper_tone`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from workbench.drawing.preprocess import DEFAULT_WIDTH, draw_stroke, greyscale, paper_tone

CANVAS_SIZE = 280


class Drawing:
    """Strokes in canvas pixel coordinates, each with its pen width, and their mirror image."""

    def __init__(self, size: int = CANVAS_SIZE) -> None:
        self.size = size
        self.strokes: list[tuple[list[tuple[float, float]], int]] = []   # (points, width)
        self.background: Image.Image | None = None
        self.mirror = Image.new("L", (size, size), 255)

    @property
    def empty(self) -> bool:
        return not self.strokes and self.background is None

    def start_stroke(self, x: float, y: float, width: int = DEFAULT_WIDTH) -> None:
        self.strokes.append(([(x, y)], int(width)))
        draw_stroke(self.mirror, [(x, y)], width)          # a click alone leaves a round dot

    def extend_stroke(self, x: float, y: float) -> tuple[float, float] | None:
        """Add a point to the current stroke; returns the previous point (the segment to show)."""
        if not self.strokes:
            return None
        points, width = self.strokes[-1]
        previous = points[-1]
        points.append((x, y))
        draw_stroke(self.mirror, [previous, (x, y)], width)
        return previous

    def undo(self) -> bool:
        """Remove the last stroke (or, with no strokes left, an opened picture); False if nothing to undo."""
        if self.strokes:
            self.strokes.pop()
        elif self.background is not None:
            self.background = None
        else:
            return False
        self._redraw()
        return True

    def clear(self) -> None:
        self.strokes.clear()
        self.background = None
        self._redraw()

    def set_background(self, picture: Image.Image) -> Image.Image:
        """Show a picture (any size and mode) fitted into the canvas, keeping its aspect ratio and
        padding with its own paper colour; strokes are cleared. Returns the fitted picture.

        The padding is the paper `prepare` finds, not the border's colour: a digit cropped
        tight to its ink has ink on most of its border, and bars of ink beside it would be
        read as part of the digit.
        """
        grey = greyscale(picture)
        scale = self.size / max(grey.size)
        fitted = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                             Image.Resampling.LANCZOS)
        self.background = Image.new("L", (self.size, self.size), _paper_colour(fitted))
        self.background.paste(fitted, ((self.size - fitted.width) // 2, (self.size - fitted.height) // 2))
        self.strokes.clear()
        self._redraw()
        return self.background

    def _redraw(self) -> None:
        if self.background is not None:
            self.mirror = self.background.copy()
        else:
            self.mirror = Image.new("L", (self.size, self.size), 255)
        for points, width in self.strokes:
            draw_stroke(self.mirror, points, width)


def _paper_colour(picture: Image.Image) -> int:
    """The grey level (0..255) of a mode "L" picture's paper, as `prepare` will judge it."""
    level, _ = paper_tone(np.asarray(picture, dtype=np.float32) * np.float32(1 / 255))
    return int(round(level * 255))

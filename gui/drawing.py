"""The drawing behind the canvas: strokes, undo, and the off-screen mirror image models see.

The Tk canvas only shows the drawing; this object holds it. Every segment drawn on the
canvas is drawn the same way on a Pillow image (`mirror`), so the GUI never grabs the screen
(which fails on Wayland and virtual displays). An opened picture becomes the background of
the mirror, and strokes can be drawn over it.
"""

from __future__ import annotations

from PIL import Image

from workbench.drawing.preprocess import DEFAULT_WIDTH, draw_stroke

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
        padding with its own border colour; strokes are cleared. Returns the fitted picture."""
        grey = _greyscale(picture)
        scale = self.size / max(grey.size)
        fitted = grey.resize((max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                             Image.Resampling.LANCZOS)
        border = _border_colour(fitted)
        self.background = Image.new("L", (self.size, self.size), border)
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


def _greyscale(picture: Image.Image) -> Image.Image:
    """Greyscale, with transparency composited on white (a transparent PNG's ink stays visible)."""
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("L")
    return picture.convert("L")


def _border_colour(picture: Image.Image) -> int:
    """The median of the picture's outermost pixels: its paper colour."""
    w, h = picture.size
    pixels = [picture.getpixel((x, y)) for x in range(w) for y in (0, h - 1)]
    pixels += [picture.getpixel((x, y)) for y in range(h) for x in (0, w - 1)]
    pixels.sort()
    return int(pixels[len(pixels) // 2])

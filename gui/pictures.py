"""Pictures the window shows, made from arrays: pure functions (NumPy in, Pillow image out), testable
without a window. Colours: ink is white on black as the models see it; for signed maps (saliency,
weights) red is positive and blue negative, on a dark background, with strength as brightness."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

RED, BLUE = np.array([235, 70, 50], np.float32), np.array([60, 130, 240], np.float32)


def grey(pixels: np.ndarray, zoom: int) -> Image.Image:
    """A (h, w) array in [0, 1] as an enlarged greyscale picture (nearest neighbour: pixels stay visible)."""
    image = Image.fromarray(np.uint8(np.clip(pixels, 0, 1) * 255), "L")
    return image.resize((pixels.shape[1] * zoom, pixels.shape[0] * zoom), Image.Resampling.NEAREST)


def signed_colours(values: np.ndarray, scale: float | None = None) -> np.ndarray:
    """(..., ) signed values -> (..., 3) uint8: red for positive, blue for negative, black for zero.
    `scale`: the magnitude shown at full strength (default: the largest magnitude)."""
    scale = float(np.abs(values).max()) if scale is None else scale
    strength = np.clip(np.abs(values) / scale, 0, 1)[..., None] if scale > 0 else np.zeros(values.shape + (1,))
    colour = np.where(values[..., None] >= 0, RED, BLUE)
    return np.uint8(np.sqrt(strength) * colour)       # sqrt: weak evidence stays visible


def saliency_overlay(pixels: np.ndarray, saliency: np.ndarray, zoom: int) -> Image.Image:
    """The 28x28 input dimmed to grey, with the saliency map on top (red: pushed towards the digit,
    blue: pushed away). Both (28, 28); returns an RGB picture zoom times larger."""
    base = np.repeat((np.clip(pixels, 0, 1) * 90)[..., None], 3, axis=2)
    heat = signed_colours(saliency).astype(np.float32)
    alpha = np.clip(heat.max(axis=2, keepdims=True) / 255 * 1.6, 0, 1)
    mixed = np.uint8(base * (1 - alpha) + heat * alpha)
    image = Image.fromarray(mixed, "RGB")
    return image.resize((28 * zoom, 28 * zoom), Image.Resampling.NEAREST)


def tile_grid(tiles: list[np.ndarray], columns: int, tile: int, gap: int = 2, frames: list[float] | None = None,
              signed: bool = False) -> Image.Image:
    """Small pictures in a grid: each (h, w) array enlarged to `tile` pixels. `frames`: a value in [0, 1] per
    tile drawn as a frame from dark to bright orange (how active the unit is). signed: red/blue colours."""
    rows = math.ceil(len(tiles) / columns) if tiles else 1
    cell = tile + 2 * gap
    grid = Image.new("RGB", (columns * cell, rows * cell), (30, 30, 30))
    draw = ImageDraw.Draw(grid)
    for i, values in enumerate(tiles):
        x, y = (i % columns) * cell, (i // columns) * cell
        if frames is not None:
            level = float(np.clip(frames[i], 0, 1))
            draw.rectangle([x, y, x + cell - 1, y + cell - 1], fill=(int(60 + 195 * level), int(40 + 120 * level), 20))
        if signed:
            picture = Image.fromarray(signed_colours(values), "RGB")
        else:
            top = float(values.max())
            picture = Image.fromarray(np.uint8(np.clip(values / top if top > 0 else values, 0, 1) * 255), "L")
        grid.paste(picture.convert("RGB").resize((tile, tile), Image.Resampling.NEAREST), (x + gap, y + gap))
    return grid


def heat_strip(values: np.ndarray, columns: int, cell: int) -> Image.Image:
    """(k,) non-negative activations as rows of `columns` cells (unit 0 top left), dark to bright
    (scaled to the largest), `cell` pixels each: 800 units fit in a compact block, every unit visible."""
    top = float(values.max()) if values.size else 0.0
    level = np.clip(values / top, 0, 1) if top > 0 else np.zeros_like(values, dtype=np.float64)
    rows = max(1, -(-len(level) // columns))
    padded = np.full(rows * columns, -1.0)
    padded[:len(level)] = level
    grid = padded.reshape(rows, columns)
    colours = np.stack([40 + 215 * grid, 30 + 150 * grid, 20 + 20 * grid], axis=-1)
    colours[grid < 0] = 255                                     # past the last unit: paper
    strip = Image.fromarray(np.uint8(np.clip(colours, 0, 255)), "RGB")
    return strip.resize((columns * cell, rows * cell), Image.Resampling.NEAREST)


def tile_at(x: int, y: int, columns: int, tile: int, count: int, gap: int = 2) -> int | None:
    """Which tile of a tile_grid the point (x, y) falls in, or None."""
    cell = tile + 2 * gap
    index = (y // cell) * columns + x // cell
    return int(index) if 0 <= x < columns * cell and 0 <= index < count else None

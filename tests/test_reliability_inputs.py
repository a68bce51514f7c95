"""Pictures a user opens in the workbench (issue 12, cases 4, 9 and 10): the canvas must show, and the
models must read, what the user sees in a picture viewer. Each test here failed before its fix.

The preparation itself is tested in test_preprocess.py; these check the GUI's side of it: the
off-screen `Drawing` (pure Pillow, no window) and `App.open_image` on a virtual display.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gui.drawing import CANVAS_SIZE, Drawing
from gui_helpers import pump  # the display fixture comes from conftest.py
from workbench.drawing.preprocess import prepare, render_strokes, to_mnist

SEVEN = [[(40, 40), (240, 40), (120, 250)]]


def test_light_ink_on_a_transparent_layer_shows_on_the_canvas():
    """Case 9: white ink on a transparent PNG was composited on white: a blank canvas."""
    ink = np.asarray(render_strokes(SEVEN)) == 0
    white = np.full(ink.shape, 255, np.uint8)
    layer = Image.fromarray(np.dstack([white, white, white, np.where(ink, 255, 0).astype(np.uint8)]), "RGBA")
    drawing = Drawing()
    drawing.set_background(layer)
    shown = np.asarray(drawing.mirror)
    assert shown[ink].min() > 200 and shown[~ink].max() < 50     # light ink, dark paper
    np.testing.assert_allclose(to_mnist(drawing.mirror), to_mnist(render_strokes(SEVEN)), atol=1 / 255)


def test_a_tight_crop_is_padded_with_its_paper_not_its_ink():
    """Case 10: a thick 0 cropped to its ink has ink on most of its border; fitting it into the square
    canvas padded it with that ink colour, making black bars the models took for part of the digit."""
    ring = [[(10, 10), (139, 10), (139, 189), (10, 189), (10, 10)]]
    ink = np.asarray(render_strokes(ring, size=(154, 204), width=20)) == 0
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    tight = Image.fromarray(np.where(ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1], 0, 255).astype(np.uint8))
    drawing = Drawing()
    fitted = np.asarray(drawing.set_background(tight))
    assert np.all(fitted[:, :10] == 255) and np.all(fitted[:, -10:] == 255)    # the side margins are paper
    prepared = prepare(drawing.mirror)
    assert prepared.ink_was_dark and not prepared.empty and prepared.pixels[14, 14] == 0


@pytest.mark.gui
def test_open_image_shows_a_phone_photo_upright(display, tmp_path):  # noqa: F811
    """Case 4: the workbench opens a photo by its EXIF orientation, as every picture viewer does, and
    reports an unreadable one by name."""
    import tkinter as tk

    from gui.app import App
    upright = render_strokes(SEVEN)
    exif = Image.Exif()
    exif[0x0112] = 6                                  # "turn 90 degrees clockwise to show": a phone photo
    path = tmp_path / "photo.png"
    upright.transpose(Image.Transpose.ROTATE_90).save(path, exif=exif)
    (tmp_path / "models").mkdir()
    root = tk.Tk()
    try:
        app = App(root, tmp_path / "models", my_drawings=tmp_path / "drawings")
        pump(root, lambda: not app.loading)
        assert app.open_image(path)
        root.update()
        np.testing.assert_array_equal(np.asarray(app.drawing.mirror), np.asarray(upright))
        assert app.drawing.mirror.size == (CANVAS_SIZE, CANVAS_SIZE)
        assert not app.open_image(tmp_path / "missing.png")
        assert "missing.png" in app.status.get() and "no such file" in app.status.get()
    finally:
        root.destroy()

"""Your own drawings as a test set: digits drawn on the GUI's canvas, kept with their true label.

One drawing is one JSON file in a folder (default `my_drawings/`), with its 28x28 PNG beside it
(same stem), for example `7-20261125-100000-123456.json`:

    {
      "label": 7,
      "canvas": 280,
      "created": "2026-11-25T10:00:00.123456+00:00",
      "widths": [26, 26],
      "strokes": [
        [[60, 50], [220, 50]],
        [[220, 50], [120, 250]]
      ]
    }

`strokes` are the mouse strokes in canvas pixels (x to the right, y down, as Tk reports them),
`widths` the pen width of each stroke (optional: the GUI's default pen when absent), `canvas` the
canvas side in pixels and `created` an ISO 8601 time with its time zone; other keys are ignored. That is everything the
canvas showed: `LabelledDrawing.image()` draws the strokes again with the same round pen
(`workbench.drawing.preprocess.draw_stroke`, which the GUI uses on its off-screen mirror), so
`pixels()` gives exactly the 28x28 input the models saw when the digit was drawn. The PNG is a
convenience for people and other programs (ink high, like MNIST); the JSON is what counts.

Files are checked field by field when read; anything wrong (a label of 12, a point at NaN, a file
of many megabytes) raises DrawingFileError, a ValueError whose message names the file and what is
wrong. Saving never replaces an existing file: two drawings saved in the same microsecond get two
names. Only strokes are kept: a picture opened in the GUI has none, and is not a drawing to keep.
"""

from __future__ import annotations

import datetime
import json
import math
import numbers
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from scratch.files import atomic_paths
from workbench.drawing.preprocess import DEFAULT_WIDTH, Prepared, draw_stroke, prepare

DEFAULT_FOLDER = Path("my_drawings")
CANVAS = 280                      # the GUI's canvas side, in pixels

# Limits: a drawing made with a mouse is a few kilobytes and a few hundred points. These are far
# above that, and low enough that a stray or hostile file cannot eat the memory or the afternoon.
MAX_FILE_BYTES = 4_000_000
MAX_POINTS = 100_000              # in all strokes together
MAX_STROKES = 1_000
MAX_CANVAS = 2_000                # pixels on a side
REACH = 1.0                       # points may lie up to this many canvas sides outside the canvas
                                  # (Tk keeps reporting the mouse while a stroke is dragged out)
MAX_INK_LENGTH = 200              # the strokes' total length, in canvas sides
MAX_CREATED_CHARS = 64
MAX_NAME_TRIES = 10_000


class DrawingFileError(ValueError):
    """A drawing file is missing, unreadable or invalid. The message names the file and what is wrong."""


@dataclass
class LabelledDrawing:
    """A digit drawn on the canvas, with its true label.

    strokes: each stroke a list of (x, y) canvas pixels; widths: the pen width of each stroke;
    canvas: the canvas side in pixels; created: ISO 8601 time with time zone; path: the file it was
    read from (None for a drawing not saved yet).
    """

    label: int
    strokes: list[list[tuple[float, float]]]
    widths: list[float]
    canvas: int = CANVAS
    created: str = field(default_factory=lambda: now())
    path: Path | None = None

    @classmethod
    def from_strokes(cls, label: int, strokes: Iterable[tuple[Sequence[Sequence[float]], float]],
                     canvas: int = CANVAS, created: str | None = None) -> LabelledDrawing:
        """A drawing from (points, width) pairs, as `gui.drawing.Drawing.strokes` holds them."""
        points, widths = [], []
        low, high = -REACH * canvas, (1 + REACH) * canvas     # a drag may leave the canvas; keep it in reach
        for stroke, width in strokes:
            points.append([(min(max(float(x), low), high), min(max(float(y), low), high)) for x, y in stroke])
            widths.append(width)
        return cls(label, points, widths, canvas, created or now())

    def image(self) -> Image.Image:
        """The canvas as it looked: black round-pen ink on white, mode "L", canvas x canvas pixels."""
        image = Image.new("L", (self.canvas, self.canvas), 255)
        for points, width in zip(self.strokes, self.widths, strict=True):
            draw_stroke(image, points, width)
        return image

    def prepared(self) -> Prepared:
        """The canvas prepared for the models as the GUI prepares it (MNIST-style), or reported empty."""
        return prepare(self.image(), "mnist")

    def pixels(self) -> np.ndarray:
        """The (28, 28) float32 model input in [0, 1], ink high (all zeros for a drawing with nothing to see)."""
        return self.prepared().pixels


def now() -> str:
    """The current UTC time, ISO 8601 to the microsecond (the order of drawings saved within a second)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")


# --- checking -------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _checked(document: Any, where: str) -> LabelledDrawing:
    """A LabelledDrawing from a file's parsed JSON (or a drawing about to be saved), every field checked.

    Raises DrawingFileError(f"{where}: what is wrong").
    """
    try:
        return _checked_fields(document, where)
    except OverflowError:       # JSON integers have no limit: 10**400 cannot become a float coordinate
        raise DrawingFileError(f"{where}: holds a number too large to be a coordinate or a width") from None


def _checked_fields(document: Any, where: str) -> LabelledDrawing:
    def fail(why: str) -> DrawingFileError:
        return DrawingFileError(f"{where}: {why}")

    if not isinstance(document, dict):
        raise fail(f"must hold a JSON object with label, strokes, canvas and created, got {type(document).__name__}")
    missing = [key for key in ("label", "strokes", "canvas", "created") if key not in document]
    if missing:
        raise fail(f"has no {', '.join(missing)}")

    label = document["label"]
    if not _is_int(label) or not 0 <= label <= 9:
        raise fail(f"label must be a whole number from 0 to 9, got {_short(label)}")

    canvas = document["canvas"]
    if not _is_int(canvas) or not 1 <= canvas <= MAX_CANVAS:
        raise fail(f"canvas must be the canvas side, a whole number of pixels from 1 to {MAX_CANVAS}, "
                   f"got {_short(canvas)}")

    created = document["created"]
    if not isinstance(created, str) or len(created) > MAX_CREATED_CHARS:
        raise fail(f"created must be an ISO 8601 time such as 2026-11-25T10:00:00+00:00, got {_short(created)}")
    try:
        moment = datetime.datetime.fromisoformat(created)
    except ValueError:
        raise fail(f"created must be an ISO 8601 time such as 2026-11-25T10:00:00+00:00, got {created!r}") from None
    if moment.tzinfo is None:
        raise fail(f"created must say its time zone (such as +00:00), got {created!r}")
    try:
        moment.astimezone(datetime.timezone.utc)          # saving names files by the UTC time
    except OverflowError:
        raise fail(f"created is out of range in UTC: {created!r}") from None

    strokes = _checked_strokes(document["strokes"], canvas, fail)

    widths = document.get("widths")
    if widths is None:
        widths = [DEFAULT_WIDTH] * len(strokes)
    elif not isinstance(widths, list):
        raise fail(f"widths must be a list of pen widths, one per stroke, got {_short(widths)}")
    elif len(widths) != len(strokes):
        raise fail(f"widths holds {len(widths)} pen widths for {len(strokes)} strokes")
    for i, width in enumerate(widths):
        if not _is_number(width) or not math.isfinite(width) or not 0 < width <= canvas:
            raise fail(f"widths[{i}] must be a pen width in pixels, above 0 and at most the canvas ({canvas}), "
                       f"got {_short(width)}")

    return LabelledDrawing(int(label), strokes, [_plain(w) for w in widths], int(canvas), created)


def _checked_strokes(strokes: object, canvas: int, fail) -> list[list[tuple[float, float]]]:
    if not isinstance(strokes, list):
        raise fail(f"strokes must be a list of strokes, each a list of [x, y] points, got {_short(strokes)}")
    if not strokes:
        raise fail("strokes is empty: there is no drawing")
    if len(strokes) > MAX_STROKES:
        raise fail(f"has {len(strokes):,} strokes, more than the {MAX_STROKES:,} a drawing may have")
    low, high = -REACH * canvas, (1 + REACH) * canvas
    checked: list[list[tuple[float, float]]] = []
    total_points, ink_length = 0, 0.0
    for i, stroke in enumerate(strokes):
        if not isinstance(stroke, list):
            raise fail(f"strokes[{i}] must be a list of [x, y] points, got {_short(stroke)}")
        if not stroke:
            raise fail(f"strokes[{i}] has no points")
        total_points += len(stroke)
        if total_points > MAX_POINTS:
            raise fail(f"has more than {MAX_POINTS:,} points, far more than a drawing needs")
        points = []
        for j, point in enumerate(stroke):
            if not isinstance(point, (list, tuple)) or len(point) != 2 or not all(map(_is_number, point)):
                raise fail(f"strokes[{i}][{j}] must be an [x, y] pair of numbers, got {_short(point)}")
            x, y = float(point[0]), float(point[1])
            if not (math.isfinite(x) and math.isfinite(y)):
                raise fail(f"strokes[{i}][{j}] is not a finite point: {_short(point)}")
            if not (low <= x <= high and low <= y <= high):
                raise fail(f"strokes[{i}][{j}] = {_short(point)} lies outside {low:g}..{high:g}, too far from "
                           f"the {canvas}-pixel canvas")
            if points:
                ink_length += math.hypot(x - points[-1][0], y - points[-1][1])
            points.append((x, y))
        checked.append(points)
    if ink_length > MAX_INK_LENGTH * canvas:
        raise fail(f"its strokes are {ink_length:,.0f} pixels long, more than {MAX_INK_LENGTH} canvas sides")
    return checked


def _plain(value: float) -> int | float:
    """A number as JSON shows it best: whole numbers without ".0" (mouse positions are whole pixels)."""
    value = float(value)
    return int(value) if value.is_integer() else value


def _document(drawing: LabelledDrawing) -> dict:
    """The drawing's fields as its file would hold them, so a drawing is checked by the rules of the files."""
    def listed(value: object) -> object:
        if isinstance(value, np.ndarray):
            return value.tolist()
        return list(value) if isinstance(value, (list, tuple)) else value

    strokes = listed(drawing.strokes)
    if isinstance(strokes, list):
        strokes = [listed(stroke) for stroke in strokes]
        strokes = [[listed(point) for point in stroke] if isinstance(stroke, list) else stroke for stroke in strokes]
    return {"label": drawing.label, "canvas": drawing.canvas, "created": drawing.created,
            "widths": listed(drawing.widths), "strokes": strokes}


def _json_text(drawing: LabelledDrawing) -> str:
    """The file's text: one key a line, one stroke a line (readable, and small next to indent=2 per number)."""
    def dump(value: object) -> str:
        return json.dumps(value, allow_nan=False)

    strokes = ",\n".join("    " + dump([[_plain(x), _plain(y)] for x, y in stroke]) for stroke in drawing.strokes)
    return (f'{{\n  "label": {dump(drawing.label)},\n  "canvas": {dump(drawing.canvas)},\n'
            f'  "created": {dump(drawing.created)},\n  "widths": {dump([_plain(w) for w in drawing.widths])},\n'
            f'  "strokes": [\n{strokes}\n  ]\n}}\n')


# --- files ----------------------------------------------------------------------------------------


def load_drawing(path: str | os.PathLike) -> LabelledDrawing:
    """Read and check one drawing file. Raises DrawingFileError naming the file and what is wrong."""
    path = Path(path)
    where = f"drawing {path}"
    try:
        if not path.is_file():
            raise DrawingFileError(f"{where}: {'is not a file' if path.exists() else 'does not exist'}")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise DrawingFileError(f"{where}: cannot be read: {e.strerror or e}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DrawingFileError(f"{where}: is larger than {MAX_FILE_BYTES / 1e6:g} MB, far more than a drawing "
                               f"takes; refused")
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise DrawingFileError(f"{where}: is not text (UTF-8 JSON expected)") from None
    except RecursionError:
        raise DrawingFileError(f"{where}: is not a drawing (JSON nested too deeply)") from None
    except ValueError as e:
        raise DrawingFileError(f"{where}: is not valid JSON (truncated or corrupt?): {e}") from None
    drawing = _checked(document, where)
    _check_visible(drawing, where)
    drawing.path = path
    return drawing


def _check_visible(drawing: LabelledDrawing, where: str) -> Prepared:
    prepared = drawing.prepared()
    if prepared.empty:
        raise DrawingFileError(f"{where}: nothing a model could read ({prepared.message})")
    return prepared


def save_drawing(folder: str | os.PathLike, drawing: LabelledDrawing) -> Path:
    """Write `drawing` into `folder` (made if needed) as a new JSON file and its 28x28 PNG; returns the JSON path.

    The name is `{label}-{created, UTC: YYYYmmdd-HHMMSS-microseconds}.json`, with `-2`, `-3`, ... when
    taken: an existing file is never replaced, even by another process saving at the same moment.
    Both files appear together or not at all. Raises ValueError for a drawing that would not load
    back (the same checks as load_drawing) or shows nothing, OSError when the folder cannot be written.
    """
    folder = Path(folder)
    checked = _checked(_document(drawing), "cannot save the drawing")
    prepared = _check_visible(checked, "cannot save the drawing")
    text = _json_text(checked)
    png = Image.fromarray(np.uint8(np.round(prepared.pixels * 255)), "L")
    folder.mkdir(parents=True, exist_ok=True)
    moment = datetime.datetime.fromisoformat(checked.created).astimezone(datetime.timezone.utc)
    base = f"{checked.label}-{moment:%Y%m%d-%H%M%S-%f}"
    for attempt in range(1, MAX_NAME_TRIES + 1):
        stem = base if attempt == 1 else f"{base}-{attempt}"
        target = folder / f"{stem}.json"
        reservation = folder / f".{stem}.reserved"
        try:
            # O_EXCL: only one saver at a time may hold this name. It then checks that the name is
            # still free, so a drawing written by a saver that held it a moment ago is never replaced.
            fd = os.open(reservation, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            if target.exists() or target.with_suffix(".png").exists():
                continue
            with atomic_paths(target.with_suffix(".png"), target) as (tmp_png, tmp_json):
                png.save(tmp_png, format="PNG")
                tmp_json.write_text(text, encoding="utf-8")
            return target
        finally:
            reservation.unlink(missing_ok=True)
    raise OSError(f"cannot save the drawing in {folder}: {MAX_NAME_TRIES} names starting {base} are all taken")


def load_folder(folder: str | os.PathLike = DEFAULT_FOLDER, missing_ok: bool = False
                ) -> tuple[list[LabelledDrawing], dict[Path, str]]:
    """Every drawing (*.json) of `folder`, oldest first; returns (drawings, {path: why} for the bad files).

    A bad file costs only itself. A folder that does not exist raises FileNotFoundError, or gives
    ([], {}) with missing_ok; a file in place of the folder raises NotADirectoryError.
    """
    folder = Path(folder)
    if not folder.exists():
        if missing_ok:
            return [], {}
        raise FileNotFoundError(f"the drawings folder {folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder of drawings")
    drawings, problems = [], {}
    # Hidden names are skipped: they are the temporaries of a save in progress (.{stem}.*.tmp.json).
    for path in sorted(p for p in folder.glob("*.json") if not p.name.startswith(".")):
        try:
            drawings.append(load_drawing(path))
        except DrawingFileError as e:
            problems[path] = str(e)
    # Drawings of the same moment in the order they were saved: 7-...-123456.json, then -2, -3, ..., -10.
    drawings.sort(key=lambda d: (datetime.datetime.fromisoformat(d.created), len(d.path.name), d.path.name))
    return drawings, problems


def import_folder(source: str | os.PathLike, destination: str | os.PathLike) -> tuple[int, dict[Path, str]]:
    """Copy the valid drawings of `source` into `destination` (made if needed); returns (how many, skipped).

    Each is saved anew (save_drawing: a unique name, a checked file, a fresh PNG), so nothing in
    `destination` is replaced. `skipped` is {source path: why}: invalid files, and drawings already
    in `destination` (same label, strokes, widths, canvas and time), so importing twice adds nothing.
    """
    drawings, skipped = load_folder(source)
    present, _ = load_folder(destination, missing_ok=True)
    known = {_identity(d): d.path for d in present}
    imported = 0
    for drawing in drawings:
        same = known.get(_identity(drawing))
        if same is not None:
            skipped[drawing.path] = f"already in {destination} as {same.name}"
            continue
        try:
            path = save_drawing(destination, drawing)
        except ValueError as e:
            skipped[drawing.path] = str(e)
            continue
        known[_identity(drawing)] = path
        imported += 1
    return imported, skipped


def export_folder(source: str | os.PathLike, destination: str | os.PathLike) -> tuple[int, dict[Path, str]]:
    """Copy the valid drawings of `source` (your folder) into `destination`: import_folder the other way."""
    return import_folder(source, destination)


def _identity(drawing: LabelledDrawing) -> tuple:
    return (drawing.label, drawing.canvas, drawing.created, tuple(map(float, drawing.widths)),
            tuple(tuple(stroke) for stroke in drawing.strokes))


# --- as a test set ---------------------------------------------------------------------------------


def as_arrays(drawings: Sequence[LabelledDrawing]) -> tuple[np.ndarray, np.ndarray]:
    """(images (n, 28, 28) float32, labels (n,) int64): the drawings as a model's test set."""
    images = np.zeros((len(drawings), 28, 28), np.float32)
    for i, drawing in enumerate(drawings):
        images[i] = drawing.pixels()
    return images, np.array([d.label for d in drawings], dtype=np.int64)


def counts_per_digit(drawings: Iterable[LabelledDrawing]) -> np.ndarray:
    """(10,) int64: how many drawings of each digit."""
    return np.bincount(np.array([d.label for d in drawings], dtype=np.int64), minlength=10)

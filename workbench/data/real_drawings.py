"""Real drawn digits, for measuring only: the 1,200 digits of UJI Pen Characters, version 2.

Sixty writers each wrote every digit twice (two sessions) with a stylus on a Tablet PC. Nobody on
the team drew them and none of the writers contributed to MNIST, so they tell us how the models cope
with what people really draw. They are a benchmark: never train on them, never pick a checkpoint or
a setting by them (120 per digit is small, and a model tuned to them tells us nothing).

The drawings are pen strokes, so `RealDrawings.render` replays each through the workbench's own
drawing path: scaled by its own bounding box to the size a person draws on the GUI's 280-pixel
canvas, drawn with the GUI's round pen (`workbench.drawing.preprocess.draw_stroke`), then prepared by
`to_mnist` (`RealDrawings.images`), exactly as if it had been drawn with the mouse.

The data is one file, `uji2_digits.npz` (numpy arrays, no pickle; layout in LAYOUT below and in the
README beside the file), found in, in order: the `folder` argument, the folder in $REAL_DRAWINGS_DIR,
the user cache `~/.cache/digit-workbench/real-drawings` ($XDG_CACHE_HOME respected). If none holds
it, `fetch_uji` downloads the UCI archive, converts the ten digits of its `ujipenchars2.txt` to the
same layout and caches it. Every array is checked when read; a broken, truncated or incomplete file
raises RealDrawingsError (a ValueError) whose message names the file and what is wrong.

Run `python -m workbench.data.real_drawings` to find (or fetch) the file, check it, and print counts.

Source: UCI Machine Learning Repository, "UJI Pen Characters (Version 2)", id 177, DOI
10.24432/C5FG8S, CC BY 4.0 (cite it where its figures are shown); D. Llorens, F. Prat, A. Marzal,
J. M. Vilar, M. J. Castro et al., "The UJIpenchars Database: a Pen-Based Database of Isolated
Handwritten Characters", LREC 2008.
"""

from __future__ import annotations

import argparse
import io
import math
import os
import re
import sys
import time
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
from numpy.lib import format as npy_format
from PIL import Image

from scratch.files import atomic_path, file_sha256, timestamp
from workbench.data.my_drawings import CANVAS
from workbench.drawing.preprocess import DEFAULT_WIDTH, draw_stroke, to_mnist

FILENAME = "uji2_digits.npz"
# SHA-256 of the standard file (../shared/real-drawings/README.md), converted from the digit part of
# ujipenchars2.txt. A file converted here from the UCI download has other bytes (zip time stamps), so
# it carries a SOURCE_KEY saying where it came from, and is trusted by its content checks alone.
STANDARD_SHA256 = "0f95143bcb4d1d3e3b3d965daa86a63350198d73779e94fd17ecbef78eeca197"
SOURCE_KEY = "source"

UCI_PAGE = "https://archive.ics.uci.edu/dataset/177/uji+pen+characters+version+2"
UCI_URL = "https://archive.ics.uci.edu/static/public/177/uji+pen+characters+version+2.zip"
UCI_MEMBER = "ujipenchars2.txt"
ENV_VAR = "REAL_DRAWINGS_DIR"

# What the file holds (the README's table). A digit was written twice by each writer, once per session.
SAMPLES = 1200
DIGITS = 10
PER_DIGIT = 120
WRITERS = 60
SESSIONS = 2
STROKES = 1456                 # 945 one-stroke digits, 254 two-stroke, 1 three-stroke
POINTS = 68349
UJI_WRITERS = 16               # writers 1-16 were recorded at UJI (site 0), 17-60 at UPV (site 1)
UNITS_PER_MM = (100.0, 152.0)  # ink units per millimetre, by site

LAYOUT: dict[str, tuple[np.dtype, tuple[int, ...]]] = {
    "strokes": (np.dtype(np.float32), (POINTS, 2)),
    "stroke_offsets": (np.dtype(np.int64), (STROKES + 1,)),
    "sample_offsets": (np.dtype(np.int64), (SAMPLES + 1,)),
    "labels": (np.dtype(np.uint8), (SAMPLES,)),
    "writer": (np.dtype(np.int16), (SAMPLES,)),
    "session": (np.dtype(np.uint8), (SAMPLES,)),
    "site": (np.dtype(np.uint8), (SAMPLES,)),
    "units_per_mm": (np.dtype(np.float32), (SAMPLES,)),
}
MAX_SOURCE_CHARS = 1000

# How a drawing is replayed on the canvas: the longer side of its bounding box becomes this fraction of
# the canvas, centred. People asked to draw a digit on the 280-pixel canvas make it about 60-75% of it.
DRAWN_FRACTION = 0.6

# Limits: the standard file is 233 kB and the UCI archive about 2 MB; these are far above that.
MAX_FILE_BYTES = 20_000_000
MAX_DOWNLOAD_BYTES = 50_000_000
DOWNLOAD_TIMEOUT = 30.0        # seconds the server may stay silent


class RealDrawingsError(ValueError):
    """The real drawings are missing, unreadable or not what they should be. The message names the file."""


# --- the data set -----------------------------------------------------------------------------------


@dataclass(eq=False)
class RealDrawings:
    """The 1,200 real digits as pen strokes, with who wrote them; checked when read (`load_real_drawings`).

    points: (68349, 2) float32 (x, y) ink coordinates of every stroke, concatenated (y grows down);
    stroke_offsets: (1457,) int64, stroke s is points[stroke_offsets[s]:stroke_offsets[s + 1]];
    sample_offsets: (1201,) int64, drawing i is strokes sample_offsets[i] .. sample_offsets[i + 1] - 1;
    labels (n,) int64 digits; writers (n,) int64 1..60; session (n,) int64 1 or 2; site (n,) int64
    0 = UJI, 1 = UPV; units_per_mm (n,) float32 (the two sites' tablets differ: the scale is
    normalised away by `render`). path: the file; sha256: its SHA-256; source: where it came from.
    """

    points: np.ndarray
    stroke_offsets: np.ndarray
    sample_offsets: np.ndarray
    labels: np.ndarray
    writers: np.ndarray
    session: np.ndarray
    site: np.ndarray
    units_per_mm: np.ndarray
    path: Path
    sha256: str
    source: str
    _images: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def standard(self) -> bool:
        """True for the standard file (its SHA-256 verified); False for one converted from the UCI download."""
        return self.sha256 == STANDARD_SHA256

    def strokes(self, i: int) -> list[np.ndarray]:
        """Drawing i as its strokes: a list of (k, 2) float32 (x, y) arrays in ink units, y down."""
        i = self._index(i)
        starts = self.stroke_offsets[self.sample_offsets[i]:self.sample_offsets[i + 1] + 1]
        return [self.points[a:b] for a, b in zip(starts[:-1], starts[1:])]

    def canvas_strokes(self, i: int, canvas: int = CANVAS, fill: float = DRAWN_FRACTION) -> list[np.ndarray]:
        """Drawing i placed on a `canvas`-pixel canvas as a person would draw it: (k, 2) float64 strokes.

        The drawing is scaled by its own bounding box (aspect kept) so that its longer side is `fill`
        of the canvas, and centred. Points are rounded to whole pixels, as Tk reports mouse positions.
        The two sites' tablets have different units, and writers wrote at different sizes: this is
        what a person filling the canvas would produce from any of them.
        """
        if not 0 < fill <= 1:
            raise ValueError(f"fill must be a fraction of the canvas above 0 and at most 1, got {fill!r}")
        strokes = [s.astype(np.float64) for s in self.strokes(i)]
        every = np.concatenate(strokes)
        low, high = every.min(axis=0), every.max(axis=0)
        extent = float((high - low).max())
        scale = fill * canvas / extent if extent > 0 else 0.0       # a single dot stays a dot
        centre = (low + high) / 2
        return [np.rint((s - centre) * scale + canvas / 2) for s in strokes]

    def render(self, i: int, canvas: int = CANVAS, width: float = DEFAULT_WIDTH,
               fill: float = DRAWN_FRACTION) -> Image.Image:
        """Drawing i as the GUI canvas would show it: a `canvas` x `canvas` mode "L" image, black ink on white.

        The strokes (`canvas_strokes`) are drawn with `draw_stroke`, the round pen of `width` pixels that
        the GUI uses on its off-screen mirror, so `to_mnist` of this image is what the models would be
        given had the digit been drawn with the mouse.
        """
        image = Image.new("L", (canvas, canvas), 255)
        for stroke in self.canvas_strokes(i, canvas, fill):
            draw_stroke(image, stroke, width)
        return image

    def image(self, i: int) -> np.ndarray:
        """Drawing i as the models see it: (28, 28) float32 in [0, 1], ink high (`to_mnist` of `render(i)`)."""
        return to_mnist(self.render(i))

    def images(self) -> np.ndarray:
        """Every drawing as the models see it: (n, 28, 28) float32 in [0, 1], ink high.

        Made once (a second or two for the 1,200 drawings) and kept; a read-only array is returned,
        so a caller cannot change what later callers get.
        """
        if self._images is None:
            images = np.stack([self.image(i) for i in range(len(self))])
            images.setflags(write=False)
            self._images = images
        return self._images

    def spread_subset(self, count: int) -> np.ndarray:
        """Sorted indices of `count` drawings (rounded down to a multiple of 10) for a quick measurement.

        Every digit equally often, each from a different writer (while count <= 600), the writers
        rotating from digit to digit so that all 60 appear (count >= 200), both sessions alternating.
        All the drawings when count >= their number. Deterministic: always the same subset.
        """
        if count >= len(self):
            return np.arange(len(self))
        per_digit = count // DIGITS
        if per_digit < 1:
            raise ValueError(f"count must be at least {DIGITS} (one drawing of each digit), got {count}")
        writers = np.unique(self.writers)
        where = {(int(w), int(d), int(s)): i for i, (w, d, s) in
                 enumerate(zip(self.writers, self.labels, self.session))}
        picked = []
        for digit in range(DIGITS):
            for j in range(per_digit):
                writer = int(writers[(digit + j * len(writers) // per_digit) % len(writers)])
                session = 1 + (j + digit) % SESSIONS
                picked.append(where[(writer, digit, session)])
        return np.array(sorted(picked), dtype=np.int64)

    def _index(self, i: int) -> int:
        if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not -len(self) <= i < len(self):
            raise IndexError(f"drawing index must be a whole number from 0 to {len(self) - 1}, got {i!r}")
        return int(i) % len(self)


# --- finding and reading the file -----------------------------------------------------------------


def default_cache_dir() -> Path:
    """Where a fetched copy goes: $XDG_CACHE_HOME/digit-workbench/real-drawings, else ~/.cache/..."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digit-workbench" / "real-drawings"


def find_real_drawings(folder: str | os.PathLike | None = None) -> Path | None:
    """The path of uji2_digits.npz: in `folder` (or `folder` itself, if it is the .npz), else in the folder
    named by $REAL_DRAWINGS_DIR, else in the user cache; None if neither was named and the cache has none.

    A place that is named (the argument, or the variable) and does not hold the file is an error, not
    something to pass over silently: RealDrawingsError says which place and how it was named.
    """
    for origin, value in (("the folder argument", folder), (f"${ENV_VAR}", os.environ.get(ENV_VAR))):
        if value is None or str(value) == "":
            continue
        place = Path(value).expanduser()
        if place.is_file() and place.suffix == ".npz":
            return place
        if not place.is_dir():
            raise RealDrawingsError(f"{place} (named by {origin}) is not a folder; point it at the folder that "
                                    f"holds {FILENAME}")
        if not (place / FILENAME).is_file():
            raise RealDrawingsError(f"{place} (named by {origin}) holds no {FILENAME}; {_how_to_provide()}")
        return place / FILENAME
    cached = default_cache_dir() / FILENAME
    return cached if cached.is_file() else None


def load_real_drawings(folder: str | os.PathLike | None = None, *, download: bool = True) -> RealDrawings:
    """Find, check and load the real drawings (see `find_real_drawings` for where it looks).

    When no place holds them and `download` is true, `fetch_uji` converts them from the UCI download
    into the user cache. Raises RealDrawingsError naming the file and what is wrong, or saying where
    it looked and how to provide the file.
    """
    path = find_real_drawings(folder)
    if path is None:
        cache = default_cache_dir()
        if not download:
            raise RealDrawingsError(f"the real drawings were not found: {ENV_VAR} is not set and the user cache "
                                    f"{cache} holds no {FILENAME}; {_how_to_provide()}")
        path = fetch_uji(cache, UCI_URL)
    return read_real_drawings(path)


def read_real_drawings(path: str | os.PathLike) -> RealDrawings:
    """Read and check one uji2_digits.npz file. Raises RealDrawingsError naming the file and what is wrong.

    The array headers are checked (names, dtypes, shapes, complete data, no pickled objects) before any
    data is read, then the contents (offsets, counts, writers, coordinates), then the checksum.
    """
    path = Path(path)
    where = f"real drawings {path}"
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RealDrawingsError(f"{where}: does not exist") from None
    except OSError as e:
        raise RealDrawingsError(f"{where}: cannot be read: {e.strerror or e}") from None
    if not path.is_file():
        raise RealDrawingsError(f"{where}: is not a file")
    if size > MAX_FILE_BYTES:
        raise RealDrawingsError(f"{where}: is {size / 1e6:.0f} MB, far larger than the 0.2 MB file it should be; "
                                f"refused")
    headers = _array_headers(path, where)
    _check_headers(headers, where)
    arrays = _read_arrays(path, list(headers), where)
    source = _source_text(arrays.pop(SOURCE_KEY, None), where)
    check_arrays(arrays, where)
    sha256 = file_sha256(path)
    if source is None:
        if sha256 != STANDARD_SHA256:
            raise RealDrawingsError(
                f"{where}: its arrays pass every check, but it is not the standard file: its SHA-256 is {sha256}, "
                f"not {STANDARD_SHA256} (the README beside the file gives it). It was changed or saved again. "
                f"Put the standard {FILENAME} in its place, or delete it to have it converted again from the "
                f"UCI download (python -m workbench.data.real_drawings)")
        source = "the standard file, SHA-256 verified"
    return RealDrawings(
        points=arrays["strokes"], stroke_offsets=arrays["stroke_offsets"], sample_offsets=arrays["sample_offsets"],
        labels=arrays["labels"].astype(np.int64), writers=arrays["writer"].astype(np.int64),
        session=arrays["session"].astype(np.int64), site=arrays["site"].astype(np.int64),
        units_per_mm=arrays["units_per_mm"], path=path, sha256=sha256, source=source)


class _Header(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype
    data_bytes: int        # bytes of data present after the header


def _array_headers(path: Path, where: str) -> dict[str, _Header]:
    """{array name: its .npy header} of an .npz, read without reading (or allocating) any array's data."""
    headers = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                name = info.filename[:-4] if info.filename.endswith(".npy") else None
                if name is None:
                    raise RealDrawingsError(f"{where}: holds {info.filename!r}, which is not a numpy array (.npy)")
                with archive.open(info) as f:
                    version = npy_format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = npy_format.read_array_header_1_0(f)
                    elif version in ((2, 0), (3, 0)):
                        shape, _, dtype = npy_format.read_array_header_2_0(f)
                    else:
                        raise ValueError(f"{info.filename} has .npy format version {version}")
                    headers[name] = _Header(tuple(shape), np.dtype(dtype), info.file_size - f.tell())
    except RealDrawingsError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
            NotImplementedError, SyntaxError) as e:
        raise RealDrawingsError(f"{where}: is not a readable .npz file (truncated or corrupt?): {e}") from None
    return headers


def _check_headers(headers: dict[str, _Header], where: str) -> None:
    """Every array of LAYOUT is present with its dtype and shape and all its data, and nothing else
    is there but an optional SOURCE_KEY text."""
    missing = [name for name in LAYOUT if name not in headers]
    if missing:
        raise RealDrawingsError(f"{where}: has no {', '.join(missing)} array (an incomplete file; it must hold "
                                f"{', '.join(LAYOUT)})")
    extra = sorted(set(headers) - set(LAYOUT) - {SOURCE_KEY})
    if extra:
        raise RealDrawingsError(f"{where}: holds arrays that are not part of the layout: {', '.join(extra)}")
    for name, header in headers.items():
        if header.dtype.hasobject:
            raise RealDrawingsError(f"{where}: {name} holds pickled Python objects (dtype object); refused: "
                                    f"the file must hold plain numeric arrays")
        if name == SOURCE_KEY:
            if header.dtype.kind != "U" or header.shape != () or header.dtype.itemsize > 4 * MAX_SOURCE_CHARS:
                raise RealDrawingsError(f"{where}: {SOURCE_KEY} must be one line of text, got dtype {header.dtype} "
                                        f"and shape {header.shape}")
            expected_dtype, expected_shape = header.dtype, ()
        else:
            expected_dtype, expected_shape = LAYOUT[name]
        if header.dtype != expected_dtype:
            raise RealDrawingsError(f"{where}: {name} has dtype {header.dtype}, expected {expected_dtype}")
        if header.shape != expected_shape:
            raise RealDrawingsError(f"{where}: {name} has shape {header.shape}, expected {expected_shape}")
        needed = math.prod(header.shape) * header.dtype.itemsize
        if header.data_bytes < needed:
            raise RealDrawingsError(f"{where}: {name} is truncated: {header.data_bytes:,} bytes of data where "
                                    f"its shape {header.shape} needs {needed:,}")


def _read_arrays(path: Path, names: Sequence[str], where: str) -> dict[str, np.ndarray]:
    """The named arrays, read with allow_pickle=False (headers already checked)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {name: npz[name] for name in names}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, KeyError) as e:
        raise RealDrawingsError(f"{where}: is not a readable .npz file (truncated or corrupt?): {e}") from None


def _source_text(array: np.ndarray | None, where: str) -> str | None:
    if array is None:
        return None
    text = str(array[()])
    if not text.strip() or len(text) > MAX_SOURCE_CHARS or "\n" in text:
        raise RealDrawingsError(f"{where}: {SOURCE_KEY} must be one line of text saying where the file came from")
    return text


def check_arrays(arrays: dict[str, np.ndarray], where: str) -> None:
    """The contents are the 1,200 digits of the README: raise RealDrawingsError(f"{where}: what is wrong").

    `arrays` has LAYOUT's names, dtypes and shapes (checked before). Offsets must cut the points into
    strokes and the strokes into drawings (each with at least one point, one stroke); every coordinate
    finite; 120 drawings of each digit; writers 1-60, each writing every digit once in each session;
    sites and units as recorded for each writer.
    """
    def fail(why: str) -> RealDrawingsError:
        return RealDrawingsError(f"{where}: {why}")

    for name, (dtype, shape) in LAYOUT.items():
        array = arrays.get(name)
        if array is None or array.dtype != dtype or array.shape != shape:
            found = "missing" if array is None else f"{array.dtype} {array.shape}"
            raise fail(f"{name} must be {dtype} of shape {shape}, got {found}")
    _check_offsets(arrays["stroke_offsets"], POINTS, "stroke_offsets", "point", "stroke", fail)
    _check_offsets(arrays["sample_offsets"], STROKES, "sample_offsets", "stroke", "drawing", fail)
    points = arrays["strokes"]
    if not np.isfinite(points).all():
        bad = int(np.flatnonzero(~np.isfinite(points).all(axis=1))[0])
        raise fail(f"strokes holds coordinates that are not finite (NaN or infinite), first at point {bad:,}")
    labels = arrays["labels"]
    if labels.max() >= DIGITS:
        raise fail(f"labels must be digits 0-9, found {int(labels.max())}")
    counts = np.bincount(labels, minlength=DIGITS)
    if (counts != PER_DIGIT).any():
        wrong = ", ".join(f"{int(c)} of digit {d}" for d, c in enumerate(counts) if c != PER_DIGIT)
        raise fail(f"labels: {wrong}; expected {PER_DIGIT} drawings of each digit (an incomplete or altered file)")
    writer, session = arrays["writer"].astype(np.int64), arrays["session"].astype(np.int64)
    if writer.min() < 1 or writer.max() > WRITERS:
        raise fail(f"writer must be 1 to {WRITERS}, found {int(writer.min())} to {int(writer.max())}")
    if not np.isin(session, (1, 2)).all():
        raise fail(f"session must be 1 or 2, found {sorted(set(session.tolist()) - {1, 2})[:5]}")
    seen = np.zeros((WRITERS + 1, DIGITS, SESSIONS + 1), np.int64)
    np.add.at(seen, (writer, labels.astype(np.int64), session), 1)
    seen = seen[1:, :, 1:]
    if (seen != 1).any():
        w, d, s = np.argwhere(seen != 1)[0]
        raise fail(f"writer {w + 1} has {seen[w, d, s]} drawings of digit {d} in session {s + 1}; every one of the "
                   f"{WRITERS} writers wrote every digit once per session")
    site = arrays["site"].astype(np.int64)
    expected_site = (writer > UJI_WRITERS).astype(np.int64)
    if (site != expected_site).any():
        i = int(np.flatnonzero(site != expected_site)[0])
        raise fail(f"drawing {i} (writer {writer[i]}) has site {site[i]}, expected {expected_site[i]} "
                   f"(writers 1-{UJI_WRITERS} wrote at UJI, site 0; the others at UPV, site 1)")
    units = arrays["units_per_mm"]
    expected_units = np.asarray(UNITS_PER_MM, np.float32)[expected_site]
    if (units != expected_units).any():
        i = int(np.flatnonzero(units != expected_units)[0])
        raise fail(f"drawing {i} has units_per_mm {units[i]:g}, expected {expected_units[i]:g} for its site")


def _check_offsets(offsets: np.ndarray, total: int, name: str, item: str, group: str, fail) -> None:
    """offsets cut `total` items into groups: it starts at 0, ends at `total`, and grows by at least 1."""
    if offsets[0] != 0 or offsets[-1] != total:
        raise fail(f"{name} must run from 0 to {total:,} (the number of {item}s), got {int(offsets[0]):,} to "
                   f"{int(offsets[-1]):,}")
    steps = np.diff(offsets)
    if (steps < 1).any():
        k = int(np.flatnonzero(steps < 1)[0])
        raise fail(f"{name} must increase: {group} {k:,} would run from {item} {int(offsets[k]):,} to "
                   f"{int(offsets[k + 1]):,}, leaving it no {item}s")


def _how_to_provide() -> str:
    return (f"to use the real drawings, put {FILENAME} (UJI Pen Characters v2 digits; see {UCI_PAGE}) into a folder "
            f"and set {ENV_VAR} to it, or pass the folder (python -m builders.compare --real-drawings DIR), or "
            f"copy it into the cache {default_cache_dir()}")


# --- from the UCI download ------------------------------------------------------------------------


class UjiSample(NamedTuple):
    """One digit of ujipenchars2.txt: its label, who wrote it, and its strokes ((k, 2) float32 each)."""

    label: int
    writer: int
    session: int
    site: int
    strokes: list[np.ndarray]


# A sample's identifier, e.g. "trn_UJI_W01-01": set (trn/tst), site, writer, repetition (the session).
_IDENTIFIER = re.compile(r"^(?:(?:trn|tst)_)?(UJI|UPV)_W(\d{1,3})-(\d{1,2})$")


def parse_uji_digits(text: str, where: str = UCI_MEMBER) -> list[UjiSample]:
    """The digits of a ujipenchars2.txt text, in file order; every other character is skipped.

    The format (UNIPEN-like): `//` comment lines, then per sample
        WORD 7 trn_UJI_W01-02
          NUMSTROKES 2
          POINTS 3 # x y x y x y
          POINTS 2 # x y x y
    with whole-number coordinates in the tablet's units (y grows down). A digit whose lines do not
    follow that raises RealDrawingsError naming the line.
    """
    lines = text.splitlines()
    samples = []
    n = 0
    while n < len(lines):
        line = lines[n].strip()
        n += 1
        if not line.startswith("WORD"):
            continue
        parts = [p for p in re.split(r"[ \t]+", line) if p]    # not str.split(): no-break spaces are
                                                                 # part of latin-1-decoded letters
        character = " ".join(parts[1:-1])
        if character not in "0123456789" or len(character) != 1:
            continue
        sample, n = _parse_digit(int(character), parts[-1], lines, n, where)
        samples.append(sample)
    return samples


def _parse_digit(label: int, identifier: str, lines: list[str], n: int, where: str) -> tuple[UjiSample, int]:
    """The sample whose WORD line was line n (1-based here: n is the next line's index); returns it and
    the index of the line after it."""
    def fail(why: str, line: int) -> RealDrawingsError:
        return RealDrawingsError(f"{where}, line {line}: {why}")

    match = _IDENTIFIER.match(identifier)
    if not match:
        raise fail(f"a digit's identifier must look like trn_UJI_W01-01, got {identifier!r}", n)
    site_name, writer, session = match.group(1), int(match.group(2)), int(match.group(3))
    head = lines[n].split() if n < len(lines) else []
    if len(head) != 2 or head[0] != "NUMSTROKES" or not head[1].isdigit() or int(head[1]) < 1:
        raise fail(f"expected NUMSTROKES and a number of strokes after the WORD line, got {' '.join(head)!r}", n + 1)
    strokes = []
    for k in range(int(head[1])):
        line_number = n + 2 + k
        fields = lines[line_number - 1].split() if line_number - 1 < len(lines) else []
        if len(fields) < 3 or fields[0] != "POINTS" or not fields[1].isdigit() or fields[2] != "#":
            raise fail(f"expected stroke {k + 1} of {head[1]} as POINTS k # x y ..., got {' '.join(fields[:4])!r}",
                       line_number)
        count = int(fields[1])
        try:
            values = np.array([int(v) for v in fields[3:]], dtype=np.float64)
        except ValueError:
            raise fail("a coordinate is not a whole number", line_number) from None
        if count < 1 or len(values) != 2 * count:
            raise fail(f"POINTS {count} must be followed by {2 * count} numbers, got {len(values)}", line_number)
        strokes.append(values.reshape(count, 2).astype(np.float32))
    site = 0 if site_name == "UJI" else 1
    return UjiSample(label, writer, session, site, strokes), n + 1 + len(strokes)


def digits_to_arrays(samples: Sequence[UjiSample]) -> dict[str, np.ndarray]:
    """Samples in the file's layout (LAYOUT), ordered by writer, then digit, then session, as the standard
    file is. Counts are not checked here (see check_arrays): this works for any number of samples."""
    ordered = sorted(samples, key=lambda s: (s.writer, s.label, s.session))
    strokes = [stroke for sample in ordered for stroke in sample.strokes]
    stroke_lengths = [len(s) for s in strokes]
    sample_lengths = [len(sample.strokes) for sample in ordered]
    return {
        "strokes": (np.concatenate(strokes) if strokes else np.zeros((0, 2))).astype(np.float32),
        "stroke_offsets": np.concatenate([[0], np.cumsum(stroke_lengths)]).astype(np.int64),
        "sample_offsets": np.concatenate([[0], np.cumsum(sample_lengths)]).astype(np.int64),
        "labels": np.array([s.label for s in ordered], np.uint8),
        "writer": np.array([s.writer for s in ordered], np.int16),
        "session": np.array([s.session for s in ordered], np.uint8),
        "site": np.array([s.site for s in ordered], np.uint8),
        "units_per_mm": np.array([UNITS_PER_MM[s.site] for s in ordered], np.float32),
    }


def _check_count(samples: Sequence[UjiSample], where: str) -> None:
    """As many digits as UJI Pen Characters v2 has, before the arrays are checked one by one."""
    counts = np.bincount([s.label for s in samples], minlength=DIGITS)
    points = sum(len(stroke) for s in samples for stroke in s.strokes)
    if len(samples) != SAMPLES or points != POINTS:
        raise RealDrawingsError(
            f"{where}: holds {len(samples):,} digits ({' '.join(f'{d}:{c}' for d, c in enumerate(counts))}) of "
            f"{points:,} points, expected {SAMPLES:,} ({PER_DIGIT} of each digit, from {WRITERS} writers) of "
            f"{POINTS:,} points: not the UJI Pen Characters v2 data, or a changed version of it")


def uji_text_from_archive(data: bytes, where: str) -> str:
    """The text of ujipenchars2.txt inside the UCI zip archive `data` (found by name, in any folder)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [i for i in archive.infolist() if Path(i.filename).name == UCI_MEMBER]
            if not members:
                names = ", ".join(i.filename for i in archive.infolist()[:10])
                raise RealDrawingsError(f"{where}: the archive holds no {UCI_MEMBER} (it holds {names})")
            if members[0].file_size > MAX_DOWNLOAD_BYTES:
                raise RealDrawingsError(f"{where}: {UCI_MEMBER} is {members[0].file_size / 1e6:.0f} MB; refused")
            raw = archive.read(members[0])
    except RealDrawingsError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError) as e:
        raise RealDrawingsError(f"{where}: is not a readable zip archive (truncated or corrupt?): {e}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")      # the digits are ASCII either way; only letters' accents differ


def fetch_uji(cache_dir: str | os.PathLike, url: str = UCI_URL, *, timeout: float = DOWNLOAD_TIMEOUT,
              progress: bool = True) -> Path:
    """Download the UCI archive, convert its ten digits to uji2_digits.npz in `cache_dir`; returns its path.

    The conversion is checked as a read file is (1,200 digits, 120 each, 60 writers, 68,349 points...),
    written to a temporary file that is read back and checked, and only then renamed into place, so the
    cache never holds a partial or unchecked file. Raises RealDrawingsError when the archive cannot be
    downloaded (saying from where, and how to provide the file instead) or does not hold the digits.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / FILENAME
    if progress:
        print(f"downloading UJI Pen Characters v2 from {url}", file=sys.stderr, flush=True)
    data = _download(url, timeout)
    where = f"the UCI archive from {url}"
    samples = parse_uji_digits(uji_text_from_archive(data, where), f"{where}: {UCI_MEMBER}")
    _check_count(samples, f"{where}: its {UCI_MEMBER}")
    arrays = digits_to_arrays(samples)
    check_arrays(arrays, f"{where}: its digits")
    arrays[SOURCE_KEY] = np.array(f"converted from {UCI_MEMBER} of {url} by workbench.data.real_drawings.fetch_uji "
                                  f"on {timestamp()}")
    try:
        with atomic_path(target) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
            read_real_drawings(tmp)                        # the file as it will be read, before it is used
    except OSError as e:
        raise RealDrawingsError(f"the real drawings could not be saved in the cache {cache_dir}: "
                                f"{e.strerror or e}") from None
    if progress:
        print(f"saved {target}", file=sys.stderr, flush=True)
    return target


def _download(url: str, timeout: float) -> bytes:
    """The bytes at `url` (at most MAX_DOWNLOAD_BYTES). Raises RealDrawingsError saying why and what to do."""
    request = urllib.request.Request(url, headers={"User-Agent": "digit-workbench"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except urllib.error.HTTPError as e:
        reason = f"HTTP {e.code} {e.reason}"
    except urllib.error.URLError as e:
        reason = f"unreachable ({e.reason})"
    except (TimeoutError, OSError, ValueError) as e:
        reason = f"no answer within {timeout:g} s" if isinstance(e, TimeoutError) else str(e)
    else:
        if len(data) > MAX_DOWNLOAD_BYTES:
            reason = f"the download is larger than {MAX_DOWNLOAD_BYTES / 1e6:.0f} MB, not the 2 MB archive expected"
        else:
            return data
    raise RealDrawingsError(f"UJI Pen Characters v2 could not be downloaded from {url}: {reason}; "
                            f"{_how_to_provide()}")


# --- summary --------------------------------------------------------------------------------------


def summary(real: RealDrawings) -> str:
    """Where the drawings came from and how many there are, per digit and writer."""
    counts = np.bincount(real.labels, minlength=DIGITS)
    return "\n".join([
        f"real drawings: {real.path} ({real.source})",
        f"{len(real):,} drawings by {len(np.unique(real.writers))} writers, {len(real.stroke_offsets) - 1:,} strokes, "
        f"{len(real.points):,} points",
        "per digit: " + " ".join(f"{d}:{c}" for d, c in enumerate(counts)),
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.data.real_drawings",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", help=f"folder holding {FILENAME} (default: ${ENV_VAR}, then the cache)")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    args = parser.parse_args(argv)
    try:
        real = load_real_drawings(args.folder, download=not args.no_download)
        start = time.perf_counter()
        real.images()
        seconds = time.perf_counter() - start
    except RealDrawingsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(summary(real))
    print(f"rendered and prepared like MNIST in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

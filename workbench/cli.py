"""Command-line argument types shared by the builders and the report: each refuses a bad value with a
message that names what was expected, so argparse prints `--flag: message` instead of a traceback."""

from __future__ import annotations

import argparse
import math
import tempfile
from pathlib import Path


def positive_int(text: str) -> int:
    """A whole number of at least 1 (epochs, image counts)."""
    value = _whole_number(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def seed(text: str) -> int:
    """A random seed: a whole number from 0 to 2**32 - 1 (NumPy's and TensorFlow's common range)."""
    value = _whole_number(text)
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 to {2 ** 32 - 1}, got {value}")
    return value


def positive_minutes(text: str) -> float:
    """A finite number of minutes above 0 (`inf` and `nan` are refused: they cannot be recorded in JSON)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of minutes, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of minutes above 0, got {text!r}")
    return value


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def check_writable(folder: Path) -> None:
    """Before long work: could files be written into `folder`? Nothing is created: a folder that does
    not exist yet is judged by its nearest existing parent. OSError saying why not."""
    folder = Path(folder)
    existing = next(p for p in (folder, *folder.parents) if p.exists() or p == Path(p.anchor or "."))
    if not existing.is_dir():
        raise OSError(f"{folder} is a file, not a folder" if existing == folder else
                      f"cannot create {folder}: {existing} is a file, not a folder")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise OSError(f"cannot write into {existing}: {e.strerror or e}") from None

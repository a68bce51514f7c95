"""Silencing what C++ libraries write straight to the process's stderr (file descriptor 2), which
Python's sys.stderr and logging settings cannot reach."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def c_stderr_silenced() -> Iterator[None]:
    """Send file descriptor 2 to the null device for the block, then restore it. A Python exception
    raised inside is still reported: it propagates after stderr is back."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):        # no real stderr (e.g. a GUI without a console): nothing to hide
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)

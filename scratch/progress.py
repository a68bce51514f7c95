"""A small text progress bar with rate and ETA, for downloads, training and evaluation.

On a terminal it redraws one line in place (at most ten times a second); in a log
file or CI output, where carriage returns make a mess, it prints one line when done.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Track `total` units of work: `update(n)` as it goes, `close(note)` at the end.

    `enabled=False` makes every call a no-op, so callers need no `if verbose:`.
    """

    def __init__(self, total: int, desc: str = "", unit: str = "it", *, enabled: bool = True,
                 stream: TextIO | None = None, width: int = 28) -> None:
        self.total = max(int(total), 0)
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.done = 0
        self.start = time.perf_counter()
        self._last_draw = 0.0
        self._interactive = enabled and _is_terminal(self.stream)

    def update(self, n: int = 1, note: str = "") -> None:
        """Record `n` more units done; redraw if on a terminal and enough time passed."""
        self.done += n
        if self._interactive:
            now = time.perf_counter()
            if now - self._last_draw >= 0.1 or self.done >= self.total:
                self._last_draw = now
                self.stream.write("\r" + self._line(note))
                self.stream.flush()

    def close(self, note: str = "") -> None:
        """Finish the bar with a final line (the only line when not on a terminal)."""
        if not self.enabled:
            return
        end = "\n"
        self.stream.write(("\r" if self._interactive else "") + self._line(note) + end)
        self.stream.flush()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def _line(self, note: str) -> str:
        elapsed = self.elapsed
        rate = self.done / elapsed if elapsed > 0 else 0.0
        frac = self.done / self.total if self.total else 1.0
        filled = int(round(self.width * min(frac, 1.0)))
        bar = "#" * filled + "." * (self.width - filled)
        if self.done < self.total and rate > 0:
            timing = f"ETA {_format_seconds((self.total - self.done) / rate)}"
        else:
            timing = f"{_format_seconds(elapsed)}"
        parts = [f"{self.desc} [{bar}] {self.done}/{self.total} {self.unit}",
                 f"{_format_rate(rate)} {self.unit}/s", timing]
        if note:
            parts.append(note)
        return " | ".join(parts)


def _format_rate(rate: float) -> str:
    return f"{rate / 1e6:.1f}M" if rate >= 1e6 else f"{rate / 1e3:.1f}k" if rate >= 1e4 else f"{rate:.1f}"


def _format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

"""Helpers for the tests that drive the real Tk window (the display fixture itself is in conftest.py)."""

from __future__ import annotations

import time


def pump(root, condition, timeout: float = 30.0) -> None:
    """Run the Tk event loop until `condition()` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the window did not get there in time")
        root.update()
        time.sleep(0.005)

"""Locks for read-modify-write of shared files (the manifest) and for a model's files during a build.

Two builds writing into one folder must not lose each other's manifest entries nor
silently replace each other's model. A lock is an advisory POSIX `fcntl.flock` on a
small `.lock` file beside what it protects; the operating system releases it if the
process dies, so a crashed build never leaves a folder locked. (Without fcntl, on
Windows, locking is skipped.)
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:          # Windows
    fcntl = None


class LockHeld(RuntimeError):
    """Another process holds the lock; the message says what it protects and what to do."""


@contextmanager
def file_lock(lock_path: str | os.PathLike, what: str, *, wait_seconds: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock on `lock_path` for the block, waiting at most `wait_seconds` for it.

    what: what the lock protects, for the message ("the manifest of saved_networks").
    Raises LockHeld if another process still holds it after the wait.
    """
    lock_path = Path(lock_path)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as handle:
        if fcntl is not None:
            deadline = time.monotonic() + wait_seconds
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise LockHeld(f"another process is writing {what} (it holds {lock_path}); "
                                       f"wait for it to finish, or build into another --out folder") from None
                    time.sleep(0.05)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

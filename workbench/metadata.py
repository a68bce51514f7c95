"""Facts recorded with every saved model: library versions and when it was made."""

from __future__ import annotations

import datetime
import platform
from importlib import metadata


def library_versions(*packages: str) -> dict[str, str]:
    """Python's version and each named package's installed version, without importing it.

    (Looking a version up must not import TensorFlow into a process that avoids it.)
    """
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def timestamp() -> str:
    """The current UTC time, ISO 8601, to the second."""
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()

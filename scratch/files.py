"""Files of the library: atomic writes, JSON, checksums, and the facts recorded with a saved model.

Atomic writes: a temporary file in the same folder, then a rename.

A rename within one folder is atomic on every platform we support, so a reader
(the GUI, the registry) sees either the old file or the complete new one, never
half of a model interrupted by Ctrl-C or a full disk.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import numpy as np


class ModelFileError(ValueError):
    """A saved model (or its metadata) is missing, truncated or inconsistent. The message names the file."""


_UMASK = os.umask(0)
os.umask(_UMASK)   # read once: there is no way to read the umask without setting it


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path`.

    The temporary name keeps the suffix of `path` (Keras insists on `.keras`),
    and is removed if the block raises, so nothing half-written is left behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)     # mkstemp makes files private (0600); give the usual permissions
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file for writing that becomes `path` when closed cleanly."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented, human-readable JSON, atomically."""
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default, allow_nan=False)
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def write_npz(path: str | os.PathLike, arrays: Mapping[str, np.ndarray]) -> None:
    """Write named arrays to an uncompressed `.npz`, atomically (no pickled objects)."""
    with atomic_open(path, "wb") as f:
        np.savez(f, **{name: np.asarray(a) for name, a in arrays.items()})


def paired_paths(path: str | os.PathLike, weights_suffix: str) -> tuple[Path, Path]:
    """(json, weights) paths of a saved model named by either file or by their common stem.

    Every model is a readable `.json` beside a weights file (`.npz` for scratch, `.keras` for Keras).
    """
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".json", weights_suffix) else path
    return stem.with_name(stem.name + ".json"), stem.with_name(stem.name + weights_suffix)


def read_json(path: str | os.PathLike, what: str = "JSON file") -> Any:
    """Read a JSON file, turning every failure into one ValueError naming the file.

    `what` says what the file is for ("model metadata", "manifest") so the message
    tells the user which of their files is broken.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{what} {path} cannot be read: {e}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"{what} {path} is not valid JSON (truncated or corrupt?): {e}") from None


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes, read in chunks (model files can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _json_default(obj: Any) -> Any:
    """Let NumPy scalars and arrays, and paths, appear in metadata without ceremony."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")

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

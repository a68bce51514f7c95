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
import math
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
    _check_folder(path)
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
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[Path]]:
    """Yield temporary paths beside several files that must change together (a model's JSON and weights).

    Write and check every temporary inside the block; only if the block succeeds are they renamed over
    the targets, in order. If the block raises, no target is touched. If a rename itself fails part way,
    the targets already replaced are put back from backups, so the old set stays as it was.
    """
    targets = [Path(p) for p in paths]
    temporaries: list[Path] = []
    try:
        for target in targets:
            _check_folder(target)
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=f".tmp{target.suffix}")
            os.close(fd)
            temporaries.append(Path(name))
        yield temporaries
        for tmp in temporaries:
            os.chmod(tmp, 0o666 & ~_UMASK)
        _replace_together(temporaries, targets)
    finally:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)


def _replace_together(temporaries: list[Path], targets: list[Path]) -> None:
    backups: list[tuple[Path, Path | None]] = []
    try:
        for tmp, target in zip(temporaries, targets):
            backup = None
            if target.exists():
                backup = target.with_name(f".{target.name}.{os.getpid()}.bak")
                backup.unlink(missing_ok=True)
                os.link(target, backup)         # a second name for the old file, in case we must put it back
            os.replace(tmp, target)
            backups.append((target, backup))
    except BaseException:
        for target, backup in reversed(backups):
            if backup is not None and backup.exists():
                os.replace(backup, target)
            else:
                target.unlink(missing_ok=True)
        raise
    finally:
        for _, backup in backups:
            if backup is not None:
                backup.unlink(missing_ok=True)


def _check_folder(target: Path) -> None:
    """Say plainly why a file cannot be written into its folder (not the temporary file's name)."""
    folder = target.parent
    for parent in [folder, *folder.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise OSError(f"cannot write {target}: {parent} is a file, not a folder")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OSError(f"cannot write {target}: cannot create the folder {folder}: {e.strerror or e}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OSError(f"cannot write {target}: the folder {folder} is not writable") from None


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", **kwargs: Any) -> Iterator[IO]:
    """Open a temporary file for writing that becomes `path` when closed cleanly."""
    with atomic_path(path) as tmp:
        with open(tmp, mode, **kwargs) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())


def json_text(obj: Any) -> str:
    """`obj` as indented, human-readable JSON. NaN and infinity are refused (JSON has no such numbers):
    a ValueError names the first offending entry."""
    try:
        return json.dumps(obj, indent=2, sort_keys=False, default=_json_default, allow_nan=False) + "\n"
    except ValueError:
        raise ValueError(f"cannot be written as JSON: {_first_non_finite(obj) or 'a value'} is NaN or infinite") \
            from None


def write_json(path: str | os.PathLike, obj: Any) -> None:
    """Write `obj` as indented, human-readable JSON, atomically."""
    text = json_text(obj)
    with atomic_open(path, "w", encoding="utf-8") as f:
        f.write(text)


def _first_non_finite(obj: Any, where: str = "") -> str | None:
    """The path (e.g. "metrics.test_accuracy") of the first NaN or infinite number in nested data."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return where or "the value"
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return None
    for key, value in items:
        found = _first_non_finite(value, f"{where}.{key}" if where else str(key))
        if found:
            return found
    return None


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


def inside_folder(folder: str | os.PathLike, name: object, what: str) -> Path:
    """`folder / name` for a file name read from a file, refusing anything that would leave the folder
    (an absolute path, `..`, a link pointing out) or is not a plain string. Raises ModelFileError."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ModelFileError(f"{what} must be a file name, got {name!r}")
    folder = Path(folder)
    candidate = folder / name
    root = folder.resolve()
    if Path(name).is_absolute() or not candidate.resolve().is_relative_to(root):
        raise ModelFileError(f"{what} {name!r} points outside the folder {folder}; a model may only name files "
                             f"beside it")
    return candidate


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

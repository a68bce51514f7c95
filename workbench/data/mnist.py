"""MNIST: find it, download it if needed, verify it, load it as NumPy arrays.

The four standard files are in LeCun's IDX format: a 4-byte magic number
(two zero bytes, a type code 0x08 for unsigned bytes, the number of dimensions),
one big-endian uint32 per dimension, then the raw bytes. Images are (n, 28, 28)
uint8 with ink high (255); labels are (n,) uint8 digits.

Every file is checked against the SHA-256 of the original *decompressed* file, so
a corrupt, truncated or foreign file is caught here with a message that says
which file and what to do, instead of surfacing later as a bad accuracy or a
reshape error deep inside NumPy.

Run `python -m workbench.data` to fetch, verify and summarise the data set.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import os
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from scratch.files import atomic_path
from scratch.progress import ProgressBar

# SHA-256 of the decompressed original files (the gzip bytes differ between compressors).
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# Public mirrors of the gzipped files, tried in turn (LeCun's own site now often refuses).
MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://yann.lecun.com/exdb/mnist/",
)

# Seconds a mirror may stay silent (to connect, or between two pieces of a download) before the next
# mirror is tried. It bounds each socket operation, not the whole transfer: a slow but steady
# download is never cut off, while a mirror that accepts the connection and never answers costs
# this long once (it is then skipped for the other files).
DOWNLOAD_TIMEOUT = 10.0

VALIDATION_SIZE = 10_000
IMAGE_SHAPE = (28, 28)
_IDX_UBYTE = 0x08


class DatasetError(Exception):
    """MNIST could not be found, downloaded or trusted. The message says which file and how to fix it."""


@dataclass(frozen=True)
class _Part:
    """One of the four files: its standard name, checksum, and whether it holds images or labels."""

    key: str          # attribute name on MnistData
    filename: str     # standard name without .gz
    npz_key: str      # key in Keras's mnist.npz

    @property
    def ndim(self) -> int:
        return 3 if "images" in self.key else 1


PARTS = (
    _Part("train_images", "train-images-idx3-ubyte", "x_train"),
    _Part("train_labels", "train-labels-idx1-ubyte", "y_train"),
    _Part("test_images", "t10k-images-idx3-ubyte", "x_test"),
    _Part("test_labels", "t10k-labels-idx1-ubyte", "y_test"),
)


class Split(NamedTuple):
    """Training and validation arrays (validation is for model selection; the test set is not touched)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    validation_images: np.ndarray
    validation_labels: np.ndarray


@dataclass(frozen=True)
class MnistData:
    """The whole of MNIST as uint8 arrays, and where it was read from."""

    train_images: np.ndarray   # (60000, 28, 28) uint8, ink high
    train_labels: np.ndarray   # (60000,) uint8, digits 0-9
    test_images: np.ndarray    # (10000, 28, 28) uint8
    test_labels: np.ndarray    # (10000,) uint8
    source: Path               # the folder or mnist.npz it came from

    def validation_split(self, n_validation: int = VALIDATION_SIZE) -> Split:
        """The standard 50,000/10,000 split: the last `n_validation` training images validate.

        This is the split of Nielsen's mnist.pkl.gz, so figures are comparable with his book.
        """
        n = len(self.train_images)
        if not 0 < n_validation < n:
            raise ValueError(f"n_validation must be between 1 and {n - 1}, got {n_validation}")
        cut = n - n_validation
        return Split(self.train_images[:cut], self.train_labels[:cut],
                     self.train_images[cut:], self.train_labels[cut:])


def pixels_to_float(images: np.ndarray) -> np.ndarray:
    """uint8 pixels (any shape) -> float32 in [0, 1], the input every model here expects."""
    return np.asarray(images, dtype=np.float32) * np.float32(1 / 255)


def default_cache_dir() -> Path:
    """Where downloads go: $XDG_CACHE_HOME/digit-workbench/mnist, or ~/.cache/digit-workbench/mnist."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "digit-workbench" / "mnist"


def load_mnist(data_dir: str | os.PathLike | None = None, *, download: bool = True) -> MnistData:
    """Load and verify MNIST.

    Looks in `data_dir`, then the folder in $MNIST_DIR, then the user cache
    (`default_cache_dir()`), and if none holds the files and `download` is true,
    downloads them into the cache from the public mirrors. A folder may hold the
    four IDX files (gzipped or not) or Keras's `mnist.npz`.
    Raises DatasetError with a message saying what is wrong and how to fix it.
    """
    searched = []
    for origin, folder in _candidate_folders(data_dir):     # lazily: a later place is checked only if reached
        found = _find_files(folder)
        if found is not None:
            return _load_from(found, folder)
        searched.append(f"{folder} ({origin})")
    cache = default_cache_dir()
    if not download:
        raise DatasetError(_not_found_message(searched, cache, "downloading was turned off"))
    try:
        download_mnist(cache)
    except DatasetError as e:
        raise DatasetError(_not_found_message(searched, cache, str(e))) from None
    return _load_from(_find_files(cache), cache)


def _candidate_folders(data_dir: str | os.PathLike | None) -> Iterator[tuple[str, Path]]:
    """The places to look, in order, with how each was named (for messages).

    A generator, so that each place is checked only when the search reaches it: a stale
    $MNIST_DIR must not stop a `data_dir` that holds MNIST (the argument comes first). A
    place that is reached and is not a folder is an error, not something to skip silently.
    """
    for origin, value in (("the data_dir argument", data_dir), ("$MNIST_DIR", os.environ.get("MNIST_DIR"))):
        if value is None or str(value) == "":
            continue
        folder = Path(value).expanduser()
        if not folder.is_dir():
            raise DatasetError(
                f"{folder} (named by {origin}) is not a folder. Point it at the folder that holds "
                f"the four MNIST files ({', '.join(p.filename + '.gz' for p in PARTS)}) or mnist.npz."
            )
        yield origin, folder
    yield "the user cache", default_cache_dir()


def _find_files(folder: Path) -> dict[str, Path] | Path | None:
    """The four IDX files in `folder` (gzipped or not) as {key: path}, else its mnist.npz, else None.

    A folder with some IDX files but not all is an error, not a silent fallback.
    """
    if not folder.is_dir():
        return None
    found = {}
    for part in PARTS:
        for name in (part.filename + ".gz", part.filename):
            if (folder / name).is_file():
                found[part.key] = folder / name
                break
    if len(found) == len(PARTS):
        return found
    if (folder / "mnist.npz").is_file():
        return folder / "mnist.npz"
    if found:
        missing = [p.filename + ".gz" for p in PARTS if p.key not in found]
        raise DatasetError(
            f"{folder} holds only part of MNIST: {', '.join(missing)} missing. "
            f"Add the missing files, or delete the folder's MNIST files to have them downloaded again."
        )
    return None


def _load_from(found: dict[str, Path] | Path | None, folder: Path) -> MnistData:
    if found is None:
        raise DatasetError(f"{folder}: the MNIST files vanished while loading; try again")
    if isinstance(found, Path):
        arrays = read_mnist_npz(found)
        source = found
    else:
        arrays = {p.key: read_idx(found[p.key], sha256=MNIST_SHA256[p.filename], ndim=p.ndim) for p in PARTS}
        source = folder
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise DatasetError(
                f"{source}: the {split} set has {len(images)} images but {len(labels)} labels; "
                f"the files do not belong together. Replace them with the original MNIST files."
            )
    return MnistData(**arrays, source=source)


def read_idx(path: str | os.PathLike, *, sha256: str | None = None, ndim: int | None = None) -> np.ndarray:
    """Read one IDX file of unsigned bytes (gzipped or not) into a uint8 array.

    Checks the magic number, the header's dimensions against the bytes present,
    that images are 28x28, and, if `sha256` is given, the checksum of the
    decompressed content. Every failure is a DatasetError naming the file.
    """
    path = Path(path)
    raw = _read_maybe_gzipped(path)
    return _parse_idx(raw, path, sha256=sha256, ndim=ndim)


def _read_maybe_gzipped(path: Path) -> bytes:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DatasetError(f"{path}: cannot be read ({e.strerror or e})") from None
    if raw[:2] != b"\x1f\x8b":  # not gzip: an uncompressed IDX file
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as e:
        raise DatasetError(
            f"{path}: the gzip data is truncated or corrupt ({e}). "
            f"Delete the file and download it again."
        ) from None


def _parse_idx(raw: bytes, path: Path, *, sha256: str | None, ndim: int | None) -> np.ndarray:
    fix = "Delete the file and download it again, or replace it with the original MNIST file."
    if len(raw) < 4:
        raise DatasetError(f"{path}: only {len(raw)} bytes, too short for an IDX header; the file is truncated. {fix}")
    zero, dtype_code, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != _IDX_UBYTE or dims not in (1, 3) or (ndim is not None and dims != ndim):
        expected = f"00 00 08 0{ndim}" if ndim else "00 00 08 01 or 00 00 08 03"
        raise DatasetError(
            f"{path}: wrong IDX magic number {raw[:4].hex(' ')} (expected {expected}); "
            f"this is not an MNIST {'image' if ndim == 3 else 'label' if ndim == 1 else 'IDX'} file. {fix}"
        )
    header_size = 4 + 4 * dims
    if len(raw) < header_size:
        raise DatasetError(f"{path}: the IDX header is cut short ({len(raw)} bytes); the file is truncated. {fix}")
    shape = struct.unpack(f">{dims}I", raw[4:header_size])
    if dims == 3 and shape[1:] != IMAGE_SHAPE:
        raise DatasetError(f"{path}: images are {shape[1]}x{shape[2]} pixels, expected 28x28. {fix}")
    expected_bytes = int(np.prod(shape))
    got_bytes = len(raw) - header_size
    if got_bytes < expected_bytes:
        raise DatasetError(
            f"{path}: truncated: the header announces {shape[0]} items ({expected_bytes} bytes of data) "
            f"but only {got_bytes} bytes follow. {fix}"
        )
    if got_bytes > expected_bytes:
        raise DatasetError(f"{path}: {got_bytes - expected_bytes} unexpected bytes after the data. {fix}")
    if sha256 is not None:
        actual = hashlib.sha256(raw).hexdigest()
        if actual != sha256:
            raise DatasetError(
                f"{path}: checksum mismatch: the decompressed content has SHA-256 {actual}, "
                f"expected {sha256}. The file is corrupt or is not the original MNIST. {fix}"
            )
    return np.frombuffer(bytearray(raw), dtype=np.uint8, offset=header_size).reshape(shape)


def read_mnist_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read Keras's `mnist.npz` (x_train, y_train, x_test, y_test), safely and verified.

    Each array is checked by the SHA-256 of the IDX file it would be, so an .npz
    is held to exactly the same standard as the original files.
    """
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {p.key: npz[p.npz_key] for p in PARTS if p.npz_key in npz.files}
            missing = [p.npz_key for p in PARTS if p.npz_key not in npz.files]
    except (OSError, ValueError, EOFError) as e:
        raise DatasetError(f"{path}: not a readable .npz file ({e}). Delete it and download MNIST again.") from None
    if missing:
        raise DatasetError(f"{path}: arrays {', '.join(missing)} missing; this is not Keras's mnist.npz.")
    for part in PARTS:
        array = arrays[part.key]
        if array.dtype != np.uint8 or array.ndim != part.ndim:
            raise DatasetError(
                f"{path}: {part.npz_key} is {array.dtype} with {array.ndim} dimensions, "
                f"expected uint8 with {part.ndim}; this is not Keras's mnist.npz."
            )
        _parse_idx(_idx_bytes(array), path.with_name(f"{path.name}[{part.npz_key}]"),
                   sha256=MNIST_SHA256[part.filename], ndim=part.ndim)
    return arrays


def _idx_bytes(array: np.ndarray) -> bytes:
    """The IDX file an array of unsigned bytes would be (header, then data)."""
    header = struct.pack(">HBB", 0, _IDX_UBYTE, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def download_mnist(folder: str | os.PathLike, mirrors: Sequence[str] | None = None, *,
                   timeout: float = DOWNLOAD_TIMEOUT, progress: bool = True) -> None:
    """Download the four gzipped files into `folder`, trying each mirror (default MIRRORS) in turn.

    Each file is written to a temporary name, verified, and only then renamed
    into place: an interrupted or corrupt download leaves nothing behind.
    `timeout` is in seconds, for each socket operation (see DOWNLOAD_TIMEOUT). With `progress`,
    every attempt is announced on stderr with its URL, and every failure with its reason.
    A mirror that cannot be reached or does not answer is not tried again for the other files;
    one that answers with an HTTP error or a bad file is (the next file may be fine there).
    """
    folder = Path(folder)
    mirrors = MIRRORS if mirrors is None else mirrors
    dead: dict[str, str] = {}              # mirror -> why it was given up (unreachable or silent)
    for part in PARTS:
        target = folder / (part.filename + ".gz")
        if target.exists():
            continue
        failures = []
        for i, mirror in enumerate(mirrors):
            url = mirror.rstrip("/") + "/" + part.filename + ".gz"
            if mirror in dead:
                failures.append(f"  {url}: skipped, {dead[mirror]} earlier")
                continue
            _say(f"fetching {url}", progress)
            try:
                with atomic_path(target) as tmp:
                    _fetch(url, tmp, timeout=timeout, progress=progress)
                    read_idx(tmp, sha256=MNIST_SHA256[part.filename], ndim=part.ndim)
                break
            except (urllib.error.URLError, OSError, http.client.HTTPException, DatasetError) as e:
                reason = _short_reason(e, timeout)
                if _mirror_is_down(e):
                    dead[mirror] = reason
                failures.append(f"  {url}: {reason}")
                _say(f"  {reason}; {'trying the next mirror' if i + 1 < len(mirrors) else 'no mirror left'}", progress)
        else:
            raise DatasetError(f"could not download {part.filename}.gz from any mirror:\n" + "\n".join(failures))


def _say(line: str, enabled: bool) -> None:
    """One line of download progress on stderr (where the progress bars go), when enabled."""
    if enabled:
        print(line, file=sys.stderr, flush=True)


def _fetch(url: str, dest: Path, *, timeout: float, progress: bool) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "digit-workbench"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        size = int(response.headers.get("Content-Length") or 0)
        bar = ProgressBar(size, f"downloading {url.rsplit('/', 1)[-1]}", "B", enabled=progress and size > 0)
        while chunk := response.read(1 << 16):
            out.write(chunk)
            bar.update(len(chunk))
        bar.close()


def _short_reason(error: Exception, timeout: float | None = None) -> str:
    """Why a download failed, in a few words (for the progress lines and the final error)."""
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if _is_timeout(error):
        return f"no answer within {timeout:g} s" if timeout is not None else "no answer (timed out)"
    if isinstance(error, urllib.error.URLError):
        return f"unreachable ({error.reason})"
    return str(error)


def _is_timeout(error: BaseException) -> bool:
    """A socket timeout, raised as is (while reading) or wrapped in a URLError (while connecting)."""
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)


def _mirror_is_down(error: BaseException) -> bool:
    """The mirror itself failed (unreachable, silent, connection dropped), not just this one file."""
    if isinstance(error, (urllib.error.HTTPError, urllib.error.ContentTooShortError)):
        return False                       # it answered: another file may be fine there
    return _is_timeout(error) or isinstance(error, (urllib.error.URLError, ConnectionError))


def _not_found_message(searched: list[str], cache: Path, why_no_download: str) -> str:
    looked = "\n".join(f"  - {s}" for s in searched)
    names = ", ".join(p.filename + ".gz" for p in PARTS)
    return (
        f"MNIST was not found, and could not be downloaded: {why_no_download}\n"
        f"Looked in:\n{looked}\n"
        f"To fix: put the four files ({names}) or Keras's mnist.npz into {cache}, "
        f"or set MNIST_DIR (or pass --data-dir) to a folder that holds them."
    )


def summary(data: MnistData, seconds: float | None = None) -> str:
    """A short human-readable description of a loaded data set: where, how many, per digit."""
    split = data.validation_split()
    lines = [f"MNIST from {data.source} (checksums verified)"]
    if seconds is not None:
        lines[0] += f", loaded in {seconds:.2f} s"
    lines.append(f"{'':12}{'images':>8}  " + " ".join(f"{d:>5}" for d in range(10)))
    for name, labels in (("train", data.train_labels), ("  training", split.train_labels),
                         ("  validation", split.validation_labels), ("test", data.test_labels)):
        counts = np.bincount(labels, minlength=10)
        lines.append(f"{name:12}{len(labels):>8}  " + " ".join(f"{c:>5}" for c in counts))
    lines.append(f"image shape {data.train_images.shape[1:]} {data.train_images.dtype}, "
                 f"pixel range {data.train_images.min()}..{data.train_images.max()}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workbench.data", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder holding the MNIST files (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--no-download", action="store_true", help="fail instead of downloading")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        data = load_mnist(args.data_dir, download=not args.no_download)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # 130 = 128 + SIGINT, what a shell reports for Ctrl-C. Nothing half-written is left: a download
        # in progress goes to a temporary file that is removed; verified files are kept for next time.
        print("\ninterrupted while loading MNIST; run it again to carry on", file=sys.stderr)
        return 130
    print(summary(data, time.perf_counter() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())

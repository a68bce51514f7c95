"""Saving and loading scratch models (Network and Sequential) without pickle.

A model is two files side by side:

- `name.json`: everything a person wants to read (the architecture: sizes and
  activations, or the list of layers with their settings; cost, hyperparameters,
  history, metrics, library versions), and the SHA-256 of
- `name.npz`: the arrays. For a Network the weights W1..WL and biases b1..bL; for a
  Sequential model every layer's arrays named "layer/array" ("conv_1/kernel",
  "norm_1/moving_mean", ...), the names of Keras's variables. Loaded with
  allow_pickle=False, so opening a model file can never run code.

The two are written together: both go to temporary files and are checked (the JSON
refuses NaN and infinity) before either replaces the old pair, so a failed or
interrupted save leaves the previous model exactly as it was.

Loading checks before it allocates: the shapes the JSON declares are compared
with the array headers inside the .npz (a few bytes each, read without the data),
so a 3 KB JSON that declares a layer of 30 million units is refused with a clear
message instead of allocating gigabytes, and no model is built from a file pair
that disagrees.
"""

from __future__ import annotations

import math
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.lib import format as npy_format

from scratch import checks
from scratch.files import (ModelFileError, atomic_paths, file_sha256, json_text, library_versions, paired_paths,
                           read_json, timestamp)
from scratch.history import History
from scratch.layers import layer_from_dict
from scratch.network import Network
from scratch.sequential import Sequential

FORMAT = "digit-workbench/scratch-network"
SEQUENTIAL_FORMAT = "digit-workbench/scratch-sequential"
FORMAT_VERSION = 1

Model = Network | Sequential


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(json, npz) paths for a model named by either file or by their common stem."""
    return paired_paths(path, ".npz")


# --- saving ---------------------------------------------------------------------------------------

def save(model: Model, path: str | os.PathLike) -> Path:
    """Write the model's .json and .npz; returns the .json path."""
    json_path, npz_path = model_paths(path)
    if isinstance(model, Sequential):
        arrays = sequential_arrays(model)
        file_format, architecture = SEQUENTIAL_FORMAT, {
            "summary": model.describe(),
            "input_shape": list(model.input_shape),
            "layers": [layer.to_dict() for layer in model.layers],
            "cost": model.cost.name,
            "dtype": model.dtype.name,
            "parameter_count": model.parameter_count,
        }
    else:
        arrays = network_arrays(model)
        file_format, architecture = FORMAT, {
            "summary": model.describe(),
            "sizes": model.sizes,
            "activations": [a.to_dict() for a in model.activations],
            "cost": model.cost.name,
            "init": model.init,
            "dropout_input": model.dropout_input,
            "dropout_hidden": model.dropout_hidden,
            "max_norm": model.max_norm,
            "dtype": model.dtype.name,
            "parameter_count": model.parameter_count,
        }
    with atomic_paths(npz_path, json_path) as (npz_tmp, json_tmp):
        with open(npz_tmp, "wb") as f:
            np.savez(f, **arrays)
        document = _document(model, file_format, architecture, npz_path.name, file_sha256(npz_tmp))
        json_tmp.write_text(json_text(document), encoding="utf-8")   # refuses NaN before anything is renamed
    return json_path


def _document(model: Model, file_format: str, architecture: dict, npz_name: str, npz_sha256: str) -> dict:
    """The JSON of a saved model: its metadata, architecture, training record and the weights' checksum."""
    return {
        **model.metadata,
        "format": file_format,
        "format_version": FORMAT_VERSION,
        "framework": "scratch",
        "architecture": architecture,
        "seed": model.seed,
        "hyperparameters": model.hyperparameters_,
        "history": model.history_.to_dict() if model.history_ is not None else None,
        "versions": library_versions("numpy"),
        "saved_at": timestamp(),
        "model_file": {"file": npz_name, "sha256": npz_sha256},
    }


def network_arrays(net: Network) -> dict[str, np.ndarray]:
    """A Network's arrays by their names in the .npz: W1, b1, W2, b2, ..."""
    arrays = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    return arrays


def sequential_arrays(net: Sequential) -> dict[str, np.ndarray]:
    """A Sequential model's arrays by their names in the .npz: "conv_1/kernel", "norm_1/moving_mean", ..."""
    return {f"{layer.name}/{name}": array for layer in net.layers for name, array in layer.arrays().items()}


# --- loading --------------------------------------------------------------------------------------

def load(path: str | os.PathLike) -> Model:
    """Read a model saved by `save`: a Network or a Sequential, as the JSON's "format" says.

    Raises ModelFileError naming the file and the problem.
    """
    json_path, _ = model_paths(path)
    try:
        document = read_json(json_path, "model file")
    except (FileNotFoundError, ValueError) as e:
        raise ModelFileError(str(e)) from None
    found = document.get("format") if isinstance(document, dict) else type(document).__name__
    if found == FORMAT:
        expected, build, mismatch = _network_plan(document, json_path)
    elif found == SEQUENTIAL_FORMAT:
        expected, build, mismatch = _sequential_plan(document, json_path)
    else:
        raise ModelFileError(f"{json_path}: not a scratch network file (format {found!r}, expected {FORMAT!r} "
                             f"or {SEQUENTIAL_FORMAT!r})")
    npz_path = _weights_file(document, json_path)
    _check_headers(npz_path, expected, mismatch)      # before anything is allocated
    model = build()
    targets = sequential_arrays(model) if isinstance(model, Sequential) else network_arrays(model)
    _read_arrays(npz_path, targets)
    if isinstance(document.get("history"), dict):
        try:
            model.history_ = History.from_dict(document["history"])
        except TypeError as e:
            raise ModelFileError(f"{json_path}: invalid training history: {e}") from None
    hyperparameters = document.get("hyperparameters")
    model.hyperparameters_ = hyperparameters if isinstance(hyperparameters, dict) else {}
    model.metadata = document
    return model


Plan = tuple[dict[str, tuple[int, ...]], Callable[[], Model], str]   # expected shapes, builder, what they come from


def _network_plan(document: dict, json_path: Path) -> Plan:
    """The shapes a Network's JSON declares, and how to build it (only once the .npz agrees)."""
    arch = _architecture(document, json_path)
    with _invalid_architecture(json_path):
        sizes = checks.layer_sizes(arch["sizes"])
    expected = {}
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        expected[f"W{i}"], expected[f"b{i}"] = (n_in, n_out), (n_out,)

    def build() -> Network:
        with _invalid_architecture(json_path):
            return Network(
                sizes, activations=arch["activations"], cost=arch["cost"],
                init=arch.get("init", "normal_scaled"), seed=document.get("seed", 0),
                dropout_input=arch.get("dropout_input", 0.0), dropout_hidden=arch.get("dropout_hidden", 0.0),
                max_norm=arch.get("max_norm"), dtype=arch.get("dtype", "float32"),
            )

    return expected, build, f"sizes {sizes}"


def _sequential_plan(document: dict, json_path: Path) -> Plan:
    """The shapes a Sequential model's JSON declares (from its layers' settings alone), and how to build it."""
    arch = _architecture(document, json_path)
    with _invalid_architecture(json_path):
        specs = arch["layers"]
        if not isinstance(specs, list):
            raise ValueError(f"'layers' must be a list, got {type(specs).__name__}")
        expected = Sequential.array_shapes([layer_from_dict(spec) for spec in specs], arch["input_shape"])

    def build() -> Sequential:
        with _invalid_architecture(json_path):
            return Sequential([layer_from_dict(spec) for spec in specs], cost=arch["cost"],
                              input_shape=arch["input_shape"], seed=document.get("seed", 0),
                              dtype=arch.get("dtype", "float32"))

    return expected, build, f"the layers in {json_path.name}"


def _architecture(document: dict, json_path: Path) -> dict:
    arch = document.get("architecture")
    if not isinstance(arch, dict):
        raise ModelFileError(f"{json_path}: invalid architecture: the 'architecture' section is missing")
    return arch


class _invalid_architecture:
    """Turn the errors of reading an architecture into one ModelFileError naming the JSON file."""

    def __init__(self, json_path: Path) -> None:
        self.json_path = json_path

    def __enter__(self) -> None:
        pass

    def __exit__(self, kind, error, traceback) -> bool:
        if kind is KeyError:
            raise ModelFileError(f"{self.json_path}: the architecture has no {error.args[0]!r} entry") from None
        if kind is not None and issubclass(kind, (ValueError, TypeError)) and not issubclass(kind, ModelFileError):
            raise ModelFileError(f"{self.json_path}: invalid architecture: {error}") from None
        return False


def _weights_file(document: dict, json_path: Path) -> Path:
    """The .npz the JSON names, checked to exist and to be the one saved with it (SHA-256)."""
    info = document.get("model_file") or {}
    if not isinstance(info, dict):
        raise ModelFileError(f"{json_path}: 'model_file' must be an object naming the weights file")
    name = info.get("file", json_path.with_suffix(".npz").name)
    if not isinstance(name, str) or not name or Path(name).name != name:
        raise ModelFileError(f"{json_path}: the weights file {name!r} is not a file name beside it")
    npz_path = json_path.with_name(name)
    try:
        if not npz_path.is_file():
            raise ModelFileError(f"{npz_path}: the weights file of {json_path.name} is missing")
        sha = file_sha256(npz_path) if info.get("sha256") else None
    except OSError as e:
        raise ModelFileError(f"{npz_path}: the weights file of {json_path.name} cannot be read: {e}") from None
    if sha is not None and sha != info["sha256"]:
        raise ModelFileError(
            f"{npz_path}: does not match {json_path.name} (its SHA-256 differs from the one recorded "
            f"at saving): the two files come from different saves, or the weights were changed"
        )
    return npz_path


def read_array_headers(npz_path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype, int]]:
    """For each array of an .npz: (shape, dtype, bytes of data present), from the .npy headers only.

    An .npz is a zip of .npy files, each a magic string, a small header (a Python dict literal
    giving dtype, shape and order) and the raw data. Reading the header costs a few hundred bytes.
    """
    headers = {}
    try:
        with zipfile.ZipFile(npz_path) as archive:
            for info in archive.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as f:
                    version = npy_format.read_magic(f)
                    if version == (1, 0):
                        shape, _, dtype = npy_format.read_array_header_1_0(f)
                    elif version == (2, 0):
                        shape, _, dtype = npy_format.read_array_header_2_0(f)
                    else:
                        raise ValueError(f"{info.filename} has .npy format version {version}, expected 1.0 or 2.0")
                    headers[info.filename[:-4]] = (tuple(shape), dtype, info.file_size - f.tell())
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ModelFileError(f"{npz_path}: not a readable weights file (truncated or corrupt?): {e}") from None
    return headers


def _check_headers(npz_path: Path, expected: dict[str, tuple[int, ...]], declared_by: str) -> None:
    """Every array the JSON implies is in the .npz, of floats, of the right shape, with all its data."""
    headers = read_array_headers(npz_path)
    for name, shape in expected.items():
        if name not in headers:
            raise ModelFileError(f"{npz_path}: array {name} is missing")
        found, dtype, present = headers[name]
        if dtype.hasobject:
            raise ModelFileError(f"{npz_path}: {name} has dtype object (pickled Python objects), expected floats")
        if dtype.kind != "f":
            raise ModelFileError(f"{npz_path}: {name} has dtype {dtype}, expected floats")
        if found != shape:
            raise ModelFileError(f"{npz_path}: {name} has shape {found}, but {declared_by} need {shape}")
        if present < math.prod(shape) * dtype.itemsize:
            raise ModelFileError(f"{npz_path}: {name} is truncated ({present} bytes of data for shape {shape})")
    extra = sorted(set(headers) - set(expected))
    if extra:
        raise ModelFileError(f"{npz_path}: holds arrays that {declared_by} do not have: {', '.join(extra)}")


def _read_arrays(npz_path: Path, targets: dict[str, np.ndarray]) -> None:
    """Copy each array of the .npz into the model's array of the same name (headers already checked)."""
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            for name, target in targets.items():
                array = npz[name]
                if not np.isfinite(array).all():
                    raise ModelFileError(f"{npz_path}: {name} contains NaN or infinite values")
                np.copyto(target, array)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        if isinstance(e, ModelFileError):
            raise
        raise ModelFileError(f"{npz_path}: not a readable weights file (truncated or corrupt?): {e}") from None

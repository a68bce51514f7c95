"""Saving and loading networks without pickle.

A network is two files side by side:

- `name.json`: everything a person wants to read (sizes, activations, cost,
  hyperparameters, history, metrics, library versions), and the SHA-256 of
- `name.npz`: the weights W1..WL and biases b1..bL, loaded with allow_pickle=False,
  so opening a model file can never run code.

Both are written atomically, weights first: an interrupted save leaves the old
pair intact, or a JSON whose recorded checksum exposes a mismatched weights file.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from scratch.network import Network
from scratch.history import History
from scratch.files import (ModelFileError, file_sha256, library_versions, paired_paths, read_json, timestamp,
                           write_json, write_npz)

FORMAT = "digit-workbench/scratch-network"
FORMAT_VERSION = 1


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(json, npz) paths for a model named by either file or by their common stem."""
    return paired_paths(path, ".npz")


def save(net: Network, path: str | os.PathLike) -> Path:
    """Write the network's .json and .npz; returns the .json path."""
    json_path, npz_path = model_paths(path)
    arrays = {}
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        arrays[f"W{i}"], arrays[f"b{i}"] = w, b
    write_npz(npz_path, arrays)
    document = {
        **net.metadata,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "framework": "scratch",
        "architecture": {
            "summary": net.describe(),
            "sizes": net.sizes,
            "activations": [a.to_dict() for a in net.activations],
            "cost": net.cost.name,
            "init": net.init,
            "dropout_input": net.dropout_input,
            "dropout_hidden": net.dropout_hidden,
            "max_norm": net.max_norm,
            "dtype": net.dtype.name,
            "parameter_count": net.parameter_count,
        },
        "seed": net.seed,
        "hyperparameters": net.hyperparameters_,
        "history": net.history_.to_dict() if net.history_ is not None else None,
        "versions": library_versions("numpy"),
        "saved_at": timestamp(),
        "model_file": {"file": npz_path.name, "sha256": file_sha256(npz_path)},
    }
    write_json(json_path, document)
    return json_path


def load(path: str | os.PathLike) -> Network:
    """Read a network saved by `save`. Raises ModelFileError naming the file and the problem."""
    json_path, _ = model_paths(path)
    try:
        document = read_json(json_path, "model file")
    except (FileNotFoundError, ValueError) as e:
        raise ModelFileError(str(e)) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{json_path}: not a scratch network file (format {found!r}, expected {FORMAT!r})")
    net = _network_from(document, json_path)
    _load_weights(net, document, json_path)
    if document.get("history"):
        net.history_ = History.from_dict(document["history"])
    net.hyperparameters_ = document.get("hyperparameters") or {}
    net.metadata = document
    return net


def _network_from(document: dict, json_path: Path) -> Network:
    arch = document.get("architecture")
    try:
        if not isinstance(arch, dict):
            raise ValueError("the 'architecture' section is missing")
        return Network(
            arch["sizes"], activations=arch["activations"], cost=arch["cost"],
            init=arch.get("init", "normal_scaled"), seed=document.get("seed", 0), dropout_input=arch.get("dropout_input", 0.0),
            dropout_hidden=arch.get("dropout_hidden", 0.0), max_norm=arch.get("max_norm"),
            dtype=arch.get("dtype", "float32"),
        )
    except KeyError as e:
        raise ModelFileError(f"{json_path}: the architecture has no {e.args[0]!r} entry") from None
    except (ValueError, TypeError) as e:
        raise ModelFileError(f"{json_path}: invalid architecture: {e}") from None


def _load_weights(net: Network, document: dict, json_path: Path) -> None:
    info = document.get("model_file") or {}
    npz_path = json_path.with_name(str(info.get("file", json_path.with_suffix(".npz").name)))
    if not npz_path.is_file():
        raise ModelFileError(f"{npz_path}: the weights file of {json_path.name} is missing")
    expected_sha = info.get("sha256")
    if expected_sha and file_sha256(npz_path) != expected_sha:
        raise ModelFileError(
            f"{npz_path}: does not match {json_path.name} (its SHA-256 differs from the one recorded "
            f"at saving): the two files come from different saves, or the weights were changed"
        )
    try:
        with np.load(npz_path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise ModelFileError(f"{npz_path}: not a readable weights file (truncated or corrupt?): {e}") from None
    for i, (w, b) in enumerate(zip(net.weights, net.biases), start=1):
        for name, target in ((f"W{i}", w), (f"b{i}", b)):
            if name not in arrays:
                raise ModelFileError(f"{npz_path}: array {name} is missing")
            array = arrays[name]
            if array.shape != target.shape:
                raise ModelFileError(
                    f"{npz_path}: {name} has shape {array.shape}, but sizes {net.sizes} need {target.shape}"
                )
            if array.dtype.kind != "f":
                raise ModelFileError(f"{npz_path}: {name} has dtype {array.dtype}, expected floats")
            if not np.isfinite(array).all():
                raise ModelFileError(f"{npz_path}: {name} contains NaN or infinite values")
            np.copyto(target, array)


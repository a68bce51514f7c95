"""Saving and loading Keras models: the native `.keras` file plus the workbench's JSON metadata.

`name.keras` holds the model; `name.json` the same human-readable metadata the
scratch networks write (architecture, hyperparameters, history, metrics,
versions) and the SHA-256 of the .keras file. The two are written together (both
to temporaries, then renamed), and loading uses Keras's safe mode, so a model file cannot run code.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import keras
import numpy as np

from tf_models.models import parameter_count
from scratch.files import (ModelFileError, atomic_paths, file_sha256, inside_folder, json_text, library_versions,
                           paired_paths, read_json, timestamp)

FORMAT = "digit-workbench/keras-model"
FORMAT_VERSION = 2   # 2: the workbench's one metadata schema (see workbench.models.metadata)


def model_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """(json, keras) paths for a model named by either file or their common stem."""
    return paired_paths(path, ".keras")


def describe(model: keras.Model) -> dict:
    """The architecture as data: a one-line summary and each layer's type and settings."""
    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        config = layer.get_config()
        entry = {"name": layer.name, "type": type(layer).__name__}
        for key in ("units", "filters", "kernel_size", "pool_size", "rate", "activation", "target_shape"):
            if key in config:
                entry[key] = config[key]
        constraint = config.get("kernel_constraint")
        if constraint:
            entry["kernel_constraint"] = {"type": constraint.get("class_name"), **constraint.get("config", {})}
        layers.append(entry)
    parts = [str(e.get("units") or e.get("filters") or "") + e["type"].lower() for e in layers
             if e["type"] in ("Dense", "Conv2D")]
    return {"summary": f"{model.name}: " + " - ".join(parts), "layers": layers,
            "parameter_count": parameter_count(model)}


def save(model: keras.Model, path: str | os.PathLike, metadata: dict | None = None) -> Path:
    """Write `model` as .keras and its metadata as .json, together: both are written to temporaries and
    checked first, so a failure (an unwritable value, a full disk) leaves any earlier pair as it was.

    metadata: what the caller records (name, recipe, training, history, metrics...); this function adds
    the format, the architecture, library versions, the time and the checksum of the .keras file.
    Returns the .json path.
    """
    json_path, keras_path = model_paths(path)
    with atomic_paths(keras_path, json_path) as (keras_tmp, json_tmp):
        model.save(keras_tmp)
        document = {
            **(metadata or {}),
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "framework": "tensorflow",
            "architecture": describe(model),
            "versions": library_versions("tensorflow", "keras", "numpy"),
            "saved_at": timestamp(),
            "model_file": {"file": keras_path.name, "sha256": file_sha256(keras_tmp)},
        }
        json_tmp.write_text(json_text(document), encoding="utf-8")
    return json_path


def load(path: str | os.PathLike) -> tuple[keras.Model, dict]:
    """(model, metadata) for a model saved by `save`, or for a bare .keras file (minimal metadata).

    Raises ModelFileError naming the file and the problem.
    """
    json_path, keras_path = model_paths(path)
    if Path(path).suffix == ".keras" and not json_path.exists():
        return _load_keras_file(keras_path), {"name": keras_path.stem, "framework": "tensorflow",
                                              "format": FORMAT, "format_version": FORMAT_VERSION}
    try:
        document = read_json(json_path, "model file")
    except (FileNotFoundError, ValueError) as e:
        raise ModelFileError(str(e)) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{json_path}: not a Keras model file of the workbench (format {found!r})")
    info = document.get("model_file")
    info = info if isinstance(info, dict) else {}
    keras_path = inside_folder(json_path.parent, info.get("file", keras_path.name), f"{json_path}: model_file.file")
    if not keras_path.is_file():
        raise ModelFileError(f"{keras_path}: the model file of {json_path.name} is missing")
    if info.get("sha256") and file_sha256(keras_path) != info["sha256"]:
        raise ModelFileError(
            f"{keras_path}: does not match {json_path.name} (its SHA-256 differs from the one recorded "
            f"at saving): the two files come from different saves, or the model was changed"
        )
    return _load_keras_file(keras_path), document


def _load_keras_file(keras_path: Path) -> keras.Model:
    """Keras's loader in safe mode (no arbitrary code), without the training configuration."""
    if not keras_path.is_file():
        raise ModelFileError(f"{keras_path}: no such model file")
    if not zipfile.is_zipfile(keras_path):
        raise ModelFileError(f"{keras_path}: {_why_not_an_archive(keras_path)}")
    _check_declared_sizes(keras_path)
    try:
        model = keras.saving.load_model(keras_path, compile=False, safe_mode=True)
    except Exception as e:   # Keras raises many types for a damaged archive; all mean the same here
        raise ModelFileError(f"{keras_path}: cannot be loaded (truncated or corrupt?): {type(e).__name__}: {e}") \
            from None
    for weight in model.weights:
        values = keras.ops.convert_to_numpy(weight)
        if not np.isfinite(values).all():
            raise ModelFileError(f"{keras_path}: the weights {weight.path} contain NaN or infinite values "
                                 f"(training diverged before this was saved?); retrain the model")
    return model


def _why_not_an_archive(path: Path) -> str:
    """Why a file named .keras is not a zip archive, in the user's terms."""
    with open(path, "rb") as f:
        head = f.read(4)
    if not head:
        return "the file is empty, not a Keras model"
    if head.startswith(b"PK"):
        return "cannot be loaded (truncated or corrupt?): the zip archive is incomplete"
    return "not a Keras model: a .keras file is a zip archive, this one holds other data (text?)"


def _check_declared_sizes(path: Path) -> None:
    """Refuse an archive whose architecture declares more units than its weights file could hold, before
    Keras builds the model: a hand-edited config with a layer of a million units would otherwise allocate
    gigabytes (and seconds) only to fail on the weights. Every Dense unit or convolution filter needs at
    least one 4-byte weight, so their sum bounds the weights file's size from below."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: info for info in archive.infolist()}
            config_info = members.get("config.json")
            if config_info is None or config_info.file_size > 16 * 1024 * 1024:
                raise ModelFileError(f"{path}: not a Keras model archive (no usable config.json)")
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, OSError, ValueError, UnicodeDecodeError) as e:
        if isinstance(e, ModelFileError):
            raise
        raise ModelFileError(f"{path}: cannot be loaded (truncated or corrupt?): {e}") from None
    weights_bytes = sum(info.file_size for name, info in members.items() if name.endswith(".h5"))
    declared = 0
    for size in _declared_sizes(config):
        if isinstance(size, bool) or not isinstance(size, int) or not 0 < size < 10 ** 8:
            raise ModelFileError(f"{path}: its architecture declares a layer of {size!r} units; not a valid size")
        declared += size
    if declared * 4 > weights_bytes + 1024:
        raise ModelFileError(f"{path}: its architecture declares {declared:,} units, more than its "
                             f"{weights_bytes:,}-byte weights file can hold: the two do not belong together")


def _declared_sizes(node) -> list:
    """Every "units" and "filters" value anywhere in a Keras config."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("units", "filters"):
                found.append(value)
            else:
                found.extend(_declared_sizes(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_declared_sizes(value))
    return found

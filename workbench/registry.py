"""The model registry: the one way the GUI, the comparison report and the tests find and load models.

    available_models("saved_networks")   -> [ModelInfo, ...]  what is there (no model is loaded)
    load_model("keras-cnn")              -> Classifier       by name, or by the path of its .json
    load_all("saved_networks")           -> (classifiers, problems)   every model; failures reported per model

Every classifier has `name`, `framework` ("scratch" or "tensorflow"), `metadata`
(its JSON) and `predict_proba(images)`: float32 (n, 28, 28) in [0, 1] -> (n, 10).

TensorFlow is imported only when a Keras model is loaded. Without it, scratch
models load as usual and each Keras model reports "TensorFlow is not installed".
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scratch.files import ModelFileError, read_json, timestamp, write_json

DEFAULT_FOLDER = Path("saved_networks")
MANIFEST = "manifest.json"
FORMATS = {"digit-workbench/scratch-network": "scratch", "digit-workbench/keras-model": "tensorflow"}


class ModelUnavailable(Exception):
    """A model cannot be used here; the message says which and why (missing, corrupt, no TensorFlow...)."""


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows of a model without loading it."""

    name: str
    framework: str              # "scratch" or "tensorflow"
    path: Path                  # its .json
    summary: str = ""           # e.g. "784-800-800-10, relu/relu/softmax, cross_entropy"
    test_accuracy: float | None = None

    @property
    def label(self) -> str:
        """How a chooser shows it: name, framework and test accuracy."""
        accuracy = f", {self.test_accuracy:.2%}" if self.test_accuracy is not None else ""
        return f"{self.name} ({self.framework}{accuracy})"


def tensorflow_installed() -> bool:
    """Whether TensorFlow can be imported, found out without importing it (which takes seconds)."""
    try:
        return importlib.util.find_spec("tensorflow") is not None
    except (ImportError, ValueError):    # a broken install, or an import hook refusing it
        return False


def available_models(folder: str | os.PathLike = DEFAULT_FOLDER) -> list[ModelInfo]:
    """The models in `folder`: those the manifest lists, then any other model .json found there
    (models added by hand). A missing or damaged manifest is not an error: the folder is scanned."""
    folder = Path(folder)
    found: dict[str, ModelInfo] = {}
    for entry in _manifest_entries(folder):
        try:
            info = ModelInfo(name=str(entry["name"]), framework=str(entry["framework"]),
                             path=folder / str(entry["file"]), summary=str(entry.get("summary", "")),
                             test_accuracy=_float_or_none(entry.get("test_accuracy")))
        except (KeyError, TypeError):
            continue
        found.setdefault(info.name, info)
    listed = {info.path.resolve() for info in found.values()}
    candidates = sorted(folder.glob("*.json")) + sorted(folder.glob("*.keras")) if folder.is_dir() else []
    for path in candidates:
        if path.name == MANIFEST or path.resolve() in listed or path.with_suffix(".json").resolve() in listed:
            continue
        if path.suffix == ".keras" and path.with_suffix(".json").exists():
            continue   # its .json describes it
        info = _info_from_file(path)
        listed.add(path.resolve())
        found.setdefault(info.name, info)
    return list(found.values())


def load_model(name_or_path: str | os.PathLike, folder: str | os.PathLike = DEFAULT_FOLDER) -> Classifier:
    """A classifier by model name (as listed by available_models) or by the path of its .json.

    Raises ModelUnavailable with a message that names the model and says what is wrong.
    """
    path = Path(name_or_path)
    if path.suffix in (".json", ".keras") or path.exists():
        if not path.is_file():
            raise ModelUnavailable(f"{path}: no such model file")
        info = _info_from_file(path)
    else:
        models = {m.name: m for m in available_models(folder)}
        if str(name_or_path) not in models:
            known = ", ".join(models) or "none"
            raise ModelUnavailable(f"no model named {name_or_path!r} in {folder} (available: {known})")
        info = models[str(name_or_path)]
    return _load(info)


def load_all(folder: str | os.PathLike = DEFAULT_FOLDER, names: list[str] | None = None,
             frameworks: tuple[str, ...] = ("scratch", "tensorflow")) -> tuple[list[Classifier], dict[str, str]]:
    """Load every model of `folder` (or those named); returns (classifiers, {name: why it failed}).

    Files that are not usable models at all (corrupt JSON, a foreign format) are among the failures.
    """
    listed = available_models(folder)
    infos = [m for m in listed if m.framework in frameworks]
    problems: dict[str, str] = {m.name: m.summary for m in listed if m.framework == "unknown"
                                and (names is None or m.name in names)}
    if names is not None:
        known = {m.name for m in infos}
        problems.update({n: f"no model named {n!r} in {folder}" for n in names if n not in known})
        infos = [m for m in infos if m.name in names]
    loaded = []
    for info in infos:
        try:
            loaded.append(_load(info))
        except ModelUnavailable as e:
            problems[info.name] = str(e)
    return loaded, problems


def update_manifest(folder: str | os.PathLike, entry: dict) -> None:
    """Add or replace (by name) one model's entry in `folder`/manifest.json, atomically.

    entry: at least name, framework and file (its .json, relative to the folder); headline
    figures such as test_accuracy and training_seconds as the builder measured them.
    """
    missing = {"name", "framework", "file"} - entry.keys()
    if missing:
        raise ValueError(f"a manifest entry needs {', '.join(sorted(missing))}")
    folder = Path(folder)
    entries = _manifest_entries(folder)
    names = [e.get("name") for e in entries]
    if entry["name"] in names:              # a rebuilt model keeps its place in the list
        entries[names.index(entry["name"])] = entry
    else:
        entries.append(entry)
    write_json(folder / MANIFEST, {"format": "digit-workbench/manifest", "updated_at": timestamp(),
                                   "models": entries})


# --- classifiers --------------------------------------------------------------------------------

class Classifier:
    """A trained model behind one small interface, whatever framework made it."""

    def __init__(self, name: str, framework: str, metadata: dict, path: Path) -> None:
        self.name, self.framework, self.metadata, self.path = name, framework, metadata, path

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """float32 (n, 28, 28) in [0, 1] -> output activations (n, 10)."""
        return self._predict(check_images(images))

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The predicted digit of each image, (n,)."""
        return self.predict_proba(images).argmax(axis=1)

    def imagine(self, digit: int) -> np.ndarray:
        """What the model thinks `digit` looks like, (28, 28) float32 in [0, 1]."""
        raise NotImplementedError

    @property
    def test_accuracy(self) -> float | None:
        return _float_or_none((self.metadata.get("metrics") or {}).get("test_accuracy"))

    @property
    def summary(self) -> str:
        return str((self.metadata.get("architecture") or {}).get("summary", ""))

    def _predict(self, images: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class ScratchClassifier(Classifier):
    def __init__(self, network: Any, metadata: dict, path: Path) -> None:
        super().__init__(str(metadata.get("name", path.stem)), "scratch", metadata, path)
        self.network = network

    def _predict(self, images):
        return self.network.predict_proba(images)

    def imagine(self, digit: int) -> np.ndarray:
        import scratch
        return scratch.imagine(self.network, digit)


class KerasClassifier(Classifier):
    # Below this many images a direct call beats model.predict, whose set-up costs tens of ms.
    DIRECT_CALL_LIMIT = 512

    def __init__(self, model: Any, metadata: dict, path: Path) -> None:
        super().__init__(str(metadata.get("name", path.stem)), "tensorflow", metadata, path)
        self.model = model
        # The workbench's models take (28, 28); a model added by hand may want (784,) or (28, 28, 1).
        self.input_shape = tuple(model.input_shape[1:])
        if self.input_shape not in ((28, 28), (784,), (28, 28, 1)) or tuple(model.output_shape[1:]) != (10,):
            raise ModelUnavailable(f"{self.name}: takes input {model.input_shape} and gives {model.output_shape}; "
                                   f"the workbench needs 28x28 images in and 10 digit outputs out")

    def _predict(self, images):
        images = images.reshape((len(images),) + self.input_shape)
        if len(images) <= self.DIRECT_CALL_LIMIT:
            return np.asarray(self.model(images, training=False), dtype=np.float32)
        return self.model.predict(images, batch_size=1000, verbose=0).astype(np.float32, copy=False)

    def imagine(self, digit: int) -> np.ndarray:
        from tf_models.imagine import imagine
        return imagine(self.model, digit)


def check_images(images: np.ndarray) -> np.ndarray:
    """Validate what predict_proba takes: floats (n, 28, 28) in [0, 1] -> contiguous float32."""
    images = np.asarray(images)
    if images.dtype.kind != "f":
        raise ValueError(f"images must be floats in [0, 1], got dtype {images.dtype}"
                         + (" (divide uint8 pixels by 255)" if images.dtype.kind in "ui" else ""))
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"images must have shape (n, 28, 28), got {images.shape}"
                         + ("; for one image use image[None]" if images.shape == (28, 28) else ""))
    if images.size and not (np.isfinite(images).all() and images.min() >= 0 and images.max() <= 1):
        raise ValueError("images must hold finite values in [0, 1]")
    return np.ascontiguousarray(images, dtype=np.float32)


# --- internals ----------------------------------------------------------------------------------

def _load(info: ModelInfo) -> Classifier:
    if info.framework == "scratch":
        import scratch
        try:
            network = scratch.load(info.path)
        except ModelFileError as e:
            raise ModelUnavailable(f"{info.name}: {e}") from None
        return ScratchClassifier(network, network.metadata, info.path)
    if info.framework == "tensorflow":
        if not tensorflow_installed():
            raise ModelUnavailable(f"{info.name}: TensorFlow is not installed (pip install tensorflow), "
                                   f"so this Keras model cannot be used")
        import tf_models
        try:
            model, metadata = tf_models.load(info.path)
        except ModelFileError as e:
            raise ModelUnavailable(f"{info.name}: {e}") from None
        return KerasClassifier(model, metadata, info.path)
    raise ModelUnavailable(f"{info.name}: {info.summary or 'not a model of the workbench'}")


def _manifest_entries(folder: Path) -> list[dict]:
    try:
        manifest = read_json(folder / MANIFEST, "manifest")
    except (FileNotFoundError, ValueError):
        return []
    models = manifest.get("models") if isinstance(manifest, dict) else None
    return [m for m in models if isinstance(m, dict)] if isinstance(models, list) else []


def _info_from_file(path: Path) -> ModelInfo:
    """What a model file says of itself. A file that cannot be used is still listed, with
    framework "unknown" and the reason as its summary, so the user sees why it is not offered."""
    if path.suffix == ".keras":    # a Keras model saved by hand, without the workbench's metadata
        return ModelInfo(name=path.stem, framework="tensorflow", path=path, summary="Keras model (no metadata)")
    try:
        document = read_json(path, "model file")
    except (FileNotFoundError, ValueError) as e:
        return ModelInfo(name=path.stem, framework="unknown", path=path, summary=str(e))
    if not isinstance(document, dict) or document.get("format") not in FORMATS:
        found = document.get("format") if isinstance(document, dict) else None
        return ModelInfo(name=path.stem, framework="unknown", path=path,
                         summary=f"{path}: not a model of the workbench (format {found!r})")
    return ModelInfo(name=str(document.get("name", path.stem)), framework=FORMATS[document["format"]], path=path,
                     summary=str((document.get("architecture") or {}).get("summary", "")),
                     test_accuracy=_float_or_none((document.get("metrics") or {}).get("test_accuracy")))


def _float_or_none(value) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None

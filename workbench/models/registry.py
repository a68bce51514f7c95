"""The model registry: the one way the GUI, the builders, the report and the tests find and load models.

    available_models("saved_networks")   -> [ModelInfo, ...]  what is there (no model is loaded)
    load_model("keras-cnn")              -> Classifier       by name, or by the path of its .json
    load_all("saved_networks")           -> (classifiers, problems)   every model; failures reported per model

A models folder holds, for each model, a JSON (its metadata, whose "format" names the
framework's adapter) and a weights file beside it, plus `manifest.json` listing the
built models with their headline figures. Everything read from these files is checked:
a value of the wrong type, a path leading out of the folder, a broken weights file or a
model with the wrong number of inputs or outputs makes that one model unavailable, with
its reason, and never stops the others from loading.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scratch.files import ModelFileError, inside_folder, read_json, timestamp, write_json
from workbench.models.adapter import Adapter, Classifier, ModelUnavailable, fraction_or_none
from workbench.models.frameworks import ADAPTERS, BY_FORMAT, BY_WEIGHTS_SUFFIX, adapter_for
from workbench.models.locks import file_lock
from workbench.models.metadata import normalized

DEFAULT_FOLDER = Path("saved_networks")
MANIFEST = "manifest.json"
CALIBRATION = "calibration.json"    # written by python -m workbench.reports.calibration: not a model
UNKNOWN = "unknown"                 # the framework of a file that is not a usable model
MAX_JSON_BYTES = 16 * 1024 * 1024   # model metadata is kilobytes; a huge "JSON" is not one of ours


def default_folder() -> Path:
    """Where to look for models when none is named: saved_networks/ in the current folder if there is
    one (a clone, or a user's own builds), else the one shipped beside the installed code."""
    here = DEFAULT_FOLDER
    shipped = Path(__file__).resolve().parents[2] / DEFAULT_FOLDER
    return here if here.is_dir() or not shipped.is_dir() else shipped


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows of a model without loading it."""

    name: str
    framework: str              # an adapter's framework, or "unknown" (then `summary` says why)
    path: Path                  # its .json (or a bare .keras)
    summary: str = ""           # e.g. "784-800-800-10, relu/relu/softmax, cross_entropy"
    test_accuracy: float | None = None

    @property
    def usable(self) -> bool:
        return self.framework != UNKNOWN

    @property
    def label(self) -> str:
        """How a chooser shows it: name, framework and test accuracy."""
        accuracy = f", {self.test_accuracy:.2%}" if self.test_accuracy is not None else ""
        return f"{self.name} ({self.framework}{accuracy})"


def check_folder(folder: str | os.PathLike) -> Path:
    """The models folder as a Path; FileNotFoundError / NotADirectoryError saying what is wrong."""
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"the models folder {folder} does not exist")
    if not folder.is_dir():
        raise NotADirectoryError(f"the models folder {folder} is a file, not a folder")
    return folder


def available_models(folder: str | os.PathLike = DEFAULT_FOLDER) -> list[ModelInfo]:
    """The models in `folder`: those the manifest lists, then any other model file found there
    (models added by hand). A missing or damaged manifest is not an error: the folder is scanned.
    Raises FileNotFoundError / NotADirectoryError if `folder` is not a folder."""
    folder = check_folder(folder)
    found: dict[str, ModelInfo] = {}
    for entry in _manifest_entries(folder):
        info = _info_from_manifest(folder, entry)
        if info is not None:
            found.setdefault(info.name, info)
    listed = {info.path.resolve() for info in found.values()}
    candidates = sorted(folder.glob("*.json")) + sorted(p for suffix in BY_WEIGHTS_SUFFIX
                                                         for p in folder.glob(f"*{suffix}"))
    for path in candidates:
        if path.name in (MANIFEST, CALIBRATION):
            continue
        if path.resolve() in listed or path.with_suffix(".json").resolve() in listed:
            continue
        if path.suffix != ".json" and path.with_suffix(".json").exists():
            continue   # its .json describes it
        if path.suffix != ".json" and not BY_WEIGHTS_SUFFIX[path.suffix].loads_bare_weights:
            continue   # a weights file alone (e.g. .npz) is not a model
        info = _info_from_file(path)
        listed.add(path.resolve())
        found.setdefault(info.name, info)
    return list(found.values())


def load_model(name_or_path: str | os.PathLike, folder: str | os.PathLike = DEFAULT_FOLDER) -> Classifier:
    """A classifier by model name (as listed by available_models) or by the path of its .json.

    Raises ModelUnavailable with a message that names the model and says what is wrong.
    """
    path = Path(name_or_path)
    if path.suffix in (".json", *BY_WEIGHTS_SUFFIX) or path.exists():
        if not path.is_file():
            raise ModelUnavailable(f"{path}: no such model file")
        info = _info_from_file(path)
    else:
        try:
            models = {m.name: m for m in available_models(folder)}
        except OSError as e:
            raise ModelUnavailable(str(e)) from None
        if str(name_or_path) not in models:
            known = ", ".join(models) or "none"
            raise ModelUnavailable(f"no model named {name_or_path!r} in {folder} (available: {known})")
        info = models[str(name_or_path)]
    return load(info)


def load_all(folder: str | os.PathLike = DEFAULT_FOLDER, names: list[str] | None = None
             ) -> tuple[list[Classifier], dict[str, str]]:
    """Load every model of `folder` (or those named); returns (classifiers, {name: why it failed}).

    Files that are not usable models at all (corrupt JSON, a foreign format) are among the failures.
    """
    listed = available_models(folder)
    if names is not None:
        known = {m.name for m in listed}
        problems = {n: f"no model named {n!r} in {folder}" for n in names if n not in known}
        listed = [m for m in listed if m.name in names]
    else:
        problems = {}
    loaded = []
    for info in listed:
        try:
            loaded.append(load(info))
        except ModelUnavailable as e:
            problems[info.name] = str(e)
    return loaded, problems


def load(info: ModelInfo) -> Classifier:
    """Load one listed model through its framework's adapter, and check it is a digit classifier:
    one 28x28 image in, ten finite outputs out. Raises ModelUnavailable naming the model."""
    if not info.usable:
        raise ModelUnavailable(f"{info.name}: {info.summary or 'not a model of the workbench'}")
    adapter = adapter_for(info.framework)
    reason = adapter.unavailable_reason()
    if reason:
        raise ModelUnavailable(f"{info.name}: {reason}")
    try:
        model, metadata = adapter.load(info.path)
        classifier = Classifier(adapter, model, normalized(metadata), info.path)
        _check_outputs(classifier)
    except ModelUnavailable as e:
        raise ModelUnavailable(_named(info.name, str(e))) from None
    except ModelFileError as e:
        raise ModelUnavailable(_named(info.name, str(e))) from None
    except Exception as e:      # a file damaged in a way no check foresaw is still that one model's problem
        raise ModelUnavailable(f"{info.name}: {info.path}: cannot be loaded: {type(e).__name__}: {e}") from None
    return classifier


def update_manifest(folder: str | os.PathLike, entry: dict) -> None:
    """Add or replace (by name) one model's entry in `folder`/manifest.json, atomically, under a lock
    (two builds into one folder both keep their entries).

    entry: at least name, framework and file (its .json, relative to the folder); headline
    figures such as test_accuracy and training_seconds as the builder measured them.
    """
    missing = {"name", "framework", "file"} - entry.keys()
    if missing:
        raise ValueError(f"a manifest entry needs {', '.join(sorted(missing))}")
    folder = Path(folder)
    with file_lock(folder / f".{MANIFEST}.lock", f"the manifest of {folder}", wait_seconds=60):
        entries = _manifest_entries(folder)
        names = [e.get("name") for e in entries]
        if entry["name"] in names:              # a rebuilt model keeps its place in the list
            entries[names.index(entry["name"])] = entry
        else:
            entries.append(entry)
        write_json(folder / MANIFEST, {"format": "digit-workbench/manifest", "updated_at": timestamp(),
                                       "models": entries})


# --- internals ----------------------------------------------------------------------------------

def _check_outputs(classifier: Classifier) -> None:
    """A blank image must give ten finite outputs: catches a model with 5 outputs or 100 inputs at load,
    not at the first prediction."""
    try:
        outputs = np.asarray(classifier.predict_proba(np.zeros((1, 28, 28), np.float32)))
    except (ValueError, TypeError) as e:
        raise ModelUnavailable(f"{classifier.path}: does not take 28x28 images: {e}") from None
    if outputs.shape != (1, 10):
        raise ModelUnavailable(f"{classifier.path}: gives outputs of shape {outputs.shape[1:]} for one image; "
                               f"a digit classifier gives 10")
    if not np.isfinite(outputs).all():
        raise ModelUnavailable(f"{classifier.path}: gives NaN or infinite outputs; its weights are broken")


def _named(name: str, message: str) -> str:
    return message if message.startswith(f"{name}:") else f"{name}: {message}"


def _manifest_entries(folder: Path) -> list[dict]:
    try:
        manifest = read_json(folder / MANIFEST, "manifest")
    except (FileNotFoundError, ValueError):
        return []
    models = manifest.get("models") if isinstance(manifest, dict) else None
    return [m for m in models if isinstance(m, dict)] if isinstance(models, list) else []


def _info_from_manifest(folder: Path, entry: dict) -> ModelInfo | None:
    """A manifest entry as ModelInfo; entries of the wrong shape are skipped (the folder scan still
    finds their files), and a path leading out of the folder makes the model unknown, with the reason."""
    name, framework, file = entry.get("name"), entry.get("framework"), entry.get("file")
    if not isinstance(name, str) or not name or not isinstance(framework, str) or not isinstance(file, str):
        return None
    try:
        path = inside_folder(folder, file, f"{folder / MANIFEST}: the file of {name}")
    except ModelFileError as e:
        return ModelInfo(name=name, framework=UNKNOWN, path=folder / MANIFEST, summary=str(e))
    if framework not in {a.framework for a in ADAPTERS}:
        return ModelInfo(name=name, framework=UNKNOWN, path=path, summary=f"unknown framework {framework!r}")
    summary = entry.get("summary")
    return ModelInfo(name=name, framework=framework, path=path, summary=summary if isinstance(summary, str) else "",
                     test_accuracy=fraction_or_none(entry.get("test_accuracy")))


def _info_from_file(path: Path) -> ModelInfo:
    """What a model file says of itself. A file that cannot be used is still listed, with
    framework "unknown" and the reason as its summary, so the user sees why it is not offered."""
    if path.suffix in BY_WEIGHTS_SUFFIX:    # e.g. a Keras model saved by hand, without the workbench's metadata
        adapter = BY_WEIGHTS_SUFFIX[path.suffix]
        return ModelInfo(name=path.stem, framework=adapter.framework, path=path, summary="no metadata")
    try:
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ValueError(f"model file {path} is {path.stat().st_size:,} bytes: too large to be model metadata")
        document = read_json(path, "model file")
    except (OSError, ValueError) as e:
        return ModelInfo(name=path.stem, framework=UNKNOWN, path=path, summary=str(e))
    found = document.get("format") if isinstance(document, dict) else None
    adapter: Adapter | None = BY_FORMAT.get(found) if isinstance(found, str) else None
    if adapter is None:
        return ModelInfo(name=path.stem, framework=UNKNOWN, path=path,
                         summary=f"{path}: not a model of the workbench (format {found!r})")
    name = document.get("name")
    architecture = document.get("architecture")
    summary = architecture.get("summary") if isinstance(architecture, dict) else None
    metrics = document.get("metrics")
    return ModelInfo(name=name if isinstance(name, str) and name else path.stem, framework=adapter.framework,
                     path=path, summary=summary if isinstance(summary, str) else "",
                     test_accuracy=fraction_or_none(metrics.get("test_accuracy")) if isinstance(metrics, dict) else None)

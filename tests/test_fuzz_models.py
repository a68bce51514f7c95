"""Fuzz: a few hundred seeded random mutations of a valid scratch model and a valid Keras model.

For every mutation, listing and loading the folder never raises; the broken model is either still
a working classifier (the mutation did not matter) or is reported with its reason; the good model
beside it still loads; and no mutation makes loading take more than a few seconds or a few hundred MB.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tracemalloc
import shutil
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import scratch
from workbench.models.registry import available_models, load_all

SEED = 20261125
SCRATCH_MUTATIONS, KERAS_MUTATIONS = 220, 90
SECONDS_PER_LOAD = 5.0
EXTRA_MEMORY_MB = 400
VALUES = ["text", [], [1, 2], {}, {"a": 1}, None, True, -1, 0, 10 ** 12, 1e300, float("nan"), float("inf"),
          "../../etc/passwd", "/etc/passwd", "", "x" * 10000]


def json_paths(document, prefix=()) -> list[tuple]:
    """Every key path of a JSON document down to two levels (lists by index)."""
    paths = []
    items = document.items() if isinstance(document, dict) else enumerate(document) \
        if isinstance(document, list) else []
    for key, value in items:
        paths.append(prefix + (key,))
        if len(prefix) < 2 and isinstance(value, (dict, list)):
            paths.extend(json_paths(value, prefix + (key,))[:40])
    return paths


def mutate_json(document: dict, rng: np.random.Generator) -> tuple[dict, str]:
    document = copy.deepcopy(document)
    paths = json_paths(document)
    path = paths[rng.integers(len(paths))]
    parent = document
    for key in path[:-1]:
        parent = parent[key]
    if rng.random() < 0.2:
        del parent[path[-1]]
        return document, f"delete {path}"
    value = VALUES[rng.integers(len(VALUES))]
    parent[path[-1]] = value
    return document, f"{path} = {str(value)[:40]!r}"


def write_json(path: Path, document) -> None:
    path.write_text(json.dumps(document, allow_nan=True))     # a hand-edited file may hold NaN


def resign(json_path: Path, weights: Path) -> None:
    """Record the weights' new checksum, so the mutation reaches the weights check itself."""
    document = json.loads(json_path.read_text())
    document["model_file"]["sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    json_path.write_text(json.dumps(document))


def mutate_npz(path: Path, rng: np.random.Generator) -> str:
    with np.load(path, allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    name = sorted(arrays)[rng.integers(len(arrays))]
    kind = ["truncate", "shape", "nan", "dtype", "object", "missing", "huge", "scalar"][rng.integers(8)]
    if kind == "truncate":
        data = path.read_bytes()
        path.write_bytes(data[: int(rng.integers(0, len(data)))])
        return f"npz truncated"
    if kind == "shape":
        arrays[name] = np.zeros((3, 7), np.float32)
    elif kind == "nan":
        arrays[name] = arrays[name].copy()
        arrays[name].flat[0] = np.nan
    elif kind == "dtype":
        arrays[name] = arrays[name].astype([np.int32, np.complex64, np.bool_, "U3"][rng.integers(4)])
    elif kind == "object":
        arrays[name] = np.array([{"a": 1}, None], dtype=object)
    elif kind == "missing":
        del arrays[name]
    elif kind == "huge":
        arrays[name] = np.zeros(3, np.float32)   # small file, but see the JSON mutation for huge declarations
    else:
        arrays[name] = np.float32(1.0)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)                   # object arrays get pickled here: loading must refuse them
    path.write_bytes(buffer.getvalue())
    return f"npz {name}: {kind}"


def mutate_keras(path: Path, rng: np.random.Generator) -> str:
    kind = ["truncate", "garbage", "empty", "config", "weights"][rng.integers(5)]
    data = path.read_bytes()
    if kind == "truncate":
        path.write_bytes(data[: int(rng.integers(0, len(data)))])
    elif kind == "garbage":
        path.write_bytes(rng.integers(0, 256, 2000, dtype=np.uint8).tobytes())
    elif kind == "empty":
        path.write_bytes(b"")
    else:       # rewrite one member of the archive
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
        if kind == "config" and "config.json" in members:
            config = json.loads(members["config.json"])
            text = json.dumps(config).replace('"units": 8', f'"units": {int(rng.integers(1, 10 ** 6))}')
            members["config.json"] = text.replace('"relu"', '"no_such_activation"' if rng.random() < 0.5
                                                  else '"relu"').encode()
        else:
            weights = [n for n in members if n.endswith(".h5")]
            for n in weights:
                blob = bytearray(members[n])
                for _ in range(20):
                    blob[int(rng.integers(len(blob)))] = int(rng.integers(256))
                members[n] = bytes(blob)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for n, content in members.items():
                archive.writestr(n, content)
        path.write_bytes(buffer.getvalue())
    return f"keras file: {kind}"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A valid scratch model (good-scratch) and, with TensorFlow, a valid Keras model (good-keras)."""
    folder = tmp_path_factory.mktemp("pristine")
    net = scratch.Network([784, 8, 10], activations=["relu", "softmax"], init="he", seed=1)
    net.metadata = {"name": "good-scratch", "metrics": {"test_accuracy": 0.5}}
    net.save(folder / "good-scratch")
    try:
        import tf_models
    except ImportError:
        return folder, False
    model = tf_models.mlp(sizes=[784, 8, 10], activations=["relu", "softmax"], init="he")
    tf_models.save(model, folder / "good-keras", {"name": "good-keras", "metrics": {"test_accuracy": 0.5}})
    return folder, True


def check_folder(folder: Path, victim: str, healthy: str, what: str) -> None:
    started = time.perf_counter()
    available_models(folder)
    loaded, problems = load_all(folder)
    seconds = time.perf_counter() - started
    names = {c.path.stem for c in loaded}         # by file: a mutation may rename the victim
    assert healthy in names, f"{what}: the good model {healthy} did not load: {problems}"
    assert seconds < SECONDS_PER_LOAD, f"{what}: loading took {seconds:.1f} s"
    for c in loaded:                                   # whatever loaded is a working digit classifier
        outputs = c.predict_proba(np.zeros((2, 28, 28), np.float32))
        assert outputs.shape == (2, 10) and np.isfinite(outputs).all(), what
    broken = [name for name in problems]
    for name in broken:
        assert problems[name].strip(), f"{what}: {name} reported without a reason"
    if victim not in names:
        assert any(victim in name or victim in why for name, why in problems.items()) or broken, \
            f"{what}: {victim} vanished without a reason: {problems}"


def run_mutations(pristine_folder: Path, victim: str, healthy: str, weights_suffix: str, count: int,
                  mutate_weights, tmp_path: Path, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    document = json.loads((pristine_folder / f"{victim}.json").read_text())
    done = []
    tracemalloc.start()          # NumPy reports its arrays to tracemalloc: the peak of each load is visible
    for i in range(count):
        folder = tmp_path / f"m{i}"
        folder.mkdir()
        for path in pristine_folder.iterdir():
            if path.stem in (victim, healthy):
                shutil.copy(path, folder / path.name)
        if rng.random() < 0.6:
            mutated, what = mutate_json(document, rng)
            write_json(folder / f"{victim}.json", mutated)
        else:
            what = mutate_weights(folder / f"{victim}{weights_suffix}", rng)
            if rng.random() < 0.7:
                resign(folder / f"{victim}.json", folder / f"{victim}{weights_suffix}")
        tracemalloc.reset_peak()
        try:
            check_folder(folder, victim, healthy, f"mutation {i} ({what})")
        finally:
            peak_mb = tracemalloc.get_traced_memory()[1] / 2 ** 20
        assert peak_mb < EXTRA_MEMORY_MB, f"mutation {i} ({what}): loading allocated {peak_mb:.0f} MB at its peak"
        done.append(what)
        shutil.rmtree(folder)
    tracemalloc.stop()
    return done


def test_fuzzed_scratch_model(pristine, tmp_path):
    folder, has_keras = pristine
    healthy = "good-keras" if has_keras else None
    if healthy is None:                               # without TensorFlow, a second scratch model is the good one
        shutil.copy(folder / "good-scratch.json", tmp_path / "x.json")
        pytest.skip("TensorFlow is not installed: the fuzz test needs a Keras model beside the scratch one")
    done = run_mutations(folder, "good-scratch", healthy, ".npz", SCRATCH_MUTATIONS, mutate_npz, tmp_path, SEED)
    assert len(done) == SCRATCH_MUTATIONS


def test_fuzzed_keras_model(pristine, tmp_path):
    folder, has_keras = pristine
    if not has_keras:
        pytest.skip("TensorFlow is not installed")
    done = run_mutations(folder, "good-keras", "good-scratch", ".keras", KERAS_MUTATIONS, mutate_keras, tmp_path,
                         SEED + 1)
    assert len(done) == KERAS_MUTATIONS

"""The MNIST data layer: tiny hand-made IDX files (good and broken), downloads, and the real thing."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import inspect
import socket
import struct
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from workbench.data import mnist as data_module
from workbench.data.mnist import DatasetError, MnistData, PARTS, load_mnist, read_idx, read_mnist_npz

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array as an IDX file, the way LeCun's files are laid out."""
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(np.uint8).tobytes()


def tiny_set(seed: int = 0, n_train: int = 12, n_test: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, 10, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A folder with four small gzipped IDX files, and checksums patched to theirs."""
    arrays = tiny_set()
    folder = tmp_path / "tiny"
    folder.mkdir()
    sums = {}
    for part in PARTS:
        raw = idx_bytes(arrays[part.key])
        (folder / (part.filename + ".gz")).write_bytes(gzip.compress(raw))
        sums[part.filename] = hashlib.sha256(raw).hexdigest()
    monkeypatch.setattr(data_module, "MNIST_SHA256", sums)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return folder, arrays


def test_loads_a_complete_folder(tiny_mnist):
    folder, arrays = tiny_mnist
    data = load_mnist(folder, download=False)
    for key, expected in arrays.items():
        got = getattr(data, key)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, expected)
    assert data.source == folder


def test_reads_uncompressed_files_too(tiny_mnist):
    folder, arrays = tiny_mnist
    for part in PARTS:
        gz = folder / (part.filename + ".gz")
        (folder / part.filename).write_bytes(gzip.decompress(gz.read_bytes()))
        gz.unlink()
    np.testing.assert_array_equal(load_mnist(folder, download=False).test_images, arrays["test_images"])


def test_reads_keras_npz(tiny_mnist, tmp_path):
    _, arrays = tiny_mnist
    folder = tmp_path / "npz"
    folder.mkdir()
    keys = {p.key: p.npz_key for p in PARTS}
    np.savez(folder / "mnist.npz", **{keys[k]: v for k, v in arrays.items()})
    data = load_mnist(folder, download=False)
    np.testing.assert_array_equal(data.train_labels, arrays["train_labels"])


def test_npz_with_pickled_objects_is_refused(tiny_mnist, tmp_path):
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=np.array([{"evil": 1}], dtype=object), y_train=np.zeros(1, np.uint8),
             x_test=np.zeros((1, 28, 28), np.uint8), y_test=np.zeros(1, np.uint8))
    with pytest.raises(DatasetError, match=r"mnist\.npz: not a readable \.npz file"):
        read_mnist_npz(path)


def test_npz_with_wrong_content_fails_its_checksum(tiny_mnist, tmp_path):
    _, arrays = tiny_mnist
    arrays["test_labels"] = (arrays["test_labels"] + 1) % 10
    keys = {p.key: p.npz_key for p in PARTS}
    np.savez(tmp_path / "mnist.npz", **{keys[k]: v for k, v in arrays.items()})
    with pytest.raises(DatasetError, match=r"mnist\.npz\[y_test\]: checksum mismatch"):
        read_mnist_npz(tmp_path / "mnist.npz")


# --- every broken file gives one clear DatasetError that names the file -----------------------

def _break(folder: Path, filename: str, transform) -> Path:
    path = folder / (filename + ".gz")
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(transform(raw)))
    return path


def test_truncated_data_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    path = _break(folder, "train-images-idx3-ubyte", lambda raw: raw[:-100])
    with pytest.raises(DatasetError) as err:
        load_mnist(folder, download=False)
    assert str(path) in str(err.value)
    assert "truncated" in str(err.value) and "12 items" in str(err.value)


def test_truncated_gzip_stream_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DatasetError, match="gzip data is truncated or corrupt") as err:
        load_mnist(folder, download=False)
    assert str(path) in str(err.value)


def test_file_too_short_for_a_header(tiny_mnist):
    folder, _ = tiny_mnist
    path = folder / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(b"\x00\x00"))
    with pytest.raises(DatasetError, match="too short for an IDX header"):
        load_mnist(folder, download=False)


def test_wrong_magic_number_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    path = _break(folder, "t10k-images-idx3-ubyte", lambda raw: b"\x00\x00\x08\x01" + raw[4:])
    with pytest.raises(DatasetError, match=r"wrong IDX magic number 00 00 08 01 \(expected 00 00 08 03\)") as err:
        load_mnist(folder, download=False)
    assert str(path) in str(err.value)


def test_labels_swapped_for_images_is_a_wrong_magic(tiny_mnist):
    folder, _ = tiny_mnist
    images = folder / "train-images-idx3-ubyte.gz"
    labels = folder / "train-labels-idx1-ubyte.gz"
    images.write_bytes(labels.read_bytes())
    with pytest.raises(DatasetError, match="not an MNIST image file"):
        load_mnist(folder, download=False)


def test_image_and_label_counts_that_disagree(tiny_mnist, monkeypatch):
    folder, arrays = tiny_mnist
    raw = idx_bytes(arrays["test_labels"][:-1])
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(raw))
    monkeypatch.setitem(data_module.MNIST_SHA256, "t10k-labels-idx1-ubyte", hashlib.sha256(raw).hexdigest())
    with pytest.raises(DatasetError, match="the test set has 5 images but 4 labels") as err:
        load_mnist(folder, download=False)
    assert str(folder) in str(err.value)


def test_bad_checksum_is_reported(tiny_mnist):
    folder, _ = tiny_mnist
    path = _break(folder, "train-labels-idx1-ubyte", lambda raw: raw[:-1] + bytes([(raw[-1] + 1) % 10]))
    with pytest.raises(DatasetError, match="checksum mismatch") as err:
        load_mnist(folder, download=False)
    assert str(path) in str(err.value) and "download it again" in str(err.value)


def test_images_of_the_wrong_size_are_reported(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(idx_bytes(np.zeros((3, 32, 32), np.uint8)))
    with pytest.raises(DatasetError, match="images are 32x32 pixels, expected 28x28"):
        read_idx(path, ndim=3)


def test_a_folder_with_part_of_mnist_says_what_is_missing(tiny_mnist):
    folder, _ = tiny_mnist
    (folder / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match="only part of MNIST: t10k-images-idx3-ubyte.gz missing"):
        load_mnist(folder, download=False)


def test_a_data_dir_that_is_not_a_folder(tmp_path):
    with pytest.raises(DatasetError, match="not a folder"):
        load_mnist(tmp_path / "nope", download=False)


# --- where it looks -----------------------------------------------------------------------------

def test_mnist_dir_is_used_when_no_argument(tiny_mnist, monkeypatch):
    folder, _ = tiny_mnist
    monkeypatch.setenv("MNIST_DIR", str(folder))
    assert load_mnist(download=False).source == folder


def test_argument_comes_before_mnist_dir(tiny_mnist, tmp_path, monkeypatch):
    folder, _ = tiny_mnist
    other = tmp_path / "empty"
    other.mkdir()
    monkeypatch.setenv("MNIST_DIR", str(other))
    assert load_mnist(folder, download=False).source == folder


@pytest.mark.parametrize("wrong", ["not-a-folder", "part-of-mnist"])
def test_a_wrong_mnist_dir_does_not_stop_a_correct_data_dir(tiny_mnist, tmp_path, monkeypatch, capsys, wrong):
    """Case 11: the explicit argument wins; $MNIST_DIR is only looked at when the argument does not hold MNIST."""
    folder, _ = tiny_mnist
    stale = tmp_path / wrong
    if wrong == "part-of-mnist":
        stale.mkdir()
        (stale / "train-images-idx3-ubyte.gz").write_bytes((folder / "train-images-idx3-ubyte.gz").read_bytes())
    monkeypatch.setenv("MNIST_DIR", str(stale))
    assert load_mnist(folder, download=False).source == folder
    monkeypatch.setattr(data_module, "summary", lambda data, seconds=None: f"MNIST from {data.source}")  # 12 images
    assert data_module.main(["--data-dir", str(folder), "--no-download"]) == 0
    assert str(folder) in capsys.readouterr().out
    with pytest.raises(DatasetError, match=r"not a folder|only part of MNIST") as err:    # still reported when used
        load_mnist(download=False)
    assert str(stale) in str(err.value)


def test_cache_is_used_last(tiny_mnist, tmp_path):
    folder, _ = tiny_mnist
    cache = tmp_path / "cache" / "digit-workbench" / "mnist"
    cache.parent.mkdir(parents=True)
    folder.rename(cache)
    assert load_mnist(download=False).source == cache


def test_offline_with_nothing_cached_says_what_to_do(tiny_mnist, monkeypatch, tmp_path):
    monkeypatch.setattr(data_module, "MIRRORS", ("http://127.0.0.1:9/",))  # port 9: nothing listens
    with pytest.raises(DatasetError) as err:
        load_mnist(download=True)
    message = str(err.value)
    assert "could not download" in message and "127.0.0.1:9" in message
    assert "MNIST_DIR" in message and str(tmp_path / "cache" / "digit-workbench" / "mnist") in message


def test_ctrl_c_while_loading_is_a_short_message_and_exit_code_130(tiny_mnist, monkeypatch, capsys):
    """Case 19: Ctrl-C during `python -m workbench.data` says so in one line and exits 130, no traceback."""
    folder, _ = tiny_mnist

    def interrupted(path):
        raise KeyboardInterrupt

    monkeypatch.setattr(data_module, "_read_maybe_gzipped", interrupted)
    try:
        code = data_module.main(["--data-dir", str(folder), "--no-download"])
    except KeyboardInterrupt:
        pytest.fail("KeyboardInterrupt escaped main(): the user sees a traceback")
    assert code == 130
    out, err = capsys.readouterr()
    assert out == "" and "interrupted" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# --- downloads, from a local server standing in for the mirrors -----------------------------------

@pytest.fixture
def mirror_server(tiny_mnist):
    """Serve /good/ (the tiny files), /slow/ (the same, in pieces 0.2 s apart), /corrupt/ (bad bytes)
    and 404 elsewhere, on localhost."""
    folder, _ = tiny_mnist

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            name = self.path.rsplit("/", 1)[-1]
            if self.path.startswith(("/good/", "/slow/")) and (folder / name).exists():
                body = (folder / name).read_bytes()
            elif self.path.startswith("/corrupt/"):
                body = gzip.compress(b"\x00\x00\x08\x03 not mnist at all")
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not self.path.startswith("/slow/"):
                self.wfile.write(body)
                return
            for piece in np.array_split(np.frombuffer(body, np.uint8), 5):
                self.wfile.write(piece.tobytes())
                self.wfile.flush()
                time.sleep(0.2)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_download_tries_the_next_mirror(mirror_server, tmp_path):
    target = tmp_path / "downloaded"
    data_module.download_mnist(target, [mirror_server + "/missing/", mirror_server + "/good/"], progress=False)
    assert sorted(p.name for p in target.iterdir()) == sorted(p.filename + ".gz" for p in PARTS)
    assert isinstance(load_mnist(target, download=False), MnistData)


def test_corrupt_download_leaves_nothing_behind(mirror_server, tmp_path):
    target = tmp_path / "downloaded"
    with pytest.raises(DatasetError) as err:
        data_module.download_mnist(target, [mirror_server + "/corrupt/", mirror_server + "/missing/"], progress=False)
    assert "/corrupt/train-images-idx3-ubyte.gz" in str(err.value) and "HTTP 404" in str(err.value)
    assert list(target.iterdir()) == []


@pytest.fixture
def silent_mirror():
    """A TCP server on localhost that accepts connections and never answers: a hung mirror.

    Yields its URL and the list of connections it accepted (how often it was tried)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}", accepted
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_a_silent_mirror_is_named_and_given_up_quickly(silent_mirror, mirror_server, tmp_path, capsys):
    """Case 21b: each attempt names its URL; a mirror that never answers is dropped after one timeout
    (not waited on again for every file), and the next mirror is tried."""
    silent, connections = silent_mirror
    target = tmp_path / "downloaded"
    start = time.monotonic()
    data_module.download_mnist(target, [silent + "/mnist/", mirror_server + "/good/"], timeout=0.5)
    elapsed = time.monotonic() - start
    err = capsys.readouterr().err
    assert f"{silent}/mnist/train-images-idx3-ubyte.gz" in err and "no answer within 0.5 s" in err
    assert f"{mirror_server}/good/train-images-idx3-ubyte.gz" in err
    assert sorted(p.name for p in target.iterdir()) == sorted(p.filename + ".gz" for p in PARTS)
    assert len(connections) == 1 and elapsed < 3
    assert inspect.signature(data_module.download_mnist).parameters["timeout"].default <= 10


def test_a_slow_but_steady_mirror_is_not_cut_off(mirror_server, tiny_mnist, tmp_path):
    """The timeout is per socket read, not for the whole transfer: a file that takes 1 s in pieces
    0.2 s apart arrives with a 0.5 s timeout."""
    folder, _ = tiny_mnist
    target = tmp_path / "downloaded"
    target.mkdir()
    for part in PARTS[1:]:        # only the first file is left to fetch
        (target / (part.filename + ".gz")).write_bytes((folder / (part.filename + ".gz")).read_bytes())
    data_module.download_mnist(target, [mirror_server + "/slow/"], timeout=0.5, progress=False)
    assert (target / "train-images-idx3-ubyte.gz").read_bytes() == (folder / "train-images-idx3-ubyte.gz").read_bytes()


def test_load_downloads_into_the_cache(mirror_server, tiny_mnist, monkeypatch, tmp_path):
    monkeypatch.setattr(data_module, "MIRRORS", (mirror_server + "/good/",))
    data = load_mnist(download=True)
    assert data.source == tmp_path / "cache" / "digit-workbench" / "mnist"


# --- the real MNIST, through $MNIST_DIR ---------------------------------------------------------

def test_real_mnist_shapes_and_counts(mnist):
    assert mnist.train_images.shape == (60000, 28, 28) and mnist.train_images.dtype == np.uint8
    assert mnist.train_labels.shape == (60000,) and mnist.train_labels.dtype == np.uint8
    assert mnist.test_images.shape == (10000, 28, 28) and mnist.test_images.dtype == np.uint8
    assert mnist.test_labels.shape == (10000,) and mnist.test_labels.dtype == np.uint8
    assert np.bincount(mnist.train_labels).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.test_labels).tolist() == TEST_COUNTS


def test_real_mnist_validation_split(mnist):
    split = mnist.validation_split()
    assert len(split.train_images) == len(split.train_labels) == 50_000
    assert len(split.validation_images) == len(split.validation_labels) == 10_000
    np.testing.assert_array_equal(split.validation_images, mnist.train_images[50_000:])
    np.testing.assert_array_equal(split.train_labels, mnist.train_labels[:50_000])


def test_command_line_summary(mnist, capsys):
    assert data_module.main(["--no-download"]) == 0
    out = capsys.readouterr().out
    assert "checksums verified" in out and " ".join(f"{c:>5}" for c in TEST_COUNTS) in out

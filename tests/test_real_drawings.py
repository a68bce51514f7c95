"""Real drawings (workbench.data.real_drawings): the file and its checks, the replay on the canvas, the
conversion from the UCI text, and the report's "Real drawings" section.

The checks are tried on a synthetic file with exactly the layout and counts of the real one (so they
run everywhere), each broken in one way; the real file is read when $REAL_DRAWINGS_DIR or the user
cache holds it (CI sets REAL_DRAWINGS_DIR=../shared/real-drawings), and those tests are skipped with
the reason otherwise. Nothing here touches the network: downloads are file:// URLs.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import scratch
from gui.drawing import Drawing
from test_compare import MODELS, make_models
from workbench.data.letters import letter_images
from workbench.models.confidence import load_rule
from workbench.models.registry import CALIBRATION, load_all
from workbench.reports import confidence as confidence_report
from workbench.reports.calibration import LETTERS_SEED, fit_for_folder, old_combined
from workbench.data import real_drawings as rd
from workbench.data.real_drawings import (LAYOUT, RealDrawingsError, digits_to_arrays, fetch_uji, find_real_drawings,
                                          load_real_drawings, parse_uji_digits, read_real_drawings)
from workbench.drawing.preprocess import prepare
from workbench.reports import compare
from workbench.reports.evaluate import Z_95, group_accuracy, wilson_interval

# --- the files ------------------------------------------------------------------------------------


def _real_folder() -> Path | None:
    folder = os.environ.get(rd.ENV_VAR)
    if folder:
        return Path(folder)
    return rd.default_cache_dir() if (rd.default_cache_dir() / rd.FILENAME).is_file() else None


@pytest.fixture(scope="module")
def real_dir() -> Path:
    """The folder holding the real uji2_digits.npz; skips with the reason when there is none."""
    folder = _real_folder()
    if folder is None:
        pytest.skip(f"no real drawings: {rd.ENV_VAR} is not set and the user cache {rd.default_cache_dir()} holds no "
                    f"{rd.FILENAME} (set {rd.ENV_VAR}=../shared/real-drawings, as CI does)")
    return folder


@pytest.fixture(scope="module")
def real(real_dir):
    return load_real_drawings(real_dir, download=False)


def synthetic_arrays(seed: int = 0) -> dict[str, np.ndarray]:
    """Arrays with the real file's layout and counts (1,200 drawings, 1,456 strokes, 68,349 points), made up.

    Writer, digit, session in the real file's order; 254 drawings of two strokes and one of three, as there.
    """
    rng = np.random.default_rng(seed)
    writer, label, session = (a.ravel() for a in np.meshgrid(np.arange(1, 61), np.arange(10), np.arange(1, 3),
                                                              indexing="ij"))
    strokes_per_sample = np.ones(rd.SAMPLES, np.int64)
    strokes_per_sample[rng.choice(rd.SAMPLES, 255, replace=False)] = 2
    strokes_per_sample[np.flatnonzero(strokes_per_sample == 2)[0]] = 3
    assert strokes_per_sample.sum() == rd.STROKES
    points_per_stroke = np.full(rd.STROKES, rd.POINTS // rd.STROKES)
    points_per_stroke[:rd.POINTS - points_per_stroke.sum()] += 1
    site = (writer > rd.UJI_WRITERS).astype(np.uint8)
    return {
        "strokes": rng.integers(0, 2000, (rd.POINTS, 2)).astype(np.float32),
        "stroke_offsets": np.concatenate([[0], np.cumsum(points_per_stroke)]).astype(np.int64),
        "sample_offsets": np.concatenate([[0], np.cumsum(strokes_per_sample)]).astype(np.int64),
        "labels": label.astype(np.uint8), "writer": writer.astype(np.int16), "session": session.astype(np.uint8),
        "site": site, "units_per_mm": np.array(rd.UNITS_PER_MM, np.float32)[site],
    }


def write_npz(folder: Path, arrays: dict[str, np.ndarray], source: str | None = "a test") -> Path:
    """arrays as folder/uji2_digits.npz; with `source`, marked as a converted (non-standard) file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / rd.FILENAME
    extra = {} if source is None else {rd.SOURCE_KEY: np.array(source)}
    with open(path, "wb") as f:
        np.savez(f, **arrays, **extra)
    return path


def test_the_real_file_matches_its_readme(real, real_dir):
    assert real.standard and real.sha256 == rd.STANDARD_SHA256 and "SHA-256 verified" in real.source
    assert real.path == real_dir / rd.FILENAME
    assert len(real) == 1200 and real.points.shape == (68349, 2) and len(real.stroke_offsets) == 1457
    assert np.bincount(real.labels).tolist() == [120] * 10
    assert len(np.unique(real.writers)) == 60 and set(real.session.tolist()) == {1, 2}
    assert set(real.writers[real.site == 0].tolist()) == set(range(1, 17))
    strokes = [len(real.strokes(i)) for i in range(len(real))]
    assert np.bincount(strokes).tolist() == [0, 945, 254, 1]
    points = [sum(map(len, real.strokes(i))) for i in range(len(real))]
    assert (min(points), max(points), np.median(points)) == (14, 161, 53)
    assert all(s.dtype == np.float32 and s.shape[1] == 2 for s in real.strokes(0))


def test_a_synthetic_file_with_the_real_layout_loads(tmp_path):
    path = write_npz(tmp_path, synthetic_arrays())
    drawings = load_real_drawings(tmp_path, download=False)
    assert drawings.path == path and not drawings.standard and drawings.source == "a test"
    assert load_real_drawings(path, download=False).sha256 == drawings.sha256      # the .npz itself may be named


# --- refusals ---------------------------------------------------------------------------------------


def _changed(**changes):
    def make() -> dict[str, np.ndarray]:
        arrays = synthetic_arrays()
        for name, change in changes.items():
            if change is None:
                del arrays[name]
            else:
                arrays[name] = change(arrays[name])
        return arrays
    return make


def _set(index, value):
    def change(array):
        array = array.copy()
        array[index] = value
        return array
    return change


BROKEN = {
    "missing key": (_changed(writer=None), "has no writer array"),
    "wrong dtype": (_changed(labels=lambda a: a.astype(np.int32)), "labels has dtype int32, expected uint8"),
    "wrong byte order": (_changed(stroke_offsets=lambda a: a.astype(">i8")), "stroke_offsets has dtype >i8"),
    "wrong shape": (_changed(strokes=lambda a: a[:-1]), "strokes has shape (68348, 2), expected (68349, 2)"),
    "pickled objects": (_changed(labels=lambda a: a.astype(object)), "labels holds pickled Python objects"),
    "offset past the end": (_changed(stroke_offsets=_set(-1, rd.POINTS + 5)),
                            "stroke_offsets must run from 0 to 68,349"),
    "offset not increasing": (_changed(sample_offsets=_set(10, 8)), "sample_offsets must increase"),
    "negative offset": (_changed(stroke_offsets=_set(5, -3)), "stroke_offsets must increase"),
    "wrong count per digit": (_changed(labels=_set(0, 1)),
                              "119 of digit 0, 121 of digit 1; expected 120 drawings of each digit"),
    "NaN coordinate": (_changed(strokes=_set((100, 1), np.nan)), "not finite (NaN or infinite), first at point 100"),
    "infinite coordinate": (_changed(strokes=_set((7, 0), np.inf)), "not finite"),
    "label out of range": (_changed(labels=_set(3, 12)), "labels must be digits 0-9, found 12"),
    "writer out of range": (_changed(writer=_set(0, 61)), "writer must be 1 to 60"),
    "a writer twice": (_changed(writer=_set(25, 1)), "writer 1 has 2 drawings of digit 2 in session 2"),
    "wrong session": (_changed(session=_set(0, 3)), "session must be 1 or 2"),
    "wrong site": (_changed(site=_set(0, 1)), "has site 1, expected 0"),
    "wrong units": (_changed(units_per_mm=_set(0, 152)), "units_per_mm 152, expected 100"),
    "extra array": (lambda: {**synthetic_arrays(), "weights": np.zeros(3)}, "not part of the layout: weights"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_a_broken_file_is_refused_with_a_clear_message(case, tmp_path):
    make, message = BROKEN[case]
    path = write_npz(tmp_path, make())
    with pytest.raises(RealDrawingsError) as error:
        read_real_drawings(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


@pytest.mark.parametrize("keep", [0.5, 0.98])
def test_a_truncated_file_is_refused(keep, tmp_path):
    data = write_npz(tmp_path, synthetic_arrays()).read_bytes()
    path = tmp_path / "cut" / rd.FILENAME
    path.parent.mkdir()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(RealDrawingsError, match="truncated or corrupt") as error:
        load_real_drawings(path.parent, download=False)
    assert str(path) in str(error.value)


def test_an_array_cut_short_inside_a_whole_zip_is_refused(tmp_path):
    """A zip whose central directory is intact but whose strokes.npy lost the end of its data."""
    good = write_npz(tmp_path / "good", synthetic_arrays())
    path = tmp_path / rd.FILENAME
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info.filename, data[:len(data) // 2] if info.filename == "strokes.npy" else data)
    with pytest.raises(RealDrawingsError, match="strokes is truncated") as error:
        read_real_drawings(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("content, message", [(b"", "truncated or corrupt"),
                                              (b"strokes,labels\n1,2\n", "truncated or corrupt")])
def test_a_file_that_is_not_an_npz_is_refused(content, message, tmp_path):
    path = tmp_path / rd.FILENAME
    path.write_bytes(content)
    with pytest.raises(RealDrawingsError, match=message) as error:
        read_real_drawings(path)
    assert str(path) in str(error.value)


def test_an_unmarked_file_must_be_the_standard_one(tmp_path):
    """A file that does not say where it came from claims to be the standard file: its SHA-256 must match."""
    path = write_npz(tmp_path, synthetic_arrays(), source=None)
    with pytest.raises(RealDrawingsError) as error:
        read_real_drawings(path)
    message = str(error.value)
    assert str(path) in message and "not the standard file" in message and rd.STANDARD_SHA256 in message


def test_the_real_file_saved_again_is_not_the_standard_one(real, tmp_path):
    arrays = dict(np.load(real.path, allow_pickle=False))
    path = write_npz(tmp_path, arrays, source=None)
    with pytest.raises(RealDrawingsError, match="pass every check, but it is not the standard file"):
        read_real_drawings(path)


def test_where_it_looks_and_what_it_says_when_nothing_is_there(tmp_path, monkeypatch):
    monkeypatch.delenv(rd.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert find_real_drawings() is None
    with pytest.raises(RealDrawingsError) as error:
        load_real_drawings(download=False)
    assert "not found" in str(error.value) and rd.ENV_VAR in str(error.value)
    assert str(tmp_path / "cache" / "digit-workbench" / "real-drawings") in str(error.value)

    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv(rd.ENV_VAR, str(empty))
    with pytest.raises(RealDrawingsError, match=f"{empty} \\(named by \\$REAL_DRAWINGS_DIR\\) holds no uji2_digits"):
        load_real_drawings(download=False)
    with pytest.raises(RealDrawingsError, match="named by the folder argument\\) is not a folder"):
        load_real_drawings(tmp_path / "nowhere", download=False)

    write_npz(tmp_path / "cache" / "digit-workbench" / "real-drawings", synthetic_arrays())
    monkeypatch.delenv(rd.ENV_VAR)
    assert load_real_drawings(download=False).path.parent.name == "real-drawings"   # the cache


# --- replaying the drawings on the canvas ---------------------------------------------------------


def test_a_rendering_is_a_drawing_to_mnist_accepts_and_is_deterministic(real):
    for i in (0, 1, 333, 1199):
        image = real.render(i)
        assert image.size == (280, 280) and image.mode == "L"
        prepared = prepare(image)
        assert not prepared.empty and prepared.pixels.sum() > 40
        assert real.render(i).tobytes() == image.tobytes()
        assert np.array_equal(real.image(i), prepared.pixels)


def test_a_drawing_is_scaled_by_its_bounding_box_and_centred(real):
    for i in (5, 640):
        every = np.concatenate(real.canvas_strokes(i))
        low, high = every.min(axis=0), every.max(axis=0)
        assert abs((high - low).max() - rd.DRAWN_FRACTION * 280) <= 1
        assert np.allclose((low + high) / 2, 140, atol=1)
        assert np.array_equal(every, np.rint(every))                     # whole pixels, as Tk reports them


def test_a_rendering_is_what_the_gui_canvas_draws(real):
    """The strokes replayed as mouse events on the GUI's Drawing give exactly the same mirror image."""
    for i in (0, 17, 900):
        drawing = Drawing()
        for stroke in real.canvas_strokes(i):
            drawing.start_stroke(*stroke[0])
            for x, y in stroke[1:]:
                drawing.extend_stroke(x, y)
        assert drawing.mirror.tobytes() == real.render(i).tobytes()


def test_images_are_every_rendering_prepared_and_kept(real):
    images = real.images()
    assert images.shape == (1200, 28, 28) and images.dtype == np.float32
    assert real.images() is images and not images.flags.writeable
    assert images.reshape(1200, -1).max(axis=1).min() > 0.5              # no drawing came out empty
    for i in (3, 777):
        assert np.array_equal(images[i], real.image(i))


def test_the_quick_subset_covers_every_digit_and_writer(real):
    subset = real.spread_subset(200)
    assert len(subset) == 200 and np.array_equal(subset, np.unique(subset))
    assert np.bincount(real.labels[subset]).tolist() == [20] * 10
    assert len(np.unique(real.writers[subset])) == 60
    assert np.bincount(real.session[subset]).tolist() == [0, 100, 100]
    assert np.array_equal(real.spread_subset(200), subset)
    assert np.array_equal(real.spread_subset(5000), np.arange(1200))


# --- the UCI text ---------------------------------------------------------------------------------

UJI_TEXT = (
    "//\r\n// UJIpenchars2 (synthetic, for a test)\r\n"
    "// ASCII char: a\r\n"
    "WORD a trn_UJI_W01-01\r\n"
    "  NUMSTROKES 1\r\n"
    "  POINTS 2 # 1 2 3 4\r\n"
    "// digit 7, second session\r\n"
    "WORD 7 trn_UJI_W01-02\r\n"
    "  NUMSTROKES 2\r\n"
    "  POINTS 3 # 10 20 30 40 50 60\r\n"
    "  POINTS 1 # 70 80\r\n"
    "// Non-ASCII char: ntilde\r\n"
    "WORD ñ tst_UPV_W18-02\r\n"
    "  NUMSTROKES 1\r\n"
    "  POINTS 1 # 7 8\r\n"
    "WORD 0 tst_UPV_W18-01\r\n"
    "  NUMSTROKES 1\r\n"
    "  POINTS 2 # 5 6 5 9\r\n"
    "WORD 7 trn_UJI_W01-01\r\n"
    "  NUMSTROKES 1\r\n"
    "  POINTS 1 # 1 1\r\n"
)


def test_the_digits_of_a_uji_text_are_read():
    samples = parse_uji_digits(UJI_TEXT)
    assert [(s.label, s.writer, s.session, s.site) for s in samples] == [(7, 1, 2, 0), (0, 18, 1, 1), (7, 1, 1, 0)]
    assert [s.tolist() for s in samples[0].strokes] == [[[10, 20], [30, 40], [50, 60]], [[70, 80]]]
    assert all(stroke.dtype == np.float32 for s in samples for stroke in s.strokes)


def test_the_digits_become_the_file_layout_in_the_standard_order():
    arrays = digits_to_arrays(parse_uji_digits(UJI_TEXT))
    assert set(arrays) == set(LAYOUT)
    assert all(arrays[name].dtype == dtype for name, (dtype, _) in LAYOUT.items())
    # writer 1's 7 (session 1, then 2), then writer 18's 0
    assert arrays["labels"].tolist() == [7, 7, 0] and arrays["writer"].tolist() == [1, 1, 18]
    assert arrays["session"].tolist() == [1, 2, 1] and arrays["site"].tolist() == [0, 0, 1]
    assert arrays["units_per_mm"].tolist() == [100, 100, 152]
    assert arrays["sample_offsets"].tolist() == [0, 1, 3, 4]
    assert arrays["stroke_offsets"].tolist() == [0, 1, 4, 5, 7]
    assert arrays["strokes"].tolist() == [[1, 1], [10, 20], [30, 40], [50, 60], [70, 80], [5, 6], [5, 9]]


@pytest.mark.parametrize("bad, message", [
    ("WORD 3 someone-01\n  NUMSTROKES 1\n  POINTS 1 # 1 2\n", "line 1: a digit's identifier must look like"),
    ("WORD 3 trn_UJI_W02-01\n  POINTS 1 # 1 2\n", "line 2: expected NUMSTROKES"),
    ("WORD 3 trn_UJI_W02-01\n  NUMSTROKES 2\n  POINTS 1 # 1 2\n", "line 4: expected stroke 2 of 2"),
    ("// x\nWORD 3 trn_UJI_W02-01\n  NUMSTROKES 1\n  POINTS 2 # 1 2 3\n", "line 4: POINTS 2 must be followed by 4"),
    ("WORD 3 trn_UJI_W02-01\n  NUMSTROKES 1\n  POINTS 1 # 1 x\n", "line 3: a coordinate is not a whole number"),
])
def test_a_malformed_digit_is_refused_by_line(bad, message):
    with pytest.raises(RealDrawingsError, match=message):
        parse_uji_digits(bad, "test.txt")


def uji_text(arrays: dict[str, np.ndarray]) -> str:
    """The UCI text of the drawings in `arrays`, shuffled, with letters between them, as ujipenchars2.txt has."""
    lines = ["// UJIpenchars2 (written back from an npz by a test)"]
    order = np.random.default_rng(1).permutation(len(arrays["labels"]))
    so, go = arrays["stroke_offsets"], arrays["sample_offsets"]
    for k, i in enumerate(order):
        if k % 100 == 0:
            lines += [f"WORD é trn_UPV_W20-0{k % 2 + 1}", "  NUMSTROKES 1", "  POINTS 1 # 3 4"]
        site = "UJI" if arrays["site"][i] == 0 else "UPV"
        lines.append(f"WORD {arrays['labels'][i]} {'trn' if k % 3 else 'tst'}_{site}_W{arrays['writer'][i]:02d}-"
                     f"{arrays['session'][i]:02d}")
        lines.append(f"  NUMSTROKES {go[i + 1] - go[i]}")
        for s in range(go[i], go[i + 1]):
            xy = arrays["strokes"][so[s]:so[s + 1]].astype(int).ravel()
            lines.append(f"  POINTS {len(xy) // 2} # " + " ".join(map(str, xy)))
    return "\r\n".join(lines) + "\r\n"


def uci_archive(folder: Path, text: str, encoding: str = "utf-8") -> str:
    """A zip like the UCI download holding `text` as ujipenchars2.txt; returns its file:// URL."""
    path = folder / "uji.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("UJIpenchars2.names", "about the data")
        archive.writestr(f"ujipenchars2/{rd.UCI_MEMBER}", text.encode(encoding))
    return path.as_uri()


@pytest.mark.parametrize("which", ["synthetic", "real"])
def test_fetch_converts_the_uci_archive_into_the_cache(which, tmp_path, monkeypatch, request):
    if which == "real":
        arrays = dict(np.load(request.getfixturevalue("real").path, allow_pickle=False))
    else:
        arrays = synthetic_arrays(seed=3)
    url = uci_archive(tmp_path, uji_text(arrays), encoding="latin-1" if which == "real" else "utf-8")
    cache = tmp_path / "cache" / "digit-workbench" / "real-drawings"
    path = fetch_uji(cache, url, progress=False)
    assert path == cache / rd.FILENAME and [p.name for p in cache.iterdir()] == [rd.FILENAME]
    converted = read_real_drawings(path)
    assert not converted.standard and url in converted.source and "fetch_uji" in converted.source
    with np.load(path, allow_pickle=False) as npz:
        for name in LAYOUT:
            assert np.array_equal(npz[name], arrays[name]) and npz[name].dtype == arrays[name].dtype, name
    monkeypatch.delenv(rd.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert load_real_drawings(download=False).sha256 == converted.sha256


def test_fetch_refuses_an_archive_without_all_the_digits(tmp_path):
    url = uci_archive(tmp_path, UJI_TEXT)
    with pytest.raises(RealDrawingsError) as error:
        fetch_uji(tmp_path / "cache", url, progress=False)
    message = str(error.value)
    assert url in message and "holds 3 digits (0:1 1:0 2:0 3:0 4:0 5:0 6:0 7:2 8:0 9:0)" in message
    assert "expected 1,200 (120 of each digit, from 60 writers) of 68,349 points" in message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_fetch_refuses_a_download_that_is_not_a_zip(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html>Not found</html>")
    with pytest.raises(RealDrawingsError, match="is not a readable zip archive"):
        fetch_uji(tmp_path / "cache", page.as_uri(), progress=False)


def test_offline_fetch_says_from_where_and_how_to_provide_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(rd.ENV_VAR, raising=False)
    url = (tmp_path / "unreachable.zip").as_uri()
    monkeypatch.setattr(rd, "UCI_URL", url)
    with pytest.raises(RealDrawingsError) as error:
        load_real_drawings()
    message = str(error.value)
    assert f"could not be downloaded from {url}" in message
    assert "set REAL_DRAWINGS_DIR" in message and rd.FILENAME in message
    assert not (tmp_path / "cache" / "digit-workbench" / "real-drawings" / rd.FILENAME).exists()


# --- measuring ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("correct, total", [(0, 10), (10, 10), (7, 10), (1130, 1200), (1, 3)])
def test_the_wilson_interval_solves_its_equation(correct, total):
    """Its ends are the p with (p_hat - p)^2 = z^2 p (1 - p) / n, and it holds p_hat."""
    low, high = wilson_interval(correct, total)
    p_hat = correct / total
    assert 0 <= low <= p_hat <= high <= 1
    for p in (low, high):
        assert total * (p_hat - p) ** 2 == pytest.approx(Z_95 ** 2 * p * (1 - p), abs=1e-9)
    if correct == total:
        assert high == 1 and low == pytest.approx(total / (total + Z_95 ** 2))
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_group_accuracy():
    assert group_accuracy(np.array([1, 2, 3, 4]), np.array([1, 0, 3, 4]), np.array([5, 5, 2, 2])) == {2: 1.0, 5: 0.5}


# --- the report ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_report(mnist, mnist_dir, real_dir, tmp_path_factory):
    """The report once with --quick on tiny models and the real drawings; (folder, results, text, README, status)."""
    folder = tmp_path_factory.mktemp("models")
    make_models(folder, mnist)
    fit_for_folder(load_all(folder)[0], mnist, folder, quick=True)       # the window's rule for these models
    out = folder / "report"
    readme = folder / "PROJECT.md"
    readme.write_text(f"# project\n\n{compare.README_BEGIN}\nold\n{compare.README_END}\n")
    status = compare.main(["--quick", "--quiet", "--folder", str(folder), "--out", str(out), "--data-dir",
                           str(mnist_dir), "--readme", str(readme), "--real-drawings", str(real_dir)])
    results = json.loads((out / "results.json").read_text())
    return folder, out, results, (out / "README.md").read_text(), readme.read_text(), status


def test_the_reports_real_drawing_numbers_equal_direct_evaluation(real_report, real):
    folder, out, results, text, _, status = real_report
    assert status == 0
    section = results["real_drawings"]
    subset = real.spread_subset(compare.QUICK_REAL)
    assert section["quick"] and section["count"] == 200 and section["indices"] == subset.tolist()
    assert section["sha256"] == rd.STANDARD_SHA256 and section["standard"]
    assert section["per_digit"] == [20] * 10 and section["writers"] == 60
    labels, writers = real.labels[subset], real.writers[subset]
    assert [m["name"] for m in section["models"]] == list(MODELS)
    for model in section["models"]:
        net = scratch.load(folder / f"{model['name']}.json")
        predictions = net.predict(real.images()[subset])
        correct = predictions == labels
        assert model["accuracy"] == pytest.approx(correct.mean())
        assert model["errors"] == int((~correct).sum())
        assert model["interval_95"] == pytest.approx(list(wilson_interval(int(correct.sum()), 200)))
        assert model["per_digit_accuracy"] == pytest.approx([correct[labels == d].mean() for d in range(10)])
        confusion = np.zeros((10, 10), int)
        np.add.at(confusion, (labels, predictions), 1)
        assert np.array_equal(model["confusion"], confusion)
        per_writer = [correct[writers == w].mean() for w in range(1, 61)]
        assert (model["per_writer"]["min"], model["per_writer"]["median"], model["per_writer"]["max"]) == \
            pytest.approx((min(per_writer), np.median(per_writer), max(per_writer)))
        row = next(line for line in text.splitlines() if line.startswith(f"| {model['name']} | {correct.mean():.2%} |"))
        assert f"| {int((~correct).sum())} |" in row
    for hard in section["hardest"]:
        i = hard["index"]
        assert hard["label"] == real.labels[i] and hard["writer"] == real.writers[i]
        assert i in subset and any(answer != hard["label"] for answer in hard["answers"].values())


def test_the_reports_confidence_numbers_are_the_windows_rule_applied_directly(real_report, real):
    folder, out, results, text, _, _ = real_report
    section = results["confidence"]
    rule, why = load_rule(folder / CALIBRATION)
    assert why == "" and section["rule"] == rule.to_dict()
    subset = real.spread_subset(compare.QUICK_REAL)
    labels = real.labels[subset]
    letters, _ = letter_images(confidence_report.QUICK_LETTERS, LETTERS_SEED)
    real_out, letter_out = {}, {}
    for name in MODELS:
        net = scratch.load(folder / f"{name}.json")
        real_out[name], letter_out[name] = net.predict_proba(real.images()[subset]), net.predict_proba(letters)
    rows = {row["rule"]: row for row in section["rules"]}
    assert list(rows) == [*MODELS, "compare-all", "compare-all, old rule"]
    assert rule.needs_features          # the quick fit gives these hidden-layer models a likeness test
    classifiers = {c.name: c for c in load_all(folder)[0]}
    real_features = {name: classifiers[name].last_hidden(real.images()[subset]) for name in rule.needs_features}
    letter_features = {name: classifiers[name].last_hidden(letters) for name in rule.needs_features}
    for name in MODELS:
        digit, _, sure = rule.single(name, real_out[name])
        assert rows[name]["calibrated"] and rows[name]["real_sure_count"] == int(sure.sum())
        assert rows[name]["real_coverage"] == pytest.approx(sure.mean())
        if sure.any():
            assert rows[name]["real_accuracy_when_sure"] == pytest.approx((digit[sure] == labels[sure]).mean())
        assert rows[name]["letters_sure_share"] == pytest.approx(rule.single(name, letter_out[name])[2].mean())
    digit, _, sure = rule.combined(real_out, real_features)
    assert rows["compare-all"]["real_sure_count"] == int(sure.sum())
    if sure.any():
        assert rows["compare-all"]["real_accuracy_when_sure"] == pytest.approx((digit[sure] == labels[sure]).mean())
    assert rows["compare-all"]["letters_sure_share"] == pytest.approx(rule.combined(letter_out, letter_features)[2].mean())
    assert rows["compare-all"]["letters_not_a_digit_share"] == pytest.approx(
        (rule.combined_kinds(letter_out, letter_features) == "not a digit").mean())
    old_digit, old_sure = old_combined(real_out)
    assert rows["compare-all, old rule"]["real_sure_count"] == int(old_sure.sum())
    assert "## Confidence" in text and f"]({confidence_report.FIGURE})" in text
    assert (out / confidence_report.FIGURE).stat().st_size > 1000


def test_the_report_shows_the_real_drawings_section_and_readme_table(real_report):
    _, out, results, text, readme, _ = real_report
    assert "## Real drawings" in text and "subset of 200 of the 1,200 drawings" in text
    assert "UJI Pen Characters v2" in text and "Wilson" in text and "measuring only" in text
    for figure in (compare.REAL_PER_DIGIT_FIGURE, compare.REAL_HARDEST_FIGURE):
        assert (out / figure).stat().st_size > 1000 and f"]({figure})" in text
    assert "On real drawings: a --quick subset of 200 digits" in readme
    assert "When the window says \"sure\"" in readme and "| compare-all |" in readme
    for model in results["real_drawings"]["models"]:
        low, high = model["interval_95"]
        assert f"| {model['name']} | {model['accuracy']:.2%} | {low:.1%} – {high:.1%} | {model['errors']} |" in readme


def test_the_report_skips_real_drawings_it_cannot_find_with_a_note(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(rd.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    # MNIST is missing too, so the run stops right after the note (exit 2), before anything heavy.
    assert compare.main(["--quick", "--folder", str(tmp_path), "--data-dir", str(tmp_path / "nowhere")]) == 2
    error = capsys.readouterr().err
    assert "note: real drawings not measured" in error and rd.ENV_VAR in error
    assert compare.load_real_set(None, False, True) == (None, "left out with --no-real-drawings")


def test_a_named_real_drawings_folder_must_hold_them(tmp_path, capsys):
    assert compare.main(["--quick", "--real-drawings", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "error: --real-drawings:" in error and str(tmp_path) in error and "holds no uji2_digits.npz" in error
    with pytest.raises(SystemExit):
        compare.main(["--real-drawings", str(tmp_path), "--no-real-drawings"])

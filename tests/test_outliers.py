"""Drawings that are no digit, for outlier exposure (workbench.data.outliers), and what training on them
with the NO_CLASS label does: a network learns to spread its answer on such drawings."""

from __future__ import annotations

import numpy as np
import pytest

from scratch.checks import NO_CLASS
from scratch.network import Network
from workbench.data.letters import GLYPHS, MARK_GLYPHS, MARKS, SYMBOL_GLYPHS, SYMBOLS, placed_strokes
from workbench.data.mnist import pixels_to_float
from workbench.data.outliers import outlier_pool
from workbench.drawing.preprocess import render_strokes, to_mnist


def test_the_pool_is_drawings_labelled_no_digit_and_the_seed_fixes_it():
    images, labels = outlier_pool(80, np.random.default_rng(3))
    assert images.shape == (80, 28, 28) and images.dtype == np.float32
    assert labels.dtype == np.int64 and (labels == NO_CLASS).all()
    assert np.array_equal(images, outlier_pool(80, np.random.default_rng(3))[0])
    assert not np.array_equal(images, outlier_pool(80, np.random.default_rng(4))[0])
    for image in images:                       # each one a drawing to_mnist made: ink, in MNIST's box
        assert 0 <= image.min() and image.max() <= 1 and (image > 0.5).sum() >= 20
        rows, cols = np.nonzero(image > 0.1)
        assert max(np.ptp(rows), np.ptp(cols)) >= 15
    assert len({image.tobytes() for image in images}) == 80, "every drawing differs"
    assert outlier_pool(0, np.random.default_rng(0))[0].shape == (0, 28, 28)


def test_the_pool_cycles_through_the_marks():
    """Every mark is in the pool, equally often: the pool's images are some permutation of the marks
    drawn in turn (here checked by drawing each mark's samples again with the same generator)."""
    images, _ = outlier_pool(2 * len(MARKS), np.random.default_rng(5))
    rng = np.random.default_rng(5)
    expected = []
    for i in range(2 * len(MARKS)):
        strokes, pen = placed_strokes(MARK_GLYPHS[MARKS[i % len(MARKS)]], rng)
        expected.append(to_mnist(render_strokes(strokes, (280, 280), pen)))
    order = rng.permutation(len(expected))
    assert np.array_equal(images, np.stack(expected)[order])


def test_the_pool_never_draws_a_letter_or_a_symbol():
    """The letters stay a fair test of the "sure" rule and the symbols a guard the models never learnt to
    doubt: no mark the pool draws is one of theirs."""
    for strokes in MARK_GLYPHS.values():
        assert all(strokes != other for other in [*GLYPHS.values(), *SYMBOL_GLYPHS.values()])
    assert not set(MARKS) & (set(GLYPHS) | set(SYMBOLS))


@pytest.mark.parametrize("count", [-1, 2.5, True, "10"])
def test_bad_counts_are_refused(count):
    with pytest.raises(ValueError, match="count"):
        outlier_pool(count, np.random.default_rng(0))


def test_a_seed_is_not_a_generator():
    with pytest.raises(ValueError, match="Generator"):
        outlier_pool(3, 7)


def test_training_on_no_digit_drawings_makes_a_network_unsure_of_them(mnist):
    """Outlier exposure, small: the same network, seed and digits, with and without 600 drawings labelled
    NO_CLASS. On other such drawings it is far less sure of a digit; on digits it stays about as good."""
    x = pixels_to_float(mnist.train_images[:3000])
    y = mnist.train_labels[:3000].astype(np.int64)
    x_val, y_val = pixels_to_float(mnist.test_images[:1000]), mnist.test_labels[:1000]
    seen, no_digit = outlier_pool(600, np.random.default_rng(1))
    unseen, _ = outlier_pool(300, np.random.default_rng(2))
    results = {}
    for name, (train_x, train_y) in {"digits only": (x, y),
                                     "with no-digit drawings": (np.concatenate([x, seen]),
                                                                np.concatenate([y, no_digit]))}.items():
        net = Network([784, 64, 10], activations=["relu", "softmax"], cost="cross_entropy", init="he", seed=0)
        order = np.random.default_rng(0).permutation(len(train_x))
        net.fit(train_x[order], train_y[order], epochs=8, batch_size=32,
                optimizer={"name": "momentum", "learning_rate": 0.05, "momentum": 0.9}, verbose=False)
        accuracy = float((net.predict_proba(x_val).argmax(axis=1) == y_val).mean())
        top = float(np.median(net.predict_proba(unseen).max(axis=1)))
        results[name] = (accuracy, top)
        print(f"{name}: digit accuracy {accuracy:.3f}, median top probability on unseen no-digit drawings {top:.3f}")
    (plain_accuracy, plain_top), (exposed_accuracy, exposed_top) = results.values()
    assert exposed_top < 0.5 < plain_top, "without outlier exposure a network is sure of a digit on most"
    assert exposed_accuracy > plain_accuracy - 0.02


def test_the_montage_shows_the_three_kinds_and_the_command_writes_it(tmp_path, capsys):
    from PIL import Image

    from workbench.data.outliers import main, montage
    path = montage(tmp_path / "m.png", np.random.default_rng(0), columns=4, zoom=1)
    with Image.open(path) as picture:
        assert picture.size == (220 + 4 * 32 + 4, 3 * 32 + 4)
        assert np.asarray(picture).min() < 50, "ink is drawn"
    assert main([str(tmp_path / "cli.png")]) == 0 and (tmp_path / "cli.png").exists()
    assert main([str(tmp_path)]) == 1, "a folder is not a PNG file"
    assert "cannot write" in capsys.readouterr().err

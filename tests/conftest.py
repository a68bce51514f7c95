"""Fixtures shared by the tests: real MNIST through $MNIST_DIR, skipped with a reason when absent."""

from __future__ import annotations

import os

import pytest

from workbench.data.mnist import DatasetError, MnistData, load_mnist


@pytest.fixture(scope="session")
def mnist() -> MnistData:
    """The real MNIST from $MNIST_DIR (CI sets it); tests using it are skipped, with the reason, without it."""
    folder = os.environ.get("MNIST_DIR")
    if not folder:
        pytest.skip("MNIST_DIR is not set; set it to a folder holding MNIST to run the tests on real data")
    try:
        return load_mnist(folder, download=False)
    except DatasetError as e:
        pytest.skip(f"MNIST_DIR={folder} does not hold a usable MNIST: {e}")

"""Fixtures shared by the tests: real MNIST, skipped with a reason when there is none.

MNIST is read from $MNIST_DIR (CI sets it), or else from the user cache where the GUI and the
builders keep their verified download (~/.cache/digit-workbench/mnist), so a newcomer who ran the
project once gets the whole suite. Tests never download it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.data.mnist import DatasetError, MnistData, default_cache_dir, load_mnist


def _mnist_folder() -> Path | None:
    folder = os.environ.get("MNIST_DIR")
    if folder:
        return Path(folder)
    cache = default_cache_dir()
    return cache if cache.is_dir() else None


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The folder holding a verified MNIST: $MNIST_DIR, else the user cache; skips with the reason otherwise."""
    folder = _mnist_folder()
    if folder is None:
        pytest.skip(f"no MNIST: MNIST_DIR is not set and the user cache {default_cache_dir()} is empty "
                    f"(set MNIST_DIR, or run python -m workbench.data once to download it)")
    try:
        load_mnist(folder, download=False)
    except DatasetError as e:
        pytest.skip(f"{folder} does not hold a usable MNIST: {e}")
    return folder


@pytest.fixture(scope="session")
def mnist(mnist_dir: Path) -> MnistData:
    """The real MNIST (see mnist_dir); tests using it are skipped, with the reason, without it."""
    return load_mnist(mnist_dir, download=False)


@pytest.fixture(scope="session")
def display():
    """A display to open windows on: the one in $DISPLAY if it works, else one Xvfb for the whole session.

    One for the session, not one per test file: Tk keeps its connection to every display it has used
    until the process ends, so a server stopped between files would be a fatal X error at the next
    window update in a later file."""
    tk = pytest.importorskip("tkinter", reason="tkinter is not installed (Debian/Ubuntu: apt install python3-tk)")
    if os.environ.get("DISPLAY") and _tk_opens(tk):
        yield os.environ["DISPLAY"]
        return
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("no display and no Xvfb to start one (CI installs xvfb; apt install xvfb)")
    read, write = os.pipe()
    process = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                               pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    if not number:
        process.kill()
        pytest.skip("Xvfb did not start")
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield os.environ["DISPLAY"]
    finally:
        process.terminate()
        process.wait(10)
        if old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = old


def _tk_opens(tk) -> bool:
    try:
        tk.Tk().destroy()
        return True
    except tk.TclError:
        return False

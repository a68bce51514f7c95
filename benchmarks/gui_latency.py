"""How long from the end of a stroke to every model's bars updated in compare-all, and how
long the window takes to appear. Runs the real window (on $DISPLAY, or a fresh Xvfb).

    python -m benchmarks.gui_latency [--strokes 40] [--models-dir saved_networks]

The time of one measurement runs from the stroke's ButtonRelease event (the end of the
stroke) until the window has drawn the new bars, so it includes the debounce wait, the
MNIST-style preparation, every model's prediction and the redraw. Target: median <= 100 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

START = time.perf_counter()   # before tkinter, matplotlib and the models are imported

STROKES = [  # (x, y) canvas points: a 7, a 1, a 0 and a 4, drawn in turn
    [(70, 60), (120, 58), (170, 56), (210, 55), (190, 100), (165, 150), (145, 200), (130, 240)],
    [(140, 40), (140, 100), (141, 160), (142, 240)],
    [(140, 40), (90, 80), (80, 150), (110, 230), (170, 230), (200, 150), (190, 80), (140, 40)],
    [(170, 40), (90, 170), (210, 170), (180, 120), (180, 250)],
]


def start_xvfb() -> subprocess.Popen | None:
    if os.environ.get("DISPLAY") or shutil.which("Xvfb") is None:
        return None
    read, write = os.pipe()
    process = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                               pass_fds=(write,), stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        os.environ["DISPLAY"] = ":" + f.readline().strip()
    return process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strokes", type=int, default=40, help="measured strokes (default 40)")
    parser.add_argument("--models-dir", default="saved_networks")
    parser.add_argument("--view", choices=["compare", "inside"], default="inside",
                        help="the tab open while drawing (default: inside, the hidden layers of the chosen model)")
    parser.add_argument("--why", action="store_true", help="also show the saliency overlay on the 28x28 view")
    args = parser.parse_args(argv)
    xvfb = start_xvfb()
    try:
        import tkinter as tk
        from gui.app import App
        root = tk.Tk()
        app = App(root, args.models_dir)
        while app.updates == 0:                      # the first drawing of the window with its models listed
            root.update()
        drawable = time.perf_counter() - START
        while app.loading:
            root.update()
            time.sleep(0.01)
        loaded = time.perf_counter() - START
        app.tabs.select(1 if args.view == "compare" else 3)     # compare-all, or the Inside tab
        app.show_why.set(args.why)
        root.update()
        print(f"window drawable {drawable:.2f} s after start (scratch models listed); all {len(app.classifiers)} "
              f"models loaded after {loaded:.2f} s")
        times = []
        for i in range(args.strokes + 3):           # the first three warm up
            if i % len(STROKES) == 0:
                app.clear()
            stroke = STROKES[i % len(STROKES)]
            app.canvas.event_generate("<ButtonPress-1>", x=stroke[0][0], y=stroke[0][1])
            for x, y in stroke[1:]:
                app.canvas.event_generate("<B1-Motion>", x=x, y=y)
            before, views_before = app.updates, app.views_updated
            released = time.perf_counter()
            app.canvas.event_generate("<ButtonRelease-1>", x=stroke[-1][0], y=stroke[-1][1])
            while app.updates == before:
                root.update()
            root.update_idletasks()
            bars = time.perf_counter() - released
            # Every view: the saliency maps and hidden layers of this very drawing are on screen.
            while app.views_updated == views_before or app.explanation is None or \
                    app.explanation.generation != app.generation:
                root.update()
                time.sleep(0.001)
            root.update_idletasks()
            if i >= 3:
                times.append((bars, time.perf_counter() - released))
        root.destroy()
    finally:
        if xvfb is not None:
            xvfb.terminate()
    for what, column in ((f"all {len(app.classifiers)} models' bars updated", 0),
                         (f"every view updated ({args.view} tab open{', saliency overlay on' if args.why else ''}: "
                          f"saliency maps, hidden layers)", 1)):
        ms = sorted(t[column] * 1000 for t in times)
        print(f"stroke end -> {what} ({len(ms)} strokes, debounce included): median {statistics.median(ms):.1f} "
              f"ms, 90th percentile {ms[int(0.9 * (len(ms) - 1))]:.1f} ms, worst {ms[-1]:.1f} ms "
              f"(target: median <= 100 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

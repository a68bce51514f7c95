"""python -m gui: open the drawing workbench with the models in saved_networks/ (or --models-dir)."""

import argparse
import sys
import tkinter as tk

from workbench.models.registry import DEFAULT_FOLDER


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw a digit and compare how every model classifies it.")
    parser.add_argument("--models-dir", default=str(DEFAULT_FOLDER), help="folder of trained models "
                                                                          f"(default: {DEFAULT_FOLDER}/)")
    args = parser.parse_args(argv)
    try:
        from gui.app import run
        run(args.models_dir)
    except tk.TclError as e:
        print(f"error: cannot open a window ({e}). Is a display available (DISPLAY set)?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

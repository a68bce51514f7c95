"""python -m gui: open the drawing workbench with the models in saved_networks/ (or --models-dir)."""

import argparse
import sys
import tkinter as tk

from workbench.models.registry import default_folder


def main(argv: list[str] | None = None) -> int:
    """`digit-workbench` / `python -m gui`."""
    parser = argparse.ArgumentParser(prog="digit-workbench",
                                     description="Draw a digit and compare how every model classifies it.")
    parser.add_argument("--models-dir", default=str(default_folder()),
                        help="folder of trained models (default: saved_networks/ here, else the one shipped "
                             "with the workbench)")
    parser.add_argument("--verbose", action="store_true", help="also print the status line's messages here")
    args = parser.parse_args(argv)
    try:
        from gui.app import run
        run(args.models_dir, verbose=args.verbose)
    except tk.TclError as e:
        print(f"error: cannot open a window ({e}). Is a display available (DISPLAY set)?", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

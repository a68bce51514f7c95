"""Render the pictures of the digits 0-9 that label the GUI's outputs: number_images/0.png ... 9.png.

Run `python -m gui.number_images` from the repository root (the PNGs are committed; run it
again only to change their look). Each picture is a dark digit centred on a light square,
drawn with a bold sans-serif font found on the system, or Pillow's own font as a fallback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from scratch.files import atomic_path

OUT_DIR = Path(__file__).resolve().parent.parent / "number_images"
SIZE = 120                 # pixels, square
DIGIT_HEIGHT = 0.68        # the digit's ink height as a fraction of the picture
INK, PAPER = 34, 246       # grey levels: dark digit, light background (softer than pure black/white)

# Bold sans-serif fonts, tried in turn: Linux (DejaVu, Liberation), Windows, macOS. Pillow
# finds a bare file name in the system's font folders.
FONT_CANDIDATES = (
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "arialbd.ttf",
    "/System/Library/Fonts/Supplemental/Arial Bold.ttf",
    "/Library/Fonts/Arial Bold.ttf",
)


def load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The first candidate font that loads, at `size` points; else Pillow's built-in font."""
    for name in FONT_CANDIDATES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)   # Pillow >= 10.1 ships a scalable font
    except TypeError:
        return ImageFont.load_default()             # older Pillow: a small bitmap font


def digit_font(size: int = SIZE) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font sized so that a digit's ink is DIGIT_HEIGHT of a `size`-pixel picture.

    Font sizes are nominal (they include room for accents and descenders), so the size is
    found by measuring the ink of "0" at 100 points and scaling.
    """
    probe = load_font(100)
    top, bottom = probe.getbbox("0")[1::2]
    return load_font(max(1, round(100 * DIGIT_HEIGHT * size / (bottom - top))))


def render_digit(digit: int, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, size: int = SIZE) -> Image.Image:
    """A `size` x `size` grey ("L") picture of `digit`, its ink centred in both directions."""
    image = Image.new("L", (size, size), PAPER)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = draw.textbbox((0, 0), str(digit), font=font)
    # Centre the ink itself, not the text box: glyph boxes carry uneven side bearings.
    x = (size - (right - left)) / 2 - left
    y = (size - (bottom - top)) / 2 - top
    draw.text((x, y), str(digit), fill=INK, font=font)
    return image


def write_number_images(out_dir: Path = OUT_DIR, size: int = SIZE) -> list[Path]:
    """Write 0.png ... 9.png into `out_dir`, each atomically; returns their paths."""
    font = digit_font(size)
    paths = []
    for digit in range(10):
        path = Path(out_dir) / f"{digit}.png"
        with atomic_path(path) as tmp:
            render_digit(digit, font, size).save(tmp, format="PNG", optimize=True)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gui.number_images", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"folder to write into (default: {OUT_DIR})")
    parser.add_argument("--size", type=int, default=SIZE, help=f"picture side in pixels (default: {SIZE})")
    args = parser.parse_args(argv)
    if args.size < 16:
        parser.error("--size must be at least 16 pixels")
    paths = write_number_images(args.out, args.size)
    print(f"wrote {len(paths)} pictures of {args.size}x{args.size} pixels to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

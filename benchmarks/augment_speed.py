"""How fast is `workbench.data.augment.augment_batch`? Images per second, whole config and each part alone.

Augmenting runs once per mini-batch in every training epoch, before the
network sees the batch, so it must cost much less than the epoch itself (about
5 s for the 784-800-800-10 MLP on 50,000 images). This pushes the 50,000
training images through in batches of 128, as training does, and reports the
best of a few repeats (the least disturbed by other work on the machine).

    python -m benchmarks.augment_speed [--data-dir DIR] [--batch-size 128] [--repeats 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from workbench.data.augment import AugmentConfig, augment_batch
from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float


def component_configs() -> dict[str, AugmentConfig]:
    """The default config, nothing at all, and each transform alone at its default strength."""
    default = AugmentConfig()
    off = AugmentConfig.none()
    return {
        "full default config": default,
        "none (copy only)": off,
        "shift": replace(off, probability=1.0, max_shift=default.max_shift),
        "rotation": replace(off, probability=1.0, max_rotation=default.max_rotation),
        "scale": replace(off, probability=1.0, max_scale_change=default.max_scale_change),
        "slant": replace(off, probability=1.0, max_slant=default.max_slant),
        "elastic": replace(off, probability=1.0, elastic_alpha=default.elastic_alpha,
                           elastic_sigma=default.elastic_sigma),
        f"dilation (p={default.dilation_probability})": replace(
            off, probability=1.0, dilation_probability=default.dilation_probability,
            max_dilation=default.max_dilation),
        f"erosion (p={default.erosion_probability})": replace(
            off, probability=1.0, erosion_probability=default.erosion_probability,
            max_erosion=default.max_erosion),
        "dilation on every image": replace(off, probability=1.0, dilation_probability=1.0, max_dilation=1.0),
    }


def seconds_per_epoch(images: np.ndarray, config: AugmentConfig, batch_size: int, repeats: int) -> float:
    """Best wall-clock time of `repeats` passes over `images` in mini-batches of `batch_size`."""
    rng = np.random.default_rng(0)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for first in range(0, len(images), batch_size):
            augment_batch(images[first:first + batch_size], rng, config)
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.augment_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder holding MNIST (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3, help="passes per config; the fastest counts")
    args = parser.parse_args(argv)
    if args.batch_size < 1 or args.repeats < 1:
        parser.error("--batch-size and --repeats must be at least 1")
    try:
        data = load_mnist(args.data_dir)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    images = pixels_to_float(data.validation_split().train_images)
    print(f"augmenting {len(images):,} training images in batches of {args.batch_size}, "
          f"best of {args.repeats} (numpy {np.__version__})")
    print(f"{'config':32}{'images/s':>12}{'s/epoch':>10}")
    for name, config in component_configs().items():
        seconds = seconds_per_epoch(images, config, args.batch_size, args.repeats)
        print(f"{name:32}{len(images) / seconds:>12,.0f}{seconds:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

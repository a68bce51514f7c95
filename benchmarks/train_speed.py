"""How fast does the scratch library train 784-800-800-10, against Keras and against the machine?

    python -m benchmarks.train_speed [--data-dir DIR] [--rounds 2] [--samples N]

Trains one epoch of MNIST (ReLU, softmax cross-entropy, momentum SGD, batch 128,
no dropout) with the scratch library and with the equivalent Keras model in the
same run, and prints:

- samples per second for each, and the ratio scratch / Keras (target >= 1.3);
- the scratch training's achieved GFLOP/s, as a fraction of this machine's
  float32 matrix-multiply rate measured here, with a 2048x2048x2048 product
  (target >= 50%).

FLOPs per training sample: 2 x weights for the forward pass, 2 x weights for the
weight gradients, and 2 x weights of every layer but the first for the gradients
passed down (the input needs none): 6.40 MFLOP for 784-800-800-10. Biases and
element-wise work are not counted, so the figure understates the work done.

Both sides get a warm-up (buffers, BLAS threads, Keras's graph tracing) and the
epochs alternate, scratch then Keras, `--rounds` times; each side's best epoch is
reported, so a burst of load from elsewhere on a shared machine does not decide
the result. Keras is fed NumPy arrays directly (its fastest input path).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import scratch
from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float

SIZES = [784, 800, 800, 10]
BATCH = 128
LEARNING_RATE, MOMENTUM = 0.01, 0.9


def training_flops_per_sample(sizes: list[int]) -> float:
    weights = [a * b for a, b in zip(sizes[:-1], sizes[1:])]
    return 2 * sum(weights) + 2 * sum(weights) + 2 * sum(weights[1:])


def gemm_rate(n: int = 2048, seconds: float = 3.0) -> float:
    """Best float32 GFLOP/s of an n x n x n product, repeated for `seconds`."""
    rng = np.random.default_rng(0)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best, start = float("inf"), time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 2 * n ** 3 / best / 1e9


def scratch_epoch(net: scratch.Network, x: np.ndarray, y: np.ndarray) -> float:
    """Seconds for one epoch of scratch training."""
    start = time.perf_counter()
    net.fit(x, y, epochs=1, batch_size=BATCH, optimizer=scratch.Momentum(LEARNING_RATE, MOMENTUM), verbose=False)
    return time.perf_counter() - start


def keras_epoch(model, x: np.ndarray, y: np.ndarray) -> float:
    """Seconds for one epoch of Keras training (model.fit on NumPy arrays)."""
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder holding MNIST (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--rounds", type=int, default=2, help="epochs per side, alternating (default 2)")
    parser.add_argument("--samples", type=int, default=60_000, help="training images per epoch (default all 60,000)")
    args = parser.parse_args(argv)
    try:
        mnist = load_mnist(args.data_dir)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    x = pixels_to_float(mnist.train_images[:args.samples])
    y = mnist.train_labels[:args.samples].astype(np.int64)
    x_flat = x.reshape(len(x), 784)

    print(f"machine: {os.cpu_count()} CPU cores, NumPy {np.__version__}")
    print("measuring the float32 matrix-multiply rate (2048^3)...", flush=True)
    peak = gemm_rate()
    print(f"  {peak:.1f} GFLOP/s")

    import tf_models  # imported here, so that loading the data and measuring GEMMs stays TensorFlow-free
    import keras

    net = scratch.Network(SIZES, activations=["relu", "relu", "softmax"], cost="cross_entropy", init="he", seed=0)
    model = tf_models.mlp_large(dropout_input=0.0, dropout_hidden=0.0, max_norm=None,
                                learning_rate=LEARNING_RATE, momentum=MOMENTUM, seed=0)
    print("warming up both...", flush=True)
    scratch_epoch(net, x_flat[:2560], y[:2560])
    keras_epoch(model, x[:2560], y[:2560])

    scratch_times, keras_times = [], []
    for round_ in range(1, args.rounds + 1):
        scratch_times.append(scratch_epoch(net, x_flat, y))
        keras_times.append(keras_epoch(model, x, y))
        print(f"  round {round_}: scratch {len(x) / scratch_times[-1]:8.0f} samples/s   "
              f"keras {len(x) / keras_times[-1]:8.0f} samples/s", flush=True)

    scratch_rate = len(x) / min(scratch_times)
    keras_rate = len(x) / min(keras_times)
    gflops = scratch_rate * training_flops_per_sample(SIZES) / 1e9
    ratio, fraction = scratch_rate / keras_rate, gflops / peak
    print()
    print(f"784-800-800-10, batch {BATCH}, momentum SGD, one epoch of {len(x)} images (best of {args.rounds}):")
    print(f"  scratch     {scratch_rate:10.0f} samples/s")
    print(f"  keras       {keras_rate:10.0f} samples/s   (TensorFlow {_version('tensorflow')}, "
          f"Keras {keras.__version__})")
    print(f"  ratio scratch/keras      {ratio:6.2f}x   target >= 1.30x   {'met' if ratio >= 1.3 else 'NOT MET'}")
    print(f"  scratch training  {gflops:8.1f} GFLOP/s = {fraction:5.1%} of the {peak:.1f} GFLOP/s matmul rate   "
          f"target >= 50%   {'met' if fraction >= 0.5 else 'NOT MET'}")
    return 0


def _version(package: str) -> str:
    from importlib.metadata import version
    return version(package)


if __name__ == "__main__":
    sys.exit(main())

"""How fast does the scratch library train, against Keras, its peers, and the machine's own limit?

    python -m benchmarks.train_speed [--networks mlp cnn] [--rounds 5] [--batches 40] [--data-dir DIR]

Two networks, each trained at batch 128 with momentum SGD on real MNIST images:
- mlp: 784-800-800-10, ReLU, softmax cross-entropy, no dropout;
- cnn: conv 20@5x5 - pool - conv 40@5x5 - pool - dense 100 - softmax, batch norm, dropout 0.5.

In every round, for each network, in turn: the scratch model trains `--batches` mini-batches, the
Keras twin (TensorFlow backend) trains the same batches, and "products only" times just the matrix
products one training step needs at this network's own shapes (forward, weight gradients, gradients
passed down; the im2col products for the CNN), `--batches` times. Rounds are interleaved and each
figure is the median over rounds, so a burst of load from elsewhere moves one round, not the result.
The products-only rate is the machine's limit for this network: everything else a training step does
(activations, the optimizer's passes over the weights, im2col copies, temporaries) is overhead.

With `torch` or `jax` installed (requirements-bench.txt; optional), a PyTorch twin and Keras on the JAX
backend are measured too, each in a subprocess (benchmarks/peers.py) on the same data, and printed beside.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

import numpy as np

import scratch
from scratch.sequential import cnn as scratch_cnn
from workbench.data.mnist import DatasetError, load_mnist, pixels_to_float

BATCH = 128
LEARNING_RATE, MOMENTUM = 0.01, 0.9
MLP_SIZES = [784, 800, 800, 10]


def mlp_products(n: int) -> list[tuple[int, int, int]]:
    """(m, k, n) of every matrix product in one training step of 784-800-800-10 at batch n."""
    shapes = []
    pairs = list(zip(MLP_SIZES[:-1], MLP_SIZES[1:]))
    shapes += [(n, a, b) for a, b in pairs]                  # forward: a[l-1] @ W[l]
    shapes += [(a, n, b) for a, b in pairs]                  # weight gradients: a[l-1].T @ delta[l]
    shapes += [(n, b, a) for a, b in pairs[1:]]              # passed down: delta[l] @ W[l].T (not to the pixels)
    return shapes


def cnn_products(n: int) -> list[tuple[int, int, int]]:
    """The im2col products of one CNN training step at batch n: conv 1 (24x24 outputs, 5x5x1 patches),
    conv 2 (8x8 outputs, 5x5x20 patches), dense 640->100, output 100->10."""
    conv1, conv2 = (n * 24 * 24, 25, 20), (n * 8 * 8, 500, 40)
    dense, out = (n, 640, 100), (n, 100, 10)
    shapes = [conv1, conv2, dense, out]                                      # forward
    shapes += [(k, m, o) for m, k, o in (conv1, conv2, dense, out)]          # weight gradients
    shapes += [(m, o, k) for m, k, o in (conv2, dense, out)]                 # passed down (not to the pixels)
    return shapes


def flops(shapes: list[tuple[int, int, int]]) -> float:
    return sum(2.0 * m * k * o for m, k, o in shapes)


@dataclass
class Network:
    name: str
    description: str
    products: list[tuple[int, int, int]]
    scratch_model: object
    keras_model: object


def make_networks(names: list[str]) -> list[Network]:
    import tf_models  # first: it quiets TensorFlow's start-up before Keras imports it
    import keras
    made = []
    if "mlp" in names:
        net = scratch.Network(MLP_SIZES, activations=["relu", "relu", "softmax"], cost="cross_entropy", init="he")
        model = tf_models.mlp(sizes=MLP_SIZES, activations=["relu", "relu", "softmax"], init="he")
        made.append(Network("mlp", "784-800-800-10 ReLU, softmax, no dropout", mlp_products(BATCH), net,
                            tf_models.compile_model(model, keras.optimizers.SGD(LEARNING_RATE, momentum=MOMENTUM),
                                                    "cross_entropy")))
    if "cnn" in names:
        model = tf_models.cnn()
        made.append(Network("cnn", "conv 20@5x5 - pool - conv 40@5x5 - pool - dense 100 - softmax, batch norm",
                            cnn_products(BATCH), scratch_cnn(),
                            tf_models.compile_model(model, keras.optimizers.SGD(LEARNING_RATE, momentum=MOMENTUM),
                                                    "cross_entropy")))
    return made


def time_scratch(model, x: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    model.fit(x, y, epochs=1, batch_size=BATCH, optimizer=scratch.Momentum(LEARNING_RATE, MOMENTUM), verbose=False)
    return time.perf_counter() - start


def time_keras(model, x: np.ndarray, y: np.ndarray) -> float:
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
    return time.perf_counter() - start


class Products:
    """Preallocated operands for a network's matrix products, so timing them measures only the products."""

    def __init__(self, shapes: list[tuple[int, int, int]]) -> None:
        rng = np.random.default_rng(0)
        self.operands = [(rng.random((m, k), dtype=np.float32), rng.random((k, o), dtype=np.float32),
                          np.empty((m, o), np.float32)) for m, k, o in shapes]

    def time(self, steps: int) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            for a, b, out in self.operands:
                np.matmul(a, b, out=out)
        return time.perf_counter() - start


def settle(seconds: float = 1.0) -> None:
    """Pause between measurements: TensorFlow's and OpenBLAS's worker threads keep spinning for a moment
    after their work ends, and on 2 cores they would slow whichever side is measured next."""
    time.sleep(seconds)


def run_peer(framework: str, network: str, x: np.ndarray, y: np.ndarray, rounds: int) -> list[float] | str:
    """Samples/s per round of a peer (benchmarks/peers.py) in a subprocess; or why it could not run."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"digit-workbench-bench-{os.getpid()}.npz")
    np.savez(path, x=x, y=y)
    try:
        result = subprocess.run([sys.executable, "-m", "benchmarks.peers", framework, network, path, str(rounds),
                                 str(BATCH), str(LEARNING_RATE), str(MOMENTUM)],
                                capture_output=True, text=True, timeout=1800)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        return (result.stderr.strip().splitlines() or ["failed"])[-1]
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.train_speed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--networks", nargs="+", choices=["mlp", "cnn"], default=["mlp", "cnn"])
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5); medians are reported")
    parser.add_argument("--batches", type=int, default=40, help="mini-batches of 128 per measurement (default 40)")
    parser.add_argument("--data-dir", help="folder holding MNIST (default: $MNIST_DIR, then the cache)")
    parser.add_argument("--no-peers", action="store_true", help="skip PyTorch and Keras-on-JAX even if installed")
    args = parser.parse_args(argv)
    try:
        mnist = load_mnist(args.data_dir)
    except DatasetError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    samples = args.batches * BATCH
    x = pixels_to_float(mnist.train_images[:samples])
    y = mnist.train_labels[:samples].astype(np.int64)
    print(f"machine: {os.cpu_count()} CPU cores, NumPy {np.__version__}; {samples} images per measurement, "
          f"batch {BATCH}, momentum SGD; {args.rounds} interleaved rounds, medians", flush=True)
    networks = make_networks(args.networks)
    products = {n.name: Products(n.products) for n in networks}
    for n in networks:                                           # warm-up: buffers, BLAS threads, graph tracing
        time_scratch(n.scratch_model, x[:4 * BATCH], y[:4 * BATCH])
        time_keras(n.keras_model, x[:4 * BATCH], y[:4 * BATCH])
        products[n.name].time(2)
    rates: dict[str, dict[str, list[float]]] = {n.name: {"scratch": [], "keras": [], "products": []}
                                                for n in networks}
    for round_ in range(1, args.rounds + 1):
        for n in networks:
            r = rates[n.name]
            settle()
            r["scratch"].append(samples / time_scratch(n.scratch_model, x, y))
            settle()
            r["keras"].append(samples / time_keras(n.keras_model, x, y))
            settle()
            r["products"].append(samples / products[n.name].time(args.batches))
            print(f"  round {round_} {n.name}: scratch {r['scratch'][-1]:8.0f}  keras {r['keras'][-1]:8.0f}  "
                  f"products only {r['products'][-1]:8.0f} samples/s", flush=True)
    peers = {}
    if not args.no_peers:
        for framework, module in (("torch", "torch"), ("keras-jax", "jax")):
            if importlib.util.find_spec(module) is None:
                print(f"  ({framework}: not installed; pip install -r requirements-bench.txt to compare)")
                continue
            for n in networks:
                print(f"  measuring {framework} {n.name} in a subprocess...", flush=True)
                peers[(framework, n.name)] = run_peer(framework, n.name, x, y, args.rounds)
    print()
    for n in networks:
        r = {side: statistics.median(values) for side, values in rates[n.name].items()}
        gflops = r["scratch"] * flops(n.products) / BATCH / 1e9
        print(f"{n.name}: {n.description}")
        print(f"  scratch              {r['scratch']:9.0f} samples/s   {gflops:6.1f} GFLOP/s in its products")
        print(f"  keras (TensorFlow)   {r['keras']:9.0f} samples/s   scratch/keras = {r['scratch'] / r['keras']:.2f}x")
        fastest = ("keras (TensorFlow)", r["keras"])
        for (framework, network), result in peers.items():
            if network != n.name:
                continue
            if isinstance(result, str):
                print(f"  {framework:20} could not run: {result}")
                continue
            rate = statistics.median(result)
            print(f"  {framework:20} {rate:9.0f} samples/s   scratch/{framework} = {r['scratch'] / rate:.2f}x")
            fastest = max(fastest, (framework, rate), key=lambda item: item[1])
        print(f"  products only        {r['products']:9.0f} samples/s   scratch reaches "
              f"{r['scratch'] / r['products']:.0%} of this network's matrix-product limit")
        print(f"  fastest peer: {fastest[0]}; scratch/fastest = {r['scratch'] / fastest[1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

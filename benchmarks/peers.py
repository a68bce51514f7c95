"""The peers of benchmarks.train_speed, each run in its own process (so its threads and imports do not
disturb the others): a PyTorch twin, and the Keras model on the JAX backend.

    python -m benchmarks.peers {torch,keras-jax} {mlp,cnn} DATA.npz ROUNDS BATCH LEARNING_RATE MOMENTUM

DATA.npz holds x (n, 28, 28) float32 and y (n,) labels. Prints one JSON line: samples/s of each round
(after one warm-up pass). The networks are the same as train_speed's: 784-800-800-10 ReLU/softmax, and
conv 20@5x5 - pool - conv 40@5x5 - pool - dense 100 - softmax with batch norm and dropout 0.5.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np


def torch_rates(network: str, x: np.ndarray, y: np.ndarray, rounds: int, batch: int, rate: float,
                momentum: float) -> list[float]:
    import torch
    from torch import nn
    torch.manual_seed(0)
    if network == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 800), nn.ReLU(), nn.Linear(800, 800), nn.ReLU(),
                              nn.Linear(800, 10))
        images = torch.from_numpy(x)
    else:
        model = nn.Sequential(nn.Conv2d(1, 20, 5, bias=False), nn.BatchNorm2d(20, momentum=0.01, eps=1e-3),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 40, 5, bias=False),
                              nn.BatchNorm2d(40, momentum=0.01, eps=1e-3), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Flatten(), nn.Linear(640, 100, bias=False), nn.BatchNorm1d(100, momentum=0.01,
                                                                                            eps=1e-3),
                              nn.ReLU(), nn.Dropout(0.5), nn.Linear(100, 10))
        images = torch.from_numpy(x[:, None, :, :])        # PyTorch wants channels first
    labels = torch.from_numpy(y.astype(np.int64))
    optimizer = torch.optim.SGD(model.parameters(), lr=rate, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()              # softmax + cross-entropy on logits, as scratch fuses them

    def epoch() -> float:
        start = time.perf_counter()
        order = torch.randperm(len(images))
        for i in range(0, len(images), batch):
            index = order[i:i + batch]
            optimizer.zero_grad()
            loss_fn(model(images[index]), labels[index]).backward()
            optimizer.step()
        return len(images) / (time.perf_counter() - start)

    epoch()
    return [epoch() for _ in range(rounds)]


def keras_jax_rates(network: str, x: np.ndarray, y: np.ndarray, rounds: int, batch: int, rate: float,
                    momentum: float) -> list[float]:
    os.environ["KERAS_BACKEND"] = "jax"
    import keras
    from keras import layers
    if network == "mlp":
        model = keras.Sequential([keras.Input((28, 28)), layers.Flatten(), layers.Dense(800, activation="relu"),
                                  layers.Dense(800, activation="relu"), layers.Dense(10, activation="softmax")])
    else:
        model = keras.Sequential([keras.Input((28, 28)), layers.Reshape((28, 28, 1)),
                                  layers.Conv2D(20, 5, use_bias=False), layers.BatchNormalization(),
                                  layers.Activation("relu"), layers.MaxPooling2D(2),
                                  layers.Conv2D(40, 5, use_bias=False), layers.BatchNormalization(),
                                  layers.Activation("relu"), layers.MaxPooling2D(2), layers.Flatten(),
                                  layers.Dense(100, use_bias=False), layers.BatchNormalization(),
                                  layers.Activation("relu"), layers.Dropout(0.5),
                                  layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(rate, momentum=momentum),
                  loss="sparse_categorical_crossentropy")

    def epoch() -> float:
        start = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, shuffle=True, verbose=0)
        return len(x) / (time.perf_counter() - start)

    epoch()
    return [epoch() for _ in range(rounds)]


PEERS = {"torch": torch_rates, "keras-jax": keras_jax_rates}


def main(argv: list[str]) -> int:
    framework, network, path, rounds, batch, rate, momentum = argv
    with np.load(path) as data:
        x, y = data["x"].astype(np.float32), data["y"]
    print(json.dumps(PEERS[framework](network, x, y, int(rounds), int(batch), float(rate), float(momentum))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

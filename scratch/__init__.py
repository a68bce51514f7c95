"""A neural-network library written from scratch in NumPy, to learn backpropagation from.

    import scratch
    net = scratch.Network([784, 30, 10], activations="sigmoid", cost="quadratic")
    net.fit(x_train, y_train, epochs=30, batch_size=10, optimizer=scratch.SGD(3.0))
    net.predict(x_test); net.save("my_net.json"); scratch.load("my_net.json")

    cnn = scratch.cnn(seed=0)      # a convolutional network: scratch.Sequential of scratch.layers
    cnn.fit(x_train, y_train, epochs=3, batch_size=128, optimizer=scratch.Adam(0.001))

No TensorFlow, no ML library: NumPy only, by design.
"""

from scratch import layers
from scratch.imagine import imagine
from scratch.network import Network
from scratch.sequential import Sequential, cnn
from scratch.training import Evaluation, train
from scratch.history import History, TrainingDiverged, TrainingInterrupted
from scratch.optimizers import SGD, Adam, Constant, ExponentialDecay, Momentum, RMSProp
from scratch.persistence import load

__all__ = ["Network", "Sequential", "cnn", "layers", "train", "History", "Evaluation", "TrainingDiverged",
           "TrainingInterrupted", "load", "imagine", "SGD", "Momentum", "RMSProp", "Adam", "Constant",
           "ExponentialDecay"]

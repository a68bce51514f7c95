"""A neural-network library written from scratch in NumPy, to learn backpropagation from.

    import scratch
    net = scratch.Network([784, 30, 10], activations="sigmoid", cost="quadratic")
    net.fit(x_train, y_train, epochs=30, batch_size=10, optimizer=scratch.SGD(3.0))
    net.predict(x_test); net.save("my_net.json"); scratch.load("my_net.json")

No TensorFlow, no ML library: NumPy only, by design.
"""

from scratch.imagine import imagine
from scratch.network import Evaluation, Network
from scratch.history import History, TrainingDiverged, TrainingInterrupted
from scratch.optimizers import SGD, Adam, Constant, ExponentialDecay, Momentum, RMSProp
from scratch.persistence import load

__all__ = ["Network", "History", "Evaluation", "TrainingDiverged", "TrainingInterrupted", "load", "imagine",
           "SGD", "Momentum", "RMSProp", "Adam", "Constant", "ExponentialDecay"]


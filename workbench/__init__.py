"""Shared pieces of Digit Workbench: MNIST data, preprocessing, the model registry, evaluation."""

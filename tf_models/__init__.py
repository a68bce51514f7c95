"""The Keras side of the workbench: the models, their training, saving, and fast inference. Keras only.

Importing this package imports TensorFlow. Nothing else in the project imports
TensorFlow at module level: the Keras adapter imports this package only when a
Keras model is built or loaded, so the scratch side works without it.
"""

import os

from tf_models.quiet import c_stderr_silenced

# TensorFlow's C++ start-up notices ("oneDNN custom operations are on", "Could not find cuda drivers",
# "failed call to cuInit") are noise for our users. TensorFlow 2.21 writes them before its log level is
# read, so besides the level, C-level stderr is silenced while TensorFlow starts its devices.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
with c_stderr_silenced():
    import tensorflow as tf
    import keras

    tf.constant(0.0) + 1.0      # the first operation initialises the devices (the CUDA notices)
tf.get_logger().setLevel("ERROR")   # Python-side warnings (e.g. retracing) are for developers

from tf_models.inference import CompiledModel  # noqa: E402
from tf_models.models import (MODELS, cnn, compile_model, loss_for, mlp, optimizer_from,  # noqa: E402
                              parameter_count)
from tf_models.persistence import load, save  # noqa: E402
from tf_models.training import fit  # noqa: E402

__all__ = ["MODELS", "mlp", "cnn", "compile_model", "loss_for", "optimizer_from", "parameter_count", "fit",
           "save", "load", "CompiledModel", "keras"]

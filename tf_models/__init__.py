"""The Keras side of the workbench: three models, their training, saving, and parity with scratch.

Importing this package imports TensorFlow. Nothing else in the project imports
TensorFlow at module level: the registry and the GUI import this package only
when a Keras model is actually loaded, so the scratch side works without it.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")   # TensorFlow's C++ start-up notices are noise for our users

from tf_models.models import MODELS, cnn, mlp_large, mlp_small, parameter_count
from tf_models.persistence import load, save
from tf_models.training import fit

__all__ = ["MODELS", "mlp_small", "mlp_large", "cnn", "parameter_count", "fit", "save", "load"]

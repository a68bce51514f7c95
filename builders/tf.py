"""python -m builders.tf: train the Keras models (784-30-10, 784-800-800-10 and the CNN)."""

import sys

from builders.build import main
from builders.recipes import BY_FRAMEWORK

if __name__ == "__main__":
    sys.exit(main(BY_FRAMEWORK["tensorflow"], "Train the Keras models into saved_networks/."))

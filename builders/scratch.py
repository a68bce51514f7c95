"""python -m builders.scratch: train the NumPy networks (784-30-10, 784-800-800-10 and the CNN)."""

import sys

from builders.build import main
from builders.recipes import BY_FRAMEWORK

if __name__ == "__main__":
    sys.exit(main(BY_FRAMEWORK["scratch"], "Train the scratch (NumPy) networks into saved_networks/."))

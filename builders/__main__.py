"""python -m builders: train all five shipped models (scratch first, then Keras)."""

import sys

from builders.build import main
from builders.recipes import RECIPES

if __name__ == "__main__":
    sys.exit(main(list(RECIPES), "Train every shipped model into saved_networks/."))

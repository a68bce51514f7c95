"""python -m builders: train every shipped model (scratch first, then Keras)."""

import sys

from builders.build import cli

if __name__ == "__main__":
    sys.exit(cli())

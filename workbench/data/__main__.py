"""`python -m workbench.data`: fetch MNIST if needed, verify it, print counts per digit."""

import sys

from workbench.data.mnist import main

sys.exit(main())

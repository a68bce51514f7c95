"""`python -m builders.compare`: the comparison report (the code lives in workbench.reports.compare)."""

import sys

from workbench.reports.compare import main

if __name__ == "__main__":
    sys.exit(main())

"""`python -m builders.readme_table`: the README's results table (the code lives in workbench.reports.readme_table)."""

import sys

from workbench.reports.readme_table import main

if __name__ == "__main__":
    sys.exit(main())

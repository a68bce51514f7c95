"""Builder scripts: train the shipped models (python -m builders, builders.scratch, builders.tf)."""

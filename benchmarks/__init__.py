"""Speed measurements: scripts that print figures (run with python -m benchmarks.NAME), not tests."""

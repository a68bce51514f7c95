"""Measuring models and showing the results: evaluation, plots, the comparison report, the README tables."""

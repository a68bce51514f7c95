"""Shared code of Digit Workbench, above the two libraries (scratch/, tf_models/), in layers:

    drawing/   drawing preparation: strokes and pictures -> 28x28 model inputs
    data/      MNIST, augmentation, MNIST digits redrawn as pen strokes, your own labelled drawings
    models/    one adapter per framework and the registry that finds and loads models
    reports/   evaluation, plots, the comparison report, the README tables

A lower layer never imports a higher one (tests/test_layers.py checks it).
"""

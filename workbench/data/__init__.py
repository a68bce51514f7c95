"""Data for training and measuring: MNIST (mnist), its augmentation (augment), MNIST digits redrawn
as pen strokes like mouse drawings (drawn_style) and in writing styles MNIST lacks (styles), your own
labelled drawings (my_drawings), and real stylus-drawn digits for measuring only (real_drawings)."""

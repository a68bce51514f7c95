"""Data for training and measuring: MNIST (mnist), its augmentation (augment), MNIST digits redrawn
as pen strokes like mouse drawings (drawn_style), and your own labelled drawings (my_drawings)."""

"""The default recipes of the shipped models: training configuration as data.

Each scratch network and its Keras twin are made from ONE dictionary of settings
(NIELSEN, DROPOUT_MLP), so the two frameworks get the same architecture,
initialisation, cost, optimizer, schedule, batch size, epochs and augmentation,
and a difference in results says something about the frameworks, not the recipes.

Why these settings (measured on the 50,000/10,000 split; see the README):
- NIELSEN is network.py's recipe (sigmoid, quadratic cost, SGD 3.0, batch 10) with a
  gentle per-epoch decay and light augmentation, so it settles instead of wandering.
- DROPOUT_MLP is Srivastava et al.'s dropout + max-norm network with momentum SGD
  and per-epoch decay; the augmentation (shifts, rotations, scaling, slant, elastic
  distortion, thicker and thinner strokes) serves both MNIST accuracy and digits
  drawn with a mouse in the GUI.
- CNN is Nielsen's chapter-6 network with batch normalisation, Adam, and the same augmentation.

WRITING_STYLES says how many training digits are redrawn in each writing style MNIST hardly has
(workbench.data.styles) and added to the training set; a recipe's `styles` names its pool, the same
for a scratch network and its Keras twin (the 800-800 MLPs leave out the 1s, see below). The forms behind
most misreadings of real drawings (a 1 with a flag or foot, a crossed 7, a slashed 0, open 4,
straight-stemmed 9, looped 2) get 500 to 2,500 each, the 1s most (MNIST-trained models misread a
flagged 1 most often); every digit also appears with polygonal strokes (a slow pen) and a shaky
hand. 13,500 in all: 27% more images per epoch. The 784-30-10 networks get three times as many
(WRITING_STYLES_TRIPLED).

A recipe's `outliers` adds drawings that are no digit (workbench.data.outliers), labelled NO_CLASS, whose
desired output is uniform (outlier exposure); no shipped recipe does, because it cost the models real
drawings (the measurements are above the recipes).
"""

from __future__ import annotations

import dataclasses

from workbench.data.augment import AugmentConfig
from workbench.models.recipe import Recipe

# Mouse drawings: even strokes thinner or thicker than MNIST's pen, slants, imperfect centring.
DRAWN_AUGMENT = AugmentConfig()
LIGHT_AUGMENT = AugmentConfig(max_shift=1.0, max_rotation=8.0, max_scale_change=0.05, max_slant=8.0,
                              elastic_alpha=0.0, dilation_probability=0.2, erosion_probability=0.2)

WRITING_STYLES = {"one_flag": 2500, "one_foot": 1500, "seven_crossbar": 1000, "zero_slash": 1000,
                  "four_open": 1000, "four_closed": 500, "nine_straight": 1000, "two_loop": 1000,
                  "polygonal": 2000, "jitter": 2000}

# The 800-800 MLPs learn the flagged and footed 1 at the cost of MNIST's 7s and 2s: trained with every style,
# scratch-784-800-800-10 read 24 MNIST test 7s and 9 2s as 1 (none before) and fell from 99.08% to 98.61%
# (validation 99.07% -> 98.77%), below the 99.0% target, and keras-784-800-800-10 to 98.71%. So they get
# every style but those two (scratch: 99.05%); the convolutional networks, which keep 99.4-99.5% with all
# of them, and the small MLPs get them all.
WRITING_STYLES_BUT_ONES = {name: count for name, count in WRITING_STYLES.items() if name not in ("one_flag", "one_foot")}

# No shipped model trains on drawings that are no digit (a recipe's `outliers`, workbench.data.outliers,
# labelled NO_CLASS: outlier exposure). Measured on 2026-11-25 (seed 0) when the pool drew the 19 symbols
# and the rule was fitted against the marks (the roles are swapped now, so the shipped rule's guard stays
# unseen by any such model), it made confidence more useful but cost accuracy on real drawings (UJI):
# - 6,000 for every model: scratch-784-800-800-10 94.33% on UJI against 95.67% (its 1s 65% against 75%),
#   scratch-784-30-10 92.25% against 92.92%, keras-784-30-10 90.42% against 91.00%; keras-cnn 99.35% on
#   MNIST, below its 99.4% target;
# - 3,000 for the CNNs only: MNIST 99.40% and 99.45%, UJI 98.42% and 98.58% (against 98.67% and 98.58%),
#   the 1s 95.0% against 97.5%; compare-all called 63.1% of real digits sure (100% right) against 48.0%.
# Random scribbles as a pool looked like 1s with a long flag (scratch-cnn read 7 more real 1s wrongly).

# The 784-30-10 networks get the pool three times over (40,500 styled digits): with 30 hidden units they read
# drawn digits better the more of them they see. Chosen on drawn-style validation digits, never trained on
# (3,000 redrawn by to_drawings and 3,000 in the writing styles: python -m workbench.reports.selection),
# not on the real drawings. scratch-784-30-10, seed 0, on 2026-12-07:
#     pool          drawn   styled   MNIST test   (real drawings, measured afterwards)
#     x1 (before)   94.43%  97.67%   96.46%       92.92%
#     x3            95.07%  98.17%   96.83%       93.67%
#     x3, 60 epochs 95.30%  98.20%   96.72%       93.67%   (1.5 times the time for nothing real)
#     x6            94.17%  97.93%   96.07%       93.42%
#     x3, DRAWN_AUGMENT instead of LIGHT_AUGMENT: 93.13%, 97.27%, 95.41% (91.67%)
# keras-784-30-10, x1 -> x3: drawn 94.37% -> 94.10%, styled 97.30% -> 97.80%, MNIST 96.38% -> 96.16%
# (real drawings 91.00% -> 92.08%). Also tried on scratch-784-30-10, not kept:
# - network2.py's cross-entropy cost instead of the quadratic one (learning rate 0.5, x3 pool): drawn 95.07%,
#   styled 97.97%, MNIST 96.40% (2026-12-07);
# - deskewing every image (an x-shear by its second moments, in training and when reading): 97.32% on MNIST
#   but 93.00% on the real drawings;
# - distillation from the shipped scratch-cnn (targets half the one-hot label, half the CNN's probabilities on
#   the same augmented batch): drawn 94.90%, styled 98.03%, MNIST 96.47% (real drawings 93.33%; 2026-12-07);
# - a modern 784-30-10 (ReLU hidden layer, softmax output, cross-entropy, He initialisation, Adam 0.002 decayed by
#   0.93 per epoch, mini-batches of 32, x3 pool): drawn 95.83%, styled 98.33%, MNIST 97.46%, short of the rule
#   written down before the run (+0.3 points on both drawn and styled) and no longer network.py; real drawings,
#   measured afterwards: 94.17%. It too gets only 96.7% of its own training digits right (2026-12-07).
# Seeds matter as much as these recipes: scratch-784-30-10's own recipe with seed 1 instead of 0 gives drawn 94.47%,
# styled 97.70%, MNIST 96.36% and 91.83% of the real drawings (against 93.67%), so the 1.6 points between it and
# keras-784-30-10 (92.08%) are within one seed's spread, not a difference of the frameworks (2026-12-07).
# What holds them back is their 30 hidden units: scratch-784-30-10 gets only 95.6% of its own (augmented) training
# digits right in its last epoch, and the same recipe with 100 hidden units, not a shipped architecture, does
# better on every set: drawn 96.87%, styled 98.73%, MNIST 98.19% (real drawings 95.58%; 2026-12-07).
# The CNNs keep the single pool: keras-cnn with x3 did no better on the drawn-style digits (drawn 98.53% ->
# 98.43%, styled 99.20% -> 99.17%; MNIST 99.51% -> 99.44%; real drawings 98.58% -> 98.67%, its 1s 97.5% -> 95.8%).
# Nor is the CNN under-trained: scratch-cnn for 40 epochs with a slower decay (0.9 per epoch instead of 0.85):
# drawn 98.23% -> 98.17%, styled 99.03% -> 99.10%, MNIST 99.44% -> 99.43%, best epoch 20 of 40 (2026-12-07).
# Nor much held back by its width: scratch-cnn with 32 and 64 filters and 128 dense units (Keras's
# mnist_convnet widths; 1.6 times the training time): drawn 98.23% -> 98.40%, styled 99.03% -> 99.13%, MNIST
# 99.44% -> 99.47%, under the 0.3 points on the drawn digits asked of a change that retrains both twins
# (real drawings, measured afterwards: 98.67% -> 98.75%).
# Nor helped by a leaning open 4 (half of four_open's samples with the arm slanting down to the left and a stem
# shorter than the arm), a form added after seeing the CNNs' misread 4s on the real drawings: keras-cnn drawn
# 98.53% -> 98.43%, styled 99.20% -> 99.07% (the styled set itself redrawn with the new 4s), MNIST 99.51% ->
# 99.48%, short of the rule written down before the run (drawn within 0.1 point, styled no lower); real drawings,
# measured afterwards: 98.58% -> 98.58% (its 4s 95.0% -> 95.8%, its 1s 97.5% -> 95.8%). Not kept (2026-12-07).
# The larger pool costs time: 40 epochs take scratch-784-30-10 ~5 minutes here and keras-784-30-10 ~18
# (a Keras step on a mini-batch of 10 costs more than the arithmetic), hence their budgets.
WRITING_STYLES_TRIPLED = {name: 3 * count for name, count in WRITING_STYLES.items()}

NIELSEN = dict(hidden=30, learning_rate=3.0, decay_rate=0.95, batch_size=10, epochs=40, augment=LIGHT_AUGMENT,
               time_budget_minutes=12, styles=WRITING_STYLES_TRIPLED)
KERAS_MLP_SMALL_BUDGET = 24
DROPOUT_MLP = dict(hidden=(800, 800), dropout_input=0.2, dropout_hidden=0.5, max_norm=4.0, learning_rate=0.1,
                   momentum=0.9, decay_rate=0.985, batch_size=128, epochs=200, augment=DRAWN_AUGMENT,
                   time_budget_minutes=24, styles=WRITING_STYLES_BUT_ONES)
KERAS_MLP_LARGE_BUDGET = 34
SCRATCH_CNN_BUDGET = 16
CNN = dict(learning_rate=0.002, decay_rate=0.85, batch_size=128, epochs=25, augment=DRAWN_AUGMENT,
           time_budget_minutes=11, styles=WRITING_STYLES)


def _optimizer(settings: dict, name: str, **extra) -> dict:
    """An optimizer as data, with the recipe's per-epoch exponential learning-rate decay."""
    rate = {"name": "exponential_decay", "learning_rate": settings["learning_rate"],
            "decay_rate": settings["decay_rate"]}
    return {"name": name, "learning_rate": rate, **extra}


def _twins(stem: str, description: str, architecture: dict, settings: dict, optimizer: dict,
           keras_budget: float | None = None) -> list[Recipe]:
    """The scratch model and its Keras twin, made from the same settings."""
    training = dict(epochs=settings["epochs"], batch_size=settings["batch_size"], optimizer=optimizer)
    return [Recipe(f"scratch-{stem}", "scratch", f"{description}, written from scratch in NumPy", architecture,
                   training, settings["augment"], settings["time_budget_minutes"], settings["styles"]),
            Recipe(f"keras-{stem}", "tensorflow", f"{description}: the Keras twin of scratch-{stem}", architecture,
                   training, settings["augment"], keras_budget or settings["time_budget_minutes"], settings["styles"])]


def _recipes() -> list[Recipe]:
    small, large, cnn = NIELSEN, DROPOUT_MLP, CNN
    mlp_small = dict(kind="mlp", sizes=[784, small["hidden"], 10], activations="sigmoid", cost="quadratic",
                     init="normal_scaled")
    mlp_large = dict(kind="mlp", sizes=[784, *large["hidden"], 10], activations=["relu", "relu", "softmax"],
                     cost="cross_entropy", init="he", dropout_input=large["dropout_input"],
                     dropout_hidden=large["dropout_hidden"], max_norm=large["max_norm"])
    convnet = dict(kind="cnn", filters=[20, 40], kernel_size=5, dense=100, dropout=0.5, batch_norm=True)
    scratch_small, keras_small = _twins("784-30-10", "784-30-10, sigmoid, quadratic cost, SGD: Nielsen's network.py",
                                        mlp_small, small, _optimizer(small, "sgd"), keras_budget=KERAS_MLP_SMALL_BUDGET)
    scratch_large, keras_large = _twins(
        "784-800-800-10", "784-800-800-10, ReLU, softmax, cross-entropy, dropout and max-norm, momentum SGD",
        mlp_large, large, _optimizer(large, "momentum", momentum=large["momentum"], nesterov=False),
        # The same 200 epochs take Keras ~11 s each here against scratch's ~6 s (augmented mini-batches
        # go through a PyDataset), so its safety budget is larger; the recipe is the same.
        keras_budget=KERAS_MLP_LARGE_BUDGET)
    scratch_cnn, keras_cnn = _twins("cnn", "conv 20@5x5, pool, conv 40@5x5, pool, dense 100, softmax; batch norm, "
                                           "dropout 0.5, Adam", convnet, cnn, _optimizer(cnn, "adam"))
    # The same 25 epochs take scratch about 1.5x Keras's time here (NumPy runs the element-wise work of the
    # 24x24x20 feature maps on one core), so its safety budget is larger; the recipe is the same.
    scratch_cnn = dataclasses.replace(scratch_cnn, time_budget_minutes=SCRATCH_CNN_BUDGET)
    return [scratch_small, scratch_large, scratch_cnn, keras_small, keras_large, keras_cnn]


RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in _recipes()}
BY_FRAMEWORK: dict[str, list[str]] = {}
for _recipe in RECIPES.values():
    BY_FRAMEWORK.setdefault(_recipe.framework, []).append(_recipe.name)

"""The default recipes of the five shipped models: training configuration as data.

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
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.augment import AugmentConfig

# Mouse drawings: even strokes thinner or thicker than MNIST's pen, slants, imperfect centring.
DRAWN_AUGMENT = AugmentConfig()
LIGHT_AUGMENT = AugmentConfig(max_shift=1.0, max_rotation=8.0, max_scale_change=0.05, max_slant=8.0,
                              elastic_alpha=0.0, dilation_probability=0.2, erosion_probability=0.2)

NIELSEN = dict(hidden=30, learning_rate=3.0, decay_rate=0.95, batch_size=10, epochs=40, augment=LIGHT_AUGMENT,
               time_budget_minutes=5)
DROPOUT_MLP = dict(hidden=(800, 800), dropout_input=0.2, dropout_hidden=0.5, max_norm=4.0, learning_rate=0.1,
                   momentum=0.9, decay_rate=0.985, batch_size=128, epochs=200, augment=DRAWN_AUGMENT,
                   time_budget_minutes=19)
KERAS_MLP_LARGE_BUDGET = 28
CNN = dict(learning_rate=0.002, decay_rate=0.85, batch_size=128, epochs=15, augment=DRAWN_AUGMENT,
           time_budget_minutes=11)


@dataclass(frozen=True)
class Recipe:
    """How to make and train one model."""

    name: str                      # also the file name in saved_networks/
    framework: str                 # "scratch" or "tensorflow"
    description: str
    model: dict                    # scratch: Network arguments; tensorflow: {"function": ..., its arguments}
    training: dict                 # epochs, batch_size, and the optimizer or decay settings
    augment: AugmentConfig | None = None
    time_budget_minutes: float | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "framework": self.framework, "description": self.description,
                "model": self.model, "training": self.training,
                "augment": self.augment.to_dict() if self.augment else None,
                "time_budget_minutes": self.time_budget_minutes}


def _scratch_optimizer(settings: dict, momentum: float | None = None) -> dict:
    """The scratch optimizer, as data (scratch.optimizers.get_optimizer reads it)."""
    rate = {"name": "exponential_decay", "learning_rate": settings["learning_rate"],
            "decay_rate": settings["decay_rate"]}
    if momentum is None:
        return {"name": "sgd", "learning_rate": rate}
    return {"name": "momentum", "learning_rate": rate, "momentum": momentum, "nesterov": False}


def _recipes() -> list[Recipe]:
    small, large, cnn = NIELSEN, DROPOUT_MLP, CNN
    sizes_small = [784, small["hidden"], 10]
    sizes_large = [784, *large["hidden"], 10]
    return [
        Recipe("scratch-784-30-10", "scratch",
               "784-30-10, sigmoid, quadratic cost, SGD: Nielsen's network.py, written from scratch in NumPy",
               model=dict(sizes=sizes_small, activations="sigmoid", cost="quadratic", init="normal_scaled"),
               training=dict(epochs=small["epochs"], batch_size=small["batch_size"],
                             optimizer=_scratch_optimizer(small)),
               augment=small["augment"], time_budget_minutes=small["time_budget_minutes"]),
        Recipe("scratch-784-800-800-10", "scratch",
               "784-800-800-10, ReLU, softmax, cross-entropy, dropout and max-norm, momentum SGD, in NumPy",
               model=dict(sizes=sizes_large, activations=["relu", "relu", "softmax"], cost="cross_entropy",
                          init="he", dropout_input=large["dropout_input"],
                          dropout_hidden=large["dropout_hidden"], max_norm=large["max_norm"]),
               training=dict(epochs=large["epochs"], batch_size=large["batch_size"],
                             optimizer=_scratch_optimizer(large, large["momentum"])),
               augment=large["augment"], time_budget_minutes=large["time_budget_minutes"]),
        Recipe("keras-784-30-10", "tensorflow",
               "784-30-10, sigmoid, quadratic cost, SGD: the Keras twin of scratch-784-30-10",
               model=dict(function="mlp_small", hidden=small["hidden"], learning_rate=small["learning_rate"]),
               training=dict(epochs=small["epochs"], batch_size=small["batch_size"],
                             decay_rate=small["decay_rate"]),
               augment=small["augment"], time_budget_minutes=small["time_budget_minutes"]),
        Recipe("keras-784-800-800-10", "tensorflow",
               "784-800-800-10, ReLU, softmax, cross-entropy, dropout and max-norm, momentum SGD: "
               "the Keras twin of scratch-784-800-800-10",
               model=dict(function="mlp_large", hidden=list(large["hidden"]), dropout_input=large["dropout_input"],
                          dropout_hidden=large["dropout_hidden"], max_norm=large["max_norm"],
                          learning_rate=large["learning_rate"], momentum=large["momentum"]),
               training=dict(epochs=large["epochs"], batch_size=large["batch_size"],
                             decay_rate=large["decay_rate"]),
               # The same 200 epochs take Keras ~8 s each here against scratch's ~5 s (augmented
               # mini-batches go through a PyDataset), so its safety budget is larger; the recipe is the same.
               augment=large["augment"], time_budget_minutes=KERAS_MLP_LARGE_BUDGET),
        Recipe("keras-cnn", "tensorflow",
               "conv 20@5x5, pool, conv 40@5x5, pool, dense 100, softmax; batch norm, dropout 0.5, Adam",
               model=dict(function="cnn", learning_rate=cnn["learning_rate"]),
               training=dict(epochs=cnn["epochs"], batch_size=cnn["batch_size"], decay_rate=cnn["decay_rate"]),
               augment=cnn["augment"], time_budget_minutes=cnn["time_budget_minutes"]),
    ]


RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in _recipes()}
SCRATCH_MODELS = [name for name, r in RECIPES.items() if r.framework == "scratch"]
KERAS_MODELS = [name for name, r in RECIPES.items() if r.framework == "tensorflow"]

"""Models, whatever framework made them: one adapter per framework (adapter.py, scratch_adapter.py,
keras_adapter.py, registered in frameworks.py), recipes as data (recipe.py), one metadata schema
(metadata.py), and the registry that finds and loads saved models (registry.py)."""

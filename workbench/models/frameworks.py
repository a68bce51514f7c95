"""The adapters' registration: the one place that maps framework names and file formats to adapters.

To add a framework, write its Adapter (see workbench.models.adapter) and add an instance here.
"""

from __future__ import annotations

from workbench.models.adapter import Adapter
from workbench.models.keras_adapter import KerasAdapter
from workbench.models.scratch_adapter import ScratchAdapter

ADAPTERS: tuple[Adapter, ...] = (ScratchAdapter(), KerasAdapter())
BY_FRAMEWORK = {adapter.framework: adapter for adapter in ADAPTERS}
BY_FORMAT = {file_format: adapter for adapter in ADAPTERS for file_format in adapter.file_formats}
BY_WEIGHTS_SUFFIX = {adapter.weights_suffix: adapter for adapter in ADAPTERS}


def adapter_for(framework: str) -> Adapter:
    """The adapter of a framework name as recorded in files and recipes; ValueError if unknown."""
    try:
        return BY_FRAMEWORK[framework]
    except (KeyError, TypeError):
        raise ValueError(f"unknown framework {framework!r}; known: {', '.join(BY_FRAMEWORK)}") from None

"""The adapters' registration: the one place that maps framework names and file formats to adapters.

To add a framework, write its Adapter (see workbench.models.adapter) and add an instance here.
"""

from __future__ import annotations

from workbench.models.adapter import Adapter
from workbench.models.keras_adapter import KerasAdapter
from workbench.models.scratch_adapter import ScratchAdapter

ADAPTERS: tuple[Adapter, ...] = (ScratchAdapter(), KerasAdapter())



def _unique(keys: list[str], what: str) -> None:
    """Two adapters claiming the same name, file format or weights suffix would silently take each other's
    files: refuse at import."""
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise RuntimeError(f"two adapters claim the same {what}: {', '.join(repeated)}")


_unique([a.framework for a in ADAPTERS], "framework name")
_unique([f for a in ADAPTERS for f in a.file_formats], "file format")
_unique([a.weights_suffix for a in ADAPTERS], "weights suffix")
BY_FRAMEWORK = {adapter.framework: adapter for adapter in ADAPTERS}
BY_FORMAT = {file_format: adapter for adapter in ADAPTERS for file_format in adapter.file_formats}
BY_WEIGHTS_SUFFIX = {adapter.weights_suffix: adapter for adapter in ADAPTERS}


def adapter_for(framework: str) -> Adapter:
    """The adapter of a framework name as recorded in files and recipes; ValueError if unknown."""
    try:
        return BY_FRAMEWORK[framework]
    except (KeyError, TypeError):
        raise ValueError(f"unknown framework {framework!r}; known: {', '.join(BY_FRAMEWORK)}") from None

"""The layers you can see in the folders hold in the code: no lower layer imports a higher one.

    6  benchmarks/
    5  builders/  gui/                      the programs
    4  workbench/reports/                   evaluation, plots, the comparison report
    3  workbench/models/                    one adapter per framework, the registry
    2  workbench/data/                      MNIST, augmentation, drawn-style digits
    1  tf_models/  workbench/drawing/  workbench/cli.py     Keras only; drawing preparation; flag types
    0  scratch/                             the NumPy library: imports nothing else of the project

Imports inside functions count too (they are still arrows between layers). tf_models may use the
framework-neutral helpers that scratch owns (history, files, progress bar, the imagine loop, and the input
checks, so that both frameworks accept and refuse the same labels), nothing else of scratch: it is a Keras
library, not a wrapper of ours.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {"scratch": 0, "tf_models": 1, "workbench.drawing": 1, "workbench.cli": 1, "workbench.data": 2,
          "workbench.models": 3, "workbench.reports": 4, "builders": 5, "gui": 5, "benchmarks": 6}
NEUTRAL_SCRATCH = {"scratch.history", "scratch.files", "scratch.progress", "scratch.dream", "scratch.checks"}
PROJECT = {"scratch", "tf_models", "workbench", "builders", "gui", "benchmarks"}


def component(module: str) -> str | None:
    """The layer key of a dotted module name: the longest LAYERS key it starts with."""
    keys = [k for k in LAYERS if module == k or module.startswith(k + ".")]
    return max(keys, key=len) if keys else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a project module in a file, at any depth."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            if name.split(".")[0] in PROJECT and component(name) is not None:
                found.append((node.lineno, name))
    return found


def source_files() -> list[Path]:
    return sorted(p for package in PROJECT for p in (ROOT / package).rglob("*.py"))


def test_every_source_file_belongs_to_a_layer():
    unplaced = [str(p.relative_to(ROOT)) for p in source_files() if component(module_name(p)) is None
                and module_name(p) != "workbench"]
    assert not unplaced, f"files outside every layer: {unplaced}"


def test_no_lower_layer_imports_a_higher_one():
    violations = []
    for path in source_files():
        own = component(module_name(path))
        if own is None:
            continue
        for line, name in imports_of(path):
            other = component(name)
            if other == own:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {name}"
            if own == "scratch":
                violations.append(f"{where} (scratch imports nothing else of the project)")
            elif own == "tf_models" and other == "scratch" and not any(
                    name == m or name.startswith(m + ".") for m in NEUTRAL_SCRATCH):
                violations.append(f"{where} (tf_models may use only scratch's neutral helpers)")
            elif LAYERS[other] > LAYERS[own] or (LAYERS[other] == LAYERS[own] and other != own):
                violations.append(f"{where} (layer {LAYERS[own]} -> layer {LAYERS[other]})")
    assert not violations, "\n".join(violations)


def test_the_checker_can_fail(tmp_path):
    """The rule above is not vacuous: a scratch file importing workbench is caught."""
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom workbench.models.registry import load_model\n")
    assert imports_of(bad) == [(2, "workbench.models.registry"), (2, "workbench.models.registry.load_model")]
    assert component("workbench.models.registry") == "workbench.models"
    planted = ROOT / "scratch" / "zz_planted_violation.py"
    planted.write_text("def f():\n    import gui.app\n")
    try:
        with pytest.raises(AssertionError, match="scratch imports nothing else of the project"):
            test_no_lower_layer_imports_a_higher_one()
    finally:
        planted.unlink()


def test_no_framework_name_is_compared_outside_the_adapters():
    """"Outside the adapters' own registration, no code compares framework names": builders, GUI,
    registry and report dispatch through workbench.models.frameworks."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    pattern = r"""(==|!=|\bin\b)\s*[\(\[\{]?\s*['"](scratch|tensorflow|keras)['"]|['"](scratch|tensorflow|keras)['"]\s*(==|!=)"""
    result = subprocess.run(["git", "grep", "-nE", pattern, "--", "*.py", ":!tests/"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode in (0, 1), f"git grep failed: {result.stderr}"     # 1: nothing found
    hits = [line for line in result.stdout.splitlines()
            if not line.startswith(("workbench/models/frameworks.py", "workbench/models/scratch_adapter.py",
                                    "workbench/models/keras_adapter.py"))]
    assert not hits, "framework names compared outside the adapters:\n" + "\n".join(hits)

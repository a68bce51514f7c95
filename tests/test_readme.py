"""The README's quick-start commands stay true: CI runs exactly the test command the README gives."""

from __future__ import annotations

import re

import pytest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The one-line commands in the README's fenced code blocks of the Quick start section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quick_start = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```\n(.*?)```", quick_start, flags=re.S)]


def test_readme_has_a_run_command_and_a_test_command():
    commands = readme_commands()
    assert len(commands) == 2, commands
    run, test = commands
    assert run.endswith("python -m gui") and "requirements.txt" in run
    assert test.endswith("python -m pytest") and "requirements-dev.txt" in test


def test_ci_runs_exactly_the_readme_test_command():
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert readme_commands()[1] in ci_lines
    assert "export MNIST_DIR=../shared/mnist" in ci_lines


def test_requirement_files_exist_with_the_core_dependencies():
    runtime = (ROOT / "requirements.txt").read_text()
    for name in ("numpy", "tensorflow", "pillow", "matplotlib"):
        assert re.search(rf"^{name}[><=]", runtime, flags=re.M), name
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text()


def test_pyproject_declares_the_same_dependencies_as_requirements_txt():
    tomllib = pytest.importorskip("tomllib", reason="tomllib comes with Python 3.11+")
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    runtime = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert sorted(filter(None, runtime)) == sorted(project["dependencies"])
    assert set(project["scripts"]) == {"digit-workbench", "digit-workbench-build", "digit-workbench-compare"}

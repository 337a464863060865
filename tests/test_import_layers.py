"""Layers import downwards only: market knows nothing of Slack, charts or commands."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "market": ("slack_bolt", "slack_sdk", "matplotlib", "commands", "charts", "bot"),
    "commands": ("slack_bolt", "slack_sdk", "matplotlib", "bot"),
    "charts": ("slack_bolt", "slack_sdk", "commands", "bot"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_the_layers_below_it(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN[package]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_every_layer_has_code_to_check():
    for package in FORBIDDEN:
        assert list((ROOT / package).rglob("*.py")), package

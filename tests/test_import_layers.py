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


# What `bot/` may use of `commands/`: the command path and the types it hands around, not a command's insides.
COMMANDS_SURFACE = (
    "commands.actions",
    "commands.blocks",
    "commands.context",
    "commands.dispatch",
    "commands.home",
    "commands.registry",
    "commands.reply",
    "commands.services",
    "commands.schedule",
    "commands.subscription_form",
)


def test_bot_uses_only_the_public_surface_of_commands():
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        for name in _full_imports(path):
            if name.startswith("commands.") and not any(
                name == part or name.startswith(part + ".") for part in COMMANDS_SURFACE
            ):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def _full_imports(path: Path) -> set[str]:
    """`from commands import blocks` as `commands.blocks`; `from commands.reply import Reply` as `commands.reply`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            package = (ROOT / node.module.replace(".", "/")).is_dir()
            names.update(f"{node.module}.{alias.name}" for alias in node.names) if package else names.add(node.module)
    return names


def _module_graph() -> dict[str, set[str]]:
    """Every deskbot module and the deskbot modules it imports (TYPE_CHECKING imports included)."""
    modules: dict[str, Path] = {}
    for package in ("market", "commands", "charts", "bot"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    child = f"{node.module}.{alias.name}"
                    targets.add(child if child in modules else node.module)
            elif isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of nodes that import each other, directly or round a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_circle():
    assert _cycles(_module_graph()) == []


def test_the_parts_of_market_do_not_import_each_other_round_a_circle():
    # Records and tenors sit below the sources, the sources below analytics, analytics below the books.
    parts: dict[str, set[str]] = {}
    for name, targets in _module_graph().items():
        if name.startswith("market."):
            part = ".".join(name.split(".")[:2])
            inner = {".".join(t.split(".")[:2]) for t in targets if t.startswith("market.")}
            parts.setdefault(part, set()).update(inner - {part})
    assert _cycles(parts) == []

"""The package's import graph, read from the source with ``ast``: no cycle anywhere (imports inside
functions count), nothing in the core imports a door, and no door imports another.

An import under ``if TYPE_CHECKING:`` is not run and is left out; every other ``import`` and
``from ... import`` statement is an edge, wherever it stands. ``from a.b import c`` is an edge to
the module ``a.b.c`` when there is one, else to ``a.b``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import agi_terms
import pytest

PACKAGE = Path(agi_terms.__file__).parent
DOORS = ("cli", "http", "mcp", "explorer", "pytest_plugin")
"""The doors of ``agi_terms.interfaces``: each a package or module the others must not import."""


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under ``root`` (the folder of ``package``) by its dotted name."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(name: str, path: Path, modules: Mapping[str, Path]) -> set[str]:
    """The package's modules that the module ``name`` (at ``path``) imports."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.append(sub if sub in modules else base)
        for target in targets:
            # ``import a.b.c`` needs a.b.c; the nearest module of the package that it names.
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports."""
    modules = module_names(root, package)
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def door_of(module: str) -> str | None:
    """The door (``cli``, ``http``, ...) a module belongs to, or ``None``."""
    parts = module.split(".")
    if parts[:2] == ["agi_terms", "interfaces"] and len(parts) > 2 and parts[2] in DOORS:
        return parts[2]
    return None


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE, "agi_terms")


def test_the_graph_sees_imports_inside_functions(graph: dict[str, set[str]]) -> None:
    # interfaces.main loads each command when asked: those imports are inside functions.
    assert "agi_terms.interfaces.http.command" in graph["agi_terms.interfaces.main"]
    assert "agi_terms.interfaces.cli" in graph["agi_terms.interfaces.main"]
    assert "agi_terms.interfaces.cli.render" in graph["agi_terms.interfaces.cli"]


def test_no_import_cycle_in_the_package(graph: dict[str, set[str]]) -> None:
    assert cycles(graph) == []


def test_the_core_imports_no_interface(graph: dict[str, set[str]]) -> None:
    entry_points = {"agi_terms.__main__"}  # ``python -m agi_terms`` runs the command line
    offending = {
        (module, target)
        for module, targets in graph.items()
        if not module.startswith("agi_terms.interfaces") and module not in entry_points
        for target in targets
        if target.startswith("agi_terms.interfaces")
    }
    assert offending == set()


def test_no_door_imports_another(graph: dict[str, set[str]]) -> None:
    crossings = {
        (module, target)
        for module, targets in graph.items()
        if door_of(module) is not None
        for target in targets
        if door_of(target) not in (None, door_of(module))
    }
    assert crossings == set()


def test_a_cycle_through_a_function_import_is_found(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    (root / "doors").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "doors" / "__init__.py").write_text("from pkg.doors import one\n")
    (root / "doors" / "one.py").write_text("def f():\n    from pkg.doors import two\n")
    (root / "doors" / "two.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg\nfrom . import one\n"
    )
    graph = import_graph(root, "pkg")
    assert graph["pkg"] == set()  # an import under TYPE_CHECKING is not an edge
    assert graph["pkg.doors.two"] == {"pkg.doors.one"}
    assert cycles(graph) == [["pkg.doors.one", "pkg.doors.two"]]

"""simulations/mutate_engine.py keeps working: it makes every kind of mutant, each one compiles and
differs from the module, and its explained survivors are mutants it makes."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "simulations"))

import mutate_engine  # noqa: E402

MUTANTS = {module: mutate_engine.mutants(module) for module in mutate_engine.MODULES}


@pytest.mark.parametrize("module", list(mutate_engine.MODULES))
def test_every_mutant_compiles_and_changes_its_module(module: str) -> None:
    original = ast.unparse(ast.parse((mutate_engine.PACKAGE / module).read_text(encoding="utf-8")))
    found = MUTANTS[module]
    assert found
    assert len({m.id for m in found}) == len(found)
    for mutant in found:
        compile(mutant.source, mutant.module, "exec")
        assert mutant.source != original, mutant.id


def test_mutants_cover_every_operator() -> None:
    ids = [m.id for found in MUTANTS.values() for m in found]
    for marker in (
        "compare Eq->NotEq",
        "compare In->NotIn",
        "compare Is->IsNot",
        "and->or",
        "or->and",
        "constant True->False",
        "constant 0->1",
        "return None",
        "remove raise",
        "remove call",
        "if never taken",
    ):
        assert any(marker in i for i in ids), marker


def test_docstrings_and_annotations_are_not_mutated() -> None:
    source = 'def f(x: "int" = 1) -> bool:\n    """Doc."""\n    return x == 1\n'
    tree = ast.parse(source)
    kinds = sorted(mutator for _, mutator, _ in mutate_engine._sites(tree))
    assert kinds == ["compare Eq->NotEq", "constant 1->2", "constant 1->2", "return None"]


def test_every_explained_survivor_is_a_mutant_the_script_makes() -> None:
    ids = {m.id for found in MUTANTS.values() for m in found}
    assert set(mutate_engine.EQUIVALENT) <= ids

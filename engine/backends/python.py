"""The python backend: each condition compiled once into a plain Python predicate over a row."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from engine.backends.base import RulesBackend
from engine.conditions import AllOf, Always, AnyOf, Compare, Condition
from engine.facts import FactRow
from engine.program import Program

Predicate = Callable[[FactRow], bool]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "neq": operator.ne,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
}


def compile_predicate(condition: Condition) -> Predicate:
    """A predicate equivalent to the folded ``condition``."""
    if isinstance(condition, Always):
        value = condition.value
        return lambda row: value
    if isinstance(condition, Compare):
        op, field, constant = _OPS[condition.op], condition.field, condition.value
        return lambda row: op(row[field], constant)
    parts = tuple(compile_predicate(p) for p in condition.parts)
    if isinstance(condition, AllOf):
        return lambda row: all(p(row) for p in parts)
    assert isinstance(condition, AnyOf)
    return lambda row: any(p(row) for p in parts)


class PythonBackend(RulesBackend):
    """Plain Python predicates: stateless, thread-safe, no native code."""

    name: ClassVar[str] = "python"

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._stages: tuple[tuple[tuple[int, Predicate], ...], ...] = tuple(
            tuple((i, compile_predicate(program.rules[i].condition)) for i in indices)
            for indices in program.stage_rules
        )

    def match(self, stage: int, rows: Sequence[FactRow]) -> list[tuple[int, ...]]:
        rules = self._stages[stage]
        return [tuple(i for i, holds in rules if holds(row)) for row in rows]

"""The python backend: each condition compiled once into a plain Python predicate over a row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from agi_terms.backends.base import RulesBackend
from agi_terms.conditions import (
    COMPARISONS,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    Not,
    Op,
    simplify,
)
from agi_terms.facts import FactRow
from agi_terms.rulebook.program import Program

Predicate = Callable[[FactRow], bool]


def _compare(op: Op, field: str, constant: Any) -> Predicate:
    holds = COMPARISONS[op].holds  # a C function: calling it costs no Python frame
    return lambda row: holds(row[field], constant)


def compile_predicate(condition: Condition) -> Predicate:
    """A predicate equivalent to the folded ``condition``."""
    if isinstance(condition, Always):
        value = condition.value
        return lambda row: value
    if isinstance(condition, Compare):
        return _compare(condition.op, condition.field, condition.value)
    if isinstance(condition, Not):
        inner = compile_predicate(condition.part)
        return lambda row: not inner(row)
    parts = tuple(compile_predicate(p) for p in condition.parts)
    both = isinstance(condition, AllOf)
    assert both or isinstance(condition, AnyOf)
    if len(parts) == 2:
        a, b = parts
        return (lambda row: a(row) and b(row)) if both else (lambda row: a(row) or b(row))
    if len(parts) == 3:
        a, b, c = parts
        if both:
            return lambda row: a(row) and b(row) and c(row)
        return lambda row: a(row) or b(row) or c(row)
    if both:
        return lambda row: all(p(row) for p in parts)
    return lambda row: any(p(row) for p in parts)


def _without_action_guard(condition: Condition) -> Condition:
    """A decision rule's condition less its ``action == X`` guard (rules are indexed by action)."""
    if isinstance(condition, Compare) and condition.field == "action":
        return Always(True)
    if isinstance(condition, AllOf):
        rest = tuple(
            p for p in condition.parts if not (isinstance(p, Compare) and p.field == "action")
        )
        return simplify(AllOf(rest, condition.path))
    return condition


class PythonBackend(RulesBackend):
    """Plain Python predicates: stateless, thread-safe, no native code."""

    name: ClassVar[str] = "python"
    footprint: ClassVar[int] = 384 * 1024  # measured: about 0.3 MiB per compiled version

    def __init__(self, program: Program) -> None:
        super().__init__(program)
        self._stages: tuple[tuple[tuple[int, Predicate], ...], ...] = tuple(
            tuple((i, compile_predicate(program.rules[i].condition)) for i in indices)
            for indices in program.stage_rules
        )
        by_action: dict[str, list[tuple[int, Predicate]]] = {}
        for i in program.stage_rules[program.decision_stage]:
            rule = program.rules[i]
            predicate = compile_predicate(_without_action_guard(rule.condition))
            by_action.setdefault(rule.rule.target, []).append((i, predicate))
        self._decisions = {action: tuple(rules) for action, rules in by_action.items()}
        self._decision_stage = program.decision_stage

    def match(self, stage: int, rows: Sequence[FactRow]) -> list[tuple[int, ...]]:
        if stage == self._decision_stage:
            decisions = self._decisions
            return [
                tuple(i for i, holds in decisions.get(str(row.get("action")), ()) if holds(row))
                for row in rows
            ]
        rules = self._stages[stage]
        return [tuple(i for i, holds in rules if holds(row)) for row in rows]

"""The rules program: a rulebook compiled for one set of parameter values, ready for any backend.

Compiling folds every parameter into the conditions (a comparison with a parameter is decided here),
turns constants into rule values (dates as ordinal days, levels as integers), orders the terms into
stages (a term that tests another term is evaluated after it) and finds the calendar gates: every day
on which a date comparison changes its outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from agi_terms.conditions import (
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    Not,
    Op,
    ParamRef,
    compare_values,
    comparisons,
    simplify,
)
from agi_terms.events import Level
from agi_terms.facts import FactSpec, RuleValue
from agi_terms.reprs import short_repr
from agi_terms.rulebook.model import Rule, Rulebook, term_dependencies


@dataclass(frozen=True)
class CompiledRule:
    """A rule of the program: its index, stage and folded condition over facts only."""

    index: int
    rule: Rule
    stage: int
    condition: Condition

    @property
    def id(self) -> str:
        return self.rule.id

    def __repr__(self) -> str:
        return short_repr(self, self.index, self.id, stage=self.stage)


@dataclass(frozen=True)
class Program:
    """A rulebook compiled for fixed parameters: what every backend evaluates."""

    rulebook: Rulebook
    parameters: Mapping[str, object]
    rules: tuple[CompiledRule, ...]
    term_stages: tuple[tuple[str, ...], ...]
    """Term ids per stage; stage ``k`` may test the terms of stages before it."""
    decision_stage: int
    stage_rules: tuple[tuple[int, ...], ...]
    """Indices of the rules evaluated at each stage (decisions are the last stage)."""
    gates: tuple[dt.date, ...]
    """Days on which a date comparison in some rule changes its outcome, sorted."""
    facts: Mapping[str, FactSpec]

    def rules_of_term(self, term: str) -> tuple[CompiledRule, ...]:
        return tuple(r for r in self.rules if r.rule.kind == "term" and r.rule.target == term)

    def rules_of_action(self, action: str) -> tuple[CompiledRule, ...]:
        return tuple(r for r in self.rules if r.rule.kind == "action" and r.rule.target == action)

    def __repr__(self) -> str:
        return short_repr(
            self, version=self.rulebook.version, rules=len(self.rules), stages=len(self.stage_rules)
        )


def rule_value(spec_type: str, value: object) -> RuleValue:
    """A constant of a rule file as the value rows carry (dates as ordinals, levels as ints)."""
    if spec_type == "date":
        assert isinstance(value, dt.date)
        return value.toordinal()
    if spec_type == "level":
        assert isinstance(value, str)
        return int(Level[value])
    if spec_type == "number":
        assert isinstance(value, int | float)
        return float(value)
    assert isinstance(value, bool | str)
    return value


def fold(condition: Condition, rulebook: Rulebook, parameters: Mapping[str, object]) -> Condition:
    """Decide every comparison that involves a parameter and convert constants to rule values."""
    facts = rulebook.facts
    params = rulebook.parameter_by_name

    def walk(node: Condition) -> Condition:
        if isinstance(node, AllOf | AnyOf):
            return type(node)(tuple(walk(p) for p in node.parts), node.path)
        if isinstance(node, Not):
            return Not(walk(node.part), node.path)
        if isinstance(node, Always):
            return node
        if node.field in params:
            param = params[node.field]
            return Always(
                parameter_holds(param.type, node.op, parameters[node.field], node.value),
                node.path,
            )
        spec = facts[node.field]
        value: object = node.value
        if isinstance(value, ParamRef):
            value = parameters[value.name]
            if value is None:
                # A comparison with a parameter set to null never holds (no backstop, no limit).
                return Always(False, node.path)
        return Compare(node.op, node.field, rule_value(spec.type, value), node.path)

    return simplify(walk(condition))


def parameter_holds(param_type: str, op: Op, actual: object, constant: object) -> bool:
    """Whether a parameter's value ``actual`` compares ``op`` with a rule's ``constant``.

    ``null`` is a value of its own: ``{backstop: null}`` holds when the parameter is null and
    ``{$neq: {backstop: null}}`` when it is not; any other comparison with null never holds.
    """
    if constant is None:
        return (actual is None) == (op == "eq")
    if actual is None:
        return False
    return compare_values(
        op, _param_rule_value(param_type, actual), _param_rule_value(param_type, constant)
    )


def _param_rule_value(param_type: str, value: object) -> RuleValue:
    if param_type == "choice":
        assert isinstance(value, str)
        return value
    return rule_value(param_type, value)


def compile_program(rulebook: Rulebook, parameters: Mapping[str, object]) -> Program:
    """Compile ``rulebook`` for the complete, validated ``parameters``."""
    ids = set(rulebook.term_ids)
    stage_of: dict[str, int] = {}

    def stage(term_id: str) -> int:
        if term_id not in stage_of:
            term = next(t for t in rulebook.terms if t.id == term_id)
            deps = term_dependencies(term, ids)
            stage_of[term_id] = 1 + max((stage(d) for d in deps), default=-1)
        return stage_of[term_id]

    for t in rulebook.terms:
        stage(t.id)
    n_term_stages = 1 + max(stage_of.values(), default=-1)
    decision_stage = n_term_stages
    term_stages = tuple(
        tuple(t.id for t in rulebook.terms if stage_of[t.id] == k) for k in range(n_term_stages)
    )

    compiled: list[CompiledRule] = []
    for rule in rulebook.rules:
        folded = fold(rule.condition, rulebook, parameters)
        if rule.kind == "action":
            guard = Compare("eq", "action", rule.target, "action")
            folded = simplify(AllOf((guard, folded), folded.path))
            s = decision_stage
        else:
            s = stage_of[rule.target]
        compiled.append(CompiledRule(len(compiled), rule, s, folded))

    stage_rules = tuple(
        tuple(r.index for r in compiled if r.stage == k) for k in range(decision_stage + 1)
    )
    return Program(
        rulebook=rulebook,
        parameters=dict(parameters),
        rules=tuple(compiled),
        term_stages=term_stages,
        decision_stage=decision_stage,
        stage_rules=stage_rules,
        gates=_gates(tuple(compiled), rulebook.effective),
        facts=rulebook.facts,
    )


def change_days(condition: Condition) -> set[int]:
    """The days (ordinals) on which a folded condition's comparisons of ``day`` change outcome."""
    days: set[int] = set()
    for cmp in comparisons(condition):
        if cmp.field != "day" or not isinstance(cmp.value, int):
            continue
        if cmp.op in ("lt", "gte"):
            days.add(cmp.value)
        elif cmp.op in ("lte", "gt"):
            days.add(cmp.value + 1)
        else:
            days.update((cmp.value, cmp.value + 1))
    return days


def _gates(rules: tuple[CompiledRule, ...], start: dt.date) -> tuple[dt.date, ...]:
    days: set[int] = set()
    for r in rules:
        if r.rule.kind == "term":
            # Only terms change by themselves; a decision is taken on an event's date.
            days.update(change_days(r.condition))
    first = start.toordinal()
    # The day after a rule's 9999-12-31 is past the calendar: no event can reach it.
    last = dt.date.max.toordinal()
    return tuple(dt.date.fromordinal(d) for d in sorted(days) if first < d <= last)

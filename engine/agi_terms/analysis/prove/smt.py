"""The translation into SMT (z3): a version's rules with every parameter free within its domain.

Days are integers (ordinal days, as in fact rows), Preparedness levels integers 0-3, amounts and FLOP
reals (a float compares as the real it is), booleans booleans, and the values of choices integers
(one code per string, shared by facts and parameters, so a choice compares with a choice parameter
by its text). A nullable parameter has a flag "is null": a comparison with a null parameter never
holds, as when the rules are folded, except the test for null itself. Terms, ``allowed`` and each obligation are variables defined by
their rules (a term is in force when a grant rule holds and no end rule does; an action is allowed
when an allow rule holds and no deny rule does; an obligation attaches to an allowed action when an
oblige rule holds), exactly as ``agi_terms.evaluation.evaluator`` evaluates them. The state facts
range over the reachable situations (``reach``); the action's facts over their event's domain.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from agi_terms.analysis.prove.reach import IP_USE, TOTALS, Situation
from agi_terms.conditions import (
    OPERATIONS,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    Not,
    ParamRef,
)
from agi_terms.events import Level
from agi_terms.facts import ACTION_FACTS, ACTION_FIELD, LEVEL_NAMES, STATE_FACTS, FactSpec
from agi_terms.rulebook import Parameter, Rulebook

Expr = Any
"""A z3 expression (z3 ships no type information)."""

FLOAT_MAX = sys.float_info.max
STATE_FACT_NAMES = frozenset(f.name for f in STATE_FACTS)


def exact(number: float) -> Expr:
    """The real that a float is, exactly."""
    fraction = Fraction(number)
    return z3.RealVal(f"{fraction.numerator}/{fraction.denominator}")


@dataclass(frozen=True)
class ParameterVariable:
    """A parameter as SMT: its value and, for a nullable one, the flag that it is null."""

    parameter: Parameter
    value: Expr
    null: Expr | None

    def held(self, expr: Expr) -> Expr:
        """``expr`` and the parameter is not null (a comparison with null never holds)."""
        return expr if self.null is None else z3.And(z3.Not(self.null), expr)


class Translation:
    """A rulebook and its reachable situations as z3 constraints and named expressions."""

    def __init__(self, rulebook: Rulebook, situations: Sequence[Situation]) -> None:
        self.rulebook = rulebook
        self.situations = tuple(situations)
        self.constraints: list[Expr] = []
        self.codes: dict[str, int] = {}
        self.owners: dict[str, tuple[str, ...]] = {}
        for action, specs in ACTION_FACTS.items():
            for spec in specs:
                self.owners[spec.name] = (*self.owners.get(spec.name, ()), action)
        self.parameters = {p.name: self._parameter(p) for p in rulebook.parameters}
        self.facts: dict[str, Expr] = {
            name: self._fact(spec) for name, spec in rulebook.facts.items()
        }
        self.situation = z3.Int("situation")
        self.events = z3.Int("events")
        self._situations()
        self._terms()
        self.allow: dict[str, Expr] = {}
        self.deny: dict[str, Expr] = {}
        self._decisions()

    # ------------------------------------------------------------ values

    def code(self, choice: str) -> int:
        """The integer that stands for the choice value ``choice``."""
        return self.codes.setdefault(choice, len(self.codes))

    def choice_of(self, code: int) -> str:
        return next(c for c, n in self.codes.items() if n == code)

    def is_action(self, action: str) -> Expr:
        return self.facts[ACTION_FIELD.name] == self.code(action)

    def constant(self, kind: str, value: object) -> Expr:
        """A constant of a rule file (as written: dates, level names) as SMT."""
        if kind == "date":
            assert isinstance(value, dt.date)
            return z3.IntVal(value.toordinal())
        if kind == "level":
            assert isinstance(value, str)
            return z3.IntVal(int(Level[value]))
        if kind == "number":
            assert isinstance(value, int | float)
            assert not isinstance(value, bool)
            return exact(float(value))
        if kind == "bool":
            assert isinstance(value, bool)
            return z3.BoolVal(value)
        assert isinstance(value, str)
        return z3.IntVal(self.code(value))

    def _variable(self, name: str, kind: str, choices: Sequence[str]) -> Expr:
        if kind == "bool":
            return z3.Bool(name)
        if kind == "number":
            variable = z3.Real(name)
            self.constraints.append(
                z3.And(variable >= -exact(FLOAT_MAX), variable <= exact(FLOAT_MAX))
            )
            return variable
        variable = z3.Int(name)
        if kind == "choice":
            self.constraints.append(z3.Or([variable == self.code(c) for c in choices]))
        elif kind == "level":
            self.constraints.append(z3.And(variable >= 0, variable < len(LEVEL_NAMES)))
        else:
            low, high = dt.date.min.toordinal(), dt.date.max.toordinal()
            self.constraints.append(z3.And(variable >= low, variable <= high))
        return variable

    def _parameter(self, param: Parameter) -> ParameterVariable:
        kind = "level" if param.type == "level" else param.type
        value = self._variable(f"parameter {param.name}", kind, param.choices)
        for bound, below in ((param.minimum, False), (param.maximum, True)):
            if bound is None:
                continue
            limit = self.constant(kind, bound)
            self.constraints.append(value <= limit if below else value >= limit)
        null = z3.Bool(f"parameter {param.name} is null") if param.nullable else None
        return ParameterVariable(param, value, null)

    def _fact(self, spec: FactSpec) -> Expr:
        variable = self._variable(spec.name, spec.type, spec.choices)
        if spec.type == "number" and spec.minimum is not None and spec.name not in STATE_FACT_NAMES:
            low = exact(spec.minimum)
            self.constraints.append(variable > low if spec.above_minimum else variable >= low)
        return variable

    # ------------------------------------------------------------ conditions

    def condition(self, condition: Condition, *, formula: bool = False) -> Expr:
        """A condition (or, with ``formula``, a property's formula) as SMT.

        In a formula, a comparison of an action's own fact holds only when that action is decided
        (as ``agi_terms.conditions.evaluate_present`` reads a row without the fact).
        """
        if isinstance(condition, Always):
            return z3.BoolVal(condition.value)
        if isinstance(condition, Not):
            return z3.Not(self.condition(condition.part, formula=formula))
        if isinstance(condition, AllOf):
            return z3.And([self.condition(p, formula=formula) for p in condition.parts])
        if isinstance(condition, AnyOf):
            return z3.Or([self.condition(p, formula=formula) for p in condition.parts])
        expr = self._compare(condition)
        owners = self.owners.get(condition.field)
        if formula and owners:
            expr = z3.And(z3.Or([self.is_action(a) for a in owners]), expr)
        return expr

    def _compare(self, cmp: Compare) -> Expr:
        if cmp.field in self.parameters:
            param = self.parameters[cmp.field]
            if cmp.value is None:
                # {backstop: null} holds when the parameter is null, $neq when it is not
                # (rulebook.program.parameter_holds).
                is_null = param.null if param.null is not None else z3.BoolVal(False)
                return is_null if cmp.op == "eq" else z3.Not(is_null)
            kind = param.parameter.type
            return param.held(OPERATIONS[cmp.op](param.value, self.constant(kind, cmp.value)))
        spec = self.rulebook.facts[cmp.field]
        left = self.facts[cmp.field]
        if isinstance(cmp.value, ParamRef):
            param = self.parameters[cmp.value.name]
            return param.held(OPERATIONS[cmp.op](left, param.value))
        if cmp.value is None:
            return z3.BoolVal(False)
        return OPERATIONS[cmp.op](left, self.constant(spec.type, cmp.value))

    # ------------------------------------------------------------ the rules

    def _terms(self) -> None:
        for term in self.rulebook.terms:
            grants = [self.condition(r.condition) for r in term.rules if r.effect == "grant"]
            ends = [self.condition(r.condition) for r in term.rules if r.effect == "end"]
            self.constraints.append(
                self.facts[term.id] == z3.And(z3.Or(grants), z3.Not(z3.Or(ends)))
            )

    def _decisions(self) -> None:
        allowed: list[Expr] = []
        obliged: dict[str, list[Expr]] = {o.id: [] for o in self.rulebook.obligations}
        for action, rules in self.rulebook.decisions.items():
            self.allow[action] = z3.Or(
                [self.condition(r.condition) for r in rules if r.effect == "allow"]
            )
            self.deny[action] = z3.Or(
                [self.condition(r.condition) for r in rules if r.effect == "deny"]
            )
            decided = z3.And(self.is_action(action), self.allow[action], z3.Not(self.deny[action]))
            allowed.append(decided)
            for rule in rules:
                if rule.effect == "oblige" and rule.obligation is not None:
                    obliged[rule.obligation].append(z3.And(decided, self.condition(rule.condition)))
        self.constraints.append(self.facts["allowed"] == z3.Or(allowed))
        for obligation, held in obliged.items():
            self.constraints.append(self.facts[obligation] == z3.Or(held))

    def rule_holds(self, action: str, effect: str) -> list[tuple[str, Expr]]:
        """The rules of ``action`` with ``effect``, each with its condition as SMT."""
        return [
            (r.id, self.condition(r.condition))
            for r in self.rulebook.decisions[action]
            if r.effect == effect
        ]

    # ------------------------------------------------------------ the state

    def _situations(self) -> None:
        day = self.facts["day"]
        count = len(self.situations)
        self.constraints.append(z3.And(self.situation >= 0, self.situation < count))
        for i, situation in enumerate(self.situations):
            parts = [
                day >= situation.first.toordinal(),
                day <= situation.last.toordinal(),
                self.events == len(situation.events),
            ]
            for name, value in situation.facts.items():
                variable = self.facts[name]
                kind = self.rulebook.facts[name].type
                if name in TOTALS:
                    parts.append(variable > 0 if value else variable == 0)
                elif kind == "choice":
                    parts.append(variable == self.code(str(value)))
                elif kind == "number":
                    parts.append(variable == exact(float(value)))
                else:
                    parts.append(variable == value)
            uses = [
                z3.And([self.facts[k] == v for k, v in derived.items()])
                for derived, _ in situation.ip_uses
            ]
            parts.append(z3.Implies(self.is_action(IP_USE), z3.Or(uses)))
            self.constraints.append(z3.Implies(self.situation == i, z3.And(parts)))

    def defaults(self) -> Mapping[str, Expr]:
        """For each parameter: it has its default value."""
        found = {}
        for name, param in self.parameters.items():
            spec = param.parameter
            if spec.default is None:
                assert param.null is not None
                found[name] = param.null
                continue
            kind = "level" if spec.type == "level" else spec.type
            value = param.value == self.constant(kind, spec.default)
            found[name] = value if param.null is None else z3.And(z3.Not(param.null), value)
        return found

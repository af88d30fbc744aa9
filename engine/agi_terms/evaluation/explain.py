"""Explanations: why a term is (not) in force, or an action (not) allowed, on a date.

For the rules that decided, the explanation gives their citation and the facts they matched; for the
rules that did not hold, *why not*: the first comparison that failed and the fact's actual value.
``summary`` detail keeps the deciding rules (and, for a term out of force without an end rule, its
grant rules); ``full`` adds every other rule of the term or action and the whole fact row. Every
source the rules shown cite comes with its register entry, so that an explanation says what its
sources establish without another file.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field

from agi_terms.conditions import (
    COMPARISONS,
    AllOf,
    Always,
    AnyOf,
    Compare,
    Condition,
    ParamRef,
    compare_values,
)
from agi_terms.evaluation.results import _Result
from agi_terms.events import Level
from agi_terms.facts import FactRow
from agi_terms.rulebook import Rule, Rulebook
from agi_terms.rulebook.citations import citation_ids
from agi_terms.rulebook.program import parameter_holds, rule_value
from agi_terms.rulebook.sources import Source, ids_of

Detail = Literal["summary", "full"]
DETAILS: tuple[Detail, ...] = ("summary", "full")


class FactCheck(_Result):
    """One comparison of a rule, evaluated: ``fact`` ``test`` held or not given ``actual``."""

    fact: str
    test: str
    actual: Any
    holds: bool
    parameter: bool = False
    """The compared name is a parameter of the agreement, not a fact of the contract."""


class RuleExplanation(_Result):
    """A rule evaluated on the facts: whether it held, what it matched, and why not."""

    rule: str
    source: str
    effect: str
    condition: str
    holds: bool
    matched: tuple[FactCheck, ...] = ()
    failed: FactCheck | None = None
    """The first comparison that failed (only when the rule did not hold)."""
    obligation: str | None = None


class Explanation(_Result):
    """Why a term is (not) in force or an action is (not) allowed on ``date``."""

    date: str
    version: str
    phase: str
    kind: Literal["term", "action"]
    subject: str
    """The term id, or the action's type."""
    outcome: bool
    """In force (term) or allowed (action)."""
    summary: str
    obligations: tuple[str, ...] = ()
    decided_by: tuple[RuleExplanation, ...] = ()
    not_holding: tuple[RuleExplanation, ...] = ()
    """Rules that did not hold, with why not (for a term out of force: its grant rules)."""
    other_rules: tuple[RuleExplanation, ...] = ()
    """Full detail: every other rule of the term or action."""
    facts: dict[str, Any] = Field(default_factory=dict)
    """Full detail: the facts the rules saw (dates as ``YYYY-MM-DD``, levels by name)."""
    sources: dict[str, Source] = Field(default_factory=dict)
    """The register's entry for every source id the rules shown cite, in the register's order."""

    def text(self) -> str:
        """The explanation for people, one rule a line, each source's statement under the first
        rule that cites it."""
        lines = [f"{self.date} ({self.version}, phase {self.phase}): {self.summary}"]
        shown: set[str] = set()
        for title, rules in (
            ("decided by", self.decided_by),
            ("did not hold", self.not_holding),
            ("other rules", self.other_rules),
        ):
            if rules:
                lines.append(f"{title}:")
                for r in rules:
                    lines.append(f"  {_rule_line(r)}")
                    for ident in citation_ids(r.source):
                        if ident in self.sources and ident not in shown:
                            shown.add(ident)
                            lines.append(source_text(self.sources[ident], indent=4))
        if self.facts:
            lines.append("facts: " + ", ".join(f"{k}={_show(v)}" for k, v in self.facts.items()))
        return "\n".join(lines)

    def __str__(self) -> str:
        """The explanation's text (``text()``), as ``print(explanation)`` shows it."""
        return self.text()


def _rule_line(r: RuleExplanation) -> str:
    extra = f" -> {r.obligation}" if r.obligation else ""
    head = f"{r.rule} [{r.effect}{extra}] ({r.source}): {r.condition}"
    if r.holds:
        matched = ", ".join(f"{c.fact}={_show(c.actual)}" for c in r.matched)
        return f"{head}; matched {matched}" if matched else f"{head}; holds always"
    if r.failed is None:
        return f"{head}; never holds"
    f = r.failed
    what = "parameter" if f.parameter else "fact"
    return f"{head}; fails at {f.fact} {f.test}: {what} {f.fact} is {_show(f.actual)}"


def source_text(source: Source, indent: int = 0, width: int = 79) -> str:
    """A source's id, title, statement and quote as a paragraph wrapped to ``width``."""
    text = f"{source.id} {source.title}: {source.statement}"
    if source.quote:
        text += f' Quote: "{source.quote}"'
    return textwrap.fill(
        text,
        width=width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 2),
        break_on_hyphens=False,
        break_long_words=False,
    )


def _cited(rulebook: Rulebook, rules: Iterable[RuleExplanation]) -> dict[str, Source]:
    return {s.id: s for s in rulebook.sources.ordered(ids_of(r.source for r in rules))}


def _show(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class _Tracer:
    """Evaluates a rule's condition as written (parameters unfolded), recording each comparison."""

    rulebook: Rulebook
    parameters: Mapping[str, object]
    row: FactRow

    def display(self, field: str, value: object) -> object:
        spec = self.rulebook.facts.get(field)
        param = self.rulebook.parameter_by_name.get(field)
        kind = spec.type if spec else (param.type if param else "")
        if isinstance(value, dt.date):
            return value.isoformat()
        if kind == "date" and isinstance(value, int) and not isinstance(value, bool):
            return dt.date.fromordinal(value).isoformat()
        if kind == "level" and isinstance(value, int) and not isinstance(value, bool):
            return Level(value).name
        return value

    def check(self, cmp: Compare) -> FactCheck:
        params = self.rulebook.parameter_by_name
        constant = cmp.value
        if isinstance(constant, ParamRef):
            shown_constant = f"{constant.name} ({_show(self.display(constant.name, self.parameters[constant.name]))})"
            constant = self.parameters[constant.name]  # type: ignore[assignment]
        else:
            shown_constant = _show(self.display(cmp.field, constant))
        test = f"{COMPARISONS[cmp.op].symbol} {shown_constant}"
        if cmp.field in params:
            param = params[cmp.field]
            actual = self.parameters[cmp.field]
            holds = parameter_holds(param.type, cmp.op, actual, constant)
            return FactCheck(fact=cmp.field, test=test, actual=self.display(cmp.field, actual),
                             holds=holds, parameter=True)  # fmt: skip
        actual_row = self.row.get(cmp.field)
        spec = self.rulebook.facts[cmp.field]
        holds = (
            actual_row is not None
            and constant is not None
            and compare_values(cmp.op, actual_row, _value(spec.type, constant))
        )
        return FactCheck(
            fact=cmp.field, test=test, actual=self.display(cmp.field, actual_row), holds=holds
        )

    def trace(self, condition: Condition) -> tuple[bool, list[FactCheck], FactCheck | None]:
        if isinstance(condition, Always):
            return condition.value, [], None
        if isinstance(condition, Compare):
            result = self.check(condition)
            return result.holds, [result] if result.holds else [], None if result.holds else result
        matched: list[FactCheck] = []
        if isinstance(condition, AllOf):
            for part in condition.parts:
                holds, got, failed = self.trace(part)
                if not holds:
                    return False, matched, failed
                matched.extend(got)
            return True, matched, None
        assert isinstance(condition, AnyOf)
        first_failure: FactCheck | None = None
        for part in condition.parts:
            holds, got, failed = self.trace(part)
            if holds:
                return True, got, None
            first_failure = first_failure or failed
        return False, [], first_failure

    def explain_rule(self, rule: Rule) -> RuleExplanation:
        from agi_terms.conditions import render

        holds, matched, failed = self.trace(rule.condition)
        return RuleExplanation(
            rule=rule.id, source=rule.source, effect=rule.effect, condition=render(rule.condition),
            holds=holds, matched=tuple(matched), failed=None if holds else failed,
            obligation=rule.obligation,
        )  # fmt: skip


def _value(kind: str, value: object) -> object:
    if kind == "choice" or kind == "bool":
        return value
    return rule_value(kind, value)


def explain_term(
    rulebook: Rulebook,
    parameters: Mapping[str, object],
    row: FactRow,
    term: str,
    *,
    date: dt.date,
    phase: str,
    detail: Detail = "summary",
) -> Explanation:
    """Why ``term`` is (not) in force given the facts ``row`` (which must hold the terms it tests)."""
    tracer = _Tracer(rulebook, parameters, row)
    spec = next(t for t in rulebook.terms if t.id == term)
    rules = [tracer.explain_rule(r) for r in spec.rules]
    grants = [r for r in rules if r.effect == "grant"]
    ends = [r for r in rules if r.effect == "end"]
    held_grants = [r for r in grants if r.holds]
    held_ends = [r for r in ends if r.holds]
    in_force = bool(held_grants) and not held_ends
    if in_force:
        decided, not_holding = held_grants, [r for r in ends if not r.holds]
        summary = f"{term} is in force: granted by {_names(held_grants)}"
        if ends:
            summary += f", and no end rule holds ({_names(ends)})"
    elif held_ends:
        decided, not_holding = held_ends, []
        summary = f"{term} is not in force: ended by {_names(held_ends)}"
    else:
        decided, not_holding = [], grants
        summary = (
            f"{term} is not in force: no grant rule holds ({_names(grants)})"
            if grants
            else f"{term} is not in force: it has no grant rule in {rulebook.version}"
        )
    shown = {r.rule for r in (*decided, *not_holding)}
    other = tuple(r for r in rules if r.rule not in shown) if detail == "full" else ()
    return Explanation(
        date=date.isoformat(), version=rulebook.version, phase=phase, kind="term", subject=term,
        outcome=in_force, summary=summary, decided_by=tuple(decided),
        not_holding=tuple(not_holding), other_rules=other,
        facts=_facts(tracer, row) if detail == "full" else {},
        sources=_cited(rulebook, (*decided, *not_holding, *other)),
    )  # fmt: skip


def explain_action(
    rulebook: Rulebook,
    parameters: Mapping[str, object],
    row: FactRow,
    action: str,
    *,
    date: dt.date,
    phase: str,
    detail: Detail = "summary",
) -> Explanation:
    """Why the action in ``row`` (state facts, terms and the action's facts) is (not) allowed."""
    tracer = _Tracer(rulebook, parameters, row)
    rules = [tracer.explain_rule(r) for r in rulebook.decisions[action]]
    deny = [r for r in rules if r.effect == "deny" and r.holds]
    allow = [r for r in rules if r.effect == "allow" and r.holds]
    oblige = [r for r in rules if r.effect == "oblige" and r.holds]
    cite = [r for r in rules if r.effect == "cite" and r.holds]
    allowed = bool(allow) and not deny
    obligations = tuple(dict.fromkeys(r.obligation or "" for r in oblige)) if allowed else ()
    if deny:
        summary = f"{action} is denied by {_names(deny)}"
        decided = [*deny, *cite]
        not_holding: list[RuleExplanation] = []
    elif allow:
        summary = f"{action} is allowed by {_names(allow)}"
        if obligations:
            summary += f", with {', '.join(obligations)}"
        decided = [*allow, *oblige, *cite]
        not_holding = [r for r in rules if r.effect == "deny"]
    else:
        summary = f"{action} is not allowed: no allow rule holds"
        decided = list(cite)
        not_holding = [r for r in rules if r.effect == "allow"]
    shown = {r.rule for r in (*decided, *not_holding)}
    other = tuple(r for r in rules if r.rule not in shown) if detail == "full" else ()
    return Explanation(
        date=date.isoformat(), version=rulebook.version, phase=phase, kind="action", subject=action,
        outcome=allowed, summary=summary, obligations=obligations, decided_by=tuple(decided),
        not_holding=tuple(not_holding), other_rules=other,
        facts=_facts(tracer, row) if detail == "full" else {},
        sources=_cited(rulebook, (*decided, *not_holding, *other)),
    )  # fmt: skip


def _names(rules: list[RuleExplanation]) -> str:
    return ", ".join(f"{r.rule} ({r.source})" for r in rules)


def _facts(tracer: _Tracer, row: FactRow) -> dict[str, Any]:
    return {k: tracer.display(k, v) for k, v in row.items()}

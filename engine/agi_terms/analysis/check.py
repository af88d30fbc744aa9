"""Rulebook checks: what ``agi-terms check`` verifies beyond what loading refuses.

- every rule, parameter, term, property and the rest cite a source, and every source id resolves in
  the register;
- every phase is reachable from the initial phase;
- every action is decided (some allow or deny rule holds) for every combination of facts;
- no two rules decide the same action in opposite ways (an allow and a deny both holding) for the
  same facts.

The fact space is finite once every number is reduced to its position around the constants the rules
compare it with: the checks enumerate phases × the days around every date a rule compares with × AGI
situations × running totals × action fields, for every combination of the version's choice and
true/false parameters, with each nullable date parameter null and not. ``agi_terms.analysis.prove``
proves the same checks (and ``properties.yaml``) for every value of every parameter.

``uncited_sources`` lists the register's entries that no version beside it cites: information for
the register's authors, not a defect (an open question the rules do not encode is still a source).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import textwrap
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agi_terms.conditions import ParamRef, comparisons
from agi_terms.errors import AgiTermsError
from agi_terms.evaluation.evaluator import Evaluator
from agi_terms.facts import ACTION_FACTS, STATE_FACTS, FactRow, FactSpec, RuleValue
from agi_terms.rulebook import Rulebook, available_versions, load_rulebook, load_rulebook_from
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.rulebook.program import Program
from agi_terms.rulebook.schema import check_citation
from agi_terms.rulebook.sources import Source

# (pending, live, declared_ever, verified): no declaration, pending, verified, rejected before.
_AGI_SITUATIONS = ((False, False, False, False), (True, True, True, False),
                   (False, True, True, True), (False, False, True, False))  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One defect: its kind, a message naming rules and facts, and where to look."""

    kind: str
    message: str
    place: str = ""

    def line(self) -> str:
        return f"{self.kind}: {self.place + ': ' if self.place else ''}{self.message}"


def check_rulebook(rulebook: Rulebook, *, limit: int = 20) -> list[Finding]:
    """Every defect found (at most ``limit`` per kind of check)."""
    findings = [*_citations(rulebook), *_reachability(rulebook)]
    # A decision depends on the facts its rules test and on the parameters they test: variants
    # that agree on those parameters are checked together, on every state any of them reaches.
    deciding = _decision_parameters(rulebook)
    relevant = sorted(
        {c.field for r in rulebook.rules if r.kind == "action" for c in comparisons(r.condition)}
        - {"action", *rulebook.parameter_by_name}
    )
    groups: dict[tuple[object, ...], tuple[Evaluator, dict[tuple[object, ...], _State]]] = {}
    for parameters in _parameter_variants(rulebook):
        evaluator = Evaluator.build(rulebook, parameters, "python")
        key = tuple(parameters[name] for name in deciding)
        states = groups.setdefault(key, (evaluator, {}))[1]
        for row in _term_rows(evaluator):
            states.setdefault(tuple(row.get(f) for f in relevant), _State(row, parameters))
    for evaluator, states in groups.values():
        found = _decisions(evaluator, states.values(), limit)
        findings.extend(f for f in found if f not in findings)
        if len(findings) >= limit:
            break
    return findings


def check_citations(rulebook: Rulebook) -> list[Finding]:
    """A finding for each citation of the version that is not one or that the register lacks."""
    return list(_citations(rulebook))


@dataclass(frozen=True)
class _State:
    """A state row with its terms, and the parameter variant that reached it (for messages)."""

    row: FactRow
    parameters: Mapping[str, object]


def _decision_parameters(rulebook: Rulebook) -> list[str]:
    """The parameters that some decision rule tests or compares a fact with."""
    names: set[str] = set()
    for r in rulebook.rules:
        if r.kind != "action":
            continue
        for c in comparisons(r.condition):
            if c.field in rulebook.parameter_by_name:
                names.add(c.field)
            if isinstance(c.value, ParamRef):
                names.add(c.value.name)
    return [p.name for p in rulebook.parameters if p.name in names]


def _citations(rulebook: Rulebook) -> Iterator[Finding]:
    for what, source in rulebook.citations():
        try:
            check_citation(source, rulebook.sources)
        except ValueError as exc:
            yield Finding("uncited", str(exc), what)


def uncited_sources(rulebook: Rulebook) -> tuple[Source, ...]:
    """The entries of ``rulebook``'s register that neither it nor any other version of the
    register's folder cites (the shipped versions, for the shipped register)."""
    register = rulebook.sources
    cited = set(rulebook.cited_ids)
    for other in _versions_sharing(rulebook):
        cited.update(other.cited_ids)
    return tuple(s for s in register if s.id not in cited)


def _versions_sharing(rulebook: Rulebook) -> Iterator[Rulebook]:
    register = rulebook.sources
    if register == shipped_sources():
        yield from (load_rulebook(v) for v in available_versions())
        return
    folder = Path(register.location).parent
    for sub in sorted(p for p in folder.iterdir() if (p / "agreement.yaml").is_file()):
        try:
            yield load_rulebook_from(sub, sources=register)
        except AgiTermsError:
            continue  # a sibling that does not load is its own check's business


def reachable_phases(rulebook: Rulebook) -> set[str]:
    """The phases some sequence of events and calendar gates leads to (conditions aside)."""
    lifecycle = rulebook.lifecycle
    seen = {lifecycle.initial}
    frontier = [lifecycle.initial]
    while frontier:
        phase = frontier.pop()
        for t in lifecycle.transitions:
            if phase in t.sources and t.dest not in seen:
                seen.add(t.dest)
                frontier.append(t.dest)
    return seen


def _reachability(rulebook: Rulebook) -> Iterator[Finding]:
    reachable = reachable_phases(rulebook)
    for phase in rulebook.lifecycle.phase_ids:
        if phase not in reachable:
            yield Finding(
                "unreachable",
                f"phase {phase} cannot be reached from {rulebook.lifecycle.initial}",
                "lifecycle",
            )


def _parameter_variants(rulebook: Rulebook) -> Iterator[dict[str, object]]:
    """Every combination of the choice and true/false parameters, the others at their defaults;
    then each nullable date parameter set the other way (null, or a date two years after the start)
    in every such combination."""
    names = [p.name for p in rulebook.parameters if p.type in ("choice", "bool")]
    options = [
        list(p.choices) if p.type == "choice" else [False, True]
        for p in rulebook.parameters
        if p.type in ("choice", "bool")
    ]
    flips: list[dict[str, object]] = [{}]
    some_day = rulebook.effective + dt.timedelta(days=730)
    for p in rulebook.parameters:
        if p.type == "date" and p.nullable:
            flips.append({p.name: some_day if p.default is None else None})
    for flip in flips:
        for values in itertools.product(*options):
            yield {**rulebook.defaults(), **dict(zip(names, values, strict=True)), **flip}


def _number_points(program: Program, field: str) -> list[float]:
    """Values of a number fact on every side of every constant the rules compare it with."""
    constants = {
        float(c.value)
        for r in program.rules
        for c in comparisons(r.condition)
        if c.field == field and isinstance(c.value, int | float) and not isinstance(c.value, bool)
    }
    points = {1.0}
    for c in constants:
        points.update({math.nextafter(c, -math.inf), c, math.nextafter(c, math.inf)})
    return sorted(p for p in points if p > 0) or [1.0]


def _values(spec: FactSpec, program: Program) -> list[RuleValue]:
    if spec.type == "bool":
        return [False, True]
    if spec.type == "choice":
        return list(spec.choices)
    if spec.type == "level":
        return [0, 1, 2, 3]
    return list(_number_points(program, spec.name))


def _state_rows(program: Program) -> Iterator[FactRow]:
    start = program.rulebook.effective.toordinal()
    days = {start}
    # Every day a date comparison turns, in a term (a calendar gate) or in a decision rule.
    for r in program.rules:
        for c in comparisons(r.condition):
            if c.field == "day" and isinstance(c.value, int) and not isinstance(c.value, bool):
                days.update({c.value - 1, c.value, c.value + 1})
    days = {d for d in days if d >= start}
    days.add(max(days) + 366)
    totals = [f.name for f in STATE_FACTS if f.type == "number"]
    points = [sorted({*_number_points(program, name), 0.0}) for name in totals]
    for day, phase, agi in itertools.product(
        sorted(days), program.rulebook.lifecycle.phase_ids, _AGI_SITUATIONS
    ):
        pending, live, declared, verified = agi
        for amounts in itertools.product(*points):
            yield {
                "day": day, "phase": phase, "verified": verified, "declaration_pending": pending,
                "declaration_live": live, "declared_ever": declared,
                **dict(zip(totals, amounts, strict=True)),
            }  # fmt: skip


def _term_rows(evaluator: Evaluator) -> Iterator[FactRow]:
    """Every state row with the terms in force added (terms evaluated once per gate interval)."""
    program = evaluator.program
    tested = sorted(
        {c.field for r in program.rules if r.rule.kind == "term" for c in comparisons(r.condition)}
        - {"day", *program.rulebook.term_ids}
    )
    gate_days = [g.toordinal() for g in program.gates]
    known: dict[tuple[object, ...], dict[str, bool]] = {}
    for state in _state_rows(program):
        # Term rules compare the day only with the gate days (as Evaluator.terms relies on).
        key = (bisect.bisect_right(gate_days, state["day"]), *(state[f] for f in tested))
        terms = known.get(key)
        if terms is None:
            terms = known[key] = dict(evaluator.terms(dict(state))[0])
        yield {**state, **terms}


def _decisions(evaluator: Evaluator, states: Iterable[_State], limit: int) -> list[Finding]:
    program, backend = evaluator.program, evaluator.backend
    rules = program.rules
    found: list[Finding] = []
    seen: set[tuple[str, ...]] = set()
    for state in states:
        row = state.row
        variant = ", ".join(
            f"{k}={v}" for k, v in state.parameters.items() if isinstance(v, str | bool)
        )
        for action, specs in ACTION_FACTS.items():
            for values in itertools.product(*(_values(s, program) for s in specs)):
                action_row: FactRow = {
                    **row,
                    "action": action,
                    **dict(zip((s.name for s in specs), values, strict=True)),
                }
                held = backend.match(program.decision_stage, [action_row])[0]
                allow = [rules[i].id for i in held if rules[i].rule.effect == "allow"]
                deny = [rules[i].id for i in held if rules[i].rule.effect == "deny"]
                key: tuple[str, ...]
                if not allow and not deny:
                    key = ("undecided", action)
                    message = f"no rule decides {action} for {_facts(action_row, program)}"
                elif allow and deny:
                    key = ("conflict", action, *allow, *deny)
                    message = (
                        f"{', '.join(allow)} (allow) and {', '.join(deny)} (deny) both hold for"
                        f" {_facts(action_row, program)}"
                    )
                else:
                    continue
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    Finding(key[0], f"{message} [parameters: {variant}]", f"action {action}")
                )
                if len(found) >= limit:
                    return found
    return found


def _facts(row: FactRow, program: Program) -> str:
    shown = []
    for name, value in row.items():
        spec = program.facts.get(name)
        if spec is not None and spec.type == "date" and isinstance(value, int):
            shown.append(f"{name}={dt.date.fromordinal(value).isoformat()}")
        elif isinstance(value, float):
            shown.append(f"{name}={value:g}")
        else:
            shown.append(f"{name}={value}")
    return ", ".join(shown)


def uncited_summary(rulebook: Rulebook) -> str:
    """One informational line: how many register entries nothing cites, and which."""
    uncited = uncited_sources(rulebook)
    where = rulebook.sources.location
    if not uncited:
        return f"{where}: every one of its {len(rulebook.sources)} entries is cited"
    text = (
        f"{where}: {len(uncited)} of {len(rulebook.sources)} entries cited by no version"
        f" (information, not a defect): {', '.join(s.id for s in uncited)}"
    )
    return textwrap.fill(
        text, width=79, subsequent_indent="  ", break_on_hyphens=False, break_long_words=False
    )


def summarise(rulebook: Rulebook, findings: Sequence[Finding]) -> str:
    """One line for a clean rulebook, or one line per finding."""
    if not findings:
        return (
            f"{rulebook.location or rulebook.version}: ok — {len(rulebook.rules)} rules and"
            f" {len(rulebook.parameters)} parameters cited, {len(reachable_phases(rulebook))}"
            f" phases reachable, every action decided without conflict"
        )
    return "\n".join(f.line() for f in findings)

"""Proofs over every parameter value and every date (SPEC §16): what ``agi-terms check --prove`` does.

``prove_rulebook(rulebook)`` translates a version into SMT (``smt``) with every parameter free within
its domain, over every situation a contract of the version can reach (``reach``: found by playing
events on the engine), and proves with z3: every action decided, no allow and deny rule holding
together, every phase reachable, and every property of ``properties.yaml``. A check that fails comes
with a counterexample (``counterexample``): a scenario that ``agi-terms simulate`` runs, replayed on
the engine before it is shown. Needs the ``prove`` extra (z3-solver).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import z3

from agi_terms.analysis.prove.counterexample import (
    Counterexample,
    build,
    render,
    replay,
    shown_facts,
    solve,
)
from agi_terms.analysis.prove.reach import Reach, ReachError, Situation, explore, frozen
from agi_terms.analysis.prove.smt import Expr, Translation
from agi_terms.conditions import comparisons
from agi_terms.errors import AgiTermsError
from agi_terms.evaluation.explain import Explanation
from agi_terms.facts import DECISION_FACTS
from agi_terms.rulebook import Property, Rule, Rulebook

__all__ = [
    "Counterexample",
    "Outcome",
    "ProofReport",
    "Reach",
    "ReachError",
    "Situation",
    "Translation",
    "explore",
    "prove_rulebook",
]

Check = Literal["decided", "no_conflict", "reachable", "property"]
CHECKS: tuple[Check, ...] = ("decided", "no_conflict", "reachable", "property")
TIMEOUT_MS = 120_000
"""How long the solver may take for one check before the check counts as not proved."""


@dataclass(frozen=True)
class Outcome:
    """One check of a version: proved, or failed with what fails and a counterexample."""

    check: Check
    subject: str
    """The action, phase or property id checked."""
    proved: bool
    message: str
    counterexample: Counterexample | None = None

    @property
    def id(self) -> str:
        return f"{self.check}-{self.subject}"

    def __repr__(self) -> str:
        return f"Outcome({self.id}, {'proved' if self.proved else 'failed'})"


@dataclass(frozen=True)
class ProofReport:
    """Every check of a version, with the reachable situations they range over."""

    version: str
    location: str
    rules: Path | None
    """The rule folder of a version that is not shipped (counterexamples run with ``--rules``)."""
    outcomes: tuple[Outcome, ...]
    situations: int
    starts: tuple[str, ...]

    @property
    def proved(self) -> bool:
        return all(o.proved for o in self.outcomes)

    def __repr__(self) -> str:
        return (
            f"ProofReport({self.version}, {len(self.failures)} of {len(self.outcomes)} checks fail,"
            f" {self.situations} situations)"
        )

    @property
    def failures(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.proved)

    def simulate_command(self) -> str:
        return _command(self.rules, "simulate FILE")

    def text(self) -> str:
        """The report for people: a line per check (grouped when proved), then each counterexample."""
        where = self.location or self.version
        entered = ", ".join(self.starts)
        if self.proved:
            head = f"{where}: proved for every parameter value and every date"
        else:
            head = f"{where}: {len(self.failures)} of {len(self.outcomes)} checks fail"
        lines = [f"{head} ({self.situations} reachable situations, from {entered})"]
        titles = {
            "decided": "every action decided",
            "no_conflict": "no allow and deny rule hold together",
            "reachable": "every phase reachable",
        }
        for check in CHECKS:
            outcomes = [o for o in self.outcomes if o.check == check]
            if check in titles and outcomes and all(o.proved for o in outcomes):
                lines.append(
                    f"  proved: {titles[check]} ({', '.join(o.subject for o in outcomes)})"
                )
                continue
            for o in outcomes:
                lines.append(f"  {'proved' if o.proved else 'FAILED'}: {o.message}")
                if o.counterexample is not None:
                    number = 1 + [f.id for f in self.failures if f.counterexample].index(o.id)
                    lines.append(f"    counterexample {number} below: {o.counterexample.shows}")
        if any(o.counterexample for o in self.failures):
            lines.append(
                f"Each counterexample below is a scenario file: save it as FILE and run"
                f" `{self.simulate_command()}`."
            )
        for o in self.failures:
            if o.counterexample is not None:
                lines.append("---")
                lines.append(o.counterexample.text.rstrip("\n"))
        return "\n".join(lines)


def prove_rulebook(rulebook: Rulebook, rules: Path | None = None) -> ProofReport:
    """Prove every check of ``rulebook`` for every parameter value and every date.

    ``rules`` is the folder the rulebook was read from when it is not a shipped version.
    Raises ``ReachError`` for a lifecycle the prover does not cover.
    """
    reach = explore(rulebook, rules)
    translation = Translation(rulebook, reach.situations)
    prover = _Prover(rulebook, rules, translation)
    outcomes: list[Outcome] = []
    for phase in rulebook.lifecycle.phase_ids:
        if phase not in reach.phases:
            outcomes.append(
                Outcome("reachable", phase, False,
                        f"phase {phase} is reached by no events from {rulebook.lifecycle.initial}"
                        f" (whatever the parameters: no transition tests one)")
            )  # fmt: skip
        else:
            outcomes.append(Outcome("reachable", phase, True, f"phase {phase} is reachable"))
    decisions: tuple[tuple[Check, Callable[[str], Expr], str], ...] = (
        ("decided", lambda a: z3.And(z3.Not(translation.allow[a]), z3.Not(translation.deny[a])),
         "every {} is decided"),
        ("no_conflict", lambda a: z3.And(translation.allow[a], translation.deny[a]),
         "no allow and deny rule of {} hold together"),
    )  # fmt: skip
    for check, negation, claim in decisions:
        for action in rulebook.decisions:
            goal = z3.And(translation.is_action(action), negation(action))
            outcomes.append(prover.check(check, action, goal, claim.format(action)))
    for prop in rulebook.properties:
        goal = z3.Not(translation.condition(prop.condition, formula=True))
        named = f"property {prop.id} ({prop.source})"
        claim = f"{named}: {prop.statement}"
        outcomes.append(prover.check("property", prop.id, goal, claim, prop, named))
    return ProofReport(
        version=rulebook.version,
        location=rulebook.location,
        rules=rules,
        outcomes=tuple(outcomes),
        situations=len(reach.situations),
        starts=reach.starts,
    )


class _Prover:
    def __init__(self, rulebook: Rulebook, rules: Path | None, translation: Translation) -> None:
        self.rulebook = rulebook
        self.rules = rules
        self.translation = translation
        self.solver = z3.Solver()
        self.solver.set("timeout", TIMEOUT_MS)
        self.solver.add(*translation.constraints)
        names = {a.name for a in DECISION_FACTS} | {o.id for o in rulebook.obligations}
        self.action_facts = names | set(translation.owners) | {"action"}

    def check(
        self,
        check: Check,
        subject: str,
        goal: Expr,
        claim: str,
        prop: Property | None = None,
        short: str | None = None,
    ) -> Outcome:
        """Proved when ``goal`` (the claim's negation) has no model; ``short`` names a proved claim."""
        self.solver.push()
        self.solver.add(goal)
        result = self.solver.check()
        self.solver.pop()
        if result == z3.unsat:
            return Outcome(check, subject, True, short or claim)
        if result != z3.sat:
            return Outcome(
                check, subject, False, f"{claim}: not proved (the solver gave no answer in time)"
            )
        with_action = prop is None or any(
            c.field in self.action_facts for c in comparisons(prop.condition)
        )
        return self.failure(check, subject, goal, claim, prop, with_action)

    def failure(
        self,
        check: Check,
        subject: str,
        goal: Expr,
        claim: str,
        prop: Property | None,
        with_action: bool,
    ) -> Outcome:
        translation = self.translation
        model = solve(translation, goal)
        title = f"Counterexample to {check.replace('_', ' ')} {subject} ({self.rulebook.version})"
        scenario, action = build(translation, model, title=title, with_action=with_action)
        day: dt.date = scenario["checkpoints"][0]
        text = render(scenario, [])
        try:
            replayed = replay(text, action, day, self.rules)
        except AgiTermsError as exc:
            # The engine refuses what the solver built: a defect of the prover, shown as such.
            refused = (
                f"the engine refuses the counterexample (a defect of the prover): {exc.one_line()}"
            )
            example = Counterexample(frozen(scenario), render(scenario, [claim, refused]),
                                     refused, False, day, None)  # fmt: skip
            return Outcome(check, subject, False, claim, example)
        explanation = replayed.explanation
        step = replayed.step
        rules_held = _rules_held(explanation, self.rulebook.decisions.get(subject, ()))
        if check == "decided":
            confirmed = not rules_held.get("allow") and not rules_held.get("deny")
            message = f"{subject} is decided by no allow or deny rule in some state"
            shows = (
                f"step {step} ({subject} on {day.isoformat()}) is not allowed, and no allow or"
                f" deny rule holds"
            )
        elif check == "no_conflict":
            allow, deny = rules_held.get("allow", []), rules_held.get("deny", [])
            confirmed = bool(allow and deny)
            message = (
                f"{', '.join(allow) or '?'} (allow) and {', '.join(deny) or '?'} (deny) of"
                f" {subject} hold together"
            )
            shows = (
                f"step {step} ({subject} on {day.isoformat()}) is denied by {', '.join(deny)}, and"
                f" `{_command(self.rules, f'explain FILE --step {step} --detail full')}` shows"
                f" {', '.join(allow)} holding too"
            )
        else:
            assert prop is not None
            confirmed = not replayed.holds[prop.id]
            message = claim
            shows = (
                f"on {day.isoformat()}"
                + (f" (step {step})" if step is not None else "")
                + f", {prop.id} does not hold: {shown_facts(translation, prop, replayed)}"
            )
        if not confirmed:
            shows = f"the engine does not show the failure (a defect of the prover): {shows}"
        comment = [
            f"Counterexample {check}-{subject}: {message}",
            f"Run `{_command(self.rules, 'simulate FILE')}`: {shows}.",
        ]
        counterexample = Counterexample(
            scenario=frozen(scenario),
            text=render(scenario, comment),
            shows=shows,
            confirmed=confirmed,
            day=day,
            step=step,
        )
        return Outcome(check, subject, False, message, counterexample)


def _command(rules: Path | None, what: str) -> str:
    return f"agi-terms {what}" + (f" --rules {rules}" if rules is not None else "")


def _rules_held(explanation: Explanation | None, order: Sequence[Rule]) -> dict[str, list[str]]:
    """The ids of the rules that held, by effect, in the order of the rule file."""
    held: dict[str, list[str]] = {}
    if explanation is None:
        return held
    every = (*explanation.decided_by, *explanation.not_holding, *explanation.other_rules)
    holding = {r.rule for r in every if r.holds}
    for rule in order:
        if rule.id in holding:
            held.setdefault(rule.effect, []).append(rule.id)
    return held

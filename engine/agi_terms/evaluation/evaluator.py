"""The evaluator: one version compiled for one set of parameters, and the one place that evaluates it.

``Evaluator.terms(row)`` evaluates every term stage by stage (a term that tests another term comes
after it) and ``Evaluator.terms_columns(columns)`` does the same over columns of many rows (on the
vectorised backend), ``Evaluator.decide(row)`` decides an action from the rules that held, and
``Evaluator.place(row)`` gives the phase of a contract entering the version by amendment, and
``Evaluator.holds(property, row)`` whether a property of ``properties.yaml`` holds. Contracts,
``check`` and Monte Carlo all ask this evaluator: a term is in force when one of its grant rules
holds and none of its end rules does, here and nowhere else.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from agi_terms.backends import RulesBackend, make_backend
from agi_terms.conditions import Condition, comparisons, evaluate, evaluate_present
from agi_terms.errors import BackendError
from agi_terms.evaluation.results import Citation, Decision, TermStatus
from agi_terms.facts import PHASE_FACT_NAME, STATE_FACTS, FactRow
from agi_terms.lifecycle import PhaseMachine
from agi_terms.reprs import short_repr
from agi_terms.rulebook import Property, Rulebook
from agi_terms.rulebook.program import Program, compile_program, fold

_state_key = operator.itemgetter(*(f.name for f in STATE_FACTS if f.name != "day"), PHASE_FACT_NAME)
_CACHE_LIMIT = 4096

TermsHeld = tuple[Mapping[str, bool], Mapping[str, tuple[int, ...]]]
"""The terms in force on a row, and per term the indices of its rules that held."""


@dataclass(frozen=True)
class Evaluator:
    """One version ready to evaluate: program, backend and lifecycle machine."""

    rulebook: Rulebook
    parameters: Mapping[str, object]
    program: Program
    backend: RulesBackend
    machine: PhaseMachine
    grants: Mapping[str, frozenset[int]]
    ends: Mapping[str, frozenset[int]]
    placements: tuple[tuple[str, Condition], ...] = ()
    """The lifecycle's placement rules, folded with the parameters (phase, condition)."""
    gate_days: tuple[int, ...] = ()
    citations: tuple[Citation, ...] = ()
    """The citation of each rule of the program, by index."""
    all_gates: tuple[dt.date, ...] = ()
    """Every day on which the version changes by itself: rule gates and lifecycle dates, sorted."""
    _terms_cache: dict[tuple[object, ...], TermsHeld] = field(
        default_factory=dict, compare=False, repr=False
    )
    _decisions_cache: dict[tuple[int, ...], Decision] = field(
        default_factory=dict, compare=False, repr=False
    )

    @functools.cached_property
    def tested_facts(self) -> frozenset[str]:
        """The facts some rule of this version tests (a running total counts only where one does:
        the Azure purchases under a commitment, OpenAI's payments under a cap)."""
        return frozenset(c.field for r in self.rulebook.rules for c in comparisons(r.condition))

    def gates_between(self, after: dt.date, until: dt.date) -> tuple[dt.date, ...]:
        """The gates in (after, until], in order."""
        gates = self.all_gates
        return gates[bisect.bisect_right(gates, after) : bisect.bisect_right(gates, until)]

    @classmethod
    def build(
        cls, rulebook: Rulebook, parameters: Mapping[str, object], backend: str | None
    ) -> Evaluator:
        """``rulebook`` compiled for the complete, validated ``parameters`` on ``backend`` (a name of
        ``BACKENDS``, ``None`` for the default)."""
        program = compile_program(rulebook, parameters)
        grants = {
            t: frozenset(r.index for r in program.rules_of_term(t) if r.rule.effect == "grant")
            for t in rulebook.term_ids
        }
        ends = {
            t: frozenset(r.index for r in program.rules_of_term(t) if r.rule.effect == "end")
            for t in rulebook.term_ids
        }
        placements = tuple(
            (p.phase, fold(p.condition, rulebook, parameters)) for p in rulebook.lifecycle.placement
        )
        return cls(
            rulebook,
            parameters,
            program,
            make_backend(backend, program),
            PhaseMachine(rulebook.lifecycle, rulebook.version),
            grants,
            ends,
            placements,
            tuple(d.toordinal() for d in program.gates),
            tuple(Citation.model_construct(rule=r.id, source=r.rule.source) for r in program.rules),
            tuple(sorted({*program.gates, *(c.date for c in rulebook.lifecycle.calendar)})),
        )

    def place(self, row: FactRow) -> str:
        """The phase of a contract entering this version with the state facts ``row``."""
        for phase, condition in self.placements:
            if evaluate(condition, row.__getitem__):
                return phase
        return self.rulebook.lifecycle.initial

    def terms(self, row: FactRow) -> TermsHeld:
        """Evaluate every term on ``row`` (state facts), stage by stage; adds the terms to ``row``.

        Returns the terms in force and, per term, the indices of its rules that held (read-only
        mappings, shared by every caller). Term rules compare the day only with the gate days, so
        between two gates the terms depend on the other state facts alone: results are kept per
        gate interval.
        """
        key = (bisect.bisect_right(self.gate_days, row["day"]), _state_key(row))
        cached = self._terms_cache.get(key)
        if cached is not None:
            row.update(cached[0])
            return cached
        result = self._evaluate_terms(row)
        if len(self._terms_cache) >= _CACHE_LIMIT:
            self._terms_cache.clear()
        self._terms_cache[key] = result
        return result

    def _evaluate_terms(self, row: FactRow) -> TermsHeld:
        in_force: dict[str, bool] = {}
        held: dict[str, tuple[int, ...]] = {}
        for stage, term_ids in enumerate(self.program.term_stages):
            matched = set(self.backend.match(stage, [row])[0])
            for t in term_ids:
                grants = self.grants[t] & matched
                ends = self.ends[t] & matched
                in_force[t] = bool(grants) and not ends
                held[t] = tuple(sorted(grants | ends))
                row[t] = in_force[t]
        order = self.rulebook.term_ids
        return MappingProxyType({t: in_force[t] for t in order}), MappingProxyType(held)

    def terms_columns(self, columns: MutableMapping[str, Any]) -> dict[str, Any]:
        """Where each term is in force over ``columns`` (one fact over many rows, as the vectorised
        backend takes them), stage by stage; the terms are added to ``columns`` as ``terms`` adds
        them to a row. A term that is the same for every row is a numpy scalar.

        ``BackendError`` unless this evaluator's backend is the vectorised one.
        """
        from agi_terms.backends.vectorised import VectorisedBackend

        backend = self.backend
        if not isinstance(backend, VectorisedBackend):
            raise BackendError(
                f"columns are evaluated by the vectorised backend, not {backend.name}"
            )
        import numpy as np

        in_force: dict[str, Any] = {}
        for stage, term_ids in enumerate(self.program.term_stages):
            held = dict(backend.match_columns(stage, columns))
            for term in term_ids:
                granted: Any = np.bool_(False)
                for i in sorted(self.grants[term]):
                    granted = granted | held[i]
                ended: Any = np.bool_(False)
                for i in sorted(self.ends[term]):
                    ended = ended | held[i]
                in_force[term] = columns[term] = granted & ~ended
        return {t: in_force[t] for t in self.rulebook.term_ids}

    def term_status(self, term: str, in_force: bool, held: tuple[int, ...]) -> TermStatus:
        """Why ``term`` is (not) in force, from ``terms``' results: the rules that decided, cited."""
        rules = self.program.rules
        ends = [i for i in held if i in self.ends[term]]
        if in_force:
            cited, reason = [i for i in held if i in self.grants[term]], "granted"
        elif ends:
            cited, reason = ends, "ended"
        else:
            cited, reason = sorted(self.grants[term]), "not_granted"
        return TermStatus(
            term=term,
            in_force=in_force,
            reason=reason,  # type: ignore[arg-type]
            because=tuple(Citation(rule=rules[i].id, source=rules[i].rule.source) for i in cited),
        )

    def decide(self, row: FactRow) -> Decision:
        """Decide the action in ``row`` (state facts, terms and the action's facts)."""
        matched = self.backend.match(self.program.decision_stage, [row])[0]
        # A decision is a function of the rules that held; Decision objects are immutable.
        decision = self._decisions_cache.get(matched)
        if decision is None:
            decision = self._decision_of(matched)
            if len(self._decisions_cache) >= _CACHE_LIMIT:
                self._decisions_cache.clear()
            self._decisions_cache[matched] = decision
        return decision

    def property_row(self, row: FactRow) -> FactRow:
        """What a property sees: ``row`` (state facts, and an action's facts when it has ``action``)
        with every term and, for an action, ``allowed`` and each obligation's id (attached or not)."""
        seen = dict(row)
        self.terms(seen)
        if "action" in seen:
            decision = self.decide(seen)
            seen["allowed"] = decision.allowed
            seen.update({o.id: o.id in decision.obligations for o in self.rulebook.obligations})
        return seen

    def holds(self, prop: Property, row: FactRow) -> bool:
        """Whether ``prop`` holds on ``row`` (from ``property_row``) under this version's parameters.

        A comparison of a fact the row lacks (another action's field) does not hold.
        """
        return evaluate_present(fold(prop.condition, self.rulebook, self.parameters), row)

    def _decision_of(self, matched: tuple[int, ...]) -> Decision:
        rules = self.program.rules
        deny = [i for i in matched if rules[i].rule.effect == "deny"]
        allow = [i for i in matched if rules[i].rule.effect == "allow"]
        oblige = [i for i in matched if rules[i].rule.effect == "oblige"]
        allowed = bool(allow) and not deny
        deciding = sorted([*allow, *oblige]) if allowed else deny
        cited = sorted({*deciding, *(i for i in matched if rules[i].rule.effect == "cite")})
        obligations = (
            tuple(dict.fromkeys(rules[i].rule.obligation or "" for i in oblige)) if allowed else ()
        )
        # Built from validated rule data: no need to validate again on this hot path.
        return Decision.model_construct(
            allowed=allowed,
            obligations=obligations,
            because=tuple(self.citations[i] for i in cited),
        )

    def __repr__(self) -> str:
        return short_repr(
            self,
            version=self.rulebook.version,
            backend=self.backend.name,
            rules=len(self.program.rules),
        )

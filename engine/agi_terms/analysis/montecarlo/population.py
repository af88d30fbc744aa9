"""A population of runs evaluated at once: the lifecycle and the rules over numpy columns.

``Population`` holds one agreement's compiled program on the vectorised backend and its lifecycle as
transition tables. ``evaluate(histories)`` places every run of a chunk in its phase and state at each
sample date and at every day its terms may change, evaluates the terms there, and returns per run the
terms and phase at each sample date and the first day each term is out of force.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.analysis.montecarlo.histories import NEVER, Days, Histories, Runs
from agi_terms.backends.vectorised import Column, Mask, VectorisedBackend
from agi_terms.conditions import comparisons
from agi_terms.errors import InputError
from agi_terms.evaluation.agreement import load_agreement, resolve_parameters
from agi_terms.facts import PHASE_FACT_NAME, STATE_FACTS
from agi_terms.lifecycle import Lifecycle
from agi_terms.rulebook import load_rulebook

Codes = npt.NDArray[np.int16]

# A run's state between two of its events is a small code: three AGI flags and the phase above them.
_PENDING, _VERIFIED, _DECLARED, _PHASE_SHIFT = 1, 2, 4, 3
_CODE_BITS = 6  # a state code fits in 6 bits: up to 8 phases
_AGI_EVENTS = ("agi_declared", "panel_verified", "panel_rejected")
_NO_TRANSITION = -1


@dataclass(frozen=True)
class Outcome:
    """Per-run results for one chunk: terms and phase at each sample date, and lapse days."""

    in_force: Mapping[str, npt.NDArray[np.bool_]]
    """term -> (runs, sample dates): in force on that date."""
    phase: Codes
    """(runs, sample dates): the index of the phase in ``Population.phases``."""
    lapse: Mapping[str, Days]
    """term -> (runs,): the first day (ordinal) the term is out of force, ``NEVER`` if not by the horizon."""


@dataclass(frozen=True)
class _Slot:
    """The n-th event of the runs that have one: its day and the state code after it."""

    runs: Runs
    day: Days
    code: Codes


class Population:
    """An agreement version with fixed parameters, ready to evaluate many sampled runs at once."""

    def __init__(
        self, assumptions: Assumptions, overrides: Mapping[str, object] | None = None
    ) -> None:
        parameters = {**assumptions.parameters, **(overrides or {})}
        # A population never amends: only its own version's parameters mean anything here.
        resolve_parameters(load_rulebook(assumptions.agreement), parameters)
        with load_agreement(assumptions.agreement, parameters, backend="python") as agreement:
            compiled = agreement.compiled(agreement.version)
        self.assumptions = assumptions
        self.version = agreement.version
        self.parameters = dict(agreement.parameters)
        self.program = compiled.program
        self.backend = VectorisedBackend(compiled.program)
        self.terms: tuple[str, ...] = compiled.rulebook.term_ids
        self.holders: Mapping[str, str] = {t.id: t.holder for t in compiled.rulebook.terms}
        lifecycle = compiled.rulebook.lifecycle
        self.phases: tuple[str, ...] = lifecycle.phase_ids
        self.start = compiled.rulebook.effective.toordinal()
        self.horizon = assumptions.horizon.toordinal()
        self.sample_dates: tuple[dt.date, ...] = assumptions.sample_dates()
        if len(self.phases) > 1 << (_CODE_BITS - _PHASE_SHIFT):
            raise InputError(
                f"agreement {self.version} has {len(self.phases)} phases; Monte Carlo handles 8",
                place="agreement",
            )
        self._events, self._gates = _transition_tables(lifecycle, self.phases, self.version)
        self._initial = np.int16(self.phases.index(lifecycle.initial) << _PHASE_SHIFT)
        self._check_facts()
        # Terms change only at events and at the days where a rule's date comparison turns.
        candidates = {
            self.start,
            *(g.toordinal() for g in self.program.gates),
            *(day for day, _ in self._gates),
        }
        sample = [d.toordinal() for d in self.sample_dates]
        query = sorted({*sample, *(d for d in candidates if d <= self.horizon)})
        self._query = np.array(query, dtype=np.int32)
        self._changes = np.array([k for k, d in enumerate(query) if d in candidates], dtype=np.intp)
        self._sample_at = np.array([query.index(d) for d in sample], dtype=np.intp)

    def _check_facts(self) -> None:
        known = {f.name for f in STATE_FACTS} | {PHASE_FACT_NAME, *self.terms}
        for rule in self.program.rules:
            if rule.rule.kind != "term":
                continue
            for cmp in comparisons(rule.condition):
                if cmp.field not in known:
                    raise InputError(
                        f"rule {rule.id} of agreement {self.version} tests {cmp.field!r},"
                        " which a Monte Carlo run does not sample",
                        place="agreement",
                    )

    # ------------------------------------------------------------ state

    def _fire(self, trigger: str, codes: Codes, flags: npt.NDArray[np.int16]) -> Codes:
        phases = codes >> _PHASE_SHIFT
        dest: Codes = self._events[trigger][phases]
        if (dest == _NO_TRANSITION).any():
            phase = self.phases[int(phases[dest == _NO_TRANSITION][0])]
            raise InputError(
                f"agreement {self.version} does not allow {trigger} in phase {phase}",
                place="agreement",
            )
        return ((dest << _PHASE_SHIFT) | flags).astype(np.int16)

    def _after_gates(self, codes: Codes, since: Days, until: Days | npt.NDArray[np.int32]) -> Codes:
        """``codes`` after the calendar gates dated in (since, until]."""
        for day, table in self._gates:
            reached = (since < day) & (day <= until)
            if reached.any():
                codes = np.where(reached, table[codes], codes).astype(np.int16)
        return codes

    def _slots(self, histories: Histories) -> list[_Slot]:
        """Every run's events in order, with the state code after each (gates applied on the way)."""
        n = histories.size
        code = np.full(n, self._initial, dtype=np.int16)
        last = np.full(n, self.start, dtype=np.int32)
        slots: list[_Slot] = []
        for cycle in histories.cycles:
            runs, day = cycle.runs, cycle.declared
            before = self._after_gates(code[runs], last[runs], day)
            declared = np.int16(_PENDING | _DECLARED)
            code[runs] = self._fire("agi_declared", before, np.full(runs.size, declared, np.int16))
            last[runs] = day
            slots.append(_Slot(runs, day, code[runs]))
            ruled = cycle.verdict != NEVER
            runs, day, verified = runs[ruled], cycle.verdict[ruled], cycle.verified[ruled]
            if not runs.size:
                continue
            before = self._after_gates(code[runs], last[runs], day)
            flags = np.where(verified, _VERIFIED | _DECLARED, _DECLARED).astype(np.int16)
            after = before.copy()
            for trigger, which in (("panel_verified", verified), ("panel_rejected", ~verified)):
                if which.any():
                    after[which] = self._fire(trigger, before[which], flags[which])
            code[runs] = after
            last[runs] = day
            slots.append(_Slot(runs, day, code[runs]))
        return slots

    def _query_codes(self, n: int, slots: list[_Slot]) -> Codes:
        """(query days, runs): the state code after every event and gate dated on or before the day."""
        # Days along the first axis: each day's runs are contiguous, which the reductions favour.
        # Each event marks the first query day on or after it with (its number, the code after it);
        # numbers grow along a run's events, so carrying the maximum forward leaves on every day
        # the mark of the run's last event on or before it.
        query = self._query
        width = np.int16 if len(slots) < (1 << (15 - _CODE_BITS)) else np.int64
        marks = np.full((query.size, n), self._initial, dtype=width)
        for j, slot in enumerate(slots, start=1):
            first = np.searchsorted(query, slot.day, side="left")
            seen = first < query.size
            # Computed in 64 bits: slot codes are int16, and j << 6 outgrows it from 512 events on
            # (when the marks are int64 too; below that every mark fits the int16 marks).
            marks[first[seen], slot.runs[seen]] = (np.int64(j) << _CODE_BITS) | slot.code[
                seen
            ].astype(np.int64)
        np.maximum.accumulate(marks, axis=0, out=marks)
        codes = (marks & ((1 << _CODE_BITS) - 1)).astype(np.int16)
        latest = marks >> _CODE_BITS
        for day, table in self._gates:
            # A gate moves the runs whose last event before the query day came before the gate.
            before = np.zeros(n, dtype=width)
            for j, slot in enumerate(slots, start=1):
                before[slot.runs[slot.day < day]] = j
            at = int(np.searchsorted(query, day, side="left"))
            moved = latest[at:] == before[None, :]
            codes[at:] = np.where(moved, table[codes[at:]], codes[at:])
        return codes

    def _columns(self, codes: Codes, day: Column) -> dict[str, Column]:
        """The state facts (``agi_terms.facts.state_row``) of state codes on ``day``, made when tested."""
        return _StateFacts(codes, day)

    # ------------------------------------------------------------ evaluation

    def _evaluate(self, histories: Histories) -> _Evaluated:
        n = histories.size
        slots = self._slots(histories)
        codes = self._query_codes(n, slots)
        query = self._query[:, None]
        # A term's mask has the shape of the facts it tests: () for a constant, (days, 1) for the
        # calendar alone, (days, runs) for the AGI history; it is broadcast only where needed.
        masks = self.backend.terms_columns(self._columns(codes, query))
        # A term can first be out of force only where something changes: on the start date, a
        # gate, or an event (below), never first on a sample date in between.
        changes = self._changes
        beyond = np.append(self._query[changes], NEVER)  # "out of force on none of those days"
        lapse: dict[str, Days] = {}
        for term, mask in masks.items():
            rows = np.shape(mask)[1] if np.ndim(mask) == 2 else 1
            out = np.ones((changes.size + 1, rows), dtype=np.bool_)
            np.logical_not(np.broadcast_to(mask, (self._query.size, rows))[changes], out=out[:-1])
            first = beyond[out.argmax(axis=0)]
            lapse[term] = first.astype(np.int32) if rows == n else np.full(n, first[0], np.int32)
        for slot in slots:
            at_event = self.backend.terms_columns(self._columns(slot.code, slot.day))
            for term, mask in at_event.items():
                if np.ndim(mask) == 0 and mask:
                    continue  # in force at every event: nothing ends here
                ended = np.where(mask, NEVER, slot.day)
                lapse[term][slot.runs] = np.minimum(lapse[term][slot.runs], ended)
        return _Evaluated(n, codes[self._sample_at], masks, lapse)

    def evaluate(self, histories: Histories) -> Outcome:
        """Terms and phase of every run at the sample dates, and each term's lapse day."""
        found = self._evaluate(histories)
        shape = (self._query.size, found.runs)
        in_force = {t: np.broadcast_to(m, shape)[self._sample_at].T for t, m in found.masks.items()}
        phase = (found.codes.T >> _PHASE_SHIFT).astype(np.int16)
        return Outcome(in_force, phase, found.lapse)

    def evaluate_counts(self, histories: Histories) -> Counts:
        """The chunk's counts (what aggregation needs), without keeping per-run results."""
        found = self._evaluate(histories)
        n, n_dates = found.runs, self._sample_at.size
        terms = np.zeros((len(self.terms), n_dates), dtype=np.int64)
        for k, term in enumerate(self.terms):
            mask = found.masks[term]
            columns = np.shape(mask)[1] if np.ndim(mask) == 2 else 1
            per_day = np.broadcast_to(mask, (self._query.size, columns))
            if columns == n:
                terms[k] = [np.count_nonzero(per_day[q]) for q in self._sample_at]
            else:  # the same for every run
                terms[k] = n * per_day[self._sample_at, 0]
        phase = found.codes >> _PHASE_SHIFT
        phases = np.stack(
            [np.bincount(phase[k], minlength=len(self.phases)) for k in range(n_dates)], axis=1
        )
        span = self.horizon - self.start + 1
        lapse = np.zeros((len(self.terms), span), dtype=np.int64)
        for k, term in enumerate(self.terms):
            days = found.lapse[term]
            lapse[k] = np.bincount(days[days != NEVER] - self.start, minlength=span)
        return Counts(n, terms, phases.astype(np.int64), lapse)


class _StateFacts(dict[str, Column]):
    """State facts derived from state codes on first use (rules rarely test all of them)."""

    def __init__(self, codes: Codes, day: Column) -> None:
        super().__init__(day=day)
        self._codes = codes

    def __missing__(self, fact: str) -> Column:
        codes = self._codes
        derived: dict[str, Callable[[], Column]] = {
            PHASE_FACT_NAME: lambda: codes >> _PHASE_SHIFT,
            "verified": lambda: (codes & _VERIFIED) != 0,
            "declaration_pending": lambda: (codes & _PENDING) != 0,
            "declaration_live": lambda: (codes & (_PENDING | _VERIFIED)) != 0,
            "declared_ever": lambda: (codes & _DECLARED) != 0,
            # Monte Carlo samples no purchases and no payments: the commitment stands throughout,
            # and the revenue share runs to its date whatever its cap (a contract replaying the
            # same AGI history has the same zero totals).
            "azure_purchased_usd": lambda: 0.0,
            "revenue_share_paid_usd": lambda: 0.0,
        }
        if fact not in derived:
            raise KeyError(fact)
        value = self[fact] = derived[fact]()
        return value


@dataclass(frozen=True)
class _Evaluated:
    runs: int
    codes: Codes
    """(sample dates, runs): state codes."""
    masks: Mapping[str, Mask]
    """term -> in force on each query day, shaped (), (days, 1) or (days, runs)."""
    lapse: dict[str, Days]


@dataclass(frozen=True)
class Counts:
    """What a chunk contributes to the result: integer counts, summed over chunks in any order."""

    runs: int
    terms: npt.NDArray[np.int64]
    """(terms, sample dates): runs in force."""
    phases: npt.NDArray[np.int64]
    """(phases, sample dates): runs in each phase."""
    lapse: npt.NDArray[np.int64]
    """(terms, days from the start to the horizon): runs whose term first lapses on that day."""

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.runs + other.runs,
            self.terms + other.terms,
            self.phases + other.phases,
            self.lapse + other.lapse,
        )


def _transition_tables(
    lifecycle: Lifecycle, phases: tuple[str, ...], version: str
) -> tuple[dict[str, npt.NDArray[np.int16]], tuple[tuple[int, npt.NDArray[np.int16]], ...]]:
    """The lifecycle as lookup tables: per AGI event, phase -> phase; per gate, state code -> code.

    Transition conditions (``declaration_pending``, ``no_declaration_live``) hold for every sampled
    history by construction (a verdict follows a pending declaration; a declaration never follows a
    verification), so the tables omit them. An AGI event a phase does not accept maps to -1.
    """
    index = {p: i for i, p in enumerate(phases)}

    def table(trigger: str) -> npt.NDArray[np.int16]:
        dest = np.full(len(phases), _NO_TRANSITION, dtype=np.int16)
        for t in lifecycle.transitions:
            if t.trigger != trigger:
                continue
            for source in t.sources:
                if dest[index[source]] not in (_NO_TRANSITION, index[t.dest]):
                    raise InputError(
                        f"agreement {version}: {trigger} from {source} has several destinations;"
                        " Monte Carlo needs one",
                        place="agreement",
                    )
                dest[index[source]] = index[t.dest]
        return dest

    events = {trigger: table(trigger) for trigger in _AGI_EVENTS}
    gates: list[tuple[int, npt.NDArray[np.int16]]] = []
    flags = np.arange(1 << _PHASE_SHIFT, dtype=np.int16)
    for gate in sorted(lifecycle.calendar, key=lambda g: g.date):
        dest = table(gate.trigger)
        moved = np.where(dest == _NO_TRANSITION, np.arange(len(phases)), dest).astype(np.int16)
        by_code = ((moved[:, None] << _PHASE_SHIFT) | flags[None, :]).ravel().astype(np.int16)
        gates.append((gate.date.toordinal(), by_code))
    return events, tuple(gates)

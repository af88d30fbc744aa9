"""A population of runs evaluated at once: the lifecycle and the rules over numpy columns.

``Population`` holds one agreement's compiled program on the vectorised backend and its lifecycle as
transition tables. A run's state between two of its events is a small *state code* (the phase and
three AGI flags), and between two calendar gates the terms depend on the state alone; so the backend
evaluates the rules once on the grid of (gate interval, state code), and a run's terms on a day are
a look-up in that grid. ``evaluate_counts(histories)`` walks the runs' events in order and returns
integer counts: the runs in each state on each sample date, and the runs whose term first lapses on
each day. ``evaluate(histories)`` gives the same per run (for checking against ``Contract``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.analysis.montecarlo.histories import NEVER, Days, Histories, Runs
from agi_terms.backends.vectorised import Column, VectorisedBackend
from agi_terms.conditions import comparisons
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.evaluation.agreement import at_override, load_agreement
from agi_terms.facts import PHASE_FACT_NAME, STATE_FACTS
from agi_terms.lifecycle import AGI_TRANSITIONS, Lifecycle
from agi_terms.rulebook import load_rulebook
from agi_terms.rulebook.parameters import resolve_parameters

Codes = npt.NDArray[np.int16]
Bits = npt.NDArray[np.unsignedinteger]
Counts64 = npt.NDArray[np.int64]

# A run's state between two of its events is a small code: three AGI flags and the phase above them.
PENDING, VERIFIED, DECLARED, PHASE_SHIFT = 1, 2, 4, 3
CODE_BITS = 6  # a state code fits in 6 bits: up to 8 phases
STATES = 1 << CODE_BITS
_NO_TRANSITION = -1
_WORD_BITS = 64


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
class Counts:
    """What a chunk contributes to the result: integer counts, summed over chunks in any order."""

    runs: int
    states: Counts64
    """(sample dates, state codes): runs in that state at the end of that day."""
    lapse: Counts64
    """(terms, days from the start to the horizon): runs whose term first lapses on that day
    (``(terms, 0)`` when lapse days were not asked for)."""

    def __add__(self, other: Counts) -> Counts:
        return Counts(self.runs + other.runs, self.states + other.states, self.lapse + other.lapse)


@dataclass(frozen=True)
class _Slot:
    """The n-th event of the runs that have one: its day and the state codes before and after it."""

    runs: Runs
    day: Days
    before: Codes
    """The state just before the event (after the gates dated on or before its day)."""
    after: Codes


@dataclass(frozen=True)
class _Fixed:
    """A day on which a term may change for every run at once: the start, a rule's or a phase's gate."""

    day: int
    gates: tuple[npt.NDArray[np.int16], ...]
    """The phase gates dated on this day (state code -> code), applied before it is evaluated."""
    masks: tuple[Bits, ...]
    """Per group of terms that vary by run: state code -> bits of the terms in force that day."""
    can_lapse: bool


class Population:
    """An agreement version with fixed parameters, ready to evaluate many sampled runs at once."""

    def __init__(
        self, assumptions: Assumptions, overrides: Mapping[str, object] | None = None
    ) -> None:
        parameters = {**assumptions.parameters, **(overrides or {})}
        # A population never amends: only its own version's parameters mean anything here.
        try:
            resolve_parameters(load_rulebook(assumptions.agreement), parameters)
        except AgiTermsError as exc:
            raise at_override(exc, overrides or {}) from None
        with load_agreement(assumptions.agreement, parameters, backend="vectorised") as agreement:
            compiled = agreement.compiled(agreement.version)
        self.assumptions = assumptions
        self.version = agreement.version
        self.parameters = dict(agreement.parameters)
        self.program = compiled.program
        self.evaluator = compiled
        assert isinstance(compiled.backend, VectorisedBackend)
        self.backend: VectorisedBackend = compiled.backend
        self.terms: tuple[str, ...] = compiled.rulebook.term_ids
        self.holders: Mapping[str, str] = {t.id: t.holder for t in compiled.rulebook.terms}
        lifecycle = compiled.rulebook.lifecycle
        self.phases: tuple[str, ...] = lifecycle.phase_ids
        self.start = compiled.rulebook.effective.toordinal()
        self.horizon = assumptions.horizon.toordinal()
        self.sample_dates: tuple[dt.date, ...] = assumptions.sample_dates()
        if len(self.phases) > 1 << (CODE_BITS - PHASE_SHIFT):
            raise InputError(
                f"agreement {self.version} has {len(self.phases)} phases; Monte Carlo handles 8",
                place="agreement",
            )
        self._events, self._gates = _transition_tables(lifecycle, self.phases, self.version)
        self._initial = np.int16(self.phases.index(lifecycle.initial) << PHASE_SHIFT)
        self._check_facts()
        self._build_grid()
        self._build_calendar()

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

    def _build_grid(self) -> None:
        """The terms on every (gate interval, state code), evaluated by the backend from the rules."""
        start, horizon = self.start, self.horizon
        gates = {g.toordinal() for g in self.program.gates}
        self._bounds = np.array(sorted({start, *(g for g in gates if g <= horizon)}), np.int32)
        codes = np.arange(STATES, dtype=np.int16)
        facts = _StateFacts(codes[None, :], self._bounds[:, None])
        masks = self.evaluator.terms_columns(facts)
        shape = (self._bounds.size, STATES)
        self._grid = np.stack([np.broadcast_to(masks[t], shape) for t in self.terms])
        """(terms, intervals, state codes): in force."""
        span = horizon - start + 1
        self._interval_of = (
            np.searchsorted(self._bounds, np.arange(start, horizon + 1), side="right") - 1
        ).astype(np.intp)
        # A term the same for every state in every interval lapses on the same day in every run.
        varying = [
            k for k in range(len(self.terms)) if (self._grid[k] != self._grid[k][:, :1]).any()
        ]
        self._groups = tuple(
            tuple(varying[i : i + _WORD_BITS]) for i in range(0, len(varying), _WORD_BITS)
        )
        self._bits = tuple(_bit_table(self._grid[list(group)]) for group in self._groups)
        """Per group: (intervals * state codes,) -> bits of the group's terms in force."""
        self._common_lapse: dict[int, int] = {}
        for k in range(len(self.terms)):
            if k in varying:
                continue
            out = np.flatnonzero(~self._grid[k][:, 0])
            if out.size:
                self._common_lapse[k] = int(self._bounds[out[0]])
        self._span = span

    def _build_calendar(self) -> None:
        """The fixed days of the lapse walk and the bins that place events among the sample dates."""
        start, horizon = self.start, self.horizon
        gates_on: dict[int, list[npt.NDArray[np.int16]]] = {}
        for day, table in self._gates:
            if day <= horizon:
                gates_on.setdefault(day, []).append(table)
        days = sorted({start, *(int(b) for b in self._bounds), *gates_on})
        fixed = []
        for day in days:
            base = int(self._interval_of[day - start]) * STATES
            masks = tuple(bits[base : base + STATES] for bits in self._bits)
            can_lapse = any(bool((m != _ones(m.dtype)).any()) for m in masks)
            fixed.append(_Fixed(day, tuple(gates_on.get(day, ())), masks, can_lapse))
        self._fixed = tuple(fixed)
        # By day offset from the start: how many fixed days lie on or before (from the day before
        # the start) and strictly before (up to the day after the horizon) the day.
        fixed_days = np.array([f.day for f in fixed], dtype=np.int64)
        offsets = np.arange(start - 1, horizon + 2)
        small = np.int16 if len(fixed) < 1 << 15 else np.int64
        self._fixed_after: npt.NDArray[np.signedinteger[Any]] = np.searchsorted(
            fixed_days, offsets, side="right"
        ).astype(small)
        self._fixed_before: npt.NDArray[np.signedinteger[Any]] = np.searchsorted(
            fixed_days, offsets[1:], side="left"
        ).astype(small)
        self._idle_lapses = self._idle_trajectory()
        # The positions at which the states are counted: the sample dates and the phase gates.
        sample = [d.toordinal() for d in self.sample_dates]
        positions = sorted({*sample, *gates_on})
        self._positions = positions
        self._position_gates = [tuple(gates_on.get(p, ())) for p in positions]
        self._sample_at = [positions.index(d) for d in sample]
        # An event on day d goes to the bin of the first position on or after d: the position's
        # first half when it is earlier, its second half (after the position's gates) when on it.
        where = np.searchsorted(positions, np.arange(start, horizon + 1), side="left")
        on = np.zeros(where.size, np.bool_)
        inside = where < len(positions)
        on[inside] = np.asarray(positions)[where[inside]] == np.arange(start, horizon + 1)[inside]
        self._bin_of = ((2 * where + on) * STATES).astype(np.intp)
        self._bins = (2 * len(positions) + 1) * STATES

    def _idle_trajectory(self) -> list[tuple[int, int, np.unsignedinteger]]:
        """(day, group, bits of the terms that first lapse that day) for a run with no event."""
        found: list[tuple[int, int, np.unsignedinteger]] = []
        alive = [_ones(b.dtype) for b in self._bits]
        code = self._initial
        for fixed in self._fixed:
            for table in fixed.gates:
                code = table[code]
            for g, masks in enumerate(fixed.masks):
                kept = alive[g] & masks[code]
                if kept != alive[g]:
                    found.append((fixed.day, g, alive[g] ^ kept))
                alive[g] = kept
        return found

    # ------------------------------------------------------------ state

    def _fire(self, trigger: str, codes: Codes, flags: npt.NDArray[np.int16]) -> Codes:
        phases = codes >> PHASE_SHIFT
        dest: Codes = self._events[trigger][phases]
        if (dest == _NO_TRANSITION).any():
            phase = self.phases[int(phases[dest == _NO_TRANSITION][0])]
            raise InputError(
                f"agreement {self.version} does not allow {trigger} in phase {phase}",
                place="agreement",
            )
        return ((dest << PHASE_SHIFT) | flags).astype(np.int16)

    def _after_gates(self, codes: Codes, since: Days, until: Days) -> Codes:
        """``codes`` after the calendar gates dated in (since, until]."""
        for day, table in self._gates:
            reached = (since < day) & (day <= until)
            if reached.any():
                codes = np.where(reached, table[codes], codes).astype(np.int16)
        return codes

    def _walk(self, histories: Histories, sink: _Sink | None) -> list[_Slot]:
        """Every run's events in order, with the state codes around each (gates applied on the way).

        With a ``sink``, also follows which terms each run has had in force on every day so far and
        tells the sink on which day each first lapses.
        """
        n = histories.size
        code = np.full(n, self._initial, dtype=np.int16)
        last = np.full(n, self.start - 1, dtype=np.int32)  # no event yet
        alive = [np.full(n, _ones(b.dtype), b.dtype) for b in self._bits] if sink else []
        declaring = histories.cycles[0].runs if histories.cycles else np.zeros(0, np.intp)
        if sink is not None:
            # A run with no event lapses as every such run does (worked out once); one that
            # declares after the start day ends that day in the initial state.
            idle = np.ones(n, dtype=np.bool_)
            idle[declaring] = False
            idle_runs = np.flatnonzero(idle)
            for on, g, lapsing in self._idle_lapses:
                sink.fixed_all(idle_runs, on, g, lapsing)
            later = (
                declaring[histories.cycles[0].declared > self.start]
                if declaring.size
                else declaring
            )
            for g, masks in enumerate(self._fixed[0].masks):
                kept = masks[self._initial]
                if kept != _ones(kept.dtype):
                    sink.fixed_all(later, self.start, g, ~kept)
                alive[g][later] = kept
            last[later] = self.start
        slots: list[_Slot] = []
        declared_flags = np.int16(PENDING | DECLARED)
        for cycle in histories.cycles:
            ruled = cycle.verdict != NEVER
            steps = (
                (cycle.runs, cycle.declared, None),
                (cycle.runs[ruled], cycle.verdict[ruled], cycle.verified[ruled]),
            )
            for runs, day, verified in steps:
                if not runs.size:
                    continue
                prev, now = last[runs], code[runs]
                before = self._after_gates(now, prev, day)
                if verified is None:
                    flags = np.full(runs.size, declared_flags, np.int16)
                    after = self._fire("agi_declared", before, flags)
                else:
                    flags = np.where(verified, VERIFIED | DECLARED, DECLARED).astype(np.int16)
                    after = before.copy()
                    for trigger, which in (
                        ("panel_verified", verified),
                        ("panel_rejected", ~verified),
                    ):
                        if which.any():
                            after[which] = self._fire(trigger, before[which], flags[which])
                if sink is not None:
                    held = [a[runs] for a in alive]
                    self._gap(runs, held, prev, day, now, sink)
                    base = self._interval_of[day - self.start] * STATES + after
                    for g, bits in enumerate(self._bits):
                        mask = bits[base]
                        sink.event(runs, day, g, held[g] & ~mask)
                        alive[g][runs] = held[g] & mask
                code[runs], last[runs] = after, day
                slots.append(_Slot(runs, day, before, after))
        if sink is not None and declaring.size:
            held = [a[declaring] for a in alive]
            self._gap(declaring, held, last[declaring], None, code[declaring], sink)
        return slots

    def _gap(
        self,
        runs: Runs,
        alive: list[Bits],
        since: Days,
        until: Days | None,
        codes: Codes,
        sink: _Sink,
    ) -> None:
        """The fixed days strictly between each run's ``since`` and ``until`` (through the horizon
        when None), with ``codes`` gated on the way; ``alive`` is updated.

        Most gaps between two events hold no fixed day: only the runs whose gap holds one are
        followed through them.
        """
        start = self.start
        first = self._fixed_after[since - start + 1]
        end = self._fixed_before[until - start] if until is not None else None
        some = np.flatnonzero(first < (len(self._fixed) if end is None else end))
        if not some.size:
            return
        first, codes = first[some], codes[some]
        if end is not None:
            end = end[some]
        held = [a[some] for a in alive]
        for f in range(int(first.min()), len(self._fixed) if end is None else int(end.max())):
            fixed = self._fixed[f]
            reached = first <= f
            for table in fixed.gates:
                codes = np.where(reached, table[codes], codes).astype(np.int16)
            if not fixed.can_lapse:
                continue
            inside = reached if end is None else reached & (f < end)
            for g, masks in enumerate(fixed.masks):
                kept = held[g] & masks[codes]
                newly = np.where(inside, held[g] ^ kept, 0).astype(kept.dtype)
                sink.fixed(runs[some], fixed.day, g, newly)
                held[g] = np.where(inside, kept, held[g])
        for a, h in zip(alive, held, strict=True):
            a[some] = h

    def _state_counts(self, n: int, slots: list[_Slot]) -> Counts64:
        """(sample dates, state codes): how many runs end each sample date in each state."""
        flat = np.zeros(self._bins, dtype=np.int64)
        for slot in slots:
            bins = self._bin_of[slot.day - self.start]
            flat += np.bincount(bins + slot.after, minlength=self._bins)
            flat -= np.bincount(bins + slot.before, minlength=self._bins)
        delta = flat.reshape(-1, STATES)
        running = np.zeros(STATES, dtype=np.int64)
        running[self._initial] = n
        at_positions = np.zeros((len(self._positions), STATES), dtype=np.int64)
        for p, gates in enumerate(self._position_gates):
            running += delta[2 * p]
            for table in gates:
                moved = np.zeros(STATES, dtype=np.int64)
                np.add.at(moved, table, running[: table.size])
                running = moved
            running += delta[2 * p + 1]
            at_positions[p] = running
        return at_positions[self._sample_at]

    # ------------------------------------------------------------ evaluation

    def evaluate_counts(self, histories: Histories, *, lapse: bool = True) -> Counts:
        """The chunk's counts (what aggregation needs), without keeping per-run results."""
        sink = _Histogram(self) if lapse else None
        slots = self._walk(histories, sink)
        states = self._state_counts(histories.size, slots)
        found = sink.counts(histories.size) if sink else np.zeros((len(self.terms), 0), np.int64)
        return Counts(histories.size, states, found)

    def evaluate(self, histories: Histories) -> Outcome:
        """Terms and phase of every run at the sample dates, and each term's lapse day."""
        n = histories.size
        sink = _PerRun(self, n)
        slots = self._walk(histories, sink)
        codes = self._sample_codes(n, slots)
        intervals = self._interval_of[[d.toordinal() - self.start for d in self.sample_dates]]
        in_force = {
            term: self._grid[k][intervals[None, :], codes].astype(np.bool_)
            for k, term in enumerate(self.terms)
        }
        return Outcome(in_force, (codes >> PHASE_SHIFT).astype(np.int16), sink.lapse)

    def _sample_codes(self, n: int, slots: list[_Slot]) -> Codes:
        """(runs, sample dates): each run's state code at the end of each sample date."""
        columns = []
        for sample in self.sample_dates:
            day = sample.toordinal()
            code = np.full(n, self._initial, dtype=np.int16)
            last = np.full(n, self.start - 1, dtype=np.int32)
            for slot in slots:
                upto = slot.day <= day
                code[slot.runs[upto]] = slot.after[upto]
                last[slot.runs[upto]] = slot.day[upto]
            columns.append(self._after_gates(code, last, np.full(n, day, np.int32)))
        return np.stack(columns, axis=1)

    # ------------------------------------------------------------ counts to shares

    def term_counts(self, states: Counts64) -> Counts64:
        """(terms, sample dates): runs in force, from the runs per state on each sample date."""
        intervals = self._interval_of[[d.toordinal() - self.start for d in self.sample_dates]]
        grid = self._grid[:, intervals, :].astype(np.int64)  # (terms, dates, states)
        found: Counts64 = np.einsum("kds,ds->kd", grid, states)
        return found

    def phase_counts(self, states: Counts64) -> Counts64:
        """(phases, sample dates): runs in each phase."""
        phase_of = np.arange(STATES) >> PHASE_SHIFT
        return np.stack([states[:, phase_of == p].sum(axis=1) for p in range(len(self.phases))])

    def flag_counts(self, states: Counts64, flag: int) -> Counts64:
        """(sample dates,): runs whose state has ``flag`` (``VERIFIED``, ``DECLARED``)."""
        found: Counts64 = states[:, (np.arange(STATES) & flag) != 0].sum(axis=1)
        return found

    def lapse_counts(self, counts: Counts) -> Counts64:
        """(terms, days): runs whose term first lapses on each day, with the terms the same in all."""
        lapse = counts.lapse.copy()
        for k, day in self._common_lapse.items():
            lapse[k, day - self.start] += counts.runs
        return lapse


class _Sink:
    """Where the walk reports the day on which each run's term first lapses."""

    def event(self, runs: Runs, day: Days, group: int, newly: Bits) -> None:
        """``runs`` whose terms in ``newly`` (bits of the group's terms) first lapse on ``day``."""
        raise NotImplementedError

    def fixed(self, runs: Runs, day: int, group: int, newly: Bits) -> None:
        """``runs`` whose terms in ``newly`` first lapse on ``day``."""
        raise NotImplementedError

    def fixed_all(self, runs: Runs, day: int, group: int, bits: np.unsignedinteger) -> None:
        """Every run of ``runs``: the terms in ``bits`` first lapse on ``day``."""
        raise NotImplementedError


class _Histogram(_Sink):
    """Counts per term and day: what aggregation needs."""

    def __init__(self, population: Population) -> None:
        self._groups = population._groups
        self._start = population.start
        self._span = population._span
        self._keys: list[npt.NDArray[np.intp]] = []
        self._terms = len(population.terms)
        self._fixed: dict[tuple[int, int], int] = {}

    def _bits(self, group: int, newly: Bits) -> list[tuple[int, Bits]]:
        union = int(np.bitwise_or.reduce(newly)) if newly.size else 0
        found = []
        for b, term in enumerate(self._groups[group]):
            if union >> b & 1:
                found.append((term, newly & newly.dtype.type(1 << b)))
        return found

    def event(self, runs: Runs, day: Days, group: int, newly: Bits) -> None:
        for term, bit in self._bits(group, newly):
            days = day[bit != 0]
            self._keys.append(term * self._span + (days - self._start).astype(np.intp))

    def fixed(self, runs: Runs, day: int, group: int, newly: Bits) -> None:
        for term, bit in self._bits(group, newly):
            self._add(term, day, int(np.count_nonzero(bit)))

    def fixed_all(self, runs: Runs, day: int, group: int, bits: np.unsignedinteger) -> None:
        for b, term in enumerate(self._groups[group]):
            if int(bits) >> b & 1:
                self._add(term, day, runs.size)

    def _add(self, term: int, day: int, count: int) -> None:
        at = (term, day - self._start)
        self._fixed[at] = self._fixed.get(at, 0) + count

    def counts(self, runs: int) -> Counts64:
        size = self._terms * self._span
        keys = np.concatenate(self._keys) if self._keys else np.zeros(0, np.intp)
        lapse = np.bincount(keys, minlength=size).astype(np.int64).reshape(self._terms, self._span)
        for (term, offset), count in self._fixed.items():
            lapse[term, offset] += count
        return lapse


class _PerRun(_Sink):
    """Each run's lapse day per term: what checking run by run needs."""

    def __init__(self, population: Population, n: int) -> None:
        self._groups = population._groups
        self.lapse: dict[str, Days] = {}
        for k, term in enumerate(population.terms):
            day = population._common_lapse.get(k, int(NEVER))
            self.lapse[term] = np.full(n, day, dtype=np.int32)
        self._names = population.terms

    def event(self, runs: Runs, day: Days, group: int, newly: Bits) -> None:
        for b, term in enumerate(self._groups[group]):
            hit = (newly >> newly.dtype.type(b)) & 1 != 0
            self.lapse[self._names[term]][runs[hit]] = day[hit]

    def fixed(self, runs: Runs, day: int, group: int, newly: Bits) -> None:
        for b, term in enumerate(self._groups[group]):
            hit = (newly >> newly.dtype.type(b)) & 1 != 0
            self.lapse[self._names[term]][runs[hit]] = day

    def fixed_all(self, runs: Runs, day: int, group: int, bits: np.unsignedinteger) -> None:
        for b, term in enumerate(self._groups[group]):
            if int(bits) >> b & 1:
                self.lapse[self._names[term]][runs] = day


class _StateFacts(dict[str, Column]):
    """State facts derived from state codes on first use (rules rarely test all of them)."""

    def __init__(self, codes: Codes, day: Column) -> None:
        super().__init__(day=day)
        self._codes = codes

    def __missing__(self, fact: str) -> Column:
        codes = self._codes
        derived: dict[str, Callable[[], Column]] = {
            PHASE_FACT_NAME: lambda: codes >> PHASE_SHIFT,
            "verified": lambda: (codes & VERIFIED) != 0,
            "declaration_pending": lambda: (codes & PENDING) != 0,
            "declaration_live": lambda: (codes & (PENDING | VERIFIED)) != 0,
            "declared_ever": lambda: (codes & DECLARED) != 0,
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


def _ones(dtype: np.dtype[np.unsignedinteger]) -> np.unsignedinteger:
    return dtype.type(np.iinfo(dtype).max)


def _bit_table(grid: npt.NDArray[np.bool_]) -> Bits:
    """(terms, intervals, states) -> (intervals * states,) words, bit b for the group's b-th term."""
    width = next(w for w in (8, 16, 32, 64) if grid.shape[0] <= w)
    dtype = np.dtype(f"uint{width}")
    words = np.zeros(grid.shape[1:], dtype=dtype)
    for b in range(grid.shape[0]):
        words |= grid[b].astype(dtype) << dtype.type(b)
    return words.ravel()


def _transition_tables(
    lifecycle: Lifecycle, phases: tuple[str, ...], version: str
) -> tuple[dict[str, npt.NDArray[np.int16]], tuple[tuple[int, npt.NDArray[np.int16]], ...]]:
    """The lifecycle as lookup tables: per AGI event, phase -> phase; per gate, state code -> code.

    Transition conditions (``AGI_TRANSITIONS``' requirements and the file's) hold for every sampled
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

    events = {trigger: table(trigger) for trigger in AGI_TRANSITIONS}
    gates: list[tuple[int, npt.NDArray[np.int16]]] = []
    flags = np.arange(1 << PHASE_SHIFT, dtype=np.int16)
    for gate in sorted(lifecycle.calendar, key=lambda g: g.date):
        dest = table(gate.trigger)
        moved = np.where(dest == _NO_TRANSITION, np.arange(len(phases)), dest).astype(np.int16)
        by_code = ((moved[:, None] << PHASE_SHIFT) | flags[None, :]).ravel().astype(np.int16)
        gates.append((gate.date.toordinal(), by_code))
    return events, tuple(gates)

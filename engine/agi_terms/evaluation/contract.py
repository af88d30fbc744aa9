"""Contracts: one instance of an agreement with its own clock and history. Values, not objects.

``contract.apply(event)`` returns a new contract (the old one is unchanged, and a refused event changes
nothing); ``terms(on=...)`` and ``decide(action)`` answer questions; ``to_json`` / ``load_contract``
round-trip it. The timeline (``steps``) records every event and every calendar gate reached.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from agi_terms.errors import AgiTermsError, EventOrderError, InputError
from agi_terms.evaluation.explain import DETAILS, Detail, Explanation, explain_action, explain_term
from agi_terms.evaluation.results import Change, Decision, Step, TermsReport
from agi_terms.evaluation.timeline import AzureLaunches, Entries, Recorded, TimelineLog
from agi_terms.events import (
    Amendment,
    AzurePurchase,
    Event,
    ProductLaunch,
    RevenueSharePayment,
    add_to_total,
    event_to_json,
    parse_calendar_date,
    parse_event,
)
from agi_terms.facts import AgiHistory, FactRow, action_row, state_row
from agi_terms.lifecycle import AGI_TRANSITIONS
from agi_terms.reprs import short_repr
from agi_terms.rulebook import available_versions, load_rulebook

if TYPE_CHECKING:
    from agi_terms.evaluation.agreement import Agreement
from agi_terms.evaluation.evaluator import Evaluator, TermsHeld

CONTRACT_FORMAT = "agi-terms/contract@1"
"""The ``format`` of a saved contract (``Contract.to_json``), which ``agreement.load_contract``
requires."""


@dataclass(frozen=True)
class ContractState:
    """The contract's state after a step: the clock, version, phase, AGI history and running totals."""

    date: dt.date
    version: str
    phase: str
    agi: AgiHistory = field(default_factory=AgiHistory)
    azure_purchased_usd: float = 0.0
    """Azure purchases recorded under a version with a commitment to them."""
    revenue_share_paid_usd: float = 0.0
    """OpenAI's revenue-share payments recorded under a version with a cap on them (2026-04)."""

    def __repr__(self) -> str:
        return short_repr(
            self,
            date=self.date.isoformat(),
            version=self.version,
            phase=self.phase,
            declarations=self.agi.declarations,
            pending=self.agi.pending,
        )


@dataclass(frozen=True)
class Contract:
    """An agreement instance: its state, the events applied and the timeline they made."""

    agreement: Agreement
    state: ContractState
    events: Entries[Event] = ()
    steps: Entries[Step] = ()
    history: Entries[ContractState] = ()
    """The state after each step (parallel to ``steps``)."""
    start_terms: Mapping[str, bool] = field(default_factory=dict)
    """The terms on the start date, which the first step's changes are measured against
    (read-only)."""
    current_terms: Mapping[str, bool] = field(default_factory=dict)
    """The terms after the last step (read-only)."""
    step_dates: Entries[dt.date] = ()
    """The date of each step (parallel to ``steps``), for finding the state on a date (derived
    from ``steps``)."""
    azure_launches: Mapping[str, int] | None = field(default=None, compare=False, repr=False)
    """The index of the step that first launched each named product on Azure (derived from
    ``steps``)."""

    def __post_init__(self) -> None:
        # A contract is a value: its terms are read-only, never a mapping someone else may change.
        for name in ("start_terms", "current_terms"):
            terms = getattr(self, name)
            if not isinstance(terms, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(terms)))
        # The timeline is a prefix of a log shared with the contracts it was extended from (and
        # to); a contract put together from stored steps gets a log of its own here, once.
        log = _shared_log(self)
        if log is None:
            log = TimelineLog(self.events, self.steps, self.history)
            _view(self, log, len(log.events), len(log.steps))
        elif not isinstance(self.azure_launches, AzureLaunches):
            object.__setattr__(self, "azure_launches", AzureLaunches(log.launches, len(self.steps)))

    def shipped_on_azure(self, name: str | None, before: int) -> bool:
        """Whether one of the first ``before`` steps launched a product named ``name`` on Azure."""
        launches = self.azure_launches
        assert launches is not None
        return name is not None and launches.get(name, before) < before

    # ------------------------------------------------------------ construction

    @classmethod
    def started(cls, agreement: Agreement) -> Contract:
        """A new contract on the agreement's effective date in its initial phase."""
        rulebook = agreement.rulebook
        state = ContractState(rulebook.effective, rulebook.version, rulebook.lifecycle.initial)
        terms = _evaluate(agreement.compiled(state.version), state, state.date)[0]
        return cls(agreement, state, start_terms=terms, current_terms=terms)

    @property
    def start_date(self) -> dt.date:
        """The agreement's effective date, on which the contract started."""
        return self.agreement.start_date

    @property
    def phase(self) -> str:
        """The lifecycle phase after the last step."""
        return self.state.phase

    @property
    def version(self) -> str:
        """The agreement version in force after the last step."""
        return self.state.version

    # ------------------------------------------------------------ events

    def apply(self, event: Event | Mapping[str, Any]) -> Contract:
        """The contract after ``event`` (gates reached on the way are recorded first).

        Raises ``InputError`` (bad event), ``EventOrderError`` (dated before the previous event or
        the start) or ``LifecycleError`` (not allowed in the current phase); ``self`` is unchanged.
        """
        timeline = _Timeline(self)
        timeline.apply(parse_event(event))
        return timeline.contract()

    def apply_all(self, events: Iterable[Event | Mapping[str, Any]]) -> Contract:
        """The contract after every event in order; on a bad event nothing is applied.

        An error's place is prefixed with the event's index (``[3].cloud``).
        """
        timeline = _Timeline(self)
        for index, event in enumerate(events):
            try:
                timeline.apply(parse_event(event))
            except AgiTermsError as exc:
                raise exc.within(index) from None
        return timeline.contract()

    def advance_to(self, day: dt.date | str) -> Contract:
        """The contract with every calendar gate up to ``day`` recorded in its timeline."""
        target = _date_arg(day)
        timeline = _Timeline(self)
        timeline.check_date(target)
        timeline.advance(target)
        return timeline.contract()

    # ------------------------------------------------------------ questions

    def state_on(self, day: dt.date | str) -> ContractState:
        """The state on ``day``: after every event and gate dated on or before it."""
        target = _date_arg(day)
        state = self._state_at(target)
        return state if state.date == target else replace(state, date=target)

    def _state_at(self, target: dt.date) -> ContractState:
        """The state on ``target`` with its phase, but dated by its last step (a cheaper copy)."""
        if target < self.start_date:
            raise InputError(
                f"{target.isoformat()} is before the agreement's start date"
                f" {self.start_date.isoformat()}",
                place="date",
            )
        index = _steps_on_or_before(self, target)
        state = self.history[index - 1] if index else self._initial_state()
        compiled = self.agreement.compiled(state.version)
        phase = state.phase
        for gate in compiled.gates_between(state.date, target):
            phase = compiled.machine.after_gate(phase, gate, state.agi)
        return state if phase == state.phase else replace(state, phase=phase)

    def _initial_state(self) -> ContractState:
        rulebook = self.agreement.rulebook
        return ContractState(rulebook.effective, rulebook.version, rulebook.lifecycle.initial)

    def terms(self, on: dt.date | str | None = None) -> TermsReport:
        """Every term of the version in force on ``on`` (default: the contract's clock), with reasons."""
        day = self.state.date if on is None else _date_arg(on)
        state = self.state_on(day)
        compiled = self.agreement.compiled(state.version)
        in_force, held = _evaluate(compiled, state, day)
        return TermsReport(
            date=day,
            version=state.version,
            phase=state.phase,
            terms={t: compiled.term_status(t, v, held[t]) for t, v in in_force.items()},
        )

    def decide(self, action: Event | Mapping[str, Any]) -> Decision:
        """Decide an action event on its date without recording it (the contract is unchanged).

        The action is decided on the state on its date given the events recorded so far.
        """
        parsed = parse_event(action)
        if parsed.type in AGI_TRANSITIONS or isinstance(parsed, Amendment):
            raise InputError(
                f"{parsed.type} is a lifecycle event, not an action to decide", place="type"
            )
        state = self._state_at(parsed.date)
        shipped = self._shipped_before(parsed, _steps_on_or_before(self, parsed.date))
        return _decide(self.agreement.compiled(state.version), state, parsed, shipped)

    def action_facts(self, action: Event | Mapping[str, Any]) -> FactRow:
        """The facts of ``action`` as the rules see them on its date (``facts.action_row``), with
        the contract's history on and before that date (an earlier launch on Azure of its name)."""
        parsed = parse_event(action)
        state = self._state_at(parsed.date)
        before = _steps_on_or_before(self, parsed.date)
        return action_row(parsed, state.agi, self._shipped_before(parsed, before))

    def _shipped_before(self, action: Event, before: int) -> bool:
        name = action.name if isinstance(action, ProductLaunch) else None
        return self.shipped_on_azure(name, before)

    # ------------------------------------------------------------ explanations

    def explain(
        self,
        on: dt.date | str | None = None,
        *,
        term: str | None = None,
        action: Event | Mapping[str, Any] | None = None,
        detail: Detail = "summary",
    ) -> Explanation:
        """Why ``term`` is (not) in force on ``on``, or why ``action`` is (not) allowed on its date.

        Give exactly one of ``term`` and ``action``; ``detail`` is ``summary`` or ``full``.
        """
        if (term is None) == (action is None):
            raise InputError("explain takes exactly one of term and action")
        if detail not in DETAILS:
            raise InputError(
                f"detail is one of {', '.join(DETAILS)}, got {detail!r}", place="detail"
            )
        if action is not None:
            parsed = parse_event(action)
            if parsed.type in AGI_TRANSITIONS or isinstance(parsed, Amendment):
                raise InputError(f"{parsed.type} is a lifecycle event, not an action", place="type")
            before = _steps_on_or_before(self, parsed.date)
            return self._explain_action(self.state_on(parsed.date), parsed, detail, before)
        day = self.state.date if on is None else _date_arg(on)
        state = self.state_on(day)
        compiled = self.agreement.compiled(state.version)
        assert term is not None
        if term not in compiled.rulebook.term_ids and any(
            term in load_rulebook(v).term_ids for v in available_versions()
        ):
            # A term the version in force lacks counts as not in force (SPEC §9).
            return Explanation(
                date=day.isoformat(), version=state.version, phase=state.phase, kind="term",
                subject=term, outcome=False,
                summary=f"{term} is not in force: agreement {state.version} has no such term",
            )  # fmt: skip
        if term not in compiled.rulebook.term_ids:
            known = ", ".join(compiled.rulebook.term_ids)
            raise InputError(
                f"{term!r} is not a term of agreement {state.version}; terms: {known}", place="term"
            )
        row = state_facts(state, day)
        compiled.terms(row)
        return explain_term(compiled.rulebook, compiled.parameters, row, term, date=day,
                            phase=state.phase, detail=detail)  # fmt: skip

    def explain_step(self, index: int, detail: Detail = "summary") -> tuple[Explanation, ...]:
        """Why step ``index`` (0-based) came out as it did: its decision, or each term it changed."""
        if not 0 <= index < len(self.steps):
            raise InputError(
                f"there is no step {index}; the timeline has {len(self.steps)} steps (0-based)",
                place="step",
            )
        step = self.steps[index]
        if step.decision is not None and step.event is not None:
            before = self.history[index - 1] if index else self._initial_state()
            state = replace(before, date=step.date)
            return (self._explain_action(state, step.event, detail, index),)
        return tuple(
            self.explain(step.date, term=change.term, detail=detail)
            for change in step.changes
            if change.term in self.agreement.compiled(self.history[index].version).rulebook.term_ids
        )

    def _explain_action(
        self, state: ContractState, action: Event, detail: Detail, before: int
    ) -> Explanation:
        """``action`` explained on ``state``, with the history of the first ``before`` steps."""
        compiled = self.agreement.compiled(state.version)
        row = state_facts(state, action.date)
        compiled.terms(row)
        row.update(action_row(action, state.agi, self._shipped_before(action, before)))
        return explain_action(compiled.rulebook, compiled.parameters, row, action.type,
                              date=action.date, phase=state.phase, detail=detail)  # fmt: skip

    # ------------------------------------------------------------ persistence

    def to_json(self) -> dict[str, Any]:
        """The contract as JSON-ready data: agreement, parameter overrides, events and clock."""
        overrides = {}
        params = self.agreement.rulebook.parameter_by_name
        for name, value in self.agreement.overrides.items():
            param = params.get(name)
            overrides[name] = param.to_json(param.validate(value)) if param else value
        return {
            "format": CONTRACT_FORMAT,
            "agreement": self.agreement.version,
            "parameters": overrides,
            "events": [event_to_json(e) for e in self.events],
            "as_of": self.state.date.isoformat(),
        }

    def __repr__(self) -> str:
        return (
            f"Contract(agreement={self.agreement.version!r}, as_of={self.state.date.isoformat()},"
            f" phase={self.phase!r}, events={len(self.events)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Contract):
            return NotImplemented
        return (
            self.agreement.version,
            dict(self.agreement.parameters),
            self.state,
            self.steps,
        ) == (other.agreement.version, dict(other.agreement.parameters), other.state, other.steps)

    def __hash__(self) -> int:
        return hash((self.agreement.version, self.state, len(self.steps)))


class _Timeline:
    """A contract being extended: its new steps are gathered in lists and added to the shared log
    once, in ``contract()``, so that applying an event costs the same however long the timeline
    is. Discarded on an error, so a refused event leaves the original contract (and the log) as
    they were."""

    def __init__(self, contract: Contract) -> None:
        self.base = contract
        self.agreement = contract.agreement
        self.state = contract.state
        self.current_terms = contract.current_terms
        self.events: list[Event] = []
        self.steps: list[Step] = []
        self.history: list[ContractState] = []
        assert contract.azure_launches is not None
        self.launched_before = contract.azure_launches
        self.launched: set[str] = set()

    def contract(self) -> Contract:
        base = self.base
        if not self.steps and not self.events:
            return replace(base, state=self.state, current_terms=self.current_terms)
        at = (len(base.events), len(base.steps))
        log = _shared_log(base) or TimelineLog(base.events, base.steps, base.history)
        log = log.extend(at, self.events, self.steps, self.history)
        contract = replace(base, state=self.state, current_terms=self.current_terms)
        _view(contract, log, at[0] + len(self.events), at[1] + len(self.steps))
        return contract

    def apply(self, event: Event) -> None:
        self.check_date(event.date)
        self.advance(event.date)
        self.step(event)

    def check_date(self, day: dt.date) -> None:
        start = self.agreement.start_date
        if day < start:
            raise EventOrderError(
                f"{day.isoformat()} is before the agreement's start date {start.isoformat()}",
                place="date",
            )
        if day < self.state.date:
            raise EventOrderError(
                f"{day.isoformat()} is before the previous event or gate"
                f" ({self.state.date.isoformat()}); events must be in chronological order",
                place="date",
            )

    def advance(self, day: dt.date) -> None:
        compiled = self.agreement.compiled(self.state.version)
        for gate in compiled.gates_between(self.state.date, day):
            self.gate(gate)
        if self.state.date < day:
            self.state = replace(self.state, date=day)

    def gate(self, gate: dt.date) -> None:
        compiled = self.agreement.compiled(self.state.version)
        phase = compiled.machine.after_gate(self.state.phase, gate, self.state.agi)
        state = replace(self.state, date=gate, phase=phase)
        self.record(Step(date=gate, type="calendar", phase=phase), state)

    def step(self, event: Event) -> None:
        compiled = self.agreement.compiled(self.state.version)
        state = self.state
        decision: Decision | None = None
        if event.type in AGI_TRANSITIONS:
            state = self.agi_event(compiled, event)
        elif isinstance(event, Amendment):
            state = self.amendment(event)
        else:
            name = event.name if isinstance(event, ProductLaunch) else None
            shipped = name is not None and (name in self.launched or name in self.launched_before)
            decision = _decide(compiled, state, event, shipped)
            state = _counted(compiled, state, event)
        state = replace(state, date=event.date)
        step = Step(
            date=event.date, type=event.type, phase=state.phase, decision=decision, event=event
        )
        if isinstance(event, ProductLaunch) and event.cloud == "azure" and event.name is not None:
            self.launched.add(event.name)
        self.record(step, state)
        self.events.append(event)

    def agi_event(self, compiled: Evaluator, event: Event) -> ContractState:
        agi = self.state.agi
        phase = compiled.machine.fire(self.state.phase, event.type, agi)
        new_agi = AGI_TRANSITIONS[event.type].effect(agi, event.date)
        return replace(self.state, phase=phase, agi=new_agi)

    def amendment(self, event: Amendment) -> ContractState:
        versions = available_versions()
        if event.to not in versions:
            raise InputError(
                f"unknown agreement version {event.to!r}; shipped: {', '.join(versions)}",
                place="to",
            )
        if event.to == self.state.version:
            raise InputError(f"the contract is already under version {event.to}", place="to")
        target = self.agreement.compiled(event.to)
        if event.date < target.rulebook.effective:
            raise InputError(
                f"version {event.to} takes effect on {target.rulebook.effective.isoformat()};"
                f" an amendment to it cannot be dated {event.date.isoformat()}",
                place="date",
            )
        # The AGI history carries over; the new version's placement rules say which phase it gives.
        phase = target.place(state_facts(self.state, event.date))
        return replace(self.state, version=event.to, phase=phase)

    def record(self, step: Step, state: ContractState) -> None:
        compiled = self.agreement.compiled(state.version)
        terms = _evaluate(compiled, state, step.date)[0]
        before = self.current_terms
        changes = tuple(
            Change(term=t, in_force=v) for t, v in terms.items() if before.get(t, False) != v
        ) + tuple(Change(term=t, in_force=False) for t, v in before.items() if v and t not in terms)
        self.steps.append(step.model_copy(update={"changes": changes}))
        self.history.append(state)
        self.state = state
        self.current_terms = terms


def _shared_log(contract: Contract) -> TimelineLog | None:
    """The log ``contract``'s events, steps, history and step dates are all prefixes of, if any."""
    events, steps, history, dates = (
        contract.events, contract.steps, contract.history, contract.step_dates
    )  # fmt: skip
    if not (
        isinstance(events, Recorded)
        and isinstance(steps, Recorded)
        and isinstance(history, Recorded)
        and isinstance(dates, Recorded)
    ):
        return None
    log = steps.log
    if log is None or not (events.log is log and history.log is log and dates.log is log):
        return None
    if len(history) != len(steps) or len(dates) != len(steps):
        return None
    return log


def _view(contract: Contract, log: TimelineLog, n_events: int, n_steps: int) -> None:
    """Make ``contract``'s timeline the first ``n_events`` events and ``n_steps`` steps of ``log``
    (only while it is being built)."""
    object.__setattr__(contract, "events", Recorded(log.events, n_events, log))
    object.__setattr__(contract, "steps", Recorded(log.steps, n_steps, log))
    object.__setattr__(contract, "history", Recorded(log.history, n_steps, log))
    object.__setattr__(contract, "step_dates", Recorded(log.step_dates, n_steps, log))
    object.__setattr__(contract, "azure_launches", AzureLaunches(log.launches, n_steps))


def _steps_on_or_before(contract: Contract, day: dt.date) -> int:
    """The number of ``contract``'s steps dated on or before ``day``."""
    dates = contract.step_dates
    if isinstance(dates, Recorded):
        return dates.bisect_right(day)
    return bisect.bisect_right(dates, day)


def _date_arg(value: dt.date | str) -> dt.date:
    try:
        return parse_calendar_date(value)
    except ValueError as exc:
        raise InputError(str(exc), place="date") from None


def state_facts(state: ContractState, day: dt.date) -> FactRow:
    """The state facts of ``state`` on ``day`` (``facts.state_row`` of its AGI history and totals)."""
    return state_row(
        day, state.phase, state.agi, state.azure_purchased_usd, state.revenue_share_paid_usd
    )


def _counted(compiled: Evaluator, state: ContractState, event: Event) -> ContractState:
    """``state`` with ``event``'s amount added to the running total it counts toward, if any.

    A total counts only under a version whose rules test it: the October 2025 commitment counts
    purchases "since T0", not those made before it; the April 2026 cap counts OpenAI's payments
    from the amendment on (S23), not the earlier ones nor Microsoft's.
    """
    if isinstance(event, AzurePurchase) and "azure_purchased_usd" in compiled.tested_facts:
        total = add_to_total(state.azure_purchased_usd, event.amount_usd, "the Azure purchases")
        return replace(state, azure_purchased_usd=total)
    if (
        isinstance(event, RevenueSharePayment)
        and event.payer == "openai"
        and "revenue_share_paid_usd" in compiled.tested_facts
    ):
        total = add_to_total(state.revenue_share_paid_usd, event.amount_usd, "OpenAI's payments")
        return replace(state, revenue_share_paid_usd=total)
    return state


def _evaluate(compiled: Evaluator, state: ContractState, day: dt.date) -> TermsHeld:
    return compiled.terms(state_facts(state, day))


def _decide(
    compiled: Evaluator, state: ContractState, action: Event, shipped_on_azure: bool
) -> Decision:
    row = state_facts(state, action.date)
    compiled.terms(row)
    row.update(action_row(action, state.agi, shipped_on_azure))
    return compiled.decide(row)

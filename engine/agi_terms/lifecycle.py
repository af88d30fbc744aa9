"""The lifecycle: a version's phases and transitions, declared in ``lifecycle.yaml``, as a state machine.

The model (phases, transitions, calendar gates, placements) is what the loader builds from the file;
``AGI_TRANSITIONS`` says what each AGI event does to the AGI history and what must hold for it, in
every version. ``PhaseMachine`` is the one place that enforces both: the requirements of an AGI event
are conditions of each of its transitions, beside those the file names.

One ``transitions`` machine per loaded version serves every contract: the phase is data of the
contract, so firing a trigger sets a single reusable model to that phase, fires, and reads the result,
under a lock (transitions' models are mutable). No generated trigger methods reach the public API.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from transitions import Machine, MachineError

from agi_terms.conditions import Condition
from agi_terms.errors import LifecycleError
from agi_terms.facts import AgiHistory
from agi_terms.reprs import short_repr

TRANSITION_CONDITIONS: Mapping[str, str] = {
    "declaration_pending": "no declaration is pending",
    "no_declaration_live": "a declaration is already pending or verified",
}
"""Conditions a lifecycle transition may name, with the reason given when one fails."""


@dataclass(frozen=True)
class AgiTransition:
    """What an AGI event does to the AGI history, and what must hold for it in any phase.

    ``requires`` are conditions of the machine's model (checked in order), each with the refusal
    given when it fails (``{trigger}`` is the event's type).
    """

    trigger: str
    requires: tuple[tuple[str, str], ...]
    effect: Callable[[AgiHistory, dt.date], AgiHistory]

    def __repr__(self) -> str:
        return f"AgiTransition({self.trigger!r}, requires={[c for c, _ in self.requires]})"


AGI_TRANSITIONS: Mapping[str, AgiTransition] = {
    "agi_declared": AgiTransition(
        "agi_declared",
        (
            ("no_declaration_pending", "a declaration is already pending"),
            ("not_verified", "AGI has already been verified; there is nothing to declare"),
        ),
        AgiHistory.declare,
    ),
    "panel_verified": AgiTransition(
        "panel_verified",
        (("declaration_pending", "{trigger}: no declaration is pending"),),
        AgiHistory.verify,
    ),
    "panel_rejected": AgiTransition(
        "panel_rejected",
        (("declaration_pending", "{trigger}: no declaration is pending"),),
        lambda agi, _day: agi.reject(),
    ),
}
"""The AGI events (the board's declaration, the panel's verdicts): their effect and requirements."""

_FINAL_DECLARATION = "AGI has already been declared (the board's declaration is final)"
"""The refusal of a second declaration in a version without a panel (no verdict ever follows)."""


@dataclass(frozen=True)
class Phase:
    id: str
    meaning: str
    source: str

    def __repr__(self) -> str:
        return short_repr(self, self.id)


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    conditions: tuple[str, ...]
    source: str

    def __repr__(self) -> str:
        return short_repr(self, self.trigger, sources=self.sources, dest=self.dest)


@dataclass(frozen=True)
class CalendarGate:
    """A date on which the lifecycle moves by itself (the term ends, say)."""

    date: dt.date
    trigger: str
    source: str


@dataclass(frozen=True)
class Placement:
    """The phase of a contract that enters the version by amendment, when ``condition`` holds."""

    phase: str
    condition: Condition
    source: str

    def __repr__(self) -> str:
        return short_repr(self, self.phase)


@dataclass(frozen=True)
class Lifecycle:
    initial: str
    final: tuple[str, ...]
    phases: tuple[Phase, ...]
    transitions: tuple[Transition, ...]
    calendar: tuple[CalendarGate, ...]
    placement: tuple[Placement, ...] = ()
    """Where a contract enters this version by amendment: the first placement that holds."""

    @property
    def phase_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.phases)

    def triggers(self) -> frozenset[str]:
        return frozenset(t.trigger for t in self.transitions)

    def machine_transitions(self) -> list[dict[str, Any]]:
        """The transitions in the form a ``transitions.Machine`` takes."""
        return [
            {"trigger": t.trigger, "source": list(t.sources), "dest": t.dest,
             "conditions": list(t.conditions)}
            for t in self.transitions
        ]  # fmt: skip

    def __repr__(self) -> str:
        return short_repr(
            self,
            initial=self.initial,
            phases=self.phase_ids,
            transitions=len(self.transitions),
            calendar=tuple(g.date.isoformat() for g in self.calendar),
        )


# transitions logs every ignored or failed trigger at INFO/WARNING; we raise typed errors instead.
logging.getLogger("transitions").setLevel(logging.ERROR)


class _PhaseModel:
    """The single model the machine moves: the phase plus the AGI facts its conditions read."""

    state: str
    agi: AgiHistory = AgiHistory()

    def declaration_pending(self) -> bool:
        return self.agi.pending

    def no_declaration_pending(self) -> bool:
        return not self.agi.pending

    def not_verified(self) -> bool:
        return self.agi.verified_on is None

    def no_declaration_live(self) -> bool:
        return not self.agi.live


@dataclass(frozen=True)
class Moved:
    """The outcome of a trigger: the new phase (possibly the same)."""

    phase: str


class PhaseMachine:
    """The version's lifecycle as a ``transitions`` machine, shared by all of its contracts."""

    def __init__(self, lifecycle: Lifecycle, version: str) -> None:
        self.lifecycle = lifecycle
        self.version = version
        self._lock = threading.Lock()
        self._model = _PhaseModel()
        self._machine = Machine(
            model=self._model,
            states=list(lifecycle.phase_ids),
            initial=lifecycle.initial,
            transitions=[_with_requirements(t) for t in lifecycle.machine_transitions()],
            auto_transitions=False,
            ignore_invalid_triggers=False,
            model_attribute="state",
        )
        self._known = lifecycle.triggers()

    @property
    def machine(self) -> Machine:
        """The underlying ``transitions`` machine (for diagrams and inspection; do not fire on it)."""
        return self._machine

    def accepts(self, phase: str, trigger: str) -> bool:
        """Some transition for ``trigger`` leaves ``phase`` (conditions aside)."""
        return any(trigger == t.trigger and phase in t.sources for t in self.lifecycle.transitions)

    def knows(self, trigger: str) -> bool:
        """Some transition of this version has ``trigger``."""
        return trigger in self._known

    def check_known(self, trigger: str) -> None:
        """``LifecycleError`` unless some transition of this version has ``trigger``."""
        if trigger not in self._known:
            raise LifecycleError(
                f"{trigger} is not an event of agreement {self.version}"
                f" (its lifecycle has no such transition)",
                place="type",
            )

    def fire(self, phase: str, trigger: str, agi: AgiHistory) -> str:
        """The phase after ``trigger`` from ``phase`` with the AGI history ``agi``.

        ``LifecycleError`` if the version has no such event, if a requirement of the AGI event
        (``AGI_TRANSITIONS``) or a condition of the transition fails, or if ``phase`` does not
        allow it.
        """
        self.check_known(trigger)
        with self._lock:
            model = self._model
            model.agi = agi
            self._machine.set_state(phase, model=model)
            try:
                moved = self._machine.events[trigger].trigger(model)
            except MachineError:
                # No transition leaves the phase: a failed requirement says why better than it.
                failed = self._failed_requirement(model, trigger)
                raise LifecycleError(
                    failed or f"{trigger} is not allowed in phase {phase}", place="type"
                ) from None
            if not moved:
                why = self._failed_requirement(model, trigger) or self._failed_conditions(
                    model, phase, trigger
                )
            new_phase: str = model.state
        if not moved:
            raise LifecycleError(why, place="type")
        return new_phase

    def allows(self, phase: str, trigger: str, agi: AgiHistory) -> bool:
        """Whether ``fire`` would move from ``phase`` on ``trigger`` with ``agi`` (not raise)."""
        try:
            self.fire(phase, trigger, agi)
        except LifecycleError:
            return False
        return True

    def _failed_requirement(self, model: _PhaseModel, trigger: str) -> str | None:
        """The refusal of the first requirement of AGI event ``trigger`` that fails on ``model``."""
        transition = AGI_TRANSITIONS.get(trigger)
        for condition, refusal in transition.requires if transition else ():
            if not getattr(model, condition)():
                if condition == "no_declaration_pending" and not self.knows("panel_verified"):
                    return _FINAL_DECLARATION
                return refusal.format(trigger=trigger)
        return None

    def _failed_conditions(self, model: _PhaseModel, phase: str, trigger: str) -> str:
        reasons = [
            TRANSITION_CONDITIONS[c]
            for t in self.lifecycle.transitions
            if t.trigger == trigger and phase in t.sources
            for c in t.conditions
            if not getattr(model, c)()
        ]
        why = "; ".join(dict.fromkeys(reasons)) or "its conditions do not hold"
        return f"{trigger} is not allowed in phase {phase}: {why}"

    def after_gate(self, phase: str, day: dt.date, agi: AgiHistory) -> str:
        """The phase after the calendar gates dated ``day`` (the term's end, say) fire from ``phase``;
        a gate whose trigger does not leave the phase leaves it as it is."""
        for gate in self.lifecycle.calendar:
            if gate.date == day and self.accepts(phase, gate.trigger):
                phase = self.fire(phase, gate.trigger, agi)
        return phase

    def __repr__(self) -> str:
        return f"PhaseMachine(version={self.version!r}, phases={len(self.lifecycle.phases)})"


def _with_requirements(transition: dict[str, Any]) -> dict[str, Any]:
    """A machine transition with the requirements of its AGI event before the file's conditions
    (so that the file's conditions are only reached, and reported, for an event that makes sense)."""
    agi = AGI_TRANSITIONS.get(transition["trigger"])
    if agi is None:
        return transition
    required = [c for c, _ in agi.requires]
    return {**transition, "conditions": [*required, *transition["conditions"]]}

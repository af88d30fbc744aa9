"""The lifecycle: a version's phases and transitions, declared in ``lifecycle.yaml``, as a state machine.

The model (phases, transitions, calendar gates, placements) is what the loader builds from the file;

One ``transitions`` machine per loaded version serves every contract: the phase is data of the
contract, so firing a trigger sets a single reusable model to that phase, fires, and reads the result,
under a lock (transitions' models are mutable). No generated trigger methods reach the public API.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from transitions import Machine, MachineError

from agi_terms.conditions import Condition
from agi_terms.errors import LifecycleError
from agi_terms.facts import AgiHistory

TRANSITION_CONDITIONS: Mapping[str, str] = {
    "declaration_pending": "no declaration is pending",
    "no_declaration_live": "a declaration is already pending or verified",
}
"""Conditions a lifecycle transition may name, with the reason given when one fails."""


@dataclass(frozen=True)
class Phase:
    id: str
    meaning: str
    source: str


@dataclass(frozen=True)
class Transition:
    trigger: str
    sources: tuple[str, ...]
    dest: str
    conditions: tuple[str, ...]
    source: str


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


# transitions logs every ignored or failed trigger at INFO/WARNING; we raise typed errors instead.
logging.getLogger("transitions").setLevel(logging.ERROR)


class _PhaseModel:
    """The single model the machine moves: the phase plus the AGI facts its conditions read."""

    state: str
    agi: AgiHistory = AgiHistory()

    def declaration_pending(self) -> bool:
        return self.agi.pending

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
            transitions=lifecycle.machine_transitions(),
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
        """The phase after ``trigger`` from ``phase``; ``LifecycleError`` if the phase does not allow it."""
        self.check_known(trigger)
        if not self.accepts(phase, trigger):
            raise LifecycleError(f"{trigger} is not allowed in phase {phase}", place="type")
        with self._lock:
            model = self._model
            model.agi = agi
            self._machine.set_state(phase, model=model)
            try:
                moved = self._machine.events[trigger].trigger(model)
            except MachineError as exc:
                raise LifecycleError(
                    f"{trigger} is not allowed in phase {phase}: {exc.value}", place="type"
                ) from None
            new_phase: str = model.state
        if not moved:
            reasons = [
                TRANSITION_CONDITIONS[c]
                for t in self.lifecycle.transitions
                if t.trigger == trigger and phase in t.sources
                for c in t.conditions
                if not getattr(model, c)()
            ]
            why = "; ".join(dict.fromkeys(reasons)) or "its conditions do not hold"
            raise LifecycleError(f"{trigger} is not allowed in phase {phase}: {why}", place="type")
        return new_phase

    def calendar_trigger(self, phase: str, trigger: str, agi: AgiHistory) -> str:
        """The phase after a calendar gate's trigger; a phase it does not leave stays as it is."""
        if not self.accepts(phase, trigger):
            return phase
        return self.fire(phase, trigger, agi)

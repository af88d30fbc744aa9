"""What the engine answers: decisions with citations, term statuses, timeline steps and checkpoints.

Their JSON shapes are the interface of SPEC §7 (``Step.to_json`` gives exactly the keys ``date``,
``type``, ``phase``, ``decision``, ``changes``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agi_terms.events import CalendarDate, Event
from agi_terms.reprs import short_repr
from agi_terms.rulebook.citations import citation_ids


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """JSON-ready data with the documented keys (dates as ``YYYY-MM-DD``)."""
        data: dict[str, Any] = self.model_dump(mode="json")
        return data

    def __repr__(self) -> str:
        return short_repr(self, **{name: getattr(self, name) for name in type(self).model_fields})


class Citation(_Result):
    """A rule that decided an answer, and the source it cites.

    ``source`` is the citation as the rule file writes it (``"N14, Q11"``); ``source_ids`` its ids,
    each an entry of the source register (``agi_terms.source(id)``).
    """

    rule: str
    source: str

    @property
    def source_ids(self) -> tuple[str, ...]:
        """The source ids of the citation, in the order written."""
        return citation_ids(self.source)


class Decision(_Result):
    """The answer to an action: allowed or not, the obligations attached, and the rules behind it."""

    allowed: bool
    obligations: tuple[str, ...] = ()
    because: tuple[Citation, ...] = ()


class TermStatus(_Result):
    """Whether a term is in force on a date, and the rules that decided it.

    ``reason`` is ``granted`` (a grant rule holds and no end rule), ``ended`` (an end rule holds; those
    rules are in ``because``) or ``not_granted`` (no grant rule holds; ``because`` lists the grant rules).
    """

    term: str
    in_force: bool
    reason: Literal["granted", "ended", "not_granted"]
    because: tuple[Citation, ...] = ()


class TermsReport(_Result):
    """Every term of the version in force on ``date``, and the phase."""

    date: CalendarDate
    version: str
    phase: str
    terms: dict[str, TermStatus]

    def in_force(self) -> dict[str, bool]:
        """Each term's id and whether it is in force."""
        return {t: s.in_force for t, s in self.terms.items()}


class Change(_Result):
    term: str
    in_force: bool


class Step(_Result):
    """One step of a timeline: an event (lifecycle or action) or a calendar gate."""

    date: CalendarDate
    type: str
    phase: str
    decision: Decision | None = None
    changes: tuple[Change, ...] = ()
    event: Event | None = Field(default=None, exclude=True)
    """The event behind the step (``None`` for a calendar gate); not part of the JSON."""


class Checkpoint(_Result):
    """The state on a date: the phase and every term of the version in force then."""

    date: CalendarDate
    phase: str
    terms: dict[str, bool]


def step_citations(steps: Iterable[Step]) -> list[str]:
    """The citation of every rule behind the steps' decisions, in order (for a ``sources`` map)."""
    return [c.source for step in steps if step.decision for c in step.decision.because]


def iso(day: dt.date) -> str:
    return day.isoformat()

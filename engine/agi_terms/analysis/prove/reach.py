"""Reachable situations: the states a contract of a version can be in, found by playing events on the
engine itself (its lifecycle, AGI history, purchases and amendments), not described a second time.

A *situation* is a contract's state as the rules see it, less the day: the version in force, the
phase, the AGI facts, whether purchases have been counted, and which creation dates an asset used
from then on can have relative to the declaration and the verification. Two contracts in the same
situation on the same day behave alike from then on, so a breadth-first search over situations and
*boundary days* is finite. The boundary days are those on which a contract can change without an
AGI event: effective dates (an amendment becomes possible), the lifecycle's calendar dates and the
dates its placements compare, each with the day after it (so that two events can fall on different
days). Between two boundary days only events change a contract, and the search plays every event
on every boundary day, so a situation found on one holds on each day until the next.

The search uses each version's default parameters: it refuses a lifecycle whose placements test a
parameter (the phases and AGI history then depend on no parameter).
"""

from __future__ import annotations

import collections
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from agi_terms.conditions import ParamRef, comparisons
from agi_terms.errors import AgiTermsError
from agi_terms.evaluation.agreement import Agreement
from agi_terms.evaluation.contract import Contract, state_facts
from agi_terms.events import AGI_TYPES, MsIpUse
from agi_terms.facts import AgiHistory, RuleValue, action_row
from agi_terms.rulebook import Rulebook, available_versions, load_rulebook
from agi_terms.rulebook.program import change_days, fold


@dataclass(frozen=True)
class Total:
    """A state fact that is a total of positive amounts, and the event that adds to it."""

    event: Mapping[str, Any]
    """The event's fields other than its date and amount."""
    amount: str
    """The field that holds the amount."""


TOTALS: Mapping[str, Total] = {
    "azure_purchased_usd": Total({"type": "azure_purchase"}, "amount_usd"),
    "revenue_share_paid_usd": Total(
        {"type": "revenue_share_payment", "payer": "openai"}, "amount_usd"
    ),
}
"""The state facts that are totals. A situation in which a total is positive stands for every
positive total: one event of that amount makes it."""

IP_USE = "ms_ip_use"
"""The action whose facts depend on the situation: the asset's creation date against the AGI dates."""


def frozen(value: Any) -> Any:
    """``value`` with every mapping read-only and every list a tuple, all the way down."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(v) for v in value)
    return value


class ReachError(AgiTermsError):
    """The lifecycle is outside what the search covers (a placement that tests a parameter)."""


@dataclass(frozen=True)
class Situation:
    """A state of the version, the events that reach it, and the days on which it holds."""

    start: str
    """The version the events start in (a scenario's ``agreement``)."""
    version: str
    """The version in force after the events."""
    events: tuple[Mapping[str, Any], ...]
    """The events, as scenario data (dates as ``datetime.date``)."""
    first: dt.date
    last: dt.date
    """The situation holds on every day from ``first`` to ``last`` after ``events``."""
    facts: Mapping[str, RuleValue]
    """The state facts other than ``day`` (a total is its value after ``events``)."""
    agi: AgiHistory
    ip_uses: tuple[tuple[Mapping[str, RuleValue], dt.date], ...]
    """For an asset used from ``first`` on: each combination of the facts its creation date gives,
    with a creation date that gives it."""
    totals: Mapping[str, int]
    """For each positive total, the index in ``events`` of the event that made it."""

    def __repr__(self) -> str:
        return (
            f"Situation({self.version}, {self.facts.get('phase')},"
            f" {self.first.isoformat()}..{self.last.isoformat()}, {len(self.events)} events"
            f" from {self.start})"
        )


@dataclass(frozen=True)
class Reach:
    """Every situation of a version, and one of each phase its own lifecycle reaches (no amendment)."""

    version: str
    situations: tuple[Situation, ...]
    phases: Mapping[str, Situation]
    starts: tuple[str, ...]

    def __repr__(self) -> str:
        return f"Reach({self.version}, {len(self.situations)} situations, from {self.starts})"


def explore(rulebook: Rulebook, rules: Path | None = None) -> Reach:
    """The situations of ``rulebook``'s version.

    ``rules`` is the folder the rulebook was read from when it is not a shipped version: scenarios
    then run with ``simulate --rules``, which starts them in that version. A shipped version is
    also entered by amendment from every other shipped version.
    """
    version = rulebook.version
    books = {v: load_rulebook(v) for v in available_versions()}
    books[version] = rulebook
    for book in books.values():
        _refuse_parameter_placements(book)
    starts = [version] if rules is not None else [version, *(v for v in books if v != version)]
    boundaries: set[int] = set()
    for book in books.values():
        boundaries.add(book.effective.toordinal())
        boundaries.update(c.date.toordinal() for c in book.lifecycle.calendar)
        for placement in book.lifecycle.placement:
            boundaries.update(change_days(fold(placement.condition, book, book.defaults())))
    last = dt.date.max.toordinal()
    days = sorted({d for b in boundaries for d in (b, b + 1) if d <= last})
    positions = tuple(dt.date.fromordinal(d) for d in days)

    found: list[Situation] = []
    phases: dict[str, Situation] = {}
    seen: set[tuple[object, ...]] = set()
    for start in starts:
        if start == version:
            agreement = Agreement(version, backend="python", rulebook=rulebook)
        else:
            agreement = Agreement(start, backend="python")
        try:
            if start == version:
                # A phase is reachable when the version's own lifecycle leads there, amendments aside.
                for situation in _search(agreement, positions, [], set()):
                    phases.setdefault(str(situation.facts["phase"]), situation)
            for situation in _search(agreement, positions, sorted(books), seen):
                if situation.version == version:
                    found.append(situation)
        finally:
            agreement.close()
    return Reach(version, tuple(found), frozen(phases), tuple(starts))


def _refuse_parameter_placements(rulebook: Rulebook) -> None:
    params = rulebook.parameter_by_name
    for placement in rulebook.lifecycle.placement:
        for cmp in comparisons(placement.condition):
            if cmp.field in params or isinstance(cmp.value, ParamRef):
                name = cmp.value.name if isinstance(cmp.value, ParamRef) else cmp.field
                raise ReachError(
                    f"the placement in {placement.phase} tests the parameter {name}; the prover"
                    " covers placements over the state facts only",
                    file=f"{rulebook.location}/lifecycle.yaml",
                )


def _search(
    agreement: Agreement,
    positions: tuple[dt.date, ...],
    versions: list[str],
    seen: set[tuple[object, ...]],
) -> Iterator[Situation]:
    """Breadth-first over (boundary day, situation), from a contract started on ``agreement``."""
    contract = agreement.start()
    k0 = positions.index(contract.state.date)
    queue: collections.deque[tuple[Contract, tuple[Mapping[str, Any], ...], dict[str, int], int]]
    queue = collections.deque([(contract, (), {}, k0)])
    while queue:
        contract, events, totals, k = queue.popleft()
        day = positions[k]
        key = (k, *_key(contract, day))
        if key in seen:
            continue
        seen.add(key)
        state = contract.state
        row = state_facts(state, day)
        del row["day"]
        upto = positions[k + 1] - dt.timedelta(days=1) if k + 1 < len(positions) else dt.date.max
        yield Situation(
            start=agreement.version,
            version=state.version,
            events=frozen(events),
            first=day,
            last=upto,
            facts=frozen(row),
            agi=state.agi,
            ip_uses=frozen(_ip_uses(state.agi, day)),
            totals=frozen(totals),
        )
        for event in _moves(contract, day, versions, totals):
            try:
                moved = contract.apply(event)
            except AgiTermsError:
                continue  # the lifecycle (or the amendment's date) does not allow it here
            if _key(moved, day) == _key(contract, day):
                continue  # nothing changed: a purchase under a version that does not count it
            added = dict(totals)
            for fact, total in TOTALS.items():
                if all(event.get(k) == v for k, v in total.event.items()):
                    added[fact] = len(events)
            queue.append((moved, (*events, event), added, k))
        if k + 1 < len(positions):
            queue.append((contract.advance_to(positions[k + 1]), events, totals, k + 1))


def _moves(
    contract: Contract, day: dt.date, versions: list[str], totals: Mapping[str, int]
) -> Iterator[dict[str, Any]]:
    for kind in sorted(AGI_TYPES):
        yield {"date": day, "type": kind}
    for version in versions:
        if version != contract.state.version:
            yield {"date": day, "type": "amendment", "to": version}
    for fact, total in TOTALS.items():
        if fact not in totals:
            yield {"date": day, **total.event, total.amount: 1.0}


def _key(contract: Contract, day: dt.date) -> tuple[object, ...]:
    """What decides a contract's future and its facts from ``day`` on (the situation, less days)."""
    state = contract.state
    row = state_facts(state, day)
    del row["day"]
    for fact in TOTALS:
        row[fact] = bool(row[fact])
    uses = frozenset(tuple(sorted(derived.items())) for derived, _ in _ip_uses(state.agi, day))
    return (state.version, tuple(sorted(row.items())), uses)


def _ip_uses(agi: AgiHistory, day: dt.date) -> tuple[tuple[Mapping[str, RuleValue], dt.date], ...]:
    """The facts an asset used on ``day`` can have, by its creation date, with such a date."""
    one = dt.timedelta(days=1)
    marks = [d for d in (agi.declared_on, agi.verified_on) if d is not None]
    candidates = {day, *marks, *(d - one for d in marks if d > dt.date.min)}
    found: dict[tuple[tuple[str, RuleValue], ...], tuple[Mapping[str, RuleValue], dt.date]] = {}
    for created in sorted(c for c in candidates if c <= day):
        event = MsIpUse(date=day, asset="model", created_on=created)
        derived = {
            k: v
            for k, v in action_row(event, agi).items()
            if k != "action" and k not in MsIpUse.model_fields
        }
        found.setdefault(tuple(sorted(derived.items())), (derived, created))
    return tuple(found.values())

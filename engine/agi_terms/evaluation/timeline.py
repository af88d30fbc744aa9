"""A contract's timeline: an append-only log shared by contract values, each a frozen prefix of it.

Extending a contract appends to the log it shares with its ancestors when it is the log's tip (the
longest contract recorded there), so ``c = c.apply(event)`` costs the same at event 10 as at event
1,000,000; extending an older contract copies its prefix into a log of its own first, so every
contract already handed out keeps exactly the entries it had.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import threading
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from agi_terms.events import Event, ProductLaunch

if TYPE_CHECKING:
    from agi_terms.evaluation.contract import ContractState
    from agi_terms.evaluation.results import Step

__all__ = ["AzureLaunches", "Entries", "Recorded", "TimelineLog"]

T = TypeVar("T")


class TimelineLog:
    """The entries of one line of contracts: events, steps, the state after each step and its date,
    and the step that first launched each named product on Azure. Only ever appended to, under
    ``lock``, by ``extend``."""

    __slots__ = ("events", "history", "launches", "lock", "step_dates", "steps")

    def __init__(
        self,
        events: Sequence[Event] = (),
        steps: Sequence[Step] = (),
        history: Sequence[ContractState] = (),
    ) -> None:
        self.events: list[Event] = list(events)
        self.steps: list[Step] = list(steps)
        self.history: list[ContractState] = list(history)
        self.step_dates: list[dt.date] = [s.date for s in self.steps]
        self.launches: dict[str, int] = {}
        self._note_launches(0)
        self.lock = threading.Lock()

    def _note_launches(self, start: int) -> None:
        for index in range(start, len(self.steps)):
            event = self.steps[index].event
            if (
                isinstance(event, ProductLaunch)
                and event.cloud == "azure"
                and event.name is not None
            ):
                self.launches.setdefault(event.name, index)

    def extend(
        self,
        at: tuple[int, int],
        events: Sequence[Event],
        steps: Sequence[Step],
        history: Sequence[ContractState],
    ) -> TimelineLog:
        """The log holding the first ``at`` = (events, steps) entries of this one followed by the
        new ones: this log when those counts are its tip (checked and appended atomically), else a
        copy of that prefix with the new entries (this log is left as it was)."""
        n_events, n_steps = at
        with self.lock:
            if len(self.events) == n_events and len(self.steps) == n_steps:
                log = self
            else:
                log = TimelineLog(
                    self.events[:n_events], self.steps[:n_steps], self.history[:n_steps]
                )
            log.events.extend(events)
            log.steps.extend(steps)
            log.history.extend(history)
            log.step_dates.extend(s.date for s in steps)
            log._note_launches(n_steps)
        return log

    def __repr__(self) -> str:
        return f"TimelineLog(events={len(self.events)}, steps={len(self.steps)})"


class Recorded(Sequence[T], Generic[T]):
    """The first ``len(self)`` entries of a list that is only ever appended to: a read-only
    sequence that indexes, slices (to a tuple), iterates and compares equal to a tuple of the same
    entries. Its entries never change, whatever is appended to the list after them."""

    __slots__ = ("_items", "_length", "log")

    def __init__(self, items: list[T], length: int, log: TimelineLog | None = None) -> None:
        self._items = items
        self._length = length
        self.log = log
        """The log whose list this is a prefix of (``None`` for a copy standing alone)."""

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...
    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self._items[i] for i in range(*index.indices(self._length)))
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError("timeline index out of range")
        return self._items[index]

    def __iter__(self) -> Iterator[T]:
        return itertools.islice(self._items, self._length)

    def __reversed__(self) -> Iterator[T]:
        return (self._items[i] for i in range(self._length - 1, -1, -1))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Recorded):
            if self._items is other._items:
                return self._length == other._length
        elif not isinstance(other, tuple):
            return NotImplemented
        return len(other) == self._length and all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy carries its own entries, not the shared list (nor the log's lock).
        items = self._items[: self._length]
        return (Recorded, (items, len(items)))

    def bisect_right(self, value: Any) -> int:
        """The number of leading entries ``<= value`` (the entries must be sorted)."""
        return bisect.bisect_right(self._items, value, 0, self._length)

    def __repr__(self) -> str:
        return f"Recorded(len={self._length})"


Entries = tuple[T, ...] | Recorded[T]
"""A contract's events, steps, history or step dates: a tuple when given, a ``Recorded`` prefix of
its log once the contract is built (both slice to a tuple)."""


class AzureLaunches(Mapping[str, int]):
    """Read-only: the index of the step that first launched each named product on Azure, among
    the first ``steps`` steps of a log."""

    __slots__ = ("_launches", "_steps")

    def __init__(self, launches: Mapping[str, int], steps: int) -> None:
        self._launches = launches
        self._steps = steps

    def __getitem__(self, name: str) -> int:
        index = self._launches[name]
        if index >= self._steps:
            raise KeyError(name)
        return index

    def __contains__(self, name: object) -> bool:
        index = self._launches.get(name) if isinstance(name, str) else None
        return index is not None and index < self._steps

    def __iter__(self) -> Iterator[str]:
        return (n for n, i in list(self._launches.items()) if i < self._steps)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (AzureLaunches, (dict(self), self._steps))

    def __repr__(self) -> str:
        return f"AzureLaunches({dict(self)!r})"

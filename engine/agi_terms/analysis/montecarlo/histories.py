"""Sampled AGI histories: each run's declarations and verdicts, drawn for a chunk of runs at once.

A run declares AGI with ``declaration.probability`` on a day uniform in ``between``; the panel rules
``review_days`` later (verified with ``verify_probability``, else rejected); after a rejection OpenAI
declares again with ``redeclaration.probability`` ``after_days`` later, and so on. Events past the
horizon do not happen, and a verdict that would fall past it leaves the declaration pending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.rulebook import load_rulebook

Days = npt.NDArray[np.int32]
Runs = npt.NDArray[np.intp]
Flags = npt.NDArray[np.bool_]

NEVER = np.int32(np.iinfo(np.int32).max)
"""The day of an event that does not happen by the horizon."""


@dataclass(frozen=True)
class Cycle:
    """The k-th declaration of the runs that make one: the day, and the verdict (day and outcome)."""

    runs: Runs
    """Indices (within the chunk) of the runs that declare a k-th time, ascending."""
    declared: Days
    verdict: Days
    """The verdict's day, ``NEVER`` when it would fall past the horizon (still pending)."""
    verified: Flags


@dataclass(frozen=True)
class Histories:
    """The AGI histories of the ``size`` runs of one chunk, one ``Cycle`` per declaration round."""

    size: int
    cycles: tuple[Cycle, ...]

    def events_of(self, run: int) -> list[dict[str, Any]]:
        """Run ``run``'s lifecycle events as scenario events (for replay with ``Contract``)."""
        import datetime as dt

        events: list[dict[str, Any]] = []
        for cycle in self.cycles:
            at = int(np.searchsorted(cycle.runs, run))
            if at == cycle.runs.size or cycle.runs[at] != run:
                break
            events.append(
                {"date": dt.date.fromordinal(int(cycle.declared[at])), "type": "agi_declared"}
            )
            if cycle.verdict[at] != NEVER:
                kind = "panel_verified" if cycle.verified[at] else "panel_rejected"
                events.append({"date": dt.date.fromordinal(int(cycle.verdict[at])), "type": kind})
        return events


def has_panel(version: str) -> bool:
    """The version's lifecycle has panel verdicts (in ``2025-01`` the board's declaration is final)."""
    return "panel_verified" in load_rulebook(version).lifecycle.triggers()


def sample_histories(
    assumptions: Assumptions, size: int, rng: np.random.Generator, *, panel: bool = True
) -> Histories:
    """Draw ``size`` runs' histories; the same generator state gives the same histories.

    Without a ``panel`` (a version whose declaration is final at once) only the first declaration
    is drawn: there is no verdict, so nothing to reject and nothing to declare again.
    """
    horizon = assumptions.horizon.toordinal()
    first, last = (d.toordinal() for d in assumptions.declaration.between)
    review_low, review_high = assumptions.panel.review_days
    after_low, after_high = assumptions.redeclaration.after_days
    verify_p = assumptions.panel.verify_probability
    again_p = assumptions.redeclaration.probability

    declares = rng.random(size) < assumptions.declaration.probability
    day = rng.integers(first, last + 1, size=size, dtype=np.int32)
    runs: Runs = np.flatnonzero(declares)
    declared: Days = day[runs]
    cycles: list[Cycle] = []
    if not panel:
        never = np.full(runs.size, NEVER, dtype=np.int32)
        return Histories(size, (Cycle(runs, declared, never, np.zeros(runs.size, np.bool_)),))
    while runs.size:
        n = runs.size
        verdict = declared + rng.integers(review_low, review_high + 1, size=n, dtype=np.int32)
        verified = rng.random(n) < verify_p
        again = rng.random(n) < again_p
        after = rng.integers(after_low, after_high + 1, size=n, dtype=np.int32)
        ruled = verdict <= horizon
        cycles.append(
            Cycle(
                runs, declared, np.where(ruled, verdict, NEVER).astype(np.int32), ruled & verified
            )
        )
        next_day = verdict + after
        goes_on = ruled & ~verified & again & (next_day <= horizon)
        runs, declared = runs[goes_on], next_day[goes_on]
    return Histories(size, tuple(cycles))

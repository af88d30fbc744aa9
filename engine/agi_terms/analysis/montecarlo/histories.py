"""Sampled AGI histories: each run's declarations and verdicts, drawn for a chunk of runs at once.

A run declares AGI for the first time as ``declaration`` says (a probability and dates, or a
cumulative distribution); the panel rules ``review_days`` later (verified with ``verify_probability``,
else rejected); after a rejection OpenAI declares again with ``redeclaration.probability``
``after_days`` later, and so on. Events past the horizon do not happen, and a verdict that would fall
past it leaves the declaration pending.

Every draw is a function of the chunk's key, the run, the declaration round and what is drawn (a
counter-based generator: SplitMix64 over those counters), never of the other runs. So two sets of
assumptions with the same seed give each run the same random numbers: a higher verify probability
verifies the same runs and more, a longer review delays each verdict, and a difference between the
two results is the difference the assumptions make, not sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from agi_terms.analysis.montecarlo.assumptions import Assumptions, Declaration
from agi_terms.rulebook import load_rulebook

Days = npt.NDArray[np.int32]
Runs = npt.NDArray[np.intp]
Flags = npt.NDArray[np.bool_]
Keys = npt.NDArray[np.uint64]

NEVER = np.int32(np.iinfo(np.int32).max)
"""The day of an event that does not happen by the horizon."""

_GOLDEN = 0x9E3779B97F4A7C15
_WORD = (1 << 64) - 1
_LOW32 = np.uint64(0xFFFFFFFF)
_TO_UNIT = 2.0**-32


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


def _mix(z: Keys) -> Keys:
    """SplitMix64's finaliser: a bijection of 64-bit words that scatters every input bit."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _word(keys: Keys, counter: int) -> Keys:
    """The ``counter``-th word of each run's stream (``keys``: one per run)."""
    return _mix(keys + np.uint64((counter * _GOLDEN) & _WORD))


def _unit(half: Keys) -> npt.NDArray[np.float64]:
    """A 32-bit half-word as a uniform number in [0, 1)."""
    return half.astype(np.float64) * _TO_UNIT


def _whole(half: Keys, low: int, high: int) -> Days:
    """A 32-bit half-word as a whole number uniform in [low, high], increasing with the word."""
    return (low + ((half * np.uint64(high - low + 1)) >> np.uint64(32))).astype(np.int32)


def _halves(word: Keys) -> tuple[Keys, Keys]:
    return word >> np.uint64(32), word & _LOW32


def first_declarations(declaration: Declaration, start: int, keys: Keys) -> tuple[Runs, Days]:
    """The runs (of ``keys``) that declare at least once, and the day of their first declaration."""
    high, low = _halves(_word(keys, 0))
    if declaration.cdf is None:
        assert declaration.probability is not None
        assert declaration.between is not None
        first, last = (d.toordinal() for d in declaration.between)
        runs: Runs = np.flatnonzero(_unit(high) < declaration.probability)
        return runs, _whole(low[runs], first, last)
    # Inverse transform of the piecewise-linear distribution through (start, 0) and the points:
    # u falls in segment i when F[i-1] <= u < F[i], and lands on one of its days in proportion.
    days = np.array([start, *(d.toordinal() for d, _ in declaration.cdf)], dtype=np.int64)
    chances = np.array([0.0, *(p for _, p in declaration.cdf)])
    u = _unit(high)
    runs = np.flatnonzero(u < chances[-1])
    u = u[runs]
    segment = np.searchsorted(chances, u, side="right")  # 1 .. len(points)
    lo, hi = chances[segment - 1], chances[segment]
    width = days[segment] - days[segment - 1]
    offset = np.minimum(np.floor((u - lo) / (hi - lo) * width).astype(np.int64), width - 1)
    return runs, (days[segment - 1] + 1 + offset).astype(np.int32)


def sample_histories(
    assumptions: Assumptions, size: int, key: int, *, panel: bool = True
) -> Histories:
    """Draw ``size`` runs' histories from the chunk's ``key``; the same key gives the same histories.

    Without a ``panel`` (a version whose declaration is final at once) only the first declaration
    is drawn: there is no verdict, so nothing to reject and nothing to declare again.
    """
    horizon = assumptions.horizon.toordinal()
    review_low, review_high = assumptions.panel.review_days
    after_low, after_high = assumptions.redeclaration.after_days
    verify_p = assumptions.panel.verify_probability
    again_p = assumptions.redeclaration.probability

    every = _mix(
        np.uint64(key & _WORD) + np.arange(1, size + 1, dtype=np.uint64) * np.uint64(_GOLDEN)
    )
    start = assumptions.start.toordinal()
    runs, declared = first_declarations(assumptions.declaration, start, every)
    keys = every[runs]
    cycles: list[Cycle] = []
    if not panel:
        never = np.full(runs.size, NEVER, dtype=np.int32)
        return Histories(size, (Cycle(runs, declared, never, np.zeros(runs.size, np.bool_)),))
    k = 0
    while runs.size:
        # Round k's words: 1 + 2k (review delay, verdict) and 2 + 2k (declare again, after when).
        review, verdict_u = _halves(_word(keys, 1 + 2 * k))
        verdict = declared + _whole(review, review_low, review_high)
        verified = _unit(verdict_u) < verify_p
        ruled = verdict <= horizon
        cycles.append(
            Cycle(
                runs, declared, np.where(ruled, verdict, NEVER).astype(np.int32), ruled & verified
            )
        )
        goes_on = ruled & ~verified
        if not goes_on.any():
            break
        runs, verdict, keys = runs[goes_on], verdict[goes_on], keys[goes_on]
        again_u, after = _halves(_word(keys, 2 + 2 * k))
        next_day = verdict + _whole(after, after_low, after_high)
        again = (_unit(again_u) < again_p) & (next_day <= horizon)
        runs, declared, keys = runs[again], next_day[again], keys[again]
        k += 1
    return Histories(size, tuple(cycles))

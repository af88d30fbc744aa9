"""Sensitivity (SPEC §10): which uncertain input moves a term's share most on one date.

Each input — each probability, each end of each day range, each choice or boolean parameter — is
moved on its own to the two ends of a stated range: probabilities ±0.2 (clipped to [0, 1], and a
point of a cumulative distribution to its neighbours so that it stays non-decreasing), day ranges
±50% (whole days, the range kept non-empty), a choice to every other choice, a boolean to false and
true. Every variation runs with the same seed, and a run's random numbers do not depend on the
assumptions (``histories``), so a difference between two ends is what the input does, not noise.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from agi_terms.analysis.montecarlo.assumptions import Assumptions
from agi_terms.analysis.montecarlo.histories import has_panel
from agi_terms.analysis.montecarlo.result import Scalar, Sensitivity
from agi_terms.errors import InputError

PROBABILITY_STEP = 0.2
DAYS_FACTOR = 0.5
MAX_DAYS = 100_000


@dataclass(frozen=True)
class Variation:
    """One input at its two ends: the values, and the assumptions or parameters at each end."""

    input: str
    low: Scalar
    high: Scalar
    at_low: Assumptions | None
    """The assumptions at the low end (None: the baseline's, or a parameter moved instead)."""
    at_high: Assumptions | None
    parameter: str | None = None
    """The parameter moved (its values are ``low`` and ``high``), when the input is one."""


@dataclass
class Plan:
    """The variations of a sensitivity study on one date, with the baseline they move from."""

    on: dt.date
    baseline: Assumptions
    """The assumptions counted on the ``on`` date only."""
    variations: list[Variation] = field(default_factory=list)

    def sampled(self) -> list[Assumptions]:
        """Every set of assumptions that needs its own runs (the baseline first)."""
        found = [self.baseline]
        for v in self.variations:
            found += [a for a in (v.at_low, v.at_high) if a is not None]
        return found


def plan(
    assumptions: Assumptions,
    parameters: Mapping[str, object],
    choices: Mapping[str, Sequence[Scalar]],
    on: dt.date,
) -> Plan:
    """The variations of ``assumptions`` on date ``on``.

    ``parameters`` are the values in force, ``choices`` the values of each choice or boolean
    parameter of the version (in the version's order).
    """
    start = assumptions.start
    if not start <= on <= assumptions.horizon:
        raise InputError(
            f"{on} is outside the start date {start} and the horizon {assumptions.horizon}",
            place="--on",
        )
    baseline = assumptions.model_copy(update={"sample": [on]})
    study = Plan(on, baseline)
    add = study.variations.append
    declaration = baseline.declaration
    if declaration.cdf is None:
        assert declaration.probability is not None
        _probability(add, baseline, "declaration.probability", declaration.probability, 0.0, 1.0,
                     lambda p: {"declaration": declaration.model_copy(update={"probability": p})})  # fmt: skip
    else:
        points = declaration.cdf
        for i, (day, p) in enumerate(points):
            floor = points[i - 1][1] if i else 0.0
            ceiling = points[i + 1][1] if i + 1 < len(points) else 1.0

            def moved(q: float, i: int = i, day: dt.date = day) -> dict[str, Any]:
                cdf = (*points[:i], (day, q), *points[i + 1 :])
                return {"declaration": declaration.model_copy(update={"cdf": cdf})}

            _probability(add, baseline, f"declaration.cdf[{i}][1]", p, floor, ceiling, moved)
    if has_panel(assumptions.agreement):
        panel, again = baseline.panel, baseline.redeclaration
        _probability(add, baseline, "panel.verify_probability", panel.verify_probability, 0.0, 1.0,
                     lambda p: {"panel": panel.model_copy(update={"verify_probability": p})})  # fmt: skip
        _days(add, baseline, "panel.review_days", panel.review_days,
              lambda r: {"panel": panel.model_copy(update={"review_days": r})})  # fmt: skip
        _probability(add, baseline, "redeclaration.probability", again.probability, 0.0, 1.0,
                     lambda p: {"redeclaration": again.model_copy(update={"probability": p})})  # fmt: skip
        _days(add, baseline, "redeclaration.after_days", again.after_days,
              lambda r: {"redeclaration": again.model_copy(update={"after_days": r})})  # fmt: skip
    for name, values in choices.items():
        current = cast(Scalar, parameters[name])  # a choice or a boolean
        if all(isinstance(v, bool) for v in values):
            add(Variation(f"parameters.{name}", False, True, None, None, name))
            continue
        for value in values:
            if value != current:
                add(Variation(f"parameters.{name}", current, value, None, None, name))
    return study


def _probability(
    add: Callable[[Variation], None],
    baseline: Assumptions,
    place: str,
    value: float,
    floor: float,
    ceiling: float,
    update: Callable[[float], dict[str, Any]],
) -> None:
    low = max(floor, round(value - PROBABILITY_STEP, 12))
    high = min(ceiling, round(value + PROBABILITY_STEP, 12))
    add(
        Variation(
            place,
            low,
            high,
            _moved(baseline, low, value, update),
            _moved(baseline, high, value, update),
        )
    )


def _days(
    add: Callable[[Variation], None],
    baseline: Assumptions,
    place: str,
    days: tuple[int, int],
    update: Callable[[tuple[int, int]], dict[str, Any]],
) -> None:
    first, last = days
    for end, value, floor, ceiling in ((0, first, 1, last), (1, last, first, MAX_DAYS)):
        low = max(floor, math.floor(value * (1 - DAYS_FACTOR) + 0.5))
        high = min(ceiling, math.floor(value * (1 + DAYS_FACTOR) + 0.5))

        def at(x: int, end: int = end) -> dict[str, Any]:
            return update((x, last) if end == 0 else (first, x))

        add(
            Variation(
                f"{place}[{end}]",
                low,
                high,
                _moved(baseline, low, value, at),
                _moved(baseline, high, value, at),
            )
        )


def _moved(
    baseline: Assumptions, to: Any, now: Any, update: Callable[[Any], dict[str, Any]]
) -> Assumptions | None:
    return None if to == now else baseline.model_copy(update=update(to))


def entries(
    variations: Sequence[Variation],
    shares: Callable[[Variation, bool], Mapping[str, float]],
) -> list[Sensitivity]:
    """The sensitivity list, ranked by each input's largest swing (ties keep the inputs' order).

    ``shares(variation, high)`` gives each term's share at that end.
    """
    found = []
    for v in variations:
        low, high = shares(v, False), shares(v, True)
        found.append(
            Sensitivity(
                input=v.input, low=v.low, high=v.high, terms={t: (low[t], high[t]) for t in low}
            )
        )
    return sorted(found, key=lambda s: -s.swing)

"""Monte Carlo assumptions (SPEC §10): when OpenAI declares AGI, how the panel rules, what happens after.

``load_assumptions(path)`` reads and validates an assumptions file; every refusal is an ``InputError``
placed at the field (``panel.review_days``) with the line and column where it stands. The first
declaration is given either as a probability spread uniformly over dates (``probability``,
``between``) or as a cumulative distribution by date (``cdf``), as prediction markets quote it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agi_terms.documents import (
    DEFAULT_LIMITS,
    Document,
    InputLimits,
    parse_document,
    placed,
    read_document,
)
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.events import CalendarDate, VersionId, input_error_from
from agi_terms.reprs import short_repr
from agi_terms.rulebook import load_rulebook

Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
WholeDays = Annotated[int, Field(ge=1, le=100_000, strict=True)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str | None = None
    """Where the belief comes from (a citation, free text)."""


class Declaration(_Section):
    """OpenAI's first declaration: ``probability`` and ``between``, or ``cdf``.

    With ``probability``, the declaration happens by the horizon with that chance, on a day uniform
    over ``between`` (inclusive). With ``cdf``, the day is drawn from the piecewise-linear
    cumulative distribution through (start, 0) and the given (date, probability) points, uniform by
    whole days within each segment; with 1 − the last probability it does not happen by the horizon.
    """

    probability: Probability | None = None
    between: tuple[CalendarDate, CalendarDate] | None = None
    cdf: tuple[tuple[CalendarDate, Probability], ...] | None = None

    @property
    def chance(self) -> float:
        """The probability that the first declaration happens by the horizon."""
        if self.cdf is not None:
            return self.cdf[-1][1] if self.cdf else 0.0
        assert self.probability is not None
        return self.probability


class Panel(_Section):
    """The panel's verdict on every declaration: verified with ``verify_probability``, else rejected."""

    verify_probability: Probability
    review_days: tuple[WholeDays, WholeDays]
    """Whole days from a declaration to its verdict, uniform over the inclusive range."""


class Redeclaration(_Section):
    """After each rejection, OpenAI declares again with ``probability``, ``after_days`` later."""

    probability: Probability
    after_days: tuple[WholeDays, WholeDays]


class Assumptions(_Section):
    """A validated assumptions file. ``runs`` and ``seed`` may be left to the command line."""

    agreement: VersionId = "2025-10"
    runs: Annotated[int, Field(ge=1, strict=True)] | None = None
    seed: Annotated[int, Field(ge=0, strict=True)] | None = None
    horizon: CalendarDate
    sample: Literal["yearly"] | list[CalendarDate]
    declaration: Declaration
    panel: Panel
    redeclaration: Redeclaration
    parameters: dict[str, Any] = Field(default_factory=dict)

    @field_validator("sample", mode="before")
    @classmethod
    def _sample(cls, value: object) -> object:
        if isinstance(value, str) and value != "yearly":
            raise ValueError(f"sample is 'yearly' or a list of dates, got {value!r}")
        if not isinstance(value, str | list):
            raise ValueError(f"sample is 'yearly' or a list of dates, got {value!r}")
        return value

    @property
    def start(self) -> dt.date:
        """The agreement's effective date: the first day of every run."""
        return load_rulebook(self.agreement).effective

    def sample_dates(self) -> tuple[dt.date, ...]:
        """The dates reported: every 31 December from the start year to the horizon, or the list."""
        if self.sample == "yearly":
            return tuple(
                d
                for d in (dt.date(y, 12, 31) for y in range(self.start.year, self.horizon.year + 1))
                if self.start <= d <= self.horizon
            )
        return tuple(self.sample)

    def __repr__(self) -> str:
        return short_repr(
            self,
            agreement=self.agreement,
            runs=self.runs,
            seed=self.seed,
            horizon=self.horizon.isoformat(),
        )


def assumptions_from_data(data: object, document: Document | None = None) -> Assumptions:
    """Validate assumptions data; errors are ``InputError``s placed at the field."""
    if not isinstance(data, Mapping):
        raise placed(InputError("an assumptions file is a mapping (see SPEC §10)"), document, [])
    try:
        assumptions = Assumptions.model_validate(data)
    except ValidationError as exc:
        error = input_error_from(exc, model=Assumptions)
        raise placed(error, document, error.path) from None
    try:
        _check(assumptions)
    except AgiTermsError as exc:
        raise placed(exc, document, exc.path) from None
    return assumptions


def _check(a: Assumptions) -> None:
    """The checks that relate fields to each other and to the agreement."""
    try:
        start = load_rulebook(a.agreement).effective
    except AgiTermsError as exc:  # an unknown version: the message lists the shipped ones
        raise exc.within("agreement") from None
    if a.horizon < start:
        raise InputError(
            f"the horizon {a.horizon} is before the agreement's start date {start}", place="horizon"
        )
    _check_declaration(a.declaration, start, a.horizon)
    for place, (low, high) in (
        ("panel.review_days", a.panel.review_days),
        ("redeclaration.after_days", a.redeclaration.after_days),
    ):
        if low > high:
            raise InputError(f"the range [{low}, {high}] is empty (low > high)", place=place)
    if isinstance(a.sample, list):
        if not a.sample:
            raise InputError("sample is 'yearly' or a non-empty list of dates", place="sample")
        seen: set[dt.date] = set()
        for index, day in enumerate(a.sample):
            if not start <= day <= a.horizon:
                raise InputError(
                    f"{day} is outside the start date {start} and the horizon {a.horizon}",
                    place=f"sample[{index}]",
                )
            if day in seen:
                raise InputError(f"{day} is listed twice", place=f"sample[{index}]")
            seen.add(day)
    elif not a.sample_dates():
        raise InputError(
            f"no 31 December lies between the start date {start} and the horizon {a.horizon};"
            " give a list of dates",
            place="sample",
        )


def _check_declaration(d: Declaration, start: dt.date, horizon: dt.date) -> None:
    if d.cdf is not None:
        for field in ("probability", "between"):
            if getattr(d, field) is not None:
                raise InputError(
                    "give either cdf or probability and between, not both",
                    place=f"declaration.{field}",
                )
        _check_cdf(d.cdf, start, horizon)
        return
    for field in ("probability", "between"):
        if getattr(d, field) is None:
            raise InputError(
                f"{field} is required (or give cdf instead)", place=f"declaration.{field}"
            )
    assert d.between is not None
    first, last = d.between
    if first > last:
        raise InputError(f"between: {first} is after {last}", place="declaration.between")
    if first < start or last > horizon:
        raise InputError(
            f"between must lie within the start date {start} and the horizon {horizon},"
            f" got [{first}, {last}]",
            place="declaration.between",
        )


def _check_cdf(cdf: tuple[tuple[dt.date, float], ...], start: dt.date, horizon: dt.date) -> None:
    if not cdf:
        raise InputError(
            "cdf lists at least one [date, probability] point", place="declaration.cdf"
        )
    day, chance = start, 0.0
    for index, (on, p) in enumerate(cdf):
        if on <= day:
            raise InputError(
                f"{on} is not after {day}: the dates increase strictly from the start date"
                f" {start}, where the distribution is 0",
                place=f"declaration.cdf[{index}][0]",
            )
        if on > horizon:
            raise InputError(
                f"{on} is after the horizon {horizon}", place=f"declaration.cdf[{index}][0]"
            )
        if p < chance:
            raise InputError(
                f"{p} is below the previous point's {chance}: a cumulative probability never"
                " decreases",
                place=f"declaration.cdf[{index}][1]",
            )
        day, chance = on, p


def load_assumptions(path: str | Path, *, limits: InputLimits = DEFAULT_LIMITS) -> Assumptions:
    """Read and validate an assumptions file (YAML 1.2) within ``limits``."""
    return read_document(path, assumptions_from_data, limits)


def parse_assumptions(
    text: str, name: str = "<assumptions>", *, limits: InputLimits = DEFAULT_LIMITS
) -> Assumptions:
    """Parse and validate assumptions text within ``limits``."""
    return parse_document(text, name, assumptions_from_data, limits)

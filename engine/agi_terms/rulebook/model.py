"""The loaded rulebook: a validated version's parameters, terms, rules and obligations."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from agi_terms.conditions import Condition, comparisons
from agi_terms.events import finite_number, parse_calendar_date
from agi_terms.facts import LEVEL_NAMES, FactSpec
from agi_terms.lifecycle import Lifecycle
from agi_terms.reprs import short_repr
from agi_terms.rulebook.sources import SourceRegister, ids_of

ParameterType = Literal["date", "choice", "number", "level", "bool"]


@dataclass(frozen=True)
class Parameter:
    """A reading the public text leaves open, with its default and citation (SPEC §5)."""

    name: str
    type: ParameterType
    default: object
    meaning: str
    source: str
    nullable: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | dt.date | None = None
    """The least value of a number or date parameter, where the text bounds it."""
    maximum: float | dt.date | None = None
    """The greatest value of a number or date parameter, where the text bounds it."""
    reported: bool = False

    def validate(self, value: object) -> object:
        """The value in the parameter's own type; ``ValueError`` saying what is expected."""
        if value is None:
            if self.nullable:
                return None
            raise ValueError(f"{self.name} cannot be null")
        if self.type == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError(f"{self.name} is true or false, got {value!r}")
        if self.type == "date":
            try:
                day = parse_calendar_date(value)
            except ValueError as exc:
                raise ValueError(f"{self.name}: {exc}") from None
            if isinstance(self.minimum, dt.date) and day < self.minimum:
                raise ValueError(
                    f"{self.name} is on or after {self.minimum.isoformat()}, got {day.isoformat()}"
                )
            if isinstance(self.maximum, dt.date) and day > self.maximum:
                raise ValueError(
                    f"{self.name} is on or before {self.maximum.isoformat()}, got {day.isoformat()}"
                )
            return day
        if self.type == "choice" or self.type == "level":
            options = self.choices if self.type == "choice" else LEVEL_NAMES
            if isinstance(value, str) and value in options:
                return value
            raise ValueError(f"{self.name} is one of {', '.join(options)}, got {value!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{self.name} is a number, got {value!r}")
        try:
            number = finite_number(value)
        except ValueError:
            shown = repr(value) if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."
            raise ValueError(f"{self.name} is a finite number, got {shown}") from None
        if isinstance(self.minimum, float | int) and number < self.minimum:
            raise ValueError(f"{self.name} is at least {self.minimum:g}, got {value!r}")
        if isinstance(self.maximum, float | int) and number > self.maximum:
            raise ValueError(f"{self.name} is at most {self.maximum:g}, got {value!r}")
        return number

    def to_json(self, value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        return value

    def __repr__(self) -> str:
        return short_repr(self, self.name, type=self.type, default=self.default)


@dataclass(frozen=True)
class Rule:
    """One cited rule: when ``condition`` holds, ``effect`` applies to its term or action."""

    id: str
    effect: str
    condition: Condition
    source: str
    target: str
    """The term id (term rules) or the action type (decision rules)."""
    kind: Literal["term", "action"]
    obligation: str | None = None
    note: str | None = None
    file: str = ""

    def __repr__(self) -> str:
        return short_repr(self, self.id, effect=self.effect, source=self.source)


@dataclass(frozen=True)
class Term:
    id: str
    holder: str
    title: str
    meaning: str
    source: str
    rules: tuple[Rule, ...]
    note: str | None = None
    """How the term was read, e.g. that a later version carries it over unmentioned."""

    def __repr__(self) -> str:
        return short_repr(self, self.id, holder=self.holder, rules=len(self.rules))


@dataclass(frozen=True)
class Obligation:
    id: str
    meaning: str
    source: str

    def __repr__(self) -> str:
        return short_repr(self, self.id)


@dataclass(frozen=True)
class Property:
    """A cited statement that holds in every state the version reaches, for every parameter value.

    ``condition`` is a formula (``agi_terms.conditions``) over the state facts, the terms, the
    parameters and one action with its decision (``allowed``, and each obligation's id).
    """

    id: str
    statement: str
    source: str
    condition: Condition
    file: str = ""

    def __repr__(self) -> str:
        return short_repr(self, self.id, source=self.source)


@dataclass(frozen=True)
class Rulebook:
    """A validated agreement version: lifecycle, parameters, terms and decision rules."""

    version: str
    title: str
    effective: dt.date
    summary: str
    source: str
    lifecycle: Lifecycle
    parameters: tuple[Parameter, ...]
    terms: tuple[Term, ...]
    obligations: tuple[Obligation, ...]
    decisions: Mapping[str, tuple[Rule, ...]]
    location: str = ""
    facts: Mapping[str, FactSpec] = field(default_factory=dict)
    """Every name a rule or property may test: state, action and decision facts, terms, obligations."""
    sources: SourceRegister = field(default_factory=lambda: SourceRegister(()))
    """The register every citation of the version resolves in."""
    properties: tuple[Property, ...] = ()

    @property
    def term_ids(self) -> tuple[str, ...]:
        """Every term's id, in the file's order."""
        return tuple(t.id for t in self.terms)

    @functools.cached_property
    def parameter_by_name(self) -> Mapping[str, Parameter]:
        return {p.name: p for p in self.parameters}

    @functools.cached_property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule, terms first (in file order), then decisions."""
        found = [r for t in self.terms for r in t.rules]
        for rules in self.decisions.values():
            found.extend(rules)
        return tuple(found)

    @functools.cached_property
    def rule_by_id(self) -> Mapping[str, Rule]:
        return {r.id: r for r in self.rules}

    def citations(self) -> tuple[tuple[str, str], ...]:
        """``(what, citation)`` for everything the version cites: the agreement, phases,
        transitions, calendar gates, placements, parameters, terms, rules, obligations and properties."""
        life = self.lifecycle
        return (
            (f"agreement {self.version}", self.source),
            *((f"phase {p.id}", p.source) for p in life.phases),
            *((f"transition {t.trigger} from {', '.join(t.sources)}", t.source)
              for t in life.transitions),
            *((f"calendar gate {g.trigger} on {g.date.isoformat()}", g.source)
              for g in life.calendar),
            *((f"placement in {p.phase}", p.source) for p in life.placement),
            *((f"parameter {p.name}", p.source) for p in self.parameters),
            *((f"term {t.id}", t.source) for t in self.terms),
            *((f"rule {r.id}", r.source) for r in self.rules),
            *((f"obligation {o.id}", o.source) for o in self.obligations),
            *((f"property {p.id}", p.source) for p in self.properties),
        )  # fmt: skip

    @functools.cached_property
    def cited_ids(self) -> tuple[str, ...]:
        """Every source id the version cites, first cited first."""
        return ids_of(source for _, source in self.citations())

    def defaults(self) -> dict[str, object]:
        """Every parameter's default value, by name."""
        return {p.name: p.default for p in self.parameters}

    def __repr__(self) -> str:
        return short_repr(
            self,
            version=self.version,
            rules=len(self.rules),
            terms=len(self.terms),
            parameters=len(self.parameters),
            location=self.location,
        )


def term_dependencies(term: Term, term_ids: set[str]) -> set[str]:
    """The terms that ``term``'s rules test."""
    return {c.field for r in term.rules for c in comparisons(r.condition) if c.field in term_ids}

"""The schemas of a version's rule files, as they are written (validated by pydantic)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from agi_terms.events import CalendarDate
from agi_terms.rulebook.citations import check_source


class Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Cited(Strict):
    source: str

    @field_validator("source")
    @classmethod
    def _cited(cls, value: str) -> str:
        return check_source(value)


class AgreementFile(Cited):
    id: str
    title: str
    effective: CalendarDate
    summary: str


class PhaseEntry(Cited):
    id: str
    meaning: str


class PlacementEntry(Cited):
    phase: str
    when: Any = None


class GateEntry(Cited):
    date: CalendarDate
    trigger: str


class LifecycleFile(Strict):
    initial: str
    final: list[str]
    phases: list[PhaseEntry]
    transitions: list[dict[str, Any]]
    calendar: list[GateEntry] = []
    placement: list[PlacementEntry] = []


ParameterType = Literal["date", "choice", "number", "level", "bool"]  # as in rulebook.model


class ParameterEntry(Cited):
    name: str
    type: ParameterType
    default: Any
    nullable: bool = False
    choices: list[str] = []
    minimum: float | None = None
    reported: bool = False
    meaning: str


class ParametersFile(Strict):
    parameters: list[ParameterEntry]


class RuleEntry(Cited):
    id: str
    effect: str
    when: Any = None
    obligation: str | None = None
    note: str | None = None


class TermEntry(Cited):
    id: str
    holder: str
    title: str
    meaning: str
    rules: list[RuleEntry]


class TermsFile(Strict):
    terms: list[TermEntry]


class ObligationEntry(Cited):
    id: str
    meaning: str


class ActionEntry(Strict):
    action: str
    rules: list[RuleEntry]


class DecisionsFile(Strict):
    obligations: list[ObligationEntry] = []
    actions: list[ActionEntry]

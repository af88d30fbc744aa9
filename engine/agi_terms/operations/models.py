"""The request and result models of the operations (SPEC §14): what each door sends and gets.

Requests are what a caller gives (the keys of SPEC §7's scenario, §10's assumptions, §14's bodies);
results are the JSON every door answers with, the same keys whichever door asks. A result's
``to_json()`` is that JSON: exactly the keys the answer holds, in the order SPEC gives them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, RootModel

from agi_terms.evaluation.results import Change, Citation, Decision
from agi_terms.events import CalendarDate

DEFAULT_VERSION = "2025-10"
DEFAULT_MAX_RUNS = 2_000_000
"""The most Monte Carlo runs one ``montecarlo`` operation computes unless its caller allows more."""

_EXAMPLE_EVENTS: list[JsonValue] = [
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_verified"},
]
_EXAMPLE_ACTION: dict[str, JsonValue] = {
    "date": "2030-02-01",
    "type": "product_launch",
    "kind": "api",
    "cloud": "gcp",
}


_LAZY = ConfigDict(defer_build=True)
"""The answers are built on first use: a command builds only those it answers with."""


class _Request(BaseModel):
    # Built at import: FastAPI wraps a request body's model in a field of its own, and building a
    # deferred model there makes pydantic warn that the wrapper's alias has no effect.
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    def to_json(self) -> Any:
        """The answer's JSON: the keys it was built with (none added, none dropped)."""
        return self.model_dump(mode="json", exclude_unset=True)


# ---------------------------------------------------------------- shared pieces


class CitedSource(BaseModel):
    """A source's entry in an answer's ``sources`` map (SPEC §12)."""

    model_config = _LAZY

    title: str
    statement: str
    url: str | None
    date: CalendarDate | None
    confidence: Literal["official", "reported", "interpretation"]


class SourceEntry(CitedSource):
    """An entry of the source register (``rules/sources.yaml``)."""

    id: str
    kind: str
    quote: str | None
    publisher: str | None

    def to_json(self) -> dict[str, Any]:
        """The entry's JSON: every key of the register (``null`` where it gives none)."""
        return self.model_dump(mode="json")


Sources = dict[str, CitedSource]


class StepJSON(BaseModel):
    """A timeline step (SPEC §7)."""

    model_config = _LAZY

    date: CalendarDate
    type: str
    phase: str
    decision: Decision | None
    changes: list[Change]


class CheckpointJSON(BaseModel):
    """A checkpoint (SPEC §7): the phase and every term of the version on ``date``."""

    model_config = _LAZY

    date: CalendarDate
    phase: str
    terms: dict[str, bool]


class ScenarioInput(_Request):
    """A scenario (SPEC §7) as JSON: the keys of a scenario file (``expect`` statements allowed
    and ignored, as ``simulate`` ignores them). It is checked by the reader every door uses, so a
    refusal names its place as the CLI does (``events[3].cloud``)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "Panel verifies AGI in 2029",
                    "agreement": DEFAULT_VERSION,
                    "parameters": {"api_exclusivity_backstop": None},
                    "events": [*_EXAMPLE_EVENTS, {**_EXAMPLE_ACTION, "partner": "Acme"}],
                    "checkpoints": ["2028-01-01", "2031-01-01"],
                }
            ]
        },
    )

    name: str | None = None
    agreement: str = DEFAULT_VERSION
    parameters: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]]
    checkpoints: list[Any] = Field(default_factory=list)


# ---------------------------------------------------------------- requests


class DescribeVersionRequest(_Request):
    """``describe_version``: one agreement version by id."""

    version: str = DEFAULT_VERSION


class GetSourceRequest(_Request):
    """``get_source``: one source id (``N6``)."""

    id: str


class SimulateRequest(ScenarioInput):
    """``simulate``: a scenario (the keys of SPEC §7's file)."""


class TermsOnRequest(_Request):
    """``terms_on``: a scenario and the date to read its state on."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [{"scenario": {"events": _EXAMPLE_EVENTS}, "date": "2031-01-01"}]
        },
    )

    scenario: ScenarioInput
    date: str


class _History(_Request):
    agreement: str = DEFAULT_VERSION
    parameters: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)


class DecideRequest(_History):
    """``decide``: an action, decided on its date given the history of ``events`` (nothing is
    stored)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"events": _EXAMPLE_EVENTS, "action": _EXAMPLE_ACTION}]},
    )

    action: dict[str, Any]


class ExplainRequest(_History):
    """``explain``: why ``term`` is (not) in force on ``date``, or why ``action`` is (not) allowed,
    given the history of ``events``. Give ``term`` with ``date``, or ``action``."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"events": _EXAMPLE_EVENTS, "date": "2031-01-01", "term": "ms_research_ip"},
                {"events": _EXAMPLE_EVENTS, "action": _EXAMPLE_ACTION},
            ]
        },
    )

    date: str | None = None
    term: str | None = None
    action: dict[str, Any] | None = None
    detail: Literal["summary", "full"] = "summary"


class DiffRequest(_Request):
    """``diff``: how versions ``a`` and ``b`` differ, situation by situation."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"a": "2025-01", "b": "2025-10"}]},
    )

    a: str
    b: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class MonteCarloRequest(RootModel[dict[str, Any]]):
    """``montecarlo``: an assumptions document (SPEC §10) as JSON; ``runs`` at most the caller's
    limit."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "runs": 1000,
                    "seed": 7,
                    "horizon": "2035-12-31",
                    "sample": "yearly",
                    "declaration": {"probability": 0.6, "between": ["2026-01-01", "2035-12-31"]},
                    "panel": {"verify_probability": 0.7, "review_days": [30, 365]},
                    "redeclaration": {"probability": 0.5, "after_days": [180, 1080]},
                }
            ]
        },
    )


# ---------------------------------------------------------------- results


class VersionSummary(_Answer):
    """An agreement version: id, title, the date it takes effect."""

    id: str
    title: str
    effective: CalendarDate


class VersionList(RootModel[list[VersionSummary]]):
    """``list_versions``: every shipped version, oldest first."""

    model_config = _LAZY

    def to_json(self) -> list[dict[str, Any]]:
        """``[{"id", "title", "effective"}]``."""
        return [v.to_json() for v in self.root]


class PhaseInfo(_Answer):
    """A phase of a version's lifecycle."""

    id: str
    meaning: str
    source: str


class TermInfo(_Answer):
    """A term of a version."""

    id: str
    holder: str
    title: str
    meaning: str
    source: str


class ParameterInfo(_Answer):
    """A parameter of a version: its default (JSON), its choices where it has them."""

    name: str
    default: Any
    choices: list[str] | None = None
    source: str
    note: str


class RuleInfo(_Answer):
    """A rule deciding an action."""

    rule: str
    effect: str
    obligation: str | None
    source: str


class ActionInfo(_Answer):
    """An action type a version decides, with its rules."""

    type: str
    rules: list[RuleInfo]


class VersionDescription(_Answer):
    """``describe_version``: what a version holds (SPEC §14), with the ``sources`` it cites."""

    id: str
    title: str
    effective: CalendarDate
    phases: list[PhaseInfo]
    terms: list[TermInfo]
    parameters: list[ParameterInfo]
    actions: list[ActionInfo]
    sources: Sources


class SourceList(RootModel[dict[str, SourceEntry]]):
    """``sources``: every entry of the register, by id."""

    model_config = _LAZY

    def to_json(self) -> dict[str, dict[str, Any]]:
        """``{id: entry}``."""
        return {k: v.to_json() for k, v in self.root.items()}


class SimulateResult(_Answer):
    """``simulate``: SPEC §7's JSON with SPEC §12's ``sources`` (= ``simulate --format json``)."""

    agreement: str
    parameters: dict[str, Any]
    steps: list[StepJSON]
    checkpoints: list[CheckpointJSON]
    sources: Sources


class TermsOnResult(_Answer):
    """``terms_on``: the phase and every term on ``date``, with the sources of the rules behind
    them."""

    date: CalendarDate
    phase: str
    terms: dict[str, bool]
    sources: Sources


class DecisionResult(_Answer):
    """``decide``: the decision (SPEC §7) with the register's entry for every source it cites."""

    allowed: bool
    obligations: list[str]
    because: list[Citation]
    sources: Sources


class DiffResult(_Answer):
    """``diff``: the output of ``diff A B --format json``."""

    a: str
    b: str
    situations: list[dict[str, Any]]
    only_in_a: list[str]
    only_in_b: list[str]
    terms: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    phases: dict[str, list[str]]

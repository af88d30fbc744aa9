"""Scenarios: a story of events with checkpoints, simulated into a timeline (SPEC §7).

``load_scenario(path)`` reads a scenario file; ``simulate(scenario)`` replays it and returns a
``Simulation`` whose ``to_json()`` is the documented output of ``agi-terms simulate --format json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from agi_terms.documents import (
    Document,
    parse_document,
    parse_yaml,
    placed,
    read_document,
)
from agi_terms.errors import AgiTermsError, InputError, UnknownParameterError
from agi_terms.evaluation.agreement import Agreement, load_agreement
from agi_terms.evaluation.contract import Contract
from agi_terms.evaluation.results import Checkpoint, Step, step_citations
from agi_terms.events import (
    CalendarDate,
    VersionId,
    input_error_from,
    parse_calendar_date,
    parse_event,
)
from agi_terms.rulebook import available_versions, load_rulebook


class Scenario(BaseModel):
    """A scenario file: which agreement, what-if parameters, events and checkpoints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    agreement: VersionId = "2025-10"
    parameters: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]]
    checkpoints: list[CalendarDate] = Field(default_factory=list)

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: object) -> object:
        if not isinstance(value, list):
            raise ValueError("events is a list of events")
        for item in value:
            if not isinstance(item, dict):
                raise ValueError(f"an event is a mapping with date and type, got {item!r}")
        return value


@dataclass(frozen=True)
class Simulation:
    """The result of simulating a scenario: the timeline, the checkpoints and the final contract."""

    name: str | None
    agreement: str
    parameters: dict[str, Any]
    steps: tuple[Step, ...]
    checkpoints: tuple[Checkpoint, ...]
    contract: Contract
    owns_agreement: bool = False

    def close(self) -> None:
        """Release the agreement ``simulate`` loaded for this result (not one passed to it)."""
        if self.owns_agreement:
            self.contract.agreement.close()

    def __enter__(self) -> Simulation:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cited_sources(self) -> dict[str, dict[str, Any]]:
        """The ``sources`` map: every source id the timeline's decisions cite, in register order,
        as ``{id: {"title", "statement", "url", "date", "confidence"}}`` (SPEC §12)."""
        return self.contract.agreement.sources.cited(step_citations(self.steps))

    def to_json(self) -> dict[str, Any]:
        """The output of ``agi-terms simulate --format json`` (SPEC §7 and §12): exactly the keys
        ``agreement``, ``parameters``, ``steps``, ``checkpoints`` and ``sources``."""
        return {
            "agreement": self.agreement,
            "parameters": self.parameters,
            "steps": [s.to_json() for s in self.steps],
            "checkpoints": [c.to_json() for c in self.checkpoints],
            "sources": self.cited_sources(),
        }


def scenario_from_data(data: object, document: Document | None = None) -> Scenario:
    """Validate scenario data; errors are ``InputError``s placed at ``events[3].cloud`` (0-based)."""
    if not isinstance(data, Mapping):
        line, column = (document.position([]) if document is not None else None) or (1, 1)
        raise InputError("a scenario is a mapping with at least 'events'", line=line, column=column)
    events = data.get("events")
    if isinstance(events, list):
        for index, item in enumerate(events):
            if not isinstance(item, Mapping):
                raise placed(
                    InputError(
                        f"an event is a mapping with date and type, got {item!r}",
                        place=("events", index),
                    ),
                    document,
                    ["events", index],
                )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = input_error_from(exc)
        raise placed(error, document, exc.errors()[0]["loc"]) from None
    for index, event in enumerate(scenario.events):
        try:
            parse_event(event)
        except AgiTermsError as exc:
            placed_error = exc.within("events", index)
            raise placed(placed_error, document, placed_error.path) from None
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (YAML 1.2)."""
    return read_document(path, scenario_from_data)


def parse_scenario(text: str, name: str = "<scenario>") -> Scenario:
    """Parse and validate scenario text."""
    return parse_document(text, name, scenario_from_data)


def simulate(
    scenario: Scenario,
    *,
    overrides: Mapping[str, object] | None = None,
    backend: str | None = None,
    agreement: Agreement | None = None,
    rules: str | Path | None = None,
) -> Simulation:
    """Replay ``scenario`` (with ``overrides`` on top of its parameters) into a timeline.

    Every gate up to the last event or checkpoint appears as a ``calendar`` step; checkpoints are
    reported in the order given. ``rules`` is a rule folder to use instead of the shipped version.
    Without ``agreement``, one is loaded for the scenario and stays open for the result's contract:
    ``Simulation.close()`` (or ``with simulate(...) as result``) releases it.
    Raises ``InputError`` subclasses placed in the scenario.
    """
    own = agreement is None
    if agreement is None:
        agreement = scenario_agreement(scenario, overrides, backend, rules)
    try:
        try:
            contract = agreement.start().apply_all(scenario.events)
        except AgiTermsError as exc:
            raise exc.within("events") from None
        if scenario.checkpoints:
            contract = contract.advance_to(max(max(scenario.checkpoints), contract.state.date))
        checkpoints = []
        for index, day in enumerate(scenario.checkpoints):
            try:
                report = contract.terms(on=day)
            except AgiTermsError as exc:
                raise exc.within("checkpoints", index) from None
            checkpoints.append(Checkpoint(date=day, phase=report.phase, terms=report.in_force()))
        return Simulation(
            name=scenario.name,
            agreement=agreement.version,
            parameters=_parameters_in_force(agreement, contract),
            steps=contract.steps,
            checkpoints=tuple(checkpoints),
            contract=contract,
            owns_agreement=own,
        )
    except BaseException:
        if own:
            agreement.close()
        raise


def _parameters_in_force(agreement: Agreement, contract: Contract) -> dict[str, Any]:
    """Every parameter's value: the starting version's, then those of the versions amended to."""
    values = agreement.parameters_json()
    for step in contract.steps:
        if step.type == "amendment" and step.event is not None:
            compiled = agreement.compiled(step.event.to)  # type: ignore[union-attr]
            params = compiled.rulebook.parameter_by_name
            for name, value in compiled.parameters.items():
                values.setdefault(name, params[name].to_json(value))
    return values


def scenario_agreement(
    scenario: Scenario,
    overrides: Mapping[str, object] | None = None,
    backend: str | None = None,
    rules: str | Path | None = None,
) -> Agreement:
    """The agreement a scenario runs on: its version with its parameters and ``overrides``."""
    parameters = {**scenario.parameters, **(overrides or {})}
    if rules is None:
        _check_parameter_names(scenario, parameters)
    return load_agreement(scenario.agreement, parameters, backend, rules=rules)


def _check_parameter_names(scenario: Scenario, parameters: Mapping[str, object]) -> None:
    """A scenario may set the parameters of its version and of every version it amends to."""
    if scenario.agreement not in available_versions():
        try:
            load_rulebook(scenario.agreement)
        except AgiTermsError as exc:  # UnknownVersionError, with the shipped list
            raise exc.within("agreement") from None
    versions = [scenario.agreement] + [
        str(e["to"])
        for e in scenario.events
        if e.get("type") == "amendment" and e.get("to") in available_versions()
    ]
    known = {p.name for v in versions for p in load_rulebook(v).parameters}
    for name in parameters:
        if name not in known:
            names = ", ".join(sorted(known))
            raise UnknownParameterError(
                f"unknown parameter {name!r} for agreement {scenario.agreement}; parameters: {names}",
                place=f"parameters.{name}",
            )


def parse_set_option(text: str) -> tuple[str, object]:
    """``NAME=VALUE`` from ``--set``; the value is read as a YAML 1.2 scalar (``null``, ``5e27``)."""
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"--set takes NAME=VALUE, got {text!r}", place="--set")
    try:
        value = parse_yaml(raw.strip() or "null", "--set").data
    except AgiTermsError:
        value = raw.strip()
    if isinstance(value, dict | list):
        raise InputError(f"--set {name}: the value is a single scalar, got {raw!r}", place="--set")
    if isinstance(value, dt.date):
        value = parse_calendar_date(value)
    return name, value

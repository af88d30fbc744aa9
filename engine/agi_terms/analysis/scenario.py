"""Scenarios: a story of events with checkpoints, simulated into a timeline (SPEC §7).

``load_scenario(path)`` reads a scenario file; ``simulate(scenario)`` replays it and returns a
``Simulation`` whose ``to_json()`` is the documented output of ``agi-terms simulate --format json``.
A scenario may state what it expects (SPEC §13): ``expect`` on an action event or on a checkpoint
written as a mapping. The statements are kept beside the events (``Scenario.expectations``), never in
them, so the events and the timeline are those of the same file without them;
``agi_terms.analysis.expectations`` checks them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StrictStr,
    ValidationError,
    field_validator,
)

from agi_terms.documents import (
    DEFAULT_LIMITS,
    Document,
    InputLimits,
    parse_document,
    parse_yaml,
    placed,
    read_document,
)
from agi_terms.errors import (
    AgiTermsError,
    InputError,
    InputLimitError,
    PathPart,
    render_path,
)
from agi_terms.evaluation.agreement import Agreement, at_override, load_agreement
from agi_terms.evaluation.contract import Contract
from agi_terms.evaluation.results import Checkpoint, Step, step_citations
from agi_terms.events import (
    LIFECYCLE_TYPES,
    CalendarDate,
    VersionId,
    input_error_from,
    parse_calendar_date,
    parse_event,
)
from agi_terms.reprs import short_repr
from agi_terms.rulebook import Rulebook, available_versions, load_rulebook
from agi_terms.rulebook.parameters import accepted_names, check_names

Check = Literal["allowed", "obligations", "because", "phase", "term"]


@dataclass(frozen=True)
class Expectation:
    """One thing a scenario expects (SPEC §13), and where the file states it.

    ``check`` says what is compared: the decision of the event at ``index`` (``allowed``,
    ``obligations`` as an exact list in any order, ``because``: the rule id ``expected`` is among the
    deciding rules) or the checkpoint at ``index`` (``phase``; ``term``: whether the term ``key`` is
    in force). ``path`` is the place of the expected value (``events[3].expect.allowed``); ``line``
    and ``column`` are where it stands in the file, when the text is known.
    """

    on: Literal["event", "checkpoint"]
    index: int
    check: Check
    expected: bool | str | tuple[str, ...]
    path: tuple[PathPart, ...]
    key: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def place(self) -> str:
        """The path as text: ``events[3].expect.allowed``."""
        return render_path(self.path)


class _Expect(BaseModel):
    # Built when a scenario first states what it expects (most do not).
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, defer_build=True)

    def stated(self) -> list[str]:
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


class _ActionExpect(_Expect):
    """``expect`` on an action event: the decision."""

    allowed: StrictBool | None = None
    obligations: list[StrictStr] | None = None
    because: list[StrictStr] | None = None

    @field_validator("because")
    @classmethod
    def _names_a_rule(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("because names at least one rule id")
        return value


class _CheckpointExpect(_Expect):
    """``expect`` on a checkpoint: the phase and some terms."""

    phase: StrictStr | None = None
    terms: dict[StrictStr, StrictBool] | None = None

    @field_validator("terms")
    @classmethod
    def _names_a_term(cls, value: dict[str, bool] | None) -> dict[str, bool] | None:
        if value is not None and not value:
            raise ValueError("terms names at least one term id")
        return value


class Scenario(BaseModel):
    """A scenario file: which agreement, what-if parameters, events and checkpoints."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = None
    agreement: VersionId = "2025-10"
    parameters: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]]
    checkpoints: list[CalendarDate] = Field(default_factory=list)
    _expectations: tuple[Expectation, ...] = PrivateAttr(default=())
    _document: Document | None = PrivateAttr(default=None)
    """The text the scenario was read from, to place errors found while replaying it."""

    @property
    def expectations(self) -> tuple[Expectation, ...]:
        """What the file expects, in the order stated: events first, then checkpoints."""
        return self._expectations

    @field_validator("events", mode="before")
    @classmethod
    def _events(cls, value: object) -> object:
        if not isinstance(value, list):
            raise ValueError("events is a list of events")
        for item in value:
            if not isinstance(item, dict):
                raise ValueError(f"an event is a mapping with date and type, got {item!r}")
        return value

    def __repr__(self) -> str:
        return short_repr(
            self,
            name=self.name,
            agreement=self.agreement,
            events=len(self.events),
            checkpoints=len(self.checkpoints),
        )


@dataclass(frozen=True)
class ParameterOverride:
    """A parameter whose value in force is not its default: the assumption behind an answer.

    ``value`` and ``default`` are JSON-ready (dates as ``YYYY-MM-DD``, ``None`` for null).
    """

    name: str
    value: object
    default: object


@dataclass(frozen=True)
class Simulation:
    """The result of simulating a scenario: the timeline, the checkpoints and the final contract."""

    name: str | None
    agreement: str
    parameters: dict[str, Any]
    steps: Sequence[Step]
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

    def step_versions(self) -> tuple[str, ...]:
        """The agreement version in force after each step (parallel to ``steps``)."""
        return tuple(state.version for state in self.contract.history)

    def rulebooks(self) -> tuple[Rulebook, ...]:
        """The starting version's rulebook, then those of the versions the timeline amends to."""
        agreement = self.contract.agreement
        versions = dict.fromkeys([agreement.version, *self.step_versions()])
        return tuple(agreement.compiled(v).rulebook for v in versions)

    def overrides(self) -> tuple[ParameterOverride, ...]:
        """Every parameter whose value in force differs from its default, in ``parameters`` order.

        The default is that of the first version (starting, then amended to) that defines it.
        """
        defaults: dict[str, object] = {}
        for rulebook in self.rulebooks():
            for p in rulebook.parameters:
                defaults.setdefault(p.name, p.to_json(p.default))
        return tuple(
            ParameterOverride(name, value, defaults[name])
            for name, value in self.parameters.items()
            if name in defaults and value != defaults[name]
        )

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

    def __repr__(self) -> str:
        return short_repr(
            self,
            name=self.name,
            agreement=self.agreement,
            steps=len(self.steps),
            checkpoints=len(self.checkpoints),
        )


def scenario_from_data(data: object, document: Document | None = None) -> Scenario:
    """Validate scenario data; errors are ``InputError``s placed at ``events[3].cloud`` (0-based).

    ``expect`` on an action event and checkpoints written ``{date, expect}`` are read into
    ``Scenario.expectations``; the events and checkpoints are kept without them.
    """
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
        data, stated = _split_expectations(data)
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        error = input_error_from(exc, model=Scenario)
        raise placed(error, document, error.path) from None
    except AgiTermsError as exc:
        raise placed(exc, document, exc.path) from None
    for index, event in enumerate(scenario.events):
        try:
            parse_event(event)
        except AgiTermsError as exc:
            placed_error = exc.within("events", index)
            raise placed(placed_error, document, placed_error.path) from None
    try:
        expectations = _expectations(scenario, stated)
    except AgiTermsError as exc:
        raise placed(exc, document, exc.path) from None
    if document is not None:
        expectations = [_positioned(e, document) for e in expectations]
    scenario._expectations = tuple(expectations)
    scenario._document = document
    return scenario


_Stated = list[tuple[Literal["event", "checkpoint"], int, object]]


def _split_expectations(data: Mapping[str, Any]) -> tuple[dict[str, Any], _Stated]:
    """The scenario data without its ``expect`` statements, and the statements by event or checkpoint."""
    stated: _Stated = []
    plain = dict(data)
    events = data.get("events")
    if isinstance(events, list):
        plain["events"] = []
        for index, event in enumerate(events):
            if isinstance(event, Mapping) and "expect" in event:
                stated.append(("event", index, event["expect"]))
                event = {k: v for k, v in event.items() if k != "expect"}
            plain["events"].append(event)
    checkpoints = data.get("checkpoints")
    if isinstance(checkpoints, list):
        plain["checkpoints"] = []
        for index, checkpoint in enumerate(checkpoints):
            if isinstance(checkpoint, Mapping):
                checkpoint = _checkpoint_date(checkpoint, index)
                if "expect" in checkpoints[index]:
                    stated.append(("checkpoint", index, checkpoints[index]["expect"]))
            plain["checkpoints"].append(checkpoint)
    return plain, stated


def _checkpoint_date(checkpoint: Mapping[Any, Any], index: int) -> dt.date:
    """The date of a checkpoint written as a mapping ``{date: ..., expect: {...}}``."""
    for key in checkpoint:
        if key not in ("date", "expect"):
            raise InputError("unknown field", place=("checkpoints", index, str(key)))
    if "date" not in checkpoint:
        raise InputError("required field is missing", place=("checkpoints", index, "date"))
    try:
        return parse_calendar_date(checkpoint["date"])
    except ValueError as exc:
        raise InputError(str(exc), place=("checkpoints", index, "date")) from None


def _expectations(scenario: Scenario, stated: _Stated) -> list[Expectation]:
    """The statements validated and split into one ``Expectation`` per thing checked."""
    found: list[Expectation] = []
    for on, index, raw in stated:
        where: tuple[PathPart, ...] = (
            "events" if on == "event" else "checkpoints",
            index,
            "expect",
        )
        if on == "event" and scenario.events[index].get("type") in LIFECYCLE_TYPES:
            raise InputError(
                f"expect is for action events; {scenario.events[index]['type']} is a lifecycle"
                " event (state what it changes on a checkpoint)",
                place=where,
            )
        model = _ActionExpect if on == "event" else _CheckpointExpect
        if not isinstance(raw, Mapping):
            raise InputError(
                f"expect is a mapping with any of {', '.join(model.model_fields)}, got {raw!r}",
                place=where,
            )
        try:
            statement = model.model_validate(dict(raw))
        except ValidationError as exc:
            raise input_error_from(exc, model=model).within(*where) from None
        if not statement.stated():
            raise InputError(
                f"expect states at least one of {', '.join(model.model_fields)}", place=where
            )
        found.extend(_split_statement(statement, on, index, where))
    return found


def _split_statement(
    statement: _Expect, on: Literal["event", "checkpoint"], index: int, where: tuple[PathPart, ...]
) -> list[Expectation]:
    found: list[Expectation] = []
    for name in statement.stated():
        value = getattr(statement, name)
        path = (*where, name)
        if name == "because":
            found.extend(
                Expectation(on, index, "because", rule, (*path, i), key=rule)
                for i, rule in enumerate(value)
            )
        elif name == "terms":
            found.extend(
                Expectation(on, index, "term", in_force, (*path, term), key=term)
                for term, in_force in value.items()
            )
        elif name == "obligations":
            found.append(Expectation(on, index, "obligations", tuple(value), path))
        else:
            check: Check = "allowed" if name == "allowed" else "phase"
            found.append(Expectation(on, index, check, value, path))
    return found


def _positioned(expectation: Expectation, document: Document) -> Expectation:
    position = document.position(list(expectation.path))
    if position is None:
        return expectation
    return replace(expectation, line=position[0], column=position[1])


def placed_in(scenario: Scenario, error: AgiTermsError) -> AgiTermsError:
    """``error`` with the line and column of its path in the scenario's text, when known."""
    return placed(error, scenario._document, error.path)


def load_scenario(path: str | Path, *, limits: InputLimits = DEFAULT_LIMITS) -> Scenario:
    """Read and validate a scenario file (YAML 1.2) within ``limits``."""
    return read_document(path, scenario_from_data, limits)


def parse_scenario(
    text: str, name: str = "<scenario>", *, limits: InputLimits = DEFAULT_LIMITS
) -> Scenario:
    """Parse and validate scenario text within ``limits``."""
    return parse_document(text, name, scenario_from_data, limits)


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
            raise placed_in(scenario, exc.within("events")) from None
        if scenario.checkpoints:
            contract = contract.advance_to(max(max(scenario.checkpoints), contract.state.date))
        checkpoints = []
        for index, day in enumerate(scenario.checkpoints):
            try:
                report = contract.terms(on=day)
            except AgiTermsError as exc:
                raise placed_in(scenario, exc.within("checkpoints", index)) from None
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
    """The agreement a scenario runs on: its version with its parameters and ``overrides``.

    An error about a parameter is placed at ``parameters.NAME`` in the scenario, or at
    ``overrides.NAME`` when ``overrides`` set it.
    """
    parameters = {**scenario.parameters, **(overrides or {})}
    try:
        if rules is None:
            _check_parameter_names(scenario, parameters)
        return load_agreement(scenario.agreement, parameters, backend, rules=rules)
    except AgiTermsError as exc:
        error = at_override(exc, overrides or {})
        raise (error if error is not exc else placed_in(scenario, exc)) from None


def amended_versions(scenario: Scenario) -> list[str]:
    """The shipped versions the scenario's amendments name, in order (others fail when run)."""
    return [
        str(e["to"])
        for e in scenario.events
        if e.get("type") == "amendment" and e.get("to") in available_versions()
    ]


def _check_parameter_names(scenario: Scenario, parameters: Mapping[str, object]) -> None:
    """A scenario may set the parameters of its version and of every version it amends to."""
    try:
        rulebook = load_rulebook(scenario.agreement)
    except AgiTermsError as exc:  # UnknownVersionError, with the shipped list
        raise exc.within("agreement") from None
    check_names(rulebook, parameters, accepted_names(rulebook, amended_versions(scenario)))


def parse_set_option(text: str, limits: InputLimits = DEFAULT_LIMITS) -> tuple[str, object]:
    """``NAME=VALUE`` from ``--set``; the value is read as a YAML 1.2 scalar (``null``, ``5e27``).

    A value that is not YAML is taken as text; one past ``limits`` is refused.
    """
    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise InputError(f"--set takes NAME=VALUE, got {text!r}", place="--set")
    try:
        value = parse_yaml(raw.strip() or "null", "--set", limits).data
    except InputLimitError:
        raise
    except AgiTermsError:
        value = raw.strip()
    if isinstance(value, dict | list):
        raise InputError(f"--set {name}: the value is a single scalar, got {raw!r}", place="--set")
    if isinstance(value, dt.date):
        value = parse_calendar_date(value)
    return name, value

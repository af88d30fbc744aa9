"""The operations every door serves (SPEC §14): one function per question, typed requests in,
typed results out, the same JSON whichever door asks (CLI, HTTP, MCP, the explorer page).

=====================  ============================  ==============================================
operation              request                       result (``.to_json()``)
=====================  ============================  ==============================================
``list_versions``      (none)                        ``VersionList``: ``[{"id","title","effective"}]``
``describe_version``   ``DescribeVersionRequest``    ``VersionDescription``: phases, terms,
                                                     parameters, actions, sources
``sources``            (none)                        ``SourceList``: ``{id: entry}``
``get_source``         ``GetSourceRequest``          ``SourceEntry`` (``UnknownSourceError`` if none)
``simulate``           ``SimulateRequest``           ``SimulateResult``: SPEC §7's JSON + sources
``terms_on``           ``TermsOnRequest``            ``TermsOnResult``: date, phase, terms, sources
``decide``             ``DecideRequest``             ``DecisionResult``: allowed, obligations,
                                                     because, sources (nothing stored)
``explain``            ``ExplainRequest``            ``Explanation`` (``explain --format json``)
``diff``               ``DiffRequest``               ``DiffResult`` (``diff A B --format json``)
``montecarlo``         ``MonteCarloRequest``         ``MonteCarloResult`` (SPEC §10's JSON);
                                                     ``runs`` above ``max_runs`` is refused
=====================  ============================  ==============================================

``simulate_scenario`` is ``simulate`` for a ``Scenario`` already read (a file, with line numbers
for its errors). Every refusal is an ``AgiTermsError`` with a place (``events[3].cloud``), as the
CLI prints it and the service answers it (422). ``parse_request(Model, data)`` validates a door's
raw input into a request, its refusals placed the same way. Nothing here stores anything, reads
the clock or keeps state between calls.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from agi_terms.errors import AgiTermsError, InputError
from agi_terms.operations.models import (
    DEFAULT_MAX_RUNS,
    DEFAULT_VERSION,
    ActionInfo,
    CheckpointJSON,
    CitedSource,
    DecideRequest,
    DecisionResult,
    DescribeVersionRequest,
    DiffRequest,
    DiffResult,
    ExplainRequest,
    GetSourceRequest,
    MonteCarloRequest,
    ParameterInfo,
    PhaseInfo,
    RuleInfo,
    ScenarioInput,
    SimulateRequest,
    SimulateResult,
    SourceEntry,
    SourceList,
    StepJSON,
    TermInfo,
    TermsOnRequest,
    TermsOnResult,
    VersionDescription,
    VersionList,
    VersionSummary,
)

if TYPE_CHECKING:
    from agi_terms.analysis.montecarlo import MonteCarloResult
    from agi_terms.analysis.scenario import Scenario, Simulation
    from agi_terms.evaluation.contract import Contract
    from agi_terms.evaluation.explain import Explanation
    from agi_terms.evaluation.results import Decision

__all__ = [
    "DEFAULT_MAX_RUNS",
    "DEFAULT_VERSION",
    "ActionInfo",
    "CheckpointJSON",
    "CitedSource",
    "DecideRequest",
    "DecisionResult",
    "DescribeVersionRequest",
    "DiffRequest",
    "DiffResult",
    "ExplainRequest",
    "GetSourceRequest",
    "MonteCarloRequest",
    "ParameterInfo",
    "PhaseInfo",
    "RuleInfo",
    "ScenarioInput",
    "SimulateRequest",
    "SimulateResult",
    "SourceEntry",
    "SourceList",
    "StepJSON",
    "TermInfo",
    "TermsOnRequest",
    "TermsOnResult",
    "UnknownSourceError",
    "VersionDescription",
    "VersionList",
    "VersionSummary",
    "decide",
    "decision_result",
    "describe_version",
    "diff",
    "explain",
    "get_source",
    "list_versions",
    "montecarlo",
    "parse_request",
    "simulate",
    "simulate_scenario",
    "simulation_result",
    "sources",
    "terms_on",
]

R = TypeVar("R", bound=BaseModel)


class UnknownSourceError(InputError):
    """A source id the register lacks (the service answers 404)."""


def parse_request(model: type[R], data: object) -> R:
    """``data`` (a door's decoded JSON) as a request of ``model``; an ``InputError`` placed at the
    first bad key (``events[0]``, ``action``) otherwise."""
    from agi_terms.events import input_error_from

    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error_from(exc, model=model) from None


# ---------------------------------------------------------------- versions and sources


def list_versions() -> VersionList:
    """Every shipped agreement version, oldest first."""
    from agi_terms.rulebook import available_versions, load_rulebook

    return VersionList(
        [
            VersionSummary(id=r.version, title=r.title, effective=r.effective)
            for r in map(load_rulebook, available_versions())
        ]
    )


def describe_version(request: DescribeVersionRequest) -> VersionDescription:
    """What ``request.version`` holds: phases, terms, parameters, the actions it decides (with
    their rules), and the register's entry for every source these cite."""
    from agi_terms.rulebook import load_rulebook

    try:
        rulebook = load_rulebook(request.version)
    except AgiTermsError as exc:
        raise exc.within("version") if not exc.path else exc from None
    phases = [
        PhaseInfo(id=p.id, meaning=p.meaning, source=p.source) for p in rulebook.lifecycle.phases
    ]
    terms = [
        TermInfo(id=t.id, holder=t.holder, title=t.title, meaning=t.meaning, source=t.source)
        for t in rulebook.terms
    ]
    parameters = []
    for p in rulebook.parameters:
        fields: dict[str, Any] = {
            "name": p.name,
            "default": p.to_json(p.default),
            "source": p.source,
            "note": p.meaning,
        }
        if p.choices:
            fields["choices"] = list(p.choices)
        parameters.append(ParameterInfo(**fields))
    actions = [
        ActionInfo(
            type=kind,
            rules=[
                RuleInfo(rule=r.id, effect=r.effect, obligation=r.obligation, source=r.source)
                for r in rules
            ],
        )
        for kind, rules in rulebook.decisions.items()
    ]
    cited = rulebook.sources.cited(
        [
            *(p.source for p in rulebook.lifecycle.phases),
            *(t.source for t in rulebook.terms),
            *(p.source for p in rulebook.parameters),
            *(r.source for rules in rulebook.decisions.values() for r in rules),
        ]
    )
    return VersionDescription(
        id=rulebook.version,
        title=rulebook.title,
        effective=rulebook.effective,
        phases=phases,
        terms=terms,
        parameters=parameters,
        actions=actions,
        sources=_sources(cited),
    )


def sources() -> SourceList:
    """Every entry of the source register, by id, in the register's order."""
    from agi_terms.rulebook.loader import shipped_sources

    return SourceList({s.id: SourceEntry.model_validate(s.to_json()) for s in shipped_sources()})


def get_source(request: GetSourceRequest) -> SourceEntry:
    """The register's entry of ``request.id``; ``UnknownSourceError`` (placed at ``id``) if none."""
    from agi_terms.rulebook.loader import shipped_sources

    entry = shipped_sources().get(request.id)
    if entry is None:
        raise UnknownSourceError(f"unknown source id {request.id!r}", place="id")
    return SourceEntry.model_validate(entry.to_json())


# ---------------------------------------------------------------- scenarios and histories


def _scenario(data: ScenarioInput | Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Scenario:
    from agi_terms.analysis.scenario import scenario_from_data

    raw = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
    try:
        return scenario_from_data(raw)
    except AgiTermsError as exc:
        raise exc.within(*prefix) from None


def _replay(scenario: Scenario, backend: str | None, prefix: tuple[str, ...] = ()) -> Simulation:
    from agi_terms.analysis.scenario import simulate as replay

    try:
        return replay(scenario, backend=backend)
    except AgiTermsError as exc:
        raise exc.within(*prefix) from None


def _sources(cited: Mapping[str, Mapping[str, Any]]) -> dict[str, CitedSource]:
    return {k: CitedSource.model_validate(v) for k, v in cited.items()}


def simulation_result(result: Simulation) -> SimulateResult:
    """The ``simulate`` answer of a simulation already run (``simulate --format json``)."""
    return SimulateResult.model_validate(result.to_json())


def simulate_scenario(
    scenario: Scenario,
    *,
    overrides: Mapping[str, object] | None = None,
    backend: str | None = None,
    rules: str | Path | None = None,
) -> SimulateResult:
    """``simulate`` for a scenario already read, with ``overrides`` on top of its parameters."""
    from agi_terms.analysis.scenario import simulate as replay

    with replay(scenario, overrides=overrides, backend=backend, rules=rules) as result:
        return simulation_result(result)


def simulate(request: SimulateRequest, *, backend: str | None = None) -> SimulateResult:
    """Replay the scenario into SPEC §7's timeline and checkpoints, with ``sources``."""
    return simulate_scenario(_scenario(request), backend=backend)


def terms_on(request: TermsOnRequest, *, backend: str | None = None) -> TermsOnResult:
    """The phase and every term on ``request.date`` given the scenario's events dated on or
    before it, with the sources of the rules that decided each term."""
    from agi_terms.events import parse_calendar_date

    try:
        day = parse_calendar_date(request.date)
    except ValueError as exc:
        raise InputError(str(exc), place="date") from None
    with _replay(_scenario(request.scenario, ("scenario",)), backend, ("scenario",)) as result:
        contract = result.contract
        try:
            report = contract.terms(on=day)
        except AgiTermsError as exc:
            raise exc.within("date") if not exc.path else exc from None
        cited = contract.agreement.sources.cited(
            c.source for status in report.terms.values() for c in status.because
        )
    return TermsOnResult(
        date=report.date, phase=report.phase, terms=report.in_force(), sources=_sources(cited)
    )


def _history(request: DecideRequest | ExplainRequest) -> Scenario:
    return _scenario(
        {"agreement": request.agreement, "parameters": request.parameters, "events": request.events}
    )


def decide(request: DecideRequest, *, backend: str | None = None) -> DecisionResult:
    """Decide ``request.action`` on its date given the history of ``request.events``; nothing is
    stored. The decision carries the register's entry of every source its rules cite."""
    from agi_terms.events import parse_event

    with _replay(_history(request), backend) as result:
        contract = result.contract
        try:
            decision = contract.decide(parse_event(request.action))
        except AgiTermsError as exc:
            raise exc.within("action") from None
        return decision_result(contract, decision)


def decision_result(contract: Contract, decision: Decision) -> DecisionResult:
    """The ``decide`` answer of a decision already taken on ``contract``: the decision with the
    register's entry of every source its rules cite."""
    cited = contract.agreement.sources.cited(c.source for c in decision.because)
    return DecisionResult.model_validate({**decision.to_json(), "sources": cited})


def explain(request: ExplainRequest, *, backend: str | None = None) -> Explanation:
    """Why ``request.term`` is (not) in force on ``request.date``, or why ``request.action`` is
    (not) allowed on its date, given the history; the JSON of ``explain --format json``."""
    from agi_terms.events import parse_event

    if (request.term is None) == (request.action is None):
        raise InputError("give exactly one of term (with date) and action", place="term")
    if request.term is not None and request.date is None:
        raise InputError("term needs a date (YYYY-MM-DD)", place="date")
    with _replay(_history(request), backend) as result:
        contract = result.contract
        if request.action is not None:
            try:
                return contract.explain(action=parse_event(request.action), detail=request.detail)
            except AgiTermsError as exc:
                raise exc.within("action") from None
        try:
            return contract.explain(request.date, term=request.term, detail=request.detail)
        except AgiTermsError as exc:
            raise (exc if exc.path else exc.within("date")) from None


def diff(request: DiffRequest, *, backend: str | None = None) -> DiffResult:
    """How versions ``a`` and ``b`` differ, situation by situation (``diff A B --format json``)."""
    from agi_terms.analysis.diff import diff_versions
    from agi_terms.rulebook import load_rulebook

    for place, version in (("a", request.a), ("b", request.b)):
        try:
            load_rulebook(version)
        except AgiTermsError as exc:
            raise (exc if exc.path else exc.within(place)) from None
    data = diff_versions(request.a, request.b, request.parameters, backend)
    return DiffResult.model_validate(data)


def montecarlo(
    request: MonteCarloRequest | Mapping[str, Any], *, max_runs: int = DEFAULT_MAX_RUNS
) -> MonteCarloResult:
    """Run the population the assumptions describe (SPEC §10's JSON); an assumptions document
    asking for more than ``max_runs`` runs is refused (placed at ``runs``) before any is run."""
    from agi_terms.analysis.montecarlo import run_montecarlo
    from agi_terms.analysis.montecarlo.assumptions import assumptions_from_data

    data = request.root if isinstance(request, MonteCarloRequest) else dict(request)
    assumptions = assumptions_from_data(data)
    if assumptions.runs is not None and assumptions.runs > max_runs:
        raise InputError(
            f"at most {max_runs:,} runs in one call, got {assumptions.runs:,}", place="runs"
        )
    return run_montecarlo(assumptions)

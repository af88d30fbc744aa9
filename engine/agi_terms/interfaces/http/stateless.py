"""The stateless endpoints of the service (SPEC §14): each one operation of ``agi_terms.operations``,
its request as the body, its result as the answer, nothing stored.

``GET /versions``, ``GET /versions/{v}``, ``GET /sources``, ``GET /sources/{id}``, ``POST
/simulate``, ``POST /decide``, ``POST /explain``, ``POST /montecarlo`` (``runs`` at most the
server's ``max_runs``), ``POST /diff``. Bad input is 422 ``{"error": {"place", "message"}}``, an
unknown version or source id in the path 404, as ``create_app``'s handlers answer every
``AgiTermsError``.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations at runtime.

from typing import TYPE_CHECKING, Annotated, Any

from agi_terms import operations
from agi_terms.errors import UnknownVersionError
from agi_terms.evaluation.explain import Explanation
from agi_terms.interfaces.http.answers import ErrorBody, error_json
from agi_terms.operations.models import (
    DecideRequest,
    DecisionResult,
    DiffRequest,
    DiffResult,
    ExplainRequest,
    MonteCarloRequest,
    SimulateRequest,
    SimulateResult,
    SourceEntry,
    VersionDescription,
    VersionSummary,
)

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse


def add_operation_routes(
    app: "FastAPI",
    *,
    respond: "type[JSONResponse]",
    errors: dict[int | str, dict[str, Any]],
    backend: str | None,
    max_runs: int,
) -> None:
    """Add the stateless endpoints to ``app``, answering with ``respond`` (the app's JSON class)."""
    from fastapi import Path as PathParam

    from agi_terms.analysis.montecarlo.result import MonteCarloResult

    JSON = respond

    @app.get(
        "/versions",
        response_model=list[VersionSummary],
        operation_id="listVersions",
        tags=["versions and sources"],
        responses=errors,
    )
    def list_versions() -> "JSONResponse":
        """Every shipped agreement version, oldest first: id, title, the date it takes effect."""
        return JSON(operations.list_versions().to_json())

    @app.get(
        "/versions/{version}",
        response_model=VersionDescription,
        operation_id="describeVersion",
        tags=["versions and sources"],
        responses={
            404: {"model": ErrorBody, "description": "No shipped version with this id"},
            **errors,
        },
    )
    def describe_version(
        version: Annotated[str, PathParam(description="A version id such as 2025-10")],
    ) -> "JSONResponse":
        """What a version holds: phases, terms, parameters and the actions it decides, with the
        sources they cite."""
        try:
            request = operations.DescribeVersionRequest(version=version)
            answer = operations.describe_version(request)
        except UnknownVersionError as exc:
            return JSON(error_json(exc.place or "version", exc.message), status_code=404)
        return JSON(answer.to_json())

    @app.get(
        "/sources",
        response_model=dict[str, SourceEntry],
        operation_id="listSources",
        tags=["versions and sources"],
        responses=errors,
    )
    def list_sources() -> "JSONResponse":
        """Every entry of the source register, by id (``rules/sources.yaml``)."""
        return JSON(operations.sources().to_json())

    @app.get(
        "/sources/{id}",
        response_model=SourceEntry,
        operation_id="getSource",
        tags=["versions and sources"],
        responses={404: {"model": ErrorBody, "description": "No source with this id"}, **errors},
    )
    def get_source(id: str) -> "JSONResponse":
        """One entry of the source register."""
        try:
            entry = operations.get_source(operations.GetSourceRequest(id=id))
        except operations.UnknownSourceError as exc:
            return JSON(error_json(exc.place, exc.message), status_code=404)
        return JSON(entry.to_json())

    @app.post(
        "/simulate",
        response_model=SimulateResult,
        operation_id="simulate",
        tags=["operations"],
        responses=errors,
    )
    def simulate(body: SimulateRequest) -> "JSONResponse":
        """Replay a scenario (the keys of a scenario file, SPEC §7) into its timeline and
        checkpoints, with the sources cited: the JSON of ``agi-terms simulate --format json``."""
        return JSON(operations.simulate(body, backend=backend).to_json())

    @app.post(
        "/decide",
        response_model=DecisionResult,
        operation_id="decideAction",
        tags=["operations"],
        responses=errors,
    )
    def decide(body: DecideRequest) -> "JSONResponse":
        """Decide an action on its date given a history of events; nothing is stored."""
        return JSON(operations.decide(body, backend=backend).to_json())

    @app.post(
        "/explain",
        response_model=Explanation,
        operation_id="explainQuestion",
        tags=["operations"],
        responses=errors,
    )
    def explain(body: ExplainRequest) -> "JSONResponse":
        """Why a term is (not) in force on a date, or why an action is (not) allowed, given a
        history of events: the JSON of ``agi-terms explain --format json``."""
        return JSON(operations.explain(body, backend=backend).to_json())

    @app.post(
        "/montecarlo",
        response_model=MonteCarloResult,
        operation_id="montecarlo",
        tags=["operations"],
        responses=errors,
    )
    def montecarlo(body: MonteCarloRequest) -> "JSONResponse":
        """Run the population an assumptions document describes (SPEC §10); ``runs`` above the
        server's limit is 422."""
        return JSON(operations.montecarlo(body, max_runs=max_runs).to_json())

    @app.post(
        "/diff",
        response_model=DiffResult,
        operation_id="diffVersions",
        tags=["operations"],
        responses=errors,
    )
    def diff(body: DiffRequest) -> "JSONResponse":
        """How two versions differ, situation by situation: ``agi-terms diff A B --format json``."""
        return JSON(operations.diff(body, backend=backend).to_json())

"""The HTTP service (SPEC §11): contracts kept in a store, driven and questioned over JSON.

``create_app(store)`` builds the FastAPI application; ``agi-terms serve --db FILE`` runs it with
uvicorn. Both need the ``service`` extra (``pip install 'agi-terms[service]'``); this module imports
FastAPI only when an application is built, so the CLI stays light.

Bad input answers 422 with ``{"error": {"place", "message"}}`` (the place as in the library:
``events[3].cloud``) and stores nothing; an unknown contract answers 404, a stale
``expected_version`` 409, with the same error shape. Every answer that holds decisions or rules
carries ``sources``: the register's entry for each source id they cite (SPEC §12), and
``GET /sources`` lists the register.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
# runtime, and the endpoints are defined inside ``create_app`` next to their local imports.

import json
from collections.abc import Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agi_terms.errors import AgiTermsError, InputError, render_path
from agi_terms.evaluation.results import Change, Citation, Decision, Step, step_citations
from agi_terms.events import CalendarDate, Event, path_of
from agi_terms.facts import LEVEL_NAMES
from agi_terms.rulebook.loader import shipped_sources
from agi_terms.store import (
    DEFAULT_BACKEND,
    ContractExistsError,
    ContractStore,
    UnknownContractError,
    VersionConflictError,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

POSITIVE_FIELDS = ("amount_usd", "training_flop")
SERVICE_EXTRA_HINT = "agi-terms serve needs the service extra: pip install 'agi-terms[service]'"


# ---------------------------------------------------------------- request and response bodies


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NewContract(_Body):
    """``POST /contracts``: the agreement version and parameter overrides (both optional)."""

    agreement: StrictStr = "2025-10"
    parameters: dict[str, Any] = Field(default_factory=dict)


class NewEvents(_Body):
    """``POST /contracts/{id}/events``: events to apply and store together, and the version expected."""

    events: list[Event]
    expected_version: int | None = Field(default=None, ge=0)


class DecideAction(_Body):
    """``POST /contracts/{id}/decide``: an action event to decide without recording it."""

    action: Event


class ErrorDetail(BaseModel):
    place: str
    message: str


class ErrorBody(BaseModel):
    """Every refusal: where in the input, and why."""

    error: ErrorDetail


class Created(BaseModel):
    id: str
    version: int


class CitedSource(BaseModel):
    """A source's entry in an answer's ``sources`` map (SPEC §12)."""

    title: str
    statement: str
    url: str | None
    date: CalendarDate | None
    confidence: Literal["official", "reported", "interpretation"]


class SourceEntry(CitedSource):
    """An entry of the source register."""

    id: str
    kind: str
    quote: str | None
    publisher: str | None


class DecisionJSON(Decision):
    """A decision with the register's entry for every source its rules cite."""

    sources: dict[str, CitedSource]


class StepJSON(BaseModel):
    """A timeline step (SPEC §7)."""

    date: CalendarDate
    type: str
    phase: str
    decision: Decision | None
    changes: list[Change]


class Appended(BaseModel):
    version: int
    steps: list[StepJSON]
    sources: dict[str, CitedSource]


class Timeline(BaseModel):
    steps: list[StepJSON]
    sources: dict[str, CitedSource]


class TermsOn(BaseModel):
    """The phase and every term of the version in force on ``date`` (SPEC §7 checkpoint)."""

    date: CalendarDate
    phase: str
    terms: dict[str, bool]


class Explanation(BaseModel):
    """One term on a date: in force or not, why (``granted``/``ended``/``not_granted``), the rules."""

    date: CalendarDate
    phase: str
    term: str
    in_force: bool
    reason: Literal["granted", "ended", "not_granted"]
    because: list[Citation]
    sources: dict[str, CitedSource]


def error_json(place: str, message: str) -> dict[str, Any]:
    return {"error": {"place": place, "message": " ".join(message.split())}}


def _steps_json(steps: Sequence[Step]) -> list[dict[str, Any]]:
    return [s.to_json() for s in steps]


def _line_column(body: bytes, position: int) -> str:
    before = body[:position].decode("utf-8", errors="replace")
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return f"line {line}, column {column}"


def validation_error_json(errors: Sequence[Any], body: bytes) -> dict[str, Any]:
    """The first of FastAPI's validation errors with the place named as the library names it."""
    from agi_terms.events import _message_of

    first: Mapping[str, Any] = (
        errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    )
    loc = tuple(first.get("loc", ()))
    kind = first.get("type", "")
    if loc[:1] in {("body",), ("query",), ("path",)}:
        loc = loc[1:]
    if kind == "json_invalid":
        position = loc[0] if loc and isinstance(loc[0], int) else 0
        detail = (first.get("ctx") or {}).get("error", "invalid JSON")
        return error_json(_line_column(body, position), f"malformed JSON: {detail}")
    if kind in {"union_tag_invalid", "union_tag_not_found"}:
        loc = (*loc, "type")
    if not loc and kind in {"missing", "model_attributes_type", "dict_type", "model_type"}:
        return error_json(
            "",
            "the request body must be a JSON object, sent with Content-Type: application/json",
        )
    return error_json(render_path(path_of(loc, union_tags=True)), _message_of(first))


# ---------------------------------------------------------------- the application


def create_app(
    store: ContractStore | str | Path, *, backend: str | None = DEFAULT_BACKEND
) -> "FastAPI":
    """The service on ``store`` (an open store, or a path to open; then the app closes it on shutdown)."""
    try:
        from fastapi import FastAPI, Query, Request
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse
        from starlette.exceptions import HTTPException
    except ImportError as exc:
        raise InputError(f"{SERVICE_EXTRA_HINT} ({exc})") from None

    own = not isinstance(store, ContractStore)
    contracts = open_store_arg(store, backend)
    # The default agreement is compiled now rather than during the first request.
    contracts.agreements.get(NewContract().agreement, {})

    class JSON(JSONResponse):
        # ASCII output: a lone surrogate from the input (valid JSON) must not break the encoder.
        def render(self, content: Any) -> bytes:
            return json.dumps(
                content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
            ).encode()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        if own:
            contracts.close()

    app = FastAPI(
        title="agi-terms",
        version=_version(),
        summary="Contracts of the Microsoft-OpenAI agreement: events in, terms and decisions out.",
        default_response_class=JSON,
        lifespan=lifespan,
    )
    app.state.store = contracts
    errors: dict[int | str, dict[str, Any]] = {
        422: {"model": ErrorBody, "description": "Bad input; nothing was stored"},
    }
    not_found: dict[int | str, dict[str, Any]] = {
        404: {"model": ErrorBody, "description": "No contract with this id"},
        **errors,
    }

    @app.exception_handler(AgiTermsError)
    async def engine_error(request: Request, exc: AgiTermsError) -> JSONResponse:
        status = 422
        if isinstance(exc, UnknownContractError):
            status = 404
        elif isinstance(exc, VersionConflictError | ContractExistsError):
            status = 409
        elif not isinstance(exc, InputError):
            status = 500  # a store that cannot be used: the server's fault, not the request's
        return JSON(error_json(exc.place, exc.message), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = await request.body()
        return JSON(validation_error_json(exc.errors(), body), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode: bad input too
            return JSON(error_json("", "the request body is not JSON (UTF-8)"), status_code=422)
        return JSON(
            error_json("", str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        return JSON(error_json("", f"internal error: {type(exc).__name__}"), status_code=500)

    links = {
        name: {"operationId": op, "parameters": {"id": "$response.body#/id"}}
        for name, op in [
            ("AppendEvents", "appendEvents"),
            ("GetTerms", "getTerms"),
            ("Decide", "decide"),
            ("GetTimeline", "getTimeline"),
            ("Explain", "explain"),
        ]
    }

    @app.post(
        "/contracts",
        status_code=201,
        response_model=Created,
        operation_id="createContract",
        responses={**errors, 201: {"description": "Created", "links": links}},
    )
    def create_contract(body: NewContract | None = None) -> JSONResponse:
        """Start a contract of an agreement version with parameter overrides."""
        body = body or NewContract()
        cid = contracts.create(body.agreement, body.parameters)
        return JSON({"id": cid, "version": 0}, status_code=201)

    @app.post(
        "/contracts/{id}/events",
        response_model=Appended,
        operation_id="appendEvents",
        responses={
            **not_found,
            409: {"model": ErrorBody, "description": "expected_version is not the stored version"},
        },
    )
    def append_events(id: str, body: NewEvents) -> JSONResponse:
        """Apply and store the events together (all or none); the new version and the new steps."""
        try:
            result = contracts.append(id, body.events, expected_version=body.expected_version)
        except AgiTermsError as exc:
            if exc.path and isinstance(exc.path[0], int):  # the store names the event by its index
                raise exc.within("events") from None
            raise
        sources = result.contract.agreement.sources.cited(step_citations(result.steps))
        return JSON(
            {"version": result.version, "steps": _steps_json(result.steps), "sources": sources}
        )

    @app.get(
        "/contracts/{id}/terms",
        response_model=TermsOn,
        operation_id="getTerms",
        responses=not_found,
    )
    def terms(
        id: str,
        date: str | None = Query(
            None, description="YYYY-MM-DD, on or after the start; default: the last event's date"
        ),
    ) -> JSONResponse:
        """The phase and every term on ``date``, given the events recorded so far dated on or before it."""
        contract = contracts.load(id)
        report = contract.terms(on=date)
        return JSON(
            {"date": report.date.isoformat(), "phase": report.phase, "terms": report.in_force()}
        )

    @app.post(
        "/contracts/{id}/decide",
        response_model=DecisionJSON,
        operation_id="decide",
        responses=not_found,
    )
    def decide(id: str, body: DecideAction) -> JSONResponse:
        """Decide an action on its date without recording it."""
        contract = contracts.load(id)
        try:
            decision = contract.decide(body.action)
        except AgiTermsError as exc:
            raise exc.within("action") from None
        sources = contract.agreement.sources.cited(c.source for c in decision.because)
        return JSON({**decision.to_json(), "sources": sources})

    @app.get(
        "/contracts/{id}/timeline",
        response_model=Timeline,
        operation_id="getTimeline",
        responses=not_found,
    )
    def timeline(id: str) -> JSONResponse:
        """Every step recorded: events and the calendar gates reached."""
        contract = contracts.load(id)
        sources = contract.agreement.sources.cited(step_citations(contract.steps))
        return JSON({"steps": _steps_json(contract.steps), "sources": sources})

    @app.get(
        "/contracts/{id}/explain",
        response_model=Explanation,
        operation_id="explain",
        responses=not_found,
    )
    def explain(
        id: str,
        term: str = Query(..., description="a term id of the version in force on the date"),
        date: str | None = Query(None, description="YYYY-MM-DD; default: the last event's date"),
    ) -> JSONResponse:
        """Whether ``term`` is in force on ``date``, and the rules (with their sources) behind it."""
        contract = contracts.load(id)
        report = contract.terms(on=date)
        status = report.terms.get(term)
        if status is None:
            raise InputError(
                f"unknown term {term!r} in version {report.version}; terms: {', '.join(report.terms)}",
                place="term",
            )
        sources = contract.agreement.sources.cited(c.source for c in status.because)
        return JSON(
            {"date": report.date.isoformat(), "phase": report.phase, **status.to_json(),
             "sources": sources}
        )  # fmt: skip

    @app.get("/sources", response_model=dict[str, SourceEntry], operation_id="listSources")
    def list_sources() -> JSONResponse:
        """Every entry of the source register, by id (``rules/sources.yaml``)."""
        return JSON({s.id: s.to_json() for s in shipped_sources()})

    @app.get(
        "/sources/{id}",
        response_model=SourceEntry,
        operation_id="getSource",
        responses={404: {"model": ErrorBody, "description": "No source with this id"}},
    )
    def get_source(id: str) -> JSONResponse:
        """One entry of the source register."""
        entry = shipped_sources().get(id)
        if entry is None:
            return JSON(error_json("id", f"unknown source id {id!r}"), status_code=404)
        return JSON(entry.to_json())

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            _fix_event_schemas(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _fix_event_schemas(schema: dict[str, Any]) -> None:
    """Describe the events as they are read, where pydantic's schema of the models says otherwise.

    Preparedness levels are given by name (pydantic describes the IntEnum's numbers); ``type`` is
    required (it selects the event; the models give it as a default); amounts are positive.
    """
    for component in schema.get("components", {}).get("schemas", {}).values():
        if component.get("title") == "Level" and component.get("type") == "integer":
            component["type"] = "string"
            component["enum"] = list(LEVEL_NAMES)
        properties = component.get("properties", {})
        kind = properties.get("type", {})
        if "const" in kind and "date" in properties:
            component["required"] = sorted({*component.get("required", []), "type"})
        for name in POSITIVE_FIELDS:
            if properties.get(name, {}).get("type") == "number":
                properties[name]["exclusiveMinimum"] = 0


def open_store_arg(store: ContractStore | str | Path, backend: str | None) -> ContractStore:
    if isinstance(store, ContractStore):
        return store
    return ContractStore(store, backend=backend)


def _version() -> str:
    from agi_terms import __version__

    return __version__


# ---------------------------------------------------------------- the command


@click.command()
@click.option(
    "--db",
    "db",
    required=True,
    type=click.Path(dir_okay=False),
    help="SQLite store file (created if absent).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port."
)
@click.option(
    "--backend",
    type=click.Choice(("python", "durable")),
    default=DEFAULT_BACKEND,
    show_default=True,
    help="Rules backend of the contracts' agreements.",
)
def serve(db: str, host: str, port: int, backend: str) -> None:
    """Serve the contracts in the store DB over HTTP (SPEC §11); OpenAPI at /docs and /openapi.json."""
    from agi_terms.interfaces.cli import fail

    try:
        import uvicorn
    except ImportError:
        fail(InputError(SERVICE_EXTRA_HINT))
        return
    try:
        app = create_app(db, backend=backend)
    except AgiTermsError as exc:
        fail(exc)
        return
    uvicorn.run(app, host=host, port=port, log_level="warning")

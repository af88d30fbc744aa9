"""The HTTP service (SPEC §11): contracts kept in a store, driven and questioned over JSON, beside
the stateless operations of SPEC §14 (``stateless.py``).

``create_app(store, backend=, limits=)`` builds the FastAPI application (middleware and
dependencies are added to what it returns); ``agi-terms serve --db FILE`` (``command.py``) runs it
with uvicorn. Both need the ``service`` extra (``pip install 'agi-terms[service]'``); this module imports
FastAPI only when an application is built, so the CLI stays light.

Bad input answers 422 with ``{"error": {"place", "message"}}`` (the place as in the library:
``events[3].cloud``) and stores nothing; an unknown contract answers 404, a stale
``expected_version`` 409, with the same error shape. Every answer that holds decisions or rules
carries ``sources``: the register's entry for each source id they cite (SPEC §12), and
``GET /sources`` lists the register. What one request may ask is bounded (``ServiceLimits``): a
body over the size limit is 413, a body that is not ``application/json`` 415, and a body is read as
strict JSON (UTF-8, no key twice, nesting bounded) by the same reader as every other input
(``agi_terms.documents``). A store that cannot be used answers 503; whatever fails, the answer is
this JSON shape and the connection stays open for the next request.

For production (SPEC §11 *Dec 2026*): with ``tokens`` every request but ``GET /healthz`` and the
explorer's files needs a bearer token (``authorisation.py``) and acts for its tenant, whose
contracts alone it sees (another tenant's are 404); ``GET /contracts?limit=&after=`` pages through
them by id. An ``Idempotency-Key`` header on ``POST /contracts`` and ``POST /contracts/{id}/events``
makes a retry answer as the first request did and store nothing more (the key with another body is
422). ``GET /healthz`` answers while the process serves, ``GET /readyz`` while the store answers.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
# runtime, and the endpoints are defined inside ``create_app`` next to their local imports.

import asyncio
import dataclasses
import json
from collections.abc import Callable, Coroutine, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from agi_terms.documents import DEFAULT_LIMITS, InputLimits, MiB, parse_json, size_text
from agi_terms.errors import AgiTermsError, InputError, render_path
from agi_terms.evaluation.results import Citation, Decision, Step, step_citations
from agi_terms.events import ACTION_TYPES, LARGEST_NUMBER, CalendarDate, Event, path_of
from agi_terms.facts import LEVEL_NAMES
from agi_terms.interfaces.http.answers import ErrorBody, error_json
from agi_terms.interfaces.http.authorisation import BearerTokens, tenant_of
from agi_terms.interfaces.http.stateless import add_operation_routes
from agi_terms.operations.models import DEFAULT_MAX_RUNS, CitedSource, StepJSON
from agi_terms.schemas import parameter_schema
from agi_terms.store import (
    CONTRACT_ID,
    DEFAULT_BACKEND,
    DEFAULT_MAX_AGREEMENT_BYTES,
    DEFAULT_MAX_AGREEMENTS,
    ContractExistsError,
    ContractInfo,
    IdempotencyKeyReusedError,
    Store,
    StoreError,
    UnknownContractError,
    VersionConflictError,
    open_store,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from agi_terms.interfaces.http.tokens import Tokens

POSITIVE_FIELDS = ("amount_usd", "training_flop")
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,255}$"
"""An ``Idempotency-Key``: 1-255 visible ASCII characters (a UUID, say)."""
MAX_PAGE = 1000
"""The most contracts one ``GET /contracts`` lists."""
SERVICE_EXTRA_HINT = "agi-terms serve needs the service extra: pip install 'agi-terms[service]'"
CONTRACT_ID_PATTERN = f"^{CONTRACT_ID.pattern}$"


@dataclasses.dataclass(frozen=True)
class ServiceLimits:
    """What one request may ask of the service, and what ``serve`` allows each connection.

    ``max_body_bytes`` (413 above) and ``max_events`` per append (422 above) are SPEC §11's;
    ``max_depth`` bounds the nesting of a JSON body. ``max_agreements`` and
    ``max_agreement_bytes`` bound the store's cache of compiled agreements (each distinct parameter
    set a client sends is one). ``serve`` closes a connection whose request headers have not
    arrived ``header_timeout`` seconds after it opened (or after its last answer), or whose body
    has not arrived ``body_timeout`` seconds after its headers, and answers 503 to connections
    beyond ``max_connections``. A ``POST /montecarlo`` asking for more than ``max_runs`` runs is 422.
    ``GET /readyz`` answers 503 when the database has not answered within ``ready_timeout`` seconds.
    """

    max_body_bytes: int = MiB
    max_events: int = 1000
    max_depth: int = DEFAULT_LIMITS.max_depth
    max_agreements: int = DEFAULT_MAX_AGREEMENTS
    max_agreement_bytes: int = DEFAULT_MAX_AGREEMENT_BYTES
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 1000
    max_runs: int = DEFAULT_MAX_RUNS
    ready_timeout: float = 2.0

    def __post_init__(self) -> None:
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise InputError(f"{field.name} is a number > 0, got {value!r}", place=field.name)

    @property
    def body(self) -> InputLimits:
        """The limits a request body is read within."""
        return InputLimits(max_bytes=self.max_body_bytes, max_depth=self.max_depth)


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


class Created(BaseModel):
    id: str
    version: int


class DecisionJSON(Decision):
    """A decision with the register's entry for every source its rules cite."""

    sources: dict[str, CitedSource]


class Appended(BaseModel):
    version: int
    steps: list[StepJSON]
    sources: dict[str, CitedSource]


class ContractSummary(BaseModel):
    """A stored contract of the tenant: its id, agreement version, parameter overrides and version
    (its number of events, what ``expected_version`` is compared with)."""

    id: str
    agreement: str
    parameters: dict[str, Any]
    version: int


class ContractPage(BaseModel):
    """``GET /contracts``: the tenant's contracts by id, and the ``after`` of the next page
    (``null`` on the last)."""

    contracts: list[ContractSummary]
    next: str | None


class Health(BaseModel):
    """``GET /healthz``: the process answers."""

    status: Literal["ok"]


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


def _error_status(exc: AgiTermsError) -> int:
    if isinstance(exc, UnknownContractError):
        return 404
    if isinstance(exc, VersionConflictError | ContractExistsError):
        return 409
    if isinstance(exc, InputError):
        return 422
    if isinstance(exc, StoreError):
        return 503  # the store cannot be used: the server's state, not the request's fault
    return 500


JSON_MEDIA_TYPE = "application/json"


def check_media_type(content_type: str | None) -> str | None:
    """Why a body with this ``Content-Type`` is not read (``None``: it is ``application/json``,
    with no charset or UTF-8's)."""
    if content_type is None:
        return f"a request body needs Content-Type: {JSON_MEDIA_TYPE}"
    kind, _, rest = content_type.partition(";")
    if kind.strip().lower() != JSON_MEDIA_TYPE:
        return f"the body is read as {JSON_MEDIA_TYPE} only, not {kind.strip() or 'nothing'}"
    for parameter in rest.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in {
            "utf-8",
            "utf8",
        }:
            return f"JSON is read in UTF-8 only, not charset={value.strip()}"
    return None


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
    if loc[:1] in {("body",), ("query",), ("path",), ("header",)}:
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


class RequestGuard:
    """ASGI middleware: a body past ``max_body_bytes`` is 413 (before it is read when its length
    is announced), and a failure of any kind is a JSON 500 that leaves the connection usable."""

    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self) -> str:
        return f"the request body is larger than the limit of {size_text(self.max_body_bytes)}"

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.exceptions import HTTPException

        started = False

        async def tracked(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        # The answer comes before the body is read; uvicorn then reads what is still sent and
        # throws it away (bounded by serve's timeouts) and the connection takes the next request,
        # where closing at once would reset it and lose the answer for many clients.
        length = _content_length(scope)
        if length is not None and length > self.max_body_bytes:
            await _answer(send, 413, self._too_large())
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise HTTPException(413, self._too_large())
            return message

        try:
            await self.app(scope, limited, tracked)
        except Exception as exc:
            if not started:  # else the answer is under way, and ending it is all there is left
                await _answer(send, 500, f"internal error: {type(exc).__name__}")


def _content_length(scope: Any) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _answer(send: Any, status: int, message: str) -> None:
    body = json.dumps(error_json("", message), separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


Mount = Callable[[Any, str | None, int], Callable[[], AbstractAsyncContextManager[Any]]]
"""A server to add to the app: ``add(app, backend, max_runs)`` → its lifespan context."""


def create_app(
    store: Store | str | Path,
    *,
    backend: str | None = DEFAULT_BACKEND,
    limits: ServiceLimits | None = None,
    mounts: Sequence[Mount] = (),
    tokens: "Tokens | None" = None,
) -> "FastAPI":
    """The service on ``store`` (an open store, or an SQLite path or ``postgresql://`` URL to open;
    then the app closes it on shutdown).

    With ``tokens`` every request but ``GET /healthz`` and the explorer's files needs one of their
    bearer tokens, with the scope the request needs, and acts for the token's tenant
    (``authorisation.py``); without, every request acts for the tenant ``""``.

    ``mounts`` add other doors to the app (``agi-terms serve`` adds the MCP door's at ``/mcp`` and
    the explorer page at ``/``; ``app.state`` holds ``limits`` and ``json_response`` for them):
    each is called with the app, the backend and the Monte Carlo cap, adds its routes and returns
    the context manager the app's lifespan holds open."""
    try:
        from fastapi import FastAPI, Header, Query, Request
        from fastapi import Path as PathParam
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse, Response
        from fastapi.routing import APIRoute
        from starlette.concurrency import run_in_threadpool
        from starlette.exceptions import HTTPException
    except ImportError as exc:
        raise InputError(f"{SERVICE_EXTRA_HINT} ({exc})") from None

    bounds = limits or ServiceLimits()
    own = not isinstance(store, Store)
    contracts = open_store_arg(store, backend, bounds)
    # The default agreement is compiled now rather than during the first request.
    contracts.agreements.get(NewContract().agreement, {})

    class JSON(JSONResponse):
        # ASCII output: a lone surrogate from the input (valid JSON) must not break the encoder.
        def render(self, content: Any) -> bytes:
            return json.dumps(
                content, ensure_ascii=True, allow_nan=False, separators=(",", ":")
            ).encode()

    class ParsedRequest(Request):
        """The request with its body already read, and read as strict JSON."""

        def __init__(self, request: Request, body: bytes, data: Any) -> None:
            super().__init__(request.scope, request.receive)
            self._read = (body, data)

        async def body(self) -> bytes:
            return self._read[0]

        async def json(self) -> Any:
            return self._read[1]

    class StrictJSONRoute(APIRoute):
        """Reads the body, by the reader every door uses, before FastAPI's lax ``json.loads``
        would: its refusals are answers (413, 415, 422 with what is wrong), not a generic 400."""

        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def strict(request: Request) -> Response:
                body = await request.body()
                if not body:
                    return await handler(request)
                problem = check_media_type(request.headers.get("content-type"))
                if problem is not None:
                    raise HTTPException(415, problem)
                data = parse_json(body, limits=bounds.body)
                return await handler(ParsedRequest(request, body, data))

            return strict

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        async with AsyncExitStack() as stack:
            for session in sessions:
                await stack.enter_async_context(session())
            yield
        if own:
            contracts.close()

    app = FastAPI(
        title="agi-terms",
        version=_version(),
        summary="Contracts of the Microsoft-OpenAI agreement: events in, terms and decisions out.",
        default_response_class=JSON,
        lifespan=lifespan,
        # The interactive pages load their scripts from a CDN: off. /openapi.json describes all.
        docs_url=None,
        redoc_url=None,
    )
    app.router.route_class = StrictJSONRoute
    # Other servers on the same port (the MCP door's /mcp): each adds its routes and gives the
    # context the lifespan holds open.
    app.state.store = contracts
    app.state.limits = bounds
    app.state.json_response = JSON
    sessions = [add(app, backend, bounds.max_runs) for add in mounts]
    app.add_middleware(RequestGuard, max_body_bytes=bounds.max_body_bytes)
    app.state.tokens = tokens
    if tokens is not None:  # added last, so outermost: a caller without a token is refused first
        app.add_middleware(BearerTokens, tokens=tokens)
    common: dict[int | str, dict[str, Any]] = {
        413: {"model": ErrorBody, "description": "The request body is larger than the limit"},
        415: {"model": ErrorBody, "description": "The request body is not application/json"},
        422: {"model": ErrorBody, "description": "Bad input; nothing was stored"},
        503: {"model": ErrorBody, "description": "The store cannot be used"},
    }
    errors = common
    not_found: dict[int | str, dict[str, Any]] = {
        404: {"model": ErrorBody, "description": "No contract with this id"},
        **errors,
    }
    # Any other id names no contract: 404, as for an id of the right form that is not stored.
    ContractId = Annotated[
        str,
        PathParam(
            description="A contract id: 1-128 letters, digits or '_.:-'",
            json_schema_extra={"pattern": CONTRACT_ID_PATTERN},
        ),
    ]
    AsOf = Annotated[
        CalendarDate | None,
        Query(description="YYYY-MM-DD, on or after the start; default: the last event's date"),
    ]
    IdempotencyKey = Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            pattern=IDEMPOTENCY_KEY_PATTERN,
            description="Names this request, per tenant: a repeat with the same key and body"
            " answers as the first did and stores nothing more; the key with another body is 422",
        ),
    ]

    def keyed(exc: IdempotencyKeyReusedError) -> InputError:
        # The store names its argument; over HTTP the key is the header.
        return IdempotencyKeyReusedError(exc.message, place=("Idempotency-Key",))

    @app.exception_handler(AgiTermsError)
    async def engine_error(request: Request, exc: AgiTermsError) -> JSONResponse:
        return JSON(error_json(exc.place, exc.message), status_code=_error_status(exc))

    @app.exception_handler(RequestValidationError)
    async def request_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        body = await request.body()
        return JSON(validation_error_json(exc.errors(), body), status_code=422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI's answer to a body it cannot decode: bad input too
            return JSON(error_json("", "the request body is not JSON (UTF-8)"), status_code=422)
        headers = exc.headers
        if exc.status_code == 405:  # Starlette's Allow names the first route's methods only
            headers = {**(headers or {}), "Allow": ", ".join(_allowed(app, request.scope))}
        return JSON(error_json("", str(exc.detail)), status_code=exc.status_code, headers=headers)

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
    def create_contract(
        request: Request, body: NewContract | None = None, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        """Start a contract of an agreement version with parameter overrides, for the token's
        tenant."""
        body = body or NewContract()
        try:
            cid = contracts.create(
                body.agreement,
                body.parameters,
                tenant=tenant_of(request),
                idempotency_key=idempotency_key,
            )
        except IdempotencyKeyReusedError as exc:
            raise keyed(exc) from None
        return JSON({"id": cid, "version": 0}, status_code=201)

    @app.get(
        "/contracts",
        response_model=ContractPage,
        operation_id="listContracts",
        responses=errors,
    )
    def list_contracts(
        request: Request,
        limit: Annotated[
            int, Query(ge=1, le=MAX_PAGE, description="The most contracts on the page")
        ] = 100,
        after: Annotated[
            str | None,
            Query(
                pattern=CONTRACT_ID_PATTERN,
                description="List the ids after this one (the previous page's next)",
            ),
        ] = None,
    ) -> JSONResponse:
        """The tenant's contracts in id order, a page at a time."""
        found = contracts.contracts(tenant=tenant_of(request), limit=limit + 1, after=after)
        page = found[:limit]
        return JSON(
            {
                "contracts": [_summary(info) for info in page],
                "next": page[-1].id if len(found) > limit else None,
            }
        )

    @app.post(
        "/contracts/{id}/events",
        response_model=Appended,
        operation_id="appendEvents",
        responses={
            **not_found,
            409: {"model": ErrorBody, "description": "expected_version is not the stored version"},
        },
    )
    def append_events(
        request: Request, id: ContractId, body: NewEvents, idempotency_key: IdempotencyKey = None
    ) -> JSONResponse:
        """Apply and store the events together (all or none); the new version and the new steps."""
        if len(body.events) > bounds.max_events:
            raise InputError(
                f"at most {bounds.max_events:,} events in one append, got {len(body.events):,}",
                place="events",
            )
        try:
            result = contracts.append(
                id,
                body.events,
                expected_version=body.expected_version,
                tenant=tenant_of(request),
                idempotency_key=idempotency_key,
            )
        except IdempotencyKeyReusedError as exc:
            raise keyed(exc) from None
        except AgiTermsError as exc:
            if exc.path and isinstance(exc.path[0], int):  # the store names the event by its index
                raise exc.within("events") from None
            raise
        sources = result.contract.agreement.sources.cited(step_citations(result.steps))
        return JSON(
            {"version": result.event_count, "steps": _steps_json(result.steps), "sources": sources}
        )

    @app.get(
        "/contracts/{id}/terms",
        response_model=TermsOn,
        operation_id="getTerms",
        responses=not_found,
    )
    def terms(request: Request, id: ContractId, date: AsOf = None) -> JSONResponse:
        """The phase and every term on ``date``, given the events recorded so far dated on or before it."""
        contract = contracts.load(id, tenant=tenant_of(request))
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
    def decide(request: Request, id: ContractId, body: DecideAction) -> JSONResponse:
        """Decide an action on its date without recording it."""
        contract = contracts.load(id, tenant=tenant_of(request))
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
    def timeline(request: Request, id: ContractId) -> JSONResponse:
        """Every step recorded: events and the calendar gates reached."""
        contract = contracts.load(id, tenant=tenant_of(request))
        sources = contract.agreement.sources.cited(step_citations(contract.steps))
        return JSON({"steps": _steps_json(contract.steps), "sources": sources})

    @app.get(
        "/contracts/{id}/explain",
        response_model=Explanation,
        operation_id="explain",
        responses=not_found,
    )
    def explain(
        request: Request,
        id: ContractId,
        term: Annotated[
            str,
            Query(
                description="a term id of any version (one the version in force lacks is not in"
                " force)",
                json_schema_extra={"enum": all_term_ids()},
            ),
        ],
        date: AsOf = None,
    ) -> JSONResponse:
        """Whether ``term`` is in force on ``date``, and the rules (with their sources) behind it."""
        contract = contracts.load(id, tenant=tenant_of(request))
        report = contract.terms(on=date)
        status = report.terms.get(term)
        head = {"date": report.date.isoformat(), "phase": report.phase}
        if status is None:
            if term not in all_term_ids():
                raise InputError(
                    f"unknown term {term!r} in version {report.version};"
                    f" terms: {', '.join(report.terms)}",
                    place="term",
                )
            # A term the version in force lacks is not in force (SPEC §9).
            return JSON(
                {**head, "term": term, "in_force": False, "reason": "not_granted", "because": [],
                 "sources": {}}
            )  # fmt: skip
        sources = contract.agreement.sources.cited(c.source for c in status.because)
        return JSON({**head, **status.to_json(), "sources": sources})

    add_operation_routes(
        app, respond=JSON, errors=errors, backend=backend, max_runs=bounds.max_runs
    )

    @app.get(
        "/healthz",
        response_model=Health,
        operation_id="health",
        tags=["health"],
        responses=errors,
        openapi_extra={"security": []},
    )
    def health() -> JSONResponse:
        """200 while the process serves (no token needed; the store is not asked)."""
        return JSON({"status": "ok"})

    @app.get(
        "/readyz",
        response_model=Health,
        operation_id="ready",
        tags=["health"],
        responses={
            **errors,
            503: {"model": ErrorBody, "description": "The database does not answer"},
        },
    )
    async def ready() -> JSONResponse:
        """200 when the database answers, else 503."""
        try:
            await asyncio.wait_for(asyncio.shield(ping()), bounds.ready_timeout)
        except TimeoutError:
            raise StoreError(
                f"the database did not answer within {bounds.ready_timeout:g} s"
            ) from None
        return JSON({"status": "ok"})

    pinging: list[asyncio.Future[None]] = []

    def ping() -> asyncio.Future[None]:
        # One question to the database at a time: while it does not answer (a connection waits up
        # to the store's timeout), every probe waits on the same one, for ready_timeout at most.
        if not pinging or pinging[0].done():
            asked = asyncio.ensure_future(run_in_threadpool(contracts.ping))
            # A failure no probe waited for any more is not "never retrieved" noise on stderr.
            asked.add_done_callback(lambda done: done.cancelled() or done.exception())
            pinging[:] = [asked]
        return pinging[0]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            schema = get_openapi(
                title=app.title, version=app.version, summary=app.summary, routes=app.routes
            )
            _fix_event_schemas(schema)
            _state_limits(schema, bounds)
            if tokens is not None:
                _state_security(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _state_security(schema: dict[str, Any]) -> None:
    """Say in the schema that every operation needs a bearer token (those with ``security: []``
    excepted), and what a refusal of one answers."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A token of the server's tokens file (agi-terms token new makes one)",
    }
    schema["security"] = [{"bearer": []}]
    refusals = {
        "401": "No valid bearer token",
        "403": "The token lacks the scope this operation needs (write: it stores; read: else)",
    }
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("security") == []:
                continue
            for status, description in refusals.items():
                operation.setdefault("responses", {})[status] = {
                    "description": description,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                    },
                }


def _allowed(app: "FastAPI", scope: Any) -> list[str]:
    """The methods of every route of ``app`` at the request's path (``GET /contracts`` and ``POST
    /contracts`` are two routes)."""
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        match, _ = route.matches({**scope, "method": ""})
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


def _summary(info: ContractInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "agreement": info.agreement,
        "parameters": dict(info.parameters),
        "version": info.event_count,
    }


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


def _state_limits(schema: dict[str, Any], limits: ServiceLimits) -> None:
    """Say in the schema what the server checks beyond the models' types.

    A new contract is of one of the shipped versions, with that version's parameters (each with
    its type, choices and domain) and those of the versions it may amend to; events in one append
    are at most ``max_events``; amounts are finite (JSON allows 1e400, read as infinity); a
    contracting party's name is not blank.
    """
    components = schema.get("components", {}).get("schemas", {})
    if "NewContract" in components:
        described = components["NewContract"]
        components["NewContract"] = {
            "title": described.get("title", "NewContract"),
            "description": described.get("description", ""),
            "oneOf": new_contract_schemas(),
        }
    events = components.get("NewEvents", {}).get("properties", {}).get("events")
    if events is not None:
        events["maxItems"] = limits.max_events
    action = components.get("DecideAction", {}).get("properties", {}).get("action")
    if action is not None:  # only actions are decided; a lifecycle event is refused
        mapping = {
            t: ref for t, ref in action["discriminator"]["mapping"].items() if t in ACTION_TYPES
        }
        action["discriminator"]["mapping"] = mapping
        action["oneOf"] = [{"$ref": ref} for ref in mapping.values()]
    for component in components.values():
        properties = component.get("properties", {})
        for name in POSITIVE_FIELDS:
            if properties.get(name, {}).get("type") == "number":
                properties[name]["maximum"] = LARGEST_NUMBER
        if component.get("title") == "ComputeContract" and "provider" in properties:
            properties["provider"].update({"minLength": 1, "pattern": r"\S"})


def available_versions_shipped() -> tuple[str, ...]:
    from agi_terms.rulebook import available_versions

    return tuple(available_versions())


def all_term_ids() -> list[str]:
    """Every term id of every shipped version, first seen first."""
    from agi_terms.rulebook import load_rulebook

    return list(
        dict.fromkeys(t for v in available_versions_shipped() for t in load_rulebook(v).term_ids)
    )


def new_contract_schemas() -> list[dict[str, Any]]:
    """One schema of ``POST /contracts`` per shipped version: the version's own parameters as it
    validates them, and those only other versions have as one of those versions accepts them (a
    contract may amend to them). The default version's needs no ``agreement``."""
    from agi_terms.rulebook import load_rulebook

    versions = available_versions_shipped()
    own = {v: {p.name: parameter_schema(p) for p in load_rulebook(v).parameters} for v in versions}
    variants = []
    for version in versions:
        others: dict[str, list[dict[str, Any]]] = {}
        for other in versions:
            for name, value in own[other].items():
                if name not in own[version] and value not in others.setdefault(name, []):
                    others[name].append(value)
        foreign = {n: v[0] if len(v) == 1 else {"anyOf": v} for n, v in others.items()}
        parameters = {
            "type": "object",
            "description": f"Overrides of the parameter defaults of {version} (SPEC §5), and of"
            " the versions a contract may amend to",
            "properties": {**own[version], **foreign},
            "additionalProperties": False,
        }
        variant: dict[str, Any] = {
            "type": "object",
            "properties": {
                "agreement": {"type": "string", "const": version},
                "parameters": parameters,
            },
            "additionalProperties": False,
        }
        if version != NewContract().agreement:
            variant["required"] = ["agreement"]
        variants.append(variant)
    return variants


def open_store_arg(
    store: Store | str | Path, backend: str | None, limits: ServiceLimits | None = None
) -> Store:
    if isinstance(store, Store):
        return store
    limits = limits or ServiceLimits()
    return open_store(
        store,
        backend=backend,
        max_agreements=limits.max_agreements,
        max_agreement_bytes=limits.max_agreement_bytes,
    )


def _version() -> str:
    from agi_terms import __version__

    return __version__

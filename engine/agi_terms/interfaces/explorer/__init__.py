"""The explorer (SPEC §15): a web page, shipped in ``static/``, served at ``/`` by the service.

The page talks to the stateless endpoints of SPEC §14. One endpoint of its own,
``POST /explorer/simulate``, takes the scenario as YAML text (``Content-Type: application/yaml``),
so that an error in the editor is placed at its line and column as ``simulate`` places it in a
file; the answer is that of ``POST /simulate``.
"""

# No ``from __future__ import annotations``: FastAPI reads the endpoints' annotations at runtime.

import contextlib
from collections.abc import Callable
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from agi_terms.documents import InputLimits
from agi_terms.errors import AgiTermsError

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

STATIC: Traversable = files(__name__) / "static"
"""The page's files: ``index.html``, ``explorer.js``, ``explorer.css`` and ``vendor/``."""

_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".md": "text/plain"}


def static_file(path: str) -> tuple[bytes, str] | None:
    """The bytes and media type of ``path`` under ``STATIC`` (``scenario.schema.json``: the
    scenario schema, whose event fields the page's forms are drawn from), or None when there is no
    such file (a path that climbs out of the folder is none)."""
    if path == "scenario.schema.json":
        schema = files("agi_terms.schemas") / path
        return schema.read_bytes(), "application/json"
    parts = [p for p in path.split("/") if p]
    if not parts or any(p in (".", "..") or "\\" in p for p in parts):
        return None
    entry = STATIC
    for part in parts:
        entry = entry / part
    if not entry.is_file():
        return None
    suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
    media = _TYPES.get(suffix, "application/octet-stream")
    return entry.read_bytes(), media + ("; charset=utf-8" if media.startswith("text/") else "")


def error_answer(exc: AgiTermsError) -> dict[str, Any]:
    """``{"error": {"place", "message"}}`` with the ``line`` and ``column`` when known."""
    detail: dict[str, Any] = {"place": exc.place, "message": " ".join(exc.message.split())}
    if exc.line is not None:
        detail["line"] = exc.line
        if exc.column is not None:
            detail["column"] = exc.column
    return {"error": detail}


def mount(
    app: "FastAPI", backend: str | None, max_runs: int
) -> "Callable[[], contextlib.nullcontext[None]]":
    """The page as one of ``create_app``'s mounts: its routes on ``app`` (read within the app's body
    limits, answered with its JSON class); there is nothing for the lifespan to hold open."""
    add_explorer_routes(
        app,
        respond=app.state.json_response,
        backend=backend,
        limits=app.state.limits.body,
    )
    return contextlib.nullcontext


def add_explorer_routes(
    app: "FastAPI", *, respond: "type[JSONResponse]", backend: str | None, limits: InputLimits
) -> None:
    """Serve the page at ``/`` and its files under ``/explorer/``, and add ``POST
    /explorer/simulate`` (YAML in, the answer of ``POST /simulate`` out)."""
    from fastapi import Request
    from fastapi.responses import Response
    from fastapi.routing import APIRoute

    from agi_terms import operations
    from agi_terms.analysis.scenario import parse_scenario
    from agi_terms.analysis.scenario import simulate as replay

    def page_file(path: str) -> Response:
        found = static_file(path)
        if found is None:
            return respond({"error": {"place": "", "message": "no such file"}}, status_code=404)
        body, media = found
        return Response(body, media_type=media, headers={"Cache-Control": "no-cache"})

    def page() -> Response:
        """The explorer page."""
        return page_file("index.html")

    def asset(path: str) -> Response:
        """A file of the page (script, style sheet, the vendored chart library)."""
        return page_file(path)

    async def simulate_yaml(request: Request) -> Response:
        """``POST /simulate`` with the scenario as YAML text (``application/yaml``): errors are
        placed at their path and, when the text shows it, their line and column. The answer adds
        ``start``: the date, phase and terms the contract starts with (the timeline's left edge),
        and ``scenario``: the agreement, parameters and events read (for ``/explain``)."""
        raw = await request.body()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return respond(
                {"error": {"place": "", "message": "the scenario is not UTF-8 text"}},
                status_code=422,
            )
        try:
            scenario = parse_scenario(text, "scenario", limits=limits)
            with replay(scenario, backend=backend) as result:
                answer = operations.simulation_result(result).to_json()
                contract = result.contract
                report = contract.terms(on=contract.start_date)
        except AgiTermsError as exc:
            return respond(error_answer(exc), status_code=422)
        start = {
            "date": contract.start_date.isoformat(),
            "phase": report.phase,
            "terms": report.in_force(),
        }
        read = scenario.model_dump(mode="json", exclude={"name", "checkpoints"})
        return respond({**answer, "start": start, "scenario": read})

    # Plain routes: the service's own route class reads every body as JSON.
    add = app.router.add_api_route
    # The page's own routes stay out of the OpenAPI document (the API is SPEC §11 and §14);
    # the POST comes first so that the files' GET route does not answer for its path.
    add("/explorer/simulate", simulate_yaml, methods=["POST"], include_in_schema=False,
        response_model=None, route_class_override=APIRoute)  # fmt: skip
    add("/", page, methods=["GET"], include_in_schema=False, route_class_override=APIRoute)
    add("/explorer/{path:path}", asset, methods=["GET"], include_in_schema=False,
        route_class_override=APIRoute)  # fmt: skip

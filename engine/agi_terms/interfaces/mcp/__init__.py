"""The Model Context Protocol door (SPEC §14): ``agi-terms mcp`` over stdio, and the same server
mounted at ``/mcp`` on ``serve`` (streamable HTTP, stateless), on the official MCP SDK (``mcp``).

Every tool is one call of the operations layer (``agi_terms.operations``): its input schema is
the JSON Schema of a pydantic request model, its structured content the JSON the HTTP door
answers, and its text names the deciding rules with what their sources say. Bad input is a tool
error (``isError``) whose text is ``PLACE: message``; nothing a caller sends stops the server.
Work is bounded: a Monte Carlo call runs at most ``max_runs`` runs, every call at most
``timeout`` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click
from pydantic import BaseModel, ConfigDict, Field

from agi_terms import operations
from agi_terms.errors import AgiTermsError, InputError
from agi_terms.operations import (
    DecideRequest,
    DescribeVersionRequest,
    DiffRequest,
    ExplainRequest,
    GetSourceRequest,
    MonteCarloRequest,
    SimulateRequest,
    TermsOnRequest,
)

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

MCP_EXTRA_HINT = "the MCP server needs the 'mcp' extra: pip install 'agi-terms[mcp]'"
DEFAULT_MCP_MAX_RUNS = 200_000
"""The most Monte Carlo runs one MCP call may ask for."""
DEFAULT_TIMEOUT = 60.0
"""The longest one MCP call may take, in seconds."""
SOURCES_URI = "agi-terms://sources"
VERSION_URI = "agi-terms://versions/{v}"
RESOURCE_NOT_FOUND = -32002
"""The JSON-RPC error code MCP gives a resource that is not there."""


# ---------------------------------------------------------------- the tools' inputs


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoArgs(_Args):
    """No arguments."""


class SimulateArgs(_Args):
    """``simulate {scenario}``."""

    scenario: SimulateRequest = Field(description="A scenario: the keys of a scenario file")


class History(_Args):
    """The history a question is asked on: a scenario without its checkpoints."""

    name: str | None = None
    agreement: str = operations.DEFAULT_VERSION
    parameters: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)
    checkpoints: list[Any] = Field(default_factory=list, description="Ignored here")


class DecideArgs(_Args):
    """``decide {scenario?, action}``: the decision on ``action`` after the scenario's events."""

    scenario: History = Field(default_factory=History)
    action: dict[str, Any] = Field(description="An action event, e.g. {date, type, ...}")


class ExplainArgs(_Args):
    """``explain {scenario, date, term | action}``."""

    scenario: History = Field(default_factory=History)
    date: str | None = Field(default=None, description="YYYY-MM-DD (with term)")
    term: str | None = None
    action: dict[str, Any] | None = None
    detail: str = "summary"


class MonteCarloArgs(_Args):
    """``montecarlo {assumptions}``."""

    assumptions: dict[str, Any] = Field(description="An assumptions document (SPEC §10) as JSON")


def _history(args: DecideArgs | ExplainArgs) -> dict[str, Any]:
    h = args.scenario
    return {"agreement": h.agreement, "parameters": h.parameters, "events": h.events}


def _in(prefix: str, call: Callable[[], Any]) -> Any:
    """``call()``, its refusals placed inside ``prefix`` (``scenario.events[0]``)."""
    try:
        return call()
    except AgiTermsError as exc:
        raise exc.within(prefix) from None


@dataclass(frozen=True)
class Tool:
    """One MCP tool: its name, what it does, the model of its arguments and how it answers."""

    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any], Any]

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the arguments, from the pydantic model."""
        schema = self.args.model_json_schema()
        schema.setdefault("properties", {})
        return schema

    def __repr__(self) -> str:
        return f"Tool({self.name!r})"


def tools(*, backend: str | None = None, max_runs: int = DEFAULT_MCP_MAX_RUNS) -> list[Tool]:
    """The tools of SPEC §14, each answering the JSON of the same operation over HTTP."""

    def simulate(a: SimulateArgs) -> Any:
        return _in("scenario", lambda: operations.simulate(a.scenario, backend=backend)).to_json()

    def terms_on(a: TermsOnRequest) -> Any:
        return operations.terms_on(a, backend=backend).to_json()

    def decide(a: DecideArgs) -> Any:
        request = operations.parse_request(DecideRequest, {**_history(a), "action": a.action})
        try:
            return operations.decide(request, backend=backend).to_json()
        except AgiTermsError as exc:
            raise (exc if exc.path[:1] == ("action",) else exc.within("scenario")) from None

    def explain(a: ExplainArgs) -> Any:
        data = {**_history(a), "date": a.date, "term": a.term, "action": a.action}
        request = operations.parse_request(ExplainRequest, {**data, "detail": a.detail})
        try:
            return operations.explain(request, backend=backend).to_json()
        except AgiTermsError as exc:
            own = exc.path[:1] in (("action",), ("date",), ("term",), ("detail",))
            raise (exc if own else exc.within("scenario")) from None

    def montecarlo(a: MonteCarloArgs) -> Any:
        request = MonteCarloRequest(a.assumptions)
        run = lambda: operations.montecarlo(request, max_runs=max_runs)  # noqa: E731
        return _in("assumptions", run).to_json()

    return [
        Tool(
            "list_versions",
            "The agreement's versions: [{id, title, effective}].",
            NoArgs,
            lambda a: operations.list_versions().to_json(),
        ),
        Tool(
            "describe_version",
            "One version: its phases, terms, parameters and actions, with sources.",
            DescribeVersionRequest,
            lambda a: operations.describe_version(a).to_json(),
        ),
        Tool(
            "simulate",
            "Replay a scenario: every step's phase, decision and changed terms, and the "
            "checkpoints, with the sources cited.",
            SimulateArgs,
            simulate,
        ),
        Tool(
            "terms_on",
            "The phase and every term in force on a date, given a scenario's events.",
            TermsOnRequest,
            terms_on,
        ),
        Tool(
            "decide",
            "Whether an action is allowed after a scenario's events, its obligations and the "
            "rules that decide it (nothing is stored).",
            DecideArgs,
            decide,
        ),
        Tool(
            "explain",
            "Why a term is or is not in force on a date, or why an action is decided as it is.",
            ExplainArgs,
            explain,
        ),
        Tool(
            "diff",
            "How two versions differ, situation by situation.",
            DiffRequest,
            lambda a: operations.diff(a, backend=backend).to_json(),
        ),
        Tool(
            "montecarlo",
            f"Run a population of scenarios from assumptions (SPEC §10); at most {max_runs:,} runs.",
            MonteCarloArgs,
            montecarlo,
        ),
        Tool(
            "get_source",
            "One entry of the source register: title, statement, quote, url, confidence.",
            GetSourceRequest,
            lambda a: operations.get_source(a).to_json(),
        ),
    ]


# ---------------------------------------------------------------- the text beside the JSON


def _citations(data: Any) -> list[tuple[str, str]]:
    """Every ``{"rule", "source"}`` pair in ``data``, in order, once each."""
    found: list[tuple[str, str]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            rule, source = value.get("rule"), value.get("source")
            pair = (rule, source)
            if isinstance(rule, str) and isinstance(source, str) and pair not in found:
                found.append((rule, source))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


def _statement(ident: str, cited: dict[str, Any]) -> str | None:
    entry = cited.get(ident)
    if isinstance(entry, dict) and isinstance(entry.get("statement"), str):
        return str(entry["statement"])
    try:
        import agi_terms

        return agi_terms.source(ident).statement
    except (AgiTermsError, KeyError, LookupError):
        return None


def summary(tool: str, data: Any, *, most: int = 8) -> str:
    """A short text of an answer: its headline, then the deciding rules, each with its sources'
    statements from the register."""
    head = _headline(tool, data)
    cited = data.get("sources", {}) if isinstance(data, dict) else {}
    lines = [head]
    pairs = _citations(data)
    if isinstance(data, dict) and isinstance(data.get("steps"), list):
        # a simulation: the rules that decided its actions
        pairs = _citations([s.get("decision") for s in data["steps"] if isinstance(s, dict)])
    for rule, source in pairs[:most]:
        ids = [s.strip() for s in source.replace(";", ",").split(",") if s.strip()]
        said = [f"{i}: {st}" for i in ids if (st := _statement(i, cited)) is not None]
        lines.append(f"- {rule} ({source})" + ("".join(f"\n    {s}" for s in said)))
    if len(pairs) > most:
        lines.append(f"- … and {len(pairs) - most} more rules (see the structured content)")
    return "\n".join(lines)


def _headline(tool: str, data: Any) -> str:
    if tool == "list_versions" and isinstance(data, list):
        return "Versions: " + ", ".join(f"{v['id']} ({v['title']})" for v in data)
    if not isinstance(data, dict):
        return f"{tool}: see the structured content."
    if tool == "decide":
        verdict = "allowed" if data.get("allowed") else "not allowed"
        obligations = data.get("obligations") or []
        tail = f"; obligations: {', '.join(obligations)}" if obligations else ""
        return f"The action is {verdict}{tail}. Deciding rules:"
    if tool == "terms_on":
        on = [t for t, v in data.get("terms", {}).items() if v]
        return f"On {data.get('date')} the phase is {data.get('phase')}; in force: " + (
            ", ".join(on) or "no term"
        )
    if tool == "simulate":
        steps = data.get("steps", [])
        last = steps[-1]["phase"] if steps else "(no step)"
        return f"{len(steps)} steps on {data.get('agreement')}; final phase {last}. Deciding rules:"
    if tool == "get_source":
        return f"{data.get('id')}: {data.get('title')} — {data.get('statement')}"
    if tool == "describe_version":
        return (
            f"{data.get('id')}: {data.get('title')} (effective {data.get('effective')}); "
            f"{len(data.get('terms', []))} terms, {len(data.get('actions', []))} actions."
        )
    return f"{tool}: the answer is in the structured content. Rules cited:"


# ---------------------------------------------------------------- the server


def _error_text(exc: AgiTermsError) -> str:
    place = exc.place
    return f"{place}: {exc.message}" if place else exc.message


def create_server(
    *,
    backend: str | None = None,
    max_runs: int = DEFAULT_MCP_MAX_RUNS,
    timeout: float = DEFAULT_TIMEOUT,
) -> Server[Any]:
    """The MCP server (the SDK's low-level ``Server``) with SPEC §14's tools and resources."""
    try:
        import anyio
        import mcp_types as types
        from mcp.server.lowlevel import Server
        from mcp.shared.exceptions import MCPError
    except ImportError as exc:
        raise InputError(f"{MCP_EXTRA_HINT} ({exc})") from None
    from agi_terms import __version__

    by_name = {t.name: t for t in tools(backend=backend, max_runs=max_runs)}

    def failure(text: str) -> types.CallToolResult:
        return types.CallToolResult(content=[types.TextContent(text=text)], is_error=True)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(
            tools=[
                types.Tool(name=t.name, description=t.description, input_schema=t.input_schema())
                for t in by_name.values()
            ]
        )

    def answer(tool: Tool, arguments: dict[str, Any]) -> Any:
        args = operations.parse_request(tool.args, arguments)
        return tool.run(args)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            return failure(f"{params.name}: no such tool; the tools are {', '.join(by_name)}")
        try:
            with anyio.fail_after(timeout):
                data = await anyio.to_thread.run_sync(
                    answer, tool, params.arguments or {}, abandon_on_cancel=True
                )
        except AgiTermsError as exc:
            return failure(_error_text(exc))
        except TimeoutError:
            return failure(f"{tool.name}: the call took longer than {timeout:g} s; ask for less")
        except Exception as exc:  # never a crashed server: the caller is told
            return failure(f"{tool.name}: {type(exc).__name__}: {exc}")
        structured = data if isinstance(data, dict) else {"result": data}
        return types.CallToolResult(
            content=[types.TextContent(text=summary(tool.name, data))],
            structured_content=structured,
        )

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        listed = [
            types.Resource(
                uri=SOURCES_URI,
                name="sources",
                description="The source register (rules/sources.yaml) as JSON",
                mime_type="application/json",
            )
        ]
        for v in operations.list_versions().to_json():
            listed.append(
                types.Resource(
                    uri=VERSION_URI.format(v=v["id"]),
                    name=f"version {v['id']}",
                    description=f"The rule files of {v['id']} ({v['title']})",
                    mime_type="application/yaml",
                )
            )
        return types.ListResourcesResult(resources=listed)

    async def list_templates(ctx: Any, params: Any) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    uri_template=VERSION_URI,
                    name="version",
                    description="The rule files of version v",
                    mime_type="application/yaml",
                )
            ]
        )

    async def read_resource(
        ctx: Any, params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        import json

        uri = str(params.uri)
        if uri == SOURCES_URI:
            text = json.dumps(operations.sources().to_json(), indent=2)
            contents: list[types.TextResourceContents | types.BlobResourceContents] = [
                types.TextResourceContents(uri=uri, text=text, mime_type="application/json")
            ]
            return types.ReadResourceResult(contents=contents)
        prefix = VERSION_URI.split("{", 1)[0]
        if uri.startswith(prefix):
            try:
                files = version_files(uri[len(prefix) :])
            except AgiTermsError as exc:
                raise MCPError(RESOURCE_NOT_FOUND, f"{uri}: {_error_text(exc)}") from None
            contents = [
                types.TextResourceContents(
                    uri=f"{uri}/{name}", text=text, mime_type="application/yaml"
                )
                for name, text in files
            ]
            return types.ReadResourceResult(contents=contents)
        raise MCPError(
            RESOURCE_NOT_FOUND, f"{uri}: no such resource; try {SOURCES_URI} or {VERSION_URI}"
        )

    return Server(
        "agi-terms",
        version=__version__,
        instructions=(
            "Questions about the Microsoft-OpenAI agreement's terms: simulate a scenario, the "
            "terms on a date, decide an action, explain, diff versions, Monte Carlo. Every "
            "answer cites the rules and their sources (get_source gives a source's entry)."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_list_resource_templates=list_templates,
        on_read_resource=read_resource,
    )


def version_files(version: str) -> list[tuple[str, str]]:
    """The rule files of ``version``, as ``(name, text)`` in name order; an unknown version is
    refused as ``describe_version`` refuses it."""
    from agi_terms.rulebook.loader import shipped_rules

    operations.describe_version(DescribeVersionRequest(version=version))
    folder = shipped_rules().joinpath(version)
    return [
        (f.name, f.read_text(encoding="utf-8"))
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith((".yaml", ".yml"))
    ]


# ---------------------------------------------------------------- the transports


def mount(app: Any, **options: Any) -> Callable[[], AbstractAsyncContextManager[None]]:
    """Add the server at ``/mcp`` to the ASGI ``app`` (FastAPI or Starlette): streamable HTTP,
    stateless, JSON answers. Returns the context manager the app's lifespan must hold open (the
    SDK's session manager). ``options`` are ``create_server``'s."""
    server = create_server(**options)
    sub = server.streamable_http_app(
        streamable_http_path="/mcp", stateless_http=True, json_response=True
    )
    app.router.routes.extend(sub.routes)
    run: Callable[[], AbstractAsyncContextManager[None]] = server.session_manager.run
    return run


async def serve_stdio(server: Server[Any]) -> None:
    """Serve ``server`` on standard input and output until the input closes."""
    from mcp.server.stdio import stdio_server

    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


@click.command("mcp")
@click.option(
    "--backend",
    type=click.Choice(("python", "durable")),
    default=None,
    help="Rules backend (default: the engine's).",
)
@click.option("--max-runs", default=DEFAULT_MCP_MAX_RUNS, show_default=True,
              type=click.IntRange(1), help="Most Monte Carlo runs in one call.")  # fmt: skip
@click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True,
              type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Longest time one call may take.")  # fmt: skip
def mcp_command(backend: str | None, max_runs: int, timeout: float) -> None:
    """Serve the agreement's operations to an MCP client over stdio (SPEC §14)."""
    import anyio

    server = create_server(backend=backend, max_runs=max_runs, timeout=timeout)
    anyio.run(serve_stdio, server)

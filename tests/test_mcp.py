"""The MCP door (SPEC §14) through the SDK's own client: in process, over stdio (a subprocess
``agi-terms mcp``) and over streamable HTTP at ``/mcp`` on a started ``serve``."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from agi_terms.documents import parse_yaml
from agi_terms.interfaces.main import main
from agi_terms.interfaces.mcp import create_server
from click.testing import CliRunner
from mcp import Client, StdioServerParameters
from service_server import Server as ServeProcess

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
SPEC_TOOLS = {
    "list_versions",
    "describe_version",
    "simulate",
    "terms_on",
    "decide",
    "explain",
    "diff",
    "montecarlo",
    "get_source",
}
DECLARED = {"date": "2029-03-01", "type": "agi_declared"}
OFF_AZURE = {"date": "2030-02-01", "type": "product_launch", "kind": "api", "cloud": "aws"}
ASSUMPTIONS: dict[str, Any] = {
    "runs": 200,
    "seed": 7,
    "horizon": "2032-12-31",
    "sample": "yearly",
    "declaration": {"probability": 0.5, "between": ["2026-01-01", "2032-12-31"]},
    "panel": {"verify_probability": 0.7, "review_days": [30, 365]},
    "redeclaration": {"probability": 0.5, "after_days": [180, 1080]},
}


def with_client(server: Any, body: Callable[[Client], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with Client(server) as client:
            return await body(client)

    return anyio.run(run)


def in_process(body: Callable[[Client], Awaitable[Any]]) -> Any:
    return with_client(create_server(max_runs=1_000, timeout=120), body)


def call(name: str, arguments: dict[str, Any]) -> Any:
    return in_process(lambda c: c.call_tool(name, arguments))


def scenario_json(path: Path) -> dict[str, Any]:
    """The scenario file as JSON (dates as strings), as a caller would send it."""
    data = json.loads(json.dumps(parse_yaml(path.read_text(), str(path)).data, default=str))
    assert isinstance(data, dict)
    return data


def cli_json(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


# ---------------------------------------------------------------- the catalogue


def test_tools_list_is_the_spec_tools_with_object_schemas() -> None:
    listed = in_process(lambda c: c.list_tools())
    assert {t.name for t in listed.tools} == SPEC_TOOLS
    schemas = {t.name: t.input_schema for t in listed.tools}
    for schema in schemas.values():
        assert schema["type"] == "object"
    assert set(schemas["terms_on"]["required"]) == {"scenario", "date"}
    assert schemas["decide"]["required"] == ["action"]
    assert set(schemas["diff"]["required"]) == {"a", "b"}
    assert schemas["get_source"]["required"] == ["id"]
    assert schemas["montecarlo"]["required"] == ["assumptions"]
    assert schemas["simulate"]["required"] == ["scenario"]


def test_resources_give_the_rule_files_and_the_register() -> None:
    async def body(c: Client) -> Any:
        listed = await c.list_resources()
        sources = await c.read_resource("agi-terms://sources")
        rules = await c.read_resource("agi-terms://versions/2025-10")
        return listed, sources, rules

    listed, sources, rules = in_process(body)
    uris = {str(r.uri) for r in listed.resources}
    assert "agi-terms://sources" in uris
    assert "agi-terms://versions/2025-10" in uris
    register = json.loads(sources.contents[0].text)
    assert register["N8"]["statement"]
    names = {str(c.uri).rsplit("/", 1)[1]: c.text for c in rules.contents}
    shipped = ROOT / "rules" / "2025-10"
    assert names == {p.name: p.read_text(encoding="utf-8") for p in shipped.glob("*.yaml")}


def test_an_unknown_resource_is_an_error_and_the_server_goes_on() -> None:
    async def body(c: Client) -> Any:
        with pytest.raises(Exception, match="1999-01"):
            await c.read_resource("agi-terms://versions/1999-01")
        return await c.call_tool("list_versions", {})

    assert not in_process(body).is_error


# ---------------------------------------------------------------- every tool, good and bad input

GOOD: list[tuple[str, dict[str, Any]]] = [
    ("list_versions", {}),
    ("describe_version", {"version": "2025-10"}),
    ("simulate", {"scenario": {"events": [DECLARED]}}),
    ("terms_on", {"scenario": {"events": [DECLARED]}, "date": "2029-06-01"}),
    ("decide", {"scenario": {"events": [DECLARED]}, "action": OFF_AZURE}),
    ("decide", {"action": OFF_AZURE}),
    ("explain", {"scenario": {"events": []}, "date": "2027-01-01", "term": "ms_research_ip"}),
    ("explain", {"scenario": {"events": []}, "action": OFF_AZURE}),
    ("diff", {"a": "2025-01", "b": "2025-10"}),
    ("montecarlo", {"assumptions": ASSUMPTIONS}),
    ("get_source", {"id": "N8"}),
]

BAD: list[tuple[str, dict[str, Any], str]] = [
    ("list_versions", {"surplus": 1}, "surplus"),
    ("describe_version", {"version": "1999-01"}, "1999-01"),
    (
        "simulate",
        {"scenario": {"events": [{"date": "2029-03-01", "type": "bogus"}]}},
        "scenario.events[0].type",
    ),
    ("simulate", {}, "scenario"),
    ("terms_on", {"scenario": {"events": [DECLARED]}, "date": "2029-02-30"}, "date"),
    ("decide", {"action": {**OFF_AZURE, "cloud": "moon"}}, "action.cloud"),
    (
        "decide",
        {"scenario": {"events": [{"date": "nope", "type": "agi_declared"}]}, "action": OFF_AZURE},
        "scenario.events[0].date",
    ),
    (
        "explain",
        {"scenario": {"events": []}, "date": "2027-01-01", "term": "no_such_term"},
        "term",
    ),
    ("diff", {"a": "2025-01"}, "b"),
    ("diff", {"a": "2025-01", "b": "1999-01"}, "b"),
    ("montecarlo", {"assumptions": {**ASSUMPTIONS, "runs": 5_000}}, "runs"),
    ("get_source", {"id": "Z999"}, "Z999"),
    ("no_such_tool", {}, "no such tool"),
]


@pytest.mark.parametrize(("tool", "arguments"), GOOD, ids=[t for t, _ in GOOD])
def test_every_tool_answers_good_input_with_json_and_a_text(
    tool: str, arguments: dict[str, Any]
) -> None:
    result = call(tool, arguments)
    assert not result.is_error, result.content[0].text
    assert isinstance(result.structured_content, dict)
    assert result.content[0].text.strip()


@pytest.mark.parametrize(("tool", "arguments", "place"), BAD, ids=[b[0] for b in BAD])
def test_every_tool_refuses_bad_input_as_a_tool_error_with_place(
    tool: str, arguments: dict[str, Any], place: str
) -> None:
    async def body(c: Client) -> Any:
        bad = await c.call_tool(tool, arguments)
        after = await c.call_tool("get_source", {"id": "N8"})  # the server is still there
        return bad, after

    bad, after = in_process(body)
    assert bad.is_error
    assert place in bad.content[0].text
    assert "Traceback" not in bad.content[0].text
    assert not after.is_error


def test_a_call_over_its_time_is_a_tool_error() -> None:
    server = create_server(timeout=0.001)
    big = {"assumptions": {**ASSUMPTIONS, "runs": 100_000}}
    result = with_client(server, lambda c: c.call_tool("montecarlo", big))
    assert result.is_error
    assert "longer than" in result.content[0].text


# ---------------------------------------------------------------- the same answers as simulate


def test_texts_name_the_deciding_rules_with_their_sources_statements() -> None:
    import agi_terms

    result = call("decide", {"scenario": {"events": [DECLARED]}, "action": OFF_AZURE})
    data = result.structured_content
    assert data["allowed"] is False
    text = result.content[0].text
    for because in data["because"]:
        assert because["rule"] in text
        for ident in [s.strip() for s in because["source"].split(",")]:
            assert agi_terms.source(ident).statement in text
            assert data["sources"][ident]["statement"] == agi_terms.source(ident).statement


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_terms_on_and_decide_agree_with_simulate(path: Path) -> None:
    scenario = scenario_json(path)
    simulated = cli_json("simulate", str(path), "--format", "json")
    events = scenario.get("events", [])

    async def body(c: Client) -> Any:
        checks = []
        for point in simulated["checkpoints"]:
            got = await c.call_tool("terms_on", {"scenario": scenario, "date": point["date"]})
            checks.append((point, got))
        decisions = []
        # Parameters may name a version an amendment brings in: a history cut before it
        # cannot carry them, so those scenarios are compared on their checkpoints only.
        amended = any(e.get("type") == "amendment" for e in events)
        at = 0
        for step in simulated["steps"]:
            if step["decision"] is None or amended:
                continue
            while (events[at]["type"], str(events[at]["date"])) != (step["type"], step["date"]):
                at += 1
            history = {**scenario, "events": events[:at], "checkpoints": []}
            action = {key: v for key, v in events[at].items() if key != "expect"}
            got = await c.call_tool("decide", {"scenario": history, "action": action})
            decisions.append((step["decision"], got))
            at += 1
        return checks, decisions

    checks, decisions = in_process(body)
    for point, got in checks:
        assert not got.is_error, got.content[0].text
        assert got.structured_content["phase"] == point["phase"]
        assert got.structured_content["terms"] == point["terms"]
        assert got.structured_content["date"] == point["date"]
    for decision, got in decisions:
        assert not got.is_error, got.content[0].text
        answer = got.structured_content
        assert {k: answer[k] for k in ("allowed", "obligations", "because")} == decision
        cited = {i.strip() for b in decision["because"] for i in b["source"].split(",")}
        assert cited <= set(answer["sources"])
    assert checks or decisions


def test_explain_agrees_with_the_cli(tmp_path: Path) -> None:
    path = ROOT / "simulations" / "scenarios" / "api-launches.yaml"
    scenario = scenario_json(path)
    cli = cli_json("explain", str(path), "--on", "2031-01-01", "--term", "ms_research_ip",
                   "--format", "json")  # fmt: skip
    got = call("explain", {"scenario": scenario, "date": "2031-01-01", "term": "ms_research_ip"})
    assert not got.is_error, got.content[0].text
    assert got.structured_content == cli


# ---------------------------------------------------------------- over stdio and over HTTP


def stdio_params() -> StdioServerParameters:
    exe = shutil.which("agi-terms", path=str(Path(sys.executable).parent))
    command, args = (exe, ["mcp"]) if exe else (sys.executable, ["-m", "agi_terms", "mcp"])
    return StdioServerParameters(command=command, args=args)


def test_stdio_subprocess_lists_tools_answers_and_refuses() -> None:
    async def body(c: Client) -> Any:
        listed = await c.list_tools()
        good = await c.call_tool("decide", {"action": OFF_AZURE})
        bad = await c.call_tool("decide", {"action": {**OFF_AZURE, "cloud": "moon"}})
        again = await c.call_tool("list_versions", {})
        return listed, good, bad, again

    listed, good, bad, again = with_client(stdio_params(), body)
    assert {t.name for t in listed.tools} == SPEC_TOOLS
    assert good.structured_content["allowed"] is False
    assert bad.is_error
    assert "action.cloud" in bad.content[0].text
    assert not again.is_error


def test_one_scenario_is_the_same_json_through_cli_http_and_mcp(tmp_path: Path) -> None:
    path = ROOT / "simulations" / "scenarios" / "api-launches.yaml"
    scenario = scenario_json(path)
    cli = cli_json("simulate", str(path), "--format", "json")
    stdio = with_client(stdio_params(), lambda c: c.call_tool("simulate", {"scenario": scenario}))
    serve = ServeProcess(tmp_path / "store.db").start()
    try:
        http = httpx.post(f"{serve.url}/simulate", json=scenario, timeout=60).json()
        over_http = with_client(
            f"{serve.url}/mcp", lambda c: c.call_tool("simulate", {"scenario": scenario})
        )
        listed = with_client(f"{serve.url}/mcp", lambda c: c.list_tools())
    finally:
        serve.stop()
    assert http == cli
    assert stdio.structured_content == cli
    assert over_http.structured_content == cli
    assert {t.name for t in listed.tools} == SPEC_TOOLS

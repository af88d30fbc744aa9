"""The stateless operations of SPEC §14 through a started ``agi-terms serve``, with httpx: every
endpoint with good and bad input, and the same JSON as the command line for the same question."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agi_terms
import httpx
import pytest
from agi_terms.documents import parse_yaml
from agi_terms.interfaces.main import main
from click.testing import CliRunner
from service_server import Server

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
MAX_RUNS = 500

DECLARED_AND_VERIFIED = [
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-09-01", "type": "panel_verified"},
]
API_ON_AWS = {"date": "2028-02-01", "type": "product_launch", "kind": "api", "cloud": "aws"}
ASSUMPTIONS: dict[str, Any] = {
    "runs": 300,
    "seed": 7,
    "horizon": "2032-12-31",  # the licence runs through 2032 (N4); then phase post_2032
    "sample": "yearly",
    "declaration": {"probability": 0.0, "between": ["2026-01-01", "2032-12-31"]},
    "panel": {"verify_probability": 0.7, "review_days": [30, 365]},
    "redeclaration": {"probability": 0.5, "after_days": [180, 1080]},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    db = tmp_path_factory.mktemp("operations") / "contracts.db"
    server = Server(db, "--max-runs", str(MAX_RUNS)).start()
    try:
        with httpx.Client(base_url=server.url, timeout=120) as http:
            yield http
    finally:
        assert server.stop() == 0, server.stderr


def cli_json(*args: str, stdin: str | None = None) -> Any:
    result = CliRunner().invoke(main, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def scenario_json(path: Path) -> Any:
    """The scenario file as the JSON a client would send (dates as ``YYYY-MM-DD`` strings)."""
    data = parse_yaml(path.read_text(), str(path)).data

    def plain(value: object) -> object:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        return value

    return plain(data)


def assert_refused(response: httpx.Response, status: int, place: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["place"] == place
    assert body["error"]["message"]


# ---------------------------------------------------------------- versions and sources


def test_versions_lists_every_shipped_version(client: httpx.Client) -> None:
    listed = client.get("/versions").json()
    assert [v["id"] for v in listed] == list(agi_terms.available_versions())
    for entry in listed:
        rulebook = agi_terms.load_rulebook(entry["id"])
        assert entry == {
            "id": rulebook.version,
            "title": rulebook.title,
            "effective": rulebook.effective.isoformat(),
        }


def test_a_version_describes_its_terms_parameters_and_actions(client: httpx.Client) -> None:
    described = client.get("/versions/2025-10").json()
    rulebook = agi_terms.load_rulebook("2025-10")
    assert [t["id"] for t in described["terms"]] == list(rulebook.term_ids)
    assert [p["name"] for p in described["parameters"]] == [p.name for p in rulebook.parameters]
    assert [p["id"] for p in described["phases"]] == list(rulebook.lifecycle.phase_ids)
    assert "product_launch" in [a["type"] for a in described["actions"]]
    backstop = next(p for p in described["parameters"] if p["name"] == "agi_trigger")
    assert backstop["choices"] == ["verified", "declared"]
    # Every source a term cites is in the answer's sources, with its register entry.
    research = next(t for t in described["terms"] if t["id"] == "ms_research_ip")
    assert described["sources"]["N6"] == agi_terms.source("N6").cited_json()
    assert research["source"].startswith("N6")


def test_an_unknown_version_is_404(client: httpx.Client) -> None:
    assert_refused(client.get("/versions/1999-01"), 404, "version")


def test_sources_and_one_source(client: httpx.Client) -> None:
    listed = client.get("/sources").json()
    assert list(listed) == [s.id for s in agi_terms.sources()]
    assert client.get("/sources/N6").json() == agi_terms.source("N6").to_json()
    assert_refused(client.get("/sources/N999"), 404, "id")


# ---------------------------------------------------------------- simulate


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_post_simulate_equals_simulate_format_json(client: httpx.Client, path: Path) -> None:
    response = client.post("/simulate", json=scenario_json(path))
    assert response.status_code == 200, response.text
    assert response.json() == cli_json("simulate", str(path), "--format", "json")


def test_simulate_refuses_bad_input_at_its_place(client: httpx.Client) -> None:
    bad_cloud = {"events": [{**API_ON_AWS, "cloud": "mars"}]}
    assert_refused(client.post("/simulate", json=bad_cloud), 422, "events[0].cloud")
    out_of_order = {"events": list(reversed(DECLARED_AND_VERIFIED))}
    assert client.post("/simulate", json=out_of_order).status_code == 422
    assert_refused(client.post("/simulate", json={"events": [], "colour": 1}), 422, "colour")
    assert_refused(
        client.post("/simulate", json={"events": [], "parameters": {"nope": 1}}),
        422,
        "parameters.nope",
    )


# ---------------------------------------------------------------- decide and explain


def test_decide_an_api_launch_off_azure_before_agi_is_denied(client: httpx.Client) -> None:
    answer = client.post("/decide", json={"action": API_ON_AWS}).json()
    # N8: until AGI, OpenAI's API products are served only on Azure.
    assert answer["allowed"] is False
    assert "api_launch_off_azure_denied" in [c["rule"] for c in answer["because"]]
    assert set(answer["sources"]) >= {"N8"}


def test_decide_equals_the_cli_decide(client: httpx.Client, tmp_path: Path) -> None:
    after = {**API_ON_AWS, "date": "2030-02-01"}
    answer = client.post("/decide", json={"events": DECLARED_AND_VERIFIED, "action": after})
    scenario = tmp_path / "history.yaml"
    scenario.write_text(json.dumps({"events": DECLARED_AND_VERIFIED}))
    cli = cli_json("decide", str(scenario), "--action", json.dumps(after), "--format", "json")
    assert answer.json() == cli
    # Once the panel verifies AGI the Azure API exclusivity ends (N8): allowed.
    assert cli["allowed"] is True


def test_decide_refuses_a_lifecycle_event_and_a_bad_action(client: httpx.Client) -> None:
    declared = {"action": {"date": "2029-03-01", "type": "agi_declared"}}
    assert client.post("/decide", json=declared).status_code == 422
    assert_refused(
        client.post("/decide", json={"action": {**API_ON_AWS, "kind": "teleport"}}),
        422,
        "action.kind",
    )
    assert_refused(client.post("/decide", json={}), 422, "action")


def test_explain_a_term_equals_the_cli_explain(client: httpx.Client, tmp_path: Path) -> None:
    body = {"events": DECLARED_AND_VERIFIED, "date": "2031-01-01", "term": "ms_research_ip"}
    answer = client.post("/explain", json=body).json()
    scenario = tmp_path / "history.yaml"
    scenario.write_text(json.dumps({"events": DECLARED_AND_VERIFIED}))
    cli = cli_json("explain", str(scenario), "--term", "ms_research_ip", "--on", "2031-01-01",
                   "--format", "json")  # fmt: skip
    assert answer == cli
    # N6: the research IP rights end at the panel's verification.
    assert answer["outcome"] is False
    assert "N6" in answer["sources"]


def test_explain_an_action(client: httpx.Client) -> None:
    answer = client.post("/explain", json={"action": API_ON_AWS}).json()
    assert answer["kind"] == "action"
    assert answer["subject"] == "product_launch"
    assert answer["outcome"] is False


def test_explain_refuses_what_it_cannot_answer(client: httpx.Client) -> None:
    assert_refused(client.post("/explain", json={"date": "2031-01-01"}), 422, "term")
    assert_refused(client.post("/explain", json={"term": "ms_research_ip"}), 422, "date")
    assert_refused(
        client.post("/explain", json={"date": "2031-01-01", "term": "no_such_term"}), 422, "term"
    )


# ---------------------------------------------------------------- diff and Monte Carlo


def test_diff_equals_the_cli_diff(client: httpx.Client) -> None:
    answer = client.post("/diff", json={"a": "2025-01", "b": "2025-10"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == cli_json("diff", "2025-01", "2025-10", "--format", "json")
    assert (answer.json()["a"], answer.json()["b"]) == ("2025-01", "2025-10")


def test_diff_refuses_an_unknown_version(client: httpx.Client) -> None:
    assert_refused(client.post("/diff", json={"a": "2025-01", "b": "1999-01"}), 422, "b")
    assert_refused(client.post("/diff", json={"a": "2025-01"}), 422, "b")


def test_montecarlo_without_a_declaration_stays_before_agi(client: httpx.Client) -> None:
    answer = client.post("/montecarlo", json=ASSUMPTIONS)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert data["runs"] == 300
    assert data["seed"] == 7
    # A declaration that never happens leaves every run before AGI on every date.
    assert data["phases"]["pre_agi"] == [1.0] * len(data["dates"])
    assert set(data["terms"]) == set(agi_terms.load_rulebook("2025-10").term_ids)


def test_montecarlo_caps_the_runs(client: httpx.Client) -> None:
    too_many = {**ASSUMPTIONS, "runs": MAX_RUNS + 1}
    assert_refused(client.post("/montecarlo", json=too_many), 422, "runs")
    assert client.post("/montecarlo", json={**ASSUMPTIONS, "runs": MAX_RUNS}).status_code == 200


def test_montecarlo_refuses_a_bad_document(client: httpx.Client) -> None:
    no_panel = {k: v for k, v in ASSUMPTIONS.items() if k != "panel"}
    assert_refused(client.post("/montecarlo", json=no_panel), 422, "panel")
    assert client.post("/montecarlo", json=[1, 2]).status_code == 422


def test_every_operation_is_documented_with_an_example(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    for path in ("/simulate", "/decide", "/explain", "/montecarlo", "/diff"):
        operation = document["paths"][path]["post"]
        assert {"200", "422"} <= set(operation["responses"])
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert schemas[ref.rsplit("/", 1)[1]]["examples"], path
    # The examples are answered, not refused.
    for path, name in (("/simulate", "SimulateRequest"), ("/decide", "DecideRequest"),
                       ("/explain", "ExplainRequest"), ("/diff", "DiffRequest")):  # fmt: skip
        for example in schemas[name]["examples"]:
            assert client.post(path, json=example).status_code == 200, (path, example)


def readme_curl_examples() -> list[tuple[str, Any]]:
    """The README's curl commands of the stateless operations, each with the answer shown."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("**Questions without a store**") :]
    block = section[section.index("```sh\n") + 6 : section.index("\n```", section.index("```sh"))]
    commands, shown = [], []
    for line in block.replace("\\\n", " ").splitlines():
        if line.startswith("curl "):
            commands.append(line)
        elif line.startswith("# "):
            shown.append(json.loads(line[2:]))
    assert len(commands) == len(shown)
    return list(zip(commands, shown, strict=True))


def test_the_readme_curl_examples_answer_as_shown(client: httpx.Client) -> None:
    import shutil
    import subprocess

    examples = readme_curl_examples()
    assert len(examples) >= 7
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the README's HTTP examples")
    address = str(client.base_url).removeprefix("http://").rstrip("/")
    for command, shown in examples:
        result = subprocess.run(
            ["bash", "-c", command.replace("localhost:8000", address) + " -f"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, (command, result.stderr)
        answer = json.loads(result.stdout)
        if isinstance(shown, list):
            assert answer == shown, command
        else:
            assert {k: answer[k] for k in shown} == shown, command

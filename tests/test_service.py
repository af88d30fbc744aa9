"""SPEC §11 over HTTP, driven with httpx: the service in process for most tests (measured by
coverage), a real ``agi-terms serve`` process on loopback for concurrency, restarts and schemathesis.

Scenarios replayed over HTTP give what ``agi_terms.simulate`` gives; refusals are 404/409/422 with the
error shape and store nothing; a restart (graceful or SIGKILL) keeps every contract; schemathesis
finds no server error and no response outside the OpenAPI document.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import agi_terms
import httpx
import pytest
from agi_terms.interfaces.http.tokens import entry_line, new_token
from service_server import Server

ROOT = Path(__file__).resolve().parent.parent

SCENARIOS = {
    "verified": """
name: Panel verifies AGI in 2029
parameters: {api_exclusivity_backstop: null}
events:
  - {date: 2026-05-01, type: product_launch, kind: api, cloud: aws}
  - {date: 2029-03-01, type: agi_declared}
  - {date: 2029-09-01, type: panel_verified}
  - {date: 2030-02-01, type: product_launch, kind: api, cloud: gcp, partner: Acme}
  - {date: 2031-06-01, type: ms_ip_use, asset: research}
  - {date: 2031-06-01, type: ms_ip_use, asset: model, created_on: 2030-01-01}
checkpoints: [2028-01-01, 2031-01-01, 2033-01-01]
""",
    "rejected": """
agreement: "2025-10"
parameters: {agi_trigger: declared, compute_cap_lifts_on: verified}
events:
  - {date: 2027-01-01, type: agi_declared}
  - {date: 2027-06-01, type: panel_rejected}
  - {date: 2027-07-01, type: ms_agi_training, uses_openai_ip: true, training_flop: 1e28}
  - {date: 2028-01-01, type: open_weights_release,
     capability: {bio_chem: low, cyber: medium, self_improvement: high}}
  - {date: 2028-02-01, type: agi_declared}
  - {date: 2028-02-01, type: product_launch, kind: api, cloud: aws,
     customer: us_national_security}
checkpoints: [2027-03-01, 2027-12-31, 2035-01-01]
""",
    "no_agi": """
parameters: {revenue_share_backstop: 2030-12-31}
events:
  - {date: 2026-01-01, type: azure_purchase, amount_usd: 100e9}
  - {date: 2030-01-01, type: azure_purchase, amount_usd: 150e9}
  - {date: 2033-05-01, type: product_launch, kind: api, cloud: aws}
  - {date: 2033-05-01, type: compute_contract, provider: Oracle}
  - {date: 2034-01-01, type: ms_ip_use, asset: model, created_on: 2032-01-01}
checkpoints: [2029-12-31, 2030-01-01, 2031-01-01, 2033-01-01]
""",
    "empty": """
events: []
checkpoints: [2025-10-28, 2040-01-01]
""",
}


def _json_ready(value: Any) -> Any:
    return json.loads(json.dumps(value, default=lambda d: d.isoformat()))


def _scenarios() -> list[tuple[str, agi_terms.Scenario]]:
    found = [(name, agi_terms.parse_scenario(text, name)) for name, text in SCENARIOS.items()]
    shipped = sorted((ROOT / "simulations" / "scenarios").glob("*.yaml"))
    found += [(path.name, agi_terms.load_scenario(path)) for path in shipped]
    return found


TOKEN = new_token()
"""The bearer token of the served process (read and write)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("service")
    tokens = folder / "tokens.yaml"
    tokens.write_text(f"tokens:\n{entry_line('tests', 'tests', ['read', 'write'], TOKEN)}\n")
    # Few Monte Carlo runs per call: schemathesis may send any valid assumptions document.
    running = Server(folder / "contracts.db", "--max-runs", "200", "--tokens", str(tokens))
    running = running.start()
    yield running
    assert running.stop() == 0, running.stderr
    assert TOKEN not in running.stderr


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The service in this process (so coverage measures it), spoken to over HTTP through httpx."""
    from agi_terms.interfaces.http.service import create_app
    from fastapi.testclient import TestClient

    app = create_app(tmp_path_factory.mktemp("in-process") / "contracts.db")
    with TestClient(app, base_url="http://127.0.0.1") as http:
        yield http


@pytest.fixture(scope="module")
def live_client(server: Server) -> Iterator[httpx.Client]:
    """A client of the real ``agi-terms serve`` process (uvicorn, sockets, threads)."""
    with httpx.Client(
        base_url=server.url, timeout=60, headers={"Authorization": f"Bearer {TOKEN}"}
    ) as http:
        yield http


def create(client: httpx.Client, body: dict[str, Any] | None = None) -> str:
    response = client.post("/contracts", json=body or {})
    assert response.status_code == 201, response.text
    assert response.json()["version"] == 0
    return str(response.json()["id"])


def timeline(client: httpx.Client, cid: str) -> list[dict[str, Any]]:
    response = client.get(f"/contracts/{cid}/timeline")
    assert response.status_code == 200
    return list(response.json()["steps"])


def append(client: httpx.Client, cid: str, events: list[Any], **extra: Any) -> httpx.Response:
    return client.post(f"/contracts/{cid}/events", json={"events": _json_ready(events), **extra})


@pytest.mark.parametrize(("name", "scenario"), _scenarios(), ids=[n for n, _ in _scenarios()])
def test_a_scenario_over_http_gives_what_simulate_gives(
    client: httpx.Client, name: str, scenario: agi_terms.Scenario
) -> None:
    cid = create(
        client, {"agreement": scenario.agreement, "parameters": _json_ready(scenario.parameters)}
    )
    refusal: agi_terms.AgiTermsError | None = None
    try:
        expected = agi_terms.simulate(scenario, backend="python")
    except agi_terms.AgiTermsError as exc:
        refusal = exc
    if refusal is not None:
        # A scenario the engine refuses is refused over HTTP at the same place, storing nothing.
        response = append(client, cid, scenario.events)
        assert response.status_code == 422
        assert response.json()["error"]["place"] == refusal.place
        assert timeline(client, cid) == []
        return
    events_only = agi_terms.simulate(
        scenario.model_copy(update={"checkpoints": []}), backend="python"
    )
    steps: list[dict[str, Any]] = []
    version, start, sizes = 0, 0, [1, 2, 3]
    while start < len(scenario.events):
        batch = scenario.events[start : start + sizes[start % 3]]
        response = append(client, cid, batch, expected_version=version)
        assert response.status_code == 200, response.text
        version = response.json()["version"]
        assert version == start + len(batch)
        steps += response.json()["steps"]
        start += len(batch)
    assert steps == events_only.to_json()["steps"]
    assert timeline(client, cid) == steps
    for checkpoint in expected.to_json()["checkpoints"]:
        response = client.get(f"/contracts/{cid}/terms", params={"date": checkpoint["date"]})
        assert response.status_code == 200
        assert response.json() == checkpoint
    contract = events_only.contract
    for event in scenario.events:
        if event["type"] in agi_terms.events.ACTION_TYPES:
            response = client.post(f"/contracts/{cid}/decide", json={"action": _json_ready(event)})
            assert response.status_code == 200
            decision = contract.decide(event)
            assert response.json() == {
                **decision.to_json(),
                "sources": {i: agi_terms.source(i).cited_json()
                            for c in decision.because for i in c.source_ids},
            }  # fmt: skip
    day = scenario.checkpoints[-1] if scenario.checkpoints else contract.state.date
    report = contract.terms(on=day)
    for term, status in report.terms.items():
        response = client.get(
            f"/contracts/{cid}/explain", params={"date": day.isoformat(), "term": term}
        )
        assert response.status_code == 200
        assert response.json() == {
            "date": day.isoformat(),
            "phase": report.phase,
            **status.to_json(),
            "sources": {i: agi_terms.source(i).cited_json()
                        for c in status.because for i in c.source_ids},
        }  # fmt: skip
    assert timeline(client, cid) == steps  # questions record nothing


def test_answers_carry_the_sources_they_cite_and_the_register_is_served(
    client: httpx.Client,
) -> None:
    cid = create(client)
    launch = {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"}
    appended = append(client, cid, [launch]).json()
    assert appended["steps"][0]["decision"]["because"][0]["source"] == "N8, N9"
    assert set(appended["sources"]) == {"N8", "N9"}
    assert appended["sources"]["N8"] == agi_terms.source("N8").cited_json()
    assert client.get(f"/contracts/{cid}/timeline").json()["sources"] == appended["sources"]
    decided = client.post(f"/contracts/{cid}/decide", json={"action": launch}).json()
    assert set(decided["sources"]) == {"N8", "N9"}
    explained = client.get(
        f"/contracts/{cid}/explain", params={"date": "2031-06-01", "term": "ms_research_ip"}
    ).json()
    assert explained["sources"] == {"N6": agi_terms.source("N6").cited_json()}
    listed = client.get("/sources").json()
    assert list(listed) == [s.id for s in agi_terms.sources()]
    assert client.get("/sources/S17").json() == agi_terms.source("S17").to_json()
    missing = client.get("/sources/S99")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"place": "id", "message": "unknown source id 'S99'"}}


def test_terms_default_to_the_last_event_date(client: httpx.Client) -> None:
    cid = create(client)
    assert client.get(f"/contracts/{cid}/terms").json()["date"] == "2025-10-28"
    append(client, cid, [{"date": "2029-03-01", "type": "agi_declared"}])
    body = client.get(f"/contracts/{cid}/terms").json()
    assert (body["date"], body["phase"], body["terms"]["ms_compute_cap"]) == (
        "2029-03-01",
        "panel_review",
        False,
    )


def test_a_stale_expected_version_is_409_and_stores_nothing(client: httpx.Client) -> None:
    cid = create(client)
    assert append(client, cid, [{"date": "2027-01-01", "type": "agi_declared"}]).status_code == 200
    response = append(
        client, cid, [{"date": "2027-02-01", "type": "panel_rejected"}], expected_version=0
    )
    assert response.status_code == 409
    assert response.json()["error"]["place"] == "expected_version"
    assert len(timeline(client, cid)) == 1
    ok = append(client, cid, [{"date": "2027-02-01", "type": "panel_rejected"}], expected_version=1)
    assert (ok.status_code, ok.json()["version"]) == (200, 2)


GOOD = {"date": "2027-01-01", "type": "product_launch", "kind": "api", "cloud": "azure"}

BAD_BODIES: list[tuple[str, bytes | dict[str, Any] | list[Any], str]] = [
    ("malformed JSON", b'{"events": [', "line 1, column 13"),
    ("not UTF-8", b"\xff\xfe{", ""),
    ("an array", [], ""),
    ("no events", {}, "events"),
    ("events not a list", {"events": {"a": 1}}, "events"),
    ("unknown top field", {"events": [], "extra": 1}, "extra"),
    (
        "unknown event type",
        {"events": [GOOD, {"date": "2027-01-01", "type": "x"}]},
        "events[1].type",
    ),
    ("missing type", {"events": [{"date": "2027-01-01"}]}, "events[0].type"),
    ("bad field value", {"events": [GOOD, {**GOOD, "cloud": "moon"}]}, "events[1].cloud"),
    ("wrong field type", {"events": [{**GOOD, "partner": 5}]}, "events[0].partner"),
    ("unknown event field", {"events": [{**GOOD, "colour": "red"}]}, "events[0].colour"),
    ("bad date", {"events": [{**GOOD, "date": "2027-02-30"}]}, "events[0].date"),
    ("before the start", {"events": [{**GOOD, "date": "2020-01-01"}]}, "events[0].date"),
    ("out of order", {"events": [GOOD, {**GOOD, "date": "2026-01-01"}]}, "events[1].date"),
    (
        "verdict without declaration",
        {"events": [GOOD, {"date": "2027-01-02", "type": "panel_verified"}]},
        "events[1].type",
    ),
    (
        "negative amount",
        {"events": [{"date": "2027-01-01", "type": "azure_purchase", "amount_usd": -1}]},
        "events[0].amount_usd",
    ),
    ("bool expected_version", {"events": [GOOD], "expected_version": True}, "expected_version"),
    ("negative expected_version", {"events": [GOOD], "expected_version": -1}, "expected_version"),
    ("string expected_version", {"events": [GOOD], "expected_version": "1"}, "expected_version"),
]


@pytest.mark.parametrize(("label", "body", "place"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_422_with_a_place_and_stores_nothing(
    client: httpx.Client, label: str, body: bytes | dict[str, Any] | list[Any], place: str
) -> None:
    cid = create(client)
    assert append(client, cid, [GOOD]).status_code == 200
    before = timeline(client, cid)
    url = f"/contracts/{cid}/events"
    if isinstance(body, bytes):
        response = client.post(url, content=body, headers={"content-type": "application/json"})
    else:
        response = client.post(url, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert set(error) == {"place", "message"}
    assert error["place"] == place
    assert error["message"]
    assert timeline(client, cid) == before
    assert client.get(f"/contracts/{cid}/terms").json()["date"] == "2027-01-01"


@pytest.mark.parametrize(
    ("body", "place"),
    [
        ({"agreement": "1999-01"}, "agreement"),
        ({"agreement": 2025}, "agreement"),
        ({"parameters": {"no_such": 1}}, "parameters.no_such"),
        ({"parameters": {"agi_trigger": "sometimes"}}, "parameters.agi_trigger"),
        ({"parameters": []}, "parameters"),
        ({"other": 1}, "other"),
    ],
)
def test_bad_new_contracts_are_422(client: httpx.Client, body: dict[str, Any], place: str) -> None:
    response = client.post("/contracts", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["place"] == place


def test_bad_questions_are_422(client: httpx.Client) -> None:
    cid = create(client)
    cases = [
        (client.get(f"/contracts/{cid}/terms", params={"date": "2020-01-01"}), "date"),
        (client.get(f"/contracts/{cid}/terms", params={"date": "soon"}), "date"),
        (client.get(f"/contracts/{cid}/explain", params={"term": "nope"}), "term"),
        (client.get(f"/contracts/{cid}/explain"), "term"),
        (
            client.post(
                f"/contracts/{cid}/decide",
                json={"action": {"date": "2027-01-01", "type": "agi_declared"}},
            ),
            "action.type",
        ),
        (
            client.post(f"/contracts/{cid}/decide", json={"action": {**GOOD, "kind": "x"}}),
            "action.kind",
        ),
        (client.post(f"/contracts/{cid}/decide", json={}), "action"),
    ]
    for response, place in cases:
        assert response.status_code == 422, response.text
        assert response.json()["error"]["place"] == place


def test_an_unknown_contract_is_404_everywhere(client: httpx.Client) -> None:
    responses = [
        append(client, "nope", [GOOD]),
        client.get("/contracts/nope/terms"),
        client.get("/contracts/nope/timeline"),
        client.get("/contracts/nope/explain", params={"term": "revenue_share"}),
        client.post("/contracts/nope/decide", json={"action": GOOD}),
        client.get("/contracts/%F0%9F%92%A5/timeline"),
    ]
    for response in responses:
        assert response.status_code == 404
        assert response.json()["error"]["place"] == "id"


def test_many_contracts_in_one_service(client: httpx.Client) -> None:
    count = 3000

    def one(i: int) -> tuple[str, int]:
        cid = create(client, {"parameters": {"agi_trigger": "declared"}} if i % 2 else None)
        if i % 10 > 1 and i < count - 2:
            return cid, 200
        response = append(client, cid, [{"date": "2027-01-01", "type": "agi_declared"}])
        return cid, response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(one, range(count)))
    assert {status for _, status in made} == {200}
    assert len({cid for cid, _ in made}) == count
    for i in (0, 1, 10, 11, count - 2, count - 1):
        terms = client.get(f"/contracts/{made[i][0]}/terms").json()["terms"]
        # With agi_trigger: declared the exclusivities end at the declaration.
        assert terms["azure_api_exclusivity"] is (i % 2 == 0)


def test_concurrent_clients_on_one_contract_lose_nothing(live_client: httpx.Client) -> None:
    client = live_client
    cid = create(client)

    def send(worker: int) -> list[int]:
        versions = []
        for n in range(10):
            event = {**GOOD, "name": f"w{worker}-{n}"}
            response = append(client, cid, [event, event])
            assert response.status_code == 200
            versions.append(response.json()["version"])
        return versions

    with ThreadPoolExecutor(max_workers=8) as pool:
        acked = [v for versions in pool.map(send, range(8)) for v in versions]
    assert sorted(acked) == list(range(2, 161, 2))
    steps = timeline(client, cid)
    assert len(steps) == 160


def test_a_restart_keeps_every_contract(tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    servers: list[Server] = []

    def start() -> Server:
        servers.append(Server(db).start())
        return servers[-1]

    try:
        _check_restarts(start, db)
    finally:
        for server in servers:
            server.__exit__()


def _check_restarts(start: Any, db: Path) -> None:
    server = start()
    stories: dict[str, list[dict[str, Any]]] = {}
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for i in range(20):
            cid = create(
                http, {"parameters": {"api_exclusivity_backstop": None}} if i % 3 else None
            )
            story = [
                {"date": f"{2026 + i % 5}-01-0{1 + k}", "type": "azure_purchase", "amount_usd": 1e9}
                for k in range(i % 4)
            ]
            if story:
                assert append(http, cid, story).status_code == 200
            stories[cid] = story
        before = {cid: timeline(http, cid) for cid in stories}
    assert server.stop() == 0
    for day, restart in enumerate(("graceful", "sigkill"), start=1):
        server = start()
        with httpx.Client(base_url=server.url, timeout=60) as http:
            assert {cid: timeline(http, cid) for cid in stories} == before
            cid = next(iter(stories))
            version = len(stories[cid])
            event = {"date": f"2039-01-0{day}", "type": "azure_purchase", "amount_usd": 5.0}
            response = append(http, cid, [event], expected_version=version)
            assert response.status_code == 200
            stories[cid] = [*stories[cid], event]
            before[cid] = timeline(http, cid)
        if restart == "graceful":
            assert server.stop() == 0
        else:
            server.kill()
    with agi_terms.open_store(db) as store:
        assert {c.id: c.event_count for c in store.contracts()} == {
            cid: len(events) for cid, events in stories.items()
        }


def test_the_durable_backend_serves_more_contracts_than_its_context_limit(tmp_path: Path) -> None:
    server = Server(tmp_path / "durable.db", "--backend", "durable").start()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            ids = [create(http) for _ in range(1100)]
            for cid in ids[::50]:
                assert (
                    append(http, cid, [{"date": "2029-03-01", "type": "agi_declared"}]).status_code
                    == 200
                )
            assert client_terms(http, ids[-50])["ms_compute_cap"] is False
    finally:
        assert server.stop() == 0


def client_terms(http: httpx.Client, cid: str) -> dict[str, bool]:
    return dict(http.get(f"/contracts/{cid}/terms").json()["terms"])


def test_the_openapi_document_lists_the_service(client: httpx.Client) -> None:
    document = client.get("/openapi.json").json()
    assert set(document["paths"]) == {
        "/contracts",
        "/contracts/{id}/events",
        "/contracts/{id}/terms",
        "/contracts/{id}/decide",
        "/contracts/{id}/timeline",
        "/contracts/{id}/explain",
        "/sources",
        "/sources/{id}",
        "/versions",
        "/versions/{version}",
        "/simulate",
        "/decide",
        "/explain",
        "/montecarlo",
        "/diff",
        "/healthz",
        "/readyz",
    }
    events = document["paths"]["/contracts/{id}/events"]["post"]["responses"]
    assert {"200", "404", "409", "422"} <= set(events)
    assert document["components"]["schemas"]["Level"]["enum"] == [
        "low",
        "medium",
        "high",
        "critical",
    ]


def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    server: Server, tmp_path: Path
) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(ROOT / "tests" / "schemathesis.toml"),
            "run",
            f"{server.url}/openapi.json",
            "--header",
            f"Authorization: Bearer {TOKEN}",
            "--max-examples",
            "50",
            "--seed",
            "20261122",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "passed" in result.stdout


def test_serve_refuses_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    other.write_bytes(b"not a database" * 200)
    result = subprocess.run(
        [sys.executable, "-m", "agi_terms", "serve", "--db", str(other), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {other}: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_dates_in_answers_are_calendar_dates(client: httpx.Client) -> None:
    cid = create(client)
    body = append(client, cid, [{"date": "2031-02-01", "type": "agi_declared"}]).json()
    for step in body["steps"]:
        assert dt.date.fromisoformat(step["date"]) >= dt.date(2025, 10, 28)
    assert [s["type"] for s in body["steps"]] == ["calendar", "agi_declared"]


# ---------------------------------------------------------------- the body reader, in process


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        (None, 415),
        ("text/plain", 415),
        ("application/json; charset=latin-1", 415),
        ("application/json; charset=UTF-8", 201),
        ('application/json; charset="utf8"', 201),
        ("Application/JSON", 201),
    ],
)
def test_a_body_is_read_as_utf8_json_only(
    client: httpx.Client, content_type: str | None, status: int
) -> None:
    headers = {} if content_type is None else {"content-type": content_type}
    response = client.post("/contracts", content=b"{}", headers=headers)
    assert response.status_code == status, response.text
    if status == 415:
        assert set(response.json()) == {"error"}
        message = response.json()["error"]["message"]
        assert "application/json" in message or "UTF-8" in message, message


def test_malformed_json_is_422_with_its_line_and_column(client: httpx.Client) -> None:
    body = b'{\n  "agreement": "2025-10",\n  "parameters": {,}\n}'
    response = client.post("/contracts", content=body, headers={"content-type": JSON})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["place"].startswith("line 3, column ")
    assert error["message"].startswith("malformed JSON")


JSON = "application/json"


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """The service in process with a body limit of 100 bytes."""
    from agi_terms.interfaces.http.service import ServiceLimits, create_app
    from fastapi.testclient import TestClient

    app = create_app(
        tmp_path_factory.mktemp("small") / "contracts.db", limits=ServiceLimits(max_body_bytes=100)
    )
    with TestClient(app, base_url="http://127.0.0.1") as http:
        yield http


def test_a_body_over_the_limit_is_413_whether_announced_or_streamed(small: httpx.Client) -> None:
    big = json.dumps({"agreement": "2025-10", "parameters": {}, "x": "y" * 200}).encode()
    announced = small.post("/contracts", content=big, headers={"content-type": JSON})
    assert announced.status_code == 413
    assert "100" in announced.json()["error"]["message"]

    def chunks() -> Iterator[bytes]:
        yield big[:60]
        yield big[60:]

    streamed = small.post("/contracts", content=chunks(), headers={"content-type": JSON})
    assert streamed.status_code == 413
    bad_length = small.post(
        "/contracts", content=b"{}", headers={"content-type": JSON, "content-length": "two"}
    )
    assert bad_length.status_code in (201, 400, 422)
    assert small.get("/contracts/none/terms").status_code == 404

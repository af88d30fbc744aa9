"""Hostile input at every door ends in one clear answer, and changes nothing else (issue 12).

The cases are those of ``simulations/hostile.py`` (the corpus ``tests/hostile/`` and the files it
generates: nesting 28,000 deep, an alias bomb, a link to /dev/zero, a FIFO, a 17 MiB file, damaged
stores). Those that once crashed or hung the process run in a subprocess with a timeout, the others
in-process. The service cases run against one started server, which must answer the next request
after each. Time and memory are measured by ``simulations/hostile.py``, never asserted here.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import re
import socket
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import agi_terms
import httpx
import pytest
from agi_terms.documents import InputLimits, parse_json, parse_yaml, read_bytes
from agi_terms.errors import InputError, InputLimitError
from agi_terms.events import event_to_json
from agi_terms.interfaces.cli.render import printable
from agi_terms.interfaces.main import main
from agi_terms.store import AgreementCache, StoreError, open_store
from agi_terms.testing import event_sequences
from click.testing import CliRunner
from conftest import CI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "simulations"))

import hostile  # noqa: E402

CRASHED_BEFORE = ("nesting", "laughs", "/dev/zero", "FIFO", "17 MiB", "aliases")
"""Cases that crashed (SIGSEGV), hung or exhausted memory before the limits: run in a subprocess."""


@pytest.fixture(scope="module")
def cli_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "cli"
    hostile.make_cli_files(folder)
    return folder


CLI_CASES = {case.name: case for case in hostile.cli_cases(Path("/nonexistent"))}


@pytest.mark.parametrize("name", list(CLI_CASES))
def test_a_hostile_cli_input_gets_one_clear_answer(cli_folder: Path, name: str) -> None:
    case = next(c for c in hostile.cli_cases(cli_folder) if c.name == name)
    if any(marker in name for marker in CRASHED_BEFORE):
        outcome = hostile.run_cli(case, timeout=60)
    else:
        result = CliRunner().invoke(main, list(case.args))
        outcome = hostile.Outcome(
            result.exit_code, "", 0.0, 0.0, stdout=result.stdout, stderr=result.stderr
        )
    assert hostile.cli_problems(case, outcome) == [], outcome.stderr


# ---------------------------------------------------------------- the service


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    with hostile.started_server(tmp_path_factory.mktemp("hostile-server"), cap=200) as running:
        yield running
        assert running[0].stop() == 0, running[0].stderr


SERVICE_CASES = {case.name: case for case in hostile.service_cases(200)}


@pytest.mark.parametrize("name", list(SERVICE_CASES))
def test_a_hostile_request_gets_one_clear_answer_and_the_server_goes_on(
    hostile_server: tuple[Any, str], name: str
) -> None:
    server, cid = hostile_server
    case = SERVICE_CASES[name]
    outcome = hostile.run_service_case(server, case, cid)
    assert hostile.service_problems(case, outcome) == []


@contextlib.contextmanager
def _serve_in_thread(app: Any) -> Iterator[int]:
    import uvicorn
    from agi_terms.interfaces.http.connections import guarded_protocol

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="critical", ws="none",
        http=guarded_protocol(5.0, 5.0, 50),
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(30)


def test_an_internal_failure_is_a_json_500_and_the_connection_stays_usable(
    tmp_path: Path,
) -> None:
    from agi_terms.interfaces.http.service import create_app

    class Failing(agi_terms.ContractStore):
        def load(self, contract_id: str, *, tenant: str = "") -> agi_terms.Contract:
            if contract_id == "boom":
                raise RuntimeError("a bug")
            return super().load(contract_id, tenant=tenant)

    with Failing(tmp_path / "s.db") as store:
        cid = store.create()
        app = create_app(store)
        with _serve_in_thread(app) as port:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                failed = client.get("/contracts/boom/timeline")
                again = client.get(f"/contracts/{cid}/timeline")
                assert client.get(f"/contracts/{cid}/terms").status_code == 200
            assert failed.status_code == 500
            assert failed.json() == {
                "error": {"place": "", "message": "internal error: RuntimeError"}
            }
            assert again.status_code == 200
            assert failed.headers.get("connection") != "close"


def asgi(app: Any, method: str, path: str, **options: Any) -> httpx.Response:
    """One request to the application in this process."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path, **options)

    return asyncio.run(send())


def test_a_store_that_fails_is_503_not_500(tmp_path: Path) -> None:
    from agi_terms.interfaces.http.service import create_app

    path = tmp_path / "s.db"
    with open_store(path) as store:
        cid = store.create()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE contracts SET parameters = '[1,' WHERE id = ?", (cid,))
    response = asgi(create_app(path), "GET", f"/contracts/{cid}/terms")
    assert response.status_code == 503
    assert response.json()["error"]["message"].startswith(
        f"the store is damaged: cannot read the parameters of contract {cid}"
    )


def test_serve_refuses_a_damaged_store_before_it_listens(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as store:
        store.create()
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA journal_mode=DELETE")
        con.execute("PRAGMA writable_schema=ON")
        con.execute("UPDATE sqlite_master SET sql = 'CREATE TABLE events (x)' WHERE name='events'")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))  # the port is taken: serve must stop before it tries to bind
    port = busy.getsockname()[1]
    try:
        result = CliRunner().invoke(main, ["serve", "--db", str(path), "--port", str(port)])
    finally:
        busy.close()
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}: the store's table events has the columns (x)")


def test_the_openapi_document_states_the_limits(tmp_path: Path) -> None:
    from agi_terms.interfaces.http.service import ServiceLimits, create_app

    app = create_app(tmp_path / "s.db", limits=ServiceLimits(max_events=7))
    document = app.openapi()
    schemas = document["components"]["schemas"]
    assert schemas["NewEvents"]["properties"]["events"]["maxItems"] == 7
    variants = {v["properties"]["agreement"]["const"]: v for v in schemas["NewContract"]["oneOf"]}
    assert list(variants) == list(agi_terms.available_versions())
    assert "required" not in variants["2025-10"]
    assert variants["2026-04"]["required"] == ["agreement"]
    parameters = variants["2025-10"]["properties"]["parameters"]
    assert parameters["additionalProperties"] is False
    assert parameters["properties"]["agi_trigger"]["enum"] == ["verified", "declared"]
    backstop = parameters["properties"]["api_exclusivity_backstop"]["anyOf"][0]
    assert re.fullmatch(backstop["pattern"], "2025-10-28")
    assert not re.fullmatch(backstop["pattern"], "2025-10-27")
    assert schemas["ComputeContract"]["properties"]["provider"]["minLength"] == 1
    actions = schemas["DecideAction"]["properties"]["action"]["discriminator"]["mapping"]
    assert "agi_declared" not in actions
    assert "product_launch" in actions
    for operation in (op for path in document["paths"].values() for op in path.values()):
        assert {"413", "415", "422", "503"} <= set(operation["responses"])
    assert document["paths"].keys() >= {"/contracts"}
    assert "/docs" not in [getattr(r, "path", "") for r in app.routes]


def test_a_term_another_version_has_is_explained_as_not_in_force(tmp_path: Path) -> None:
    from agi_terms.interfaces.http.service import all_term_ids, create_app

    only_2025_01 = [
        t for t in all_term_ids() if t not in agi_terms.load_rulebook("2025-10").term_ids
    ]
    assert only_2025_01
    app = create_app(tmp_path / "s.db")
    cid = asgi(app, "POST", "/contracts", json={}).json()["id"]
    answer = asgi(app, "GET", f"/contracts/{cid}/explain", params={"term": only_2025_01[0]})
    assert answer.status_code == 200
    assert answer.json() == {
        "date": "2025-10-28", "phase": "pre_agi", "term": only_2025_01[0], "in_force": False,
        "reason": "not_granted", "because": [], "sources": {},
    }  # fmt: skip


def test_a_parameter_of_another_version_is_validated_when_the_contract_is_created(
    tmp_path: Path,
) -> None:
    foreign = next(
        p for p in agi_terms.load_rulebook("2026-04").parameters
        if p.name not in agi_terms.load_rulebook("2025-10").parameter_by_name
        and p.type == "number"
    )  # fmt: skip
    with open_store(tmp_path / "s.db") as store:
        with pytest.raises(InputError) as caught:
            store.create("2025-10", {foreign.name: -1.0})
        assert caught.value.place == f"parameters.{foreign.name}"
        assert store.count() == (0, 0)


# ---------------------------------------------------------------- the reader of every door


def test_nesting_is_refused_past_the_limit_and_read_up_to_it() -> None:
    limits = InputLimits(max_depth=5)
    assert parse_yaml("a: [[[[1]]]]", "t", limits).data == {"a": [[[[1]]]]}
    with pytest.raises(InputLimitError) as caught:
        parse_yaml("a: [[[[[1]]]]]", "t", limits)
    assert (caught.value.line, caught.value.column) == (1, 8)
    assert parse_json(b'{"a": [[[[1]]]]}', limits=limits) == {"a": [[[[1]]]]}
    with pytest.raises(InputLimitError, match="nested more than 5 levels") as json_caught:
        parse_json(b'{"a": [[[["x]", [1]]]]]}', limits=limits)
    assert (json_caught.value.line, json_caught.value.column) == (1, 17)


def test_aliases_within_the_limits_are_read_and_expanded() -> None:
    text = "cap: &c {bio_chem: low, cyber: low, self_improvement: low}\nx: [*c, *c]\n"
    # The mapping is 7 nodes (itself, 3 keys, 3 values): two aliases of it add 14.
    data = parse_yaml(text, "t", InputLimits(max_aliases=2, max_alias_nodes=14)).data
    assert data["x"] == [data["cap"], data["cap"]]
    with pytest.raises(InputLimitError, match="more than 1 aliases"):
        parse_yaml(text, "t", InputLimits(max_aliases=1))
    with pytest.raises(InputLimitError, match="expand to more than 13 nodes"):
        parse_yaml(text, "t", InputLimits(max_alias_nodes=13))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"a": 1, "a": 2}', "JSON: the key 'a' appears twice in one object"),
        (b'{"a": [{"b": 1, "b": 1}]}', "JSON: the key 'b' appears twice in one object"),
        (b"[Infinity]", "JSON: Infinity is not a JSON number"),
        (b"[-Infinity]", "JSON: -Infinity is not a JSON number"),
        (b"\xef\xbb\xbf{}", "JSON: a byte-order mark before the JSON"),
        (b'{"a": "\xff"}', "JSON: the body is not UTF-8 (byte 7); send UTF-8 JSON"),
        (b'{"a": 1', "malformed JSON: Expecting ',' delimiter"),
        (b"[" + b"9" * 5000 + b"]", "JSON: a number has more than 4,300 digits"),
        (b"[" * 5000 + b"]" * 5000, "JSON: nested more than 64 levels deep"),
        (b" " * 101, "JSON: more than the limit of 100 bytes"),
    ],
)
def test_strict_json_says_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_json(body, "body", InputLimits(max_bytes=100 if len(body) == 101 else 2**20))
    assert caught.value.message == message


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    with pytest.raises(InputLimitError, match=r"not a regular file \(a folder\)"):
        read_bytes(tmp_path)
    small = tmp_path / "small.yaml"
    small.write_bytes(b"x" * 10)
    assert read_bytes(small, InputLimits(max_bytes=10)) == b"x" * 10
    with pytest.raises(InputLimitError, match="larger than the limit of 9 bytes"):
        read_bytes(small, InputLimits(max_bytes=9))


def test_control_characters_are_shown_as_escapes() -> None:
    assert (
        printable("a\x1b[2Jb\tc\nd\x7f\x9b\u202e\u2028")
        == "a\\x1b[2Jb\tc\nd\\x7f\\x9b\\u202e\\u2028"
    )
    assert printable("Acme — café 🚀") == "Acme — café 🚀"


def test_workers_are_capped_at_the_chunks_and_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    from agi_terms.analysis.montecarlo import load_assumptions, runner

    seen: list[int] = []

    def in_processes(
        tasks: list[Any], populations: list[Any], workers: int, report: bool
    ) -> Iterator[Any]:
        seen.append(workers)
        return ((t.study, t.size, runner.run_chunk(t, populations[t.study])) for t in tasks)

    monkeypatch.setattr(runner, "_in_processes", in_processes)
    monkeypatch.setattr(runner, "available_cpus", lambda: 2)
    assumptions = load_assumptions(ROOT / "simulations" / "assumptions" / "default.yaml")
    runner.run_montecarlo(assumptions, runs=3 * runner.CHUNK_RUNS, seed=1, workers=300)
    assert seen == [2]


# ---------------------------------------------------------------- amounts and totals

EXTREME = st.sampled_from([1e308, 1.7976931348623157e308, 8.98846567431158e307, 5e-324, 1e-300])


@st.composite
def histories_with_extreme_amounts(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Accepted event sequences with purchases of extreme amounts slipped in between their events."""
    events = [event_to_json(e) for e in draw(event_sequences(max_size=12))]
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(events)))
        day = events[at - 1]["date"] if at else "2025-10-28"
        amount = draw(EXTREME | st.floats(min_value=1e300, max_value=1.7976931348623157e308))
        events.insert(at, {"date": day, "type": "azure_purchase", "amount_usd": amount})
    return events


@settings(
    max_examples=60 if CI else 15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(histories_with_extreme_amounts())
def test_every_accepted_history_snapshots_and_reloads(
    tmp_path_factory: pytest.TempPathFactory, events: list[dict[str, Any]]
) -> None:
    agreement = agi_terms.load_agreement("2025-10", backend="python")
    contract = agreement.start()
    accepted = []
    for event in events:
        try:
            contract = contract.apply(event)
        except InputError as exc:  # only a purchase that would overflow the total is refused
            refused: tuple[object, str] = (event["type"], exc.place)
        else:
            accepted.append(event)
            continue
        assert refused == ("azure_purchase", "amount_usd")
    assert contract.state.azure_purchased_usd < float("inf")
    saved = json.loads(json.dumps(contract.to_json(), allow_nan=False))
    assert agi_terms.load_contract(saved, backend="python") == contract
    path = tmp_path_factory.mktemp("extreme") / "s.db"
    with open_store(path, snapshot_every=2) as store:
        cid = store.create()
        for event in accepted:
            store.append(cid, [event])
    with open_store(path, cache_size=0) as reread:
        assert reread.load(cid) == contract


def test_the_event_that_would_overflow_a_total_is_refused_and_changes_nothing() -> None:
    with agi_terms.load_agreement("2025-10", backend="python") as agreement:
        one = agreement.start().apply(
            {"date": "2026-01-01", "type": "azure_purchase", "amount_usd": 1e308}
        )
        with pytest.raises(InputError) as caught:
            one.apply_all(
                [
                    {"date": "2026-01-02", "type": "agi_declared"},
                    {"date": "2026-01-02", "type": "azure_purchase", "amount_usd": 1e308},
                ]
            )
        assert caught.value.place == "[1].amount_usd"
        assert "the Azure purchases would exceed the largest number" in caught.value.message
        assert one.state.azure_purchased_usd == 1e308
        assert len(one.events) == 1


# ---------------------------------------------------------------- the store


def test_an_empty_file_is_not_a_store_and_a_new_one_is_made_whole(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError, match=r"not an agi-terms store \(an empty file"):
        open_store(empty)
    assert empty.read_bytes() == b""
    new = tmp_path / "new.db"
    open_store(new).close()
    assert new.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    open_store(new).close()


def _story_store(path: Path) -> list[str]:
    story = [
        {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"},
        {"date": "2029-03-01", "type": "agi_declared"},
        {"date": "2029-09-01", "type": "panel_verified"},
        {"date": "2030-01-01", "type": "azure_purchase", "amount_usd": 2e11},
    ]
    with open_store(path, snapshot_every=2) as store:
        ids = []
        for k in range(4):
            cid = store.create(parameters={"agi_trigger": "declared"} if k % 2 else {})
            store.append(cid, story)
            ids.append(cid)
    with sqlite3.connect(path) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode=DELETE")
    return ids


@settings(max_examples=80 if CI else 25, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_damage_of_any_kind_is_a_store_error(
    tmp_path_factory: pytest.TempPathFactory, data: Any
) -> None:
    folder = tmp_path_factory.mktemp("damage")
    path = folder / "s.db"
    ids = _story_store(path)
    raw = bytearray(path.read_bytes())
    kind = data.draw(st.sampled_from(["bytes", "truncate", "block"]))
    if kind == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        size = 1 if kind == "bytes" else 64
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(raw) - size))
            raw[at : at + size] = data.draw(st.binary(min_size=size, max_size=size))
    path.write_bytes(bytes(raw))
    refusal: StoreError | None = None
    try:
        with open_store(path, cache_size=0) as store:
            for cid in ids:
                with contextlib.suppress(agi_terms.UnknownContractError):
                    store.load(cid)
                    store.events(cid)
            store.contracts()
            store.verify()
    except StoreError as exc:  # anything else (a raw sqlite3, JSON or pydantic error) fails
        refusal = exc
    if refusal is not None:
        assert refusal.message
        assert "\n" not in refusal.one_line()


def test_a_damaged_snapshot_is_replayed_instead(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    ids = _story_store(path)
    with open_store(path, cache_size=0) as store:
        expected = {cid: store.load(cid) for cid in ids}
    with sqlite3.connect(path) as con:
        con.execute("UPDATE snapshots SET data = replace(data, 'post_agi', 'post_agx')")
    with open_store(path, cache_size=0) as store:
        assert {cid: store.load(cid) for cid in ids} == expected


def test_the_agreement_cache_keeps_the_most_recent_within_its_limits() -> None:
    dropped: list[agi_terms.Agreement] = []
    cache = AgreementCache("python", max_count=3, on_evict=dropped.append)
    built = [cache.get("2025-10", {"azure_commitment_usd": 1e9 + i}) for i in range(5)]
    assert len(cache) == 3
    assert dropped == built[:2]
    assert cache.get("2025-10", {"azure_commitment_usd": 1e9 + 4}) is built[4]
    by_bytes = AgreementCache("python", max_bytes=2 * built[0].footprint())
    for i in range(4):
        by_bytes.get("2025-10", {"azure_commitment_usd": 1e9 + i})
    assert len(by_bytes) == 2
    assert by_bytes.footprint() <= 2 * built[0].footprint()


def test_the_store_forgets_the_contracts_of_an_agreement_it_let_go(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", max_agreements=2) as store:
        ids = [store.create(parameters={"azure_commitment_usd": 1e9 + i}) for i in range(4)]
        for cid in ids:
            store.load(cid)
        held = {id(c.agreement) for c in store._cache.values()}
        assert len(store.agreements) == 2
        assert len(held) <= 2
        assert store.load(ids[0]).terms(on=dt.date(2026, 1, 1)).phase == "pre_agi"

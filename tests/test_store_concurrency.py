"""Many writers on one store: 8 threads and 4 processes, on one contract and on their own contracts,
and two ``serve`` processes with 8 writers each on one database; on SQLite and PostgreSQL.

No event is lost or duplicated, versions are dense and in order, every batch is contiguous, losers
of a race on ``expected_version`` get a conflict (409 over HTTP), what is stored is what was
acknowledged, and the stored contract equals an in-memory replay.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import agi_terms
import httpx
import pytest
import store_workers as workers
from agi_terms.store import Store, open_store
from conftest import run_sql
from service_server import Server

THREADS = 8
PROCESSES = 4
ROUNDS = 25
BATCH = 3


def replay(events: list[dict[str, Any]]) -> agi_terms.Contract:
    with agi_terms.load_agreement(backend="python") as agreement:
        return agreement.start().apply_all(events)


def stored_versions(path: str, contract_id: str) -> list[int]:
    rows = run_sql(
        path,
        "SELECT number FROM events JOIN contracts ON seq = contract WHERE id = ? ORDER BY number",
        (contract_id,),
    )
    return [r[0] for r in rows]


def check_interleaved(
    store: Store, path: str, cid: str, writers: int, acked: dict[int, list[int]]
) -> None:
    """Every batch stored once, contiguous and in each writer's order; versions 1..N; replay equal."""
    events = store.events(cid)
    total = writers * ROUNDS * BATCH
    assert len(events) == total
    assert stored_versions(path, cid) == list(range(1, total + 1))
    names = [e["name"] for e in events]
    assert len(set(names)) == total
    for version, event in zip(range(1, total + 1), events, strict=True):
        worker, round_, index = (int(p[1:]) for p in event["name"].split("-"))
        # The batch acknowledged with version v holds versions v-BATCH+1 .. v, in order.
        assert acked[worker][round_] == version - index + BATCH - 1
    for versions in acked.values():
        assert versions == sorted(versions)
    assert store.load(cid) == replay(events)


def run_threads(count: int, target: Callable[[int], Any]) -> dict[int, Any]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = {w: pool.submit(target, w) for w in range(count)}
        return {w: f.result() for w, f in futures.items()}


def run_processes(
    count: int, kind: str, path: str, contract_ids: list[str], args: tuple[Any, ...]
) -> dict[int, Any]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    barrier = ctx.Barrier(count, timeout=120)
    procs = [
        ctx.Process(
            target=workers.process_main,
            args=(kind, str(path), contract_ids[w], w, args, barrier, results),
        )
        for w in range(count)
    ]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    failures = [r for r in reports if r[1] != "ok"]
    assert not failures
    assert all(proc.exitcode == 0 for proc in procs)
    return {worker: result for worker, _, result in reports}


@pytest.fixture
def path(store_target: str) -> str:
    return store_target


def test_threads_appending_to_one_contract_lose_and_duplicate_nothing(path: str) -> None:
    with open_store(path, snapshot_every=7) as store:
        cid = store.create()
        acked = run_threads(THREADS, lambda w: workers.append_rounds(store, cid, w, ROUNDS, BATCH))
        check_interleaved(store, path, cid, THREADS, acked)
    with open_store(path) as reopened:
        assert reopened.load(cid) == replay(reopened.events(cid))


def test_threads_racing_on_expected_version_have_one_winner_per_round(path: str) -> None:
    with open_store(path) as store:
        cid = store.create()
        barrier = threading.Barrier(THREADS, timeout=120)
        won = run_threads(THREADS, lambda w: workers.contend_rounds(store, cid, w, ROUNDS, barrier))
        per_round = [sum(won[w][r] for w in won) for r in range(ROUNDS)]
        assert per_round == [1] * ROUNDS
        assert sum(not x for results in won.values() for x in results) == (THREADS - 1) * ROUNDS
        events = store.events(cid)
        winners = [f"w{w}-r{r}-e0" for r in range(ROUNDS) for w in won if won[w][r]]
        assert [e["name"] for e in events] == winners
        assert stored_versions(path, cid) == list(range(1, ROUNDS + 1))
        assert store.load(cid) == replay(events)


def test_threads_on_their_own_contracts_with_and_without_expected_versions(path: str) -> None:
    length = 40
    with open_store(path, snapshot_every=9) as store:
        ids = [store.create() for _ in range(THREADS)]
        versions = run_threads(THREADS, lambda w: workers.append_own(store, ids[w], w, length, 3))
        assert versions == dict.fromkeys(range(THREADS), length)
    with open_store(path, cache_size=0) as reopened:
        for w, cid in enumerate(ids):
            assert reopened.events(cid) == [
                agi_terms.events.event_to_json(agi_terms.parse_event(e))
                for e in workers.own_story(w, length)
            ]
            assert reopened.load(cid) == replay(workers.own_story(w, length))
            assert stored_versions(path, cid) == list(range(1, length + 1))


def test_processes_appending_to_one_contract_lose_and_duplicate_nothing(path: str) -> None:
    with open_store(path) as store:
        cid = store.create()
    acked = run_processes(PROCESSES, "append", path, [cid] * PROCESSES, (ROUNDS, BATCH))
    with open_store(path) as store:
        check_interleaved(store, path, cid, PROCESSES, acked)


def test_processes_racing_on_expected_version_have_one_winner_per_round(path: str) -> None:
    with open_store(path) as store:
        cid = store.create()
    won = run_processes(PROCESSES, "contend", path, [cid] * PROCESSES, (ROUNDS,))
    assert [sum(won[w][r] for w in won) for r in range(ROUNDS)] == [1] * ROUNDS
    with open_store(path) as store:
        assert store.event_count(cid) == ROUNDS
        assert stored_versions(path, cid) == list(range(1, ROUNDS + 1))
        assert store.load(cid) == replay(store.events(cid))


def test_processes_on_their_own_contracts_with_and_without_expected_versions(path: str) -> None:
    length = 30
    with open_store(path) as store:
        ids = [store.create() for _ in range(PROCESSES)]
    versions = run_processes(PROCESSES, "own", path, ids, (length, 4))
    assert versions == dict.fromkeys(range(PROCESSES), length)
    with open_store(path) as store:
        for w, cid in enumerate(ids):
            assert store.load(cid) == replay(workers.own_story(w, length))
            assert stored_versions(path, cid) == list(range(1, length + 1))


def test_processes_opening_a_new_file_at_once_create_one_schema(path: str) -> None:
    acked = run_processes(PROCESSES, "open", path, ["-"] * PROCESSES, ())
    assert acked == dict.fromkeys(range(PROCESSES), 0)
    assert run_sql(path, "SELECT count(*) FROM schema_version") == [(1,)]


def test_writers_sharing_one_idempotency_key_store_one_copy(path: str) -> None:
    stores = [open_store(path) for _ in range(2)]
    try:
        cid = stores[0].create()
        barrier = threading.Barrier(THREADS, timeout=120)
        batch = [workers.launch(0, 0, k) for k in range(BATCH)]

        def retry(w: int) -> tuple[str, agi_terms.store.Appended]:
            store = stores[w % 2]
            barrier.wait()
            created = store.create(idempotency_key="one-create")
            barrier.wait()
            return created, store.append(cid, batch, expected_version=0, idempotency_key="one")

        results = run_threads(THREADS, retry)
        assert len({created for created, _ in results.values()}) == 1
        appended = [a for _, a in results.values()]
        assert all(a.event_count == BATCH for a in appended)
        assert all([s.to_json() for s in a.steps] == [s.to_json() for s in appended[0].steps]
                   for a in appended)  # fmt: skip
        assert stores[1].count() == (2, BATCH)
        assert stored_versions(path, cid) == list(range(1, BATCH + 1))
    finally:
        for store in stores:
            store.close()


# ---------------------------------------------------------------- two servers on one database

REPLICAS = 2
WRITERS_PER_REPLICA = 8
HTTP_ROUNDS = 12


def _http_writer(url: str, cid: str, worker: int) -> list[tuple[str, int, list[str], int | None]]:
    """Rounds of appends to one contract through one server: even rounds unconditional, odd ones
    with the version just read (an empty append answers it). Each answer as (kind, status, the
    names sent, the version acknowledged)."""
    answers = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for r in range(HTTP_ROUNDS):
            names = [f"w{worker}-r{r}-e{k}" for k in range(2)]
            body: dict[str, Any] = {"events": [{**workers.launch(worker, r, k)} for k in range(2)]}
            kind = "plain"
            if r % 2:
                kind = "expected"
                seen = client.post(f"/contracts/{cid}/events", json={"events": []})
                assert seen.status_code == 200, seen.text
                body["expected_version"] = seen.json()["version"]
            answer = client.post(f"/contracts/{cid}/events", json=body)
            version = answer.json().get("version") if answer.status_code == 200 else None
            answers.append((kind, answer.status_code, names, version))
    return answers


def test_two_servers_with_eight_writers_each_lose_and_duplicate_nothing(path: str) -> None:
    with Server(path) as first, Server(path) as second:
        first.start()
        second.start()
        created = httpx.post(f"{first.url}/contracts", json={}, timeout=60)
        assert created.status_code == 201
        cid = created.json()["id"]
        urls = [first.url, second.url]
        total = REPLICAS * WRITERS_PER_REPLICA
        results = run_threads(total, lambda w: _http_writer(urls[w % REPLICAS], cid, w))
        assert first.stop() == 0
        assert second.stop() == 0
    answers = [a for per_writer in results.values() for a in per_writer]
    # Every answer is 200, and every refusal a conflict of a conditional append.
    assert {(kind, status) for kind, status, _, _ in answers} <= {
        ("plain", 200), ("expected", 200), ("expected", 409)
    }  # fmt: skip
    conflicts = sum(status == 409 for _, status, _, _ in answers)
    assert conflicts > 0  # the writers did race
    acknowledged = {version: names for _, status, names, version in answers if status == 200}
    assert len(acknowledged) == len(answers) - conflicts  # no two appends acknowledged one version
    with open_store(path) as store:
        events = store.events(cid)
        stored = [e["name"] for e in events]
        # Stored equals acknowledged: each acknowledged batch whole where its version says.
        assert len(stored) == len(set(stored)) == 2 * len(acknowledged)
        for version, names in acknowledged.items():
            assert stored[version - 2 : version] == names
        assert store.load(cid) == replay(events)
    assert stored_versions(path, cid) == list(range(1, len(stored) + 1))

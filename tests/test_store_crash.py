"""A writer killed with SIGKILL at random moments: acknowledged appends survive, none is stored in
part; on SQLite and PostgreSQL, and a ``serve`` replica killed mid-append beside another.

The harness is ``simulations/crash_trials.py`` (which runs 1000 trials); the suite runs 30 on
SQLite and 15 on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import random
import sqlite3
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import agi_terms
import httpx
import pytest
import store_workers as workers
from agi_terms.store import open_store
from conftest import STORE_BACKENDS
from service_server import Server

TRIALS = {"sqlite": 30, "postgres": 15}


def _harness() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "simulations" / "crash_trials.py"
    spec = importlib.util.spec_from_file_location("crash_trials", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_trials"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


crash = _harness()


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_killed_writers_lose_no_acknowledged_append_and_split_none(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    server = request.getfixturevalue("postgres_server") if backend == "postgres" else None
    trials = TRIALS[backend]
    results = crash.run_trials(trials, seed=20261122, folder=tmp_path, db=server)
    assert [r for r in results if not r.ok] == []
    assert sum(r.lost for r in results) == 0
    assert sum(r.partial for r in results) == 0
    # The kills landed while the writer was working, not only before or after it.
    assert sum(r.acknowledged > 0 for r in results) >= trials // 2


def _finished_writer(folder: Path, seed: int, operations: int) -> tuple[Path, int]:
    db, acks = folder / "w.db", folder / "w.acks"
    crash_plan = crash.plan(seed)[:operations]
    original = crash.plan
    crash.plan = lambda s: crash_plan
    try:
        crash.writer(str(db), seed, str(acks))
    finally:
        crash.plan = original
    return db, crash.read_acks(acks)


def test_the_checker_accepts_a_complete_store(tmp_path: Path) -> None:
    db, acked = _finished_writer(tmp_path, 5, 30)
    result = crash.check(db, 5, acked)
    assert (acked, result.stored, result.ok) == (30, 30, True)


def _drop_last_events(db: Path, contract: str, count: int) -> None:
    """Remove the last ``count`` events of ``contract`` as if they had never been written."""
    with sqlite3.connect(db) as con:
        (seq, stored) = con.execute(
            "SELECT seq, event_count FROM contracts WHERE id = ?", (contract,)
        ).fetchone()
        con.execute("DELETE FROM events WHERE contract = ? AND number > ?", (seq, stored - count))
        con.execute("DELETE FROM snapshots")
        con.execute("UPDATE contracts SET event_count = ? WHERE seq = ?", (stored - count, seq))


def _last_appends(seed: int, operations: int) -> dict[str, int]:
    """The size of each contract's last append in the first ``operations`` of the plan."""
    last: dict[str, int] = {}
    for op in crash.plan(seed)[:operations]:
        if not op.create:
            last[op.contract] = len(op.events)
    return last


def test_the_checker_sees_a_lost_append(tmp_path: Path) -> None:
    db, acked = _finished_writer(tmp_path, 5, 30)
    contract, size = next(iter(_last_appends(5, acked).items()))
    _drop_last_events(db, contract, size)
    result = crash.check(db, 5, acked)
    assert result.lost == 1
    assert not result.ok


def test_the_checker_sees_a_partial_append(tmp_path: Path) -> None:
    db, acked = _finished_writer(tmp_path, 6, 40)
    contract = next(c for c, size in _last_appends(6, acked).items() if size > 1)
    _drop_last_events(db, contract, 1)
    result = crash.check(db, 6, acked)
    assert result.partial == 1
    assert not result.ok


# ---------------------------------------------------------------- a replica killed mid-append

CONTRACTS = 4
WRITERS = 8
BATCH = 3


def _replica_writer(
    url: str, cid: str, worker: int, stop: threading.Event, acked: dict[int, list[str]]
) -> tuple[dict[int, list[str]], list[list[str]]]:
    """Append batches until ``stop`` or the server is gone, filling ``acked`` (the batches
    acknowledged, by version) as answers come; that and the batch whose answer never came (in
    flight when the server died)."""
    unanswered: list[list[str]] = []
    with httpx.Client(base_url=url, timeout=60) as client:
        round_ = 0
        while not stop.is_set():
            batch = [workers.launch(worker, round_, k) for k in range(BATCH)]
            names = [e["name"] for e in batch]
            try:
                answer = client.post(f"/contracts/{cid}/events", json={"events": batch})
            except httpx.TransportError:
                unanswered.append(names)
                break
            assert answer.status_code == 200, answer.text
            acked[answer.json()["version"]] = names
            round_ += 1
    return acked, unanswered


@pytest.mark.parametrize("trial", range(2))
def test_a_replica_killed_mid_append_loses_nothing_acknowledged(
    store_target: str, trial: int
) -> None:
    rng = random.Random(trial)
    with Server(store_target) as doomed, Server(store_target) as survivor:
        doomed.start()
        survivor.start()
        ids = [
            httpx.post(f"{survivor.url}/contracts", json={}, timeout=60).json()["id"]
            for _ in range(CONTRACTS)
        ]
        stop = threading.Event()
        results: dict[int, tuple[dict[int, list[str]], list[list[str]]]] = {}
        live: dict[int, dict[int, list[str]]] = {w: {} for w in range(WRITERS)}

        def run(w: int) -> None:
            url = doomed.url if w % 2 == 0 else survivor.url
            results[w] = _replica_writer(url, ids[w % CONTRACTS], w, stop, live[w])

        threads = [threading.Thread(target=run, args=(w,)) for w in range(WRITERS)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(1.0, 2.5))
        assert doomed.kill() == -9
        killed_at = {w: len(live[w]) for w in range(WRITERS)}
        time.sleep(1.0)  # the survivor goes on serving its writers
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        assert survivor.stop() == 0
    assert set(results) == set(range(WRITERS))
    # The writers of the killed replica were cut off mid-request; the survivor's went on.
    assert all(results[w][1] for w in range(0, WRITERS, 2))
    assert all(not results[w][1] for w in range(1, WRITERS, 2))
    assert sum(len(results[w][0]) for w in range(1, WRITERS, 2)) > sum(
        killed_at[w] for w in range(1, WRITERS, 2)
    )
    with open_store(store_target, cache_size=0) as store:
        for c, cid in enumerate(ids):
            events = store.events(cid)
            stored = [e["name"] for e in events]
            assert len(stored) == len(set(stored))  # nothing twice
            writers = [w for w in range(WRITERS) if w % CONTRACTS == c]
            acked = {v: names for w in writers for v, names in results[w][0].items()}
            for version, names in acked.items():  # every acknowledged batch, whole, in its place
                assert stored[version - BATCH : version] == names
            # Every stored batch is whole: acknowledged, or the one in flight at the kill.
            unanswered = [tuple(n) for w in writers for n in results[w][1]]
            batches = [tuple(stored[i : i + BATCH]) for i in range(0, len(stored), BATCH)]
            assert len(stored) % BATCH == 0
            assert set(batches) <= {tuple(n) for n in acked.values()} | set(unanswered)
            with agi_terms.load_agreement(backend="python") as agreement:
                assert store.load(cid) == agreement.start().apply_all(events)

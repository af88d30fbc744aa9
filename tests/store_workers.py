"""Writers for the store's concurrency tests, importable by spawned processes as well as threads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agi_terms.store import ContractStore, VersionConflictError, open_store

LAUNCH_DAY = "2027-01-01"


def launch(worker: int, round_: int, index: int) -> dict[str, Any]:
    """An action event on the one shared date, named after who sent it (so losses show)."""
    return {
        "date": LAUNCH_DAY,
        "type": "product_launch",
        "kind": "api",
        "cloud": "azure",
        "name": f"w{worker}-r{round_}-e{index}",
    }


def own_story(worker: int, length: int) -> list[dict[str, Any]]:
    """A valid chronological story for one contract: declarations, verdicts and actions."""
    cycle = [
        {"type": "agi_declared"},
        {"type": "azure_purchase", "amount_usd": 1e9 + worker},
        {"type": "panel_rejected"},
        {"type": "product_launch", "kind": "api", "cloud": "gcp", "name": f"w{worker}"},
    ]
    start = dt.date(2026, 1, 1)
    return [
        {**cycle[i % len(cycle)], "date": (start + dt.timedelta(days=i)).isoformat()}
        for i in range(length)
    ]


def append_rounds(
    store: ContractStore, contract_id: str, worker: int, rounds: int, batch: int
) -> list[int]:
    """Append ``rounds`` batches without an expected version; the versions acknowledged."""
    return [
        store.append(contract_id, [launch(worker, r, k) for k in range(batch)]).event_count
        for r in range(rounds)
    ]


def contend_rounds(
    store: ContractStore, contract_id: str, worker: int, rounds: int, barrier: Any
) -> list[bool]:
    """Each round every worker reads the version, then all append with it: one wins, the rest conflict."""
    won = []
    for r in range(rounds):
        barrier.wait()
        version = store.event_count(contract_id)
        barrier.wait()
        try:
            store.append(contract_id, [launch(worker, r, 0)], expected_version=version)
        except VersionConflictError as exc:
            if exc.actual <= version:
                raise AssertionError(
                    f"a conflict at {exc.actual} after reading {version}"
                ) from None
            won.append(False)
        else:
            won.append(True)
    return won


def append_own(store: ContractStore, contract_id: str, worker: int, length: int, batch: int) -> int:
    """Append this worker's story to its own contract in batches, every other one with the
    expected version (the others without)."""
    story = own_story(worker, length)
    version = 0
    for number, start in enumerate(range(0, length, batch)):
        expected = version if number % 2 == 0 else None
        result = store.append(contract_id, story[start : start + batch], expected_version=expected)
        if result.event_count != min(start + batch, length):
            raise AssertionError(f"{result.event_count} events after {start + batch}")
        version = result.event_count
    return version


def process_main(
    kind: str,
    db: str,
    contract_id: str,
    worker: int,
    args: tuple[Any, ...],
    barrier: Any,
    results: Any,
) -> None:
    """Entry point of a spawned writer process: opens its own store and reports its result.

    Every process waits at ``barrier`` once the store is open, so that the writers overlap.
    """
    try:
        with open_store(db) as store:
            barrier.wait()
            if kind == "append":
                result: Any = append_rounds(store, contract_id, worker, *args)
            elif kind == "open":
                result = 0
            elif kind == "contend":
                result = contend_rounds(store, contract_id, worker, *args, barrier)
            else:
                result = append_own(store, contract_id, worker, *args)
        results.put((worker, "ok", result))
    except BaseException as exc:
        results.put((worker, "error", repr(exc)))
        raise

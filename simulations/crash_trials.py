"""Crash trials for the contract store: a writer killed with SIGKILL at random moments loses nothing.

Each trial starts a writer process that follows a seeded plan (create contracts, append batches of
1 to 40 events, some with an expected version) and records every acknowledged operation in a file
that it fsyncs before going on. The trial kills the writer at a random moment (while it starts, opens
the store, or appends), then reopens the store and checks that it opens cleanly (integrity check),
that every acknowledged operation is stored, that no append is stored in part (each contract holds
whole batches of its plan, in order), that replaying the stored events gives the stored contract,
and that the store takes new appends.

    python simulations/crash_trials.py --trials 1000 [--seed 1] [--dir DIR] [--db postgresql://...]

With ``--db URL`` the trials run on that PostgreSQL database, each trial in a schema of its own
(created and dropped here); otherwise each on a new SQLite file.

prints one line per 100 trials and a summary; the exit status is 1 when any trial lost or split an
append.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

OPERATIONS = 3000
CONTRACTS = 4
SNAPSHOT_EVERY = 5


@dataclasses.dataclass(frozen=True)
class Operation:
    """One step of a writer's plan: create contract ``contract``, or append ``events`` to it."""

    contract: str
    events: tuple[dict[str, Any], ...] = ()
    create: bool = False
    expect: bool = False


def plan(seed: int) -> list[Operation]:
    """The writer's operations for ``seed``: the same list in the writer and in the checker."""
    rng = random.Random(seed)
    made: dict[str, int] = {}
    ops: list[Operation] = []
    cycle = [
        {"type": "agi_declared"},
        {"type": "azure_purchase", "amount_usd": 1e9},
        {"type": "panel_rejected"},
        {"type": "product_launch", "kind": "api", "cloud": "aws"},
        {"type": "ms_ip_use", "asset": "research"},
    ]
    start = dt.date(2026, 1, 1)
    while len(ops) < OPERATIONS:
        contract = f"c{rng.randrange(CONTRACTS)}"
        if contract not in made:
            made[contract] = 0
            ops.append(Operation(contract, create=True))
            continue
        size = rng.choice([1, 1, 2, 3, 5, 8, 13, 40])
        first = made[contract]
        events = tuple(
            {
                **cycle[i % len(cycle)],
                "date": (start + dt.timedelta(days=i // 2)).isoformat(),
            }
            for i in range(first, first + size)
        )
        made[contract] = first + size
        ops.append(Operation(contract, events, expect=rng.random() < 0.5))
    return ops


def writer(db: str, seed: int, acks: str) -> None:
    """Carry out the plan, writing and fsyncing the index of each acknowledged operation."""
    from agi_terms.store import open_store

    fd = os.open(acks, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    versions: dict[str, int] = {}
    with open_store(db, snapshot_every=SNAPSHOT_EVERY) as store:
        for index, op in enumerate(plan(seed)):
            if op.create:
                store.create(contract_id=op.contract)
                versions[op.contract] = 0
            else:
                expected = versions[op.contract] if op.expect else None
                result = store.append(op.contract, op.events, expected_version=expected)
                versions[op.contract] = result.event_count
            os.write(fd, f"{index}\n".encode())
            os.fsync(fd)


@dataclasses.dataclass
class TrialResult:
    seed: int
    acknowledged: int
    stored: int
    lost: int
    partial: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not (self.lost or self.partial or self.problems)


def read_acks(path: Path) -> int:
    """The number of acknowledged operations (complete lines; they are the indices 0, 1, ...)."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return 0
    lines = text.split("\n")[:-1]
    assert lines == [str(i) for i in range(len(lines))], "acknowledgements out of order"
    return len(lines)


def with_schema(url: str, schema: str) -> str:
    """The PostgreSQL ``url`` with its tables in ``schema`` (the connections' search path)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={urllib.parse.quote(f'-csearch_path={schema}')}"


def _schema_sql(url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(statement)


def _integrity(db: Path | str, store: Any) -> str:
    """``ok``, or what the database's own check finds wrong."""
    import sqlite3

    import agi_terms
    from agi_terms.store import is_postgres_url

    if is_postgres_url(db):
        try:
            store.verify()
        except agi_terms.AgiTermsError as exc:
            return str(exc)
        return "ok"
    with sqlite3.connect(db) as con:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])


def check(db: Path | str, seed: int, acknowledged: int) -> TrialResult:
    """Reopen the store after a kill and compare it with the plan and the acknowledgements."""
    import agi_terms
    from agi_terms.store import open_store

    ops = plan(seed)
    problems: list[str] = []
    lost = partial = 0
    stored_ops: set[int] = set()
    try:
        store = open_store(db, snapshot_every=SNAPSHOT_EVERY)
    except agi_terms.AgiTermsError as exc:
        return TrialResult(seed, acknowledged, 0, 0, 0, [f"does not open: {exc}"])
    with store:
        verdict = _integrity(db, store)
        if verdict != "ok":
            problems.append(f"integrity check: {verdict}")
        existing = {c.id for c in store.contracts()}
        for contract in sorted({op.contract for op in ops}):
            own = [i for i, op in enumerate(ops) if op.contract == contract]
            if contract not in existing:
                continue
            stored = store.events(contract)
            # The stored events must be the events of this contract's first k appends, whole.
            count, covered = 0, [own[0]]
            for i in own[1:]:
                size = len(ops[i].events)
                if count + size > len(stored):
                    break
                count += size
                covered.append(i)
            planned = [
                agi_terms.events.event_to_json(agi_terms.parse_event(e))
                for i in covered
                for e in ops[i].events
            ]
            if count != len(stored) or stored != planned:
                partial += 1
                problems.append(f"{contract}: {len(stored)} events are not whole planned appends")
            stored_ops.update(covered)
            try:
                with agi_terms.load_agreement(backend="python") as agreement:
                    if store.load(contract) != agreement.start().apply_all(stored):
                        problems.append(f"{contract}: the loaded contract differs from a replay")
            except agi_terms.AgiTermsError as exc:
                problems.append(f"{contract}: does not load: {exc}")
        lost = sum(1 for i in range(acknowledged) if i not in stored_ops)
        # Operations run one at a time: the stored ones are the acknowledged ones, plus at most
        # the one in flight when the writer died.
        if stored_ops != set(range(len(stored_ops))) or len(stored_ops) - acknowledged not in (
            0,
            1,
        ):
            problems.append(f"{len(stored_ops)} operations stored, {acknowledged} acknowledged")
        try:
            probe = store.create()
            store.append(
                probe, [{"date": "2026-01-01", "type": "agi_declared"}], expected_version=0
            )
        except agi_terms.AgiTermsError as exc:
            problems.append(f"takes no new appends: {exc}")
    return TrialResult(seed, acknowledged, len(stored_ops), lost, partial, problems)


def run_trial(
    folder: Path, seed: int, rng: random.Random, server: str | None = None
) -> TrialResult:
    """One trial: start a writer, kill it with SIGKILL at a random moment, check the store (an
    SQLite file in ``folder``, or a new schema on the PostgreSQL ``server``)."""
    acks = folder / f"trial-{seed}.acks"
    db: Path | str = folder / f"trial-{seed}.db"
    schema = f"crash_trial_{seed}"
    if server is not None:
        _schema_sql(server, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        _schema_sql(server, f"CREATE SCHEMA {schema}")
        db = with_schema(server, schema)
    try:
        return _trial(db, acks, folder, seed, rng)
    finally:
        if server is not None:
            _schema_sql(server, f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _trial(db: Path | str, acks: Path, folder: Path, seed: int, rng: random.Random) -> TrialResult:
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--writer", str(db), str(seed), str(acks)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    mode = rng.random()
    if mode < 0.1:
        # Any moment of the start-up: importing, creating the file and its schema.
        time.sleep(rng.uniform(0.0, 0.6))
    else:
        target = rng.randrange(1, 120)
        deadline = time.monotonic() + 60
        while read_acks(acks) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(rng.uniform(0.0, 0.004))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate(timeout=60)
    result = check(db, seed, read_acks(acks))
    if proc.returncode not in (0, -signal.SIGKILL):
        result.problems.append(f"the writer failed: {stderr.decode(errors='replace')[-500:]}")
    for path in folder.glob(f"trial-{seed}.*"):
        path.unlink()
    return result


def run_trials(
    trials: int, seed: int, folder: Path, report_every: int = 0, db: str | None = None
) -> list[TrialResult]:
    """``trials`` trials from ``seed``, on SQLite files in ``folder`` or on the PostgreSQL ``db``."""
    rng = random.Random(seed)
    results = []
    for n in range(trials):
        results.append(run_trial(folder, seed * 1_000_003 + n, rng, db))
        if report_every and (n + 1) % report_every == 0:
            print(f"{n + 1} trials: {summary(results)}", flush=True)
    return results


def summary(results: list[TrialResult]) -> str:
    acked = sum(r.acknowledged for r in results)
    beyond = sum(r.stored - r.acknowledged for r in results)
    return (
        f"lost {sum(r.lost for r in results)}, partial {sum(r.partial for r in results)},"
        f" problems {sum(len(r.problems) for r in results)}, acknowledged operations {acked},"
        f" stored but unacknowledged (in flight at the kill) {beyond}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where the trial files go")
    parser.add_argument(
        "--db", default=None, help="a postgresql:// URL: the trials run there, a schema each"
    )
    parser.add_argument("--writer", nargs=3, metavar=("DB", "SEED", "ACKS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        db, seed, acks = args.writer
        writer(db, int(seed), acks)
        return 0
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        results = run_trials(args.trials, args.seed, Path(folder), report_every=100, db=args.db)
    bad = [r for r in results if not r.ok]
    for r in bad[:10]:
        print(f"trial {r.seed}: {r}")
    print(f"{len(results)} trials, {len(bad)} failed: {summary(results)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

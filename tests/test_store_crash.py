"""A writer killed with SIGKILL at random moments: acknowledged appends survive, none is stored in part.

The harness is ``simulations/crash_trials.py`` (which runs 1000 trials); the suite runs 50.
"""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

TRIALS = 50


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


def test_killed_writers_lose_no_acknowledged_append_and_split_none(tmp_path: Path) -> None:
    results = crash.run_trials(TRIALS, seed=20261122, folder=tmp_path)
    assert [r for r in results if not r.ok] == []
    assert sum(r.lost for r in results) == 0
    assert sum(r.partial for r in results) == 0
    # The kills landed while the writer was working, not only before or after it.
    assert sum(r.acknowledged > 0 for r in results) >= TRIALS // 2


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

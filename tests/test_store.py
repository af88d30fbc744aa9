"""The contract store: appends, optimistic concurrency, refusals, snapshots, schema versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import agi_terms
import pytest
from agi_terms.store import SCHEMA_VERSION, ContractStore, open_store

PARAMS = {"api_exclusivity_backstop": None, "revenue_share_backstop": "2030-12-31"}

STORY = [
    {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "aws"},
    {"date": "2029-03-01", "type": "agi_declared"},
    {"date": "2029-06-01", "type": "panel_rejected"},
    {"date": "2030-01-01", "type": "azure_purchase", "amount_usd": 2e11},
    {"date": "2030-02-01", "type": "agi_declared"},
    {"date": "2031-06-01", "type": "panel_verified"},
    {"date": "2031-06-02", "type": "ms_ip_use", "asset": "model"},
    {
        "date": "2033-02-01",
        "type": "ms_agi_training",
        "uses_openai_ip": True,
        "training_flop": 1e28,
    },
]


def replayed(
    events: list[dict[str, object]], parameters: dict[str, object] | None = None
) -> agi_terms.Contract:
    with agi_terms.load_agreement("2025-10", parameters, backend="python") as agreement:
        return agreement.start().apply_all(events)


@pytest.fixture
def store(tmp_path: Path) -> ContractStore:
    with open_store(tmp_path / "contracts.db", snapshot_every=3) as opened:
        yield opened  # type: ignore[misc]


def test_appended_events_load_as_the_in_memory_replay(store: ContractStore) -> None:
    cid = store.create("2025-10", PARAMS)
    first = store.append(cid, STORY[:2], expected_version=0)
    second = store.append(cid, STORY[2:], expected_version=2)
    assert (first.version, second.version) == (2, len(STORY))
    expected = replayed(STORY, PARAMS)
    assert store.load(cid) == expected
    assert [s.to_json() for s in first.steps + second.steps] == [
        s.to_json() for s in expected.steps
    ]
    assert store.events(cid) == [agi_terms.events.event_to_json(e) for e in expected.events]


def test_append_returns_only_the_new_steps_including_gates(store: ContractStore) -> None:
    cid = store.create()
    store.append(cid, STORY[:1])
    result = store.append(cid, [{"date": "2031-02-01", "type": "agi_declared"}])
    assert [s.type for s in result.steps] == ["calendar", "agi_declared"]
    assert result.steps[0].date.isoformat() == "2031-01-01"


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(store: ContractStore) -> None:
    cid = store.create()
    store.append(cid, STORY[:1])
    with pytest.raises(agi_terms.VersionConflictError) as caught:
        store.append(cid, STORY[1:3], expected_version=0)
    assert (caught.value.expected, caught.value.actual, caught.value.place) == (
        0,
        1,
        "expected_version",
    )
    assert store.version(cid) == 1
    assert store.count() == (1, 1)


def test_a_bad_event_in_a_batch_writes_none_of_the_batch(store: ContractStore) -> None:
    cid = store.create()
    store.append(cid, STORY[:2])
    batch = [STORY[2], {**STORY[3], "amount_usd": -5}, STORY[4]]
    with pytest.raises(agi_terms.InputError) as caught:
        store.append(cid, batch)
    assert caught.value.place == "[1].amount_usd"
    out_of_order = [STORY[2], {"date": "2026-01-01", "type": "agi_declared"}]
    with pytest.raises(agi_terms.EventOrderError) as caught_order:
        store.append(cid, out_of_order)
    assert caught_order.value.place == "[1].date"
    with pytest.raises(agi_terms.LifecycleError):
        store.append(cid, [STORY[2], {"date": "2029-07-01", "type": "panel_verified"}])
    assert store.version(cid) == 2
    assert store.load(cid) == replayed(STORY[:2])


def test_a_refused_first_event_does_not_disturb_the_cache(store: ContractStore) -> None:
    cid = store.create()
    store.append(cid, STORY[:3])
    with pytest.raises(agi_terms.LifecycleError):
        store.append(cid, [{"date": "2029-07-01", "type": "panel_verified"}])
    assert store.append(cid, STORY[3:4]).version == 4
    assert store.load(cid) == replayed(STORY[:4])


def test_snapshots_rebuild_the_same_contract_as_a_full_replay(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create("2025-10", PARAMS)
        for event in STORY:
            writer.append(cid, [event])
    with sqlite3.connect(path) as con:
        snapshots = con.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    assert snapshots == len(STORY) // 2
    with open_store(path, cache_size=0) as reader:
        assert reader.load(cid) == replayed(STORY, PARAMS)
        assert reader.load(cid).steps[-1].event == replayed(STORY, PARAMS).steps[-1].event


def test_a_contract_from_snapshots_answers_about_past_dates_and_earlier_launches(
    tmp_path: Path,
) -> None:
    """The state on a past date and the history of Azure launches survive a snapshot: a launch
    off Azure of a product shipped on Azure before carries no Azure-first obligation (S17)."""
    story = [
        {"date": "2026-05-01", "type": "product_launch", "kind": "api", "cloud": "azure",
         "name": "Frontier"},
        {"date": "2027-01-01", "type": "agi_declared"},
        {"date": "2027-06-01", "type": "panel_verified"},
        {"date": "2027-07-01", "type": "azure_purchase", "amount_usd": 1.0},
    ]  # fmt: skip
    path = tmp_path / "s.db"
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create("2026-04")
        writer.append(cid, story)
    with open_store(path, cache_size=0) as reader:
        loaded = reader.load(cid)
    with agi_terms.load_agreement("2026-04", backend="python") as agreement:
        expected = agreement.start().apply_all(story)
        assert loaded.terms(on="2027-03-01") == expected.terms(on="2027-03-01")
        assert loaded.terms(on="2027-03-01").phase == "panel_review"
        again = {"date": "2027-08-01", "type": "product_launch", "kind": "api", "cloud": "aws",
                 "name": "Frontier"}  # fmt: skip
        assert loaded.decide(again).obligations == ()
        assert loaded.decide({**again, "name": "Codex"}).obligations == ("ship_first_on_azure",)
        assert loaded.decide({**again, "date": "2026-05-01"}).obligations == ()
        before = {**again, "date": "2026-04-30"}
        assert loaded.decide(before).obligations == ("ship_first_on_azure",)


def test_snapshots_of_another_engine_build_are_ignored(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create()
        writer.append(cid, STORY)
    with sqlite3.connect(path) as con:
        con.execute('UPDATE snapshots SET data = \'{"format": "garbage"}\'')
        con.execute("UPDATE snapshots SET fingerprint = 'older'")
    with open_store(path, cache_size=0, snapshot_every=2) as reader:
        assert reader.load(cid) == replayed(STORY)
        reader.append(cid, [{"date": "2033-03-01", "type": "azure_purchase", "amount_usd": 1.0}])
    with open_store(path, cache_size=0) as again:
        assert again.load(cid) == replayed(
            [*STORY, {"date": "2033-03-01", "type": "azure_purchase", "amount_usd": 1.0}]
        )


def test_contracts_survive_reopening_with_their_parameters(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as first:
        ids = [first.create("2025-10", PARAMS), first.create(), first.create(contract_id="mine-1")]
        first.append(ids[0], STORY[:3])
    with open_store(path) as second:
        listed = second.contracts()
        assert [c.id for c in listed] == ids
        assert (listed[0].parameters, listed[0].version) == (PARAMS, 3)
        assert [c.id for c in second.contracts(after=ids[0], limit=1)] == [ids[1]]
        assert second.load(ids[0]) == replayed(STORY[:3], PARAMS)
        assert second.load(ids[0]).agreement.parameters["api_exclusivity_backstop"] is None


def test_another_writer_is_seen_through_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    with open_store(path) as one, open_store(path) as two:
        cid = one.create()
        one.append(cid, STORY[:2])
        assert two.load(cid) == replayed(STORY[:2])
        two.append(cid, STORY[2:4])
        assert one.load(cid) == replayed(STORY[:4])
        with pytest.raises(agi_terms.VersionConflictError):
            one.append(cid, STORY[4:5], expected_version=2)


def test_unknown_contract_bad_ids_and_bad_agreements_are_typed_errors(store: ContractStore) -> None:
    with pytest.raises(agi_terms.UnknownContractError):
        store.load("nope")
    with pytest.raises(agi_terms.UnknownContractError):
        store.append("../x", STORY[:1])
    cid = store.create(contract_id="a1")
    with pytest.raises(agi_terms.ContractExistsError):
        store.create(contract_id=cid)
    with pytest.raises(agi_terms.InputError) as bad_id:
        store.create(contract_id="has space")
    assert bad_id.value.place == "id"
    with pytest.raises(agi_terms.UnknownVersionError):
        store.create("1999-01")
    with pytest.raises(agi_terms.UnknownParameterError) as unknown:
        store.create("2025-10", {"no_such": 1})
    assert unknown.value.place == "parameters.no_such"
    with pytest.raises(agi_terms.InputError) as bad_value:
        store.create("2025-10", {"agi_trigger": "maybe"})
    assert bad_value.value.place == "parameters.agi_trigger"
    with pytest.raises(agi_terms.InputError) as bad_expected:
        store.append(cid, [], expected_version="0")  # type: ignore[arg-type]
    assert bad_expected.value.place == "expected_version"
    assert store.count() == (1, 0)


def test_an_empty_append_checks_the_version_and_writes_nothing(store: ContractStore) -> None:
    cid = store.create()
    assert store.append(cid, [], expected_version=0).version == 0
    with pytest.raises(agi_terms.VersionConflictError):
        store.append(cid, [], expected_version=1)


def test_a_store_of_a_newer_schema_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with sqlite3.connect(path) as con:
        con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    with pytest.raises(agi_terms.StoreError) as caught:
        open_store(path)
    assert caught.value.place == "schema_version"
    assert "newer" in caught.value.message
    assert caught.value.file == str(path)


def test_files_that_are_not_stores_are_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE t (x)")
    with pytest.raises(agi_terms.StoreError, match="not an agi-terms store"):
        open_store(other)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(agi_terms.StoreError):
        open_store(garbage)


def test_a_closed_store_refuses_use(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.db")
    store.close()
    with pytest.raises(agi_terms.StoreError, match="closed"):
        store.create()


def test_the_store_file_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_durable_backend_serves_many_contracts_on_one_agreement(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.db", backend="durable") as store:
        ids = [store.create() for _ in range(1100)]
        for cid in ids[::100]:
            store.append(cid, STORY[:2])
        loaded = {store.load(cid).agreement for cid in ids[:50]}
        assert len(loaded) == 1
        assert store.load(ids[0]) == replayed(STORY[:2])

"""The contract store: appends, optimistic concurrency, refusals, snapshots, schema versions,
tenants and idempotency keys, on SQLite and on PostgreSQL (``store_target``)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import agi_terms
import pytest
from agi_terms.store import SCHEMA_VERSION, SNAPSHOT_FORMAT, Store, open_store
from conftest import run_sql

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
def store(store_target: str) -> Store:
    with open_store(store_target, snapshot_every=3) as opened:
        yield opened  # type: ignore[misc]


def test_appended_events_load_as_the_in_memory_replay(store: Store) -> None:
    cid = store.create("2025-10", PARAMS)
    first = store.append(cid, STORY[:2], expected_version=0)
    second = store.append(cid, STORY[2:], expected_version=2)
    assert (first.event_count, second.event_count) == (2, len(STORY))
    expected = replayed(STORY, PARAMS)
    assert store.load(cid) == expected
    assert [s.to_json() for s in first.steps + second.steps] == [
        s.to_json() for s in expected.steps
    ]
    assert store.events(cid) == [agi_terms.events.event_to_json(e) for e in expected.events]


def test_append_returns_only_the_new_steps_including_gates(store: Store) -> None:
    cid = store.create()
    store.append(cid, STORY[:1])
    result = store.append(cid, [{"date": "2031-02-01", "type": "agi_declared"}])
    assert [s.type for s in result.steps] == ["calendar", "agi_declared"]
    assert result.steps[0].date.isoformat() == "2031-01-01"


def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(store: Store) -> None:
    cid = store.create()
    store.append(cid, STORY[:1])
    with pytest.raises(agi_terms.VersionConflictError) as caught:
        store.append(cid, STORY[1:3], expected_version=0)
    assert (caught.value.expected, caught.value.actual, caught.value.place) == (
        0,
        1,
        "expected_version",
    )
    assert store.event_count(cid) == 1
    assert store.count() == (1, 1)


def test_a_bad_event_in_a_batch_writes_none_of_the_batch(store: Store) -> None:
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
    assert store.event_count(cid) == 2
    assert store.load(cid) == replayed(STORY[:2])


def test_a_refused_first_event_does_not_disturb_the_cache(store: Store) -> None:
    cid = store.create()
    store.append(cid, STORY[:3])
    with pytest.raises(agi_terms.LifecycleError):
        store.append(cid, [{"date": "2029-07-01", "type": "panel_verified"}])
    assert store.append(cid, STORY[3:4]).event_count == 4
    assert store.load(cid) == replayed(STORY[:4])


def test_snapshots_rebuild_the_same_contract_as_a_full_replay(store_target: str) -> None:
    path = store_target
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create("2025-10", PARAMS)
        for event in STORY:
            writer.append(cid, [event])
    assert run_sql(path, "SELECT count(*) FROM snapshots") == [(len(STORY) // 2,)]
    with open_store(path, cache_size=0) as reader:
        assert reader.load(cid) == replayed(STORY, PARAMS)
        assert reader.load(cid).steps[-1].event == replayed(STORY, PARAMS).steps[-1].event


def test_a_contract_from_snapshots_answers_about_past_dates_and_earlier_launches(
    store_target: str,
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
    path = store_target
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


def test_snapshots_of_another_format_are_ignored(store_target: str) -> None:
    path = store_target
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create()
        writer.append(cid, STORY)
    assert run_sql(path, "SELECT DISTINCT format FROM snapshots") == [(SNAPSHOT_FORMAT,)]
    run_sql(path, 'UPDATE snapshots SET data = \'{"format": "garbage"}\'')
    run_sql(path, "UPDATE snapshots SET format = 'agi-terms/snapshot@1'")
    with open_store(path, cache_size=0, snapshot_every=2) as reader:
        assert reader.load(cid) == replayed(STORY)
        reader.append(cid, [{"date": "2033-03-01", "type": "azure_purchase", "amount_usd": 1.0}])
    with open_store(path, cache_size=0) as again:
        assert again.load(cid) == replayed(
            [*STORY, {"date": "2033-03-01", "type": "azure_purchase", "amount_usd": 1.0}]
        )


def test_contracts_survive_reopening_with_their_parameters(store_target: str) -> None:
    path = store_target
    with open_store(path) as first:
        ids = [first.create("2025-10", PARAMS), first.create(), first.create(contract_id="mine-1")]
        first.append(ids[0], STORY[:3])
    with open_store(path) as second:
        listed = second.contracts()
        assert [c.id for c in listed] == sorted(ids)
        info = second.info(ids[0])
        assert (info.parameters, info.event_count, info.tenant) == (PARAMS, 3, "")
        assert listed[sorted(ids).index(ids[0])] == info
        first_two = sorted(ids)[:2]
        assert [c.id for c in second.contracts(limit=1)] == first_two[:1]
        assert [c.id for c in second.contracts(after=first_two[0], limit=1)] == first_two[1:]
        assert second.load(ids[0]) == replayed(STORY[:3], PARAMS)
        assert second.load(ids[0]).agreement.parameters["api_exclusivity_backstop"] is None


def test_another_writer_is_seen_through_the_cache(store_target: str) -> None:
    path = store_target
    with open_store(path) as one, open_store(path) as two:
        cid = one.create()
        one.append(cid, STORY[:2])
        assert two.load(cid) == replayed(STORY[:2])
        two.append(cid, STORY[2:4])
        assert one.load(cid) == replayed(STORY[:4])
        with pytest.raises(agi_terms.VersionConflictError):
            one.append(cid, STORY[4:5], expected_version=2)


def test_unknown_contract_bad_ids_and_bad_agreements_are_typed_errors(store: Store) -> None:
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


def test_an_empty_append_checks_the_version_and_writes_nothing(store: Store) -> None:
    cid = store.create()
    assert store.append(cid, [], expected_version=0).event_count == 0
    with pytest.raises(agi_terms.VersionConflictError):
        store.append(cid, [], expected_version=1)


def test_a_store_of_a_newer_schema_is_refused_clearly(store_target: str) -> None:
    path = store_target
    store = open_store(path)
    (current,) = run_sql(path, "SELECT version FROM schema_version")[0]
    store.close()
    run_sql(path, "UPDATE schema_version SET version = ?", (current + 1,))
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


def test_a_closed_store_refuses_use(store_target: str) -> None:
    store = open_store(store_target)
    store.close()
    with pytest.raises(agi_terms.StoreError, match="closed"):
        store.create()


def test_the_store_file_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    open_store(path).close()
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_durable_backend_serves_many_contracts_on_one_agreement(store_target: str) -> None:
    with open_store(store_target, backend="durable") as store:
        ids = [store.create() for _ in range(1100)]
        for cid in ids[::100]:
            store.append(cid, STORY[:2])
        loaded = {store.load(cid).agreement for cid in ids[:50]}
        assert len(loaded) == 1
        assert store.load(ids[0]) == replayed(STORY[:2])


# ---------------------------------------------------------------- tenants


def test_a_contract_of_another_tenant_does_not_exist_for_it(store: Store) -> None:
    cid = store.create(tenant="acme")
    store.append(cid, STORY[:2], tenant="acme")
    for call in (
        lambda: store.load(cid, tenant="globex"),
        lambda: store.load(cid),
        lambda: store.info(cid, tenant="globex"),
        lambda: store.events(cid, tenant="globex"),
        lambda: store.event_count(cid, tenant="globex"),
        lambda: store.append(cid, STORY[2:3], tenant="globex"),
    ):
        with pytest.raises(agi_terms.UnknownContractError) as caught:
            call()
        assert caught.value.message == f"no contract {cid!r} in the store"
    assert store.events(cid, tenant="acme") == [
        agi_terms.events.event_to_json(agi_terms.parse_event(e)) for e in STORY[:2]
    ]
    assert store.event_count(cid, tenant="acme") == 2
    assert store.load(cid, tenant="acme") == replayed(STORY[:2])
    assert store.count() == (1, 2)
    assert store.count(tenant="acme") == (1, 2)
    assert store.count(tenant="globex") == (0, 0)


def test_contract_ids_are_unique_per_tenant(store: Store) -> None:
    store.create(contract_id="shared", tenant="acme")
    store.append("shared", STORY[:1], tenant="acme")
    # Another tenant takes the same id without learning that it is taken elsewhere.
    assert store.create(contract_id="shared", tenant="globex") == "shared"
    store.append("shared", STORY[:3], tenant="globex")
    assert store.event_count("shared", tenant="acme") == 1
    assert store.event_count("shared", tenant="globex") == 3
    with pytest.raises(agi_terms.ContractExistsError):
        store.create(contract_id="shared", tenant="acme")
    assert store.info("shared", tenant="globex").tenant == "globex"


def test_contracts_are_listed_per_tenant_by_id_and_paged(store: Store) -> None:
    acme = ["c", "a", "e", "b", "d"]
    for cid in acme:
        store.create(contract_id=cid, tenant="acme")
    store.create(contract_id="a0", tenant="globex")
    store.create(contract_id="zz")
    assert [c.id for c in store.contracts(tenant="acme")] == sorted(acme)
    assert [c.id for c in store.contracts(tenant="acme", limit=2)] == ["a", "b"]
    assert [c.id for c in store.contracts(tenant="acme", after="b", limit=2)] == ["c", "d"]
    assert [c.id for c in store.contracts(tenant="acme", after="d")] == ["e"]
    assert store.contracts(tenant="acme", after="e") == []
    # "after" need not be an id the tenant has: another tenant's id reveals nothing.
    assert [c.id for c in store.contracts(tenant="acme", after="a0")] == ["b", "c", "d", "e"]
    assert [c.id for c in store.contracts(tenant="globex")] == ["a0"]
    assert [c.id for c in store.contracts()] == ["zz"]
    assert store.contracts(tenant="nobody") == []
    assert all(c.tenant == "acme" for c in store.contracts(tenant="acme"))
    with pytest.raises(agi_terms.InputError) as bad:
        store.contracts(tenant="acme", limit=-1)
    assert bad.value.place == "limit"


def test_a_tenant_that_is_not_a_string_is_refused(store: Store) -> None:
    with pytest.raises(agi_terms.InputError) as caught:
        store.create(tenant=None)  # type: ignore[arg-type]
    assert caught.value.place == "tenant"
    with pytest.raises(agi_terms.InputError):
        store.load("x", tenant="t" * 129)
    assert store.count() == (0, 0)


# ---------------------------------------------------------------- idempotency


def test_a_repeated_create_returns_the_first_id_and_stores_nothing_more(
    store: Store,
) -> None:
    first = store.create("2025-10", PARAMS, tenant="acme", idempotency_key="k1")
    # The same request, however the parameters are spelt (normalised), gives the same answer.
    again = store.create(
        "2025-10", dict(reversed(list(PARAMS.items()))), tenant="acme", idempotency_key="k1"
    )
    assert again == first
    assert store.count() == (1, 0)
    # Another tenant's key of the same name is another key.
    other = store.create("2025-10", PARAMS, tenant="globex", idempotency_key="k1")
    assert other != first
    with pytest.raises(agi_terms.IdempotencyKeyReusedError) as caught:
        store.create("2025-01", tenant="acme", idempotency_key="k1")
    assert isinstance(caught.value, agi_terms.InputError)
    assert caught.value.place == "idempotency_key"
    assert store.count() == (2, 0)
    named = store.create(contract_id="mine", tenant="acme", idempotency_key="k2")
    assert store.create(contract_id="mine", tenant="acme", idempotency_key="k2") == named
    with pytest.raises(agi_terms.ContractExistsError):
        store.create(contract_id="mine", tenant="acme")
    with pytest.raises(agi_terms.IdempotencyKeyReusedError):
        store.create(contract_id="other", tenant="acme", idempotency_key="k2")
    assert store.count() == (3, 0)


def test_a_repeated_append_returns_the_first_answer_and_stores_nothing_more(
    store: Store,
) -> None:
    cid = store.create(tenant="acme")
    store.append(cid, STORY[:1], tenant="acme")
    first = store.append(cid, STORY[1:4], expected_version=1, tenant="acme", idempotency_key="a")
    assert first.event_count == 4
    # The retry comes after the expected version went stale: still the first answer, no conflict.
    again = store.append(cid, STORY[1:4], expected_version=1, tenant="acme", idempotency_key="a")
    assert again == first
    assert [s.to_json() for s in again.steps] == [s.to_json() for s in first.steps]
    assert store.event_count(cid, tenant="acme") == 4
    # After more appends, the answer is still the first one (the contract as it was then).
    store.append(cid, STORY[4:7], tenant="acme")
    later = store.append(cid, STORY[1:4], expected_version=1, tenant="acme", idempotency_key="a")
    assert later == first
    assert later.contract == replayed(STORY[:4])
    assert store.event_count(cid, tenant="acme") == 7
    assert store.load(cid, tenant="acme") == replayed(STORY[:7])


def test_a_repeated_append_is_the_first_answer_across_reopening_and_snapshots(
    store_target: str,
) -> None:
    path = store_target
    with open_store(path, snapshot_every=2) as writer:
        cid = writer.create()
        first = writer.append(cid, STORY[:5], idempotency_key="once")
        # The calendar gate of 2031 is a step of this append, not of an event.
        gated = writer.append(cid, STORY[5:], idempotency_key="twice")
    assert "calendar" in [s.type for s in gated.steps]
    with open_store(path, cache_size=0, snapshot_every=2) as reader:
        assert reader.append(cid, STORY[:5], idempotency_key="once") == first
        assert reader.append(cid, STORY[5:], idempotency_key="twice") == gated
        assert reader.count() == (1, len(STORY))


def test_the_same_key_with_another_append_is_refused_and_changes_nothing(
    store: Store,
) -> None:
    cid = store.create()
    other = store.create()
    store.append(cid, STORY[:2], expected_version=0, idempotency_key="k")
    attempts = [
        lambda: store.append(cid, STORY[:3], expected_version=0, idempotency_key="k"),
        lambda: store.append(cid, STORY[:2], expected_version=None, idempotency_key="k"),
        lambda: store.append(other, STORY[:2], expected_version=0, idempotency_key="k"),
        lambda: store.create(idempotency_key="k"),
    ]
    for attempt in attempts:
        with pytest.raises(agi_terms.IdempotencyKeyReusedError):
            attempt()
    assert store.count() == (2, 2)
    # Events written as the engine reads them are the same request (defaults given or not).
    launch = {"date": "2030-01-01", "type": "product_launch", "kind": "api", "cloud": "azure"}
    done = store.append(other, [launch], idempotency_key="spelt")
    spelt = {**launch, "customer": "commercial", "azure_declined": False}
    assert store.append(other, [spelt], idempotency_key="spelt") == done
    assert store.count() == (2, 3)


def test_a_failed_request_records_no_key(store: Store) -> None:
    cid = store.create()
    store.append(cid, STORY[:1])
    with pytest.raises(agi_terms.VersionConflictError):
        store.append(cid, STORY[1:2], expected_version=0, idempotency_key="k")
    with pytest.raises(agi_terms.InputError):
        store.append(cid, [{**STORY[1], "type": "nope"}], idempotency_key="k")
    with pytest.raises(agi_terms.UnknownContractError):
        store.append("nope", STORY[1:2], idempotency_key="k")
    with pytest.raises(agi_terms.UnknownVersionError):
        store.create("1999-01", idempotency_key="k")
    # The key is still free: a corrected request under it is stored once.
    done = store.append(cid, STORY[1:2], expected_version=1, idempotency_key="k")
    assert done.event_count == 2
    assert store.append(cid, STORY[1:2], expected_version=1, idempotency_key="k") == done
    assert store.count() == (1, 2)


def test_idempotency_keys_that_are_not_keys_are_refused(store: Store) -> None:
    cid = store.create()
    for key in ("", "k" * 256, "line\nbreak", 7):
        with pytest.raises(agi_terms.InputError) as caught:
            store.append(cid, STORY[:1], idempotency_key=key)  # type: ignore[arg-type]
        assert caught.value.place == "idempotency_key"
    assert store.count() == (1, 0)


# ---------------------------------------------------------------- readiness and layout


def test_ping_answers_while_the_database_does(store_target: str) -> None:
    store = open_store(store_target)
    store.ping()
    store.close()
    with pytest.raises(agi_terms.StoreError):
        store.ping()


V1_LAYOUT = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE contracts (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, agreement TEXT NOT NULL,
    parameters TEXT NOT NULL, version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE events (
    contract_id TEXT NOT NULL REFERENCES contracts (id), version INTEGER NOT NULL,
    event TEXT NOT NULL, PRIMARY KEY (contract_id, version)) WITHOUT ROWID;
CREATE TABLE snapshots (
    contract_id TEXT NOT NULL REFERENCES contracts (id), fingerprint TEXT NOT NULL,
    after_version INTEGER NOT NULL, version INTEGER NOT NULL, steps_before INTEGER NOT NULL,
    steps_after INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (contract_id, fingerprint, version)) WITHOUT ROWID;
INSERT INTO schema_version VALUES (1);
PRAGMA application_id = 1634167124;
"""
"""The layout of schema version 1, as the releases before tenants wrote it."""


def test_a_store_of_schema_version_1_is_migrated_with_its_contracts_in_tenant_empty(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    canonical = [agi_terms.events.event_to_json(agi_terms.parse_event(e)) for e in STORY]
    with sqlite3.connect(path) as con:
        con.executescript(V1_LAYOUT)
        con.execute("INSERT INTO contracts VALUES (1, 'old-1', '2025-10', ?, ?)",
                    (json.dumps(PARAMS), len(STORY)))  # fmt: skip
        con.execute("INSERT INTO contracts VALUES (2, 'old-2', '2025-10', '{}', 0)")
        con.executemany(
            "INSERT INTO events VALUES ('old-1', ?, ?)",
            [(i + 1, json.dumps(e)) for i, e in enumerate(canonical)],
        )
        con.execute("INSERT INTO snapshots VALUES ('old-1', 'abc', 0, 2, 0, 2, '{}')")
    with open_store(path, snapshot_every=2) as store:
        assert [(c.id, c.event_count, c.tenant) for c in store.contracts()] == [
            ("old-1", len(STORY), ""),
            ("old-2", 0, ""),
        ]
        assert store.events("old-1") == canonical
        assert store.load("old-1") == replayed(STORY, PARAMS)
        with pytest.raises(agi_terms.UnknownContractError):
            store.load("old-1", tenant="acme")
        # New contracts come after the old ones; new appends snapshot in the declared format.
        new = store.create()
        store.append("old-2", STORY[:2])
        assert store.info(new).event_count == 0
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert con.execute("SELECT max(seq) FROM contracts").fetchone()[0] == 3
        formats = {r[0] for r in con.execute("SELECT format FROM snapshots")}
        assert formats == {SNAPSHOT_FORMAT}
    with open_store(path, cache_size=0) as reopened:
        assert reopened.load("old-2") == replayed(STORY[:2])
        assert reopened.verify() is None


def test_the_migrations_ship_numbered_in_order() -> None:
    from agi_terms.store.base import migrations

    sqlite = migrations("sqlite")
    assert [n for n, _ in sqlite] == list(range(1, SCHEMA_VERSION + 1))
    assert all(statements for _, statements in sqlite)
    assert [n for n, _ in migrations("postgres")] == [1]


# ---------------------------------------------------------------- PostgreSQL only


def test_postgres_tables_of_another_application_are_refused(postgres_url: str) -> None:
    run_sql(postgres_url, "CREATE TABLE contracts (x INTEGER)")
    with pytest.raises(agi_terms.StoreError, match="not an agi-terms store"):
        open_store(postgres_url)
    assert run_sql(postgres_url, "SELECT count(*) FROM contracts") == [(0,)]


def test_postgres_stores_in_two_schemas_do_not_see_each_other(
    postgres_url: str, postgres_server: str
) -> None:
    from conftest import with_schema

    schema = f"test_{uuid.uuid4().hex[:16]}"
    run_sql(postgres_server, f"CREATE SCHEMA {schema}")
    try:
        with (
            open_store(postgres_url) as one,
            open_store(with_schema(postgres_server, schema)) as two,
        ):
            cid = one.create(contract_id="only-here")
            with pytest.raises(agi_terms.UnknownContractError):
                two.load(cid)
            assert two.create(contract_id="only-here") == cid
            assert (one.count(), two.count()) == ((1, 0), (1, 0))
    finally:
        run_sql(postgres_server, f"DROP SCHEMA {schema} CASCADE")


def test_postgres_connections_the_server_dropped_are_replaced(postgres_url: str) -> None:
    name = f"agi_terms_{uuid.uuid4().hex[:12]}"
    url = f"{postgres_url}&application_name={name}"
    with open_store(url, cache_size=0) as store:
        cid = store.create()
        store.append(cid, STORY[:2])
        killed = run_sql(
            postgres_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ?",
            (name,),
        )
        assert killed
        assert all(r[0] for r in killed)
        store.ping()
        assert store.append(cid, STORY[2:3], expected_version=2).event_count == 3
        assert store.load(cid) == replayed(STORY[:3])


def test_postgres_a_database_that_stops_answering_is_a_store_error(postgres_server: str) -> None:
    name = f"agi_terms_gone_{uuid.uuid4().hex[:12]}"
    run_sql(postgres_server, f"CREATE DATABASE {name}")
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    try:
        store = open_store(url, timeout=2)
        cid = store.create()
    finally:
        run_sql(postgres_server, f"DROP DATABASE {name} WITH (FORCE)")
    with store:
        for call in (store.ping, lambda: store.load(cid), lambda: store.append(cid, STORY[:1])):
            with pytest.raises(agi_terms.StoreError) as caught:
                call()
            assert not isinstance(caught.value, agi_terms.UnknownContractError)
            assert caught.value.file == url
    with pytest.raises(agi_terms.StoreError, match="cannot connect"):
        open_store(url, timeout=2)


def test_postgres_a_url_never_shows_its_password(postgres_server: str) -> None:
    from agi_terms.store import redacted

    assert redacted("postgresql://me:s3cret@db:5432/x") == "postgresql://me:***@db:5432/x"
    assert redacted("postgres://me@db/x") == "postgres://me@db/x"
    assert redacted("contracts.db") == "contracts.db"
    wrong = postgres_server.replace("postgresql://postgres@", "postgresql://nobody:s3cret@")
    with pytest.raises(agi_terms.StoreError) as caught:
        open_store(wrong, timeout=2)
    assert "s3cret" not in caught.value.one_line()
    assert caught.value.file == redacted(wrong)

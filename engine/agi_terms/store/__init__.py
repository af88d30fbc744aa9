"""The contract store: contracts persisted as their events, in SQLite or PostgreSQL, safe for
threads, processes and (on PostgreSQL) several servers.

Every contract belongs to a tenant (``tenant=``, ``""`` by default): its id is unique within the
tenant, and to every other tenant it does not exist (``UnknownContractError``). One row per event
(contract, number, event); a contract's ``event_count`` is its number of events. Appends are atomic
and validated first (the events are applied to the stored contract, so a refused event writes
nothing); ``expected_version`` (an event count) gives optimistic concurrency, and an
``idempotency_key`` makes a retried create or append return the first answer without storing
anything more. Loading replays the events, from the latest snapshot when there is one, so that long
histories load fast::

    with agi_terms.open_store("contracts.db") as store:
        cid = store.create("2025-10", {"api_exclusivity_backstop": None})
        store.append(cid, [{"date": "2029-03-01", "type": "agi_declared"}], expected_version=0)
        store.load(cid).terms(on="2030-01-01").in_force()

``open_store("postgresql://...")`` opens the same store on PostgreSQL (the ``postgres`` extra).
Modules: ``base`` (the operations, results, errors, agreement cache), ``sqlite``, ``postgres``,
``migrations/`` (the layout of each backend as ordered SQL files).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from agi_terms.store.base import CONTRACT_ID as CONTRACT_ID
from agi_terms.store.base import (
    DEFAULT_BACKEND,
    DEFAULT_MAX_AGREEMENT_BYTES,
    DEFAULT_MAX_AGREEMENTS,
    SNAPSHOT_FORMAT,
    AgreementCache,
    Appended,
    ContractExistsError,
    ContractInfo,
    IdempotencyKeyReusedError,
    Store,
    StoreError,
    UnknownContractError,
    VersionConflictError,
    is_postgres_url,
    normalise,
    redacted,
)
from agi_terms.store.sqlite import SCHEMA_VERSION, ContractStore

if TYPE_CHECKING:
    from agi_terms.store.postgres import PostgresStore

__all__ = [
    "DEFAULT_BACKEND",
    "DEFAULT_MAX_AGREEMENTS",
    "DEFAULT_MAX_AGREEMENT_BYTES",
    "SCHEMA_VERSION",
    "SNAPSHOT_FORMAT",
    "AgreementCache",
    "Appended",
    "ContractExistsError",
    "ContractInfo",
    "ContractStore",
    "IdempotencyKeyReusedError",
    "PostgresStore",
    "Store",
    "StoreError",
    "UnknownContractError",
    "VersionConflictError",
    "is_postgres_url",
    "normalise",
    "open_store",
    "redacted",
]


def open_store(target: str | Path, **options: Any) -> Store:
    """Open (or create) the store at ``target``: a ``postgresql://`` URL opens ``PostgresStore``
    (the ``postgres`` extra), anything else is an SQLite file (``ContractStore``); see each for
    the options."""
    if is_postgres_url(target):
        from agi_terms.store.postgres import PostgresStore

        return PostgresStore(str(target), **options)
    return ContractStore(target, **options)


def __getattr__(name: str) -> Any:
    # PostgresStore needs psycopg, an optional extra: imported when asked for.
    if name == "PostgresStore":
        from agi_terms.store.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

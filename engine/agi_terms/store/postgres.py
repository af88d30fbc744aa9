"""The PostgreSQL store (``PostgresStore``): contracts in one database, shared by several servers.

The operations are ``Store``'s (``base.py``), so a contract behaves as on SQLite; here are the
connection pool, the transactions and the layout (``migrations/postgres``). An append is one
transaction that locks its contract's row first (``SELECT ... FOR UPDATE``), so appends to one
contract take turns across every server while appends to other contracts run alongside; events
are keyed by (contract, number), so an append that raced another could not commit a duplicate.
Transactions that use an idempotency key first take an advisory lock on it. A database that does
not answer, or a connection lost mid-request, is a ``StoreError`` (the service's 503), never a
traceback. Needs the ``postgres`` extra (psycopg 3 and psycopg-pool).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from typing import Any

from agi_terms.errors import InputError
from agi_terms.store.base import (
    COLUMNS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_AGREEMENT_BYTES,
    DEFAULT_MAX_AGREEMENTS,
    Store,
    StoreError,
    migrations,
    redacted,
)

try:
    import psycopg
    import psycopg.errors
    import psycopg_pool
except ImportError as exc:  # pragma: no cover - the extra is in [test]
    raise InputError(
        f"a postgresql:// store needs the postgres extra: pip install 'agi-terms[postgres]' ({exc})"
    ) from None

__all__ = ["SCHEMA_VERSION", "PostgresStore"]

SCHEMA_VERSION = len(migrations("postgres"))
"""The layout of a PostgreSQL store (the number of the last migration shipped)."""

_MIGRATION_LOCK = 0x61676954_00000001
"""The advisory lock servers starting at once take turns on to create or migrate the layout."""

_FAILURES = (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed, OSError)
"""What the driver and the pool raise when the database cannot be used."""


def _said(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


class _Statements:
    """A psycopg connection that runs the operations' ``?``-placeholder statements."""

    def __init__(self, con: psycopg.Connection[Any]) -> None:
        self._con = con

    def execute(self, sql: str, parameters: Any = (), /) -> psycopg.Cursor[Any]:
        return self._con.execute(sql.replace("?", "%s"), parameters)

    def executemany(self, sql: str, parameters: Any, /) -> None:
        with self._con.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), parameters)


class PostgresStore(Store):
    """Contracts as event streams in a PostgreSQL database (``url``: ``postgresql://...``; its
    schema search path picks where the tables are), shared by any number of servers.

    Connections come from a pool of ``pool_size`` (each checked before use, so one the server
    dropped is replaced rather than failing a request); a request waits at most ``timeout``
    seconds for one. The layout is created, or migrated, when the store opens (servers opening at
    once take turns); a database of a newer layout is refused, as is one whose tables of these
    names are not an agi-terms store. See ``Store`` for the other options.
    """

    _FOR_UPDATE = " FOR UPDATE"
    _DUPLICATE = (psycopg.errors.UniqueViolation,)
    _NO_LIMIT = None

    def __init__(
        self,
        url: str,
        *,
        backend: str | None = DEFAULT_BACKEND,
        snapshot_every: int = 100,
        cache_size: int = 1024,
        timeout: float = 30.0,
        pool_size: int = 16,
        max_agreements: int = DEFAULT_MAX_AGREEMENTS,
        max_agreement_bytes: int = DEFAULT_MAX_AGREEMENT_BYTES,
    ) -> None:
        self.path = redacted(url)
        super().__init__(
            backend=backend,
            snapshot_every=snapshot_every,
            cache_size=cache_size,
            max_agreements=max_agreements,
            max_agreement_bytes=max_agreement_bytes,
        )
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise InputError(
                f"pool_size is a whole number >= 1, got {pool_size!r}", place="pool_size"
            )
        self._timeout = timeout
        self._pool_lock = threading.Lock()
        try:
            self._pool: psycopg_pool.ConnectionPool[Any] = psycopg_pool.ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                kwargs={"autocommit": True},
                check=psycopg_pool.ConnectionPool.check_connection,
                timeout=timeout,
                open=False,
                name="agi-terms",
            )
        except (psycopg.ProgrammingError, ValueError) as exc:  # a URL that does not parse
            raise StoreError(f"cannot open the store: {_said(exc)}", file=self.path) from None
        try:
            # One connection first: a server that refuses says why at once (the pool would retry
            # until its timeout, then say only that it timed out).
            try:
                psycopg.connect(url, connect_timeout=max(1, round(timeout))).close()
                self._pool.open(wait=True, timeout=timeout)
            except _FAILURES as exc:
                raise StoreError(
                    f"cannot connect to the store: {_said(exc)}", file=self.path
                ) from None
            self._initialise()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ connections

    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[_Statements]:
        """One transaction on a pooled connection (READ COMMITTED: an append locks its contract's
        row, and every read is bounded by the row's event count, so no read sees half an append)."""
        if self._closed:
            raise StoreError("the store is closed", file=self.path)
        try:
            with self._pool.connection() as con, con.transaction():
                yield _Statements(con)
        except _FAILURES as exc:
            raise StoreError(f"the store failed: {_said(exc)}", file=self.path) from None

    def _lock_key(self, con: Any, tenant: str, key: str) -> None:
        digest = hashlib.sha256(f"{tenant}\0{key}".encode()).digest()
        con.execute(
            "SELECT pg_advisory_xact_lock(?)", (int.from_bytes(digest[:8], "big", signed=True),)
        )

    # ------------------------------------------------------------ the layout

    def _tables(self, con: _Statements) -> set[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        return {r[0] for r in rows}

    def _initialise(self) -> None:
        with self._transaction(write=True) as con:
            con.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            tables = self._tables(con)
            if "schema_version" not in tables:
                if tables & set(COLUMNS):
                    raise StoreError(
                        "not an agi-terms store (the schema has tables of these names and no"
                        " schema_version)",
                        file=self.path,
                    )
                found = 0
            else:
                row = con.execute("SELECT max(version) FROM schema_version").fetchone()
                if not row or not isinstance(row[0], int):
                    raise StoreError("the store has no schema version", file=self.path)
                found = row[0]
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"the store has schema version {found}, newer than this release reads"
                    f" ({SCHEMA_VERSION}); upgrade agi-terms to open it",
                    place="schema_version",
                    file=self.path,
                )
            if found < SCHEMA_VERSION:
                for version, statements in migrations("postgres"):
                    if version > found:
                        for statement in statements:
                            con.execute(statement)
                con.execute("DELETE FROM schema_version")
                con.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
            self._check_layout(con)

    def _check_layout(self, con: _Statements) -> None:
        for table, columns in COLUMNS.items():
            rows = con.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            found = tuple(r[0] for r in rows)
            if found != columns:
                raise StoreError(
                    f"the store's table {table} has the columns ({', '.join(found) or 'none'}),"
                    f" not ({', '.join(columns)}): the database is damaged or not an agi-terms store",
                    file=self.path,
                )

    def verify(self) -> None:
        """Check that the database answers and holds this release's layout; ``StoreError`` if not."""
        with self._transaction(write=False) as con:
            self._check_layout(con)
            con.execute("SELECT max(version) FROM schema_version").fetchone()

    def close(self) -> None:
        """Close the pool's connections and release the agreements; unusable afterwards."""
        super().close()
        pool = getattr(self, "_pool", None)
        if pool is not None:
            with contextlib.suppress(*_FAILURES):
                pool.close()

    def __enter__(self) -> PostgresStore:
        return self

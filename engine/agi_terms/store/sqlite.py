"""The SQLite store (``ContractStore``): contracts in one file, shared by threads and processes.

The operations are ``Store``'s (``base.py``); here are the file (created whole, refused when it is
not a store), its connections and transactions, and its layout (``migrations/sqlite``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from agi_terms.store.base import (
    COLUMNS,
    DEFAULT_BACKEND,
    DEFAULT_MAX_AGREEMENT_BYTES,
    DEFAULT_MAX_AGREEMENTS,
    Store,
    StoreError,
    migrations,
)

__all__ = ["APPLICATION_ID", "SCHEMA_VERSION", "ContractStore"]

SCHEMA_VERSION = len(migrations("sqlite"))
"""The layout of a store file (the number of the last migration shipped): a file of a newer layout
is refused, an older one migrated."""

APPLICATION_ID = 0x61676954  # "agiT": marks the SQLite file as an agi-terms store

_SQLITE_FAILURES = (sqlite3.DatabaseError, UnicodeDecodeError)
"""What sqlite3 raises for a damaged file: its own errors, and a ``UnicodeDecodeError`` when the
damage reaches a message or a text value it decodes."""


def _said(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the file is damaged (text in it is not UTF-8)"
    return str(exc)


class ContractStore(Store):
    """Contracts as event streams in one SQLite file (WAL, synchronous=FULL), shared by threads and
    processes.

    Each thread uses its own connection; each write is one ``BEGIN IMMEDIATE`` transaction, so
    writers (threads or processes) take turns and an append sees the events stored before it. See
    ``Store`` for the options shared with the other backends; ``timeout`` is how long a writer
    waits for the file's write lock.

    A new file is created whole (written aside, then linked into place), so a file that exists is a
    complete store or not a store at all: an empty file is refused, like any other that is not one.
    Damage found in the file (a malformed database, a stored row that does not decode) is a
    ``StoreError`` saying so; ``verify()`` checks the whole file.
    """

    _DUPLICATE = (sqlite3.IntegrityError,)
    _NO_LIMIT = -1

    def __init__(
        self,
        path: str | Path,
        *,
        backend: str | None = DEFAULT_BACKEND,
        snapshot_every: int = 100,
        cache_size: int = 1024,
        timeout: float = 60.0,
        max_agreements: int = DEFAULT_MAX_AGREEMENTS,
        max_agreement_bytes: int = DEFAULT_MAX_AGREEMENT_BYTES,
    ) -> None:
        self.path = str(path)
        super().__init__(
            backend=backend,
            snapshot_every=snapshot_every,
            cache_size=cache_size,
            max_agreements=max_agreements,
            max_agreement_bytes=max_agreement_bytes,
        )
        self._timeout = timeout
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        try:
            self._prepare_file()
            self._initialise(self._connection())
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------ connections

    def _connection(self) -> sqlite3.Connection:
        if self._closed:
            raise StoreError("the store is closed", file=self.path)
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is not None:
            return con
        try:
            # isolation_level=None: transactions are begun and ended explicitly below.
            con = sqlite3.connect(
                self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=FULL")
            con.execute("PRAGMA foreign_keys=ON")
        except _SQLITE_FAILURES as exc:
            raise StoreError(f"cannot open the store: {_said(exc)}", file=self.path) from None
        with self._lock:
            self._connections.append(con)
        self._local.con = con
        return con

    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """A transaction; a write one takes the file's write lock at once (BEGIN IMMEDIATE)."""
        con = self._connection()
        try:
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except _SQLITE_FAILURES as exc:
            raise StoreError(f"cannot use the store: {_said(exc)}", file=self.path) from None
        try:
            yield con
            con.execute("COMMIT")
        except BaseException as exc:
            if con.in_transaction:
                with contextlib.suppress(*_SQLITE_FAILURES):
                    con.execute("ROLLBACK")
            if isinstance(exc, _SQLITE_FAILURES):
                raise StoreError(f"the store failed: {_said(exc)}", file=self.path) from exc
            raise

    def _prepare_file(self) -> None:
        """Refuse a path that is not a store file; create a new store whole where there is none."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            self._create_file()
            return
        except OSError as exc:
            raise StoreError(
                f"cannot open the store: {exc.strerror or exc}", file=self.path
            ) from None
        if not stat.S_ISREG(info.st_mode):
            raise StoreError("not an agi-terms store (not a regular file)", file=self.path)
        if info.st_size == 0:
            raise StoreError(
                "not an agi-terms store (an empty file; a new store is created where no file is)",
                file=self.path,
            )

    def _create_file(self) -> None:
        """Write a new store beside ``path`` and link it into place: never a half-made store there.

        ``os.link`` fails when another process linked its own first; then that store is used.
        """
        folder, base = os.path.split(os.path.abspath(self.path))
        aside = os.path.join(folder, f".{base}.{uuid.uuid4().hex}.new")
        try:
            con = sqlite3.connect(aside, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode=WAL")
                con.execute("BEGIN IMMEDIATE")
                self._create_schema(con)
                con.execute("COMMIT")
            finally:
                con.close()
            try:
                os.link(aside, self.path)
            except FileExistsError:
                pass  # another process created the store first
            except OSError:
                # No hard links on this file system: move it, unless a store appeared meanwhile.
                if not os.path.exists(self.path):
                    os.replace(aside, self.path)
        except (OSError, *_SQLITE_FAILURES) as exc:
            message = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise StoreError(f"cannot create the store: {message}", file=self.path) from None
        finally:
            for leftover in (aside, f"{aside}-wal", f"{aside}-shm", f"{aside}-journal"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(leftover)

    @staticmethod
    def _create_schema(con: sqlite3.Connection) -> None:
        for _, statements in migrations("sqlite"):
            for statement in statements:
                con.execute(statement)
        con.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        con.execute(f"PRAGMA application_id={APPLICATION_ID}")

    def verify(self) -> None:
        """Check the whole file (SQLite's ``quick_check``) and the layout; ``StoreError`` if damaged.

        ``serve`` runs this before it listens, so a damaged store stops it with one clear line
        instead of failing request after request.
        """
        with self._transaction(write=False) as con:
            rows = con.execute("PRAGMA quick_check").fetchall()
            problems = [str(r[0]) for r in rows if r and r[0] != "ok"]
            if problems:
                shown = "; ".join(problems[:3]) + ("; ..." if len(problems) > 3 else "")
                raise StoreError(f"the store file is damaged: {shown}", file=self.path)
            self._check_layout(con)

    def _check_layout(self, con: sqlite3.Connection) -> None:
        for table, columns in COLUMNS.items():
            found = tuple(r[1] for r in con.execute(f"PRAGMA table_info({table})"))
            if found != columns:
                raise StoreError(
                    f"the store's table {table} has the columns ({', '.join(found) or 'none'}),"
                    f" not ({', '.join(columns)}): the file is damaged or not an agi-terms store",
                    file=self.path,
                )

    def _initialise(self, con: sqlite3.Connection) -> None:
        with self._transaction(write=True):
            try:
                tables = {
                    r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
                }
                app_id = con.execute("PRAGMA application_id").fetchone()[0]
            except _SQLITE_FAILURES as exc:
                raise StoreError(f"not an agi-terms store: {_said(exc)}", file=self.path) from None
            if not tables and app_id == 0 and self._is_new(con):
                # An SQLite file with nothing in it yet (":memory:", or made by another tool).
                self._create_schema(con)
                return
            if app_id != APPLICATION_ID or "schema_version" not in tables:
                raise StoreError(
                    "not an agi-terms store (an SQLite file of something else)", file=self.path
                )
            try:
                row = con.execute("SELECT max(version) FROM schema_version").fetchone()
            except _SQLITE_FAILURES as exc:
                raise StoreError(f"the store is damaged: {_said(exc)}", file=self.path) from None
            found = row[0] if row else None
            if not isinstance(found, int):
                raise StoreError("the store has no schema version", file=self.path)
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"the store has schema version {found}, newer than this release reads"
                    f" ({SCHEMA_VERSION}); upgrade agi-terms to open it",
                    place="schema_version",
                    file=self.path,
                )
            if found < SCHEMA_VERSION:
                self._migrate(con, found)
            self._check_layout(con)

    def _migrate(self, con: sqlite3.Connection, found: int) -> None:
        """Bring a store of schema version ``found`` to ``SCHEMA_VERSION`` (in the transaction
        ``_initialise`` holds: another process opening it meanwhile waits, then finds it done)."""
        try:
            for version, statements in migrations("sqlite"):
                if version > found:
                    for statement in statements:
                        con.execute(statement)
            con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        except _SQLITE_FAILURES as exc:
            raise StoreError(
                f"cannot migrate the store from schema version {found} to {SCHEMA_VERSION}:"
                f" {_said(exc)}",
                place="schema_version",
                file=self.path,
            ) from None

    def _is_new(self, con: sqlite3.Connection) -> bool:
        """An in-memory database, or an SQLite file with no page written (never a file of data)."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return True
        return int(con.execute("PRAGMA page_count").fetchone()[0]) == 0

    def close(self) -> None:
        """Close every connection and release the agreements; the store is unusable afterwards."""
        with self._lock:
            connections, self._connections = self._connections, []
        super().close()
        for con in connections:
            con.close()

    def __enter__(self) -> ContractStore:
        return self

"""The contract store: contracts persisted as their events in SQLite, safe for threads and processes.

One row per event (contract id, version, event); a contract's version is its number of events. Appends
are atomic and validated first (the events are applied to the stored contract, so a refused event
writes nothing); ``expected_version`` gives optimistic concurrency. Loading replays the events, from
the latest snapshot when there is one, so that long histories load fast::

    with agi_terms.open_store("contracts.db") as store:
        cid = store.create("2025-10", {"api_exclusivity_backstop": None})
        store.append(cid, [{"date": "2029-03-01", "type": "agi_declared"}], expected_version=0)
        store.load(cid).terms(on="2030-01-01").in_force()
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import stat
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from agi_terms.errors import AgiTermsError, InputError
from agi_terms.evaluation.agreement import Agreement, resolve_parameters
from agi_terms.evaluation.contract import Contract, ContractState
from agi_terms.evaluation.results import Change, Decision, Step
from agi_terms.events import Event, event_to_json, parse_event
from agi_terms.facts import AgiHistory
from agi_terms.rulebook import available_versions, load_rulebook, shipped_rules

SCHEMA_VERSION = 1
"""The layout of a store file; a file of a newer layout is refused, an older one migrated."""

APPLICATION_ID = 0x61676954  # "agiT": marks the SQLite file as an agi-terms store
SNAPSHOT_FORMAT = "agi-terms/snapshot@2"
DEFAULT_BACKEND = "python"
DEFAULT_MAX_AGREEMENTS = 256
DEFAULT_MAX_AGREEMENT_BYTES = 256 * 1024 * 1024

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")

_COLUMNS = {
    "schema_version": ("version",),
    "contracts": ("seq", "id", "agreement", "parameters", "version"),
    "events": ("contract_id", "version", "event"),
    "snapshots": (
        "contract_id", "fingerprint", "after_version", "version", "steps_before", "steps_after",
        "data",
    ),
}  # fmt: skip
"""The columns of each table of the layout (``_SCHEMA``), checked when a store is opened."""

_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE contracts (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT NOT NULL UNIQUE,
    agreement  TEXT NOT NULL,
    parameters TEXT NOT NULL,
    version    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE events (
    contract_id TEXT NOT NULL REFERENCES contracts (id),
    version     INTEGER NOT NULL,
    event       TEXT NOT NULL,
    PRIMARY KEY (contract_id, version)
) WITHOUT ROWID;
CREATE TABLE snapshots (
    contract_id   TEXT NOT NULL REFERENCES contracts (id),
    fingerprint   TEXT NOT NULL,
    after_version INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    steps_before  INTEGER NOT NULL,
    steps_after   INTEGER NOT NULL,
    data          TEXT NOT NULL,
    PRIMARY KEY (contract_id, fingerprint, version)
) WITHOUT ROWID;
"""


# ---------------------------------------------------------------- errors

_SQLITE_FAILURES = (sqlite3.DatabaseError, UnicodeDecodeError)
"""What sqlite3 raises for a damaged file: its own errors, and a ``UnicodeDecodeError`` when the
damage reaches a message or a text value it decodes."""


def _said(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the file is damaged (text in it is not UTF-8)"
    return str(exc)


class StoreError(AgiTermsError):
    """The store file cannot be used: not a store, newer schema, damaged, or a stored event that
    fails. The service answers 503 (its subclasses for unknown ids and conflicts 404 and 409)."""


class UnknownContractError(StoreError):
    """No contract with this id in the store."""


class ContractExistsError(StoreError):
    """A contract with this id is already in the store."""


class VersionConflictError(StoreError):
    """``expected_version`` is not the stored version: another writer appended first; nothing written."""

    def __init__(self, contract_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"contract {contract_id} is at version {actual}, not the expected {expected}",
            place="expected_version",
        )
        self.contract_id = contract_id
        self.expected = expected
        self.actual = actual


# ---------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class ContractInfo:
    """A stored contract's id, agreement version, parameter overrides and version (event count)."""

    id: str
    agreement: str
    parameters: Mapping[str, object]
    version: int


@dataclasses.dataclass(frozen=True)
class Appended:
    """The result of an append: the new version, the steps the events made, and the contract."""

    version: int
    steps: tuple[Step, ...]
    contract: Contract


# ---------------------------------------------------------------- agreements


class AgreementCache:
    """Agreements by (version, parameter overrides), built once and shared by every contract.

    Agreements are thread-safe and immutable, so one per distinct parameter set serves any number of
    contracts (the durable backend then holds one ruleset per set, not one per contract). The cache
    keeps at most ``max_count`` agreements and about ``max_bytes`` of them (``Agreement.footprint``),
    least recently used first out: a client sending a new parameter set with every request costs
    a compilation each time, not memory for ever. An agreement dropped from the cache is released
    when the last contract using it is (``on_evict`` lets the store drop its cached contracts).
    """

    def __init__(
        self,
        backend: str | None = DEFAULT_BACKEND,
        *,
        max_count: int = DEFAULT_MAX_AGREEMENTS,
        max_bytes: int = DEFAULT_MAX_AGREEMENT_BYTES,
        on_evict: Callable[[Agreement], None] | None = None,
    ) -> None:
        for name, value in (("max_count", max_count), ("max_bytes", max_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} is a whole number >= 1, got {value!r}", place=name)
        self.backend = backend
        self.max_count = max_count
        self.max_bytes = max_bytes
        self._on_evict = on_evict
        self._lock = threading.Lock()
        self._agreements: collections.OrderedDict[tuple[str, str], Agreement] = (
            collections.OrderedDict()
        )

    def get(self, version: str, overrides: Mapping[str, object]) -> Agreement:
        """The agreement of ``version`` with ``overrides`` (already normalised by ``normalise``)."""
        key = (version, _canonical(overrides))
        with self._lock:
            found = self._agreements.get(key)
            if found is not None:
                self._agreements.move_to_end(key)
                return found
        # Built outside the lock: compiling takes a while and must not hold up the other keys.
        built = Agreement(version, overrides, self.backend)
        with self._lock:
            found = self._agreements.setdefault(key, built)
            self._agreements.move_to_end(key)
            evicted = self._evict(keep=key)
        if found is not built:
            built.close()
        for agreement in evicted:
            if self._on_evict is not None:
                self._on_evict(agreement)
        return found

    def _evict(self, keep: tuple[str, str]) -> list[Agreement]:
        """Drop the least recently used agreements past the limits (never ``keep``)."""
        evicted: list[Agreement] = []
        total = sum(a.footprint() for a in self._agreements.values())
        while len(self._agreements) > 1 and (
            len(self._agreements) > self.max_count or total > self.max_bytes
        ):
            key, agreement = next(iter(self._agreements.items()))
            if key == keep:  # pragma: no cover - keep is the most recent, so never first
                break
            del self._agreements[key]
            total -= agreement.footprint()
            evicted.append(agreement)
        return evicted

    def __len__(self) -> int:
        with self._lock:
            return len(self._agreements)

    def footprint(self) -> int:
        """The estimated bytes of the agreements held (``Agreement.footprint``)."""
        with self._lock:
            return sum(a.footprint() for a in self._agreements.values())

    def close(self) -> None:
        with self._lock:
            for agreement in self._agreements.values():
                agreement.close()
            self._agreements.clear()


def normalise(version: object, overrides: object) -> tuple[str, dict[str, object]]:
    """A validated agreement version and its overrides as JSON values (as a saved contract has them).

    Raises ``UnknownVersionError``, ``UnknownParameterError`` or ``InputError``.
    """
    if not isinstance(version, str):
        raise InputError(
            f"an agreement version is a string such as '2025-10', got {version!r}",
            place="agreement",
        )
    if overrides is None:
        overrides = {}
    if not isinstance(overrides, Mapping):
        raise InputError("parameters must be a mapping", place="parameters")
    try:
        rulebook = load_rulebook(version)
    except AgiTermsError as exc:
        raise exc.within("agreement") from None
    known = frozenset(p.name for v in available_versions() for p in load_rulebook(v).parameters)
    values = resolve_parameters(rulebook, overrides, known)
    params = rulebook.parameter_by_name
    normalised: dict[str, object] = {}
    for name, value in overrides.items():
        param = params.get(name)
        normalised[name] = param.to_json(values[name]) if param else _foreign(name, value)
    try:
        _canonical(normalised)
    except (TypeError, ValueError):
        raise InputError("parameter values must be JSON values", place="parameters") from None
    return rulebook.version, normalised


def _foreign(name: str, value: object) -> object:
    """The JSON value of a parameter of another version (applied if the contract amends to it),
    validated now by a version that has it: a bad one is refused at creation, not at the amendment.
    """
    problem = ""
    for version in available_versions():
        param = load_rulebook(version).parameter_by_name.get(name)
        if param is None:
            continue
        try:
            return param.to_json(param.validate(value))
        except ValueError as exc:
            problem = problem or str(exc)
    raise InputError(problem, place=f"parameters.{name}")


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _decoded(text: object, what: str, path: str, expect: type = object) -> Any:
    """A stored JSON value, or a ``StoreError`` naming ``what`` when the row does not decode."""
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8")
        if not isinstance(text, str):
            raise TypeError(f"a {type(text).__name__}, not text")
        value = json.loads(text)
    except (ValueError, TypeError, RecursionError) as exc:
        raise StoreError(f"the store is damaged: cannot read {what} ({exc})", file=path) from None
    if not isinstance(value, expect):
        raise StoreError(
            f"the store is damaged: {what} is a {type(value).__name__}, not a {expect.__name__}",
            file=path,
        )
    return value


# ---------------------------------------------------------------- snapshots


def engine_fingerprint() -> str:
    """A digest of the rule files and the engine's code: a snapshot is used only under the same one.

    Snapshots are a cache of replay results; a release that changes how events replay must not
    reuse the ones an older release wrote.
    """
    digest = hashlib.sha256(SNAPSHOT_FORMAT.encode())
    roots: list[tuple[str, Any]] = [
        ("rules", shipped_rules()),
        ("engine", resources.files("agi_terms")),
    ]
    for label, root in roots:
        for name, data in sorted(_files(root, label)):
            digest.update(name.encode())
            digest.update(data)
    return digest.hexdigest()[:32]


def _files(root: Any, prefix: str) -> Iterator[tuple[str, bytes]]:
    for entry in root.iterdir():
        name = f"{prefix}/{entry.name}"
        if entry.is_dir():
            if entry.name not in {"__pycache__", "_rules"}:
                yield from _files(entry, name)
        elif entry.name.endswith((".py", ".yaml")):
            yield name, entry.read_bytes()


def _state_json(state: ContractState) -> list[object]:
    agi = state.agi
    return [
        state.date.isoformat(),
        state.version,
        state.phase,
        agi.declared_on.isoformat() if agi.declared_on else None,
        agi.verified_on.isoformat() if agi.verified_on else None,
        agi.pending,
        agi.declarations,
        state.azure_purchased_usd,
        state.revenue_share_paid_usd,
    ]


def _state_from(data: Sequence[Any]) -> ContractState:
    day, version, phase, declared, verified, pending, declarations, purchased, paid = data
    agi = AgiHistory(
        dt.date.fromisoformat(declared) if declared else None,
        dt.date.fromisoformat(verified) if verified else None,
        bool(pending),
        int(declarations),
    )
    return ContractState(
        dt.date.fromisoformat(day), version, phase, agi, float(purchased), float(paid)
    )


def _snapshot_json(contract: Contract, steps_before: int) -> str:
    """The steps (and the states after them) added since step ``steps_before``, and the final state,
    with a digest of them: a snapshot damaged in the file is noticed, and the events replayed."""
    body = {
        "format": SNAPSHOT_FORMAT,
        "steps": [s.to_json() for s in contract.steps[steps_before:]],
        "history": [_state_json(s) for s in contract.history[steps_before:]],
        "state": _state_json(contract.state),
        "terms": dict(contract.current_terms),
    }
    return _canonical({**body, "digest": _digest(body)})


def _digest(body: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(body).encode()).hexdigest()


def _snapshot_chunk(data: object) -> dict[str, Any] | None:
    """A stored snapshot chunk, or ``None`` when it is not one this release wrote intact."""
    try:
        chunk = json.loads(data) if isinstance(data, str) else None
    except (ValueError, RecursionError):
        return None
    if not isinstance(chunk, dict) or chunk.get("format") != SNAPSHOT_FORMAT:
        return None
    body = {k: v for k, v in chunk.items() if k != "digest"}
    return chunk if chunk.get("digest") == _digest(body) else None


def _step_from(data: Mapping[str, Any], event: Event | None) -> Step:
    decision = data["decision"]
    return Step(
        date=data["date"],
        type=data["type"],
        phase=data["phase"],
        decision=None if decision is None else Decision.model_validate(decision),
        changes=tuple(Change(term=c["term"], in_force=c["in_force"]) for c in data["changes"]),
        event=event,
    )


# ---------------------------------------------------------------- the store


class ContractStore:
    """Contracts as event streams in one SQLite file (WAL, synchronous=FULL), shared by threads and processes.

    Each thread uses its own connection. Contracts are built on agreements cached by (version,
    parameters) on the ``backend`` (``"python"`` by default: stateless and without native resources),
    at most ``max_agreements`` of them and about ``max_agreement_bytes``.
    ``snapshot_every`` events a snapshot of the replayed timeline is written in the same
    transaction; ``cache_size`` recently used contracts are kept in memory and brought up to date
    from the events stored after them.

    A new file is created whole (written aside, then linked into place), so a file that exists is a
    complete store or not a store at all: an empty file is refused, like any other that is not one.
    Damage found in the file (a malformed database, a stored row that does not decode) is a
    ``StoreError`` saying so; ``verify()`` checks the whole file.
    """

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
        if snapshot_every < 1:
            raise InputError("snapshot_every must be at least 1", place="snapshot_every")
        self.path = str(path)
        self.snapshot_every = snapshot_every
        self.agreements = AgreementCache(
            backend,
            max_count=max_agreements,
            max_bytes=max_agreement_bytes,
            on_evict=self._forget_agreement,
        )
        self._timeout = timeout
        self._fingerprint = engine_fingerprint()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._cache: collections.OrderedDict[str, Contract] = collections.OrderedDict()
        self._cache_size = cache_size
        self._closed = False
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
        for statement in _SCHEMA.split(";"):
            if statement.strip():
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
        for table, columns in _COLUMNS.items():
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
            # Version 1 is the first layout; an older one would be migrated here.
            if found > SCHEMA_VERSION:
                raise StoreError(
                    f"the store has schema version {found}, newer than this release reads"
                    f" ({SCHEMA_VERSION}); upgrade agi-terms to open it",
                    place="schema_version",
                    file=self.path,
                )
            self._check_layout(con)

    def _is_new(self, con: sqlite3.Connection) -> bool:
        """An in-memory database, or an SQLite file with no page written (never a file of data)."""
        if self.path == ":memory:" or self.path.startswith("file:"):
            return True
        return int(con.execute("PRAGMA page_count").fetchone()[0]) == 0

    def close(self) -> None:
        """Close every connection and release the agreements; the store is unusable afterwards."""
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
            self._cache.clear()
        for con in connections:
            con.close()
        self.agreements.close()

    def __enter__(self) -> ContractStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ContractStore({self.path!r})"

    # ------------------------------------------------------------ contracts

    def create(
        self,
        agreement: str = "2025-10",
        parameters: Mapping[str, object] | None = None,
        *,
        contract_id: str | None = None,
    ) -> str:
        """Store a new contract (version 0, no events) and return its id (a new one if not given).

        Raises ``UnknownVersionError``/``UnknownParameterError``/``InputError`` for a bad agreement
        or parameters, ``ContractExistsError`` for a taken id.
        """
        version, overrides = normalise(agreement, parameters)
        self.agreements.get(version, overrides)  # builds (and so checks) the agreement once
        cid = uuid.uuid4().hex if contract_id is None else contract_id
        if not isinstance(cid, str) or not _ID.fullmatch(cid):
            raise InputError(
                "a contract id is 1-128 letters, digits or '_.:-', starting with a letter or digit",
                place="id",
            )
        with self._transaction(write=True) as con:
            try:
                con.execute(
                    "INSERT INTO contracts (id, agreement, parameters) VALUES (?, ?, ?)",
                    (cid, version, _canonical(overrides)),
                )
            except sqlite3.IntegrityError:
                raise ContractExistsError(f"a contract {cid} already exists", place="id") from None
        return cid

    def info(self, contract_id: str) -> ContractInfo:
        """The stored contract's agreement, parameters and version."""
        with self._transaction(write=False) as con:
            return self._info(con, contract_id)

    def version(self, contract_id: str) -> int:
        """The stored contract's version: the number of its events."""
        return self.info(contract_id).version

    def contracts(
        self, *, limit: int | None = None, after: str | None = None
    ) -> list[ContractInfo]:
        """The stored contracts in creation order (``after`` an id, at most ``limit``)."""
        with self._transaction(write=False) as con:
            start = 0
            if after is not None:
                start = self._row(con, after)[0]
            rows = con.execute(
                "SELECT seq, id, agreement, parameters, version FROM contracts"
                " WHERE seq > ? ORDER BY seq LIMIT ?",
                (start, -1 if limit is None else max(limit, 0)),
            ).fetchall()
        return [self._info_of(r) for r in rows]

    def count(self) -> tuple[int, int]:
        """The number of contracts and of events stored."""
        with self._transaction(write=False) as con:
            contracts = con.execute("SELECT count(*) FROM contracts").fetchone()[0]
            events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        return int(contracts), int(events)

    def events(self, contract_id: str) -> list[dict[str, Any]]:
        """The stored events of a contract, in order, as JSON data."""
        with self._transaction(write=False) as con:
            self._row(con, contract_id)
            rows = con.execute(
                "SELECT event FROM events WHERE contract_id = ? ORDER BY version", (contract_id,)
            ).fetchall()
        return [
            _decoded(r[0], f"event {i + 1} of contract {contract_id}", self.path, dict)
            for i, r in enumerate(rows)
        ]

    def load(self, contract_id: str) -> Contract:
        """The contract with every stored event applied (from a snapshot and the cache when they help)."""
        with self._transaction(write=False) as con:
            contract = self._load(con, contract_id)
        self._remember(contract_id, contract)
        return contract

    def append(
        self,
        contract_id: str,
        events: Iterable[Event | Mapping[str, Any]],
        *,
        expected_version: int | None = None,
    ) -> Appended:
        """Apply and store ``events`` together: all of them, or none when one is refused.

        With ``expected_version``, the append happens only if the stored version is that one
        (else ``VersionConflictError``). A bad event raises the engine's ``InputError`` (subclass)
        with its index as place prefix (``[2].cloud``); nothing is written then.
        """
        batch = list(events)
        parsed: list[Event] = []
        for index, event in enumerate(batch):
            try:
                parsed.append(parse_event(event))
            except AgiTermsError as exc:
                raise exc.within(index) from None
        if expected_version is not None and (
            isinstance(expected_version, bool) or not isinstance(expected_version, int)
        ):
            raise InputError("expected_version is a whole number", place="expected_version")
        with self._transaction(write=True) as con:
            before = self._load(con, contract_id)
            version = len(before.events)
            if expected_version is not None and expected_version != version:
                raise VersionConflictError(contract_id, expected_version, version)
            after = before.apply_all(parsed)
            if parsed:
                con.executemany(
                    "INSERT INTO events (contract_id, version, event) VALUES (?, ?, ?)",
                    [
                        (contract_id, version + i + 1, _canonical(event_to_json(e)))
                        for i, e in enumerate(after.events[version:])
                    ],
                )
                con.execute(
                    "UPDATE contracts SET version = ? WHERE id = ?",
                    (len(after.events), contract_id),
                )
                self._snapshot(con, contract_id, after)
        self._remember(contract_id, after)
        return Appended(len(after.events), after.steps[len(before.steps) :], after)

    # ------------------------------------------------------------ internals

    def _row(self, con: sqlite3.Connection, contract_id: str) -> tuple[int, str, str, str, int]:
        row = None
        if isinstance(contract_id, str) and _ID.fullmatch(contract_id):
            row = con.execute(
                "SELECT seq, id, agreement, parameters, version FROM contracts WHERE id = ?",
                (contract_id,),
            ).fetchone()
        if row is None:
            raise UnknownContractError(f"no contract {contract_id!r} in the store", place="id")
        return row  # type: ignore[no-any-return]

    def _info(self, con: sqlite3.Connection, contract_id: str) -> ContractInfo:
        return self._info_of(self._row(con, contract_id))

    def _info_of(self, row: Sequence[Any]) -> ContractInfo:
        _, cid, agreement, parameters, version = row
        what = f"the parameters of contract {cid}"
        decoded = _decoded(parameters, what, self.path, dict)
        if (
            not isinstance(agreement, str)
            or isinstance(version, bool)
            or not isinstance(version, int)
        ):
            raise StoreError(f"the store is damaged: the row of contract {cid}", file=self.path)
        return ContractInfo(cid, agreement, decoded, version)

    def _load(self, con: sqlite3.Connection, contract_id: str) -> Contract:
        info = self._info(con, contract_id)
        with self._lock:
            cached = self._cache.get(contract_id)
        if cached is not None and len(cached.events) <= info.version:
            contract, done = cached, len(cached.events)
        else:
            try:
                agreement = self.agreements.get(info.agreement, info.parameters)
            except AgiTermsError as exc:
                raise StoreError(
                    f"contract {contract_id} is stored with an agreement this release cannot load"
                    f" ({exc.one_line()})",
                    file=self.path,
                ) from None
            contract, done = self._from_snapshots(con, contract_id, agreement)
        rows = con.execute(
            "SELECT version, event FROM events WHERE contract_id = ? AND version > ? ORDER BY version",
            (contract_id, done),
        ).fetchall()
        for version, text in rows:
            event = _decoded(text, f"event {version} of contract {contract_id}", self.path, dict)
            try:
                contract = contract.apply(event)
            except AgiTermsError as exc:
                raise StoreError(
                    f"stored event {version} of contract {contract_id} no longer applies: {exc}",
                    place=f"events[{version - 1}]",
                    file=self.path,
                ) from None
        if len(contract.events) != info.version:
            raise StoreError(
                f"contract {contract_id} has {len(contract.events)} events stored, not {info.version}",
                file=self.path,
            )
        return contract

    def _from_snapshots(
        self, con: sqlite3.Connection, contract_id: str, agreement: Agreement
    ) -> tuple[Contract, int]:
        """The contract rebuilt from its snapshots (a contiguous chain from version 0), and its version."""
        start = agreement.start()
        rows = con.execute(
            "SELECT after_version, version, steps_before, steps_after, data FROM snapshots"
            " WHERE contract_id = ? AND fingerprint = ? ORDER BY version",
            (contract_id, self._fingerprint),
        ).fetchall()
        chain: list[dict[str, Any]] = []
        reached, steps = 0, 0
        for after_version, version, steps_before, steps_after, data in rows:
            if after_version != reached or steps_before != steps:
                break
            chunk = _snapshot_chunk(data)
            if chunk is None or len(chunk.get("steps", ())) != steps_after - steps:
                break
            chain.append(chunk)
            reached, steps = version, steps_after
        if not chain:
            return start, 0
        try:
            return self._rebuilt(con, contract_id, agreement, chain, reached), reached
        except (AgiTermsError, KeyError, IndexError, TypeError, ValueError, StopIteration):
            # Snapshots are a cache of the replay: one that does not rebuild is replayed instead.
            return start, 0

    def _rebuilt(
        self,
        con: sqlite3.Connection,
        contract_id: str,
        agreement: Agreement,
        chain: list[dict[str, Any]],
        reached: int,
    ) -> Contract:
        start = agreement.start()
        texts = con.execute(
            "SELECT event FROM events WHERE contract_id = ? AND version <= ? ORDER BY version",
            (contract_id, reached),
        ).fetchall()
        events = [
            parse_event(_decoded(t[0], f"event {i + 1} of contract {contract_id}", self.path, dict))
            for i, t in enumerate(texts)
        ]
        pending = iter(events)
        all_steps: list[Step] = []
        history: list[ContractState] = []
        for chunk in chain:
            for data in chunk["steps"]:
                event = None if data["type"] == "calendar" else next(pending)
                all_steps.append(_step_from(data, event))
            history.extend(_state_from(s) for s in chunk["history"])
        last = chain[-1]
        return Contract(
            agreement,
            _state_from(last["state"]),
            events=tuple(events),
            steps=tuple(all_steps),
            history=tuple(history),
            start_terms=start.start_terms,
            current_terms=dict(last["terms"]),
        )

    def _snapshot(self, con: sqlite3.Connection, contract_id: str, contract: Contract) -> None:
        """Write a snapshot of the events since the last one when ``snapshot_every`` have gathered."""
        row = con.execute(
            "SELECT version, steps_after FROM snapshots"
            " WHERE contract_id = ? AND fingerprint = ? ORDER BY version DESC LIMIT 1",
            (contract_id, self._fingerprint),
        ).fetchone()
        reached, steps = (0, 0) if row is None else (int(row[0]), int(row[1]))
        version = len(contract.events)
        if version - reached < self.snapshot_every:
            return
        con.execute(
            "INSERT INTO snapshots (contract_id, fingerprint, after_version, version, steps_before,"
            " steps_after, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                contract_id,
                self._fingerprint,
                reached,
                version,
                steps,
                len(contract.steps),
                _snapshot_json(contract, steps),
            ),
        )

    def _forget_agreement(self, agreement: Agreement) -> None:
        """Drop the cached contracts of an agreement the agreement cache let go of."""
        with self._lock:
            for cid in [c for c, k in self._cache.items() if k.agreement is agreement]:
                del self._cache[cid]

    def _remember(self, contract_id: str, contract: Contract) -> None:
        with self._lock:
            if self._closed or self._cache_size <= 0:
                return
            known = self._cache.get(contract_id)
            if known is None or len(known.events) <= len(contract.events):
                self._cache[contract_id] = contract
            self._cache.move_to_end(contract_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


def open_store(path: str | Path, **options: Any) -> ContractStore:
    """Open (or create) the store file at ``path``; see ``ContractStore`` for the options."""
    return ContractStore(path, **options)

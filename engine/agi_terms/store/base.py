"""What every contract store is: its results and errors, the agreements it shares, the digests of
requests that idempotency keys record, the snapshots it writes, and its operations (``Store``),
written once in SQL that SQLite (``sqlite.py``) and PostgreSQL (``postgres.py``) both run.

A backend supplies the connections and transactions, the layout's creation and migration
(``migrations/<backend>/NNNN_*.sql``) and what its driver raises; the operations below are the
same on both, so a contract behaves the same whichever database keeps it.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from agi_terms.errors import AgiTermsError, InputError
from agi_terms.evaluation.agreement import Agreement, resolve_parameters
from agi_terms.evaluation.contract import Contract, ContractState
from agi_terms.evaluation.results import Change, Decision, Step
from agi_terms.events import Event, event_to_json, parse_event
from agi_terms.facts import AgiHistory
from agi_terms.reprs import short_repr
from agi_terms.rulebook import available_versions, load_rulebook
from agi_terms.rulebook.parameters import accepted_names

__all__ = [
    "COLUMNS",
    "DEFAULT_BACKEND",
    "DEFAULT_MAX_AGREEMENTS",
    "DEFAULT_MAX_AGREEMENT_BYTES",
    "SNAPSHOT_FORMAT",
    "AgreementCache",
    "Appended",
    "ContractExistsError",
    "ContractInfo",
    "IdempotencyKeyReusedError",
    "Store",
    "StoreError",
    "UnknownContractError",
    "VersionConflictError",
    "append_digest",
    "create_digest",
    "is_postgres_url",
    "migrations",
    "normalise",
    "redacted",
]

SNAPSHOT_FORMAT = "agi-terms/snapshot@3"
"""The declared format of snapshots: a snapshot is used only by a release of the same format. A
release that changes what a snapshot holds or how events replay declares a new one, and the
snapshots of the old format are then ignored (and the events replayed)."""

DEFAULT_BACKEND = "python"
DEFAULT_MAX_AGREEMENTS = 256
DEFAULT_MAX_AGREEMENT_BYTES = 256 * 1024 * 1024

CONTRACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
"""What a contract id may be; the store checks it, and the service's OpenAPI document states it."""
MAX_TENANT_LENGTH = 128
MAX_IDEMPOTENCY_KEY_LENGTH = 255

COLUMNS = {
    "schema_version": ("version",),
    "contracts": ("seq", "tenant", "id", "agreement", "parameters", "event_count"),
    "events": ("contract", "number", "event"),
    "snapshots": (
        "contract", "format", "after_count", "event_count", "steps_before", "steps_after", "data",
    ),
    "idempotency_keys": (
        "tenant", "key", "request", "contract_id", "event_count", "steps_before", "steps_after",
    ),
}  # fmt: skip
"""The columns of each table of the current layout, in order (the same on every backend), checked
when a store is opened."""


def migrations(backend: str) -> list[tuple[int, list[str]]]:
    """The migrations shipped for ``backend`` (``"sqlite"``, ``"postgres"``) in order: each file's
    number (the schema version it brings a store to) and its statements."""
    folder = resources.files("agi_terms.store").joinpath("migrations", backend)
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        text = "\n".join(
            line for line in entry.read_text("utf-8").splitlines()
            if not line.lstrip().startswith("--")
        )  # fmt: skip
        found.append(
            (int(name.split("_", 1)[0]), [s.strip() for s in text.split(";") if s.strip()])
        )
    found.sort()
    if [n for n, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"the {backend} migrations shipped are not numbered 1, 2, ...")
    return found


_POSTGRES = re.compile(r"postgres(ql)?://", re.IGNORECASE)


def is_postgres_url(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database (a ``postgresql://`` or ``postgres://``
    URL) rather than an SQLite file."""
    return isinstance(target, str) and _POSTGRES.match(target) is not None


def redacted(target: str | Path) -> str:
    """``target`` as it may be shown: a URL's password replaced by ``***``."""
    text = str(target)
    if not is_postgres_url(text):
        return text
    return re.sub(r"^([^:/]+://[^:@/]*):[^@/]*@", r"\1:***@", text)


class Connection(Protocol):
    """What the operations need of a backend's connection inside a transaction: statements with
    ``?`` placeholders, and rows as tuples."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, parameters: Any, /) -> Any: ...


# ---------------------------------------------------------------- errors


class StoreError(AgiTermsError):
    """The store cannot be used: not a store, newer schema, damaged, unreachable (a database that
    does not answer or a connection lost), or a stored event that fails. The service answers 503
    (its subclasses for unknown ids and conflicts 404 and 409)."""


class UnknownContractError(StoreError):
    """No contract with this id in the store for this tenant (another tenant's is not told apart)."""


class ContractExistsError(StoreError):
    """A contract with this id is already in the store for this tenant."""


class VersionConflictError(StoreError):
    """``expected_version`` is not the stored event count: another writer appended first; nothing
    written. ``expected`` and ``actual`` are event counts."""

    def __init__(self, contract_id: str, expected: int, actual: int) -> None:
        super().__init__(
            f"contract {contract_id} is at version {actual}, not the expected {expected}",
            place="expected_version",
        )
        self.contract_id = contract_id
        self.expected = expected
        self.actual = actual


class IdempotencyKeyReusedError(InputError):
    """The idempotency key was used by this tenant for another request (another operation,
    contract, body or expected version); nothing written. The service answers 422."""


# ---------------------------------------------------------------- results


@dataclasses.dataclass(frozen=True)
class ContractInfo:
    """A stored contract's id, agreement version, parameter overrides, number of events and tenant."""

    id: str
    agreement: str
    parameters: Mapping[str, object]
    event_count: int
    tenant: str = ""


@dataclasses.dataclass(frozen=True)
class Appended:
    """The result of an append: the contract's number of events after it, the steps the events
    made, and the contract after it (the same again when an idempotency key repeats the append)."""

    event_count: int
    steps: tuple[Step, ...]
    contract: Contract

    def __repr__(self) -> str:
        return short_repr(self, event_count=self.event_count, steps=len(self.steps))


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
    values = resolve_parameters(rulebook, overrides, accepted_names(rulebook))
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


def _tenant(tenant: object) -> str:
    if not isinstance(tenant, str) or len(tenant) > MAX_TENANT_LENGTH:
        raise InputError(
            f"a tenant is a string of at most {MAX_TENANT_LENGTH} characters", place="tenant"
        )
    return tenant


def _idempotency_key(key: object) -> str | None:
    if key is None:
        return None
    if (
        not isinstance(key, str)
        or not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH
        or not key.isprintable()
    ):
        raise InputError(
            f"an idempotency key is 1-{MAX_IDEMPOTENCY_KEY_LENGTH} printable characters",
            place="idempotency_key",
        )
    return key


def create_digest(version: str, overrides: Mapping[str, object], contract_id: str | None) -> str:
    """The digest of a create request, normalised (``normalise``'s version and overrides, and the
    id asked for, ``None`` for a new one): what an idempotency key is recorded with."""
    return _request_digest(["create", contract_id, version, dict(overrides)])


def append_digest(contract_id: str, events: Sequence[Event], expected_version: int | None) -> str:
    """The digest of an append request: the contract, the events as stored (canonical JSON, so a
    default given or left out is the same request) and the expected version."""
    return _request_digest(
        ["append", contract_id, [event_to_json(e) for e in events], expected_version]
    )


def _request_digest(request: object) -> str:
    return hashlib.sha256(_canonical(request).encode()).hexdigest()


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


class Store:
    """The operations of a contract store, the same on every backend (``ContractStore`` for
    SQLite, ``PostgresStore``): contracts of tenants, appends, loads, idempotent retries.

    Contracts are built on agreements cached by (version, parameters) on the ``backend``
    (``"python"`` by default: stateless and without native resources), at most ``max_agreements``
    of them and about ``max_agreement_bytes``. ``snapshot_every`` events a snapshot of the
    replayed timeline is written in the same transaction; ``cache_size`` recently used contracts
    are kept in memory and brought up to date from the events stored after them.
    """

    path: str
    """Where the store is: the SQLite file, or the PostgreSQL URL without its password."""

    _FOR_UPDATE = ""
    """What the row lookup of an append adds to lock the contract's row for the transaction (a
    backend whose write transactions lock the whole database needs nothing)."""

    _DUPLICATE: tuple[type[BaseException], ...] = ()
    """What the driver raises for a row whose key is taken."""

    _NO_LIMIT: int | None = -1
    """The ``LIMIT`` that means none."""

    def __init__(
        self,
        *,
        backend: str | None = DEFAULT_BACKEND,
        snapshot_every: int = 100,
        cache_size: int = 1024,
        max_agreements: int = DEFAULT_MAX_AGREEMENTS,
        max_agreement_bytes: int = DEFAULT_MAX_AGREEMENT_BYTES,
    ) -> None:
        if (
            isinstance(snapshot_every, bool)
            or not isinstance(snapshot_every, int)
            or snapshot_every < 1
        ):
            raise InputError("snapshot_every must be at least 1", place="snapshot_every")
        self.snapshot_every = snapshot_every
        self.agreements = AgreementCache(
            backend,
            max_count=max_agreements,
            max_bytes=max_agreement_bytes,
            on_evict=self._forget_agreement,
        )
        self._lock = threading.Lock()
        # Contracts by their row number (unique across tenants).
        self._cache: collections.OrderedDict[int, Contract] = collections.OrderedDict()
        self._cache_size = cache_size
        self._closed = False

    # ------------------------------------------------------------ what a backend supplies

    def _transaction(self, write: bool) -> contextlib.AbstractContextManager[Connection]:
        """A transaction on a connection of this thread's or the pool's; a write one serialises
        with every other write to the same contract. The driver's failures are ``StoreError``."""
        raise NotImplementedError

    def _lock_key(self, con: Connection, tenant: str, key: str) -> None:
        """Serialise the transactions that use one idempotency key (nothing to do where write
        transactions already take turns)."""

    def verify(self) -> None:
        """Check the store whole (layout, and what the database can check); ``StoreError`` if not."""
        raise NotImplementedError

    def ping(self) -> None:
        """Ask the database to answer (read its schema version); ``StoreError`` when it does not."""
        with self._transaction(write=False) as con:
            con.execute("SELECT max(version) FROM schema_version").fetchone()

    def close(self) -> None:
        """Release the agreements and the cached contracts; the store is unusable afterwards."""
        with self._lock:
            self._closed = True
            self._cache.clear()
        self.agreements.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def create(
        self,
        agreement: str = "2025-10",
        parameters: Mapping[str, object] | None = None,
        *,
        contract_id: str | None = None,
        tenant: str = "",
        idempotency_key: str | None = None,
    ) -> str:
        """Store a new contract of ``tenant`` (no events) and return its id (a new one if not given).

        With ``idempotency_key``, a repeat of the same request (same agreement, parameters and
        ``contract_id``) returns the first answer's id and stores nothing more; the key with another
        request raises ``IdempotencyKeyReusedError``. A request that fails records no key.
        Raises ``UnknownVersionError``/``UnknownParameterError``/``InputError`` for a bad agreement
        or parameters, ``ContractExistsError`` for an id the tenant has taken.
        """
        tenant = _tenant(tenant)
        key = _idempotency_key(idempotency_key)
        version, overrides = normalise(agreement, parameters)
        if contract_id is not None and (
            not isinstance(contract_id, str) or not CONTRACT_ID.fullmatch(contract_id)
        ):
            raise InputError(
                "a contract id is 1-128 letters, digits or '_.:-', starting with a letter or digit",
                place="id",
            )
        self.agreements.get(version, overrides)  # builds (and so checks) the agreement once
        request = create_digest(version, overrides, contract_id)
        cid = uuid.uuid4().hex if contract_id is None else contract_id
        with self._transaction(write=True) as con:
            if key is not None:
                self._lock_key(con, tenant, key)
                recorded = self._recorded(con, tenant, key, request)
                if recorded is not None:
                    return str(recorded[0])
            try:
                con.execute(
                    "INSERT INTO contracts (tenant, id, agreement, parameters) VALUES (?, ?, ?, ?)",
                    (tenant, cid, version, _canonical(overrides)),
                )
            except self._DUPLICATE:
                raise ContractExistsError(f"a contract {cid} already exists", place="id") from None
            if key is not None:
                con.execute(
                    "INSERT INTO idempotency_keys (tenant, key, request, contract_id)"
                    " VALUES (?, ?, ?, ?)",
                    (tenant, key, request, cid),
                )
        return cid

    def info(self, contract_id: str, *, tenant: str = "") -> ContractInfo:
        """The stored contract's agreement, parameters and number of events."""
        with self._transaction(write=False) as con:
            return self._info_of(self._row(con, _tenant(tenant), contract_id))

    def event_count(self, contract_id: str, *, tenant: str = "") -> int:
        """The number of the stored contract's events (what ``expected_version`` is compared with)."""
        return self.info(contract_id, tenant=tenant).event_count

    def contracts(
        self, *, tenant: str = "", limit: int | None = None, after: str | None = None
    ) -> list[ContractInfo]:
        """The tenant's contracts in id order: those after the id ``after``, at most ``limit``."""
        tenant = _tenant(tenant)
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InputError(f"limit is a whole number >= 0, got {limit!r}", place="limit")
        if after is not None and not isinstance(after, str):
            raise InputError(f"after is a contract id, got {after!r}", place="after")
        with self._transaction(write=False) as con:
            rows = con.execute(
                "SELECT seq, tenant, id, agreement, parameters, event_count FROM contracts"
                " WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?",
                (tenant, after or "", self._NO_LIMIT if limit is None else limit),
            ).fetchall()
        return [self._info_of(r) for r in rows]

    def count(self, *, tenant: str | None = None) -> tuple[int, int]:
        """The number of contracts and of events stored: the tenant's, or with ``None`` all."""
        where, args = ("", ()) if tenant is None else (" WHERE tenant = ?", (_tenant(tenant),))
        with self._transaction(write=False) as con:
            # One statement, so the two counts are of one moment.
            contracts, events = con.execute(
                f"SELECT (SELECT count(*) FROM contracts{where}), (SELECT count(*) FROM events"
                f" JOIN contracts ON contracts.seq = events.contract{where})",
                args * 2,
            ).fetchone()
        return int(contracts), int(events)

    def events(self, contract_id: str, *, tenant: str = "") -> list[dict[str, Any]]:
        """The stored events of a contract, in order, as JSON data."""
        with self._transaction(write=False) as con:
            row = self._row(con, _tenant(tenant), contract_id)
            rows = con.execute(
                "SELECT event FROM events WHERE contract = ? AND number <= ? ORDER BY number",
                (row[0], row[5]),
            ).fetchall()
        return [
            _decoded(r[0], f"event {i + 1} of contract {contract_id}", self.path, dict)
            for i, r in enumerate(rows)
        ]

    def load(self, contract_id: str, *, tenant: str = "") -> Contract:
        """The contract with every stored event applied (from a snapshot and the cache when they help)."""
        with self._transaction(write=False) as con:
            row = self._row(con, _tenant(tenant), contract_id)
            contract = self._load(con, row)
        self._remember(row[0], contract)
        return contract

    def append(
        self,
        contract_id: str,
        events: Iterable[Event | Mapping[str, Any]],
        *,
        expected_version: int | None = None,
        tenant: str = "",
        idempotency_key: str | None = None,
    ) -> Appended:
        """Apply and store ``events`` together: all of them, or none when one is refused.

        With ``expected_version``, the append happens only if the contract has that many events
        stored (else ``VersionConflictError``). A bad event raises the engine's ``InputError``
        (subclass) with its index as place prefix (``[2].cloud``); nothing is written then.
        With ``idempotency_key``, a repeat of the same request (same contract, events and expected
        version) returns an ``Appended`` equal to the first and stores nothing, even when the
        expected version is stale by now; the key with another request raises
        ``IdempotencyKeyReusedError``. A request that fails records no key.
        """
        tenant = _tenant(tenant)
        key = _idempotency_key(idempotency_key)
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
        request = append_digest(contract_id, parsed, expected_version)
        with self._transaction(write=True) as con:
            if key is not None:
                self._lock_key(con, tenant, key)
                recorded = self._recorded(con, tenant, key, request)
                if recorded is not None:
                    return self._appended_again(con, tenant, recorded)
            row = self._row(con, tenant, contract_id, lock=True)
            before = self._load(con, row)
            count = len(before.events)
            if expected_version is not None and expected_version != count:
                raise VersionConflictError(contract_id, expected_version, count)
            after = before.apply_all(parsed)
            if parsed:
                con.executemany(
                    "INSERT INTO events (contract, number, event) VALUES (?, ?, ?)",
                    [
                        (row[0], count + i + 1, _canonical(event_to_json(e)))
                        for i, e in enumerate(after.events[count:])
                    ],
                )
                con.execute(
                    "UPDATE contracts SET event_count = ? WHERE seq = ?",
                    (len(after.events), row[0]),
                )
                self._snapshot(con, row[0], after)
            if key is not None:
                con.execute(
                    "INSERT INTO idempotency_keys (tenant, key, request, contract_id, event_count,"
                    " steps_before, steps_after) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (tenant, key, request, contract_id, len(after.events), len(before.steps),
                     len(after.steps)),
                )  # fmt: skip
        self._remember(row[0], after)
        return Appended(len(after.events), after.steps[len(before.steps) :], after)

    # ------------------------------------------------------------ internals

    def _recorded(
        self, con: Connection, tenant: str, key: str, request: str
    ) -> tuple[Any, ...] | None:
        """What the request first recorded under ``key`` gave, ``None`` when the key is new;
        ``IdempotencyKeyReusedError`` when the key was recorded for another request."""
        row = con.execute(
            "SELECT request, contract_id, event_count, steps_before, steps_after"
            " FROM idempotency_keys WHERE tenant = ? AND key = ?",
            (tenant, key),
        ).fetchone()
        if row is None:
            return None
        if row[0] != request:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was used for another request; a key names one request",
                place="idempotency_key",
            )
        return tuple(row[1:])

    def _appended_again(self, con: Connection, tenant: str, recorded: tuple[Any, ...]) -> Appended:
        """The first answer to a repeated append, rebuilt from the stored contract: its steps are
        those the append added, and the contract as it was after it."""
        contract_id, count, before, after = recorded
        if not all(isinstance(n, int) and not isinstance(n, bool) for n in (count, before, after)):
            raise StoreError(
                f"the store is damaged: the idempotency key of contract {contract_id}",
                file=self.path,
            )
        contract = self._load(con, self._row(con, tenant, contract_id))
        if len(contract.events) < count or len(contract.steps) < after:
            raise StoreError(
                f"the store is damaged: contract {contract_id} has fewer events than an"
                " acknowledged append left",
                file=self.path,
            )
        if len(contract.events) > count:  # appended to since: the contract as the append left it
            contract = contract.agreement.start().apply_all(contract.events[:count])
        return Appended(count, contract.steps[before:after], contract)

    def _row(
        self, con: Connection, tenant: str, contract_id: str, lock: bool = False
    ) -> tuple[int, str, str, str, str, int]:
        """The contract's row (``lock``: locked until the transaction ends, where the backend
        locks rows), or ``UnknownContractError`` when the tenant has no such contract."""
        row = None
        if isinstance(contract_id, str) and CONTRACT_ID.fullmatch(contract_id):
            row = con.execute(
                "SELECT seq, tenant, id, agreement, parameters, event_count FROM contracts"
                " WHERE tenant = ? AND id = ?" + (self._FOR_UPDATE if lock else ""),
                (tenant, contract_id),
            ).fetchone()
        if row is None:
            raise UnknownContractError(f"no contract {contract_id!r} in the store", place="id")
        return row  # type: ignore[no-any-return]

    def _info_of(self, row: Sequence[Any]) -> ContractInfo:
        _, tenant, cid, agreement, parameters, count = row
        what = f"the parameters of contract {cid}"
        decoded = _decoded(parameters, what, self.path, dict)
        if not isinstance(agreement, str) or isinstance(count, bool) or not isinstance(count, int):
            raise StoreError(f"the store is damaged: the row of contract {cid}", file=self.path)
        return ContractInfo(cid, agreement, decoded, count, tenant)

    def _load(self, con: Connection, row: Sequence[Any]) -> Contract:
        info = self._info_of(row)
        seq, contract_id = row[0], info.id
        with self._lock:
            cached = self._cache.get(seq)
        if cached is not None and len(cached.events) <= info.event_count:
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
            contract, done = self._from_snapshots(
                con, seq, contract_id, agreement, info.event_count
            )
        rows = con.execute(
            "SELECT number, event FROM events WHERE contract = ? AND number > ? AND number <= ?"
            " ORDER BY number",
            (seq, done, info.event_count),
        ).fetchall()
        for number, text in rows:
            event = _decoded(text, f"event {number} of contract {contract_id}", self.path, dict)
            try:
                contract = contract.apply(event)
            except AgiTermsError as exc:
                raise StoreError(
                    f"stored event {number} of contract {contract_id} no longer applies: {exc}",
                    place=f"events[{number - 1}]",
                    file=self.path,
                ) from None
        if len(contract.events) != info.event_count:
            raise StoreError(
                f"contract {contract_id} has {len(contract.events)} events stored, not"
                f" {info.event_count}",
                file=self.path,
            )
        return contract

    def _from_snapshots(
        self, con: Connection, seq: int, contract_id: str, agreement: Agreement, known: int
    ) -> tuple[Contract, int]:
        """The contract rebuilt from its snapshots (a contiguous chain from no events), and its
        number of events."""
        start = agreement.start()
        rows = con.execute(
            "SELECT after_count, event_count, steps_before, steps_after, data FROM snapshots"
            " WHERE contract = ? AND format = ? AND event_count <= ? ORDER BY event_count",
            (seq, SNAPSHOT_FORMAT, known),
        ).fetchall()
        chain: list[dict[str, Any]] = []
        reached, steps = 0, 0
        for after_count, count, steps_before, steps_after, data in rows:
            if after_count != reached or steps_before != steps:
                break
            chunk = _snapshot_chunk(data)
            if chunk is None or len(chunk.get("steps", ())) != steps_after - steps:
                break
            chain.append(chunk)
            reached, steps = count, steps_after
        if not chain:
            return start, 0
        try:
            return self._rebuilt(con, seq, contract_id, agreement, chain, reached), reached
        except (AgiTermsError, KeyError, IndexError, TypeError, ValueError, StopIteration):
            # Snapshots are a cache of the replay: one that does not rebuild is replayed instead.
            return start, 0

    def _rebuilt(
        self,
        con: Connection,
        seq: int,
        contract_id: str,
        agreement: Agreement,
        chain: list[dict[str, Any]],
        reached: int,
    ) -> Contract:
        start = agreement.start()
        texts = con.execute(
            "SELECT event FROM events WHERE contract = ? AND number <= ? ORDER BY number",
            (seq, reached),
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

    def _snapshot(self, con: Connection, seq: int, contract: Contract) -> None:
        """Write a snapshot of the events since the last one when ``snapshot_every`` have gathered."""
        row = con.execute(
            "SELECT event_count, steps_after FROM snapshots"
            " WHERE contract = ? AND format = ? ORDER BY event_count DESC LIMIT 1",
            (seq, SNAPSHOT_FORMAT),
        ).fetchone()
        reached, steps = (0, 0) if row is None else (int(row[0]), int(row[1]))
        count = len(contract.events)
        if count - reached < self.snapshot_every:
            return
        con.execute(
            "INSERT INTO snapshots (contract, format, after_count, event_count, steps_before,"
            " steps_after, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (seq, SNAPSHOT_FORMAT, reached, count, steps, len(contract.steps),
             _snapshot_json(contract, steps)),
        )  # fmt: skip

    def _forget_agreement(self, agreement: Agreement) -> None:
        """Drop the cached contracts of an agreement the agreement cache let go of."""
        with self._lock:
            for seq in [c for c, k in self._cache.items() if k.agreement is agreement]:
                del self._cache[seq]

    def _remember(self, seq: int, contract: Contract) -> None:
        with self._lock:
            if self._closed or self._cache_size <= 0:
                return
            known = self._cache.get(seq)
            if known is None or len(known.events) <= len(contract.events):
                self._cache[seq] = contract
            self._cache.move_to_end(seq)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

-- Every contract belongs to a tenant ('' for those stored before tenants), its id unique within
-- the tenant; events are keyed by the contract's row and their number; snapshots by their
-- declared format (those of version 1 were keyed by a digest of the engine's files: dropped);
-- idempotency keys record a request's digest and its result.
DROP TABLE snapshots;
ALTER TABLE events RENAME TO events_v1;
ALTER TABLE contracts RENAME TO contracts_v1;
CREATE TABLE contracts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,
    agreement   TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    event_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, id)
);
CREATE TABLE events (
    contract INTEGER NOT NULL REFERENCES contracts (seq),
    number   INTEGER NOT NULL,
    event    TEXT NOT NULL,
    PRIMARY KEY (contract, number)
) WITHOUT ROWID;
CREATE TABLE snapshots (
    contract     INTEGER NOT NULL REFERENCES contracts (seq),
    format       TEXT NOT NULL,
    after_count  INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    steps_before INTEGER NOT NULL,
    steps_after  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (contract, format, event_count)
) WITHOUT ROWID;
CREATE TABLE idempotency_keys (
    tenant       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request      TEXT NOT NULL,
    contract_id  TEXT NOT NULL,
    event_count  INTEGER,
    steps_before INTEGER,
    steps_after  INTEGER,
    PRIMARY KEY (tenant, key)
) WITHOUT ROWID;
INSERT INTO contracts (seq, tenant, id, agreement, parameters, event_count)
    SELECT seq, '', id, agreement, parameters, version FROM contracts_v1;
INSERT INTO events (contract, number, event)
    SELECT c.seq, e.version, e.event FROM events_v1 e JOIN contracts_v1 c ON c.id = e.contract_id;
DROP TABLE events_v1;
DROP TABLE contracts_v1;

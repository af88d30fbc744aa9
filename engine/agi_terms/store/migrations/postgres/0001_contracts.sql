-- The layout of SQLite's schema version 2: contracts per tenant, events keyed by (contract,
-- number) so that a duplicate append cannot commit, snapshots keyed by their declared format,
-- idempotency keys with a request's digest and its result.
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE contracts (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      TEXT NOT NULL,
    id          TEXT NOT NULL,
    agreement   TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    event_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant, id)
);
CREATE TABLE events (
    contract BIGINT NOT NULL REFERENCES contracts (seq),
    number   INTEGER NOT NULL,
    event    TEXT NOT NULL,
    PRIMARY KEY (contract, number)
);
CREATE TABLE snapshots (
    contract     BIGINT NOT NULL REFERENCES contracts (seq),
    format       TEXT NOT NULL,
    after_count  INTEGER NOT NULL,
    event_count  INTEGER NOT NULL,
    steps_before INTEGER NOT NULL,
    steps_after  INTEGER NOT NULL,
    data         TEXT NOT NULL,
    PRIMARY KEY (contract, format, event_count)
);
CREATE TABLE idempotency_keys (
    tenant       TEXT NOT NULL,
    key          TEXT NOT NULL,
    request      TEXT NOT NULL,
    contract_id  TEXT NOT NULL,
    event_count  INTEGER,
    steps_before INTEGER,
    steps_after  INTEGER,
    PRIMARY KEY (tenant, key)
)

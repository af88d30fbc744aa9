-- The first layout: contracts by id, their events numbered by version, snapshots keyed by a
-- digest of the engine's files.
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

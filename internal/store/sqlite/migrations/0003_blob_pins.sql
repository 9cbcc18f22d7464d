-- Digests a publish is about to reference (see store.Orphans): the collector
-- leaves them alone.
CREATE TABLE blob_pins (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256     TEXT   NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE INDEX blob_pins_sha256 ON blob_pins (sha256, created_ns);
CREATE INDEX blob_pins_created ON blob_pins (created_ns);

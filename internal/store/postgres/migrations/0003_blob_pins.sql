-- Digests a publish is about to reference (see store.Orphans): the collector
-- leaves them alone. The twin of the SQLite migration of the same name.
CREATE TABLE blob_pins (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sha256     TEXT COLLATE "C" NOT NULL,
    created_ns BIGINT NOT NULL
);
CREATE INDEX blob_pins_sha256 ON blob_pins (sha256, created_ns);
CREATE INDEX blob_pins_created ON blob_pins (created_ns);

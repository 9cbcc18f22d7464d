-- Small blobs kept in the database (issue #15).
-- The twin of the SQLite migration of the same name (the same columns; the
-- rowid is there for SQLite's page layout).
--
-- A publish whose asset is at most the server's inline size (see
-- service.Limits.InlineBlobBytes) writes the bytes here, in the transaction
-- that records the asset: no object, no pin, no second commit. Rows are keyed
-- by the SHA-256 of their content, like the blob store's objects, and removed
-- by the collector in the transaction that finds their digest unreferenced.
CREATE TABLE inline_blobs (
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256  TEXT COLLATE "C" NOT NULL UNIQUE,
  content BYTEA NOT NULL
);

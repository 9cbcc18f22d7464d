-- Small blobs kept in the database (issue #15).
--
-- A publish whose asset is at most the server's inline size (see
-- service.Limits.InlineBlobBytes) writes the bytes here, in the transaction
-- that records the asset: no file, no pin, no second fsync. Rows are keyed by
-- the SHA-256 of their content, like the blob store's objects, and removed by
-- the collector in the transaction that finds their digest unreferenced.
--
-- A rowid table with the digest in a unique index, not a WITHOUT ROWID
-- table keyed by it: SQLite keeps at most ~1 KB of a row in an index page
-- (the rest in overflow pages), but up to ~4 KB in a table page, and new
-- rows append to the table's last page, which the publishes of one group
-- commit share.
CREATE TABLE inline_blobs (
  id      INTEGER PRIMARY KEY,
  sha256  TEXT NOT NULL UNIQUE,
  content BLOB NOT NULL
);

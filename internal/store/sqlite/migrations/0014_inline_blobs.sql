-- Small blobs kept in the database (issue #15).
--
-- A publish whose asset is at most the server's inline size (see
-- service.Limits.InlineBlobBytes) writes the bytes here, in the transaction
-- that records the asset: no file, no pin, no second fsync. Rows are keyed by
-- the SHA-256 of their content, like the blob store's objects, and removed by
-- the collector in the transaction that finds their digest unreferenced.
CREATE TABLE inline_blobs (
  sha256  TEXT PRIMARY KEY,
  content BLOB NOT NULL
) WITHOUT ROWID;

-- Small blobs kept in the database (issue #15).
-- The twin of the SQLite migration of the same name (which adds a rowid for
-- SQLite's page layout; PostgreSQL keeps rows in a heap anyway).
--
-- A publish whose asset is at most the server's inline size (see
-- service.Limits.InlineBlobBytes) writes the bytes here, in the transaction
-- that records the asset: no object, no pin, no second commit. Rows are keyed
-- by the SHA-256 of their content, like the blob store's objects, and removed
-- by the collector in the transaction that finds their digest unreferenced.
CREATE TABLE inline_blobs (
  sha256  TEXT COLLATE "C" PRIMARY KEY,
  content BYTEA NOT NULL
);

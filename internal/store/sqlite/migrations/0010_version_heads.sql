-- Version heads (issue #15): the packument of an npm package of 20,000
-- versions is refreshed after a change from (id, version, revision,
-- published_ns) of its Published versions (sqlstore: heads.go Heads),
-- checked against renderings kept in memory. Read from the table, each row
-- costs a lookup in pages that hold the manifests (10 MB for such a
-- package); read from this index, the heads are a range of about 1 MB.
--
-- It replaces package_versions_status_version of 0008: the same leading
-- columns serve the listings filtered by status in version order, and a
-- write updates one index, not two.
CREATE INDEX package_versions_status_heads ON package_versions (package_id, status, version, revision, published_ns);
DROP INDEX package_versions_status_version;

-- Version order (issue #16): ListPackageVersions lists a package's versions
-- in its format's version order, newest first (1.0.10 after 1.0.2, a
-- release after its prereleases). sort_key holds bytes whose byte order is
-- that order; the service computes them from the format's rules when a
-- version is created, and a version string never changes, so neither does
-- its key. The twin of the SQLite migration of the same name.
--
-- Rows from before this migration have no key (NULL): computing one needs
-- the format's rules, which SQL does not have. The service fills a
-- package's missing keys, a batch per transaction, before it lists the
-- package in version order (sqlstore: versions.go FillSortKeys).
ALTER TABLE package_versions ADD COLUMN sort_key BYTEA;

-- Listings in version order, filtered or not, are keyset seeks.
CREATE INDEX package_versions_order ON package_versions (package_id, sort_key, id);
CREATE INDEX package_versions_status_order ON package_versions (package_id, status, sort_key, id);
CREATE INDEX package_versions_origin_order ON package_versions (package_id, origin_type, sort_key, id);

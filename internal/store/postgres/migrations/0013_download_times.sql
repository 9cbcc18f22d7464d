-- Download times and more retention rule kinds (issue #19).
-- The twin of the SQLite migration of the same name.
--
-- last_downloaded_ns is when the version's assets were last downloaded
-- (0 = never since this migration). The service gathers downloads in memory
-- and writes them in batches (service: downloads.go); a batch sets a row
-- only to a later time than it holds, so nodes flushing at once are safe.
-- Versions.Update never writes it. download_times_since holds when this
-- migration ran: versions older than that may have been downloaded without
-- a record, so retention counts them as used then (Versions.DownloadsSince). Adding a column with a constant default
-- rewrites no rows.
--
-- A retention rule may keep the versions downloaded in the last
-- keep_downloaded_days days, and select the packages of a package group
-- (package_group, its pattern; "" = none) instead of format, namespace and
-- prefix.
ALTER TABLE package_versions ADD COLUMN last_downloaded_ns BIGINT NOT NULL DEFAULT 0;
CREATE TABLE download_times_since (since_ns BIGINT NOT NULL);
INSERT INTO download_times_since (since_ns) VALUES (CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) * 1000);
ALTER TABLE retention_rules ADD COLUMN keep_downloaded_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE retention_rules ADD COLUMN package_group TEXT COLLATE "C" NOT NULL DEFAULT '';

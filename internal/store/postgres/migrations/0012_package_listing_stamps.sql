-- The twin of the SQLite migration of the same name.
--
-- A number per (repository, format) that changes whenever a package of
-- that format in the repository is created, updated or deleted (issue #15):
-- a cache of a listing of those packages and their state (RubyGems'
-- versions, names and specs files) is current while it is unchanged, so
-- checking it costs one row, not a listing of every package. Written by
-- sqlstore's packages Create, Update and Delete; no row reads as 0.
-- Deleting the repository deletes its rows (sqlstore: Repositories.Delete).
CREATE TABLE package_listing_stamps (
    repository_id BIGINT NOT NULL,
    format        TEXT COLLATE "C" NOT NULL,
    stamp         BIGINT NOT NULL,
    PRIMARY KEY (repository_id, format)
);

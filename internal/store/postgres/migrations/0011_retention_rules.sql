-- Retention rules (issue #19): per repository, which versions of its
-- packages to keep and what to do with the others (service: retention.go).
-- The twin of the SQLite migration of the same name.
--
-- Rules are few (a handful per repository); the runner lists them all by
-- id. Deleting the repository deletes its rules (sqlstore: Repositories.Delete).
-- exempt_statuses is a comma-separated list of statuses ("" = none).
CREATE TABLE retention_rules (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id   BIGINT NOT NULL REFERENCES repositories (id),
    format          TEXT COLLATE "C" NOT NULL,
    namespace       TEXT COLLATE "C" NOT NULL,
    package_prefix  TEXT COLLATE "C" NOT NULL,
    keep_newest     BIGINT NOT NULL,
    keep_days       BIGINT NOT NULL,
    exempt_statuses TEXT COLLATE "C" NOT NULL,
    action          TEXT COLLATE "C" NOT NULL,
    created_ns      BIGINT NOT NULL
);
CREATE INDEX retention_rules_repository ON retention_rules (repository_id, id);

-- Retention rules (issue #19): per repository, which versions of its
-- packages to keep and what to do with the others (service: retention.go).
-- Rules are few (a handful per repository); the runner lists them all by
-- id. Deleting the repository deletes its rules (sqlstore: Repositories.Delete).
-- exempt_statuses is a comma-separated list of statuses ("" = none).
CREATE TABLE retention_rules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id   BIGINT NOT NULL REFERENCES repositories (id),
    format          TEXT   NOT NULL,
    namespace       TEXT   NOT NULL,
    package_prefix  TEXT   NOT NULL,
    keep_newest     BIGINT NOT NULL,
    keep_days       BIGINT NOT NULL,
    exempt_statuses TEXT   NOT NULL,
    action          TEXT   NOT NULL,
    created_ns      BIGINT NOT NULL
);
CREATE INDEX retention_rules_repository ON retention_rules (repository_id, id);

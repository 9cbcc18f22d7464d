-- Domain and repository permissions policies, one per resource ARN.
-- PostgreSQL: TEXT -> TEXT COLLATE "C".
CREATE TABLE resource_policies (
    resource_arn TEXT   PRIMARY KEY,
    revision     TEXT   NOT NULL,
    document     TEXT   NOT NULL,
    updated_ns   BIGINT NOT NULL
);

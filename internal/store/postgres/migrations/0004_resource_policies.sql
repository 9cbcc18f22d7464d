-- Domain and repository permissions policies, one per resource ARN. The
-- twin of the SQLite migration of the same name.
CREATE TABLE resource_policies (
    resource_arn TEXT COLLATE "C" PRIMARY KEY,
    revision     TEXT COLLATE "C" NOT NULL,
    document     TEXT COLLATE "C" NOT NULL,
    updated_ns   BIGINT NOT NULL
);

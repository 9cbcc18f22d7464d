-- artifactd metadata schema, version 1 (PostgreSQL). The twin of
-- internal/store/sqlite/migrations/0001_init.sql, translated mechanically:
--   INTEGER PRIMARY KEY AUTOINCREMENT -> BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY
--     (identities never hand out an id twice, even after the row with the
--     largest id is deleted, as AUTOINCREMENT; ALWAYS also refuses an
--     explicit id, which could collide with one the identity hands out
--     later: an import that must keep ids says OVERRIDING SYSTEM VALUE and
--     then moves the identity past them)
--   BLOB -> BYTEA
--   TEXT -> TEXT COLLATE "C" (listings sort and prefix-match in byte order,
--     as SQLite's default BINARY collation does, whatever the database's
--     default collation)
-- Times are BIGINT unix nanoseconds, UTC; 0 is "unset".

CREATE TABLE domains (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    region         TEXT COLLATE "C" NOT NULL,
    owner          TEXT COLLATE "C" NOT NULL,
    name           TEXT COLLATE "C" NOT NULL,
    encryption_key TEXT COLLATE "C" NOT NULL,
    created_ns     BIGINT NOT NULL,
    UNIQUE (region, owner, name)
);

CREATE TABLE repositories (
    id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain_id             BIGINT NOT NULL REFERENCES domains (id) ON DELETE RESTRICT,
    name                  TEXT COLLATE "C" NOT NULL,
    administrator_account TEXT COLLATE "C" NOT NULL,
    description           TEXT COLLATE "C" NOT NULL,
    created_ns            BIGINT NOT NULL,
    UNIQUE (domain_id, name)
);

-- upstream_id is deliberately not a foreign key: links dangle when the
-- upstream repository is deleted, as on AWS.
CREATE TABLE repository_upstreams (
    repository_id BIGINT  NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    upstream_id   BIGINT  NOT NULL,
    upstream_name TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (repository_id, position)
);
CREATE INDEX repository_upstreams_upstream ON repository_upstreams (upstream_id);

-- namespace is '' for formats without namespaces.
CREATE TABLE packages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id   BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    format          TEXT COLLATE "C" NOT NULL,
    namespace       TEXT COLLATE "C" NOT NULL,
    name            TEXT COLLATE "C" NOT NULL,
    origin_publish  TEXT COLLATE "C" NOT NULL,
    origin_upstream TEXT COLLATE "C" NOT NULL,
    metadata        BYTEA,
    UNIQUE (repository_id, format, namespace, name)
);

-- licenses and dependencies are JSON text ([]domain.License,
-- []domain.Dependency), NULL when empty.
CREATE TABLE package_versions (
    id                        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    package_id                BIGINT NOT NULL REFERENCES packages (id) ON DELETE CASCADE,
    version                   TEXT COLLATE "C" NOT NULL,
    revision                  TEXT COLLATE "C" NOT NULL,
    status                    TEXT COLLATE "C" NOT NULL,
    origin_type               TEXT COLLATE "C" NOT NULL,
    entry_repository          TEXT COLLATE "C" NOT NULL,
    entry_external_connection TEXT COLLATE "C" NOT NULL,
    published_ns              BIGINT NOT NULL,
    display_name              TEXT COLLATE "C" NOT NULL,
    summary                   TEXT COLLATE "C" NOT NULL,
    home_page                 TEXT COLLATE "C" NOT NULL,
    source_code_repository    TEXT COLLATE "C" NOT NULL,
    licenses                  TEXT COLLATE "C",
    dependencies              TEXT COLLATE "C",
    readme                    TEXT COLLATE "C" NOT NULL,
    metadata                  BYTEA,
    UNIQUE (package_id, version)
);
CREATE INDEX package_versions_published ON package_versions (package_id, published_ns, id);

-- domain_id is denormalized (no foreign key) for AssetSizeBytes.
CREATE TABLE assets (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id BIGINT NOT NULL REFERENCES package_versions (id) ON DELETE CASCADE,
    domain_id  BIGINT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    size       BIGINT NOT NULL,
    md5        TEXT COLLATE "C" NOT NULL,
    sha1       TEXT COLLATE "C" NOT NULL,
    sha256     TEXT COLLATE "C" NOT NULL,
    sha512     TEXT COLLATE "C" NOT NULL,
    UNIQUE (version_id, name)
);
CREATE INDEX assets_domain_sha256 ON assets (domain_id, sha256);
CREATE INDEX assets_sha256 ON assets (sha256);

CREATE TABLE tags (
    resource_arn TEXT COLLATE "C" NOT NULL,
    key          TEXT COLLATE "C" NOT NULL,
    value        TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_arn, key)
);

-- Blobs whose last asset may have gone; the collector checks assets again
-- before deleting bytes.
CREATE TABLE blob_orphans (
    sha256    TEXT COLLATE "C" PRIMARY KEY,
    queued_ns BIGINT NOT NULL
);
CREATE INDEX blob_orphans_queued ON blob_orphans (queued_ns, sha256);

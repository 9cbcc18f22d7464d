-- IAM identities (issue #14). The twin of the SQLite migration of the same
-- name.
--
-- Names are unique in an account ignoring case (IAM's rule): name_lower is
-- the name in lower case (IAM names are ASCII), name the name as created.
-- Listings are by name_lower. Ids are never reused, so a stale id held by
-- a cache never names another identity.
CREATE TABLE iam_users (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account    TEXT COLLATE "C" NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    name_lower TEXT COLLATE "C" NOT NULL,
    path       TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_ns BIGINT NOT NULL,
    UNIQUE (account, name_lower)
);

CREATE TABLE iam_roles (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account              TEXT COLLATE "C" NOT NULL,
    name                 TEXT COLLATE "C" NOT NULL,
    name_lower           TEXT COLLATE "C" NOT NULL,
    path                 TEXT COLLATE "C" NOT NULL,
    role_id              TEXT COLLATE "C" NOT NULL UNIQUE,
    trust_policy         TEXT COLLATE "C" NOT NULL,
    description          TEXT COLLATE "C" NOT NULL,
    max_session_duration BIGINT NOT NULL,
    created_ns           BIGINT NOT NULL,
    UNIQUE (account, name_lower)
);

-- Inline policies of users (kind 'user') and roles (kind 'role'); owner_id
-- is the row id of either table, so there is no foreign key: deleting a
-- user or role deletes its policies.
CREATE TABLE iam_inline_policies (
    kind       TEXT COLLATE "C" NOT NULL,
    owner_id   BIGINT NOT NULL,
    name       TEXT COLLATE "C" NOT NULL,
    name_lower TEXT COLLATE "C" NOT NULL,
    document   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (kind, owner_id, name_lower)
);

-- Access keys of users. The secret is sealed by the iam package. A user
-- with keys cannot be deleted (the foreign key restricts it).
CREATE TABLE iam_access_keys (
    access_key_id TEXT COLLATE "C" PRIMARY KEY,
    account       TEXT COLLATE "C" NOT NULL,
    user_row_id   BIGINT NOT NULL REFERENCES iam_users (id),
    sealed_secret BYTEA NOT NULL,
    status        TEXT COLLATE "C" NOT NULL,
    created_ns    BIGINT NOT NULL,
    last_used_ns  BIGINT NOT NULL
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (user_row_id, created_ns);

-- The authorization stamp, one row: every write to identities, access keys,
-- inline policies or resource policies adds one to it in the same
-- transaction, so a node that caches what it derived from those under the
-- stamp it read sees any change by any node at its next read.
CREATE TABLE authz_stamp (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    stamp BIGINT NOT NULL
);
INSERT INTO authz_stamp (id, stamp) VALUES (1, 0);

-- Server-wide secrets (the token signing key) shared by every node that
-- uses the database. The twin of the SQLite migration of the same name.
CREATE TABLE secrets (
    name       TEXT COLLATE "C" PRIMARY KEY,
    value      BYTEA  NOT NULL,
    created_ns BIGINT NOT NULL
);

-- Server-wide secrets (the token signing key) shared by every node that
-- uses the database. PostgreSQL: BLOB -> BYTEA, TEXT -> TEXT COLLATE "C".
CREATE TABLE secrets (
    name       TEXT   PRIMARY KEY,
    value      BLOB   NOT NULL,
    created_ns BIGINT NOT NULL
);

-- Package groups (issue #13). PostgreSQL: INTEGER PRIMARY KEY AUTOINCREMENT
-- -> BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, TEXT -> TEXT COLLATE "C".
--
-- A domain's groups go with the domain (ON DELETE CASCADE; domains are
-- deleted for good), a group's allowed-repository lists with the group.
-- parent_id is NULL for the root group "/*" only; it references a group of
-- the same domain, so a group with children cannot be deleted before they
-- are re-parented. Patterns compare in byte order (case-sensitive).
-- The modes are ALLOW, BLOCK, ALLOW_SPECIFIC_REPOSITORIES or INHERIT.
CREATE TABLE package_groups (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    domain_id              BIGINT NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    pattern                TEXT   NOT NULL,
    weak_key               TEXT   NOT NULL,
    parent_id              BIGINT REFERENCES package_groups (id),
    description            TEXT   NOT NULL,
    contact_info           TEXT   NOT NULL,
    created_ns             BIGINT NOT NULL,
    publish_mode           TEXT   NOT NULL,
    external_upstream_mode TEXT   NOT NULL,
    internal_upstream_mode TEXT   NOT NULL,
    UNIQUE (domain_id, pattern)
);
CREATE INDEX package_groups_weak_key ON package_groups (domain_id, weak_key);
CREATE INDEX package_groups_parent ON package_groups (parent_id, pattern);

-- Repository names, not ids: a list may name a repository that does not
-- exist (yet, or any more).
CREATE TABLE package_group_allowed_repositories (
    group_id         BIGINT NOT NULL REFERENCES package_groups (id) ON DELETE CASCADE,
    restriction_type TEXT   NOT NULL,
    repository_name  TEXT   NOT NULL,
    PRIMARY KEY (group_id, restriction_type, repository_name)
);

-- Every existing domain gets its root group; the service creates the root
-- group of each new domain.
INSERT INTO package_groups (domain_id, pattern, weak_key, parent_id, description, contact_info, created_ns,
    publish_mode, external_upstream_mode, internal_upstream_mode)
SELECT id, '/*', '/*', NULL, '', '', created_ns, 'ALLOW', 'ALLOW', 'ALLOW' FROM domains;

-- A package's domain, denormalized (repositories never change domains) so
-- that the distinct packages of a domain, across its repositories, are read
-- in (format, namespace, name) order from one index (ListCoordinates).
ALTER TABLE packages ADD COLUMN domain_id BIGINT NOT NULL DEFAULT 0;
UPDATE packages SET domain_id = (SELECT r.domain_id FROM repositories r WHERE r.id = packages.repository_id);
CREATE INDEX packages_domain_coordinate ON packages (domain_id, format, namespace, name);

-- Scale (issue #15): a domain's assetSizeBytes kept as a counter, and the
-- indexes that make filtered version listings keyset seeks.
-- PostgreSQL: TEXT -> TEXT COLLATE "C", sums cast to BIGINT.
--
-- domain_blobs holds, per domain and digest, how many asset rows of the
-- domain reference the digest (refs, always > 0: a row whose count reaches
-- 0 is deleted) and the largest size they give it (size). The domain's
-- asset_size_bytes is the sum of size over its rows. Both move in the
-- transactions that add and delete asset rows (sqlstore: assets.go).
ALTER TABLE domains ADD COLUMN asset_size_bytes BIGINT NOT NULL DEFAULT 0;

CREATE TABLE domain_blobs (
    domain_id BIGINT NOT NULL,
    sha256    TEXT   NOT NULL,
    refs      BIGINT NOT NULL,
    size      BIGINT NOT NULL,
    PRIMARY KEY (domain_id, sha256)
);

INSERT INTO domain_blobs (domain_id, sha256, refs, size)
    SELECT domain_id, sha256, COUNT(*), MAX(size) FROM assets GROUP BY domain_id, sha256;

UPDATE domains SET asset_size_bytes = COALESCE(
    (SELECT SUM(b.size) FROM domain_blobs b WHERE b.domain_id = domains.id), 0);

-- ListPackageVersions filtered by status or origin type, in either order,
-- seeks to its page instead of reading the versions filtered out.
CREATE INDEX package_versions_status_version ON package_versions (package_id, status, version);
CREATE INDEX package_versions_status_published ON package_versions (package_id, status, published_ns, id);
CREATE INDEX package_versions_origin_version ON package_versions (package_id, origin_type, version);
CREATE INDEX package_versions_origin_published ON package_versions (package_id, origin_type, published_ns, id);

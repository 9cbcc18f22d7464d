package sqlstore

import (
	"context"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// Heads reads four small columns of one status of a package, through the
// (package_id, status, ...) index of migration 0008: the rows' large
// columns (metadata, readme) are not read into memory.
func (x versionsTx) Heads(ctx context.Context, packageID int64, status domain.Status, fn func(store.VersionHead) error) error {
	rows, err := x.t.query(ctx, `SELECT id, version, revision, published_ns FROM package_versions
		WHERE package_id = ? AND status = ?`, packageID, string(status))
	if err != nil {
		return x.t.fail("list version heads", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h store.VersionHead
		var published int64
		if err := rows.Scan(&h.ID, &h.Version, &h.Revision, &published); err != nil {
			return x.t.fail("list version heads", err)
		}
		h.PublishedTime = fromNS(published)
		if err := fn(h); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return x.t.fail("list version heads", err)
	}
	return nil
}

// idChunk is how many IDs one ManifestsByID query asks for. Shorter
// chunks are padded with -1 (no row has it), so that every query has the
// same text and one prepared statement serves them all.
const idChunk = 200

// ManifestsByID reads chosen rows by primary key, idChunk at a time.
func (x versionsTx) ManifestsByID(ctx context.Context, packageID int64, ids []int64, fn func(store.VersionManifest) error) error {
	// The package is checked on each row read, not in SQL: given
	// package_id = ?, SQLite walks an index of the package's versions
	// for each chunk (all 13,000 of a large package, 67 times over for
	// a cold rebuild) instead of seeking each ID in the primary key.
	q := `SELECT id, package_id, revision, version, published_ns, summary, metadata FROM package_versions
		WHERE id IN (?` + strings.Repeat(", ?", idChunk-1) + `)`
	args := make([]any, idChunk)
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		for i := range idChunk {
			if i < n {
				args[i] = ids[i]
			} else {
				args[i] = int64(-1)
			}
		}
		ids = ids[n:]
		if err := x.manifestsChunk(ctx, q, args, packageID, fn); err != nil {
			return err
		}
	}
	return nil
}

func (x versionsTx) manifestsChunk(ctx context.Context, q string, args []any, packageID int64, fn func(store.VersionManifest) error) error {
	rows, err := x.t.query(ctx, q, args...)
	if err != nil {
		return x.t.fail("read version manifests", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m store.VersionManifest
		var pkgID, published int64
		if err := rows.Scan(&m.ID, &pkgID, &m.Revision, &m.Version, &published, &m.Summary, &m.Metadata); err != nil {
			return x.t.fail("read version manifests", err)
		}
		if pkgID != packageID {
			continue
		}
		m.PublishedTime = fromNS(published)
		m.Metadata = emptyToNil(m.Metadata)
		if err := fn(m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return x.t.fail("read version manifests", err)
	}
	return nil
}

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
	q := `SELECT id, revision, version, published_ns, summary, metadata FROM package_versions
		WHERE package_id = ? AND id IN (?` + strings.Repeat(", ?", idChunk-1) + `)`
	args := make([]any, idChunk+1)
	for len(ids) > 0 {
		n := min(len(ids), idChunk)
		args[0] = packageID
		for i := range idChunk {
			if i < n {
				args[i+1] = ids[i]
			} else {
				args[i+1] = int64(-1)
			}
		}
		ids = ids[n:]
		if err := x.manifestsChunk(ctx, q, args, fn); err != nil {
			return err
		}
	}
	return nil
}

func (x versionsTx) manifestsChunk(ctx context.Context, q string, args []any, fn func(store.VersionManifest) error) error {
	rows, err := x.t.query(ctx, q, args...)
	if err != nil {
		return x.t.fail("read version manifests", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m store.VersionManifest
		var published int64
		if err := rows.Scan(&m.ID, &m.Revision, &m.Version, &published, &m.Summary, &m.Metadata); err != nil {
			return x.t.fail("read version manifests", err)
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

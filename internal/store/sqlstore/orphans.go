package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type orphansTx struct{ t *tx }

// queueOrphans queues, in one set-based statement, the distinct digests of
// the assets selected by from ("assets a WHERE ..."; it must have a WHERE
// clause, which also keeps SQLite's INSERT ... SELECT ... ON CONFLICT
// unambiguous). Every path that deletes assets calls it first, in the same
// transaction, so a crash can never forget a blob.
func (t *tx) queueOrphans(ctx context.Context, from string, args ...any) error {
	now := time.Now().UnixNano()
	_, err := t.exec(ctx, `INSERT INTO blob_orphans (sha256, queued_ns)
		SELECT DISTINCT a.sha256, CAST(? AS BIGINT) FROM `+from+`
		ON CONFLICT (sha256) DO NOTHING`, append([]any{now}, args...)...)
	if err != nil {
		return t.fail("queue orphaned blobs", err)
	}
	return nil
}

func (x orphansTx) List(ctx context.Context, limit int) ([]store.Orphan, error) {
	if limit <= 0 {
		return nil, domain.Invalid("orphan listing limit must be positive, got %d", limit)
	}
	return queryAll(ctx, x.t, "list orphans", `SELECT sha256, queued_ns FROM blob_orphans
		ORDER BY queued_ns, sha256 LIMIT ?`,
		func(sc scanner) (store.Orphan, error) {
			var o store.Orphan
			var ns int64
			err := sc.Scan(&o.SHA256, &ns)
			o.QueuedAt = fromNS(ns)
			return o, err
		}, limit)
}

func (x orphansTx) Referenced(ctx context.Context, sha256 string) (bool, error) {
	var one int
	err := x.t.queryRow(ctx, `SELECT 1 FROM assets WHERE sha256 = ? LIMIT 1`, sha256).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, x.t.fail("check blob references", err)
	}
	return true, nil
}

func (x orphansTx) Remove(ctx context.Context, sha256 string) error {
	if _, err := x.t.exec(ctx, `DELETE FROM blob_orphans WHERE sha256 = ?`, sha256); err != nil {
		return x.t.fail("remove orphan", err)
	}
	return nil
}

func (x orphansTx) Queue(ctx context.Context, sha256 string) error {
	if _, err := x.t.exec(ctx, `INSERT INTO blob_orphans (sha256, queued_ns) VALUES (?, ?) ON CONFLICT (sha256) DO NOTHING`,
		sha256, time.Now().UnixNano()); err != nil {
		return x.t.fail("queue orphan", err)
	}
	return nil
}

func (x orphansTx) Pin(ctx context.Context, sha256 string, at time.Time) (int64, error) {
	var id int64
	if err := x.t.queryRow(ctx, `INSERT INTO blob_pins (sha256, created_ns) VALUES (?, ?) RETURNING id`,
		sha256, at.UnixNano()).Scan(&id); err != nil {
		return 0, x.t.fail("pin blob", err)
	}
	return id, nil
}

func (x orphansTx) Unpin(ctx context.Context, id int64) error {
	if _, err := x.t.exec(ctx, `DELETE FROM blob_pins WHERE id = ?`, id); err != nil {
		return x.t.fail("unpin blob", err)
	}
	return nil
}

func (x orphansTx) Pinned(ctx context.Context, sha256 string, since time.Time) (bool, error) {
	var one int
	err := x.t.queryRow(ctx, `SELECT 1 FROM blob_pins WHERE sha256 = ? AND created_ns >= ? LIMIT 1`, sha256, since.UnixNano()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, x.t.fail("check blob pins", err)
	}
	return true, nil
}

func (x orphansTx) DropPinsBefore(ctx context.Context, t time.Time) error {
	cut := t.UnixNano()
	if _, err := x.t.exec(ctx, `INSERT INTO blob_orphans (sha256, queued_ns)
		SELECT DISTINCT p.sha256, CAST(? AS BIGINT) FROM blob_pins p WHERE p.created_ns < ?
		ON CONFLICT (sha256) DO NOTHING`, time.Now().UnixNano(), cut); err != nil {
		return x.t.fail("queue expired pins", err)
	}
	if _, err := x.t.exec(ctx, `DELETE FROM blob_pins WHERE created_ns < ?`, cut); err != nil {
		return x.t.fail("drop expired pins", err)
	}
	return nil
}

func (x orphansTx) ListReferenced(ctx context.Context, after string, limit int) ([]store.BlobRef, error) {
	if limit <= 0 {
		return nil, domain.Invalid("referenced blob listing limit must be positive, got %d", limit)
	}
	// GROUP BY over the assets_sha256 index: each page is an index range
	// scan from after, whatever the table's size.
	return queryAll(ctx, x.t, "list referenced blobs", `SELECT sha256, MIN(size), MAX(size) FROM assets
		WHERE sha256 > ? GROUP BY sha256 ORDER BY sha256 LIMIT ?`,
		func(sc scanner) (store.BlobRef, error) {
			var b store.BlobRef
			err := sc.Scan(&b.SHA256, &b.Size, &b.MaxSize)
			return b, err
		}, after, limit)
}

func (x orphansTx) ReferencedBy(ctx context.Context, sha256 string, limit int) ([]store.AssetRef, error) {
	if limit <= 0 {
		return nil, domain.Invalid("asset listing limit must be positive, got %d", limit)
	}
	return queryAll(ctx, x.t, "list assets of a blob", `SELECT d.region, d.owner, d.name, r.name,
			p.format, p.namespace, p.name, v.version, a.name, a.size
		FROM assets a
		JOIN package_versions v ON v.id = a.version_id
		JOIN packages p ON p.id = v.package_id
		JOIN repositories r ON r.id = p.repository_id
		JOIN domains d ON d.id = r.domain_id
		WHERE a.sha256 = ?
		ORDER BY d.region, d.owner, d.name, r.name, p.format, p.namespace, p.name, v.version, a.name
		LIMIT ?`,
		func(sc scanner) (store.AssetRef, error) {
			var a store.AssetRef
			var format string
			err := sc.Scan(&a.Region, &a.Owner, &a.Domain, &a.Repository,
				&format, &a.Namespace, &a.Package, &a.Version, &a.Asset, &a.Size)
			a.Format = domain.Format(format)
			return a, err
		}, sha256, limit)
}

func (x orphansTx) CountQueued(ctx context.Context) (int, error) {
	var n int
	if err := x.t.queryRow(ctx, `SELECT COUNT(*) FROM blob_orphans`).Scan(&n); err != nil {
		return 0, x.t.fail("count orphans", err)
	}
	return n, nil
}

func (x orphansTx) CountPins(ctx context.Context, t time.Time) (all, before int, err error) {
	if err := x.t.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN created_ns < ? THEN 1 ELSE 0 END), 0)
		FROM blob_pins`, t.UnixNano()).Scan(&all, &before); err != nil {
		return 0, 0, x.t.fail("count blob pins", err)
	}
	return all, before, nil
}

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type assetsTx struct{ t *tx }

const assetCols = `name, size, md5, sha1, sha256, sha512`

func scanAsset(sc scanner) (domain.Asset, error) {
	var a domain.Asset
	err := sc.Scan(&a.Name, &a.Size, &a.MD5, &a.SHA1, &a.SHA256, &a.SHA512)
	return a, err
}

// Add inserts the asset with the id of the domain it belongs to, found from
// the version in the same transaction.
func (x assetsTx) Add(ctx context.Context, versionID int64, a domain.Asset) error {
	// One statement finds the version's domain and inserts: no row
	// inserted means no such version.
	var domainID int64
	err := x.t.queryRow(ctx, `INSERT INTO assets
		(version_id, domain_id, name, size, md5, sha1, sha256, sha512)
		SELECT v.id, p.domain_id, ?, ?, ?, ?, ?, ? FROM package_versions v
		JOIN packages p ON p.id = v.package_id WHERE v.id = ?
		RETURNING domain_id`,
		a.Name, a.Size, a.MD5, a.SHA1, a.SHA256, a.SHA512, versionID).Scan(&domainID)
	if errors.Is(err, sql.ErrNoRows) {
		return versionIDNotFound(versionID)
	}
	if err != nil {
		return x.t.conflict("add asset", err, domain.ResAsset, a.Name, "asset "+a.Name+" already exists")
	}
	return x.t.holdBlob(ctx, domainID, a.SHA256, a.Size)
}

// holdBlob counts one more asset row of the domain referencing the digest
// (domain_blobs) and moves the domain's asset_size_bytes when the digest is
// new to the domain or its largest size grows. Writers are serialized, so
// reading the row before writing it is safe.
func (t *tx) holdBlob(ctx context.Context, domainID int64, sha256 string, size int64) error {
	// The common case first, in one statement: a digest new to the domain
	// (a row comes back only when the insert happened).
	var inserted int64
	err := t.queryRow(ctx, `INSERT INTO domain_blobs (domain_id, sha256, refs, size) VALUES (?, ?, 1, ?)
		ON CONFLICT (domain_id, sha256) DO NOTHING RETURNING size`, domainID, sha256, size).Scan(&inserted)
	if err == nil {
		return t.moveAssetSize(ctx, domainID, size)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return t.fail("count blob reference", err)
	}
	var old int64
	if err := t.queryRow(ctx, `SELECT size FROM domain_blobs WHERE domain_id = ? AND sha256 = ?`,
		domainID, sha256).Scan(&old); err != nil {
		return t.fail("count blob reference", err)
	}
	grown := max(old, size)
	if _, err := t.exec(ctx, `UPDATE domain_blobs SET refs = refs + 1, size = ? WHERE domain_id = ? AND sha256 = ?`,
		grown, domainID, sha256); err != nil {
		return t.fail("count blob reference", err)
	}
	return t.moveAssetSize(ctx, domainID, grown-old)
}

// moveAssetSize adds delta to the domain's asset_size_bytes.
func (t *tx) moveAssetSize(ctx context.Context, domainID, delta int64) error {
	if delta == 0 {
		return nil
	}
	if _, err := t.exec(ctx, `UPDATE domains SET asset_size_bytes = asset_size_bytes + ? WHERE id = ?`,
		delta, domainID); err != nil {
		return t.fail("count domain asset size", err)
	}
	return nil
}

// releaseBlobs uncounts the asset rows that cond (a condition on the assets
// table aliased a, with args) selects, before they are deleted in the same
// transaction: each digest's count in its domain drops by the rows going,
// its size becomes the largest among the rows staying, a digest left with
// none is dropped, and each domain's asset_size_bytes moves by the change
// of its digests' sizes. Set-based: the cost is that of the rows going (and
// the other rows of the domain with the same digests).
func (t *tx) releaseBlobs(ctx context.Context, cond string, args ...any) error {
	rep := func(n int) []any {
		var out []any
		for range n {
			out = append(out, args...)
		}
		return out
	}
	going := `(SELECT a.domain_id, a.sha256 FROM assets a WHERE ` + cond + `)`
	// The lists of rows going are not correlated with the outer row, so
	// that they are read once through cond's index (a correlated list with
	// a.domain_id = domains.id would read every asset of the domain).
	domainSize := func(sign string) string {
		return `UPDATE domains SET asset_size_bytes = asset_size_bytes ` + sign + ` CAST(COALESCE((
			SELECT SUM(b.size) FROM domain_blobs b
			WHERE b.domain_id = domains.id AND (b.domain_id, b.sha256) IN ` + going + `), 0) AS BIGINT)
			WHERE id IN (SELECT a.domain_id FROM assets a WHERE ` + cond + `)`
	}
	steps := []struct {
		q    string
		args []any
	}{
		{domainSize("-"), rep(2)},
		{`UPDATE domain_blobs SET
			refs = refs - (SELECT COUNT(*) FROM assets a
				WHERE a.domain_id = domain_blobs.domain_id AND a.sha256 = domain_blobs.sha256 AND ` + cond + `),
			size = COALESCE((SELECT MAX(a.size) FROM assets a
				WHERE a.domain_id = domain_blobs.domain_id AND a.sha256 = domain_blobs.sha256 AND NOT (` + cond + `)), 0)
			WHERE (domain_id, sha256) IN ` + going, rep(3)},
		{domainSize("+"), rep(2)},
		{`DELETE FROM domain_blobs WHERE refs <= 0 AND (domain_id, sha256) IN ` + going, rep(1)},
	}
	for _, st := range steps {
		if _, err := t.exec(ctx, st.q, st.args...); err != nil {
			return t.fail("uncount blob references", err)
		}
	}
	return nil
}

func (x assetsTx) Get(ctx context.Context, versionID int64, name string) (domain.Asset, error) {
	a, err := scanAsset(x.t.queryRow(ctx, `SELECT `+assetCols+` FROM assets
		WHERE version_id = ? AND name = ?`, versionID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Asset{}, domain.NotFound(domain.ResAsset, name, "asset %s not found", name)
	}
	if err != nil {
		return domain.Asset{}, x.t.fail("get asset", err)
	}
	return a, nil
}

func (x assetsTx) List(ctx context.Context, versionID int64, p store.Page) ([]domain.Asset, string, error) {
	var w conds
	w.add("version_id = ?", versionID)
	return listByName(ctx, x.t, p, w, kindAssets, "assets", assetCols, scanAsset, func(a domain.Asset) string { return a.Name })
}

func (x assetsTx) Count(ctx context.Context, versionID int64) (int, error) {
	return x.t.count(ctx, "assets", `SELECT COUNT(*) FROM assets WHERE version_id = ?`, versionID)
}

func (x assetsTx) DeleteAll(ctx context.Context, versionID int64) error {
	return x.t.deleteAssets(ctx, versionID)
}

// deleteAssets queues the blobs of a version's assets, then deletes them.
func (t *tx) deleteAssets(ctx context.Context, versionID int64) error {
	if err := t.queueOrphans(ctx, `assets a WHERE a.version_id = ?`, versionID); err != nil {
		return err
	}
	if err := t.releaseBlobs(ctx, `a.version_id = ?`, versionID); err != nil {
		return err
	}
	if _, err := t.exec(ctx, `DELETE FROM assets WHERE version_id = ?`, versionID); err != nil {
		return t.fail("delete assets of version "+strconv.FormatInt(versionID, 10), err)
	}
	return nil
}

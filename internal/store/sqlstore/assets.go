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
	var domainID int64
	err := x.t.queryRow(ctx, `SELECT r.domain_id FROM package_versions v
		JOIN packages p ON p.id = v.package_id
		JOIN repositories r ON r.id = p.repository_id
		WHERE v.id = ?`, versionID).Scan(&domainID)
	if errors.Is(err, sql.ErrNoRows) {
		return versionIDNotFound(versionID)
	}
	if err != nil {
		return x.t.fail("add asset", err)
	}
	_, err = x.t.exec(ctx, `INSERT INTO assets
		(version_id, domain_id, name, size, md5, sha1, sha256, sha512)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		versionID, domainID, a.Name, a.Size, a.MD5, a.SHA1, a.SHA256, a.SHA512)
	if err != nil {
		return x.t.conflict("add asset", err, domain.ResAsset, a.Name, "asset "+a.Name+" already exists")
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
	if _, err := t.exec(ctx, `DELETE FROM assets WHERE version_id = ?`, versionID); err != nil {
		return t.fail("delete assets of version "+strconv.FormatInt(versionID, 10), err)
	}
	return nil
}

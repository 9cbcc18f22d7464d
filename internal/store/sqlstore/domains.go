package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type domainsTx struct{ t *tx }

const domainCols = `id, region, owner, name, encryption_key, created_ns`

func scanDomain(sc scanner) (domain.Domain, error) {
	var d domain.Domain
	var created int64
	if err := sc.Scan(&d.ID, &d.Region, &d.Owner, &d.Name, &d.EncryptionKey, &created); err != nil {
		return domain.Domain{}, err
	}
	d.CreatedTime = fromNS(created)
	return d, nil
}

func (x domainsTx) Create(ctx context.Context, d *domain.Domain) error {
	created, err := toNS("domain creation time", d.CreatedTime)
	if err != nil {
		return err
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO domains (region, owner, name, encryption_key, created_ns)
		VALUES (?, ?, ?, ?, ?) RETURNING id`,
		d.Region, d.Owner, d.Name, d.EncryptionKey, created).Scan(&id)
	if err != nil {
		return x.t.conflict("create domain", err, domain.ResDomain, d.Name,
			"domain "+d.Name+" already exists")
	}
	d.ID = id
	return nil
}

func (x domainsTx) Get(ctx context.Context, region, owner, name string) (domain.Domain, error) {
	d, err := scanDomain(x.t.queryRow(ctx, `SELECT `+domainCols+` FROM domains
		WHERE region = ? AND owner = ? AND name = ?`, region, owner, name))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Domain{}, domain.NotFound(domain.ResDomain, name, "domain %s not found", name)
	}
	if err != nil {
		return domain.Domain{}, x.t.fail("get domain", err)
	}
	return d, nil
}

func (x domainsTx) GetByID(ctx context.Context, id int64) (domain.Domain, error) {
	d, err := scanDomain(x.t.queryRow(ctx, `SELECT `+domainCols+` FROM domains WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Domain{}, domain.NotFound(domain.ResDomain, strconv.FormatInt(id, 10), "domain %d not found", id)
	}
	if err != nil {
		return domain.Domain{}, x.t.fail("get domain", err)
	}
	return d, nil
}

func (x domainsTx) List(ctx context.Context, region, owner string, p store.Page) ([]domain.Domain, string, error) {
	var w conds
	w.add("region = ?", region)
	w.add("owner = ?", owner)
	return listByName(ctx, x.t, p, w, kindDomains, "domains", domainCols, scanDomain, func(d domain.Domain) string { return d.Name })
}

func (x domainsTx) Count(ctx context.Context, region, owner string) (int, error) {
	return x.t.count(ctx, "domains", `SELECT COUNT(*) FROM domains WHERE region = ? AND owner = ?`, region, owner)
}

func (x domainsTx) Delete(ctx context.Context, id int64) error {
	// A domain without repositories has no assets, so no blob counts; drop
	// any left anyway (the delete below fails if repositories remain).
	if _, err := x.t.exec(ctx, `DELETE FROM domain_blobs WHERE domain_id = ?`, id); err != nil {
		return x.t.fail("delete domain", err)
	}
	res, err := x.t.exec(ctx, `DELETE FROM domains WHERE id = ?`, id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrConflict, Msg: "domain still has repositories",
				ResourceType: domain.ResDomain, ResourceID: strconv.FormatInt(id, 10), Err: err}
		}
		return x.t.fail("delete domain", err)
	}
	if err := affected(res, func() error {
		return domain.NotFound(domain.ResDomain, strconv.FormatInt(id, 10), "domain %d not found", id)
	}); err != nil {
		return err
	}
	return x.t.renewGroupStamp(ctx) // its package groups went with it
}

// AssetSizeBytes reads the counter kept by the transactions that add and
// delete assets (see holdBlob and releaseBlobs); a missing domain has 0.
func (x domainsTx) AssetSizeBytes(ctx context.Context, id int64) (int64, error) {
	var n int64
	err := x.t.queryRow(ctx, `SELECT asset_size_bytes FROM domains WHERE id = ?`, id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, x.t.fail("domain asset size", err)
	}
	return n, nil
}

// blobCounts is a domain's distinct digests, asset rows and size.
type blobCounts struct{ digests, refs, size int64 }

func (x domainsTx) CheckAssetSizes(ctx context.Context) ([]store.AssetSizeDrift, error) {
	ds, err := queryAll(ctx, x.t, "check asset sizes", `SELECT id, region, owner, name, asset_size_bytes
		FROM domains ORDER BY id`, func(sc scanner) (store.AssetSizeDrift, error) {
		var d store.AssetSizeDrift
		err := sc.Scan(&d.DomainID, &d.Region, &d.Owner, &d.Name, &d.Kept)
		return d, err
	})
	if err != nil {
		return nil, err
	}
	var out []store.AssetSizeDrift
	for _, d := range ds {
		var fresh, counted blobCounts
		if err := x.t.queryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(n), 0) AS BIGINT),
			CAST(COALESCE(SUM(s), 0) AS BIGINT) FROM (
				SELECT COUNT(*) AS n, MAX(size) AS s FROM assets WHERE domain_id = ? GROUP BY sha256) blobs`,
			d.DomainID).Scan(&fresh.digests, &fresh.refs, &fresh.size); err != nil {
			return nil, x.t.fail("check asset sizes", err)
		}
		if err := x.t.queryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(refs), 0) AS BIGINT),
			CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM domain_blobs WHERE domain_id = ?`,
			d.DomainID).Scan(&counted.digests, &counted.refs, &counted.size); err != nil {
			return nil, x.t.fail("check asset sizes", err)
		}
		d.Actual = fresh.size
		if d.Kept != fresh.size || counted != fresh {
			out = append(out, d)
		}
	}
	return out, nil
}

func (x domainsTx) RecountAssetSize(ctx context.Context, id int64) error {
	for _, q := range []string{
		`DELETE FROM domain_blobs WHERE domain_id = ?`,
		`INSERT INTO domain_blobs (domain_id, sha256, refs, size)
			SELECT domain_id, sha256, COUNT(*), MAX(size) FROM assets WHERE domain_id = ? GROUP BY domain_id, sha256`,
		`UPDATE domains SET asset_size_bytes = CAST(COALESCE(
			(SELECT SUM(b.size) FROM domain_blobs b WHERE b.domain_id = domains.id), 0) AS BIGINT) WHERE id = ?`,
	} {
		if _, err := x.t.exec(ctx, q, id); err != nil {
			return x.t.fail("recount domain asset size", err)
		}
	}
	return nil
}

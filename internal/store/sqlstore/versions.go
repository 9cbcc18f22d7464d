package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/versionkey"
)

type versionsTx struct{ t *tx }

const versionCols = `id, package_id, version, revision, status, origin_type, entry_repository,
	entry_external_connection, published_ns, display_name, summary, home_page,
	source_code_repository, licenses, dependencies, readme, metadata, sort_key, last_downloaded_ns`

func scanVersion(sc scanner) (domain.PackageVersion, error) {
	var v domain.PackageVersion
	var status, origin string
	var published, downloaded int64
	var licenses, deps sql.NullString
	if err := sc.Scan(&v.ID, &v.PackageID, &v.Version, &v.Revision, &status, &origin,
		&v.EntryRepository, &v.EntryExternalConn, &published, &v.DisplayName, &v.Summary,
		&v.HomePage, &v.SourceCodeRepository, &licenses, &deps, &v.Readme, &v.Metadata, &v.SortKey, &downloaded); err != nil {
		return domain.PackageVersion{}, err
	}
	v.Status = domain.Status(status)
	v.OriginType = domain.OriginType(origin)
	v.PublishedTime = fromNS(published)
	v.LastDownloadedTime = fromNS(downloaded)
	v.Metadata = emptyToNil(v.Metadata)
	v.SortKey = emptyToNil(v.SortKey)
	var err error
	if v.Licenses, err = fromJSON[domain.License](licenses); err != nil {
		return domain.PackageVersion{}, fmt.Errorf("decode licenses of version %d: %w", v.ID, err)
	}
	if v.Dependencies, err = fromJSON[domain.Dependency](deps); err != nil {
		return domain.PackageVersion{}, fmt.Errorf("decode dependencies of version %d: %w", v.ID, err)
	}
	return v, nil
}

// versionMutableArgs returns, in the order of versionMutableCols, the values of every
// column Update writes.
func versionMutableArgs(v *domain.PackageVersion) ([]any, error) {
	published, err := toNS("publish time", v.PublishedTime)
	if err != nil {
		return nil, err
	}
	licenses, err := jsonOrNil(v.Licenses)
	if err != nil {
		return nil, fmt.Errorf("encode licenses: %w", err)
	}
	deps, err := jsonOrNil(v.Dependencies)
	if err != nil {
		return nil, fmt.Errorf("encode dependencies: %w", err)
	}
	return []any{v.Revision, string(v.Status), string(v.OriginType), v.EntryRepository,
		v.EntryExternalConn, published, v.DisplayName, v.Summary, v.HomePage,
		v.SourceCodeRepository, licenses, deps, v.Readme, bytesOrNil(v.Metadata)}, nil
}

const versionMutableCols = `revision, status, origin_type, entry_repository, entry_external_connection,
	published_ns, display_name, summary, home_page, source_code_repository, licenses,
	dependencies, readme, metadata`

func versionIDNotFound(id int64) error {
	return domain.NotFound(domain.ResPackageVersion, strconv.FormatInt(id, 10), "package version %d not found", id)
}

func (x versionsTx) Create(ctx context.Context, v *domain.PackageVersion) error {
	args, err := versionMutableArgs(v)
	if err != nil {
		return err
	}
	key := v.SortKey
	if key == nil {
		key = versionkey.Natural(v.Version)
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO package_versions (package_id, version, sort_key, `+versionMutableCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		append([]any{v.PackageID, v.Version, key}, args...)...).Scan(&id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, Msg: "package " + strconv.FormatInt(v.PackageID, 10) + " not found",
				ResourceType: domain.ResPackage, ResourceID: strconv.FormatInt(v.PackageID, 10), Err: err}
		}
		return x.t.conflict("create package version", err, domain.ResPackageVersion, v.Version,
			"package version "+v.Version+" already exists")
	}
	v.ID = id
	v.SortKey = key
	return nil
}

func (x versionsTx) Get(ctx context.Context, packageID int64, version string) (domain.PackageVersion, error) {
	v, err := scanVersion(x.t.queryRow(ctx, `SELECT `+versionCols+` FROM package_versions
		WHERE package_id = ? AND version = ?`, packageID, version))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.PackageVersion{}, domain.NotFound(domain.ResPackageVersion, version,
			"package version %s not found", version)
	}
	if err != nil {
		return domain.PackageVersion{}, x.t.fail("get package version", err)
	}
	return v, nil
}

func (x versionsTx) List(ctx context.Context, f store.VersionFilter, p store.Page) ([]domain.PackageVersion, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var w conds
	w.add("package_id = ?", f.PackageID)
	if f.Status != "" {
		w.add("status = ?", string(f.Status))
	}
	if f.OriginType != "" {
		w.add("origin_type = ?", string(f.OriginType))
	}
	var order string
	var key func(domain.PackageVersion) string
	switch f.Sort {
	case store.SortByVersion:
		order = "version"
		key = func(v domain.PackageVersion) string {
			return encodeCursor(kindVersionsVersion, []string{v.Version}, nil)
		}
		if p.After != "" {
			c, err := decodeCursor(p.After, kindVersionsVersion, 1, 0)
			if err != nil {
				return nil, "", err
			}
			w.add("version > ?", c.S[0])
		}
	case store.SortByPublishedTime:
		order = "published_ns DESC, id DESC"
		key = func(v domain.PackageVersion) string {
			ns, _ := toNS("", v.PublishedTime) // read from the database: in range
			return encodeCursor(kindVersionsTime, nil, []int64{ns, v.ID})
		}
		if p.After != "" {
			c, err := decodeCursor(p.After, kindVersionsTime, 0, 2)
			if err != nil {
				return nil, "", err
			}
			w.add("(published_ns, id) < (?, ?)", c.N[0], c.N[1])
		}
	case store.SortByVersionOrder:
		order = "sort_key DESC, id DESC"
		key = func(v domain.PackageVersion) string {
			return encodeCursor(kindVersionsOrder, []string{base64.RawURLEncoding.EncodeToString(v.SortKey)}, []int64{v.ID})
		}
		if p.After != "" {
			c, err := decodeCursor(p.After, kindVersionsOrder, 1, 1)
			if err != nil {
				return nil, "", err
			}
			after, err := base64.RawURLEncoding.DecodeString(c.S[0])
			if err != nil {
				return nil, "", errBadCursor()
			}
			w.add("(sort_key, id) < (?, ?)", after, c.N[0])
		}
	default:
		return nil, "", domain.Invalid("unknown version sort order %d", f.Sort)
	}
	out, err := queryAll(ctx, x.t, "list package versions", `SELECT `+versionCols+` FROM package_versions`+
		w.where()+` ORDER BY `+order+` LIMIT ?`, scanVersion, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, key)
	return out, next, nil
}

func (x versionsTx) Count(ctx context.Context, packageID int64) (int, error) {
	return x.t.count(ctx, "package versions", `SELECT COUNT(*) FROM package_versions WHERE package_id = ?`, packageID)
}

func (x versionsTx) Update(ctx context.Context, v domain.PackageVersion) error {
	args, err := versionMutableArgs(&v)
	if err != nil {
		return err
	}
	res, err := x.t.exec(ctx, `UPDATE package_versions SET revision = ?, status = ?, origin_type = ?,
		entry_repository = ?, entry_external_connection = ?, published_ns = ?, display_name = ?,
		summary = ?, home_page = ?, source_code_repository = ?, licenses = ?, dependencies = ?,
		readme = ?, metadata = ? WHERE id = ?`, append(args, v.ID)...)
	if err != nil {
		return x.t.fail("update package version", err)
	}
	return affected(res, func() error { return versionIDNotFound(v.ID) })
}

// RecordDownloads sets each version's last download time to the later of
// the time it holds and the one given: one statement per version, in the
// caller's transaction, each writing its row only when the time moves
// forward (two nodes flushing at once leave the later time, whatever the
// order). Rows are written in id order, so two such transactions never
// wait for each other's rows in a cycle (PostgreSQL). Versions gone since
// are skipped.
func (x versionsTx) RecordDownloads(ctx context.Context, downloads map[int64]time.Time) error {
	ids := make([]int64, 0, len(downloads))
	for id := range downloads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ns, err := toNS("download time", downloads[id])
		if err != nil {
			return err
		}
		if _, err := x.t.exec(ctx, `UPDATE package_versions SET last_downloaded_ns = ?
			WHERE id = ? AND last_downloaded_ns < ?`, ns, id, ns); err != nil {
			return x.t.fail("record downloads", err)
		}
	}
	return nil
}

// DownloadsSince reads the time migration 0013 wrote.
func (x versionsTx) DownloadsSince(ctx context.Context) (time.Time, error) {
	var ns sql.NullInt64
	if err := x.t.queryRow(ctx, `SELECT MIN(since_ns) FROM download_times_since`).Scan(&ns); err != nil {
		return time.Time{}, x.t.fail("read when downloads are recorded since", err)
	}
	return fromNS(ns.Int64), nil
}

// Delete removes the version and its assets, after queueing their blobs.
func (x versionsTx) Delete(ctx context.Context, id int64) error {
	if err := x.t.deleteAssets(ctx, id); err != nil {
		return err
	}
	res, err := x.t.exec(ctx, `DELETE FROM package_versions WHERE id = ?`, id)
	if err != nil {
		return x.t.fail("delete package version", err)
	}
	return affected(res, func() error { return versionIDNotFound(id) })
}

// LastPublished reads the end of the (package_id, published_ns, id) index.
func (x versionsTx) LastPublished(ctx context.Context, packageID int64) (time.Time, error) {
	var ns sql.NullInt64
	err := x.t.queryRow(ctx, `SELECT MAX(published_ns) FROM package_versions WHERE package_id = ?`, packageID).Scan(&ns)
	if err != nil {
		return time.Time{}, x.t.fail("last publish time", err)
	}
	return fromNS(ns.Int64), nil
}

// MissingSortKeys seeks the NULL end of the (package_id, sort_key, id)
// index.
func (x versionsTx) MissingSortKeys(ctx context.Context, packageID int64) (bool, error) {
	var one int
	err := x.t.queryRow(ctx, `SELECT 1 FROM package_versions WHERE package_id = ? AND sort_key IS NULL LIMIT 1`,
		packageID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, x.t.fail("find versions without sort key", err)
	}
	return true, nil
}

// FillSortKeys reads one batch of keyless rows through the same index and
// sets each key unless another writer (a node filling the same package)
// set it first: running it twice is harmless.
func (x versionsTx) FillSortKeys(ctx context.Context, packageID int64, limit int, key func(string) []byte) (int, error) {
	if limit <= 0 {
		return 0, domain.Invalid("limit must be positive, got %d", limit)
	}
	type row struct {
		id      int64
		version string
	}
	rows, err := queryAll(ctx, x.t, "find versions without sort key", `SELECT id, version FROM package_versions
		WHERE package_id = ? AND sort_key IS NULL LIMIT ?`, func(sc scanner) (row, error) {
		var r row
		return r, sc.Scan(&r.id, &r.version)
	}, packageID, limit)
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		if _, err := x.t.exec(ctx, `UPDATE package_versions SET sort_key = ? WHERE id = ? AND sort_key IS NULL`,
			key(r.version), r.id); err != nil {
			return 0, x.t.fail("set sort key", err)
		}
	}
	return len(rows), nil
}

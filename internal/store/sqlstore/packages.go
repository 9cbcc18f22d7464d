package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type packagesTx struct{ t *tx }

const packageCols = `id, repository_id, format, namespace, name, origin_publish, origin_upstream, metadata`

func scanPackage(sc scanner) (domain.Package, error) {
	var p domain.Package
	var format, publish, upstream string
	if err := sc.Scan(&p.ID, &p.RepositoryID, &format, &p.Namespace, &p.Name,
		&publish, &upstream, &p.Metadata); err != nil {
		return domain.Package{}, err
	}
	p.Format = domain.Format(format)
	p.Origin = domain.OriginConfiguration{Publish: domain.Allow(publish), Upstream: domain.Allow(upstream)}
	p.Metadata = emptyToNil(p.Metadata)
	return p, nil
}

// packageLabel names a package in messages: namespace/name when namespaced.
func packageLabel(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

func packageIDNotFound(id int64) error {
	return domain.NotFound(domain.ResPackage, strconv.FormatInt(id, 10), "package %d not found", id)
}

// Create inserts the package with the id of its repository's domain
// (denormalized for ListCoordinates); a missing repository inserts nothing.
func (x packagesTx) Create(ctx context.Context, p *domain.Package) error {
	var id int64
	err := x.t.queryRow(ctx, `INSERT INTO packages
		(repository_id, domain_id, format, namespace, name, origin_publish, origin_upstream, metadata)
		SELECT r.id, r.domain_id, ?, ?, ?, ?, ?, ? FROM repositories r WHERE r.id = ? RETURNING id`,
		string(p.Format), p.Namespace, p.Name,
		string(p.Origin.Publish), string(p.Origin.Upstream), bytesOrNil(p.Metadata), p.RepositoryID).Scan(&id)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) || x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, Msg: "repository " + strconv.FormatInt(p.RepositoryID, 10) + " not found",
				ResourceType: domain.ResRepository, ResourceID: strconv.FormatInt(p.RepositoryID, 10), Err: err}
		}
		label := packageLabel(p.Namespace, p.Name)
		return x.t.conflict("create package", err, domain.ResPackage, label, "package "+label+" already exists")
	}
	p.ID = id
	return x.renewListingStamp(ctx, `VALUES (?, ?, 1)`, p.RepositoryID, string(p.Format))
}

// renewListingStamp changes the listing stamp of a repository's packages
// of one format, given by rows (a VALUES or SELECT giving repository_id,
// format, 1), in the transaction that changes one of them.
func (x packagesTx) renewListingStamp(ctx context.Context, rows string, args ...any) error {
	_, err := x.t.exec(ctx, `INSERT INTO package_listing_stamps (repository_id, format, stamp) `+rows+`
		ON CONFLICT (repository_id, format) DO UPDATE SET stamp = package_listing_stamps.stamp + 1`, args...)
	if err != nil {
		return x.t.fail("renew package listing stamp", err)
	}
	return nil
}

// stampOfPackage renews the listing stamp of package id's repository and
// format (nothing when there is no such package).
func (x packagesTx) stampOfPackage(ctx context.Context, id int64) error {
	return x.renewListingStamp(ctx, `SELECT repository_id, format, 1 FROM packages WHERE id = ?`, id)
}

// ListingStamp reads the listing stamp of repoID's packages of format f.
func (x packagesTx) ListingStamp(ctx context.Context, repoID int64, f domain.Format) (int64, error) {
	var stamp int64
	err := x.t.queryRow(ctx, `SELECT stamp FROM package_listing_stamps WHERE repository_id = ? AND format = ?`,
		repoID, string(f)).Scan(&stamp)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, x.t.fail("read package listing stamp", err)
	}
	return stamp, nil
}

func (x packagesTx) Get(ctx context.Context, repoID int64, format domain.Format, namespace, name string) (domain.Package, error) {
	p, err := scanPackage(x.t.queryRow(ctx, `SELECT `+packageCols+` FROM packages
		WHERE repository_id = ? AND format = ? AND namespace = ? AND name = ?`,
		repoID, string(format), namespace, name))
	if errors.Is(err, sql.ErrNoRows) {
		label := packageLabel(namespace, name)
		return domain.Package{}, domain.NotFound(domain.ResPackage, label, "package %s not found", label)
	}
	if err != nil {
		return domain.Package{}, x.t.fail("get package", err)
	}
	return p, nil
}

func (x packagesTx) GetByID(ctx context.Context, id int64) (domain.Package, error) {
	p, err := scanPackage(x.t.queryRow(ctx, `SELECT `+packageCols+` FROM packages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Package{}, packageIDNotFound(id)
	}
	if err != nil {
		return domain.Package{}, x.t.fail("get package", err)
	}
	return p, nil
}

// List pages through a repository's packages in (format, namespace, name)
// order with index seeks on (repository_id, format, namespace, name): a
// skip scan that takes the (format, namespace) groups one at a time (one
// seek to find the next group), and in each group seeks to the names the
// prefix and the cursor allow. A page costs about its limit plus two seeks
// per group visited, whatever the number of packages; only the origin
// filters (publish, upstream) read the rows they filter out.
func (x packagesTx) List(ctx context.Context, f store.PackageFilter, p store.Page) ([]domain.Package, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	// The group and the name after which to continue, from the cursor.
	var format, namespace, nameAfter string
	var started bool
	if p.After != "" {
		c, err := decodeCursor(p.After, kindPackages, 3, 0)
		if err != nil {
			return nil, "", err
		}
		format, namespace, nameAfter = c.S[0], c.S[1], c.S[2]
		started = true
		if f.Format != "" && format != string(f.Format) {
			// Every row has the filter's format: a cursor of another
			// format is before or past them all.
			if format > string(f.Format) {
				return nil, "", nil
			}
			started = false
		}
	}
	var out []domain.Package
	want := p.Limit + 1
	first := !started
	for len(out) < want {
		if first {
			var ok bool
			var err error
			if format, namespace, ok, err = x.nextGroup(ctx, f, "", "", false); err != nil || !ok {
				if err != nil {
					return nil, "", err
				}
				break
			}
			nameAfter = ""
			first = false
		}
		if strings.HasPrefix(namespace, f.Namespace) && (f.Format == "" || format == string(f.Format)) {
			ps, err := x.listGroup(ctx, f, format, namespace, nameAfter, started, want-len(out))
			if err != nil {
				return nil, "", err
			}
			out = append(out, ps...)
			if len(out) >= want {
				break
			}
		}
		var ok bool
		var err error
		if format, namespace, ok, err = x.nextGroup(ctx, f, format, namespace, true); err != nil {
			return nil, "", err
		}
		if !ok {
			break
		}
		nameAfter, started = "", false
	}
	out, next := page(out, p, func(p domain.Package) string {
		return encodeCursor(kindPackages, []string{string(p.Format), p.Namespace, p.Name}, nil)
	})
	return out, next, nil
}

// nextGroup returns the first (format, namespace) of the repository's
// packages matching f's format and namespace prefix, after (format,
// namespace) when after is set, with one index seek: of the prefix and the
// group after which to continue, only the greater lower bound is given
// (SQLite bounds a range by one of them only).
func (x packagesTx) nextGroup(ctx context.Context, f store.PackageFilter, format, namespace string, after bool) (string, string, bool, error) {
	var w conds
	w.add("repository_id = ?", f.RepositoryID)
	if f.Format != "" {
		w.add("format = ?", string(f.Format))
		switch {
		case after && namespace >= f.Namespace:
			w.add("namespace > ?", namespace)
			if upper, ok := prefixSuccessor(f.Namespace); ok && f.Namespace != "" {
				w.add("namespace < ?", upper)
			}
		default:
			w.prefix("namespace", f.Namespace)
		}
	} else {
		if after {
			w.add("(format, namespace) > (?, ?)", format, namespace)
		}
		w.prefix("namespace", f.Namespace)
	}
	var nf, nns string
	err := x.t.queryRow(ctx, `SELECT format, namespace FROM packages`+w.where()+
		` ORDER BY format, namespace LIMIT 1`, w.args...).Scan(&nf, &nns)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, x.t.fail("list packages", err)
	}
	return nf, nns, true, nil
}

// listGroup returns up to limit packages of one (format, namespace) group
// matching f, in name order, after nameAfter when after is set.
func (x packagesTx) listGroup(ctx context.Context, f store.PackageFilter, format, namespace, nameAfter string, after bool, limit int) ([]domain.Package, error) {
	var w conds
	w.add("repository_id = ?", f.RepositoryID)
	w.add("format = ?", format)
	w.add("namespace = ?", namespace)
	switch {
	case after && nameAfter >= f.NamePrefix:
		w.add("name > ?", nameAfter)
		if upper, ok := prefixSuccessor(f.NamePrefix); ok && f.NamePrefix != "" {
			w.add("name < ?", upper)
		}
	default:
		w.prefix("name", f.NamePrefix)
	}
	if f.Publish != "" {
		w.add("origin_publish = ?", string(f.Publish))
	}
	if f.Upstream != "" {
		w.add("origin_upstream = ?", string(f.Upstream))
	}
	return queryAll(ctx, x.t, "list packages", `SELECT `+packageCols+` FROM packages`+w.where()+
		` ORDER BY name LIMIT ?`, scanPackage, append(w.args, limit)...)
}

func (x packagesTx) Update(ctx context.Context, p domain.Package) error {
	res, err := x.t.exec(ctx, `UPDATE packages SET origin_publish = ?, origin_upstream = ?, metadata = ?
		WHERE id = ?`, string(p.Origin.Publish), string(p.Origin.Upstream), bytesOrNil(p.Metadata), p.ID)
	if err != nil {
		return x.t.fail("update package", err)
	}
	if err := affected(res, func() error { return packageIDNotFound(p.ID) }); err != nil {
		return err
	}
	return x.stampOfPackage(ctx, p.ID)
}

// Delete removes the package, its versions and their assets, after
// queueing the blobs of those assets.
func (x packagesTx) Delete(ctx context.Context, id int64) error {
	const versionsOf = `SELECT id FROM package_versions WHERE package_id = ?`
	if err := x.stampOfPackage(ctx, id); err != nil {
		return err
	}
	if err := x.t.queueOrphans(ctx, `assets a WHERE a.version_id IN (`+versionsOf+`)`, id); err != nil {
		return err
	}
	if err := x.t.releaseBlobs(ctx, `a.version_id IN (`+versionsOf+`)`, id); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM assets WHERE version_id IN (` + versionsOf + `)`,
		`DELETE FROM package_versions WHERE package_id = ?`,
	} {
		if _, err := x.t.exec(ctx, q, id); err != nil {
			return x.t.fail("delete package", err)
		}
	}
	res, err := x.t.exec(ctx, `DELETE FROM packages WHERE id = ?`, id)
	if err != nil {
		return x.t.fail("delete package", err)
	}
	return affected(res, func() error { return packageIDNotFound(id) })
}

// ListCoordinates reads the domain's packages from the index on
// (domain_id, format, namespace, name), so that a page costs about its
// limit times the number of repositories holding each coordinate, whatever
// the size of the domain. The page's start must bound the index range: the
// cursor condition compares only the key columns that the filter does not
// fix by equality, and of the cursor and a prefix on the first of those
// columns only the greater lower bound is given (SQLite bounds a range by
// one of them only).
func (x packagesTx) ListCoordinates(ctx context.Context, domainID int64, f store.CoordinateFilter, p store.Page) ([]store.PackageCoordinate, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var after []string
	if p.After != "" {
		c, err := decodeCursor(p.After, kindCoordinates, 3, 0)
		if err != nil {
			return nil, "", err
		}
		after = c.S
	}
	var w conds
	w.add("domain_id = ?", domainID)
	var fixed []string // the leading key columns the filter fixes by equality
	if f.Format != "" {
		w.add("format = ?", string(f.Format))
		fixed = append(fixed, string(f.Format))
	}
	if f.Namespace != nil {
		w.add("namespace = ?", *f.Namespace)
		if len(fixed) == 1 {
			fixed = append(fixed, *f.Namespace)
		}
	}
	if f.Name != nil {
		w.add("name = ?", *f.Name)
		if len(fixed) == 2 {
			fixed = append(fixed, *f.Name)
		}
	}
	if after != nil {
		// Every row has the fixed columns: a cursor (of a listing with
		// another filter) whose leading columns differ from them is before
		// or past every row.
		switch slices.Compare(after[:len(fixed)], fixed) {
		case -1:
			after = nil
		case 1:
			return nil, "", nil
		}
	}
	// The prefix on the first free key column, if any, meets the cursor.
	for i, pf := range []struct{ col, prefix string }{{"namespace", f.NamespacePrefix}, {"name", f.NamePrefix}} {
		switch {
		case pf.prefix == "":
		case after == nil || i+1 != len(fixed):
			w.prefix(pf.col, pf.prefix)
		case after[i+1] < pf.prefix:
			// The prefix's lower bound is the greater: the cursor adds nothing.
			w.prefix(pf.col, pf.prefix)
			after = nil
		default:
			// The cursor is the greater lower bound: keep the prefix's upper.
			if upper, ok := prefixSuccessor(pf.prefix); ok {
				w.add(pf.col+" < ?", upper)
			}
		}
	}
	if after != nil {
		switch len(fixed) {
		case 0:
			w.add("(format, namespace, name) > (?, ?, ?)", after[0], after[1], after[2])
		case 1:
			w.add("(namespace, name) > (?, ?)", after[1], after[2])
		case 2:
			w.add("name > ?", after[2])
		default: // a single coordinate, at or before the cursor
			return nil, "", nil
		}
	}
	out, err := queryAll(ctx, x.t, "list package coordinates", `SELECT DISTINCT format, namespace, name FROM packages`+
		w.where()+` ORDER BY format, namespace, name LIMIT ?`,
		func(sc scanner) (store.PackageCoordinate, error) {
			var c store.PackageCoordinate
			var format string
			err := sc.Scan(&format, &c.Namespace, &c.Name)
			c.Format = domain.Format(format)
			return c, err
		}, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(c store.PackageCoordinate) string {
		return encodeCursor(kindCoordinates, []string{string(c.Format), c.Namespace, c.Name}, nil)
	})
	return out, next, nil
}

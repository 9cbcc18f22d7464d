package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type reposTx struct{ t *tx }

const repoCols = `r.id, r.domain_id, r.name, r.administrator_account, r.description, r.external_connection, r.created_ns`

func scanRepo(sc scanner, extra ...any) (domain.Repository, error) {
	var r domain.Repository
	var created int64
	dest := append([]any{&r.ID, &r.DomainID, &r.Name, &r.AdministratorAccount, &r.Description, &r.ExternalConnection, &created}, extra...)
	if err := sc.Scan(dest...); err != nil {
		return domain.Repository{}, err
	}
	r.CreatedTime = fromNS(created)
	return r, nil
}

func repoNotFound(name string) error {
	return domain.NotFound(domain.ResRepository, name, "repository %s not found", name)
}

func repoIDNotFound(id int64) error {
	return domain.NotFound(domain.ResRepository, strconv.FormatInt(id, 10), "repository %d not found", id)
}

func (x reposTx) Create(ctx context.Context, r *domain.Repository) error {
	created, err := toNS("repository creation time", r.CreatedTime)
	if err != nil {
		return err
	}
	var id int64
	err = x.t.queryRow(ctx, `INSERT INTO repositories
		(domain_id, name, administrator_account, description, external_connection, created_ns)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		r.DomainID, r.Name, r.AdministratorAccount, r.Description, r.ExternalConnection, created).Scan(&id)
	if err != nil {
		if x.t.s.d.foreignKeyViolation(err) {
			return &domain.Error{Kind: domain.ErrNotFound, Msg: "domain " + strconv.FormatInt(r.DomainID, 10) + " not found",
				ResourceType: domain.ResDomain, ResourceID: strconv.FormatInt(r.DomainID, 10), Err: err}
		}
		return x.t.conflict("create repository", err, domain.ResRepository, r.Name,
			"repository "+r.Name+" already exists")
	}
	if err := x.putUpstreams(ctx, id, r.Upstreams); err != nil {
		return err
	}
	r.ID = id
	return nil
}

func (x reposTx) putUpstreams(ctx context.Context, id int64, ups []domain.Upstream) error {
	for i, u := range ups {
		_, err := x.t.exec(ctx, `INSERT INTO repository_upstreams
			(repository_id, position, upstream_id, upstream_name) VALUES (?, ?, ?, ?)`,
			id, i, u.RepositoryID, u.Name)
		if err != nil {
			return x.t.fail("store upstreams", err)
		}
	}
	return nil
}

func (x reposTx) upstreams(ctx context.Context, id int64) ([]domain.Upstream, error) {
	return queryAll(ctx, x.t, "load upstreams", `SELECT upstream_id, upstream_name
		FROM repository_upstreams WHERE repository_id = ? ORDER BY position`,
		func(sc scanner) (domain.Upstream, error) {
			var u domain.Upstream
			err := sc.Scan(&u.RepositoryID, &u.Name)
			return u, err
		}, id)
}

func (x reposTx) get(ctx context.Context, where string, notFound func() error, args ...any) (domain.Repository, error) {
	r, err := scanRepo(x.t.queryRow(ctx, `SELECT `+repoCols+` FROM repositories r WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Repository{}, notFound()
	}
	if err != nil {
		return domain.Repository{}, x.t.fail("get repository", err)
	}
	if r.Upstreams, err = x.upstreams(ctx, r.ID); err != nil {
		return domain.Repository{}, err
	}
	return r, nil
}

func (x reposTx) Get(ctx context.Context, domainID int64, name string) (domain.Repository, error) {
	return x.get(ctx, `r.domain_id = ? AND r.name = ?`, func() error { return repoNotFound(name) }, domainID, name)
}

func (x reposTx) GetByID(ctx context.Context, id int64) (domain.Repository, error) {
	return x.get(ctx, `r.id = ?`, func() error { return repoIDNotFound(id) }, id)
}

func (x reposTx) List(ctx context.Context, f store.RepositoryFilter, p store.Page) ([]store.RepositoryListing, string, error) {
	if err := checkPage(p); err != nil {
		return nil, "", err
	}
	var w conds
	switch {
	case f.DomainID != 0:
		w.add("r.domain_id = ?", f.DomainID)
	case f.Region != "":
		w.add("d.region = ?", f.Region)
	default:
		return nil, "", domain.Invalid("repository listing needs a domain or a region")
	}
	if f.AdministratorAccount != "" {
		w.add("r.administrator_account = ?", f.AdministratorAccount)
	}
	w.prefix("r.name", f.Prefix)
	if p.After != "" {
		c, err := decodeCursor(p.After, kindRepositories, 3, 0)
		if err != nil {
			return nil, "", err
		}
		w.add("(d.name, d.owner, r.name) > (?, ?, ?)", c.S[0], c.S[1], c.S[2])
	}
	out, err := queryAll(ctx, x.t, "list repositories", `SELECT `+repoCols+`, d.name, d.owner
		FROM repositories r JOIN domains d ON d.id = r.domain_id`+w.where()+`
		ORDER BY d.name, d.owner, r.name LIMIT ?`,
		func(sc scanner) (store.RepositoryListing, error) {
			var l store.RepositoryListing
			var err error
			l.Repository, err = scanRepo(sc, &l.DomainName, &l.DomainOwner)
			return l, err
		}, append(w.args, p.Limit+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := page(out, p, func(l store.RepositoryListing) string {
		return encodeCursor(kindRepositories, []string{l.DomainName, l.DomainOwner, l.Repository.Name}, nil)
	})
	return out, next, nil
}

func (x reposTx) Count(ctx context.Context, domainID int64) (int, error) {
	return x.t.count(ctx, "repositories", `SELECT COUNT(*) FROM repositories WHERE domain_id = ?`, domainID)
}

func (x reposTx) Update(ctx context.Context, r domain.Repository) error {
	res, err := x.t.exec(ctx, `UPDATE repositories SET description = ?, external_connection = ? WHERE id = ?`,
		r.Description, r.ExternalConnection, r.ID)
	if err != nil {
		return x.t.fail("update repository", err)
	}
	if err := affected(res, func() error { return repoIDNotFound(r.ID) }); err != nil {
		return err
	}
	if _, err := x.t.exec(ctx, `DELETE FROM repository_upstreams WHERE repository_id = ?`, r.ID); err != nil {
		return x.t.fail("update repository", err)
	}
	return x.putUpstreams(ctx, r.ID, r.Upstreams)
}

// Delete removes the repository and everything in it with set-based
// statements, children first, after queueing every blob its assets use.
func (x reposTx) Delete(ctx context.Context, id int64) error {
	const versionsOf = `SELECT v.id FROM package_versions v JOIN packages p ON p.id = v.package_id
		WHERE p.repository_id = ?`
	if err := x.t.queueOrphans(ctx, `assets a WHERE a.version_id IN (`+versionsOf+`)`, id); err != nil {
		return err
	}
	if err := x.t.releaseBlobs(ctx, `a.version_id IN (`+versionsOf+`)`, id); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM assets WHERE version_id IN (` + versionsOf + `)`,
		`DELETE FROM package_versions WHERE package_id IN (SELECT id FROM packages WHERE repository_id = ?)`,
		`DELETE FROM packages WHERE repository_id = ?`,
		`DELETE FROM repository_upstreams WHERE repository_id = ?`,
		`DELETE FROM retention_rules WHERE repository_id = ?`,
		`DELETE FROM package_listing_stamps WHERE repository_id = ?`,
	} {
		if _, err := x.t.exec(ctx, q, id); err != nil {
			return x.t.fail("delete repository", err)
		}
	}
	res, err := x.t.exec(ctx, `DELETE FROM repositories WHERE id = ?`, id)
	if err != nil {
		return x.t.fail("delete repository", err)
	}
	return affected(res, func() error { return repoIDNotFound(id) })
}

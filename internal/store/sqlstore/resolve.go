package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// resolvePackageQuery finds a domain and, by LEFT JOINs on unique keys,
// its repository (with how many upstreams it has, its external connection
// counting as one) and package: at most one
// row, whose NULL columns tell what is missing. Arguments: repository name, format, namespace, package
// name, region, owner, domain name.
const resolvePackageQuery = `SELECT d.id, r.id,
	(SELECT COUNT(*) FROM repository_upstreams ru WHERE ru.repository_id = r.id) + CASE WHEN r.external_connection <> '' THEN 1 ELSE 0 END,
	p.id, p.format, p.namespace, p.name, p.origin_publish, p.origin_upstream, p.metadata
	FROM domains d
	LEFT JOIN repositories r ON r.domain_id = d.id AND r.name = ?
	LEFT JOIN packages p ON p.repository_id = r.id AND p.format = ? AND p.namespace = ? AND p.name = ?
	WHERE d.region = ? AND d.owner = ? AND d.name = ?`

// resolveAssetQuery is resolvePackageQuery down to a version and one of
// its assets. Arguments: repository name, format, namespace, package name,
// version, asset name, region, owner, domain name.
const resolveAssetQuery = `SELECT d.id, r.id,
	(SELECT COUNT(*) FROM repository_upstreams ru WHERE ru.repository_id = r.id) + CASE WHEN r.external_connection <> '' THEN 1 ELSE 0 END,
	p.id, p.format, p.namespace, p.name, p.origin_publish, p.origin_upstream, p.metadata,
	v.id, v.status, a.name, a.size, a.md5, a.sha1, a.sha256, a.sha512
	FROM domains d
	LEFT JOIN repositories r ON r.domain_id = d.id AND r.name = ?
	LEFT JOIN packages p ON p.repository_id = r.id AND p.format = ? AND p.namespace = ? AND p.name = ?
	LEFT JOIN package_versions v ON v.package_id = p.id AND v.version = ?
	LEFT JOIN assets a ON a.version_id = v.id AND a.name = ?
	WHERE d.region = ? AND d.owner = ? AND d.name = ?`

// Resolve runs one prepared SELECT on the read pool, outside any
// transaction: a single statement reads one snapshot on both SQLite (WAL)
// and PostgreSQL. With CacheResolves, answers are remembered until the
// next Write.
func (s *Store) Resolve(ctx context.Context, q store.Lookup) (store.Resolution, error) {
	if s.cache == nil {
		return s.resolve(ctx, q)
	}
	gen := s.writes.Load() // before the statement starts
	quiet := s.committing.Load() == 0
	if quiet {
		if res, ok := s.cache.get(gen, q); ok {
			return res, nil
		}
	}
	res, err := s.resolve(ctx, q)
	// Remember the answer only if no commit started or ended meanwhile.
	if err == nil && quiet && s.committing.Load() == 0 && s.writes.Load() == gen {
		s.cache.put(gen, q, res)
	}
	return res, err
}

func (s *Store) resolve(ctx context.Context, q store.Lookup) (store.Resolution, error) {
	if s.d.InProcess {
		// database/sql and the driver would each start a goroutine to
		// watch a cancellable context.
		ctx = context.WithoutCancel(ctx)
	}
	var res store.Resolution
	withVersion := q.Version != ""
	query := resolvePackageQuery
	if withVersion {
		query = resolveAssetQuery
	}
	st, err := s.prepared(ctx, query)
	if err != nil {
		return res, fmt.Errorf("%s: resolve: prepare: %w", s.d.Name, err)
	}
	var row *sql.Row
	if withVersion {
		row = st.QueryRowContext(ctx, q.Repository, string(q.Format), q.Namespace, q.Package,
			q.Version, q.Asset, q.Region, q.Owner, q.Domain)
	} else {
		row = st.QueryRowContext(ctx, q.Repository, string(q.Format), q.Namespace, q.Package,
			q.Region, q.Owner, q.Domain)
	}
	var (
		repoID, pkgID, versionID, size                     sql.NullInt64
		format, ns, name, publish, upstream, status, aname sql.NullString
		md5, sha1, sha256, sha512                          sql.NullString
		metadata                                           []byte
	)
	var upstreams int64
	dest := []any{&res.DomainID, &repoID, &upstreams, &pkgID, &format, &ns, &name, &publish, &upstream, &metadata}
	if withVersion {
		dest = append(dest, &versionID, &status, &aname, &size, &md5, &sha1, &sha256, &sha512)
	}
	switch err := row.Scan(dest...); {
	case errors.Is(err, sql.ErrNoRows):
		return store.Resolution{}, nil
	case err != nil:
		return store.Resolution{}, fmt.Errorf("%s: resolve: %w", s.d.Name, err)
	}
	res.Found = store.FoundDomain
	if !repoID.Valid {
		return res, nil
	}
	res.Found, res.RepositoryID, res.Upstreams = store.FoundRepository, repoID.Int64, int(upstreams)
	if !pkgID.Valid {
		return res, nil
	}
	res.Found = store.FoundPackage
	res.Package = domain.Package{
		ID: pkgID.Int64, RepositoryID: repoID.Int64, Format: domain.Format(format.String),
		Namespace: ns.String, Name: name.String,
		Origin:   domain.OriginConfiguration{Publish: domain.Allow(publish.String), Upstream: domain.Allow(upstream.String)},
		Metadata: emptyToNil(metadata),
	}
	if !withVersion || !versionID.Valid {
		return res, nil
	}
	res.Found, res.VersionID, res.VersionStatus = store.FoundVersion, versionID.Int64, domain.Status(status.String)
	if q.Asset == "" || !aname.Valid {
		return res, nil
	}
	res.Found = store.FoundAsset
	res.Asset = domain.Asset{Name: aname.String, Size: size.Int64, MD5: md5.String, SHA1: sha1.String,
		SHA256: sha256.String, SHA512: sha512.String}
	return res, nil
}

// prepared returns q prepared on the read pool, preparing it on first use.
// database/sql re-prepares it on each pool connection as needed. Only the
// read pool holds prepared statements: on SQLite's one-connection write
// pool, preparing could wait behind a write transaction.
func (s *Store) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if v, ok := s.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := s.read.PrepareContext(ctx, s.rebind(q))
	if err != nil {
		return nil, err
	}
	s.stmts.Store(q, st)
	return st, nil
}

// closeStmts closes the prepared statements (before the pools).
func (s *Store) closeStmts() {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	s.stmts.Range(func(k, v any) bool {
		v.(*sql.Stmt).Close()
		s.stmts.Delete(k)
		return true
	})
}

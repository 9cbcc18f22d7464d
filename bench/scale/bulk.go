package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	_ "modernc.org/sqlite" // database/sql driver "sqlite"

	"github.com/artifactd/artifactd/internal/domain"
)

// bulk writes the fixture's many rows with multi-row INSERTs on a
// connection of its own, in transactions of batchRows rows, into the
// schema the store's migrations made. Through the store's methods each
// version with its asset costs six statements (the version, the asset and
// the domain's asset size counter, read then written); on PostgreSQL that
// is six round trips, ~0.7 ms per version here, so 1,000,000 versions took
// over 11 minutes. The counters are then rebuilt by the store itself
// (Domains().RecountAssetSize, what fsck --repair uses).
type bulk struct {
	db       *sql.DB
	postgres bool
}

func openBulk(kind, dsnOrPath string) (*bulk, error) {
	if kind == "postgres" {
		db, err := sql.Open("pgx", dsnOrPath)
		return &bulk{db: db, postgres: true}, err
	}
	db, err := sql.Open("sqlite", "file:"+dsnOrPath+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate")
	if err == nil {
		db.SetMaxOpenConns(1)
	}
	return &bulk{db: db}, err
}

// rowsPerStatement keeps a statement's parameters under SQLite's 32766
// and PostgreSQL's 65535.
const rowsPerStatement = 1000

// insert runs INSERT INTO table (cols) VALUES (...), (...) ... for rows,
// rowsPerStatement at a time; with returning, it scans each returned row.
func (b *bulk) insert(ctx context.Context, tx *sql.Tx, table, cols string, rows [][]any, returning string, scan func(*sql.Rows) error) error {
	for lo := 0; lo < len(rows); lo += rowsPerStatement {
		chunk := rows[lo:min(lo+rowsPerStatement, len(rows))]
		var q strings.Builder
		fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", table, cols)
		args := make([]any, 0, len(chunk)*len(chunk[0]))
		for i, r := range chunk {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteByte('(')
			for j, v := range r {
				if j > 0 {
					q.WriteString(", ")
				}
				args = append(args, v)
				if b.postgres {
					fmt.Fprintf(&q, "$%d", len(args))
				} else {
					q.WriteByte('?')
				}
			}
			q.WriteByte(')')
		}
		if returning == "" {
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return fmt.Errorf("insert into %s: %w", table, err)
			}
			continue
		}
		res, err := tx.QueryContext(ctx, q.String()+" RETURNING "+returning, args...)
		if err != nil {
			return fmt.Errorf("insert into %s: %w", table, err)
		}
		for res.Next() {
			if err := scan(res); err != nil {
				res.Close()
				return err
			}
		}
		if err := res.Close(); err != nil {
			return err
		}
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// versionAsset is a version and its one asset.
type versionAsset struct {
	v domain.PackageVersion
	a domain.Asset
}

// addVersions inserts versions and their assets in one transaction.
func (b *bulk) addVersions(ctx context.Context, domainID int64, rows []versionAsset) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	vrows := make([][]any, len(rows))
	for i, r := range rows {
		v := r.v
		lic, deps := jsonText(v.Licenses), jsonText(v.Dependencies)
		var meta any
		if len(v.Metadata) > 0 {
			meta = v.Metadata
		}
		vrows[i] = []any{v.PackageID, v.Version, v.Revision, string(v.Status), string(v.OriginType), v.EntryRepository,
			v.EntryExternalConn, v.PublishedTime.UnixNano(), v.DisplayName, v.Summary, v.HomePage,
			v.SourceCodeRepository, lic, deps, v.Readme, meta, v.SortKey}
	}
	// Versions are named by (package, version): rows may span packages.
	type pv struct {
		pkg     int64
		version string
	}
	ids := make(map[pv]int64, len(rows))
	err = b.insert(ctx, tx, "package_versions", `package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository,
		licenses, dependencies, readme, metadata, sort_key`, vrows, "id, package_id, version", func(r *sql.Rows) error {
		var id, pkg int64
		var version string
		if err := r.Scan(&id, &pkg, &version); err != nil {
			return err
		}
		ids[pv{pkg, version}] = id
		return nil
	})
	if err != nil {
		return err
	}
	arows := make([][]any, len(rows))
	for i, r := range rows {
		id, ok := ids[pv{r.v.PackageID, r.v.Version}]
		if !ok {
			return fmt.Errorf("no id returned for version %s", r.v.Version)
		}
		a := r.a
		arows[i] = []any{id, domainID, a.Name, a.Size, a.MD5, a.SHA1, a.SHA256, a.SHA512}
	}
	if err := b.insert(ctx, tx, "assets", "version_id, domain_id, name, size, md5, sha1, sha256, sha512", arows, "", nil); err != nil {
		return err
	}
	return tx.Commit()
}

// addPackages inserts packages in one transaction.
func (b *bulk) addPackages(ctx context.Context, domainID int64, ps []domain.Package) error {
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := b.insert(ctx, tx, "packages", packageCols, packageRows(domainID, ps), "", nil); err != nil {
		return err
	}
	return tx.Commit()
}

// packageCols are the columns packageRows fills. domain_id is the
// package's domain, denormalised (migration 0006), as Packages().Create
// writes it.
const packageCols = "repository_id, domain_id, format, namespace, name, origin_publish, origin_upstream"

func packageRows(domainID int64, ps []domain.Package) [][]any {
	rows := make([][]any, len(ps))
	for i, p := range ps {
		rows[i] = []any{p.RepositoryID, domainID, string(p.Format), p.Namespace, p.Name, string(p.Origin.Publish), string(p.Origin.Upstream)}
	}
	return rows
}

// jsonText is how the store keeps licenses and dependencies: JSON text,
// NULL for none.
func jsonText[T any](v []T) any {
	if len(v) == 0 {
		return nil
	}
	b, _ := json.Marshal(v)
	return string(b)
}

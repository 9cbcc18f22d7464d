package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/store"
)

// migrationName is NNNN_description.sql; NNNN is the version.
var migrationName = regexp.MustCompile(`^([0-9]+)_[A-Za-z0-9_.-]*\.sql$`)

type migration struct {
	version int64
	name    string
}

// Migrate brings db's schema up to date with the migrations in the root of
// migrations: files named NNNN_description.sql (other files are ignored),
// applied in version order. Each migration runs in its own write
// transaction (begun with d.BeginWrite) together with the insertion of its
// version into schema_migrations, so a migration is applied entirely or not
// at all, and running Migrate again (a restart, a second process) skips
// what is applied. A database that has applied a version newer than any in
// migrations is refused: it was written by a newer artifactd.
//
// Migration files may hold several statements; the driver must execute
// them all in one Exec (modernc.org/sqlite and pgx's simple protocol do).
func Migrate(ctx context.Context, db *sql.DB, d Dialect, migrations fs.FS) error {
	list, err := readMigrations(migrations)
	if err != nil {
		return err
	}
	s := New(db, db, d) // only for its transaction and rebinding helpers
	err = s.migrateTx(ctx, func(t *tx) error {
		_, err := t.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    BIGINT PRIMARY KEY,
			applied_ns BIGINT NOT NULL
		)`)
		if err != nil {
			return err
		}
		var newest sql.NullInt64
		if err := t.queryRow(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&newest); err != nil {
			return err
		}
		known := int64(0)
		if len(list) > 0 {
			known = list[len(list)-1].version
		}
		if newest.Valid && newest.Int64 > known {
			return fmt.Errorf("database schema is at version %d, newer than this build knows (%d)", newest.Int64, known)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: migrate: %w", d.Name, err)
	}
	for _, m := range list {
		body, err := fs.ReadFile(migrations, m.name)
		if err != nil {
			return fmt.Errorf("%s: migrate: %w", d.Name, err)
		}
		err = s.migrateTx(ctx, func(t *tx) error {
			var n int64
			if err := t.queryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			// The body goes to the driver as written: it has no parameters
			// to rebind, and may contain '?' in comments or literals.
			if _, err := t.tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := t.exec(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES (?, ?)`,
				m.version, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: migration %s: %w", d.Name, m.name, err)
		}
	}
	return nil
}

// migrateTx runs fn in a write transaction on s's write pool.
func (s *Store) migrateTx(ctx context.Context, fn func(*tx) error) error {
	return s.Write(ctx, func(st store.Tx) error { return fn(st.(*tx)) })
}

// readMigrations lists the migrations of fsys, ordered by version.
func readMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var list []migration
	seen := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %q: name is not NNNN_description.sql", e.Name())
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: bad version", e.Name())
		}
		if other, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %q and %q have the same version %d", other, e.Name(), v)
		}
		seen[v] = e.Name()
		list = append(list, migration{version: v, name: e.Name()})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].version < list[j].version })
	return list, nil
}

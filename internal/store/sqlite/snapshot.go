package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
)

// OpenReadOnly opens the database at path read-only (mode=ro), with the
// driver the store uses, but without creating or migrating it and without
// the lock OpenExclusive holds: in WAL mode another connection may read the
// database while the server writes to it. It is for backups and checks
// (artifactd backup, restore); the caller closes the pool, which has one
// connection.
func OpenReadOnly(ctx context.Context, path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", fileURI(abs)+
		fmt.Sprintf("?mode=ro&_pragma=busy_timeout(%d)", busyTimeoutMS))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	return db, nil
}

// SnapshotInto writes a consistent copy of the database at path to dst (a
// file that must not exist) with VACUUM INTO, from one read transaction:
// the copy holds every transaction committed before it began and nothing
// after, whatever the server writes meanwhile. The copy is not synced.
func SnapshotInto(ctx context.Context, path, dst string) error {
	db, err := OpenReadOnly(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	absDst, err := filepath.Abs(dst)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := db.ExecContext(ctx, "VACUUM INTO '"+strings.ReplaceAll(absDst, "'", "''")+"'"); err != nil {
		return fmt.Errorf("sqlite: VACUUM INTO %s: %w", dst, err)
	}
	return nil
}

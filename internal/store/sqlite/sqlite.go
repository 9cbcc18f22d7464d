// Package sqlite is the SQLite metadata store: sqlstore over
// modernc.org/sqlite (pure Go, driver name "sqlite").
//
// The database runs in WAL mode with synchronous=FULL, so a committed
// transaction survives a power cut, and with foreign keys enforced. It is
// used through two pools: a write pool of exactly one connection whose
// transactions begin IMMEDIATE (writers queue for the connection, then take
// SQLite's write lock up front, instead of failing with SQLITE_BUSY when a
// deferred transaction tries to upgrade its lock), and a read pool of
// several query_only connections that, thanks to WAL, never wait for the
// writer. The write pool keeps its temporary files in memory
// (temp_store=MEMORY): group commit runs each Write in a SAVEPOINT, whose
// journal of the pages it changes would otherwise go to a temp file, write
// by write (12% of the server's CPU when publishing); the cost is memory
// for the largest single write's changed pages while it runs. Every pragma
// is a DSN parameter, so it applies to every connection either pool opens,
// including reconnections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// busyTimeoutMS is how long a connection waits for a lock another process
// holds before failing with SQLITE_BUSY.
const busyTimeoutMS = 10000

// Migrations returns the schema migrations, NNNN_description.sql files at
// the root of the returned file system.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil { // cannot happen: the directory is embedded
		panic(err)
	}
	return sub
}

// Dialect is the sqlstore dialect of modernc.org/sqlite. Write transactions
// need no special BEGIN here: Open's write pool gets BEGIN IMMEDIATE from
// its DSN (_txlock=immediate). Concurrent Writes share one transaction and
// one fsync (group commit): with synchronous=FULL, each commit is an fsync.
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:                  "sqlite",
		Placeholder:           sqlstore.Question,
		InProcess:             true,
		IsUniqueViolation:     isUniqueViolation,
		IsForeignKeyViolation: isForeignKeyViolation,
		GroupCommit:           true,
		CacheStatements:       true,
	}
}

func errorCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return -1
}

func isUniqueViolation(err error) bool {
	switch errorCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// isForeignKeyViolation: an insert with a missing parent fails with
// SQLITE_CONSTRAINT_FOREIGNKEY, but a delete blocked by ON DELETE RESTRICT
// fails with SQLITE_CONSTRAINT_TRIGGER (SQLite enforces RESTRICT as a
// trigger), recognizable only by its message.
func isForeignKeyViolation(err error) bool {
	switch errorCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return true
	case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
		return strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
	}
	return false
}

// Open opens the database at path, creating it (mode 0600) when it does not
// exist, and migrates its schema. Opening a database again, or in several
// processes at once, is safe: applied migrations are skipped.
func Open(ctx context.Context, path string) (store.Store, error) {
	s, _, _, err := open(ctx, path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// open is Open, also returning the read and write pools for tests.
func open(ctx context.Context, path string) (*sqlstore.Store, *sql.DB, *sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	// Create the file ourselves so that it is private; SQLite gives its
	// -wal and -shm files the main file's permissions.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}

	uri := fileURI(abs)
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busyTimeoutMS)
	writeDB, err := sql.Open("sqlite", uri+"?"+common+
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	writeDB.SetMaxOpenConns(1)
	writeDB.SetMaxIdleConns(1)
	writeDB.SetConnMaxLifetime(0)
	writeDB.SetConnMaxIdleTime(0)
	if err := checkWAL(ctx, writeDB); err != nil {
		writeDB.Close()
		return nil, nil, nil, err
	}
	if err := sqlstore.Migrate(ctx, writeDB, Dialect(), Migrations()); err != nil {
		writeDB.Close()
		return nil, nil, nil, err
	}

	// Readers need no journal or sync settings: those belong to the
	// database file (WAL) and to writers. query_only makes a write attempted
	// in a Read transaction fail instead of succeeding behind the writer's
	// back.
	readDB, err := sql.Open("sqlite", uri+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		writeDB.Close()
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	readDB.SetMaxOpenConns(n)
	readDB.SetMaxIdleConns(n)
	if err := readDB.PingContext(ctx); err != nil {
		readDB.Close()
		writeDB.Close()
		return nil, nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	return sqlstore.New(readDB, writeDB, Dialect()), readDB, writeDB, nil
}

// checkWAL fails unless the database really is in WAL mode: SQLite silently
// keeps its rollback journal where WAL is impossible (some network file
// systems), and then readers would block the writer.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("sqlite: journal mode is %q, not WAL", mode)
	}
	return nil
}

// fileURI makes an SQLite URI filename of an absolute path, escaping the
// characters that URIs give a meaning to.
func fileURI(abs string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") { // Windows: file:/C:/...
		p = "/" + p
	}
	return "file:" + r.Replace(p)
}

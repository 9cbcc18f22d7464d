// Package postgres is the PostgreSQL metadata store: sqlstore over pgx's
// database/sql driver (github.com/jackc/pgx/v5/stdlib), for deployments
// where several artifactd nodes share one database.
//
// # Transactions
//
// Read transactions are REPEATABLE READ, READ ONLY: one snapshot for the
// whole transaction, and a write attempted in one fails.
//
// Write transactions must be serializable with respect to each other
// without ever failing for it (the store contract; callers do not retry).
// PostgreSQL's SERIALIZABLE isolation would abort conflicting transactions
// instead, so writers serialize on a lock: every write transaction begins
// with
//
//	SELECT pg_advisory_xact_lock(writeLockKey)
//
// right after BEGIN, in READ COMMITTED. The lock is held until COMMIT or
// ROLLBACK and is the same on every node using the database, so at most one
// write transaction runs at a time, cluster-wide. Because READ COMMITTED
// takes a new snapshot for each statement, every statement after the lock
// sees everything the previous writers committed (PostgreSQL makes a commit
// visible before it releases the committing transaction's locks); REPEATABLE
// READ would be wrong here, as its snapshot would be taken by the lock
// statement itself, before the wait. Readers never take the lock and never
// wait for writers.
//
// Advisory locks belong to the database, so two artifactd installations
// using different schemas of one database (search_path) serialize their
// writes together; they stay correct, only slower. The keys are fixed
// constants; another application using advisory locks in the same database
// must avoid them.
//
// # Migrations
//
// Open migrates the schema (migrations/, the twins of the SQLite ones) under
// a session-level advisory lock taken on a connection of its own, so when
// several nodes start at once one migrates and the others wait, then find
// every migration applied. Each migration still runs in a write transaction
// (sqlstore.Migrate), so it is applied entirely or not at all.
//
// # Connections
//
// The store keeps two pools: a read pool of up to maxReadConns connections
// and a write pool of up to maxWriteConns (writers are serialized anyway;
// the second connection only lets the next writer queue on the lock inside
// PostgreSQL). Statements go through pgx's default statement cache, which
// needs session pooling if a pooler such as PgBouncer sits in between; with
// transaction pooling, add default_query_exec_mode=exec to the DSN, and note
// that Open's session-level migration lock then only holds per server
// connection (each migration stays atomic under the write lock either way).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Advisory lock keys ("artifact" in ASCII, then +1): writeLockKey serializes
// write transactions, migrateLockKey serializes Open's migrations.
const (
	writeLockKey   int64 = 0x6172746966616374
	migrateLockKey int64 = writeLockKey + 1
)

// Pool sizes.
const (
	maxReadConns  = 8
	maxWriteConns = 2
)

// PostgreSQL error codes (SQLSTATE).
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
)

// Migrations returns the schema migrations, NNNN_description.sql files at
// the root of the returned file system, with the same names and versions as
// the SQLite ones.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil { // cannot happen: the directory is embedded
		panic(err)
	}
	return sub
}

// Dialect is the sqlstore dialect of PostgreSQL through pgx's database/sql
// driver: $n placeholders, REPEATABLE READ READ ONLY reads, and writes
// serialized by a transaction-scoped advisory lock (see the package doc).
func Dialect() sqlstore.Dialect {
	return sqlstore.Dialect{
		Name:                  "postgres",
		Placeholder:           sqlstore.Dollar,
		BeginRead:             beginRead,
		BeginWrite:            beginWrite,
		IsUniqueViolation:     isUniqueViolation,
		IsForeignKeyViolation: isForeignKeyViolation,
	}
}

func beginRead(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	return db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
}

// lockWriters is sent without parameters, so pgx uses the simple protocol:
// one round trip, no prepared statement.
var lockWriters = fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", writeLockKey)

func beginWrite(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, lockWriters); err != nil {
		tx.Rollback() //nolint:errcheck // the lock error is the one to report
		return nil, fmt.Errorf("take the write lock: %w", err)
	}
	return tx, nil
}

func errorCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUniqueViolation(err error) bool { return errorCode(err) == codeUniqueViolation }

// isForeignKeyViolation covers both an insert under a missing parent and a
// delete blocked by ON DELETE RESTRICT: PostgreSQL reports both as 23503.
func isForeignKeyViolation(err error) bool { return errorCode(err) == codeForeignKeyViolation }

// Open connects to the database named by dsn (a postgres:// URL or a
// key=value connection string, as pgx accepts), migrates its schema and
// returns the store. Several nodes may Open the same database at once: one
// migrates, the others wait for it (see the package doc).
func Open(ctx context.Context, dsn string) (store.Store, error) {
	s, _, _, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &leaderStore{Store: s, cfg: cfg}, nil
}

// open is Open, also returning the read and write pools for tests.
func open(ctx context.Context, dsn string) (*sqlstore.Store, *sql.DB, *sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, cfg); err != nil {
		return nil, nil, nil, err
	}

	writeDB := stdlib.OpenDB(*cfg)
	writeDB.SetMaxOpenConns(maxWriteConns)
	writeDB.SetMaxIdleConns(maxWriteConns)
	readDB := stdlib.OpenDB(*cfg)
	readDB.SetMaxOpenConns(maxReadConns)
	readDB.SetMaxIdleConns(maxReadConns)
	for _, db := range []*sql.DB{writeDB, readDB} {
		// Recycle connections now and then, so that a failover or a
		// rebalanced pooler is picked up without a restart.
		db.SetConnMaxLifetime(30 * time.Minute)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	for _, db := range []*sql.DB{writeDB, readDB} {
		if err := db.PingContext(ctx); err != nil {
			writeDB.Close()
			readDB.Close()
			return nil, nil, nil, fmt.Errorf("postgres: %w", err)
		}
	}
	return sqlstore.New(readDB, writeDB, Dialect()), readDB, writeDB, nil
}

// lockMigrations is sent without parameters (simple protocol).
var (
	lockMigrations   = fmt.Sprintf("SELECT pg_advisory_lock(%d)", migrateLockKey)
	unlockMigrations = fmt.Sprintf("SELECT pg_advisory_unlock(%d)", migrateLockKey)
)

// migrate applies the migrations while holding the session-level migration
// lock on a dedicated connection, so that of several nodes starting at once
// one migrates and the others wait, then find the work done. The
// migrations themselves run through a pool of their own (sqlstore.Migrate
// needs a *sql.DB), each in a write transaction.
func migrate(ctx context.Context, cfg *pgx.ConnConfig) (err error) {
	lockConn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	// Closing the session releases its advisory locks, also when the
	// unlock below is never reached.
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if cerr := lockConn.Close(closeCtx); cerr != nil && err == nil {
			err = fmt.Errorf("postgres: %w", cerr)
		}
	}()
	if _, err := lockConn.Exec(ctx, lockMigrations); err != nil {
		return fmt.Errorf("postgres: take the migration lock: %w", err)
	}

	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	err = sqlstore.Migrate(ctx, db, Dialect(), Migrations())
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("postgres: %w", cerr)
	}
	if err != nil {
		return err
	}
	if _, err := lockConn.Exec(ctx, unlockMigrations); err != nil {
		return fmt.Errorf("postgres: release the migration lock: %w", err)
	}
	return nil
}

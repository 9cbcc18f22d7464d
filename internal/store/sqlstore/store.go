// Package sqlstore implements store.Store over database/sql with portable
// SQL, so that every SQL backend (SQLite today, PostgreSQL next) shares one
// implementation and one set of semantics. What differs between databases
// is described by a Dialect.
//
// Queries are written with '?' placeholders and rebound for the dialect.
// Inserted ids come back through RETURNING (SQLite >= 3.35, PostgreSQL).
// Text compares in byte order: SQLite's default BINARY collation; a
// PostgreSQL schema must declare its text columns COLLATE "C".
//
// Conventions every backend gets from this package:
//   - empty []byte metadata and empty Licenses/Dependencies slices are
//     stored as NULL and come back as nil;
//   - times are stored as unix nanoseconds in UTC and come back in UTC; the
//     zero time is stored as 0 and comes back as the zero time;
//   - Delete and Update of a missing row report domain.ErrNotFound;
//   - a Page with Limit <= 0 is domain.ErrInvalid.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// Placeholder is a driver's bind-parameter style.
type Placeholder int

const (
	// Question is '?' (SQLite, MySQL).
	Question Placeholder = iota
	// Dollar is '$1', '$2'... (PostgreSQL).
	Dollar
)

// Dialect describes what differs between the SQL databases sqlstore runs on.
type Dialect struct {
	// Name identifies the dialect in error messages ("sqlite", "postgres").
	Name string
	// Placeholder is the driver's parameter style; queries are rebound to it.
	Placeholder Placeholder
	// InProcess says the database runs inside this process (SQLite): an
	// indexed lookup cannot hang on a network, so Resolve runs it without
	// watching for cancellation (which costs a goroutine per statement).
	InProcess bool
	// BeginRead starts a read-only transaction on the read pool; it must
	// see one snapshot throughout (SQLite: any transaction in WAL mode;
	// PostgreSQL: REPEATABLE READ). nil means
	// db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}).
	BeginRead func(ctx context.Context, db *sql.DB) (*sql.Tx, error)
	// BeginWrite starts a read-write transaction on the write pool. Write
	// transactions must be serializable with respect to each other without
	// failing for it (SQLite: a single-connection pool whose BEGIN is
	// IMMEDIATE; PostgreSQL: e.g. a transaction-scoped advisory lock taken
	// right after BEGIN). nil means db.BeginTx(ctx, nil).
	BeginWrite func(ctx context.Context, db *sql.DB) (*sql.Tx, error)
	// IsUniqueViolation reports whether err is a unique or primary-key
	// constraint violation; such errors become domain.ErrConflict.
	IsUniqueViolation func(err error) bool
	// IsForeignKeyViolation reports whether err is a foreign-key violation
	// (a missing parent on insert, a restricted delete). Optional.
	IsForeignKeyViolation func(err error) bool
	// GroupCommit lets concurrent Writes share one transaction, each in
	// its own SAVEPOINT, and one commit (see groupcommit.go). For a
	// database whose every commit is a serialized fsync (SQLite); a
	// database with its own group commit (PostgreSQL) keeps one
	// transaction per Write.
	GroupCommit bool
	// CacheStatements keeps statements compiled between transactions
	// (see stmtcache.go): for a database in the process (SQLite), whose
	// compiling is CPU the server spends on every statement. A database
	// reached through a driver that caches them itself (pgx) leaves it off.
	CacheStatements bool
}

func (d *Dialect) uniqueViolation(err error) bool {
	return err != nil && d.IsUniqueViolation != nil && d.IsUniqueViolation(err)
}

func (d *Dialect) foreignKeyViolation(err error) bool {
	return err != nil && d.IsForeignKeyViolation != nil && d.IsForeignKeyViolation(err)
}

// Rebind rewrites the '?' placeholders of query into the dialect's style.
// Question marks inside quoted strings and identifiers are left alone.
func (d *Dialect) Rebind(query string) string {
	if d.Placeholder != Dollar || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Store is a store.Store over two database/sql pools: one for read
// transactions, one for write transactions (they may be the same pool).
type Store struct {
	read, write *sql.DB
	d           *Dialect
	rebound     sync.Map // query -> rebound query
	stmtMu      sync.Mutex
	stmts       sync.Map // query -> *sql.Stmt prepared on the read pool
	closeOnce   sync.Once
	closeErr    error
	// writes counts Write calls that have finished (committed or not),
	// the generation the resolve cache (nil unless CacheResolves) checks.
	// committing counts commits under way: from just before a commit
	// until its generation is counted, the cache is neither read nor
	// filled, since other readers may already see the commit.
	writes     atomic.Uint64
	committing atomic.Int64
	cache      *resolveCache
	// stamp is the AuthzStamp last read, at a write generation; only
	// used with CacheResolves, under the same rules as the resolve cache.
	stamp atomic.Pointer[cachedStamp]
	// group batches concurrent Writes; nil unless Dialect.GroupCommit.
	group *group
	// commits counts the write transactions committed (see Commits).
	commits atomic.Uint64
	// readStmts and writeStmts cache compiled statements of each pool
	// (nil unless Dialect.CacheStatements; one cache if the pools are one).
	readStmts, writeStmts *stmtCache
}

var _ store.Store = (*Store)(nil)

// New returns a Store reading through readDB and writing through writeDB.
// The schema must already be migrated (see Migrate). Close closes both pools.
func New(readDB, writeDB *sql.DB, d Dialect) *Store {
	s := &Store{read: readDB, write: writeDB, d: &d}
	if d.GroupCommit {
		s.group = &group{}
	}
	if d.CacheStatements {
		s.readStmts = newStmtCache(readDB, s.rebind)
		s.writeStmts = s.readStmts
		if writeDB != readDB {
			s.writeStmts = newStmtCache(writeDB, s.rebind)
		}
	}
	return s
}

// Read runs fn in a read-only transaction.
func (s *Store) Read(ctx context.Context, fn func(store.Tx) error) error {
	begin := s.d.BeginRead
	if begin == nil {
		begin = func(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
			return db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		}
	}
	stx, err := begin(ctx, s.read)
	if err != nil {
		return fmt.Errorf("%s: begin read: %w", s.d.Name, err)
	}
	defer s.readStmts.prepareWanted() // runs after the rollback below
	defer stx.Rollback()              //nolint:errcheck // nothing to keep
	return fn(&tx{s: s, tx: stx, stmts: s.readStmts})
}

// Write runs fn in a read-write transaction, committed when fn returns nil
// and rolled back otherwise (also when fn panics). Write must not be called
// from inside another Write's fn: on a single-connection write pool that
// waits forever. With group commit, fn may share its transaction with
// other Writes' (each in its own savepoint, run one after the other); its
// commit is still visible to every Read that starts after Write returns
// nil.
func (s *Store) Write(ctx context.Context, fn func(store.Tx) error) (err error) {
	// After the commit (or rollback): Resolve answers read before it are
	// stale from here on.
	defer s.writes.Add(1)
	defer s.writeStmts.prepareWanted() // the transaction is over by then
	if s.group != nil {
		return s.groupWrite(ctx, fn)
	}
	return s.writeTx(ctx, fn)
}

// writeTx runs fn alone in a write transaction.
func (s *Store) writeTx(ctx context.Context, fn func(store.Tx) error) (err error) {
	begin := s.d.BeginWrite
	if begin == nil {
		begin = func(ctx context.Context, db *sql.DB) (*sql.Tx, error) {
			return db.BeginTx(ctx, nil)
		}
	}
	stx, err := begin(ctx, s.write)
	if err != nil {
		return fmt.Errorf("%s: begin write: %w", s.d.Name, err)
	}
	committed := false
	defer func() {
		if !committed {
			stx.Rollback() //nolint:errcheck // the first error is the one to report
		}
	}()
	if err := fn(&tx{s: s, tx: stx, stmts: s.writeStmts}); err != nil {
		return err
	}
	committed = true
	// From the commit becoming visible until the generation moves on, a
	// reader that saw the commit through a transaction could otherwise
	// still get a Resolve answer cached before it: the cache is closed.
	s.committing.Add(1)
	err = stx.Commit()
	s.writes.Add(1) // counted before the cache opens again
	s.committing.Add(-1)
	if err != nil {
		return fmt.Errorf("%s: commit: %w", s.d.Name, err)
	}
	s.commits.Add(1)
	return nil
}

// CachedStatements reports how many statements the read and write pools
// keep compiled (0 without Dialect.CacheStatements).
func (s *Store) CachedStatements() (read, write int) {
	return s.readStmts.len(), s.writeStmts.len()
}

// Commits returns how many write transactions this Store has committed:
// with group commit, fewer than the Writes that succeeded.
func (s *Store) Commits() uint64 { return s.commits.Load() }

// Close closes both pools. It is safe to call more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeStmts()
		s.readStmts.close()
		if s.writeStmts != s.readStmts {
			s.writeStmts.close()
		}
		err := s.read.Close()
		if s.write != s.read {
			err = errors.Join(err, s.write.Close())
		}
		s.closeErr = err
	})
	return s.closeErr
}

func (s *Store) rebind(q string) string {
	if s.d.Placeholder == Question {
		return q
	}
	if v, ok := s.rebound.Load(q); ok {
		return v.(string)
	}
	r := s.d.Rebind(q)
	s.rebound.Store(q, r)
	return r
}

// tx implements store.Tx over one *sql.Tx.
type tx struct {
	s  *Store
	tx *sql.Tx
	// detach runs statements without their context's cancellation: in a
	// transaction that several Writes share, one caller going away must
	// not interrupt a statement (SQLite may then roll back the whole
	// transaction, the others' writes with it).
	detach bool
	// stmts caches the pool's compiled statements (nil: none).
	stmts *stmtCache
}

func (t *tx) stmtCtx(ctx context.Context) context.Context {
	if t.detach {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (t *tx) Domains() store.Domains               { return domainsTx{t} }
func (t *tx) Repositories() store.Repositories     { return reposTx{t} }
func (t *tx) Packages() store.Packages             { return packagesTx{t} }
func (t *tx) Versions() store.Versions             { return versionsTx{t} }
func (t *tx) Assets() store.Assets                 { return assetsTx{t} }
func (t *tx) Tags() store.Tags                     { return tagsTx{t} }
func (t *tx) Policies() store.Policies             { return policiesTx{t} }
func (t *tx) Orphans() store.Orphans               { return orphansTx{t} }
func (t *tx) Secrets() store.Secrets               { return secretsTx{t} }
func (t *tx) PackageGroups() store.PackageGroups   { return groupsTx{t} }
func (t *tx) Identities() store.Identities         { return identitiesTx{t} }
func (t *tx) RetentionRules() store.RetentionRules { return retentionTx{t} }

func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = t.stmtCtx(ctx)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, t.s.rebind(q), args...)
}

func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(t.stmtCtx(ctx), t.s.rebind(q), args...)
}

// queryRow runs a query whose one row the caller scans at once (a
// cached statement must not be left with an unscanned row).
func (t *tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = t.stmtCtx(ctx)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, t.s.rebind(q), args...)
}

// count runs a SELECT COUNT(*) query.
func (t *tx) count(ctx context.Context, what, q string, args ...any) (int, error) {
	var n int64
	if err := t.queryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, t.fail("count "+what, err)
	}
	return int(n), nil
}

// fail wraps a backend error with what was being done.
func (t *tx) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", t.s.d.Name, op, err)
}

// conflict classifies err: a unique violation becomes domain.ErrConflict
// (resType/id/msg describe it), anything else a wrapped backend error.
func (t *tx) conflict(op string, err error, resType, id, msg string) error {
	if t.s.d.uniqueViolation(err) {
		return &domain.Error{Kind: domain.ErrConflict, Msg: msg, ResourceType: resType, ResourceID: id, Err: err}
	}
	return t.fail(op, err)
}

// affected reports a missing row as notFound when res changed no rows.
func affected(res sql.Result, notFound func() error) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound()
	}
	return nil
}

// scanner is *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect scans every row of rows (and closes them).
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// queryAll runs q and scans every row; op names the operation in errors.
// The rows are read to the end and closed before it returns, with nothing
// else run in between, so q may run on a cached statement.
func queryAll[T any](ctx context.Context, t *tx, op, q string, scan func(scanner) (T, error), args ...any) ([]T, error) {
	var rows *sql.Rows
	var err error
	if st := t.stmts.get(q); st != nil {
		ctx = t.stmtCtx(ctx)
		rows, err = t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	} else {
		rows, err = t.query(ctx, q, args...)
	}
	if err != nil {
		return nil, t.fail(op, err)
	}
	out, err := collect(rows, scan)
	if err != nil {
		return nil, t.fail(op, err)
	}
	return out, nil
}

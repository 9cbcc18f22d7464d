package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestConformance runs the store suite on a shareable store (Open) and
// on the server's exclusive one, whose Resolve answers are cached.
func TestConformance(t *testing.T) {
	for name, open := range map[string]func(context.Context, string) (store.Store, error){
		"shared": Open, "exclusive": OpenExclusive,
	} {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) store.Store {
				s, err := open(context.Background(), filepath.Join(t.TempDir(), "meta.db"))
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

func TestRestart(t *testing.T) {
	storetest.RunRestart(t, func(t *testing.T, dir string) store.Store {
		s, err := Open(context.Background(), filepath.Join(dir, "meta.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func openTest(t *testing.T, path string) (*sqlstore.Store, *sql.DB, *sql.DB) {
	t.Helper()
	s, r, w, err := open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, r, w
}

// TestOpenTwice opens a database again (and twice at once): the schema is
// migrated once, the data is kept.
func TestOpenTwice(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	s1, _, w1 := openTest(t, path)
	if err := s1.Write(ctx, func(tx store.Tx) error {
		return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"})
	}); err != nil {
		t.Fatal(err)
	}
	s2, _, _ := openTest(t, path) // while s1 is open, as a second process would
	s3, _, _ := openTest(t, path)
	for _, s := range []*sqlstore.Store{s1, s2, s3} {
		if err := s.Read(ctx, func(tx store.Tx) error {
			_, err := tx.Domains().Get(ctx, "r", "o", "d")
			return err
		}); err != nil {
			t.Error(err)
		}
	}
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	var n, v int
	if err := w1.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	// Versions may have gaps (a number kept for another branch): the
	// newest is the last file's.
	newest, _ := strconv.Atoi(strings.SplitN(files[len(files)-1], "_", 2)[0])
	if n != len(files) || v != newest {
		t.Errorf("schema_migrations: %d rows, newest %d; want %d, %d", n, v, len(files), newest)
	}
	if err := sqlstore.Migrate(ctx, w1, Dialect(), Migrations()); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
}

// TestPragmas checks the settings of every connection of both pools.
func TestPragmas(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	_, r, w := openTest(t, path)
	check := func(name string, c *sql.Conn, pragma string, want string) {
		t.Helper()
		var got string
		if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: %s = %s, want %s", name, pragma, got, want)
		}
	}
	// Hold several read connections at once so that each is a distinct one.
	var conns []*sql.Conn
	for range 4 {
		c, err := r.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	for _, c := range conns {
		check("read", c, "journal_mode", "wal")
		check("read", c, "foreign_keys", "1")
		check("read", c, "busy_timeout", "10000")
		check("read", c, "query_only", "1")
	}
	wc, err := w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("write", wc, "journal_mode", "wal")
	check("write", wc, "synchronous", "2") // FULL
	check("write", wc, "temp_store", "2")  // MEMORY
	check("write", wc, "foreign_keys", "1")
	check("write", wc, "busy_timeout", "10000")
	check("write", wc, "query_only", "0")
	wc.Close()

	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("WAL file mode %v, want 0600", st.Mode().Perm())
	}
}

// TestWriteBeginsImmediate checks that a Write holds SQLite's write lock
// from its start, before it writes anything: another connection cannot
// begin a write meanwhile (it would otherwise upgrade later and risk
// SQLITE_BUSY).
func TestWriteBeginsImmediate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, _, _ := openTest(t, path)
	other, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.Write(ctx, func(tx store.Tx) error {
			close(inside)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	}()
	<-inside
	_, err = other.ExecContext(ctx, "BEGIN IMMEDIATE")
	close(release)
	wg.Wait()
	if err == nil {
		other.Exec("ROLLBACK")
		t.Fatal("BEGIN IMMEDIATE succeeded while a Write was open: Write does not take the write lock up front")
	}
	if code := errorCode(err); code&0xff != 5 { // SQLITE_BUSY
		t.Errorf("BEGIN IMMEDIATE: %v, want SQLITE_BUSY", err)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	d := Dialect()
	tables := func() int {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 't%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	v1 := fstest.MapFS{
		"0001_one.sql": {Data: []byte("CREATE TABLE t1 (x INTEGER); -- what? a question mark\nCREATE TABLE t2 (x INTEGER);")},
		"README.md":    {Data: []byte("not a migration")},
	}
	for range 2 {
		if err := sqlstore.Migrate(ctx, db, d, v1); err != nil {
			t.Fatal(err)
		}
	}
	if n := tables(); n != 2 {
		t.Fatalf("%d tables after 0001, want 2", n)
	}

	// A failing migration is rolled back entirely and not recorded; the
	// ones before it stay applied.
	v3 := fstest.MapFS{
		"0001_one.sql":   v1["0001_one.sql"],
		"0002_two.sql":   {Data: []byte("CREATE TABLE t3 (x INTEGER);")},
		"0003_three.sql": {Data: []byte("CREATE TABLE t4 (x INTEGER); INSERT INTO nope VALUES (1);")},
	}
	if err := sqlstore.Migrate(ctx, db, d, v3); err == nil {
		t.Fatal("a failing migration succeeded")
	}
	if n := tables(); n != 3 {
		t.Errorf("%d tables after a failed 0003, want 3", n)
	}
	v3["0003_three.sql"] = &fstest.MapFile{Data: []byte("CREATE TABLE t4 (x INTEGER);")}
	if err := sqlstore.Migrate(ctx, db, d, v3); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 4 {
		t.Errorf("%d tables after 0003, want 4", n)
	}

	// A database newer than the migrations is refused.
	if err := sqlstore.Migrate(ctx, db, d, v1); err == nil {
		t.Error("migrating a newer database back succeeded")
	}
	// Malformed sets are refused.
	for name, fsys := range map[string]fstest.MapFS{
		"bad name":  {"one.sql": {Data: []byte("SELECT 1;")}},
		"duplicate": {"0001_a.sql": {Data: []byte("SELECT 1;")}, "01_b.sql": {Data: []byte("SELECT 1;")}},
	} {
		if err := sqlstore.Migrate(ctx, db, d, fsys); err == nil {
			t.Errorf("%s: Migrate succeeded", name)
		}
	}
}

func TestConflictClassification(t *testing.T) {
	ctx := context.Background()
	s, _, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	err := s.Write(ctx, func(tx store.Tx) error {
		for range 2 {
			if err := tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"}); err != nil {
				return err
			}
		}
		return nil
	})
	var de *domain.Error
	if !errors.As(err, &de) || de.Kind != domain.ErrConflict || de.ResourceType != domain.ResDomain || de.ResourceID != "d" {
		t.Errorf("duplicate domain: %#v", err)
	}
	if !isUniqueViolation(de.Err) {
		t.Errorf("the cause %v is not a unique violation", de.Err)
	}
}

func TestCancelledContext(t *testing.T) {
	s, _, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	err := s.Write(ctx, func(tx store.Tx) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write with an expired context: %v", err)
	}
	// The store still works.
	ctx = context.Background()
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestOpenExclusiveLocks: a second OpenExclusive of the same database fails
// with ErrInUse until the first is closed; then it succeeds and sees the
// data.
func TestOpenExclusiveLocks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	s1, err := OpenExclusive(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Write(ctx, func(tx store.Tx) error {
		return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"})
	}); err != nil {
		t.Fatal(err)
	}
	if s2, err := OpenExclusive(ctx, path); !errors.Is(err, ErrInUse) {
		if err == nil {
			s2.Close()
		}
		t.Fatalf("second OpenExclusive: err = %v, want ErrInUse", err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	s2, err := OpenExclusive(ctx, path)
	if err != nil {
		t.Fatalf("OpenExclusive after Close: %v", err)
	}
	defer s2.Close()
	res, err := s2.Resolve(ctx, store.Lookup{Region: "r", Owner: "o", Domain: "d", Repository: "x", Format: domain.FormatNpm, Package: "p"})
	if err != nil || res.Found != store.FoundDomain {
		t.Errorf("Resolve after reopening: %+v, %v", res, err)
	}
}

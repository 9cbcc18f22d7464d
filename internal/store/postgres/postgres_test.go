package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// dsnEnv names the PostgreSQL server the tests run against: a DSN whose
// user may create and drop databases. scripts/start-postgres starts a
// private server and prints it.
const dsnEnv = "ARTIFACTD_TEST_POSTGRES_DSN"

// adminDSN returns the server's DSN. Without one the test is skipped, except
// in CI (CI set), where a missing server is a failure rather than a silently
// untested backend.
func adminDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnEnv)
	if dsn != "" {
		return dsn
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set, and CI is: the PostgreSQL store must be tested in CI "+
			"(eval \"$(scripts/start-postgres)\" starts a server and sets it)", dsnEnv)
	}
	t.Skipf("%s is not set: skipping the PostgreSQL tests (eval \"$(scripts/start-postgres)\" to run them)", dsnEnv)
	return ""
}

// withDatabase returns dsn naming database name instead of its own.
func withDatabase(t *testing.T, dsn, name string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s: %v", dsnEnv, err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String()
	}
	return dsn + " dbname=" + name // key=value: the last setting wins
}

// newDatabase creates an empty database for the test, dropped when the test
// ends, and returns its DSN.
func newDatabase(t *testing.T) string {
	t.Helper()
	admin := adminDSN(t)
	var b [8]byte
	rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connecting to %s: %v", dsnEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("dropping %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		// FORCE: a store the test leaked must not keep the database.
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("dropping %s: %v", name, err)
		}
	})
	return withDatabase(t, admin, name)
}

func TestConformance(t *testing.T) {
	adminDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), newDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestRestart(t *testing.T) {
	adminDSN(t)
	dbs := map[string]string{} // the suite's directory -> the database standing for it
	storetest.RunRestart(t, func(t *testing.T, dir string) store.Store {
		dsn, ok := dbs[dir]
		if !ok {
			dsn = newDatabase(t)
			dbs[dir] = dsn
		}
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func openTest(t *testing.T, dsn string) (*sqlstore.Store, *sql.DB, *sql.DB) {
	t.Helper()
	s, r, w, err := open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, r, w
}

// TestConcurrentOpen starts several nodes on a fresh database at once: every
// Open succeeds, each migration is applied exactly once, and every node
// sees the whole schema.
func TestConcurrentOpen(t *testing.T) {
	adminDSN(t)
	files, err := fs.Glob(Migrations(), "*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	for round := range 3 {
		dsn := newDatabase(t)
		const nodes = 4
		stores := make([]store.Store, nodes)
		errs := make([]error, nodes)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range nodes {
			wg.Go(func() {
				<-start
				stores[i], errs[i] = Open(context.Background(), dsn)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d: Open %d: %v", round, i, err)
			}
			defer stores[i].Close()
		}
		ctx := context.Background()
		for i, s := range stores {
			err := s.Write(ctx, func(tx store.Tx) error {
				if err := tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: fmt.Sprint("d", i)}); err != nil {
					return err
				}
				_, err := tx.Secrets().GetOrCreate(ctx, "k", []byte(fmt.Sprint("node", i)))
				return err
			})
			if err != nil {
				t.Fatalf("round %d: node %d: %v", round, i, err)
			}
		}
		for i, s := range stores {
			if err := s.Read(ctx, func(tx store.Tx) error {
				n, err := tx.Domains().Count(ctx, "r", "o")
				if err == nil && n != nodes {
					err = fmt.Errorf("%d domains, want %d", n, nodes)
				}
				return err
			}); err != nil {
				t.Errorf("round %d: node %d: %v", round, i, err)
			}
		}
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n, v int
		err = db.QueryRow(`SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &v)
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		// Versions may have gaps (a number kept for another branch): the
		// newest is the last file's.
		newest, _ := strconv.Atoi(strings.SplitN(files[len(files)-1], "_", 2)[0])
		if n != len(files) || v != newest {
			t.Errorf("round %d: schema_migrations: %d rows, newest %d; want %d, %d", round, n, v, len(files), newest)
		}
	}
}

// TestOpenWaitsForMigrationLock: while another session holds the migration
// lock (a node migrating), Open waits, then proceeds once it is released.
func TestOpenWaitsForMigrationLock(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	holder, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(ctx)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		t.Fatal(err)
	}

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if s, err := Open(short, dsn); err == nil {
		s.Close()
		t.Fatal("Open succeeded while another session held the migration lock")
	}

	opened := make(chan error, 1)
	go func() {
		s, err := Open(ctx, dsn)
		if err == nil {
			s.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("Open returned (%v) while another session held the migration lock", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_unlock($1)", migrateLockKey); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-opened:
		if err != nil {
			t.Fatalf("Open after the lock was released: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Open still waiting 30s after the migration lock was released")
	}
}

// TestMigrationsMatchSQLite: the PostgreSQL migrations are the SQLite ones'
// twins, file for file.
func TestMigrationsMatchSQLite(t *testing.T) {
	pg, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	lite, err := fs.Glob(sqlite.Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 || !slices.Equal(pg, lite) {
		t.Errorf("PostgreSQL migrations %q, SQLite migrations %q: every migration needs its twin under the same name", pg, lite)
	}
}

// TestSchemaMatchesSQLite compares the migrated schemas of both backends:
// the same tables with the same columns and NOT NULL constraints, and every
// PostgreSQL text column in the "C" collation (byte order, as SQLite).
func TestSchemaMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	_, r, _ := openTest(t, dsn)

	pgSchema := map[string][]column{}
	rows, err := r.QueryContext(ctx, `SELECT table_name, column_name, is_nullable = 'NO', data_type, COALESCE(collation_name, '')
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var table, dataType, collation string
		var c column
		if err := rows.Scan(&table, &c.Name, &c.NotNull, &dataType, &collation); err != nil {
			t.Fatal(err)
		}
		pgSchema[table] = append(pgSchema[table], c)
		if dataType == "text" && collation != "C" {
			t.Errorf("%s.%s: text column with collation %q, want \"C\"", table, c.Name, collation)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()

	liteSchema := sqliteSchema(ctx, t)
	if !reflect.DeepEqual(pgSchema, liteSchema) {
		t.Errorf("schemas differ:\nPostgreSQL %v\nSQLite     %v", pgSchema, liteSchema)
	}
}

// column is a table column as the schema comparison sees it.
type column struct {
	Name    string
	NotNull bool
}

// sqliteSchema migrates a new SQLite database and returns its tables'
// columns, a primary-key column counting as NOT NULL (SQLite, unlike
// PostgreSQL, does not imply it, but the store never writes NULL there).
func sqliteSchema(ctx context.Context, t *testing.T) map[string][]column {
	t.Helper()
	path := filepath.Join(t.TempDir(), "meta.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	schema := map[string][]column{}
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT name, "notnull" OR pk > 0 FROM pragma_table_info(?) ORDER BY cid`, table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.Name, &c.NotNull); err != nil {
				t.Fatal(err)
			}
			schema[table] = append(schema[table], c)
		}
		rows.Close()
	}
	return schema
}

// TestWritesSerializeAcrossNodes: while one node's Write is open, another
// node's Write waits for it (the advisory lock), and nobody else can take
// the lock either; Reads do not wait.
func TestWritesSerializeAcrossNodes(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	s1, _, _ := openTest(t, dsn)
	s2, _, _ := openTest(t, dsn)

	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		err := s1.Write(ctx, func(tx store.Tx) error {
			if err := tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "first"}); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
		if err != nil {
			t.Error(err)
		}
	})
	<-inside

	other, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	var got bool
	if err := other.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", writeLockKey).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got {
		t.Error("the write lock was free while a Write was open")
	}

	entered := make(chan struct{})
	wg.Go(func() {
		err := s2.Write(ctx, func(tx store.Tx) error {
			close(entered)
			// The first writer committed before this one began: it sees
			// the first domain.
			_, err := tx.Domains().Get(ctx, "r", "o", "first")
			return err
		})
		if err != nil {
			t.Errorf("second node's Write: %v", err)
		}
	})
	select {
	case <-entered:
		t.Error("a second node's Write began while the first one was open")
	case <-time.After(300 * time.Millisecond):
	}
	// Reads go on meanwhile, and do not see the uncommitted domain.
	if err := s2.Read(ctx, func(tx store.Tx) error {
		_, err := tx.Domains().Get(ctx, "r", "o", "first")
		if !errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("uncommitted domain: %v", err)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	close(release)
	wg.Wait()
}

func TestConflictClassification(t *testing.T) {
	ctx := context.Background()
	s, _, _ := openTest(t, newDatabase(t))
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
		t.Fatalf("duplicate domain: %#v", err)
	}
	if !isUniqueViolation(de.Err) || isForeignKeyViolation(de.Err) {
		t.Errorf("the cause %v is not (only) a unique violation", de.Err)
	}

	d := domain.Domain{Region: "r", Owner: "o", Name: "d"}
	if err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.Domains().Create(ctx, &d); err != nil {
			return err
		}
		return tx.Repositories().Create(ctx, &domain.Repository{DomainID: d.ID, Name: "r"})
	}); err != nil {
		t.Fatal(err)
	}
	err = s.Write(ctx, func(tx store.Tx) error { return tx.Domains().Delete(ctx, d.ID) })
	if !errors.As(err, &de) || de.Kind != domain.ErrConflict || !isForeignKeyViolation(de.Err) {
		t.Errorf("deleting a domain with a repository: %#v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	s, _, _ := openTest(t, newDatabase(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	time.Sleep(time.Millisecond)
	if err := s.Write(ctx, func(tx store.Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Write with an expired context: %v", err)
	}
	if err := s.Read(ctx, func(tx store.Tx) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Read with an expired context: %v", err)
	}
	// The store still works.
	ctx = context.Background()
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestMigrateNewerDatabase: a database migrated by a newer artifactd is
// refused, and Open leaves nothing locked behind.
func TestMigrateNewerDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	_, _, w := openTest(t, dsn)
	if _, err := w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_ns) VALUES (9999, 0)`); err != nil {
		t.Fatal(err)
	}
	if s, err := Open(ctx, dsn); err == nil {
		s.Close()
		t.Fatal("Open of a database newer than the migrations succeeded")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open: %v", err)
	}
	if _, err := w.ExecContext(ctx, `DELETE FROM schema_migrations WHERE version = 9999`); err != nil {
		t.Fatal(err)
	}
	// The failed Open released the migration lock: this one does not hang.
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestOpenBadDSN(t *testing.T) {
	if s, err := Open(context.Background(), "postgres://%zz"); err == nil {
		s.Close()
		t.Fatal("Open of a malformed DSN succeeded")
	}
}

// TestLeader checks that one process at a time leads a job, and that the
// lead passes on when released.
func TestLeader(t *testing.T) {
	dsn := newDatabase(t)
	ctx := context.Background()
	a, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	la, lb := a.(store.Leader), b.(store.Leader)
	release, ok, err := la.TryLead(ctx, "collector")
	if err != nil || !ok {
		t.Fatalf("first TryLead = %v, %v; want the lead", ok, err)
	}
	if _, ok, err := lb.TryLead(ctx, "collector"); err != nil || ok {
		t.Fatalf("second TryLead while led = %v, %v; want no lead", ok, err)
	}
	if rel, ok, err := lb.TryLead(ctx, "other-job"); err != nil || !ok {
		t.Fatalf("TryLead of another job = %v, %v; want the lead", ok, err)
	} else {
		rel()
	}
	release()
	rel, ok, err := lb.TryLead(ctx, "collector")
	if err != nil || !ok {
		t.Fatalf("TryLead after release = %v, %v; want the lead", ok, err)
	}
	rel()
}

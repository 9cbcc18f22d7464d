package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestScaleMigration: a database with assets from before 0008_scale gets
// each domain's asset size counter and the blob counts behind it.
func TestScaleMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, db, Dialect(), storetest.MigrationsBefore(t, Migrations(), 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, storetest.SeedBeforeScale); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, _, _ := openTest(t, path)
	storetest.CheckScaleMigration(t, s)
}

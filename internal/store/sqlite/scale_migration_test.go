package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestScaleMigration: a database with assets from before 0008_scale gets
// each domain's asset size counter and the blob counts behind it.
func TestScaleMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, db, Dialect(), Migrations(), 8, storetest.SeedBeforeScale)
	s, _, _ := openTest(t, path)
	storetest.CheckScaleMigration(t, s)
}

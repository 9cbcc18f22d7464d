package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestPackageGroupsMigration: a database with domains and packages from
// before 0006_package_groups gets a root group per domain, and its packages
// are listed by coordinate.
func TestPackageGroupsMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, db, Dialect(), Migrations(), 6, storetest.SeedBeforePackageGroups)
	s, _, _ := openTest(t, path)
	storetest.CheckPackageGroupsMigration(t, s)
}

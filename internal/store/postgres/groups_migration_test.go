package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestPackageGroupsMigration: a database with domains and packages from
// before 0006_package_groups gets a root group per domain, and its packages
// are listed by coordinate.
func TestPackageGroupsMigration(t *testing.T) {
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, stdlib.OpenDB(*cfg), Dialect(), Migrations(), 6, storetest.SeedBeforePackageGroups)
	s, _, _ := openTest(t, dsn)
	storetest.CheckPackageGroupsMigration(t, s)
}

package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestPackageGroupsMigration: a database with domains and packages from
// before 0006_package_groups gets a root group per domain, and its packages
// are listed by coordinate.
func TestPackageGroupsMigration(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, db, Dialect(), storetest.MigrationsBefore(t, Migrations(), 6)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, storetest.SeedBeforePackageGroups); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, _, _ := openTest(t, dsn)
	storetest.CheckPackageGroupsMigration(t, s)
}

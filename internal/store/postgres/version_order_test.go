package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestVersionOrderMigration: versions from before 0009_version_order have
// no sort key until FillSortKeys gives them one (issue #16).
func TestVersionOrderMigration(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, db, Dialect(), storetest.MigrationsBefore(t, Migrations(), 9)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, storetest.SeedBeforeVersionOrder); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s, _, _ := openTest(t, dsn)
	storetest.CheckVersionOrderMigration(t, s)
}

package postgres

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/sqlstore"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestScaleMigration: a database with assets from before 0008_scale gets
// each domain's asset size counter and the blob counts behind it.
func TestScaleMigration(t *testing.T) {
	ctx := context.Background()
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db := stdlib.OpenDB(*cfg)
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
	s, _, _ := openTest(t, dsn)
	storetest.CheckScaleMigration(t, s)
}

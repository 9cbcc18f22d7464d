package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestScaleMigration: a database with assets from before 0008_scale gets
// each domain's asset size counter and the blob counts behind it.
func TestScaleMigration(t *testing.T) {
	dsn := newDatabase(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.SeedBefore(t, stdlib.OpenDB(*cfg), Dialect(), Migrations(), 8, storetest.SeedBeforeScale)
	s, _, _ := openTest(t, dsn)
	storetest.CheckScaleMigration(t, s)
}

package storetest

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"

	"github.com/artifactd/artifactd/internal/store/sqlstore"
)

// SeedBefore prepares a database as an older artifactd left it: db (one
// connection, fresh) gets the migrations before version and then seed, and
// is closed. The caller opens the store on it, which runs the rest, and
// checks what they did to the seeded rows.
func SeedBefore(t *testing.T, db *sql.DB, d sqlstore.Dialect, migrations fs.FS, version int, seed string) {
	t.Helper()
	ctx := context.Background()
	db.SetMaxOpenConns(1)
	if err := sqlstore.Migrate(ctx, db, d, MigrationsBefore(t, migrations, version)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, seed); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// TestSnapshotInto copies a database held open (and locked) by a server,
// then the same database closed: both copies hold what was committed.
func TestSnapshotInto(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "artifactd.db")
	s, err := OpenExclusive(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx store.Tx) error {
		return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: "d"})
	}); err != nil {
		t.Fatal(err)
	}
	count := func(p string) int {
		t.Helper()
		db, err := OpenReadOnly(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var n int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM domains").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	live := filepath.Join(dir, "live.db")
	if err := SnapshotInto(ctx, path, live); err != nil {
		t.Fatalf("while open: %v", err)
	}
	if n := count(live); n != 1 {
		t.Errorf("snapshot of the open database: %d domains, want 1", n)
	}
	if err := SnapshotInto(ctx, path, live); err == nil {
		t.Errorf("snapshot onto an existing file: no error")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(dir, "it's closed.db")
	if err := SnapshotInto(ctx, path, closed); err != nil {
		t.Fatalf("while closed: %v", err)
	}
	if n := count(closed); n != 1 {
		t.Errorf("snapshot of the closed database: %d domains, want 1", n)
	}
	if _, err := OpenReadOnly(ctx, filepath.Join(dir, "missing.db")); err == nil {
		t.Errorf("OpenReadOnly of a missing file: no error")
	}
}

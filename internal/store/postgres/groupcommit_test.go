package postgres

import (
	"context"
	"testing"

	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

// TestConcurrentWrites: PostgreSQL keeps one transaction per Write (it has
// its own group commit); the promises under concurrency are the same.
func TestConcurrentWrites(t *testing.T) {
	adminDSN(t)
	storetest.RunConcurrentWrites(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), newDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

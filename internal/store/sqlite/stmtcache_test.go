package sqlite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// TestStatementCache: statements run in a transaction are compiled once
// it is over and kept, on both pools; later transactions, concurrent
// group-committed Writes among them, run on them and read and write what
// they should.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	s, _, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	if r, w := s.CachedStatements(); r != 0 || w != 0 {
		t.Fatalf("cached before any transaction: %d, %d", r, w)
	}
	create := func(name string) error {
		return s.Write(ctx, func(tx store.Tx) error {
			return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: name})
		})
	}
	get := func(name string) (domain.Domain, error) {
		var d domain.Domain
		err := s.Read(ctx, func(tx store.Tx) (err error) {
			d, err = tx.Domains().Get(ctx, "r", "o", name)
			return err
		})
		return d, err
	}
	if err := create("first"); err != nil {
		t.Fatal(err)
	}
	if _, err := get("first"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, w := s.CachedStatements()
		if r > 0 && w > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("statements never cached: read %d, write %d", r, w)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// Concurrent Writes (sharing transactions) and Reads on the cached
	// statements, and a conflict in the middle of a batch.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := create(fmt.Sprintf("d%d", i)); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			if d, err := get("first"); err != nil || d.Name != "first" {
				t.Errorf("get first = %+v, %v", d, err)
			}
		}()
	}
	wg.Wait()
	if err := create("d7"); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("creating d7 again: %v, want a conflict", err)
	}
	for i := range 40 {
		if d, err := get(fmt.Sprintf("d%d", i)); err != nil || d.Name != fmt.Sprintf("d%d", i) {
			t.Errorf("get d%d = %+v, %v", i, d, err)
		}
	}
	if _, err := get("missing"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("get missing: %v, want not found", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if r, w := s.CachedStatements(); r != 0 || w != 0 {
		t.Errorf("cached after Close: %d, %d", r, w)
	}
}

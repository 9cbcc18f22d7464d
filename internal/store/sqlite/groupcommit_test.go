package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/storetest"
)

func TestConcurrentWrites(t *testing.T) {
	for name, open := range map[string]func(context.Context, string) (store.Store, error){
		"shared": Open, "exclusive": OpenExclusive,
	} {
		t.Run(name, func(t *testing.T) {
			storetest.RunConcurrentWrites(t, func(t *testing.T) store.Store {
				s, err := open(context.Background(), filepath.Join(t.TempDir(), "meta.db"))
				if err != nil {
					t.Fatal(err)
				}
				return s
			})
		})
	}
}

// TestGroupCommit: Writes queued behind one under way share transactions
// (fewer commits than Writes, at most maxBatch each), and all land.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, _, _ := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	const n = 100
	inside, release := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := s.Write(ctx, func(tx store.Tx) error { close(inside); <-release; return nil }); err != nil {
			t.Error(err)
		}
	}()
	<-inside
	before := s.Commits()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Write(ctx, func(tx store.Tx) error {
				return tx.Domains().Create(ctx, &domain.Domain{Region: "r", Owner: "o", Name: fmt.Sprintf("d%d", i)})
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	commits := s.Commits() - before
	// The held Write's commit, then the 100 queued in batches of <= 64.
	if commits < 3 || commits > 10 {
		t.Errorf("%d commits for 1+%d Writes, want 3 (the held one, then batches of at most 64)", commits, n)
	}
	var count int
	if err := s.Read(ctx, func(tx store.Tx) error {
		var err error
		count, err = tx.Domains().Count(ctx, "r", "o")
		return err
	}); err != nil || count != n {
		t.Errorf("%d domains (%v), want %d", count, err, n)
	}
}

package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlstore"
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

// BenchmarkConcurrentWrites: 8 goroutines each committing small Writes (a
// version row, as a publish records), with one transaction per Write and
// with group commit. Every commit is fsync'd (synchronous=FULL).
func BenchmarkConcurrentWrites(b *testing.B) {
	for _, group := range []bool{false, true} {
		name := "one-tx-per-write"
		if group {
			name = "group-commit"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			s, r, w, err := open(ctx, filepath.Join(b.TempDir(), "meta.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			d := Dialect()
			d.GroupCommit = group
			st := sqlstore.New(r, w, d)
			var pkgID int64
			if err := s.Write(ctx, func(tx store.Tx) error {
				dom := domain.Domain{Region: "r", Owner: "o", Name: "d"}
				if err := tx.Domains().Create(ctx, &dom); err != nil {
					return err
				}
				repo := domain.Repository{DomainID: dom.ID, Name: "r"}
				if err := tx.Repositories().Create(ctx, &repo); err != nil {
					return err
				}
				p := domain.Package{RepositoryID: repo.ID, Format: domain.FormatGeneric, Namespace: "n", Name: "p"}
				err := tx.Packages().Create(ctx, &p)
				pkgID = p.ID
				return err
			}); err != nil {
				b.Fatal(err)
			}
			var next atomic.Int64
			b.SetParallelism(4) // 8 goroutines on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					v := domain.PackageVersion{PackageID: pkgID, Version: fmt.Sprint(next.Add(1)),
						Status: domain.StatusPublished, OriginType: domain.OriginInternal, PublishedTime: time.Now()}
					if err := st.Write(ctx, func(tx store.Tx) error { return tx.Versions().Create(ctx, &v) }); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/float64(st.Commits()), "writes/commit")
		})
	}
}

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

func testRollback(f *fx) {
	t := f.tree()
	f.asset(t.v11.ID, "a", sha(1), 10)
	boom := errors.New("boom")
	err := f.writeErr(func(tx store.Tx) error {
		d := domain.Domain{Region: "us-east-1", Owner: "o", Name: "rolled-back"}
		if err := tx.Domains().Create(f.ctx, &d); err != nil {
			return err
		}
		if err := tx.Repositories().Delete(f.ctx, t.r1.ID); err != nil {
			return err
		}
		if err := tx.Tags().Put(f.ctx, "arn:x", []domain.Tag{{Key: "k", Value: "v"}}); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", boom)
	})
	if !errors.Is(err, boom) {
		f.Fatalf("Write = %v, want the function's error", err)
	}
	f.read(func(tx store.Tx) error {
		_, err := tx.Domains().Get(f.ctx, "us-east-1", "o", "rolled-back")
		f.wantErr("domain created in a rolled-back Write", err, domain.ErrNotFound)
		if _, err := tx.Repositories().GetByID(f.ctx, t.r1.ID); err != nil {
			f.Errorf("repository deleted in a rolled-back Write: %v", err)
		}
		tags, err := tx.Tags().List(f.ctx, "arn:x")
		if err != nil || len(tags) != 0 {
			f.Errorf("tags put in a rolled-back Write: %v, %v", tags, err)
		}
		return nil
	})
	f.count("assets", func(tx store.Tx) (int, error) { return tx.Assets().Count(f.ctx, t.v11.ID) }, 1)
	f.wantOrphans("after a rolled-back delete")
}

func testRollbackOnPanic(f *fx) {
	func() {
		defer func() {
			if recover() == nil {
				f.Error("the panic did not propagate")
			}
		}()
		f.s.Write(f.ctx, func(tx store.Tx) error {
			d := domain.Domain{Region: "r", Owner: "o", Name: "panicked"}
			if err := tx.Domains().Create(f.ctx, &d); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	// The store is still usable, and the panicking Write left nothing.
	f.domain("r", "o", "after")
	f.count("domains", func(tx store.Tx) (int, error) { return tx.Domains().Count(f.ctx, "r", "o") }, 1)
}

func testReadIsReadOnly(f *fx) {
	err := f.readErr(func(tx store.Tx) error {
		return tx.Domains().Create(f.ctx, &domain.Domain{Region: "r", Owner: "o", Name: "x"})
	})
	if err == nil {
		f.Error("Create in a Read succeeded")
	}
	f.count("domains", func(tx store.Tx) (int, error) { return tx.Domains().Count(f.ctx, "r", "o") }, 0)
}

// testConcurrentWriters runs many small Writes at once: none may fail (no
// SQLITE_BUSY, no lost update), and of racing creates of the same key
// exactly one wins.
func testConcurrentWriters(f *fx) {
	const workers, each = 8, 50
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatNpm, "", "p")
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := f.s.Write(f.ctx, func(tx store.Tx) error {
					v := newVersion(p.ID, fmt.Sprintf("%d.%d.0", w, i))
					if err := tx.Versions().Create(f.ctx, &v); err != nil {
						return err
					}
					return tx.Assets().Add(f.ctx, v.ID, newAsset("a", sha(w*1000+i), 1))
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		f.Errorf("concurrent Write: %v", err)
	}
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, p.ID) }, workers*each)
	all := listAll(f, 1000, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
		return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, pg)
	})
	if len(all) != workers*each {
		f.Errorf("listed %d versions, want %d", len(all), workers*each)
	}

	var wins, conflicts atomic.Int32
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.s.Write(f.ctx, func(tx store.Tx) error {
				return tx.Domains().Create(f.ctx, &domain.Domain{Region: "us-east-1", Owner: "o", Name: "race"})
			})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, domain.ErrConflict):
				conflicts.Add(1)
			default:
				f.Errorf("racing Create: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 || conflicts.Load() != workers-1 {
		f.Errorf("racing creates: %d won, %d conflicted; want 1 and %d", wins.Load(), conflicts.Load(), workers-1)
	}
}

// testConcurrentReadsDuringWrites reads while a writer commits: reads never
// fail, see a consistent snapshot within one transaction, and never go
// back in time.
func testConcurrentReadsDuringWrites(f *fx) {
	const writes, readers = 150, 4
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatNpm, "", "p")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(done)
		for i := range writes {
			err := f.s.Write(f.ctx, func(tx store.Tx) error {
				v := newVersion(p.ID, fmt.Sprintf("%04d", i))
				if err := tx.Versions().Create(f.ctx, &v); err != nil {
					return err
				}
				return tx.Assets().Add(f.ctx, v.ID, newAsset("a", sha(i), 1))
			})
			if err != nil {
				f.Errorf("Write: %v", err)
				return
			}
		}
	}()
	var reads atomic.Int64
	for range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				err := f.s.Read(f.ctx, func(tx store.Tx) error {
					n, err := tx.Versions().Count(f.ctx, p.ID)
					if err != nil {
						return err
					}
					if n < last {
						return fmt.Errorf("count went back from %d to %d", last, n)
					}
					last = n
					time.Sleep(time.Millisecond) // let the writer commit meanwhile
					vs, _, err := tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, store.Page{Limit: writes + 1})
					if err != nil {
						return err
					}
					if len(vs) != n {
						return fmt.Errorf("one transaction saw %d versions, then %d", n, len(vs))
					}
					reads.Add(1)
					return nil
				})
				if err != nil {
					f.Errorf("Read: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if reads.Load() == 0 {
		f.Error("no read completed")
	}
	f.count("versions", func(tx store.Tx) (int, error) { return tx.Versions().Count(f.ctx, p.ID) }, writes)
}

// checkStable fails unless seen has no duplicates and holds every key of
// pre, in pre's order.
func (f *fx) checkStable(what string, seen, pre []string) {
	f.Helper()
	set := map[string]bool{}
	for _, k := range seen {
		if set[k] {
			f.Errorf("%s: %q listed twice in %q", what, k, seen)
		}
		set[k] = true
	}
	var got []string
	for _, k := range seen {
		if slices.Contains(pre, k) {
			got = append(got, k)
		}
	}
	if !slices.Equal(got, pre) {
		f.Errorf("%s: pre-existing rows listed as %q, want %q", what, got, pre)
	}
}

// paginate lists page by page, each page in its own Read, calling between
// pages after every page.
func paginate[T any](f *fx, limit int, list func(tx store.Tx, p store.Page) ([]T, string, error),
	key func(T) string, between func(page int)) []string {
	f.Helper()
	var seen []string
	after := ""
	for page := 0; ; page++ {
		var items []T
		var next string
		f.read(func(tx store.Tx) error {
			var err error
			items, next, err = list(tx, store.Page{After: after, Limit: limit})
			return err
		})
		for _, it := range items {
			seen = append(seen, key(it))
		}
		if next == "" {
			return seen
		}
		after = next
		between(page)
	}
}

func versionKey(v domain.PackageVersion) string { return v.Version }

func testPaginationStable(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatNpm, "", "p")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var pre []string
	for i := 10; i <= 90; i += 10 {
		v := newVersion(p.ID, fmt.Sprintf("v%02d", i))
		v.PublishedTime = base.Add(time.Duration(i) * time.Hour)
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &v) })
		pre = append(pre, v.Version)
	}
	insert := func(names ...string) {
		for _, n := range names {
			var h int
			fmt.Sscanf(n, "v%d", &h)
			v := newVersion(p.ID, n)
			v.PublishedTime = base.Add(time.Duration(h) * time.Hour)
			f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &v) })
		}
	}
	// By version: after the first page (v10 v20 v30) insert before and
	// after the cursor; later rows may or may not appear, none twice.
	seen := paginate(f, 3, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
		return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, pg)
	}, versionKey, func(page int) {
		if page == 0 {
			insert("v05", "v25", "v35", "v95")
		}
	})
	f.checkStable("by version", seen, pre)
	if !slices.Contains(seen, "v35") || slices.Contains(seen, "v05") || slices.Contains(seen, "v25") {
		f.Errorf("by version: %q; want v35 (after the cursor), not v05 or v25 (before it)", seen)
	}

	// By publish time, newest first: the first page is v95 v90 v80.
	pre = []string{"v95", "v90", "v80", "v70", "v60", "v50", "v40", "v35", "v30", "v25", "v20", "v10", "v05"}
	seen = paginate(f, 3, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
		return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID, Sort: store.SortByPublishedTime}, pg)
	}, versionKey, func(page int) {
		if page == 0 {
			insert("v99", "v85", "v75", "v01")
		}
	})
	f.checkStable("by time", seen, pre)
	if !slices.Contains(seen, "v75") || slices.Contains(seen, "v99") || slices.Contains(seen, "v85") {
		f.Errorf("by time: %q; want v75 (after the cursor), not v99 or v85 (before it)", seen)
	}

	// Repositories, whose cursor spans the domain and repository names.
	d2 := f.domain("us-east-1", "o", "e")
	for _, n := range []string{"b", "d", "f"} {
		f.repo(d.ID, n)
		f.repo(d2.ID, n)
	}
	pre = []string{"d/b", "d/d", "d/f", "d/r", "e/b", "e/d", "e/f"}
	seen = paginate(f, 2, func(tx store.Tx, pg store.Page) ([]store.RepositoryListing, string, error) {
		return tx.Repositories().List(f.ctx, store.RepositoryFilter{Region: "us-east-1"}, pg)
	}, func(l store.RepositoryListing) string { return l.DomainName + "/" + l.Repository.Name }, func(page int) {
		if page == 0 { // cursor at d/d
			f.repo(d.ID, "a")
			f.repo(d.ID, "e")
			f.repo(d2.ID, "a")
		}
	})
	f.checkStable("repositories", seen, pre)
	if !slices.Contains(seen, "d/e") || !slices.Contains(seen, "e/a") || slices.Contains(seen, "d/a") {
		f.Errorf("repositories: %q", seen)
	}
}

// testPaginationConcurrentInserts pages through versions while another
// goroutine keeps inserting before and after the cursor.
func testPaginationConcurrentInserts(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "r")
	p := f.pkg(r.ID, domain.FormatNpm, "", "p")
	var pre []string
	f.write(func(tx store.Tx) error {
		for i := range 100 {
			v := newVersion(p.ID, fmt.Sprintf("m%03d", i))
			if err := tx.Versions().Create(f.ctx, &v); err != nil {
				return err
			}
			pre = append(pre, v.Version)
		}
		return nil
	})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 300 { // bounded, so that the listing ends
			select {
			case <-stop:
				return
			default:
			}
			err := f.s.Write(f.ctx, func(tx store.Tx) error {
				for _, n := range []string{fmt.Sprintf("a%04d", i), fmt.Sprintf("m%03d-%d", i%100, i), fmt.Sprintf("z%04d", i)} {
					v := newVersion(p.ID, n)
					if err := tx.Versions().Create(f.ctx, &v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				f.Errorf("Write: %v", err)
				return
			}
		}
	}()
	var seen []string
	func() {
		defer func() { close(stop); wg.Wait() }()
		seen = paginate(f, 7, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
			return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, pg)
		}, versionKey, func(int) { time.Sleep(time.Millisecond) })
	}()
	f.checkStable("concurrent inserts", seen, pre)
	if !slices.IsSorted(seen) {
		f.Errorf("listing out of order: %q", seen)
	}
}

package servicetest

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// CloneVersions gives the package ref n-1 more versions, copies of its
// version from (status and format document) named name(i) for i in
// [1, n), written to the store directly in one transaction, then runs
// rules as after a change of any version: a package of 20,000 versions
// for a benchmark in seconds rather than 20,000 publishes.
func (e Env) CloneVersions(tb testing.TB, ref service.PackageRef, from string, n int, name func(i int) string, rules service.FormatRules) {
	tb.Helper()
	ctx := context.Background()
	_, vs, err := e.Svc.PackageVersionsNamed(ctx, e.Repo.Caller, ref, []string{from})
	if err != nil || len(vs) != 1 {
		tb.Fatalf("version %s of %s: %v", from, ref.Package, err)
	}
	base := time.Now().Add(-time.Hour)
	err = e.Store.Write(ctx, func(tx store.Tx) error {
		for i := 1; i < n; i++ {
			v := vs[0]
			v.ID, v.Version, v.Revision = 0, name(i), fmt.Sprintf("clone%d", i)
			v.PublishedTime = base.Add(time.Duration(i) * time.Millisecond)
			if err := tx.Versions().Create(ctx, &v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	e.ChangeAny(tb, ref, rules)
}

// ChangeAny runs rules on the package ref as after a change that may have
// touched any of its versions.
func (e Env) ChangeAny(tb testing.TB, ref service.PackageRef, rules service.FormatRules) {
	tb.Helper()
	if _, err := e.Svc.UpdatePackage(context.Background(), e.Repo.Caller, ref, func(p *domain.Package, r service.VersionReader) error {
		return rules.PackageChanged(p, r, nil)
	}); err != nil {
		tb.Fatal(err)
	}
}

// Discard is a ResponseWriter that counts the body instead of keeping
// it, as a connection would send it: a benchmark measures the server's
// work, not a recorder's copy of a document of megabytes.
type Discard struct {
	h      http.Header
	Status int
	N      int
}

func (d *Discard) Header() http.Header {
	if d.h == nil {
		d.h = http.Header{}
	}
	return d.h
}

func (d *Discard) WriteHeader(s int) { d.Status = s }

func (d *Discard) Write(p []byte) (int, error) {
	if d.Status == 0 {
		d.Status = http.StatusOK
	}
	d.N += len(p)
	return len(p), nil
}

// ServeDiscard is Serve into a Discard.
func ServeDiscard(f dataplane.Format, repo dataplane.Repo, req *http.Request, path string) *Discard {
	d := &Discard{}
	repo.Path = path
	f.ServeRepo(d, req, repo)
	return d
}

// BenchIndex times read, the GET of a package's index that answers its
// size in bytes, in three sub-benchmarks named after n (the package's
// versions): with nothing changed since the last read (the cost of the
// index's bytes, the peer), right after publish(i) (untimed) and right
// after anyChange (untimed), a change that may have touched any version,
// which makes the index be built from every version.
func BenchIndex(b *testing.B, n int, read func() int, publish func(i int), anyChange func()) {
	size := read()
	published := 0 // publish never sees the same number twice
	b.Run(fmt.Sprintf("versions=%d/cached", n), func(b *testing.B) {
		for range b.N {
			read()
		}
		b.ReportMetric(float64(size), "index-bytes")
	})
	b.Run(fmt.Sprintf("versions=%d/after-publish", n), func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			publish(published)
			published++
			b.StartTimer()
			size = read()
		}
		b.ReportMetric(float64(size), "index-bytes")
	})
	b.Run(fmt.Sprintf("versions=%d/after-any-change", n), func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			anyChange()
			b.StartTimer()
			read()
		}
	})
}

package npm

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

// Benchmarks of issue #15's npm reads, on a real SQLite store: a package
// of n versions (a sixth not Published, all prepared),
// written through the store layer.
//
//	go test ./internal/format/npm/ -run '^$' -bench 'Packument|GetVersion' -benchtime 20x

var benchSizes = []int{50, 20000}

func benchRepo(b *testing.B, n int) (*storeRepo, pkgName) {
	b.Helper()
	sr := newStoreRepo(b)
	name := pkgName{Name: "big"}
	sr.publish(b, name, "100.0.0")
	sr.grow(b, name, 0, n-1, 0, map[string]string{"latest": "0.0.1"})
	return sr, name
}

// discard is a ResponseWriter that counts the body instead of keeping
// it, as a connection would send it: the benchmarks measure the server's
// work, not a recorder's copy of the document.
type discard struct {
	h      http.Header
	status int
	n      int
}

func (d *discard) Header() http.Header { return d.h }
func (d *discard) WriteHeader(s int)   { d.status = s }
func (d *discard) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.n += len(p)
	return len(p), nil
}

// getPackument asks for a packument as npm does (gzip accepted).
func getPackument(b *testing.B, sr *storeRepo, name pkgName, accept string) {
	w := &discard{h: http.Header{}}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", "gzip")
	repo := sr.repo
	repo.Path = name.String()
	sr.f.ServeRepo(w, req, repo)
	if w.status != http.StatusOK {
		b.Fatalf("GET %s: %d", name, w.status)
	}
	b.SetBytes(int64(w.n))
}

var benchAccepts = []struct{ name, accept string }{{"full", "application/json"}, {"abbreviated", abbreviatedType}}

// BenchmarkPackumentCached serves an unchanged packument.
func BenchmarkPackumentCached(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, a := range benchAccepts {
			b.Run(fmt.Sprintf("%s/versions=%d", a.name, n), func(b *testing.B) {
				getPackument(b, sr, name, a.accept)
				b.ResetTimer()
				for range b.N {
					getPackument(b, sr, name, a.accept)
				}
			})
		}
	}
}

// BenchmarkPackumentRebuild serves a packument after each change (a new
// stamp): read, render, gzip.
func BenchmarkPackumentRebuild(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, a := range benchAccepts {
			b.Run(fmt.Sprintf("%s/versions=%d", a.name, n), func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					sr.touch(b, name, nil)
					b.StartTimer()
					getPackument(b, sr, name, a.accept)
				}
			})
		}
	}
}

// BenchmarkGetVersion serves GET /<name>/<version> and /<name>/latest.
func BenchmarkGetVersion(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, spec := range []string{"0.0.2", "latest"} {
			b.Run(fmt.Sprintf("%s/versions=%d", spec, n), func(b *testing.B) {
				for range b.N {
					w := &discard{h: http.Header{}}
					repo := sr.repo
					repo.Path = name.String() + "/" + spec
					sr.f.ServeRepo(w, httptest.NewRequest(http.MethodGet, "/", nil), repo)
					if w.status != http.StatusOK {
						b.Fatalf("GET %s: %d", repo.Path, w.status)
					}
				}
			})
		}
	}
}

// BenchmarkPackumentRebuildOld is the rebuild as it was before prepared
// manifests, for comparison in the same conditions: every version loaded
// (PackageVersions), manifests stored plain, decoded and re-encoded.
func BenchmarkPackumentRebuildOld(b *testing.B) {
	for _, n := range benchSizes {
		sr := newStoreRepo(b)
		name := pkgName{Name: "big"}
		sr.publish(b, name, "100.0.0")
		sr.grow(b, name, 0, n-1, 1, map[string]string{"latest": "0.0.1"})
		ref := sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name)
		b.Run(fmt.Sprintf("full/versions=%d", n), func(b *testing.B) {
			for range b.N {
				pkg, all, err := sr.svc.PackageVersions(context.Background(), sr.repo.Caller, ref)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := newView(name, sr.repo.Endpoint, pkg, all).oldPackument(false, all)
				e := newCacheEntry(cacheKey{endpoint: sr.repo.Endpoint, name: name.String()}, pkg, body, true)
				b.SetBytes(int64(len(e.gz)))
			}
		})
	}
}

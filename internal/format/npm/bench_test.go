package npm

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/artifactd/artifactd/internal/servicetest"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
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

// getPackument asks for a packument as npm does (gzip accepted).
func getPackument(b *testing.B, sr *storeRepo, name pkgName, accept string) {
	getPackumentAs(b, sr, name, accept, true)
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

// BenchmarkPackumentRebuild serves a packument after each change of one
// version (its manifest rewritten, a new revision, a new stamp): heads
// read, the changed fragment fetched, sorted and spliced. warm is a
// server's steady state (the other fragments cached); cold is the first
// request after a start (a new Format: every fragment read). plain asks
// without gzip; gzip as npm asks, paying the compression the rebuild no
// longer makes for plain clients. cpu-ms/op is the process's CPU time
// per rebuild (GC included), the figure to read on a loaded machine.
//
//	go test ./internal/format/npm/ -run '^$' -bench 'PackumentRebuild$' -benchtime 20x
func BenchmarkPackumentRebuild(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		getPackument(b, sr, name, "application/json")
		changes := 0
		for _, a := range benchAccepts {
			for _, cache := range []string{"warm", "cold"} {
				for _, enc := range []string{"plain", "gzip"} {
					if a.name == "abbreviated" && enc == "gzip" {
						continue // the same work as full's
					}
					b.Run(fmt.Sprintf("%s/%s/%s/versions=%d", a.name, cache, enc, n), func(b *testing.B) {
						timeAfterChanges(b, func(int) {
							changes++
							sr.change(b, name, changes)
							if cache == "cold" {
								sr.f = New(sr.svc, sr.f.log, "")
							}
						}, func() { getPackumentAs(b, sr, name, a.accept, enc == "gzip") })
					})
				}
			}
		}
	}
}

// timeAfterChanges times read after each change (untimed), with the
// process's CPU time per read as cpu-ms/op.
func timeAfterChanges(b *testing.B, change func(i int), read func()) {
	var cpu time.Duration
	for i := range b.N {
		b.StopTimer()
		change(i)
		start := processCPU()
		b.StartTimer()
		read()
		b.StopTimer()
		cpu += processCPU() - start
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// change rewrites one Published version's manifest with a new revision
// (as a deprecation does) and renews the stamp.
func (sr *storeRepo) change(b *testing.B, name pkgName, i int) {
	b.Helper()
	ctx := context.Background()
	ref := sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	_, v, found, err := sr.svc.PackageVersion(ctx, sr.repo.Caller, ref, func(domain.Package) string { return "0.0.1" })
	if err != nil || !found {
		b.Fatalf("read 0.0.1: %v (found %v)", err, found)
	}
	v.Metadata = prepare(setDeprecated(manifestJSON(v.Metadata), fmt.Sprintf("change %d", i)), name, v.Version, v.Summary)
	v.Revision = fmt.Sprintf("changed-%d", i)
	if err := sr.st.Write(ctx, func(tx store.Tx) error { return tx.Versions().Update(ctx, v) }); err != nil {
		b.Fatal(err)
	}
	sr.touch(b, name, nil)
}

// setDeprecated sets a manifest's deprecated field.
func setDeprecated(manifest []byte, msg string) []byte {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(manifest, &m); err != nil {
		panic(err)
	}
	m["deprecated"] = mustJSON(msg)
	return mustJSON(m)
}

// getPackumentAs is getPackument with gzip accepted or not.
func getPackumentAs(b *testing.B, sr *storeRepo, name pkgName, accept string, gz bool) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept", accept)
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	// Into a writer that counts the bytes, as a connection would send
	// them: the benchmarks measure the server, not a recorder's copy.
	w := servicetest.ServeDiscard(sr.f, sr.repo, req, name.String())
	if w.Status != http.StatusOK || (gz && w.Header().Get("Content-Encoding") != "gzip") {
		b.Fatalf("GET %s: %d %q", name, w.Status, w.Header().Get("Content-Encoding"))
	}
	b.SetBytes(int64(w.N))
}

// BenchmarkGetVersion serves GET /<name>/<version> and /<name>/latest.
func BenchmarkGetVersion(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, spec := range []string{"0.0.2", "latest"} {
			b.Run(fmt.Sprintf("%s/versions=%d", spec, n), func(b *testing.B) {
				for range b.N {
					path := name.String() + "/" + spec
					if w := servicetest.ServeDiscard(sr.f, sr.repo, httptest.NewRequest(http.MethodGet, "/", nil), path); w.Status != http.StatusOK {
						b.Fatalf("GET %s: %d", path, w.Status)
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
				gz, _ := e.gz.bytes()
				b.SetBytes(int64(gz.size))
			}
		})
	}
}

// BenchmarkPackumentDistTag moves a dist-tag (as npm dist-tag add does),
// then GETs the document: rendered from the cached one, no version read.
func BenchmarkPackumentDistTag(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, a := range benchAccepts {
			for _, enc := range []string{"plain", "gzip"} {
				getPackumentAs(b, sr, name, a.accept, enc == "gzip")
				b.Run(fmt.Sprintf("%s/%s/versions=%d", a.name, enc, n), func(b *testing.B) {
					timeAfterChanges(b, func(i int) {
						target := "0.0.1"
						if i%2 == 1 {
							target = "0.0.2"
						}
						rec := sr.serve(http.MethodPut, "-/package/"+name.String()+"/dist-tags/bench", "", strings.NewReader(`"`+target+`"`))
						if rec.Code != http.StatusOK {
							b.Fatalf("dist-tag: %d %s", rec.Code, rec.Body)
						}
					}, func() { getPackumentAs(b, sr, name, a.accept, enc == "gzip") })
				})
			}
		}
	}
}

// BenchmarkPackumentPublish publishes a version under a dist-tag (as npm
// publish --tag does), then GETs the document: the published version is
// read, the others' fragments come from the cache.
func BenchmarkPackumentPublish(b *testing.B) {
	for _, n := range benchSizes {
		sr, name := benchRepo(b, n)
		for _, a := range benchAccepts {
			getPackumentAs(b, sr, name, a.accept, false)
			b.Run(fmt.Sprintf("%s/versions=%d", a.name, n), func(b *testing.B) {
				timeAfterChanges(b, func(i int) {
					v := fmt.Sprintf("900.%d.%d", len(a.name), i)
					sr.publishTagged(b, name, v, map[string]string{"bench": v})
				}, func() { getPackumentAs(b, sr, name, a.accept, false) })
			})
		}
	}
}

package pypi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
	"github.com/artifactd/artifactd/internal/store"
)

// BenchmarkPageAfterChange times GET simple/{project}/ (JSON) at 50 and
// 20,000 versions: of an unchanged project (the cached page: the cost of
// its bytes), right after an upload (the cached page edited with the one
// version the upload touched) and right after a change that may have
// touched any version (the page built from every version).
//
//	go test ./internal/format/pypi -run '^$' -bench PageAfterChange -benchtime 20x
var pageBytes int

func BenchmarkPageAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		tr, ref := benchProject(b, n)
		get := func() {
			req := httptest.NewRequest(http.MethodGet, "/pypi/d/acme-000000000000/py/", nil)
			req.Header.Set("Accept", ContentTypeJSON)
			repo := tr.repo
			repo.Path = "simple/big/"
			w := &discard{h: http.Header{}}
			tr.f.ServeRepo(w, req, repo)
			pageBytes = w.n
			if w.status != http.StatusOK || w.n < 100*n {
				b.Fatalf("GET: %d, %d bytes", w.status, w.n)
			}
		}
		get()
		b.Run(fmt.Sprintf("versions=%d/cached", n), func(b *testing.B) {
			for range b.N {
				get()
			}
		})
		b.Run(fmt.Sprintf("versions=%d/after-upload", n), func(b *testing.B) {
			for i := range b.N {
				b.StopTimer()
				v := fmt.Sprintf("9.%d.%d", n, i)
				if rec := tr.upload(nil, "big", v, "big-"+v+"-py3-none-any.whl", testWheel(b, "big", v, v)); rec.Code != http.StatusOK {
					b.Fatalf("upload: %d %s", rec.Code, rec.Body)
				}
				b.StartTimer()
				get()
			}
			b.ReportMetric(float64(pageBytes), "page-bytes")
		})
		b.Run(fmt.Sprintf("versions=%d/after-any-change", n), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				if _, err := tr.svc.UpdatePackage(context.Background(), tr.repo.Caller, ref, func(p *domain.Package, _ service.VersionReader) error {
					return renewStamp(p, nil)
				}); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				get()
			}
		})
	}
}

// discard is a ResponseWriter that counts the body instead of keeping
// it, as a connection would send it: the benchmark measures the server's
// work, not a recorder's copy of the page.
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

// benchProject makes project "big" with n versions of one wheel each:
// the first uploaded, the others written to the store directly.
func benchProject(b *testing.B, n int) (*testRepo, service.PackageRef) {
	b.Helper()
	env := servicetest.New(b, domain.FormatPypi, "py", map[domain.Format]service.FormatRules{domain.FormatPypi: Rules{}})
	tr := &testRepo{f: New(env.Svc, env.Log, b.TempDir()), svc: env.Svc, repo: env.Repo}
	if rec := tr.upload(nil, "big", "0.0", "big-0.0-py3-none-any.whl", testWheel(b, "big", "0.0", "0")); rec.Code != http.StatusOK {
		b.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	ctx := context.Background()
	ref := env.Repo.Ref(domain.FormatPypi, "", "big")
	pkg, first, err := env.Svc.PackageVersions(ctx, env.Repo.Caller, ref)
	if err != nil {
		b.Fatal(err)
	}
	doc := decodeDoc(first[0].Metadata)
	fd := doc.Files["big-0.0-py3-none-any.whl"]
	base := time.Now().Add(-time.Hour)
	err = env.Store.Write(ctx, func(tx store.Tx) error {
		for i := 1; i < n; i++ {
			v := fmt.Sprintf("1.%d", i)
			d := versionDoc{Files: map[string]fileDoc{"big-" + v + "-py3-none-any.whl": fd}}
			pv := domain.PackageVersion{PackageID: pkg.ID, Version: v, Status: domain.StatusPublished, OriginType: domain.OriginInternal,
				PublishedTime: base.Add(time.Duration(i) * time.Millisecond), Metadata: d.encode(), Revision: fmt.Sprintf("r%d", i)}
			if err := tx.Versions().Create(ctx, &pv); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.Svc.UpdatePackage(ctx, env.Repo.Caller, ref, func(p *domain.Package, _ service.VersionReader) error {
		return renewStamp(p, nil)
	}); err != nil {
		b.Fatal(err)
	}
	return tr, ref
}

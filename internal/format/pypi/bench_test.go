package pypi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// BenchmarkPageAfterChange times GET simple/{project}/ (JSON) of a project
// of 50 and of 20,000 versions: unchanged (the cached page: the cost of
// its bytes), right after an upload (the cached page edited with the one
// version the upload touched) and right after a change that may have
// touched any version (the page built from every version).
//
//	go test ./internal/format/pypi -run '^$' -bench PageAfterChange -benchtime 40x -count 3
func BenchmarkPageAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		env := servicetest.New(b, domain.FormatPypi, "py", map[domain.Format]service.FormatRules{domain.FormatPypi: Rules{}})
		tr := &testRepo{f: New(env.Svc, env.Log, b.TempDir()), svc: env.Svc, repo: env.Repo}
		upload := func(v string) {
			if rec := tr.upload(nil, "big", v, "big-"+v+"-py3-none-any.whl", testWheel(b, "big", v, v)); rec.Code != http.StatusOK {
				b.Fatalf("upload: %d %s", rec.Code, rec.Body)
			}
		}
		upload("0.0")
		ref := env.Repo.Ref(domain.FormatPypi, "", "big")
		env.CloneVersions(b, ref, "0.0", n, func(i int) string { return fmt.Sprintf("1.%d", i) }, Rules{})
		read := func() int {
			req := httptest.NewRequest(http.MethodGet, "/pypi/d/acme-000000000000/py/", nil)
			req.Header.Set("Accept", ContentTypeJSON)
			d := servicetest.ServeDiscard(tr.f, tr.repo, req, "simple/big/")
			if d.Status != http.StatusOK || d.N < 100*n {
				b.Fatalf("GET: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		b.Cleanup(func() {
			b.Logf("n=%d: %d pages rendered, %d of them edited", n, tr.f.rendered.Load(), tr.f.edited.Load())
		})
		servicetest.BenchIndex(b, n, read, func(i int) { upload(fmt.Sprintf("9.%d", i)) }, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

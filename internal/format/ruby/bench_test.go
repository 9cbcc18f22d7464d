package ruby

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// BenchmarkVersionsFile serves the compact index's versions file, warm,
// from repositories of 10 and 2,000 gems: checking that the cached file
// is current reads the repository's listing stamp (one row), so both cost
// the same apart from the bytes.
//
//	go test ./internal/format/ruby -run XXX -bench VersionsFile
func BenchmarkVersionsFile(b *testing.B) {
	for _, n := range []int{10, 2000} {
		b.Run(fmt.Sprintf("gems=%d", n), func(b *testing.B) {
			tr := newBenchRepo(b)
			for i := range n {
				if rec := tr.do(http.MethodPost, "api/v1/gems", testGem(fmt.Sprintf("gem%05d", i), "1.0.0")); rec.Code != http.StatusOK {
					b.Fatalf("push: %d %s", rec.Code, rec.Body)
				}
			}
			if rec := tr.do(http.MethodGet, "versions", nil); rec.Code != http.StatusOK {
				b.Fatalf("versions: %d", rec.Code)
			}
			b.ResetTimer()
			for range b.N {
				rec := tr.do(http.MethodGet, "versions", nil)
				if rec.Code != http.StatusOK {
					b.Fatalf("versions: %d", rec.Code)
				}
			}
		})
	}
}

func newBenchRepo(b *testing.B) *testRepo {
	env := servicetest.New(b, domain.FormatRuby, "gems", map[domain.Format]service.FormatRules{domain.FormatRuby: Rules{}})
	return &testRepo{f: New(env.Svc, env.Log, b.TempDir()), svc: env.Svc, repo: env.Repo}
}

// BenchmarkInfoAfterChange times GET info/{gem} at 50 and 20,000
// versions: unchanged, right after a push (the gem's cached index edited)
// and right after a change of any version (rebuilt).
//
//	go test ./internal/format/ruby -run '^$' -bench InfoAfterChange -benchtime 40x -count 3
func BenchmarkInfoAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		env := servicetest.New(b, domain.FormatRuby, "gems", map[domain.Format]service.FormatRules{domain.FormatRuby: Rules{}})
		tr := &testRepo{f: New(env.Svc, env.Log, b.TempDir()), svc: env.Svc, repo: env.Repo}
		tr.push(b, "big", "0.0.0")
		ref := tr.repo.Ref(domain.FormatRuby, "", "big")
		env.CloneVersions(b, ref, "0.0.0", n, func(i int) string { return fmt.Sprintf("1.0.%d", i) }, Rules{})
		read := func() int {
			d := servicetest.ServeDiscard(tr.f, tr.repo, httptest.NewRequest(http.MethodGet, "/ruby/x/info/big", nil), "info/big")
			if d.Status != http.StatusOK || d.N < 30*n {
				b.Fatalf("info: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		servicetest.BenchIndex(b, n, read, func(i int) { tr.push(b, "big", fmt.Sprintf("9.0.%d", i)) }, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

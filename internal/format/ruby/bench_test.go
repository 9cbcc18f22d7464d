package ruby

import (
	"fmt"
	"net/http"
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

package cargo

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// BenchmarkIndexFileAfterChange times GET of a crate's index file at 50
// and 20,000 versions: unchanged, right after a publish (the cached file
// edited) and right after a change of any version (rebuilt).
//
//	go test ./internal/format/cargo -run '^$' -bench IndexFileAfterChange -benchtime 40x -count 3
func BenchmarkIndexFileAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		env := servicetest.New(b, domain.FormatCargo, "crates", map[domain.Format]service.FormatRules{domain.FormatCargo: Rules{}})
		f := New(env.Svc, env.Log, b.TempDir())
		publish := func(v string) {
			crate := tarGz([2]string{"big-" + v + "/Cargo.toml", ""})
			req := httptest.NewRequest(http.MethodPut, "/cargo/x/", bytes.NewReader(frame(`{"name":"big","vers":"`+v+`","deps":[],"features":{}}`, crate)))
			if d := servicetest.ServeDiscard(f, env.Repo, req, "api/v1/crates/new"); d.Status != http.StatusOK {
				b.Fatalf("publish %s: %d", v, d.Status)
			}
		}
		publish("0.0.0")
		ref := env.Repo.Ref(domain.FormatCargo, "", "big")
		env.CloneVersions(b, ref, "0.0.0", n, func(i int) string { return fmt.Sprintf("1.0.%d", i) }, Rules{})
		read := func() int {
			d := servicetest.ServeDiscard(f, env.Repo, httptest.NewRequest(http.MethodGet, "/cargo/x/", nil), "3/b/big")
			if d.Status != http.StatusOK || d.N < 50*n {
				b.Fatalf("index file: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		servicetest.BenchIndex(b, n, read, func(i int) { publish(fmt.Sprintf("9.0.%d", i)) }, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

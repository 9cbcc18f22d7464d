// Package servicetest gives a format's tests a Service on real storage:
// SQLite and a file blob store in a temporary folder, with a domain and a
// repository, as the server would have them.
package servicetest

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// Account is the account the test caller acts in.
const Account = "000000000000"

// Env is a Service with one domain and repository, and the data-plane
// view of that repository for a format.
type Env struct {
	Svc   *service.Service
	Store store.Store
	Log   *slog.Logger
	// Repo addresses the repository as the data plane hands it to a
	// format (Path left for the test to set).
	Repo dataplane.Repo
}

// New makes an Env with the rules given, domain "acme" and repository
// repo, whose endpoint is http://x/<format>/d/acme-<account>/<repo>/.
func New(tb testing.TB, format domain.Format, repo string, rules map[domain.Format]service.FormatRules) Env {
	tb.Helper()
	ctx := context.Background()
	dir := tb.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	blobs, err := blobfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(st, blobs, service.DefaultLimits(), log, rules)
	caller := service.Caller{Account: Account, Region: "us-east-1"}
	if _, err := svc.CreateDomain(ctx, caller, "acme", "", nil); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, caller, "acme", "", repo, "", nil, nil); err != nil {
		tb.Fatal(err)
	}
	return Env{Svc: svc, Store: st, Log: log, Repo: dataplane.Repo{
		Caller: caller, Domain: "acme", Owner: Account, Repository: repo,
		Endpoint: "http://x/" + string(format) + "/d/acme-" + Account + "/" + repo + "/",
	}}
}

// Serve runs one request through format f as the data plane would hand
// it over: repository repo, at path under its endpoint.
func Serve(f dataplane.Format, repo dataplane.Repo, req *http.Request, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	repo.Path = path
	f.ServeRepo(rec, req, repo)
	return rec
}

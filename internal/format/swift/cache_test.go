package swift

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

type testRepo struct {
	f    *Format
	svc  *service.Service
	repo dataplane.Repo
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	env := servicetest.New(t, domain.FormatSwift, "sw", map[domain.Format]service.FormatRules{domain.FormatSwift: Rules{}})
	f := New(env.Svc, env.Log, t.TempDir())
	return &testRepo{f: f, svc: env.Svc, repo: env.Repo}
}

func (tr *testRepo) serve(req *http.Request, path string) *httptest.ResponseRecorder {
	return servicetest.Serve(tr.f, tr.repo, req, path)
}

func (tr *testRepo) get(path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/swift/x", nil)
	req.Header.Set("Accept", "application/vnd.swift.registry.v1+json")
	return tr.serve(req, path)
}

func (tr *testRepo) publish(t testing.TB, version string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("source-archive", "kit.zip")
	w.Write(buildZip(t, zipEntry{name: "Kit/Package.swift", body: "// swift-tools-version:5.9\n// " + version + "\n"}))
	mw.Close()
	req := httptest.NewRequest(http.MethodPut, "/swift/x", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if rec := tr.serve(req, "mona/Kit/"+version); rec.Code != http.StatusCreated {
		t.Fatalf("publish %s: %d %s", version, rec.Code, rec.Body)
	}
}

// poison replaces the body of every cached index, so a response carrying
// the marker proves it came from the cache.
func poison(tr *testRepo) {
	for _, k := range tr.f.indexes.lru.Keys() {
		if e, ok := tr.f.indexes.lru.Get(k); ok {
			e.doc = vindex.NewDoc([][]byte{[]byte("CACHED")})
		}
	}
}

// The list of releases is rendered once per package state: reads of an
// unchanged package come from the cache, and a publish or a status change
// through the control plane is seen by the very next read.
func TestIndexCache(t *testing.T) {
	tr := newTestRepo(t)
	list := func() string {
		t.Helper()
		rec := tr.get("mona/Kit")
		if rec.Code != http.StatusOK {
			t.Fatalf("list: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	tr.publish(t, "1.0.0")
	list()
	list()
	if n := tr.f.rendered.Load(); n != 1 {
		t.Errorf("rendered %d times for one package state", n)
	}
	poison(tr)
	if got := list(); got != "CACHED" {
		t.Fatalf("unchanged package: rendered again: %s", got)
	}
	// Release metadata reads the same index.
	if rec := tr.get("mona/Kit/1.0.0"); rec.Code != http.StatusOK || tr.f.rendered.Load() != 1 {
		t.Errorf("metadata: %d, rendered %d", rec.Code, tr.f.rendered.Load())
	}

	tr.publish(t, "1.1.0")
	if got := list(); !strings.Contains(got, `"1.1.0":{"url":`) {
		t.Fatalf("after a publish: %s", got)
	}
	poison(tr)
	ref := tr.repo.Ref(domain.FormatSwift, "mona", "kit")
	if _, err := tr.svc.UpdatePackageVersionsStatus(context.Background(), tr.repo.Caller, ref, service.BatchInput{Versions: []string{"1.1.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	// Many readers of the new state share one rendering.
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tr.get("mona/Kit")
		}()
	}
	wg.Wait()
	if got := list(); !strings.Contains(got, `"1.1.0":{"url":"http://x/swift/d/acme-`) || !strings.Contains(got, `"problem":{"status":410`) {
		t.Fatalf("after archiving 1.1.0: %s", got)
	}
	if n := tr.f.rendered.Load(); n != 3 {
		t.Errorf("rendered %d times for three package states", n)
	}
}

// TestIndexEditedMatchesBuilt: after each change, the list of releases
// and a release's metadata (with its Link header) served from an index
// edited with the versions the change touched are what a server with
// nothing cached answers.
func TestIndexEditedMatchesBuilt(t *testing.T) {
	tr := newTestRepo(t)
	ref := tr.repo.Ref(domain.FormatSwift, "mona", "kit")
	check := func(step string, wantEdited bool) {
		t.Helper()
		before := tr.f.edited.Load()
		cold := &testRepo{f: New(tr.svc, tr.f.log, t.TempDir()), svc: tr.svc, repo: tr.repo}
		for _, p := range []string{"mona/Kit", "mona/Kit/1.2.0"} {
			got, want := tr.get(p), cold.get(p)
			if got.Code != want.Code || got.Body.String() != want.Body.String() || got.Header().Get("Link") != want.Header().Get("Link") {
				t.Fatalf("%s: %s: %d %s %s\nwant %d %s %s", step, p, got.Code, got.Header().Get("Link"), got.Body,
					want.Code, want.Header().Get("Link"), want.Body)
			}
		}
		if edited := tr.f.edited.Load() > before; edited != wantEdited {
			t.Fatalf("%s: edited %v, want %v", step, edited, wantEdited)
		}
	}
	status := func(target domain.Status, versions ...string) {
		t.Helper()
		if _, err := tr.svc.UpdatePackageVersionsStatus(context.Background(), tr.repo.Caller, ref, service.BatchInput{Versions: versions}, target); err != nil {
			t.Fatal(err)
		}
	}
	tr.publish(t, "1.2.0")
	tr.publish(t, "1.10.0")
	check("first read", false)
	tr.publish(t, "1.3.0-beta.1")
	check("publish", true)
	tr.publish(t, "0.1.0")
	tr.publish(t, "2.0.0")
	check("two publishes", true)
	status(domain.StatusUnlisted, "2.0.0", "0.1.0")
	check("two versions unlisted", true)
	status(domain.StatusArchived, "1.10.0")
	check("archived", true)
	status(domain.StatusPublished, "2.0.0")
	check("published again", true)
	if _, err := tr.svc.DeletePackageVersions(context.Background(), tr.repo.Caller, ref, []string{"2.0.0"}, ""); err != nil {
		t.Fatal(err)
	}
	check("deleted", true)
}

// BenchmarkReleaseListAfterChange times GET of a package's list of
// releases at 50 and 20,000 versions: unchanged, right after a publish
// (the cached index edited) and right after a change of any version
// (rebuilt).
//
//	go test ./internal/format/swift -run '^$' -bench ReleaseListAfterChange -benchtime 40x -count 3
func BenchmarkReleaseListAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		env := servicetest.New(b, domain.FormatSwift, "sw", map[domain.Format]service.FormatRules{domain.FormatSwift: Rules{}})
		tr := &testRepo{f: New(env.Svc, env.Log, b.TempDir()), svc: env.Svc, repo: env.Repo}
		tr.publish(b, "0.0.0")
		ref := env.Repo.Ref(domain.FormatSwift, "mona", "kit")
		env.CloneVersions(b, ref, "0.0.0", n, func(i int) string { return fmt.Sprintf("1.0.%d", i) }, Rules{})
		read := func() int {
			req := httptest.NewRequest(http.MethodGet, "/swift/x", nil)
			req.Header.Set("Accept", "application/vnd.swift.registry.v1+json")
			d := servicetest.ServeDiscard(tr.f, tr.repo, req, "mona/Kit")
			if d.Status != http.StatusOK || d.N < 50*n {
				b.Fatalf("release list: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		servicetest.BenchIndex(b, n, read, func(i int) { tr.publish(b, fmt.Sprintf("9.0.%d", i)) }, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

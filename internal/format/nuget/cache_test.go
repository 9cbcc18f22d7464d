package nuget

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

type testRepo struct {
	f   *Format
	env servicetest.Env
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	env := servicetest.New(t, domain.FormatNuget, "nu", map[domain.Format]service.FormatRules{domain.FormatNuget: Rules{}})
	f := New(env.Svc, env.Log, t.TempDir())
	return &testRepo{f: f, env: env}
}

func (tr *testRepo) do(method, path string, body *bytes.Buffer, ct string) *httptest.ResponseRecorder {
	if body == nil {
		body = &bytes.Buffer{}
	}
	req := httptest.NewRequest(method, "/nuget/d/acme-000000000000/nu/"+path, body)
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	return servicetest.Serve(tr.f, tr.env.Repo, req, path)
}

func testNupkg(t testing.TB, id, version string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create(id + ".nuspec")
	w.Write([]byte(`<package><metadata><id>` + id + `</id><version>` + version + `</version><authors>a</authors><description>d</description></metadata></package>`))
	zw.Close()
	return buf.Bytes()
}

func (tr *testRepo) push(t testing.TB, id, version string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	pw, _ := mw.CreateFormFile("package", "package.nupkg")
	pw.Write(testNupkg(t, id, version))
	mw.Close()
	if rec := tr.do(http.MethodPut, "v3/package/", &body, mw.FormDataContentType()); rec.Code != http.StatusCreated {
		t.Fatalf("push %s %s: %d %s", id, version, rec.Code, rec.Body)
	}
}

func (tr *testRepo) versions(t *testing.T) []string {
	t.Helper()
	rec := tr.do(http.MethodGet, "v3/flatcontainer/demo/index.json", nil, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("versions: %d %s", rec.Code, rec.Body)
	}
	var v struct{ Versions []string }
	json.Unmarshal(rec.Body.Bytes(), &v)
	return v.Versions
}

// TestModelCache: the flat container and registration are derived from
// a model cached under the package's stamp: reads of an unchanged package
// build nothing, every change (push, control-plane status change) is seen
// by the next read.
func TestModelCache(t *testing.T) {
	tr := newTestRepo(t)
	tr.push(t, "Demo", "1.0.0")
	if got := tr.versions(t); !slices.Equal(got, []string{"1.0.0"}) {
		t.Fatalf("versions %v", got)
	}
	built := tr.f.built.Load()
	for _, p := range []string{"v3/flatcontainer/demo/index.json", "v3/registration/demo/index.json", "v3/registration-gz-semver2/demo/index.json"} {
		if rec := tr.do(http.MethodGet, p, nil, ""); rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, rec.Code)
		}
	}
	if n := tr.f.built.Load(); n != built {
		t.Errorf("reads of an unchanged package built %d models", n-built)
	}
	tr.push(t, "Demo", "1.1.0")
	if got := tr.versions(t); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
		t.Errorf("after a push: %v", got)
	}
	ref := tr.env.Repo.Ref(domain.FormatNuget, "", "demo")
	if _, err := tr.env.Svc.UpdatePackageVersionsStatus(context.Background(), tr.env.Repo.Caller, ref,
		service.BatchInput{Versions: []string{"1.0.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if got := tr.versions(t); !slices.Equal(got, []string{"1.1.0"}) {
		t.Errorf("after archiving 1.0.0: %v", got)
	}
	if n := tr.f.built.Load(); n != built+2 {
		t.Errorf("%d builds for two changes", n-built)
	}
}

// TestModelEditedMatchesBuilt: after each change, the resources served
// from a model edited with the versions the change touched are the ones
// a server with nothing cached answers.
func TestModelEditedMatchesBuilt(t *testing.T) {
	tr := newTestRepo(t)
	ref := tr.env.Repo.Ref(domain.FormatNuget, "", "demo")
	paths := []string{"v3/flatcontainer/demo/index.json", "v3/registration/demo/index.json", "v3/registration-semver2/demo/index.json",
		"v3/registration/demo/1.10.0.json"}
	check := func(step string, wantEdited bool) {
		t.Helper()
		before := tr.f.edited.Load()
		cold := &testRepo{f: New(tr.env.Svc, tr.env.Log, t.TempDir()), env: tr.env}
		for _, p := range paths {
			got, want := tr.do(http.MethodGet, p, nil, ""), cold.do(http.MethodGet, p, nil, "")
			if got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Fatalf("%s: %s: %d %s\nwant %d %s", step, p, got.Code, got.Body, want.Code, want.Body)
			}
		}
		if edited := tr.f.edited.Load() > before; edited != wantEdited {
			t.Fatalf("%s: edited %v, want %v", step, edited, wantEdited)
		}
	}
	status := func(target domain.Status, versions ...string) {
		t.Helper()
		if _, err := tr.env.Svc.UpdatePackageVersionsStatus(context.Background(), tr.env.Repo.Caller, ref, service.BatchInput{Versions: versions}, target); err != nil {
			t.Fatal(err)
		}
	}
	tr.push(t, "Demo", "1.10.0")
	tr.push(t, "Demo", "1.2.0")
	check("first read", false)
	tr.push(t, "Demo", "1.9.0-beta")
	check("push", true)
	tr.push(t, "Demo", "0.1.0")
	tr.push(t, "Demo", "2.0.0")
	check("two pushes", true)
	status(domain.StatusUnlisted, "1.10.0", "0.1.0")
	check("two versions unlisted", true)
	status(domain.StatusArchived, "1.2.0")
	check("archived", true)
	status(domain.StatusPublished, "1.2.0", "1.10.0")
	check("published again", true)
	if _, err := tr.env.Svc.DeletePackageVersions(context.Background(), tr.env.Repo.Caller, ref, []string{"2.0.0"}, ""); err != nil {
		t.Fatal(err)
	}
	check("deleted", true)
}

// bigPackage is a repository whose package "Big" has n versions: 0.0.0
// pushed, the others its copies written to the store.
func bigPackage(b *testing.B, n int) (*testRepo, service.PackageRef) {
	env := servicetest.New(b, domain.FormatNuget, "nu", map[domain.Format]service.FormatRules{domain.FormatNuget: Rules{}})
	tr := &testRepo{f: New(env.Svc, env.Log, b.TempDir()), env: env}
	tr.push(b, "Big", "0.0.0")
	ref := env.Repo.Ref(domain.FormatNuget, "", "big")
	env.CloneVersions(b, ref, "0.0.0", n, func(i int) string { return fmt.Sprintf("1.0.%d", i) }, Rules{})
	return tr, ref
}

// BenchmarkFlatContainerAfterChange times GET of a package's flat
// container version list at 50 and 20,000 versions: unchanged, right
// after a push (the cached model edited) and right after a change of any
// version (rebuilt).
//
//	go test ./internal/format/nuget -run '^$' -bench FlatContainerAfterChange -benchtime 40x -count 3
func BenchmarkFlatContainerAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		tr, ref := bigPackage(b, n)
		env := tr.env
		read := func() int {
			req := httptest.NewRequest(http.MethodGet, "/nuget/d/acme-000000000000/nu/v3/flatcontainer/big/index.json", nil)
			d := servicetest.ServeDiscard(tr.f, env.Repo, req, "v3/flatcontainer/big/index.json")
			if d.Status != http.StatusOK || d.N < 8*n {
				b.Fatalf("flat container: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		servicetest.BenchIndex(b, n, read, func(i int) { tr.push(b, "Big", fmt.Sprintf("9.0.%d", i)) }, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

// BenchmarkRegistrationReads times the registration index (plain and
// gzipped semver2 hives) and a leaf of a package of 50 and 20,000
// versions, unchanged: each hive's view of the model is made at its first
// request, so a read costs its answer.
//
//	go test ./internal/format/nuget -run '^$' -bench RegistrationReads -benchtime 200x
func BenchmarkRegistrationReads(b *testing.B) {
	for _, n := range []int{50, 20000} {
		tr, _ := bigPackage(b, n)
		env := tr.env
		for _, p := range []string{"v3/registration/big/index.json", "v3/registration-gz-semver2/big/index.json", "v3/registration/big/1.0.7.json"} {
			b.Run(fmt.Sprintf("n=%d/%s", n, p), func(b *testing.B) {
				for range b.N {
					req := httptest.NewRequest(http.MethodGet, "/nuget/d/acme-000000000000/nu/"+p, nil)
					d := servicetest.ServeDiscard(tr.f, env.Repo, req, p)
					if d.Status != http.StatusOK || d.N == 0 {
						b.Fatalf("%s: %d, %d bytes", p, d.Status, d.N)
					}
				}
			})
		}
	}
}

package ruby

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

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
	env := servicetest.New(t, domain.FormatRuby, "gems", map[domain.Format]service.FormatRules{domain.FormatRuby: Rules{}})
	f := New(env.Svc, env.Log, t.TempDir())
	return &testRepo{f: f, svc: env.Svc, repo: env.Repo}
}

func (tr *testRepo) do(method, path string, body []byte) *httptest.ResponseRecorder {
	return servicetest.Serve(tr.f, tr.repo, httptest.NewRequest(method, "/ruby/d/acme-000000000000/gems/"+path, bytes.NewReader(body)), path)
}

// testGem builds a .gem by hand: metadata.gz holding a gemspec, and an
// empty data.tar.gz.
func testGem(name, version string) []byte {
	spec := strings.NewReplacer("name: demo", "name: "+name, "version: 1.0.0", "version: "+version).Replace(seedSpec)
	return tarOf([2]string{"metadata.gz", string(gzipped(spec))}, [2]string{"data.tar.gz", string(gzipped(""))})
}

func (tr *testRepo) push(t testing.TB, name, version string) {
	t.Helper()
	if rec := tr.do(http.MethodPost, "api/v1/gems", testGem(name, version)); rec.Code != http.StatusOK {
		t.Fatalf("push %s %s: %d %s", name, version, rec.Code, rec.Body)
	}
}

func (tr *testRepo) get(t *testing.T, path string) string {
	t.Helper()
	rec := tr.do(http.MethodGet, path, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// poison marks every cached file, so that an answer carrying the marker
// proves it came from the cache.
func (tr *testRepo) poison() {
	rf, err := tr.f.repos.Get(context.Background(), tr.repo, func(context.Context) (*repoFiles, int64, error) {
		return nil, 0, errors.New("no repository files cached")
	})
	if err == nil {
		rf.files["versions"] = []byte("CACHED")
	}
	for _, k := range tr.f.pkgs.Keys() {
		if p, ok := tr.f.pkgs.Get(k); ok {
			p.info = vindex.NewDoc([][]byte{[]byte("CACHED " + p.name)})
		}
	}
}

// TestIndexCaches: reads come from the caches while nothing changes; a
// push rebuilds the repository's files re-reading only the gem it
// changed; a control-plane status change shows at once.
func TestIndexCaches(t *testing.T) {
	tr := newTestRepo(t)
	tr.push(t, "alpha", "1.0.0")
	tr.push(t, "beta", "1.0.0")
	if v := tr.get(t, "versions"); !strings.Contains(v, "\nalpha 1.0.0 ") || !strings.Contains(v, "\nbeta 1.0.0 ") {
		t.Fatalf("versions:\n%s", v)
	}
	tr.poison()
	if v := tr.get(t, "versions"); v != "CACHED" {
		t.Errorf("versions not served from the cache: %q", v)
	}
	if i := tr.get(t, "info/beta"); i != "CACHED beta" {
		t.Errorf("info/beta not served from the cache: %q", i)
	}

	tr.push(t, "alpha", "1.1.0")
	v := tr.get(t, "versions")
	if !strings.Contains(v, "\nalpha 1.0.0,1.1.0 ") {
		t.Errorf("versions after a push:\n%s", v)
	}
	if tr.get(t, "info/beta") != "CACHED beta" {
		t.Errorf("beta's index was rebuilt though beta did not change")
	}
	if i := tr.get(t, "info/alpha"); !strings.Contains(i, "1.1.0 dep:~> 1.0|checksum:") {
		t.Errorf("info/alpha:\n%s", i)
	}

	ref := tr.repo.Ref(domain.FormatRuby, "", "alpha")
	if _, err := tr.svc.UpdatePackageVersionsStatus(context.Background(), tr.repo.Caller, ref, service.BatchInput{Versions: []string{"1.1.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if v := tr.get(t, "versions"); !strings.Contains(v, "\nalpha 1.0.0 ") || strings.Contains(v, "1.1.0") {
		t.Errorf("versions after archiving alpha 1.1.0:\n%s", v)
	}
	if rec := tr.do(http.MethodGet, "gems/alpha-1.1.0.gem", nil); rec.Code != http.StatusNotFound {
		t.Errorf("archived gem download: %d", rec.Code)
	}

	// Deleting a gem through the control plane retires the files too.
	tr.poison()
	if _, err := tr.svc.DeletePackage(context.Background(), tr.repo.Caller, tr.repo.Ref(domain.FormatRuby, "", "beta")); err != nil {
		t.Fatal(err)
	}
	if v := tr.get(t, "versions"); !strings.Contains(v, "\nalpha 1.0.0 ") || strings.Contains(v, "beta") {
		t.Errorf("versions after deleting beta:\n%s", v)
	}
}

// TestSpecsFiles checks which versions each legacy specs file lists.
func TestSpecsFiles(t *testing.T) {
	mk := func(v, plat string) entry { return entry{version: v, platform: plat} }
	p := &pkgIndex{name: "demo", entriesV: []entry{mk("0.9", "ruby"), mk("1.0", "java"), mk("1.0", "ruby"), mk("2.0.rc1", "ruby")}}
	rf, err := buildRepoFiles([]*pkgIndex{p}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"specs.4.8":            "demo 0.9 ruby|demo 1.0 java|demo 1.0 ruby",
		"latest_specs.4.8":     "demo 1.0 java|demo 1.0 ruby",
		"prerelease_specs.4.8": "demo 2.0.rc1 ruby",
	} {
		got := rubyLoad(t, rf.files[name], `puts v.map { |n, ver, pl| [n, ver.to_s, pl].join(" ") }.join("|")`)
		if got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if !strings.HasSuffix(string(rf.files["versions"]), "---\ndemo 0.9,1.0-java,1.0,2.0.rc1 "+p.infoMD5()+"\n") {
		t.Errorf("versions:\n%s", rf.files["versions"])
	}
}

// TestVersionOrderMatchesRuby sorts versions by VersionSortKey and
// checks the order with the real Gem::Version.
func TestVersionOrderMatchesRuby(t *testing.T) {
	vs := []string{"1.0.0", "1.0", "1", "1.0.a", "1.0.0.pre1", "1.0.0.pre2", "1.0.0.pre10", "0.9.9", "1.0.1", "1.10", "1.2",
		"2.0.0.rc1", "2.0.0.beta", "2.0.0", "1.0.0.1", "10.0", "1.a", "1.0.b1"}
	sorted := append([]string(nil), vs...)
	sortVersions(sorted)
	var quoted []string
	for _, v := range sorted {
		quoted = append(quoted, fmt.Sprintf("%q", v))
	}
	got := rubyLoad(t, marshal(marr{}), `vs = [`+strings.Join(quoted, ",")+`].map { |s| Gem::Version.new(s) }
bad = vs.each_cons(2).reject { |a, b| (a <=> b) <= 0 }
print bad.map { |a, b| "#{a} > #{b}" }.join(", ")`)
	if got != "" {
		t.Errorf("order %v disagrees with Gem::Version: %s", sorted, got)
	}
}

// TestInfoEditedMatchesBuilt: after each change, a gem's info file and
// versions line come from its cached index edited with the versions the
// change touched, and are the ones built from every version.
func TestInfoEditedMatchesBuilt(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatRuby, "", "demo")
	check := func(step string, wantEdited bool) {
		t.Helper()
		before := tr.f.edited.Load()
		got := tr.get(t, "info/demo")
		pkg, versions, err := tr.svc.PackageVersions(ctx, tr.repo.Caller, ref)
		if err != nil {
			t.Fatal(err)
		}
		want := buildPkgIndex(pkg, versions)
		if got != string(want.info.Bytes()) {
			t.Fatalf("%s: info\n%s\nwant\n%s", step, got, want.info.Bytes())
		}
		if got != string(renderInfo(want.entries())) {
			t.Fatalf("%s: info\n%s\nrendered from the entries\n%s", step, got, renderInfo(want.entries()))
		}
		if edited := tr.f.edited.Load() > before; edited != wantEdited {
			t.Fatalf("%s: edited %v, want %v", step, edited, wantEdited)
		}
		if versions := tr.get(t, "versions"); !strings.Contains(versions, want.infoMD5()) {
			t.Fatalf("%s: versions misses the info checksum %s:\n%s", step, want.infoMD5(), versions)
		}
	}
	status := func(target domain.Status, versions ...string) {
		t.Helper()
		if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: versions}, target); err != nil {
			t.Fatal(err)
		}
	}
	tr.push(t, "demo", "1.0.0")
	tr.push(t, "demo", "1.10.0")
	check("first read", false)
	tr.push(t, "demo", "1.2.0")
	check("push", true)
	tr.push(t, "demo", "0.1.0")
	tr.push(t, "demo", "2.0.0.pre")
	check("two pushes", true)
	status(domain.StatusUnlisted, "1.2.0", "0.1.0")
	check("two versions unlisted", true)
	status(domain.StatusPublished, "0.1.0")
	check("published again", true)
	if _, err := tr.svc.DeletePackageVersions(ctx, tr.repo.Caller, ref, []string{"1.0.0"}, ""); err != nil {
		t.Fatal(err)
	}
	check("a version deleted", true)
}

// renderInfo writes the compact index's info file of entries in one go:
// after "---", one line per gem file (what the groups' lines must add up
// to).
func renderInfo(entries []entry) []byte {
	b := []byte("---\n")
	for _, e := range entries {
		b = appendInfoLine(b, e)
	}
	return b
}

package cargo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"

	"github.com/artifactd/artifactd/internal/semver"
)

func TestNames(t *testing.T) {
	for name, ok := range map[string]bool{"a": true, "Foo_Bar-9": true, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false,
		"": false, "9a": false, "_a": false, "-a": false, "a.b": false, "a b": false, "é": false} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
	if Normalize("Foo_Bar-baz") != "foo-bar-baz" {
		t.Errorf("Normalize: %q", Normalize("Foo_Bar-baz"))
	}
	for name, want := range map[string]string{"a": "1/a", "AB": "2/ab", "abc": "3/a/abc", "Serde_Json": "se/rd/serde_json"} {
		if got := IndexPath(name); got != want {
			t.Errorf("IndexPath(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSemverOrder(t *testing.T) {
	want := []string{"junk", "0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "10.0.0"}
	got := slices.Clone(want)
	slices.Reverse(got)
	sort.Slice(got, func(i, j int) bool { return bytes.Compare(semver.Key(got[i]), semver.Key(got[j])) < 0 })
	if !slices.Equal(got, want) {
		t.Errorf("order %v\nwant  %v", got, want)
	}
}

func TestEntryFeatures2(t *testing.T) {
	nc := NewCrate{Name: "x", Vers: "1.0.0", Features: map[string][]string{"a": {"b"}, "b": nil, "c": {"dep:d"}, "e": {"d?/f"}}}
	e := nc.Entry()
	if e.V != 2 || len(e.Features2) != 2 || len(e.Features) != 2 || e.Features["b"] == nil {
		t.Errorf("entry %+v", e)
	}
	if e2 := (NewCrate{Name: "x", Vers: "1.0.0", Features: map[string][]string{"a": {}}}).Entry(); e2.V != 0 || e2.Features2 != nil {
		t.Errorf("old-syntax entry %+v", e2)
	}
}

func TestRenderIndexStatuses(t *testing.T) {
	var vs []domain.PackageVersion
	for _, s := range []struct {
		v  string
		st domain.Status
	}{{"1.0.0", domain.StatusPublished}, {"1.1.0", domain.StatusUnlisted}, {"1.2.0", domain.StatusArchived},
		{"1.3.0", domain.StatusDisposed}, {"1.4.0", domain.StatusUnfinished}, {"0.1.0", domain.StatusPublished}} {
		vs = append(vs, domain.PackageVersion{Version: s.v, Status: s.st, Metadata: versionDoc{Entry: Entry{Name: "X", Vers: s.v, Cksum: "c"}}.encode()})
	}
	var got []string
	for _, line := range strings.Split(strings.TrimSpace(string(RenderIndex(vs))), "\n") {
		var e Entry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(err)
		}
		got = append(got, e.Vers+map[bool]string{true: " yanked", false: ""}[e.Yanked])
	}
	if want := []string{"0.1.0", "1.0.0", "1.1.0 yanked"}; !slices.Equal(got, want) {
		t.Errorf("lines %v, want %v", got, want)
	}
	if RenderIndex(vs[2:5]) != nil {
		t.Error("an index of versions none listed is not nil")
	}
}

func TestCheckCrate(t *testing.T) {
	good := tarGz([2]string{"foo-1.0.0/Cargo.toml", "[package]"}, [2]string{"foo-1.0.0/docs/README.md", "# readme"})
	readme, err := CheckCrate(bytes.NewReader(good), "foo", "1.0.0", "docs/README.md")
	if err != nil || readme != "# readme" {
		t.Fatalf("CheckCrate: %q %v", readme, err)
	}
	for name, b := range map[string][]byte{
		"dotdot":   tarGz([2]string{"foo-1.0.0/Cargo.toml", ""}, [2]string{"foo-1.0.0/a/../../x", ""}),
		"absolute": tarGz([2]string{"/foo-1.0.0/Cargo.toml", ""}),
		"other":    tarGz([2]string{"foo-1.0.1/Cargo.toml", ""}),
		"manifest": tarGz([2]string{"foo-1.0.0/src/lib.rs", ""}),
		"garbage":  []byte("garbage"),
	} {
		if _, err := CheckCrate(bytes.NewReader(b), "foo", "1.0.0", ""); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIndexCache: a second read of an index file is served from the cache
// (the package record only), and a publish or a status change through the
// control plane shows at once.
func TestIndexCache(t *testing.T) {
	env := servicetest.New(t, domain.FormatCargo, "crates", map[domain.Format]service.FormatRules{domain.FormatCargo: Rules{}})
	f := New(env.Svc, env.Log, t.TempDir())
	do := func(method, path string, body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		repo := env.Repo
		repo.Path = path
		f.ServeRepo(rec, httptest.NewRequest(method, "/cargo/x/", bytes.NewReader(body)), repo)
		return rec
	}
	publish := func(v string) {
		t.Helper()
		crate := tarGz([2]string{"foo-" + v + "/Cargo.toml", ""})
		if rec := do(http.MethodPut, "api/v1/crates/new", frame(`{"name":"foo","vers":"`+v+`","deps":[],"features":{}}`, crate)); rec.Code != http.StatusOK {
			t.Fatalf("publish %s: %d %s", v, rec.Code, rec.Body)
		}
	}
	index := func() string {
		t.Helper()
		rec := do(http.MethodGet, "3/f/foo", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("index: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	publish("1.0.0")
	first := index()
	for _, k := range f.files.lru.Keys() {
		if e, ok := f.files.lru.Get(k); ok {
			e.doc = vindex.NewDoc([][]byte{[]byte("CACHED")})
		}
	}
	if got := index(); got != "CACHED" {
		t.Fatalf("second read not from the cache: %q (first %q)", got, first)
	}
	publish("1.1.0")
	if got := index(); !strings.Contains(got, `"1.1.0"`) || !strings.Contains(got, `"1.0.0"`) {
		t.Fatalf("after a publish: %q", got)
	}
	ref := env.Repo.Ref(domain.FormatCargo, "", "foo")
	if _, err := env.Svc.UpdatePackageVersionsStatus(t.Context(), env.Repo.Caller, ref, service.BatchInput{Versions: []string{"1.0.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if got := index(); strings.Contains(got, `"1.0.0"`) {
		t.Fatalf("after archiving 1.0.0: %q", got)
	}

	// Every change after the first read edits the cached file, which is
	// then the file rendered from every version, byte for byte.
	edited := func(step string) {
		t.Helper()
		before := f.edited.Load()
		got := index()
		_, versions, err := env.Svc.PackageVersions(t.Context(), env.Repo.Caller, ref)
		if err != nil {
			t.Fatal(err)
		}
		if want := string(RenderIndex(versions)); got != want {
			t.Fatalf("%s: edited file\n%s\nwant\n%s", step, got, want)
		}
		if f.edited.Load() != before+1 {
			t.Fatalf("%s: the file was not edited from the cached one", step)
		}
	}
	publish("0.9.0")
	edited("publish of an older version")
	publish("2.0.0-rc.1")
	publish("2.0.0")
	edited("two publishes")
	if rec := do(http.MethodDelete, "api/v1/crates/foo/2.0.0/yank", nil); rec.Code != http.StatusOK {
		t.Fatalf("yank: %d %s", rec.Code, rec.Body)
	}
	edited("yank")
	if rec := do(http.MethodPut, "api/v1/crates/foo/2.0.0/unyank", nil); rec.Code != http.StatusOK {
		t.Fatalf("unyank: %d %s", rec.Code, rec.Body)
	}
	edited("unyank")
	if _, err := env.Svc.DeletePackageVersions(t.Context(), env.Repo.Caller, ref, []string{"1.1.0", "0.9.0"}, ""); err != nil {
		t.Fatal(err)
	}
	edited("two versions deleted")
	if _, err := env.Svc.UpdatePackageVersionsStatus(t.Context(), env.Repo.Caller, ref, service.BatchInput{Versions: []string{"1.0.0"}}, domain.StatusPublished); err != nil {
		t.Fatal(err)
	}
	edited("published again")
}

func TestRulesStampAndCopy(t *testing.T) {
	src := domain.Package{}
	if err := renewStamp(&src, "Foo_Bar", nil); err != nil {
		t.Fatal(err)
	}
	first := loadState(src)
	if err := (Rules{}).PackageChanged(&src, nil, nil); err != nil {
		t.Fatal(err)
	}
	if st := loadState(src); st.Stamp == "" || st.Stamp == first.Stamp || st.Name != "Foo_Bar" || st.Changed.IsZero() {
		t.Errorf("after PackageChanged: %+v (was %+v)", st, first)
	}
	var dst domain.Package
	if err := (Rules{}).VersionsCopied(src, &dst, nil); err != nil || loadState(dst).Name != "Foo_Bar" {
		t.Errorf("copied state %+v %v", loadState(dst), err)
	}
}

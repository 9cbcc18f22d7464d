package pypi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// versionsOf lists a package's versions as the control plane does.
func (tr *testRepo) versionsOf(t *testing.T, project string) []string {
	t.Helper()
	out, err := tr.svc.ListPackageVersions(context.Background(), tr.repo.Caller, tr.repo.Ref(domain.FormatPypi, "", project), service.ListVersionsInput{}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, v.Version)
	}
	sort.Strings(vs)
	return vs
}

// TestSamePEP440VersionIsOneVersion: files whose versions are the same
// PEP 440 version (1.0, 1.0.0, 1) land in one version, spelled as the
// first upload's normalized version, as PyPI adds them to one release;
// pip's view (the page, the files) is unchanged (#11 finding 7).
func TestSamePEP440VersionIsOneVersion(t *testing.T) {
	tr := newTestRepo(t)
	sdist := func(version string) []byte {
		return tarGzOf(t, "demo-"+version+"/PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: "+version+"\n")
	}
	uploads := []struct{ version, filename string }{
		{"1.0", "demo-1.0-py3-none-any.whl"},
		{"1.0.0", "demo-1.0.0.tar.gz"},
		{"1", "demo-1-py2-none-any.whl"},
		{"1.0.0.0.0", "demo-1.0.0.0.0-py3-none-win32.whl"},
		{"2.0-RC1", "demo-2.0-RC1.tar.gz"}, // stored as 2.0rc1
		{"2.0.0rc1", "demo-2.0.0rc1-py3-none-any.whl"},
		{"v3.00", "demo-v3.00.tar.gz"}, // stored as 3.0
	}
	for _, u := range uploads {
		content := sdist(u.version)
		if strings.HasSuffix(u.filename, ".whl") {
			content = testWheel(t, "demo", u.version, u.filename)
		}
		if rec := tr.upload(t, "demo", u.version, u.filename, content); rec.Code != http.StatusOK {
			t.Fatalf("upload %s: %d %s", u.filename, rec.Code, rec.Body)
		}
	}
	if got, want := tr.versionsOf(t, "demo"), []string{"1.0", "2.0rc1", "3.0"}; !reflect.DeepEqual(got, want) {
		t.Errorf("control-plane versions = %q, want %q", got, want)
	}

	// pip's view: every file, under the version it was stored in.
	rec := tr.get(t, "simple/demo/", ContentTypeJSON)
	var doc struct {
		Versions []string `json:"versions"`
		Files    []struct {
			Filename, URL string
		} `json:"files"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	sort.Strings(doc.Versions)
	if !reflect.DeepEqual(doc.Versions, []string{"1.0", "2.0rc1", "3.0"}) || len(doc.Files) != len(uploads) {
		t.Fatalf("page: versions %q, %d files:\n%s", doc.Versions, len(doc.Files), rec.Body)
	}
	stored := map[string]string{
		"demo-1.0-py3-none-any.whl": "1.0", "demo-1.0.0.tar.gz": "1.0", "demo-1-py2-none-any.whl": "1.0",
		"demo-1.0.0.0.0-py3-none-win32.whl": "1.0", "demo-2.0-RC1.tar.gz": "2.0rc1",
		"demo-2.0.0rc1-py3-none-any.whl": "2.0rc1", "demo-v3.00.tar.gz": "3.0",
	}
	for _, f := range doc.Files {
		want := "../../packages/demo/" + stored[f.Filename] + "/" + f.Filename
		if f.URL != want {
			t.Errorf("%s: URL %s, want %s", f.Filename, f.URL, want)
		}
		path := strings.TrimPrefix(want, "../../")
		if rec := tr.get(t, path, ""); rec.Code != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}

	// The same file name with other bytes is still a conflict, whichever
	// spelling the form uses.
	if rec := tr.upload(t, "demo", "1", "demo-1.0.0.tar.gz", tarGzOf(t, "demo-1.0.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0.0\nSummary: other\n")); rec.Code != http.StatusConflict {
		t.Errorf("other bytes under an existing file name: %d %s", rec.Code, rec.Body)
	}
	// An Unlisted version takes no new file, whichever spelling.
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatPypi, "", "demo")
	if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"3.0"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	if rec := tr.upload(t, "demo", "3", "demo-3-py3-none-any.whl", testWheel(t, "demo", "3", "")); rec.Code != http.StatusConflict {
		t.Errorf("a file for an Unlisted version: %d %s", rec.Code, rec.Body)
	}
	if got := tr.versionsOf(t, "demo"); len(got) != 3 {
		t.Errorf("versions after the refused upload: %q", got)
	}
}

func TestVersionSpellings(t *testing.T) {
	for in, want := range map[string][]string{
		"1.0.0":         {"1.0.0", "1", "1.0", "1.0.0.0", "1.0.0.0.0"},
		"1":             {"1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.0.0"},
		"v1.0-RC1":      {"v1.0-RC1", "1.0rc1", "1rc1", "1.0.0rc1", "1.0.0.0rc1", "1.0.0.0.0rc1"},
		"1!2.10":        {"1!2.10", "1!2.10.0", "1!2.10.0.0", "1!2.10.0.0.0", "1!2.10.0.0.0.0"},
		"1.0+Loc":       {"1.0+Loc", "1.0+loc", "1+loc", "1.0.0+loc", "1.0.0.0+loc", "1.0.0.0.0+loc"},
		"0.0.0.0.0.0.1": {"0.0.0.0.0.0.1", "0.0.0.0.0.0.1.0", "0.0.0.0.0.0.1.0.0", "0.0.0.0.0.0.1.0.0.0", "0.0.0.0.0.0.1.0.0.0.0"},
		"1.0.0.0.0.0.0": {"1.0.0.0.0.0.0", "1", "1.0", "1.0.0", "1.0.0.0", "1.0.0.0.0"},
	} {
		if got := versionSpellings(in); !reflect.DeepEqual(got, want) {
			t.Errorf("versionSpellings(%q) = %q, want %q", in, got, want)
		}
		for _, s := range versionSpellings(in) {
			if !SameVersion(s, in) {
				t.Errorf("versionSpellings(%q) lists %q, another version", in, s)
			}
		}
	}
	if got := versionSpellings("not a version"); got != nil {
		t.Errorf("versionSpellings of an invalid version = %q", got)
	}
}

package pypi

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// TestPagesEditedMatchCold: after every kind of change, the page edited
// from the cached one is byte for byte the page rendered from every
// version, in both representations, and it was edited, not rebuilt.
func TestPagesEditedMatchCold(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatPypi, "", "demo")
	upload := func(version, file string) {
		t.Helper()
		if rec := tr.upload(t, "demo", version, file, testWheel(t, "demo", version, file)); rec.Code != http.StatusOK {
			t.Fatalf("upload %s: %d %s", file, rec.Code, rec.Body)
		}
	}
	check := func(step string, wantEdited bool) {
		t.Helper()
		pkg, versions, err := tr.svc.PackageVersions(ctx, tr.repo.Caller, ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, ct := range []string{ContentTypeJSON, ContentTypeText} {
			before := tr.f.edited.Load()
			rec := tr.get(t, "simple/demo/", ct)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", step, ct, rec.Code, rec.Body)
			}
			cold, err := renderPage(pageKey{tr.repo.Endpoint, "demo", ct}, pkg, versions)
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.Body.String(); got != string(cold.doc.Bytes()) {
				t.Fatalf("%s (%s): edited page differs from the cold one:\n%s\nvs\n%s", step, ct, got, cold.doc.Bytes())
			}
			if edited := tr.f.edited.Load() > before; edited != wantEdited {
				t.Fatalf("%s (%s): edited %v, want %v", step, ct, edited, wantEdited)
			}
			etag := rec.Header().Get("ETag")
			req, _ := http.NewRequest(http.MethodGet, "/pypi/d/acme-000000000000/py/", nil)
			req.Header.Set("Accept", ct)
			req.Header.Set("If-None-Match", etag)
			if rec := tr.do(req, "simple/demo/"); rec.Code != http.StatusNotModified {
				t.Fatalf("%s: If-None-Match %s: %d", step, etag, rec.Code)
			}
		}
	}
	status := func(target domain.Status, versions ...string) {
		t.Helper()
		if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: versions}, target); err != nil {
			t.Fatal(err)
		}
	}

	for _, v := range []string{"1.0", "1.1", "2.0"} {
		upload(v, "demo-"+v+"-py3-none-any.whl")
	}
	check("first page", false)
	upload("3.0", "demo-3.0-py3-none-any.whl")
	check("upload of a new version", true)
	upload("1.1", "demo-1.1-py2-none-any.whl")
	check("a second file of an older version", true)
	status(domain.StatusUnlisted, "1.0", "2.0")
	check("two versions unlisted", true)
	status(domain.StatusArchived, "2.0")
	check("a version archived", true)
	status(domain.StatusPublished, "2.0", "1.0")
	check("published again", true)
	if _, err := tr.svc.DisposePackageVersions(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"1.1"}}); err != nil {
		t.Fatal(err)
	}
	check("a version disposed", true)
	if _, err := tr.svc.DeletePackageVersions(ctx, tr.repo.Caller, ref, []string{"3.0"}, ""); err != nil {
		t.Fatal(err)
	}
	check("a version deleted", true)
	upload("3.0", "demo-3.0-py3-none-any.whl")
	check("published again after its deletion", true)

	// Several changes between two reads are all applied; more than the
	// package's log keeps make a rebuild.
	for i := range 5 {
		upload(fmt.Sprintf("4.%d", i), fmt.Sprintf("demo-4.%d-py3-none-any.whl", i))
	}
	status(domain.StatusUnlisted, "4.1")
	check("six changes", true)
	for i := range 40 {
		upload(fmt.Sprintf("5.%d", i), fmt.Sprintf("demo-5.%d-py3-none-any.whl", i))
	}
	check("forty uploads", false)
}

package npm

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// oldView is the package as the renderer before prepared manifests saw
// it: every version loaded, manifests as plain JSON.
func (sr *storeRepo) oldView(t *testing.T, name pkgName) (view, []domain.PackageVersion) {
	t.Helper()
	pkg, all, err := sr.svc.PackageVersions(context.Background(), sr.repo.Caller, sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name))
	if err != nil {
		t.Fatal(err)
	}
	for i := range all {
		all[i].Metadata = manifestJSON(all[i].Metadata)
	}
	return newView(name, sr.repo.Endpoint, pkg, all), all
}

func body(t *testing.T, rec interface {
	Result() *http.Response
}) []byte {
	t.Helper()
	res := rec.Result()
	r := res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLeanPackumentMatchesOld serves packuments and versions of a
// package stored with prepared and legacy rows of every status, and
// compares them with the old renderer's, before and after changes.
func TestLeanPackumentMatchesOld(t *testing.T) {
	sr := newStoreRepo(t)
	name := pkgName{Scope: "acme", Name: "big"}
	sr.publish(t, name, "100.0.0")
	sr.grow(t, name, 0, 300, 5, map[string]string{"next": "0.0.9", "stale": "0.0.3", "beta": "0.1.3-rc.3"})
	check := func(stage string) {
		t.Helper()
		old, all := sr.oldView(t, name)
		for _, abbrev := range []bool{false, true} {
			accept := ""
			if abbrev {
				accept = abbreviatedType
			}
			want, _ := old.oldPackument(abbrev, all)
			for _, round := range []string{"miss", "hit"} {
				rec := sr.serve(http.MethodGet, name.String(), accept, nil)
				if got := body(t, rec); rec.Code != http.StatusOK || !bytes.Equal(got, want) {
					t.Fatalf("%s, abbreviated %v, %s: %d\ngot  %.2000s\nwant %.2000s", stage, abbrev, round, rec.Code, got, want)
				}
			}
		}
		for _, spec := range []string{"latest", "next", "stale", "beta", "missing-tag", "0.0.1", "0.0.3", "0.0.5", "0.1.3-rc.3", "100.0.0", "9.9.9", "0.0.0"} {
			rec := sr.serve(http.MethodGet, name.String()+"/"+spec, "", nil)
			version := spec
			if v, ok := old.tags[spec]; ok {
				version = v
			}
			pv, ok := old.find(version)
			switch {
			case !ok && rec.Code != http.StatusNotFound:
				t.Errorf("%s: GET %s: %d %s, want 404", stage, spec, rec.Code, rec.Body)
			case ok && (rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), mustJSON(old.oldManifest(pv)))):
				t.Errorf("%s: GET %s: %d\ngot  %s\nwant %s", stage, spec, rec.Code, rec.Body, mustJSON(old.oldManifest(pv)))
			}
		}
	}
	check("grown")

	// A status change renews the stamp (PackageChanged) and moves tags.
	ctx := context.Background()
	ref := sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	if _, err := sr.svc.UpdatePackageVersionsStatus(ctx, sr.repo.Caller, ref, service.BatchInput{Versions: []string{"100.0.0", "0.0.9"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	check("archived")

	// Deprecation goes through the prepared form.
	old, _ := sr.oldView(t, name)
	doc := `{"name":"@acme/big","versions":{"0.0.1":{"deprecated":"no more"}}}`
	if rec := sr.serve(http.MethodPut, name.String(), "", bytes.NewBufferString(doc)); rec.Code != http.StatusOK {
		t.Fatalf("deprecate: %d %s (rev %s)", rec.Code, rec.Body, old.rev)
	}
	info, err := sr.svc.DescribePackageVersion(ctx, sr.repo.Caller, ref, "0.0.1")
	if err != nil || !isPrepared(info.Version.Metadata) || deprecation(manifestJSON(info.Version.Metadata)) != "no more" {
		t.Errorf("deprecated 0.0.1: prepared %v, %q, %v", isPrepared(info.Version.Metadata), manifestJSON(info.Version.Metadata), err)
	}
	check("deprecated")
}

// TestPackumentConcurrentMisses serves one changed packument to many
// clients at once: they all get the same document.
func TestPackumentConcurrentMisses(t *testing.T) {
	sr := newStoreRepo(t)
	name := pkgName{Name: "many"}
	sr.publish(t, name, "1.0.0")
	sr.grow(t, name, 0, 500, 0, nil)
	var wg sync.WaitGroup
	bodies := make([][]byte, 8)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := sr.serve(http.MethodGet, "many", "", nil)
			if rec.Code == http.StatusOK {
				bodies[i] = rec.Body.Bytes()
			}
		}()
	}
	wg.Wait()
	for i, b := range bodies {
		if len(b) == 0 || !bytes.Equal(b, bodies[0]) {
			t.Fatalf("client %d got %d bytes, client 0 %d", i, len(b), len(bodies[0]))
		}
	}
	if sr.f.cache.len() != 1 {
		t.Errorf("%d cache entries, want 1", sr.f.cache.len())
	}
}

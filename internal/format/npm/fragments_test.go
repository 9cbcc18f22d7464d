package npm

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
	"github.com/artifactd/artifactd/internal/store"
)

// TestPackumentFragments changes a package one way after another and
// checks that the server whose fragments are warm answers the same bytes
// and ETags as a server started afresh on the same store, that the
// changed version's fragment is the one renewed, and that legacy rows
// are cached prepared.
func TestPackumentFragments(t *testing.T) {
	sr := newStoreRepo(t)
	name := pkgName{Scope: "acme", Name: "frag"}
	sr.publish(t, name, "100.0.0")
	sr.grow(t, name, 0, 400, 3, map[string]string{"next": "0.0.9"})
	ctx := context.Background()
	ref := sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name)
	check := func(stage string) {
		t.Helper()
		sameAsCold(t, sr, name, stage)
		// Every Published version's fragment is cached, prepared, at its
		// current revision.
		pkg, all, err := sr.svc.PackageVersions(ctx, sr.repo.Caller, ref)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range all {
			if v.Status != domain.StatusPublished {
				continue
			}
			fr, ok := cachedFragment(sr, pkg.ID, v)
			if !ok || !isPrepared(fr.meta) {
				t.Fatalf("%s: fragment of %s: cached %v, prepared %v", stage, v.Version, ok, isPrepared(fr.meta))
			}
		}
	}
	check("grown")

	// Deprecating one version renews its fragment and only its own.
	pkg, all, err := sr.svc.PackageVersions(ctx, sr.repo.Caller, ref)
	if err != nil {
		t.Fatal(err)
	}
	before := map[int64]*fragment{}
	for _, v := range all {
		if fr, ok := cachedFragment(sr, pkg.ID, v); ok {
			before[v.ID] = fr
		}
	}
	doc := `{"name":"@acme/frag","versions":{"0.0.1":{"deprecated":"no more"},"0.0.3":{"deprecated":"legacy too"}}}`
	if rec := sr.serve(http.MethodPut, name.String(), "", bytes.NewBufferString(doc)); rec.Code != http.StatusOK {
		t.Fatalf("deprecate: %d %s", rec.Code, rec.Body)
	}
	check("deprecated")
	_, all, err = sr.svc.PackageVersions(ctx, sr.repo.Caller, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range all {
		old, ok := before[v.ID]
		if !ok {
			continue
		}
		fr, _ := cachedFragment(sr, pkg.ID, v)
		changed := v.Version == "0.0.1" || v.Version == "0.0.3"
		if same := fr != nil && len(fr.meta) > 0 && &fr.meta[0] == &old.meta[0]; same == changed {
			t.Errorf("fragment of %s reused %v after deprecating 0.0.1 and 0.0.3", v.Version, same)
		}
	}

	// Status changes, a publish and a delete.
	if _, err := sr.svc.UpdatePackageVersionsStatus(ctx, sr.repo.Caller, ref, service.BatchInput{Versions: []string{"0.0.9", "0.0.5"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	check("unlisted")
	if _, err := sr.svc.UpdatePackageVersionsStatus(ctx, sr.repo.Caller, ref, service.BatchInput{Versions: []string{"0.0.5", "0.0.4"}}, domain.StatusPublished); err != nil {
		t.Fatal(err)
	}
	check("republished")
	sr.publish(t, name, "101.0.0")
	check("published")
	if _, err := sr.svc.DeletePackageVersions(ctx, sr.repo.Caller, ref, []string{"101.0.0", "0.0.2"}, ""); err != nil {
		t.Fatal(err)
	}
	check("deleted")

	// The fragments kept are the Published versions', no more: those of
	// versions unlisted or deleted went with the rebuilds that saw them go.
	pkg, all, err = sr.svc.PackageVersions(ctx, sr.repo.Caller, ref)
	if err != nil {
		t.Fatal(err)
	}
	published := 0
	for _, v := range all {
		if v.Status == domain.StatusPublished {
			published++
		}
	}
	if pf, _ := sr.f.cache.frags.lru.Get(pkg.ID); pf == nil || len(pf.byID) != published {
		t.Errorf("fragments kept: %v, want the %d Published versions'", pf, published)
	}
}

// get asks for a packument, with or without gzip.
func (sr *storeRepo) get(name pkgName, accept string, gz bool) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if gz {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	return servicetest.Serve(sr.f, sr.repo, req, name.String())
}

// cachedFragment returns the cached fragment of v at its revision.
func cachedFragment(sr *storeRepo, pkgID int64, v domain.PackageVersion) (*fragment, bool) {
	have, missing, _ := sr.f.cache.frags.lookup(pkgID, []store.VersionHead{{ID: v.ID, Version: v.Version, Revision: v.Revision}})
	return have[0], len(missing) == 0 && have[0] != nil
}

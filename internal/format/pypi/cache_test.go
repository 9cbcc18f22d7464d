package pypi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

// poison replaces the body of every cached page with a marker, so that a
// response carrying the marker proves it came from the cache.
func poison(tr *testRepo) {
	for _, k := range tr.f.pages.lru.Keys() {
		if e, ok := tr.f.pages.lru.Get(k); ok {
			e.doc = vindex.NewDoc([][]byte{[]byte("CACHED")})
		}
	}
}

func TestRulesRenewStamp(t *testing.T) {
	p := domain.Package{}
	if err := (Rules{}).PackageChanged(&p, nil, nil); err != nil {
		t.Fatal(err)
	}
	first := loadState(p).Stamp
	if first == "" {
		t.Fatal("PackageChanged left no stamp")
	}
	if err := (Rules{}).PackageChanged(&p, nil, nil); err != nil {
		t.Fatal(err)
	}
	if second := loadState(p).Stamp; second == "" || second == first {
		t.Fatalf("PackageChanged kept stamp %q (was %q)", second, first)
	}
}

func TestPageCacheInvalidation(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatPypi, "", "demo")
	page := func(accept string) string {
		t.Helper()
		rec := tr.get(t, "simple/demo/", accept)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET simple/demo/ (%s): %d %s", accept, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	mustUpload := func(version string) {
		t.Helper()
		if rec := tr.upload(t, "demo", version, "demo-"+version+"-py3-none-any.whl", testWheel(t, "demo", version, version)); rec.Code != http.StatusOK {
			t.Fatalf("upload %s: %d %s", version, rec.Code, rec.Body)
		}
	}
	// cached checks that the cache serves both representations now, then
	// poisons it: the next GET must not show the marker after a change.
	cached := func() {
		t.Helper()
		page(ContentTypeText)
		page(ContentTypeJSON)
		poison(tr)
		if got := page(ContentTypeText); got != "CACHED" {
			t.Fatalf("unchanged package: page was rendered again, not served from the cache:\n%s", got)
		}
		if got := page(ContentTypeJSON); got != "CACHED" {
			t.Fatalf("unchanged package: JSON page was rendered again:\n%s", got)
		}
	}

	mustUpload("1.0")
	if !strings.Contains(page(ContentTypeText), "demo-1.0-py3-none-any.whl") {
		t.Fatal("page misses 1.0")
	}
	cached()

	// An upload renews the stamp.
	mustUpload("2.0")
	html, js := page(ContentTypeText), page(ContentTypeJSON)
	if !strings.Contains(html, "demo-2.0-py3-none-any.whl") || !strings.Contains(js, "demo-2.0-py3-none-any.whl") {
		t.Fatalf("after an upload the page misses 2.0:\n%s\n%s", html, js)
	}
	cached()

	// A status change (through PackageChanged) renews it: Unlisted is yanked.
	if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"2.0"}}, domain.StatusUnlisted); err != nil {
		t.Fatal(err)
	}
	if html := page(ContentTypeText); !strings.Contains(html, `data-yanked="`) || !strings.Contains(html, "demo-2.0") {
		t.Fatalf("after unlisting 2.0 the page does not show it yanked:\n%s", html)
	}
	if js := page(ContentTypeJSON); !strings.Contains(js, `"yanked":"`+YankedReason+`"`) {
		t.Fatalf("after unlisting 2.0 the JSON page does not show it yanked:\n%s", js)
	}
	cached()

	// Archived versions are gone.
	if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"2.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if html := page(ContentTypeText); strings.Contains(html, "demo-2.0") || !strings.Contains(html, "demo-1.0") {
		t.Fatalf("after archiving 2.0 the page is wrong:\n%s", html)
	}
	cached()

	// Deleting a version.
	if _, err := tr.svc.DeletePackageVersions(ctx, tr.repo.Caller, ref, []string{"1.0"}, ""); err != nil {
		t.Fatal(err)
	}
	if js := page(ContentTypeJSON); strings.Contains(js, "demo-1.0") || strings.Contains(js, "CACHED") {
		t.Fatalf("after deleting 1.0 the page is wrong:\n%s", js)
	}
	cached()

	// Deleting the package, then publishing it again.
	if _, err := tr.svc.DeletePackage(ctx, tr.repo.Caller, ref); err != nil {
		t.Fatal(err)
	}
	if rec := tr.get(t, "simple/demo/", ContentTypeText); rec.Code != http.StatusNotFound {
		t.Fatalf("after deleting the package: %d %s", rec.Code, rec.Body)
	}
	mustUpload("3.0")
	if html := page(ContentTypeText); !strings.Contains(html, "demo-3.0") || strings.Contains(html, "demo-1.0") || strings.Contains(html, "CACHED") {
		t.Fatalf("after publishing the package again the page is wrong:\n%s", html)
	}
}

func TestPageCacheConditionalAndHead(t *testing.T) {
	tr := newTestRepo(t)
	if rec := tr.upload(t, "demo", "1.0", "demo-1.0-py3-none-any.whl", testWheel(t, "demo", "1.0", "")); rec.Code != http.StatusOK {
		t.Fatalf("upload: %d %s", rec.Code, rec.Body)
	}
	rec := tr.get(t, "simple/demo/", ContentTypeJSON)
	etag := rec.Header().Get("ETag")
	if rec.Code != http.StatusOK || etag == "" || rec.Header().Get("Content-Type") != ContentTypeJSON {
		t.Fatalf("GET: %d %v", rec.Code, rec.Header())
	}
	if html := tr.get(t, "simple/demo/", ContentTypeText); html.Header().Get("ETag") == etag || html.Header().Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("HTML page shares the JSON page's ETag or has the wrong type: %v", html.Header())
	}
	req, _ := http.NewRequest(http.MethodGet, "/pypi/d/acme-000000000000/py/", nil)
	req.Header.Set("Accept", ContentTypeJSON)
	req.Header.Set("If-None-Match", etag)
	if rec := tr.do(req, "simple/demo/"); rec.Code != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", rec.Code)
	}
	req, _ = http.NewRequest(http.MethodHead, "/pypi/d/acme-000000000000/py/", nil)
	req.Header.Set("Accept", ContentTypeJSON)
	if rec := tr.do(req, "simple/demo/"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q", rec.Code, rec.Body)
	}
}

func TestPageCacheBounded(t *testing.T) {
	c := newPageCache(4096)
	for i := range 100 {
		c.put(&pageEntry{key: pageKey{project: strings.Repeat("x", i)}, pkgID: int64(i), stamp: "s", doc: vindex.NewDoc([][]byte{make([]byte, 200)})})
	}
	if c.bytes() > c.maxBytes || c.len() == 0 || c.len() >= 100 {
		t.Fatalf("cache holds %d entries, %d bytes of %d", c.len(), c.bytes(), c.maxBytes)
	}
	if _, ok := c.get(pageKey{project: strings.Repeat("x", 99)}, 99, "s"); !ok {
		t.Fatal("most recent entry evicted")
	}
	if _, ok := c.get(pageKey{project: strings.Repeat("x", 99)}, 99, "t"); ok {
		t.Fatal("entry served for another stamp")
	}
	if _, ok := c.get(pageKey{project: strings.Repeat("x", 99)}, 98, "s"); ok {
		t.Fatal("entry served for another package")
	}
	// A page of half the budget is kept (no size below the budget is too
	// big: the largest projects cost most to render); one over the budget
	// is not.
	c.put(&pageEntry{key: pageKey{project: "big"}, stamp: "s", doc: vindex.NewDoc([][]byte{make([]byte, 2000)})})
	if _, ok := c.get(pageKey{project: "big"}, 0, "s"); !ok {
		t.Fatal("a page of half the budget was not cached")
	}
	c.put(&pageEntry{key: pageKey{project: "huge"}, stamp: "s", doc: vindex.NewDoc([][]byte{make([]byte, 5000)})})
	if _, ok := c.get(pageKey{project: "huge"}, 0, "s"); ok {
		t.Fatal("a page larger than the budget was cached")
	}
	if c.bytes() > c.maxBytes {
		t.Fatalf("cache holds %d bytes of %d", c.bytes(), c.maxBytes)
	}
}

// TestPageRenderedOnceForConcurrentMisses: requests that miss the cache
// together (a CI fleet after a release) share one rendering.
func TestPageRenderedOnceForConcurrentMisses(t *testing.T) {
	tr := newTestRepo(t)
	for _, v := range []string{"1.0", "1.1", "2.0"} {
		if rec := tr.upload(t, "demo", v, "demo-"+v+"-py3-none-any.whl", testWheel(t, "demo", v, v)); rec.Code != http.StatusOK {
			t.Fatalf("upload %s: %d %s", v, rec.Code, rec.Body)
		}
	}
	pkg, err := tr.svc.LookupPackage(context.Background(), tr.repo.Caller, tr.repo.Ref(domain.FormatPypi, "", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	render := pageRender{pageKey{tr.repo.Endpoint, "demo", Negotiate(ContentTypeJSON)}, pkg.ID, loadState(pkg).Stamp}
	// The first rendering waits until every other request waits for it.
	const clients = 16
	release := make(chan struct{})
	var once sync.Once
	tr.f.beforeRender = func() { once.Do(func() { <-release }) }
	var wg sync.WaitGroup
	bodies := make([]string, clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := tr.get(t, "simple/demo/", ContentTypeJSON)
			if rec.Code != http.StatusOK {
				t.Errorf("GET: %d %s", rec.Code, rec.Body)
			}
			bodies[i] = rec.Body.String()
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		n := tr.f.renders.Waiting(render)
		if n == clients-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait for the rendering, want %d", n, clients-1)
		}
	}
	close(release)
	wg.Wait()
	for i, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "demo-2.0-py3-none-any.whl") {
			t.Fatalf("client %d got another page:\n%s\nvs\n%s", i, b, bodies[0])
		}
	}
	if n := tr.f.rendered.Load(); n != 1 {
		t.Errorf("%d concurrent cold requests rendered the page %d times, want once", clients, n)
	}
}

// TestRootIndexCache: simple/ is served from the list kept for the
// repository while no project changes, and shows uploads, new projects and
// deletions at once.
func TestRootIndexCache(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	root := func() string {
		t.Helper()
		rec := tr.get(t, "simple/", ContentTypeJSON)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET simple/: %d %s", rec.Code, rec.Body)
		}
		return rec.Body.String()
	}
	upload := func(name, version string) {
		t.Helper()
		if rec := tr.upload(t, name, version, name+"-"+version+"-py3-none-any.whl", testWheel(t, name, version, version)); rec.Code != http.StatusOK {
			t.Fatalf("upload %s %s: %d %s", name, version, rec.Code, rec.Body)
		}
	}
	// poisonRoot replaces the cached list, so that an answer showing the
	// marker came from the cache.
	poisonRoot := func() {
		t.Helper()
		names, err := tr.f.projects.Get(ctx, tr.repo, func(context.Context) ([]string, int64, error) {
			return nil, 0, errors.New("no list cached")
		})
		if err != nil || len(names) == 0 {
			t.Fatalf("no list cached: %v", err)
		}
		names[0] = "cached-marker"
	}

	upload("alpha", "1.0")
	if got := root(); !strings.Contains(got, `"alpha"`) {
		t.Fatalf("simple/ misses alpha: %s", got)
	}
	poisonRoot()
	if got := root(); !strings.Contains(got, "cached-marker") {
		t.Fatalf("simple/ not served from the cache: %s", got)
	}
	upload("beta", "1.0")
	if got := root(); !strings.Contains(got, `"alpha"`) || !strings.Contains(got, `"beta"`) || strings.Contains(got, "cached-marker") {
		t.Fatalf("simple/ after a new project: %s", got)
	}
	poisonRoot()
	if _, err := tr.svc.DeletePackage(ctx, tr.repo.Caller, tr.repo.Ref(domain.FormatPypi, "", "alpha")); err != nil {
		t.Fatal(err)
	}
	if got := root(); strings.Contains(got, `"alpha"`) || !strings.Contains(got, `"beta"`) || strings.Contains(got, "cached-marker") {
		t.Fatalf("simple/ after deleting alpha: %s", got)
	}
}

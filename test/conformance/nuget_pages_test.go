package conformance

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestNugetRegistrationPages: "Package metadata", Registration index:
// "the server may choose to inline the registration pages ... When the
// items array is not provided in the registration index, an HTTP GET
// request of the @id value will return a registration page". The public gallery
// inlines pages up to 128 versions and pages at 64; artifactd does the
// same. A package of 130 versions gets three pages, each with its
// bounds and a URL that answers the page with its leaves and "parent".
func TestNugetRegistrationPages(t *testing.T) {
	t.Parallel()
	n := newNugetRepo(t)
	res := n.serviceIndex(t)
	publish := res["PackagePublish/2.0.0"]
	const total = 130
	for i := 1; i <= total; i++ {
		n.mustPush(t, publish, nugetPkg{ID: "Many", Version: fmt.Sprintf("1.0.%d", i)})
	}
	base := res["RegistrationsBaseUrl/3.6.0"]
	var idx regIndex
	n.getJSON(t, base+"many/index.json", http.StatusOK, &idx)
	if idx.Count != 3 || len(idx.Items) != 3 {
		t.Fatalf("index of %d versions: count %d, %d pages; want 3", total, idx.Count, len(idx.Items))
	}
	wantBounds := [][2]string{{"1.0.1", "1.0.64"}, {"1.0.65", "1.0.128"}, {"1.0.129", "1.0.130"}}
	seen := 0
	for i, p := range idx.Items {
		if p.Items != nil {
			t.Errorf("page %d is inlined in an index of %d versions", i, total)
		}
		if p.Lower != wantBounds[i][0] || p.Upper != wantBounds[i][1] {
			t.Errorf("page %d bounds %s..%s, want %v", i, p.Lower, p.Upper, wantBounds[i])
		}
		if !strings.HasPrefix(p.ID, base+"many/page/") {
			t.Errorf("page %d @id %q", i, p.ID)
		}
		var page regPage
		resp := n.getJSON(t, p.ID, http.StatusOK, &page)
		if resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("page %d of the 3.6.0 hive is not gzipped", i)
		}
		if page.Count != p.Count || len(page.Items) != p.Count || page.Parent != idx.ID || page.Lower != p.Lower || page.Upper != p.Upper {
			t.Errorf("page %d: count %d, %d items, parent %q", i, page.Count, len(page.Items), page.Parent)
		}
		for j, l := range page.Items {
			seen++
			if want := fmt.Sprintf("1.0.%d", seen); l.CatalogEntry.Version != want {
				t.Errorf("page %d item %d: version %s, want %s (NuGet's order)", i, j, l.CatalogEntry.Version, want)
			}
		}
	}
	if seen != total {
		t.Errorf("the pages hold %d leaves, want %d", seen, total)
	}
	n.getJSON(t, base+"many/page/1.0.1/1.0.2.json", http.StatusNotFound, nil)
}

package conformance

import (
	"net/http"
	"slices"
	"testing"
)

// TestNugetSearchPaging: "Search", Request parameters: "skip: The number
// of results to skip, for pagination"; "take: The number of results to
// return, for pagination"; the results are in a stable order (ID order
// here), packages with no listed version are left out, and packageid:X
// finds one ID.
func TestNugetSearchPaging(t *testing.T) {
	t.Parallel()
	n := newNugetRepo(t)
	res := n.serviceIndex(t)
	for _, id := range []string{"Page.C", "Page.A", "Page.B", "Page.D", "Other"} {
		n.mustPush(t, res["PackagePublish/2.0.0"], nugetPkg{ID: id, Version: "1.0.0"})
	}
	n.mustPush(t, res["PackagePublish/2.0.0"], nugetPkg{ID: "Page.Pre", Version: "1.0.0-alpha"})
	if resp, b := n.do(t, http.MethodDelete, res["PackagePublish/2.0.0"]+"page.d/1.0.0", nil, nugetAPIKey, nil); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("unlist page.d: %d %s", resp.StatusCode, b)
	}
	ids := func(q string) ([]string, int) {
		t.Helper()
		var sr searchResult
		n.getJSON(t, res["SearchQueryService"]+q, http.StatusOK, &sr)
		var out []string
		for _, d := range sr.Data {
			out = append(out, d.ID)
		}
		return out, sr.TotalHits
	}
	for _, c := range []struct {
		q     string
		want  []string
		total int
	}{
		{"?q=page&take=2", []string{"Page.A", "Page.B"}, 3}, // more follow
		{"?q=page&skip=2&take=2", []string{"Page.C"}, 3},
		{"?q=page&skip=2&take=2&prerelease=true", []string{"Page.C", "Page.Pre"}, 4},
		{"?q=PAGE.&prerelease=true", []string{"Page.A", "Page.B", "Page.C", "Page.Pre"}, 4},
		{"?q=packageid:page.b", []string{"Page.B"}, 1},
		{"?q=packageid:page", nil, 0},
		{"?take=100", []string{"Other", "Page.A", "Page.B", "Page.C"}, 4},
	} {
		got, total := ids(c.q)
		if !slices.Equal(got, c.want) || total != c.total {
			t.Errorf("search %s: %v (totalHits %d), want %v (%d)", c.q, got, total, c.want, c.total)
		}
	}
}

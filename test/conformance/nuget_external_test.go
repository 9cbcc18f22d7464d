package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// nugetStandin stands in for a public NuGet V3 feed, on 127.0.0.1: a
// service index whose PackageBaseAddress/3.0.0 is its flat container, and
// the flat container ("Package Content": {id}/index.json and
// {id}/{version}/{id}.{version}.nupkg, lowercase).
type nugetStandin struct {
	srv  *http.Server
	url  string
	mu   sync.Mutex
	pkgs map[string]map[string][]byte // lower id → lower version → .nupkg
	hits map[string]int               // by path
}

func newNugetStandin(t *testing.T) *nugetStandin {
	t.Helper()
	s := &nugetStandin{pkgs: map[string]map[string][]byte{}, hits: map[string]int{}}
	srv := localServer(t, http.HandlerFunc(s.serve))
	s.url = srv.URL
	return s
}

func (s *nugetStandin) add(id, version string, nupkg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, version = strings.ToLower(id), strings.ToLower(version)
	if s.pkgs[id] == nil {
		s.pkgs[id] = map[string][]byte{}
	}
	s.pkgs[id][version] = nupkg
}

// flatContainer is the URL public:nuget-org is configured with.
func (s *nugetStandin) flatContainer() string { return s.url + "/v3-flatcontainer/" }

func (s *nugetStandin) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[r.URL.Path]++
	if r.URL.Path == "/v3/index.json" {
		json.NewEncoder(w).Encode(map[string]any{"version": "3.0.0", "resources": []map[string]string{
			{"@id": s.flatContainer(), "@type": "PackageBaseAddress/3.0.0"}}})
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v3-flatcontainer/")
	segs := strings.Split(rest, "/")
	switch {
	case ok && len(segs) == 2 && segs[1] == "index.json" && s.pkgs[segs[0]] != nil:
		vs := []string{}
		for v := range s.pkgs[segs[0]] {
			vs = append(vs, v)
		}
		slices.Sort(vs)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"versions": vs})
	case ok && len(segs) == 3 && segs[2] == segs[0]+"."+segs[1]+".nupkg" && s.pkgs[segs[0]][segs[1]] != nil:
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(s.pkgs[segs[0]][segs[1]])
	default:
		http.NotFound(w, r)
	}
}

func (s *nugetStandin) hitsOf(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

// TestNugetExternal: a repository with public:nuget-org (the stand-in)
// and one that has it as upstream. NuGet restores through the flat
// container ("Package Content"): the versions the feed lists appear, a
// .nupkg downloaded through the downstream repository is the feed's, kept
// in both with origin EXTERNAL and described from its .nuspec; a file
// that is not the package it claims to be is refused and not kept.
// Packages pushed to an upstream repository resolve through the
// downstream one too.
func TestNugetExternal(t *testing.T) {
	t.Parallel()
	st := newNugetStandin(t)
	one := nugetPkg{ID: "Fabrikam.Json", Version: "1.0.0", Description: "JSON for Fabrikam.", ProjectURL: "https://fabrikam.example/json", LicenseExpression: "Apache-2.0"}
	oneBytes := one.nupkg(t)
	st.add("fabrikam.json", "1.0.0", oneBytes)
	st.add("fabrikam.json", "2.0.0-rc.1", nugetPkg{ID: "Fabrikam.Json", Version: "2.0.0-rc.1"}.nupkg(t))
	// A file claiming to be evil.pkg 1.0.0 that is another package.
	st.add("evil.pkg", "1.0.0", nugetPkg{ID: "Other.Pkg", Version: "1.0.0"}.nupkg(t))

	s := harness.Start(t, harness.WithArgs("--external-connection", "public:nuget-org="+st.flatContainer()+";ttl=1s;timeout=10s"))
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "nuget-store")
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("nuget-store"), ExternalConnection: aws.String("public:nuget-org")}); err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "app", "nuget-store")
	n := nugetRepoOf(t, s, c, "acme", "app")
	res := n.serviceIndex(t)
	flat := res["PackageBaseAddress/3.0.0"]

	var vl struct{ Versions []string }
	n.getJSON(t, flat+"Fabrikam.Json/index.json", http.StatusOK, &vl)
	if !slices.Equal(vl.Versions, []string{"1.0.0", "2.0.0-rc.1"}) {
		t.Errorf("versions through the external connection: %v", vl.Versions)
	}
	// "If the package source has no versions of the provided package ID,
	// a 404 status code is returned": neither the repositories nor the feed.
	n.getJSON(t, flat+"nowhere.pkg/index.json", http.StatusNotFound, nil)
	n.getJSON(t, res["RegistrationsBaseUrl"]+"nowhere.pkg/index.json", http.StatusNotFound, nil)
	resp, b := n.do(t, http.MethodGet, flat+"fabrikam.json/1.0.0/fabrikam.json.1.0.0.nupkg", nil, nugetBasic, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, oneBytes) {
		t.Fatalf("download through app: %d, %d bytes, want the feed's %d", resp.StatusCode, len(b), len(oneBytes))
	}
	for _, repo := range []string{"nuget-store", "app"} {
		out, err := c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String(repo),
			Format: types.PackageFormatNuget, Package: aws.String("Fabrikam.Json")})
		if err != nil {
			t.Fatalf("%s: %v", repo, err)
		}
		if len(out.Versions) != 1 || aws.ToString(out.Versions[0].Version) != "1.0.0" || out.Versions[0].Origin.OriginType != types.PackageVersionOriginTypeExternal {
			t.Errorf("%s keeps %+v, want 1.0.0 EXTERNAL", repo, out.Versions)
		}
	}
	desc, err := c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String("acme"), Repository: aws.String("app"),
		Format: types.PackageFormatNuget, Package: aws.String("fabrikam.json"), PackageVersion: aws.String("1.0.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	if pv := desc.PackageVersion; aws.ToString(pv.DisplayName) != "Fabrikam.Json" || aws.ToString(pv.HomePage) != "https://fabrikam.example/json" {
		t.Errorf("the kept version is not described from its .nuspec: %+v", pv)
	}
	// The registration shows the kept version's metadata, and the one not
	// kept yet with what the feed's listing says.
	var idx regIndex
	n.getJSON(t, res["RegistrationsBaseUrl/3.6.0"]+"fabrikam.json/index.json", http.StatusOK, &idx)
	e := idx.entries(t)
	if len(e) != 2 || e[0].ID != "Fabrikam.Json" || e[0].LicenseExpression != "Apache-2.0" || e[1].Version != "2.0.0-rc.1" {
		t.Errorf("registration through app: %+v", e)
	}
	// A version not kept yet has no known publish time: "published" is left
	// out rather than a year NuGet reads as unlisted (<= 1900).
	if e[1].Published != "" || *e[1].Listed != true || !strings.HasPrefix(e[0].Published, "20") {
		t.Errorf("published: kept %q, not kept %q", e[0].Published, e[1].Published)
	}
	resp, b = n.do(t, http.MethodGet, flat+"fabrikam.json/1.0.0/fabrikam.json.nuspec", nil, nugetBasic, nil)
	if resp.StatusCode != http.StatusOK || string(b) != one.nuspec() {
		t.Errorf("nuspec of the kept version: %d %q", resp.StatusCode, b)
	}
	// The version not kept yet: its .nuspec is read from the feed's package.
	resp, b = n.do(t, http.MethodGet, flat+"fabrikam.json/2.0.0-rc.1/fabrikam.json.nuspec", nil, nugetBasic, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "<version>2.0.0-rc.1</version>") {
		t.Errorf("nuspec of a version not kept: %d %q", resp.StatusCode, b)
	}

	// Integrity: the feed's evil.pkg 1.0.0 is another package.
	// The response is an error or cut short, never the wrong bytes whole
	// (as for PyPI's digests, TestPyPIExternalIntegrity).
	req, _ := http.NewRequest(http.MethodGet, flat+"evil.pkg/1.0.0/evil.pkg.1.0.0.nupkg", nil)
	req.SetBasicAuth("aws", n.token)
	if resp, err := nugetHTTP.Do(req); err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && rerr == nil {
			t.Errorf("a file that is not evil.pkg 1.0.0 downloaded whole (%d bytes)", len(body))
		}
	}
	out, err := c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String("nuget-store"),
		Format: types.PackageFormatNuget, Package: aws.String("evil.pkg")})
	if err == nil && len(out.Versions) > 0 {
		t.Errorf("a file that is not evil.pkg 1.0.0 was kept: %+v", out.Versions)
	}
	if st.hitsOf("/v3-flatcontainer/fabrikam.json/index.json") == 0 {
		t.Error("the stand-in's flat container was never asked")
	}

	// Repository upstreams: a package pushed to nuget-store resolves
	// through app.
	store := nugetRepoOf(t, s, c, "acme", "nuget-store")
	pushed := store.mustPush(t, store.serviceIndex(t)["PackagePublish/2.0.0"], nugetPkg{ID: "Acme.Internal", Version: "3.1.0"})
	n.getJSON(t, flat+"acme.internal/index.json", http.StatusOK, &vl)
	if !slices.Equal(vl.Versions, []string{"3.1.0"}) {
		t.Errorf("upstream package through app: %v", vl.Versions)
	}
	resp, b = n.do(t, http.MethodGet, flat+"acme.internal/3.1.0/acme.internal.3.1.0.nupkg", nil, nugetBasic, nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, pushed) {
		t.Errorf("upstream package download through app: %d", resp.StatusCode)
	}
	var sr searchResult
	store.getJSON(t, store.serviceIndex(t)["SearchQueryService"]+"?q=acme", http.StatusOK, &sr)
	if len(sr.Data) != 1 || sr.Data[0].ID != "Acme.Internal" {
		t.Errorf("search in nuget-store: %+v", sr)
	}
}

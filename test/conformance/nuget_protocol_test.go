package conformance

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// regIndex, regPage and regLeaf are the registration documents as the
// "Package metadata" (RegistrationsBaseUrl) document defines them.
type regIndex struct {
	ID    string    `json:"@id"`
	Count int       `json:"count"`
	Items []regPage `json:"items"`
}

type regPage struct {
	ID     string    `json:"@id"`
	Count  int       `json:"count"`
	Items  []regLeaf `json:"items"`
	Lower  string    `json:"lower"`
	Upper  string    `json:"upper"`
	Parent string    `json:"parent"`
}

type regLeaf struct {
	ID             string   `json:"@id"`
	PackageContent string   `json:"packageContent"`
	CatalogEntry   regEntry `json:"catalogEntry"`
}

type regEntry struct {
	ID                string   `json:"id"`
	Version           string   `json:"version"`
	Authors           string   `json:"authors"`
	Description       string   `json:"description"`
	Summary           string   `json:"summary"`
	ProjectURL        string   `json:"projectUrl"`
	LicenseExpression string   `json:"licenseExpression"`
	LicenseURL        string   `json:"licenseUrl"`
	Listed            *bool    `json:"listed"`
	Published         string   `json:"published"`
	Tags              []string `json:"tags"`
	PackageContent    string   `json:"packageContent"`
	DependencyGroups  []struct {
		TargetFramework string `json:"targetFramework"`
		Dependencies    []struct {
			ID           string `json:"id"`
			Range        string `json:"range"`
			Registration string `json:"registration"`
		} `json:"dependencies"`
	} `json:"dependencyGroups"`
}

type searchResult struct {
	TotalHits int `json:"totalHits"`
	Data      []struct {
		ID           string   `json:"id"`
		Version      string   `json:"version"`
		Description  string   `json:"description"`
		Authors      []string `json:"authors"`
		Registration string   `json:"registration"`
		Versions     []struct {
			ID      string `json:"@id"`
			Version string `json:"version"`
		} `json:"versions"`
	} `json:"data"`
}

// entries flattens an inlined registration index.
func (r regIndex) entries(t testing.TB) []regEntry {
	t.Helper()
	var out []regEntry
	for _, p := range r.Items {
		if p.Items == nil {
			t.Fatalf("page %s is not inlined", p.ID)
		}
		for _, l := range p.Items {
			out = append(out, l.CatalogEntry)
		}
	}
	return out
}

// TestNugetProtocol pushes a package with the protocol's PUT and follows
// it through every resource of the service index: flat container,
// registration (three hives), search, autocomplete; then unlists
// (DELETE) and relists (POST) it, and reads the control plane.
func TestNugetProtocol(t *testing.T) {
	t.Parallel()
	n := newNugetRepo(t)
	var res map[string]string

	// "Service index": "The service index is a JSON document that is the
	// entry point for a NuGet package source"; "version" (required,
	// "3.0.0") and "resources", each with "@id" and "@type".
	t.Run("service index", func(t *testing.T) {
		res = n.serviceIndex(t)
		for _, typ := range []string{
			"PackagePublish/2.0.0", "PackageBaseAddress/3.0.0",
			"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.0.0-beta", "RegistrationsBaseUrl/3.0.0-rc",
			"RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.6.0",
			"SearchQueryService", "SearchQueryService/3.0.0-beta", "SearchQueryService/3.0.0-rc", "SearchQueryService/3.5.0",
			"SearchAutocompleteService", "SearchAutocompleteService/3.5.0",
		} {
			if !strings.HasPrefix(res[typ], n.endpoint+"v3/") {
				t.Errorf("resource %s: @id %q, want a URL under %sv3/", typ, res[typ], n.endpoint)
			}
		}
		if res["RegistrationsBaseUrl/3.6.0"] == res["RegistrationsBaseUrl"] || res["RegistrationsBaseUrl/3.4.0"] == res["RegistrationsBaseUrl/3.6.0"] {
			t.Errorf("the SemVer 1 and SemVer 2 hives share a URL: %v", res)
		}
	})

	// CodeArtifact answers 401 to an unauthenticated client (guide §7.3);
	// NuGet then asks its credential providers, which needs the
	// WWW-Authenticate challenge.
	t.Run("401 without credentials", func(t *testing.T) {
		for _, u := range []string{n.source(), res["PackageBaseAddress/3.0.0"] + "contoso.lib/index.json"} {
			resp, _ := n.do(t, http.MethodGet, u, nil, nugetNoAuth, nil)
			if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("GET %s without credentials: %d, WWW-Authenticate %q", u, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
			}
		}
		resp, _ := n.push(t, res["PackagePublish/2.0.0"], nugetPkg{ID: "Anon", Version: "1.0.0"}.nupkg(t), nugetNoAuth)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("push without an API key: %d, want 401", resp.StatusCode)
		}
	})

	lib := nugetPkg{
		ID: "Contoso.Lib", Version: "1.02.0.0", Description: "Contoso's library.", Summary: "Short summary",
		Authors: "Contoso, Fabrikam", ProjectURL: "https://contoso.example/lib", LicenseExpression: "MIT", Tags: "contoso lib",
		Groups: map[string][]string{"net6.0": {"Contoso.Core [2.0.0, )"}, "netstandard2.0": {"Fabrikam.Util 1.0.0"}},
		Readme: "# Contoso.Lib\nRead me.",
	}
	var libBytes []byte
	publish := ""

	// "Push and Delete", Push a package: "PUT {@id}" with X-NuGet-ApiKey;
	// 201 "The package was successfully pushed", 400 "The provided package
	// is invalid", 409 "A package with the provided ID and version already
	// exists".
	t.Run("push", func(t *testing.T) {
		publish = res["PackagePublish/2.0.0"]
		libBytes = n.mustPush(t, publish, lib)
		again := lib
		again.Version = "1.2.0" // the same version, normalized
		resp, body := n.push(t, publish, again.nupkg(t), nugetBasic)
		// NuGet's client prints the status line only ("Response status
		// code does not indicate success: 409 (...)"): the reason is there.
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already exists") || !strings.Contains(resp.Status, "already exists") {
			t.Errorf("second push of 1.2.0: %q %s, want 409 saying why in the status line", resp.Status, body)
		}
		resp, body = n.push(t, publish, []byte("not a zip"), nugetAPIKey)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "zip") || !strings.Contains(resp.Status, "not a zip archive") {
			t.Errorf("push of garbage: %d %s, want 400 saying why", resp.StatusCode, body)
		}
		evil := nugetZip(t, map[string]string{"Evil.nuspec": nugetPkg{ID: "Evil", Version: "1.0.0"}.nuspec(), "../../escape.txt": "x"})
		resp, body = n.push(t, publish, evil, nugetAPIKey)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "unsafe file name") {
			t.Errorf("push with ../ in the archive: %d %s, want 400", resp.StatusCode, body)
		}
		noDesc := nugetZip(t, map[string]string{"Bad.nuspec": `<package><metadata><id>Bad</id><version>1.0</version></metadata></package>`})
		resp, body = n.push(t, publish, noDesc, nugetAPIKey)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "description") {
			t.Errorf("push without <description>: %d %s, want 400", resp.StatusCode, body)
		}
		out, err := n.c.ListPackages(t.Context(), &codeartifact.ListPackagesInput{Domain: aws.String(n.domain), Repository: aws.String(n.repo)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Packages) != 1 || aws.ToString(out.Packages[0].Package) != "contoso.lib" || out.Packages[0].Format != types.PackageFormatNuget {
			t.Errorf("packages after the refused pushes: %+v, want contoso.lib only", out.Packages)
		}
	})

	// "Package Content" (PackageBaseAddress/3.0.0): "GET
	// {@id}/{LOWER_ID}/index.json" answers {"versions": [...]}, versions
	// lowercased and normalized; the .nupkg at
	// {@id}/{LOWER_ID}/{LOWER_VERSION}/{LOWER_ID}.{LOWER_VERSION}.nupkg and
	// the manifest at {@id}/{LOWER_ID}/{LOWER_VERSION}/{LOWER_ID}.nuspec.
	t.Run("flat container", func(t *testing.T) {
		base := res["PackageBaseAddress/3.0.0"]
		var vl struct{ Versions []string }
		n.getJSON(t, base+"contoso.lib/index.json", http.StatusOK, &vl)
		if !slices.Equal(vl.Versions, []string{"1.2.0"}) {
			t.Errorf("versions %v, want [1.2.0]", vl.Versions)
		}
		resp, b := n.do(t, http.MethodGet, base+"contoso.lib/1.2.0/contoso.lib.1.2.0.nupkg", nil, nugetBasic, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, libBytes) {
			t.Errorf("nupkg: %d, %d bytes, want the %d pushed", resp.StatusCode, len(b), len(libBytes))
		}
		resp, b = n.do(t, http.MethodGet, base+"contoso.lib/1.2.0/contoso.lib.nuspec", nil, nugetBasic, nil)
		if resp.StatusCode != http.StatusOK || string(b) != lib.nuspec() {
			t.Errorf("nuspec: %d %q", resp.StatusCode, b)
		}
		// "If the package source has no versions of the provided package
		// ID, a 404 status code is returned."
		n.getJSON(t, base+"nothing.here/index.json", http.StatusNotFound, nil)
		resp, _ = n.do(t, http.MethodGet, base+"contoso.lib/9.9.9/contoso.lib.9.9.9.nupkg", nil, nugetBasic, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("missing nupkg: %d, want 404", resp.StatusCode)
		}
	})

	// "Package metadata": the registration index ("@id", "count",
	// "items" of pages), pages ("lower", "upper", inlined "items" of
	// leaves) and each leaf's "catalogEntry" with the package's metadata.
	t.Run("registration", func(t *testing.T) {
		for _, typ := range []string{"RegistrationsBaseUrl", "RegistrationsBaseUrl/3.4.0", "RegistrationsBaseUrl/3.6.0"} {
			var idx regIndex
			resp := n.getJSON(t, res[typ]+"Contoso.Lib/index.json", http.StatusOK, &idx)
			gz := resp.Header.Get("Content-Encoding") == "gzip"
			if gz != (typ != "RegistrationsBaseUrl") {
				t.Errorf("%s: Content-Encoding %q (the 3.4.0 and 3.6.0 hives are gzipped)", typ, resp.Header.Get("Content-Encoding"))
			}
			if idx.ID != res[typ]+"contoso.lib/index.json" || idx.Count != 1 || len(idx.Items) != 1 {
				t.Fatalf("%s: index %+v", typ, idx)
			}
			p := idx.Items[0]
			if p.Lower != "1.2.0" || p.Upper != "1.2.0" || p.Count != 1 {
				t.Errorf("%s: page %+v", typ, p)
			}
			e := idx.entries(t)[0]
			if e.ID != "Contoso.Lib" || e.Version != "1.2.0" || e.Description != "Contoso's library." || e.Summary != "Short summary" ||
				e.Authors != "Contoso, Fabrikam" || e.ProjectURL != "https://contoso.example/lib" || e.LicenseExpression != "MIT" ||
				e.Listed == nil || !*e.Listed || !slices.Equal(e.Tags, []string{"contoso", "lib"}) {
				t.Errorf("%s: catalog entry %+v", typ, e)
			}
			deps := map[string]string{}
			for _, g := range e.DependencyGroups {
				for _, d := range g.Dependencies {
					deps[g.TargetFramework+" "+d.ID] = d.Range
					if d.Registration != res[typ]+strings.ToLower(d.ID)+"/index.json" {
						t.Errorf("%s: dependency registration %q", typ, d.Registration)
					}
				}
			}
			if deps["net6.0 Contoso.Core"] != "[2.0.0, )" || deps["netstandard2.0 Fabrikam.Util"] != "[1.0.0, )" || len(deps) != 2 {
				t.Errorf("%s: dependency groups %v", typ, deps)
			}
			resp, b := n.do(t, http.MethodGet, p.Items[0].PackageContent, nil, nugetBasic, nil)
			if resp.StatusCode != http.StatusOK || !bytes.Equal(b, libBytes) {
				t.Errorf("%s: packageContent %s: %d", typ, p.Items[0].PackageContent, resp.StatusCode)
			}
			// The registration leaf: "@id", "catalogEntry", "listed",
			// "packageContent", "published", "registration".
			var leaf map[string]any
			n.getJSON(t, p.Items[0].ID, http.StatusOK, &leaf)
			if leaf["listed"] != true || leaf["registration"] != idx.ID || leaf["packageContent"] != p.Items[0].PackageContent {
				t.Errorf("%s: leaf %v", typ, leaf)
			}
		}
	})

	// SemVer 2.0.0: "RegistrationsBaseUrl ... SemVer 2.0.0 packages are
	// excluded"; /3.6.0 "includes SemVer 2.0.0 packages"; search shows them
	// with semVerLevel=2.0.0 only.
	t.Run("semver2", func(t *testing.T) {
		n.mustPush(t, publish, nugetPkg{ID: "contoso.lib", Version: "2.0.0-beta.1+sha.abc", Description: "Beta."})
		var idx regIndex
		n.getJSON(t, res["RegistrationsBaseUrl"]+"contoso.lib/index.json", http.StatusOK, &idx)
		if e := idx.entries(t); len(e) != 1 {
			t.Errorf("SemVer 1 hive shows %d versions, want 1", len(e))
		}
		n.getJSON(t, res["RegistrationsBaseUrl/3.6.0"]+"contoso.lib/index.json", http.StatusOK, &idx)
		e := idx.entries(t)
		if len(e) != 2 || e[1].Version != "2.0.0-beta.1+sha.abc" || idx.Items[0].Upper != "2.0.0-beta.1" {
			t.Errorf("3.6.0 hive: %+v (upper %q)", e, idx.Items[0].Upper)
		}
		var vl struct{ Versions []string }
		n.getJSON(t, res["PackageBaseAddress/3.0.0"]+"contoso.lib/index.json", http.StatusOK, &vl)
		if !slices.Equal(vl.Versions, []string{"1.2.0", "2.0.0-beta.1"}) {
			t.Errorf("flat container versions %v", vl.Versions)
		}
	})

	// "Search" (SearchQueryService): GET {@id}?q=&skip=&take=&prerelease=
	// &semVerLevel=; "totalHits" and "data", each result with "id",
	// "version" (the latest), "versions", "registration"; pre-release
	// versions only with prerelease=true.
	t.Run("search", func(t *testing.T) {
		var sr searchResult
		n.getJSON(t, res["SearchQueryService/3.5.0"]+"?q=contoso&skip=0&take=20&prerelease=false&semVerLevel=2.0.0", http.StatusOK, &sr)
		if sr.TotalHits != 1 || len(sr.Data) != 1 || sr.Data[0].ID != "Contoso.Lib" || sr.Data[0].Version != "1.2.0" ||
			len(sr.Data[0].Versions) != 1 || !slices.Equal(sr.Data[0].Authors, []string{"Contoso", "Fabrikam"}) ||
			sr.Data[0].Registration != res["RegistrationsBaseUrl/3.6.0"]+"contoso.lib/index.json" {
			t.Errorf("search: %+v", sr)
		}
		n.getJSON(t, res["SearchQueryService"]+"?q=CONTOSO.L&prerelease=true&semVerLevel=2.0.0", http.StatusOK, &sr)
		if len(sr.Data) != 1 || sr.Data[0].Version != "2.0.0-beta.1+sha.abc" || len(sr.Data[0].Versions) != 2 {
			t.Errorf("search with pre-releases: %+v", sr)
		}
		n.getJSON(t, res["SearchQueryService"]+"?q=fabrikam", http.StatusOK, &sr)
		if sr.TotalHits != 0 || len(sr.Data) != 0 {
			t.Errorf("search for another prefix: %+v", sr)
		}
		n.getJSON(t, res["SearchQueryService"]+"?q=contoso&skip=1", http.StatusOK, &sr)
		if len(sr.Data) != 0 {
			t.Errorf("skip=1: %+v", sr)
		}
		n.getJSON(t, res["SearchQueryService"]+"?take=-1", http.StatusBadRequest, nil)
		// "Autocomplete": ids by prefix, or with id= the versions.
		var ac struct {
			TotalHits int      `json:"totalHits"`
			Data      []string `json:"data"`
		}
		n.getJSON(t, res["SearchAutocompleteService"]+"?q=con&take=5", http.StatusOK, &ac)
		if !slices.Equal(ac.Data, []string{"Contoso.Lib"}) {
			t.Errorf("autocomplete ids: %+v", ac)
		}
		n.getJSON(t, res["SearchAutocompleteService"]+"?id=contoso.lib&prerelease=true&semVerLevel=2.0.0", http.StatusOK, &ac)
		if !slices.Equal(ac.Data, []string{"1.2.0", "2.0.0-beta.1+sha.abc"}) {
			t.Errorf("autocomplete versions: %+v", ac)
		}
	})

	// "Push and Delete", Delete a package: "DELETE {@id}/{ID}/{VERSION}";
	// the public gallery "interprets the package delete request as an unlist":
	// here the version becomes Unlisted. Relist: "POST {@id}/{ID}/{VERSION}".
	t.Run("unlist and relist", func(t *testing.T) {
		resp, b := n.do(t, http.MethodDelete, publish+"Contoso.Lib/1.02.0", nil, nugetAPIKey, nil)
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("DELETE: %d %s, want 204", resp.StatusCode, b)
		}
		status := func() types.PackageVersionStatus {
			out, err := n.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{Domain: aws.String(n.domain),
				Repository: aws.String(n.repo), Format: types.PackageFormatNuget, Package: aws.String("Contoso.Lib"), PackageVersion: aws.String("1.2.0.0")})
			if err != nil {
				t.Fatalf("DescribePackageVersion Contoso.Lib 1.2.0.0: %v", err)
			}
			return out.PackageVersion.Status
		}
		if s := status(); s != types.PackageVersionStatusUnlisted {
			t.Errorf("status after DELETE: %s, want Unlisted", s)
		}
		var idx regIndex
		n.getJSON(t, res["RegistrationsBaseUrl/3.6.0"]+"contoso.lib/index.json", http.StatusOK, &idx)
		e := idx.entries(t)[0]
		if e.Listed == nil || *e.Listed || !strings.HasPrefix(e.Published, "1900-01-01") {
			t.Errorf("unlisted entry: listed %v, published %q", e.Listed, e.Published)
		}
		// "unlisted packages should never appear in search results".
		var sr searchResult
		n.getJSON(t, res["SearchQueryService"]+"?q=contoso", http.StatusOK, &sr)
		if len(sr.Data) != 0 {
			t.Errorf("search shows an unlisted version: %+v", sr)
		}
		// Restores by exact version still work (the flat container lists
		// listed and unlisted versions).
		resp, got := n.do(t, http.MethodGet, res["PackageBaseAddress/3.0.0"]+"contoso.lib/1.2.0/contoso.lib.1.2.0.nupkg", nil, nugetBasic, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, libBytes) {
			t.Errorf("download of the unlisted version: %d", resp.StatusCode)
		}
		resp, b = n.do(t, http.MethodPost, publish+"contoso.lib/1.2.0", nil, nugetBearer, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST (relist): %d %s", resp.StatusCode, b)
		}
		if s := status(); s != types.PackageVersionStatusPublished {
			t.Errorf("status after relist: %s", s)
		}
		n.getJSON(t, res["SearchQueryService"]+"?q=contoso", http.StatusOK, &sr)
		if len(sr.Data) != 1 || sr.Data[0].Version != "1.2.0" {
			t.Errorf("search after relist: %+v", sr)
		}
		resp, _ = n.do(t, http.MethodDelete, publish+"contoso.lib/7.0.0", nil, nugetAPIKey, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("DELETE of a missing version: %d, want 404", resp.StatusCode)
		}
	})

	// The control plane: versions normalized on input (AWS: "The API does
	// normalize package and version inputs"), the nuspec's metadata, the
	// dependencies and the readme, and the asset named from the
	// normalized name and version.
	t.Run("control plane", func(t *testing.T) {
		ctx := t.Context()
		in := func(v string) (*string, *string, *string, types.PackageFormat, *string, *string) {
			return aws.String(n.domain), aws.String(n.repo), aws.String("CONTOSO.LIB"), types.PackageFormatNuget, aws.String(v), nil
		}
		d, r, p, f, v, _ := in("01.2.0+build")
		desc, err := n.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: d, Repository: r, Package: p, Format: f, PackageVersion: v})
		if err != nil {
			t.Fatal(err)
		}
		pv := desc.PackageVersion
		if aws.ToString(pv.Version) != "1.2.0" || aws.ToString(pv.DisplayName) != "Contoso.Lib" || aws.ToString(pv.Summary) != "Short summary" ||
			aws.ToString(pv.HomePage) != "https://contoso.example/lib" || len(pv.Licenses) != 1 || aws.ToString(pv.Licenses[0].Name) != "MIT" {
			t.Errorf("DescribePackageVersion: %+v", pv)
		}
		deps, err := n.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: d, Repository: r, Package: p, Format: f, PackageVersion: aws.String("1.2.0.0")})
		if err != nil || len(deps.Dependencies) != 2 {
			t.Fatalf("ListPackageVersionDependencies: %v %+v", err, deps)
		}
		readme, err := n.c.GetPackageVersionReadme(ctx, &codeartifact.GetPackageVersionReadmeInput{Domain: d, Repository: r, Package: p, Format: f, PackageVersion: v})
		if err != nil || aws.ToString(readme.Readme) != lib.Readme {
			t.Errorf("readme: %v %q", err, aws.ToString(readme.Readme))
		}
		assets, err := n.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: d, Repository: r, Package: p, Format: f, PackageVersion: v})
		if err != nil || len(assets.Assets) != 1 || aws.ToString(assets.Assets[0].Name) != "contoso.lib.1.2.0.nupkg" {
			t.Fatalf("assets: %v %+v", err, assets)
		}
		vs, err := n.c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: d, Repository: r, Package: p, Format: f})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs.Versions {
			got = append(got, aws.ToString(v.Version))
		}
		// NuGet's order: 2.0.0-beta.1 after 1.2.0; newest first.
		if !slices.Equal(got, []string{"2.0.0-beta.1", "1.2.0"}) || aws.ToString(vs.DefaultDisplayVersion) != "2.0.0-beta.1" {
			t.Errorf("ListPackageVersions: %v (default %q)", got, aws.ToString(vs.DefaultDisplayVersion))
		}
		// A status change through the control plane, named un-normalized.
		if _, err := n.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{Domain: d, Repository: r, Package: p, Format: f,
			Versions: []string{"2.0.0-BETA.1"}, TargetStatus: types.PackageVersionStatusArchived}); err != nil {
			t.Fatal(err)
		}
		var vl struct{ Versions []string }
		n.getJSON(t, res["PackageBaseAddress/3.0.0"]+"contoso.lib/index.json", http.StatusOK, &vl)
		if !slices.Equal(vl.Versions, []string{"1.2.0"}) {
			t.Errorf("flat container after archiving 2.0.0-beta.1: %v", vl.Versions)
		}
		resp, _ := n.do(t, http.MethodGet, res["PackageBaseAddress/3.0.0"]+"contoso.lib/2.0.0-beta.1/contoso.lib.2.0.0-beta.1.nupkg", nil, nugetBasic, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("download of an Archived version: %d, want 404", resp.StatusCode)
		}
		// The data plane cannot bring an Archived version back (NuGet
		// clients do not see it): relist and unlist are 404.
		for _, m := range []string{http.MethodPost, http.MethodDelete} {
			resp, b := n.do(t, m, publish+"contoso.lib/2.0.0-beta.1", nil, nugetAPIKey, nil)
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(b), "Archived") {
				t.Errorf("%s of an Archived version: %d %s, want 404", m, resp.StatusCode, b)
			}
		}
		n.getJSON(t, res["PackageBaseAddress/3.0.0"]+"contoso.lib/index.json", http.StatusOK, &vl)
		if !slices.Equal(vl.Versions, []string{"1.2.0"}) {
			t.Errorf("flat container after refused relists: %v", vl.Versions)
		}
	})

	// The real aws CLI lists the package (issue #18's "Done when").
	t.Run("aws cli", func(t *testing.T) {
		out, stderr, code := n.s.CLI(t, "list-packages", "--domain", n.domain, "--repository", n.repo, "--format", "nuget")
		if code != 0 || !strings.Contains(out, `"package": "contoso.lib"`) || !strings.Contains(out, `"format": "nuget"`) {
			t.Errorf("aws codeartifact list-packages --format nuget: %d %s %s", code, out, stderr)
		}
	})
}

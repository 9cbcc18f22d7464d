package conformance

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestSwiftRegistryEndpoints drives each endpoint of Registry.md 4 over
// HTTP, as SwiftPM's registry client sends the requests, and checks the
// responses against the document: status, headers, JSON shape.
func TestSwiftRegistryEndpoints(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")
	r := newSwiftRepo(t, s, "acme", "swift")

	readme := "# LinkedList\nOne thing links to another.\n"
	v110 := swiftPackage(t, "LinkedList", "1.1.0", map[string]string{
		"Package@swift-5.7.swift": swiftManifest("5.7", "LinkedList"),
		"README.md":               readme,
	})
	metadata := `{"description": "One thing links to another.", "repositoryURLs": ["https://git.example.com/mona/LinkedList"], "licenseURL": "https://licenses.example.com/Apache-2.0", "author": {"name": "Mona Lisa Octocat"}}`
	for _, p := range []struct {
		version string
		zip     []byte
		meta    string
	}{
		{"1.0.0", swiftPackage(t, "LinkedList", "1.0.0", nil), ""},
		{"1.1.0", v110, metadata},
		{"2.0.0-beta.1", swiftPackage(t, "LinkedList", "2.0.0-beta.1", nil), ""},
	} {
		// Registry.md 4.6.3.1: "the server MUST respond with a status code
		// of 201 (Created) ... SHOULD also contain a Location header with
		// a URL to the new release."
		resp, body := r.publish(t, "mona", "LinkedList", p.version, p.zip, p.meta)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("publish %s: %d %s", p.version, resp.StatusCode, body)
		}
		if loc := resp.Header.Get("Location"); loc != r.endpoint+"mona/linkedlist/"+p.version {
			t.Errorf("publish %s: Location %q", p.version, loc)
		}
		if resp.Header.Get("Content-Version") != "1" {
			t.Errorf("publish %s: Content-Version %q", p.version, resp.Header.Get("Content-Version"))
		}
	}

	t.Run("4.6 publishing an existing release is 409", func(t *testing.T) {
		// "If a release already exists for a package at the specified
		// version, the server SHOULD respond with a status code of 409."
		resp, body := r.publish(t, "MONA", "linkedlist", "1.1.0", swiftPackage(t, "LinkedList", "other", nil), "")
		if d := swiftProblem(t, "republish", resp, body, http.StatusConflict); !strings.Contains(d, "1.1.0 already exists") {
			t.Errorf("detail %q", d)
		}
	})

	t.Run("4.1 list package releases", func(t *testing.T) {
		for _, path := range []string{"mona/LinkedList", "MONA/linkedlist", "mona/LinkedList.json"} {
			resp, body := r.get(t, path, swiftAcceptJSON)
			// "a server SHOULD respond with a status code of 200 (OK) and
			// the Content-Type header application/json."
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Content-Version") != "1" {
				t.Fatalf("GET %s: %d %q %q: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Version"), body)
			}
			rs := swiftDecodeReleases(t, body)
			// "A server SHOULD list releases in order of precedence,
			// starting with the highest precedence version."
			if got := swiftStrings(rs); got != "2.0.0-beta.1 1.1.0 1.0.0" {
				t.Errorf("GET %s: releases %s", path, got)
			}
			for _, rel := range rs {
				if rel.URL != r.endpoint+"mona/linkedlist/"+rel.Version {
					t.Errorf("release %s: url %q", rel.Version, rel.URL)
				}
			}
			// "A server SHOULD respond with a link to the highest precedence
			// published release ... using a Link header field with a
			// latest-version relation."
			if l := resp.Header.Get("Link"); l != "<"+r.endpoint+`mona/linkedlist/2.0.0-beta.1>; rel="latest-version"` {
				t.Errorf("Link %q", l)
			}
		}
		resp, body := r.get(t, "mona/Unknown", swiftAcceptJSON)
		swiftProblem(t, "unknown package", resp, body, http.StatusNotFound)
	})

	zipSum := swiftSHA256(v110)
	t.Run("4.2 fetch information about a package release", func(t *testing.T) {
		for _, path := range []string{"mona/LinkedList/1.1.0", "mona/linkedlist/1.1.0.json"} {
			resp, body := r.get(t, path, swiftAcceptJSON)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("Content-Version") != "1" {
				t.Fatalf("GET %s: %d %q: %s", path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			var doc struct {
				ID        string `json:"id"`
				Version   string `json:"version"`
				Resources []struct {
					Name, Type, Checksum string
					Signing              any `json:"signing"`
				} `json:"resources"`
				Metadata    map[string]any `json:"metadata"`
				PublishedAt string         `json:"publishedAt"`
			}
			if err := json.Unmarshal(body, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.ID != "mona.LinkedList" || doc.Version != "1.1.0" {
				t.Errorf("id %q version %q", doc.ID, doc.Version)
			}
			// 4.2.1: name source-archive, type application/zip, checksum
			// "a hexadecimal representation of the SHA256 digest".
			if len(doc.Resources) != 1 || doc.Resources[0].Name != "source-archive" || doc.Resources[0].Type != "application/zip" ||
				doc.Resources[0].Checksum != zipSum || doc.Resources[0].Signing != nil {
				t.Errorf("resources %+v, want the archive with checksum %s", doc.Resources, zipSum)
			}
			// 4.2.2: "The metadata key ... will hold the user-provided ...
			// metadata".
			if doc.Metadata["description"] != "One thing links to another." || doc.Metadata["licenseURL"] != "https://licenses.example.com/Apache-2.0" {
				t.Errorf("metadata %v", doc.Metadata)
			}
			// ISO 8601 in whole seconds: SwiftPM's JSONDecoder (.iso8601
			// strategy) refuses fractional seconds.
			if _, err := time.Parse("2006-01-02T15:04:05Z", doc.PublishedAt); err != nil {
				t.Errorf("publishedAt %q", doc.PublishedAt)
			}
			// Link: latest-version, successor-version, predecessor-version.
			want := "<" + r.endpoint + `mona/linkedlist/2.0.0-beta.1>; rel="latest-version", <` + r.endpoint + `mona/linkedlist/2.0.0-beta.1>; rel="successor-version", <` + r.endpoint + `mona/linkedlist/1.0.0>; rel="predecessor-version"`
			if l := resp.Header.Get("Link"); l != want {
				t.Errorf("Link\n%s\nwant\n%s", l, want)
			}
		}
		resp, body := r.get(t, "mona/LinkedList/1.0.0", swiftAcceptJSON)
		var doc struct {
			Metadata map[string]any `json:"metadata"`
		}
		json.Unmarshal(body, &doc)
		if resp.StatusCode != http.StatusOK || doc.Metadata == nil || len(doc.Metadata) != 0 {
			t.Errorf("a release without metadata: %d %s", resp.StatusCode, body)
		}
		// Registry.md 3.3's own example: a nonexistent release is 404
		// with problem details.
		resp, body = r.get(t, "mona/LinkedList/9.9.9", swiftAcceptJSON)
		swiftProblem(t, "unknown release", resp, body, http.StatusNotFound)
	})

	t.Run("4.3 fetch manifest for a package release", func(t *testing.T) {
		resp, body := r.get(t, "mona/LinkedList/1.1.0/Package.swift", swiftAcceptSwift)
		// "status code of 200 (OK) and the Content-Type header text/x-swift"
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/x-swift" || string(body) != swiftManifest("5.9", "LinkedList") {
			t.Fatalf("%d %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="Package.swift"` {
			t.Errorf("Content-Disposition %q", cd)
		}
		if resp.ContentLength != int64(len(body)) {
			t.Errorf("Content-Length %d, body %d", resp.ContentLength, len(body))
		}
		// "A server MUST include a Link header field with a value for each
		// version-specific package manifest file ... alternate relation
		// type, a filename attribute ... and a swift-tools-version".
		want := "<" + r.endpoint + `mona/linkedlist/1.1.0/Package.swift?swift-version=5.7>; rel="alternate"; filename="Package@swift-5.7.swift"; swift-tools-version="5.7"`
		if l := resp.Header.Get("Link"); l != want {
			t.Errorf("Link\n%s\nwant\n%s", l, want)
		}
		// 4.3.1: the version-specific manifest when the package has it...
		resp, body = r.get(t, "mona/LinkedList/1.1.0/Package.swift?swift-version=5.7", swiftAcceptSwift)
		if resp.StatusCode != http.StatusOK || string(body) != swiftManifest("5.7", "LinkedList") ||
			resp.Header.Get("Content-Disposition") != `attachment; filename="Package@swift-5.7.swift"` {
			t.Errorf("swift-version=5.7: %d %q: %s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
		}
		// SwiftPM's getManifestContent sends its ToolsVersion in full
		// (swift-version=5.7.0) for the Package@swift-5.7.swift it saw in
		// the Link header.
		resp, body = r.get(t, "mona/LinkedList/1.1.0/Package.swift?swift-version=5.7.0", swiftAcceptSwift)
		if resp.StatusCode != http.StatusOK || string(body) != swiftManifest("5.7", "LinkedList") || resp.Header.Get("Content-Version") != "1" {
			t.Errorf("swift-version=5.7.0: %d: %s", resp.StatusCode, body)
		}
		// ... "Otherwise, the server SHOULD respond with a status code of
		// 303 (See Other) and redirect to the unqualified Package.swift".
		resp, body = r.get(t, "mona/LinkedList/1.1.0/Package.swift?swift-version=4.2", swiftAcceptSwift)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != r.endpoint+"mona/linkedlist/1.1.0/Package.swift" {
			t.Errorf("swift-version=4.2: %d Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		resp, _ = r.get(t, "mona/LinkedList/1.0.0/Package.swift", swiftAcceptSwift)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Link") != "" {
			t.Errorf("a release without versioned manifests: %d Link %q", resp.StatusCode, resp.Header.Get("Link"))
		}
		resp, body = r.get(t, "mona/LinkedList/9.0.0/Package.swift", swiftAcceptSwift)
		swiftProblem(t, "manifest of an unknown release", resp, body, http.StatusNotFound)
	})

	t.Run("4.4 download source archive", func(t *testing.T) {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			resp, body := r.do(t, method, "mona/LinkedList/1.1.0.zip", swiftAcceptZip, nil, nil, r.token)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("%s: %d %q: %s", method, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			// "A server MUST respond with a Content-Length header set to the
			// size of the archive in bytes."
			if resp.ContentLength != int64(len(v110)) {
				t.Errorf("%s: Content-Length %d, want %d", method, resp.ContentLength, len(v110))
			}
			// 4.4.1: the Digest header, sha-256 in base64.
			sum := sha256.Sum256(v110)
			if d := resp.Header.Get("Digest"); d != "sha-256="+base64.StdEncoding.EncodeToString(sum[:]) {
				t.Errorf("%s: Digest %q", method, d)
			}
			if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="linkedlist-1.1.0.zip"` {
				t.Errorf("%s: Content-Disposition %q", method, cd)
			}
			if method == http.MethodGet && swiftSHA256(body) != zipSum {
				t.Errorf("the archive's checksum %s is not the metadata's %s", swiftSHA256(body), zipSum)
			}
		}
		// RFC 7233 range requests ("RECOMMENDED").
		resp, body := r.do(t, http.MethodGet, "mona/LinkedList/1.1.0.zip", swiftAcceptZip, nil, map[string]string{"Range": "bytes=0-3"}, r.token)
		if resp.StatusCode != http.StatusPartialContent || string(body) != string(v110[:4]) {
			t.Errorf("range: %d %q", resp.StatusCode, body)
		}
		resp, body = r.get(t, "mona/LinkedList/3.0.0.zip", swiftAcceptZip)
		swiftProblem(t, "unknown archive", resp, body, http.StatusNotFound)
	})

	t.Run("4.5 lookup package identifiers registered for a URL", func(t *testing.T) {
		// SwiftPM looks the URL up as the dependency spells it; the forms
		// of one repository all find it.
		for _, u := range []string{"https://git.example.com/mona/LinkedList", "https://git.example.com/mona/linkedlist.git", "git@git.example.com:mona/LinkedList.git", "ssh://git@git.example.com/mona/LinkedList"} {
			resp, body := r.get(t, "identifiers?url="+strings.ReplaceAll(u, "@", "%40"), swiftAcceptJSON)
			var doc struct {
				Identifiers []string `json:"identifiers"`
			}
			json.Unmarshal(body, &doc)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" || len(doc.Identifiers) != 1 || doc.Identifiers[0] != "mona.linkedlist" {
				t.Errorf("url %s: %d %s", u, resp.StatusCode, body)
			}
		}
		// "When no url parameter is specified, a server SHOULD respond with
		// a status code of 400"; none registered: 404.
		resp, body := r.get(t, "identifiers", swiftAcceptJSON)
		swiftProblem(t, "no url", resp, body, http.StatusBadRequest)
		resp, body = r.get(t, "identifiers?url=https://git.example.com/mona/Other", swiftAcceptJSON)
		swiftProblem(t, "unknown url", resp, body, http.StatusNotFound)

		// A package published after a lookup shows in the next one (the
		// repository's URL map is renewed by any package change).
		forkMeta := `{"repositoryURLs": ["https://git.example.com/mona/LinkedList", "https://git.example.com/fork/Other"]}`
		if resp, body := r.publish(t, "fork", "LinkedList", "1.0.0", swiftPackage(t, "LinkedList", "1.0.0", nil), forkMeta); resp.StatusCode != http.StatusCreated {
			t.Fatalf("publish fork.LinkedList: %d %s", resp.StatusCode, body)
		}
		resp, body = r.get(t, "identifiers?url=https://git.example.com/mona/LinkedList", swiftAcceptJSON)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `["fork.linkedlist","mona.linkedlist"]`) {
			t.Errorf("after publishing fork.LinkedList: %d %s", resp.StatusCode, body)
		}
		resp, body = r.get(t, "identifiers?url=https://git.example.com/fork/Other", swiftAcceptJSON)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `["fork.linkedlist"]`) {
			t.Errorf("fork's own URL: %d %s", resp.StatusCode, body)
		}
		if _, err := r.c.DeletePackage(context.Background(), &codeartifact.DeletePackageInput{Domain: aws.String("acme"), Repository: aws.String("swift"),
			Format: types.PackageFormatSwift, Namespace: aws.String("fork"), Package: aws.String("linkedlist")}); err != nil {
			t.Fatal(err)
		}
		resp, body = r.get(t, "identifiers?url=https://git.example.com/fork/Other", swiftAcceptJSON)
		swiftProblem(t, "a deleted package's url", resp, body, http.StatusNotFound)
	})

	t.Run("login", func(t *testing.T) {
		// registry.openapi.yaml POST /login: 200 with valid credentials,
		// 401 otherwise; SwiftPM's `package-registry login` sends the
		// token it would store.
		resp, body := r.do(t, http.MethodPost, "login", swiftAcceptJSON, nil, nil, r.token)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Version") != "1" {
			t.Errorf("login: %d %s", resp.StatusCode, body)
		}
		req, _ := http.NewRequest(http.MethodPost, r.endpoint+"login", nil)
		req.SetBasicAuth("token", r.token) // the ~/.netrc form (guide 7.3)
		if resp, err := swiftHTTP.Do(req); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("login with Basic token:TOKEN: %v %v", resp, err)
		} else {
			resp.Body.Close()
		}
		// 3.2: "A server SHOULD respond with a status code of 401 ... without
		// providing credentials" — and errors are problem details (3.3).
		resp, body = r.do(t, http.MethodPost, "login", swiftAcceptJSON, nil, nil, "")
		swiftProblem(t, "login without a token", resp, body, http.StatusUnauthorized)
		resp, body = r.do(t, http.MethodPost, "login", swiftAcceptJSON, nil, nil, "not-a-token")
		swiftProblem(t, "login with a bad token", resp, body, http.StatusUnauthorized)
		resp, body = r.do(t, http.MethodGet, "mona/LinkedList", swiftAcceptJSON, nil, nil, "")
		swiftProblem(t, "list without a token", resp, body, http.StatusUnauthorized)
	})

	t.Run("3.5 API versioning", func(t *testing.T) {
		for _, c := range []struct {
			accept string
			status int
		}{
			{swiftAcceptJSON, 200},
			{"application/vnd.swift.registry.v1", 200},
			{"application/vnd.swift.registry+json", 200},
			{"", 200}, // "MAY ... process the request using an API version that it chooses"
			{"application/json", 200},
			// "an unknown or invalid API version ... 400 (Bad Request)"
			{"application/vnd.swift.registry.vX+json", 400},
			{"application/vnd.swift.registry.v1+xml", 400},
			// "a valid but unsupported API version ... 415"
			{"application/vnd.swift.registry.v2+json", 415},
		} {
			resp, body := r.get(t, "mona/LinkedList", c.accept)
			if c.status != 200 {
				swiftProblem(t, "Accept "+c.accept, resp, body, c.status)
				continue
			}
			if resp.StatusCode != 200 || resp.Header.Get("Content-Version") != "1" {
				t.Errorf("Accept %q: %d %q", c.accept, resp.StatusCode, resp.Header.Get("Content-Version"))
			}
		}
	})

	t.Run("methods and paths outside the spec", func(t *testing.T) {
		// Registry.md 4 lists the endpoints and their methods; anything
		// else is a problem details error too (3.3).
		for _, c := range []struct {
			method, path string
			status       int
			allow        string
		}{
			{http.MethodDelete, "mona/LinkedList/1.1.0", http.StatusMethodNotAllowed, "GET, HEAD, PUT"},
			{http.MethodPost, "mona/LinkedList", http.StatusMethodNotAllowed, "GET, HEAD"},
			{http.MethodGet, "login", http.StatusMethodNotAllowed, "POST"},
			{http.MethodGet, "mona", http.StatusNotFound, ""},
			{http.MethodGet, "mona/LinkedList/1.1.0/Other.swift", http.StatusNotFound, ""},
			{http.MethodGet, "mona--x/LinkedList", http.StatusNotFound, ""},
		} {
			resp, body := r.do(t, c.method, c.path, swiftAcceptJSON, nil, nil, r.token)
			swiftProblem(t, c.method+" "+c.path, resp, body, c.status)
			if resp.Header.Get("Allow") != c.allow {
				t.Errorf("%s %s: Allow %q", c.method, c.path, resp.Header.Get("Allow"))
			}
		}
	})

	t.Run("control plane", func(t *testing.T) {
		ctx := context.Background()
		ref := func(in *codeartifact.ListPackageVersionsInput) *codeartifact.ListPackageVersionsInput {
			in.Domain, in.Repository, in.Format = aws.String("acme"), aws.String("swift"), types.PackageFormatSwift
			in.Namespace, in.Package = aws.String("Mona"), aws.String("LinkedList")
			return in
		}
		vs, err := r.c.ListPackageVersions(ctx, ref(&codeartifact.ListPackageVersionsInput{}))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs.Versions {
			got = append(got, aws.ToString(v.Version))
		}
		// SemVer precedence, newest first.
		if strings.Join(got, " ") != "2.0.0-beta.1 1.1.0 1.0.0" || aws.ToString(vs.Namespace) != "mona" || aws.ToString(vs.Package) != "linkedlist" {
			t.Errorf("versions %v of %s/%s", got, aws.ToString(vs.Namespace), aws.ToString(vs.Package))
		}
		as, err := r.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
			Namespace: aws.String("mona"), Package: aws.String("linkedlist"), PackageVersion: aws.String("1.1.0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range as.Assets {
			names = append(names, aws.ToString(a.Name))
			if aws.ToString(a.Name) == "linkedlist-1.1.0.zip" && a.Hashes["SHA-256"] != zipSum {
				t.Errorf("asset hashes %v", a.Hashes)
			}
		}
		if strings.Join(names, " ") != "Package.swift Package@swift-5.7.swift linkedlist-1.1.0.zip" {
			t.Errorf("assets %v", names)
		}
		d, err := r.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{
			Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
			Namespace: aws.String("mona"), Package: aws.String("linkedlist"), PackageVersion: aws.String("1.1.0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		pv := d.PackageVersion
		if aws.ToString(pv.DisplayName) != "LinkedList" || aws.ToString(pv.Summary) != "One thing links to another." ||
			aws.ToString(pv.SourceCodeRepository) != "https://git.example.com/mona/LinkedList" || len(pv.Licenses) != 1 {
			t.Errorf("version description %+v", pv)
		}
		rd, err := r.c.GetPackageVersionReadme(ctx, &codeartifact.GetPackageVersionReadmeInput{
			Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
			Namespace: aws.String("mona"), Package: aws.String("linkedlist"), PackageVersion: aws.String("1.1.0"),
		})
		if err != nil || aws.ToString(rd.Readme) != readme {
			t.Errorf("readme %v %v", rd, err)
		}
		asset, err := r.c.GetPackageVersionAsset(ctx, &codeartifact.GetPackageVersionAssetInput{
			Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
			Namespace: aws.String("mona"), Package: aws.String("linkedlist"), PackageVersion: aws.String("1.1.0"), Asset: aws.String("Package.swift"),
		})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(asset.Asset)
		asset.Asset.Close()
		if string(b) != swiftManifest("5.9", "LinkedList") {
			t.Errorf("GetPackageVersionAsset Package.swift: %s", b)
		}

		// CopyPackageVersions to another repository: the copy is listed,
		// served and found by its repository URL there.
		other := newSwiftRepo(t, s, "acme", "other")
		if _, err := r.c.CopyPackageVersions(ctx, &codeartifact.CopyPackageVersionsInput{
			Domain: aws.String("acme"), SourceRepository: aws.String("swift"), DestinationRepository: aws.String("other"),
			Format: types.PackageFormatSwift, Namespace: aws.String("mona"), Package: aws.String("linkedlist"), Versions: []string{"1.1.0"},
		}); err != nil {
			t.Fatal(err)
		}
		if got := swiftResolve(t, other, "mona", "LinkedList"); got != "1.1.0" {
			t.Errorf("resolved %q in the copy's repository", got)
		}
		// 4.1: "A server MAY include a Link entry with the canonical
		// relation type that locates the source repository" — from the
		// latest release's repositoryURLs.
		resp, _ := other.get(t, "mona/LinkedList", swiftAcceptJSON)
		if l := resp.Header.Get("Link"); l != "<"+other.endpoint+`mona/linkedlist/1.1.0>; rel="latest-version", <https://git.example.com/mona/LinkedList>; rel="canonical"` {
			t.Errorf("Link %q", l)
		}
		if resp, body := other.get(t, "identifiers?url=https://git.example.com/mona/LinkedList", swiftAcceptJSON); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "mona.linkedlist") {
			t.Errorf("identifiers in the copy's repository: %d %s", resp.StatusCode, body)
		}
	})
}

// TestSwiftPublishChecks sends publishes the registry must refuse, each
// with the status Registry.md gives it, and checks none leaves a trace.
func TestSwiftPublishChecks(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")
	r := newSwiftRepo(t, s, "acme", "swift")
	good := swiftPackage(t, "Kit", "1.0.0", nil)

	for _, c := range []struct {
		what    string
		path    string
		parts   []swiftPart
		status  int
		contain string
	}{
		{"an invalid version", "mona/Kit/1.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}}, 400, "SemVer"},
		{"an invalid scope", "-mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}}, 400, "scope"},
		{"an invalid name", "mona/Kit__x/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}}, 400, "name"},
		{"no source archive", "mona/Kit/1.0.0", []swiftPart{{name: "metadata", contentType: "application/json", body: []byte("{}")}}, 400, "source-archive"},
		// 4.6.1: "A server MAY refuse to publish a package release for any
		// reason by responding with a status code of 422".
		{"not a zip", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: []byte("not a zip")}}, 422, "zip"},
		{"no manifest", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: swiftZip(t, "Kit", map[string]string{"Sources/Kit/Kit.swift": "let x = 1\n"})}}, 422, "Package.swift"},
		{"no top-level directory", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: swiftZip(t, "", map[string]string{"Package.swift": swiftManifest("5.9", "Kit")})}}, 422, "top-level directory"},
		{"a path escaping the archive", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: swiftZip(t, "Kit", map[string]string{"Package.swift": swiftManifest("5.9", "Kit"), "../../evil.swift": "x"})}}, 422, ".."},
		// 4.6.2: "If a client provides an invalid JSON document, the server
		// SHOULD respond with a status code of 422".
		{"invalid metadata JSON", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}, {name: "metadata", contentType: "application/json", body: []byte("{not json")}}, 422, "invalid JSON"},
		{"metadata not an object", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}, {name: "metadata", contentType: "application/json", body: []byte(`["a"]`)}}, 422, "object"},
		{"an unknown part", "mona/Kit/1.0.0", []swiftPart{{name: "source-archive", contentType: "application/zip", body: good}, {name: "extra", contentType: "text/plain", body: []byte("x")}}, 400, "extra"},
	} {
		resp, body := r.publishParts(t, c.path, c.parts, nil)
		if d := swiftProblem(t, c.what, resp, body, c.status); !strings.Contains(d, c.contain) {
			t.Errorf("%s: detail %q lacks %q", c.what, d, c.contain)
		}
	}
	resp, body := r.do(t, http.MethodPut, "mona/Kit/1.0.0", swiftAcceptJSON, strings.NewReader("zip"), map[string]string{"Content-Type": "application/zip"}, r.token)
	swiftProblem(t, "not multipart", resp, body, http.StatusUnsupportedMediaType)
	resp, body = r.do(t, http.MethodPut, "mona/Kit/1.0.0", swiftAcceptJSON, strings.NewReader("x"), map[string]string{"Content-Type": "multipart/form-data; boundary=b"}, "")
	swiftProblem(t, "publish without a token", resp, body, http.StatusUnauthorized)

	// Nothing of the refused publishes is left.
	_, err := r.c.DescribePackage(context.Background(), &codeartifact.DescribePackageInput{
		Domain: aws.String("acme"), Repository: aws.String("swift"), Format: types.PackageFormatSwift,
		Namespace: aws.String("mona"), Package: aws.String("kit"),
	})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("after refused publishes: %v", err)
	}

	// The exact body SwiftPM's RegistryClient.publish builds: a quoted
	// boundary without a space after ";", binary parts, and the metadata
	// labelled quoted-printable but sent as raw JSON (so "?v=12" must not
	// be decoded), with Expect: 100-continue and Prefer: respond-async
	// (4.6.3: the server "MAY respond either synchronously or
	// asynchronously"; artifactd answers 201).
	boundary := "6E7E3E0A-3B4C-4E55-9D4D-2F0C1D7A9B11"
	meta := "{\n  \"readmeURL\": \"https://docs.example.com/readme?v=12\",\n  \"description\": \"a=3Db\"\n}\n"
	var raw strings.Builder
	raw.WriteString("--" + boundary + "\r\nContent-Disposition: form-data; name=\"source-archive\"\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: binary\r\n\r\n")
	kit2 := swiftPackage(t, "Kit", "2.0.0", nil)
	raw.Write(kit2)
	raw.WriteString("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + meta)
	raw.WriteString("\r\n--" + boundary + "--\r\n")
	resp, body = r.do(t, http.MethodPut, "mona/Kit/2.0.0", swiftAcceptJSON, strings.NewReader(raw.String()), map[string]string{
		"Content-Type": `multipart/form-data;boundary="` + boundary + `"`, "Expect": "100-continue", "Prefer": "respond-async",
	}, r.token)
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Content-Version") != "1" {
		t.Fatalf("SwiftPM's publish body: %d %s", resp.StatusCode, body)
	}
	_, body = r.get(t, "mona/Kit/2.0.0", swiftAcceptJSON)
	if !strings.Contains(string(body), `"metadata":{"readmeURL":"https://docs.example.com/readme?v=12","description":"a=3Db"}`) {
		t.Errorf("metadata as SwiftPM sent it: %s", body)
	}
	if _, zip := r.get(t, "mona/Kit/2.0.0.zip", swiftAcceptZip); swiftSHA256(zip) != swiftSHA256(kit2) {
		t.Errorf("archive of SwiftPM's publish body differs")
	}

	// Registry.md 4.6's own example sends the archive base64-encoded
	// (Content-Transfer-Encoding: base64), and a signature with its format
	// header; 4.4 then "MUST include X-Swift-Package-Signature-Format and
	// X-Swift-Package-Signature headers", and 4.2.1 the signing object.
	sig := []byte("signature bytes")
	resp, body = r.publishParts(t, "mona/Kit/1.0.0", []swiftPart{
		{name: "source-archive", contentType: "application/zip", encoding: "base64", body: []byte(base64.StdEncoding.EncodeToString(good))},
		{name: "source-archive-signature", contentType: "application/octet-stream", body: sig},
		{name: "metadata", contentType: "application/json", encoding: "quoted-printable", body: []byte(`{ "repositoryURLs": [] }`)},
	}, map[string]string{"X-Swift-Package-Signature-Format": "cms-1.0.0"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("base64 publish: %d %s", resp.StatusCode, body)
	}
	resp, body = r.get(t, "mona/Kit/1.0.0.zip", swiftAcceptZip)
	if resp.StatusCode != 200 || swiftSHA256(body) != swiftSHA256(good) ||
		resp.Header.Get("X-Swift-Package-Signature-Format") != "cms-1.0.0" || resp.Header.Get("X-Swift-Package-Signature") != base64.StdEncoding.EncodeToString(sig) {
		t.Errorf("signed archive: %d %v", resp.StatusCode, resp.Header)
	}
	_, body = r.get(t, "mona/Kit/1.0.0", swiftAcceptJSON)
	if !strings.Contains(string(body), `"signing":{"signatureBase64Encoded":"`+base64.StdEncoding.EncodeToString(sig)+`","signatureFormat":"cms-1.0.0"}`) {
		t.Errorf("release metadata lacks the signing object: %s", body)
	}
}

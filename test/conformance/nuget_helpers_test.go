package conformance

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// nugetPkg describes a package the tests build by hand, as `dotnet pack`
// lays one out ("Package (.nupkg) format": an OPC zip with the .nuspec at
// its root).
type nugetPkg struct {
	ID, Version       string
	Description       string // default "A test package."
	Authors           string // default "Contoso"
	Summary           string
	ProjectURL        string
	LicenseExpression string
	LicenseURL        string
	Tags              string
	Groups            map[string][]string // targetFramework → "Id range" dependencies
	Readme            string              // packed as README.md and named by <readme>
	Extra             map[string]string   // more files
}

func (p nugetPkg) nuspec() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.12">
`)
	esc := func(s string) string {
		var w bytes.Buffer
		xmlEscape(&w, s)
		return w.String()
	}
	fmt.Fprintf(&b, "    <id>%s</id>\n    <version>%s</version>\n", esc(p.ID), esc(p.Version))
	desc, authors := p.Description, p.Authors
	if desc == "" {
		desc = "A test package."
	}
	if authors == "" {
		authors = "Contoso"
	}
	fmt.Fprintf(&b, "    <authors>%s</authors>\n    <description>%s</description>\n", esc(authors), esc(desc))
	if p.Summary != "" {
		fmt.Fprintf(&b, "    <summary>%s</summary>\n", esc(p.Summary))
	}
	if p.ProjectURL != "" {
		fmt.Fprintf(&b, "    <projectUrl>%s</projectUrl>\n", esc(p.ProjectURL))
	}
	if p.LicenseExpression != "" {
		fmt.Fprintf(&b, "    <license type=\"expression\">%s</license>\n", esc(p.LicenseExpression))
	}
	if p.LicenseURL != "" {
		fmt.Fprintf(&b, "    <licenseUrl>%s</licenseUrl>\n", esc(p.LicenseURL))
	}
	if p.Tags != "" {
		fmt.Fprintf(&b, "    <tags>%s</tags>\n", esc(p.Tags))
	}
	if p.Readme != "" {
		b.WriteString("    <readme>README.md</readme>\n")
	}
	if len(p.Groups) > 0 {
		b.WriteString("    <dependencies>\n")
		for _, tfm := range slices.Sorted(maps.Keys(p.Groups)) { // the same bytes every time
			deps := p.Groups[tfm]
			fmt.Fprintf(&b, "      <group targetFramework=\"%s\">\n", esc(tfm))
			for _, d := range deps {
				id, rng, _ := strings.Cut(d, " ")
				fmt.Fprintf(&b, "        <dependency id=\"%s\" version=\"%s\" exclude=\"Build,Analyzers\" />\n", esc(id), esc(rng))
			}
			b.WriteString("      </group>\n")
		}
		b.WriteString("    </dependencies>\n")
	}
	b.WriteString("  </metadata>\n</package>\n")
	return b.String()
}

func xmlEscape(w *bytes.Buffer, s string) {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	w.WriteString(r.Replace(s))
}

// nupkg builds the package's bytes.
func (p nugetPkg) nupkg(t testing.TB) []byte {
	t.Helper()
	files := map[string]string{
		"[Content_Types].xml":         `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`,
		"_rels/.rels":                 `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />`,
		p.ID + ".nuspec":              p.nuspec(),
		"lib/net6.0/" + p.ID + ".dll": "not really a dll " + p.Version,
	}
	if p.Readme != "" {
		files["README.md"] = p.Readme
	}
	for k, v := range p.Extra {
		files[k] = v
	}
	return nugetZip(t, files)
}

func nugetZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// nugetRepo is a repository and what a NuGet client is configured with.
type nugetRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
}

func newNugetRepo(t *testing.T, opts ...harness.Option) *nugetRepo {
	t.Helper()
	s := harness.Start(t, opts...)
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "nu")
	return nugetRepoOf(t, s, c, "acme", "nu")
}

func nugetRepoOf(t *testing.T, s *harness.Server, c *codeartifact.Client, domain, repo string) *nugetRepo {
	t.Helper()
	tok, err := c.GetAuthorizationToken(context.Background(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(domain)})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(context.Background(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatNuget,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &nugetRepo{s: s, c: c, domain: domain, repo: repo, token: aws.ToString(tok.AuthorizationToken), endpoint: aws.ToString(ep.RepositoryEndpoint)}
}

// source is the URL `dotnet nuget add source` takes.
func (n *nugetRepo) source() string { return n.endpoint + "v3/index.json" }

// nugetAuth is how a request authenticates: as dotnet does with a source
// credential (Basic aws:TOKEN), as `push -k TOKEN` does (X-NuGet-ApiKey),
// Bearer, or not at all.
type nugetAuth int

const (
	nugetBasic nugetAuth = iota
	nugetAPIKey
	nugetBearer
	nugetNoAuth
)

func (n *nugetRepo) do(t testing.TB, method, url string, body io.Reader, auth nugetAuth, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	switch auth {
	case nugetBasic:
		req.SetBasicAuth("aws", n.token)
	case nugetAPIKey:
		req.Header.Set("X-NuGet-ApiKey", n.token)
	case nugetBearer:
		req.Header.Set("Authorization", "Bearer "+n.token)
	}
	// NuGet's client sends these on every request.
	req.Header.Set("X-NuGet-Protocol-Version", "4.1.0")
	req.Header.Set("User-Agent", "NuGet Command Line/6.8.0 (Linux)")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := nugetHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b := harness.ReadBody(t, resp)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s %s: Content-Encoding gzip, but: %v", method, url, err)
		}
		if b, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	return resp, b
}

// nugetHTTP does not decompress by itself (the tests check
// Content-Encoding) and does not follow redirects.
var nugetHTTP = &http.Client{
	Timeout:       60 * time.Second,
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get GETs a URL with Basic auth and decodes its JSON into v (when v is
// not nil), failing unless the status is want.
func (n *nugetRepo) getJSON(t testing.TB, url string, want int, v any) *http.Response {
	t.Helper()
	resp, b := n.do(t, http.MethodGet, url, nil, nugetBasic, map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, b, want)
	}
	// Every JSON resource of the protocol answers application/json.
	if ct := resp.Header.Get("Content-Type"); want == http.StatusOK && !strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET %s: Content-Type %q, want application/json", url, ct)
	}
	if v != nil {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("GET %s: not JSON: %v: %s", url, err, b)
		}
	}
	return resp
}

// push sends a package as NuGet's PackageUpdateResource does: PUT to the
// PackagePublish @id with a trailing slash, multipart/form-data whose
// first (only) part is the .nupkg, named "package" with file name
// "package.nupkg" and Content-Type application/octet-stream.
func (n *nugetRepo) push(t testing.TB, publishURL string, nupkg []byte, auth nugetAuth) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="package"; filename="package.nupkg"`}
	h["Content-Type"] = []string{"application/octet-stream"}
	pw, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	pw.Write(nupkg)
	mw.Close()
	resp, b := n.do(t, http.MethodPut, publishURL, &body, auth, map[string]string{"Content-Type": mw.FormDataContentType()})
	return resp, string(b)
}

// serviceIndex reads the service index and returns the @id of each
// resource type.
func (n *nugetRepo) serviceIndex(t testing.TB) map[string]string {
	t.Helper()
	var idx struct {
		Version   string `json:"version"`
		Resources []struct {
			ID   string `json:"@id"`
			Type string `json:"@type"`
		} `json:"resources"`
	}
	n.getJSON(t, n.source(), http.StatusOK, &idx)
	if idx.Version != "3.0.0" {
		t.Fatalf("service index version %q, want 3.0.0", idx.Version)
	}
	out := map[string]string{}
	for _, r := range idx.Resources {
		out[r.Type] = r.ID
	}
	return out
}

// mustPush pushes and requires 201.
func (n *nugetRepo) mustPush(t testing.TB, publishURL string, p nugetPkg) []byte {
	t.Helper()
	b := p.nupkg(t)
	resp, body := n.push(t, publishURL, b, nugetAPIKey)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("push %s %s: %d %s", p.ID, p.Version, resp.StatusCode, body)
	}
	return b
}

package conformance

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// No Swift toolchain runs here (../shared/guide/clients.md): these helpers
// send the requests SwiftPM's RegistryClient sends, as Registry.md (the
// registry specification of SE-0292) describes them.

// swiftAccept* are the Accept headers of Registry.md 3.5.
const (
	swiftAcceptJSON  = "application/vnd.swift.registry.v1+json"
	swiftAcceptZip   = "application/vnd.swift.registry.v1+zip"
	swiftAcceptSwift = "application/vnd.swift.registry.v1+swift"
)

// swiftRepo is a server with a domain, a repository, a token and the
// repository's Swift endpoint.
type swiftRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
}

func newSwiftRepo(t *testing.T, s *harness.Server, domainName, repo string, upstreams ...string) *swiftRepo {
	t.Helper()
	ctx := context.Background()
	c := s.Client(t)
	harness.CreateRepository(t, c, domainName, repo, upstreams...)
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(domainName)})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(domainName), Repository: aws.String(repo), Format: types.PackageFormatSwift,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &swiftRepo{s: s, c: c, domain: domainName, repo: repo, token: aws.ToString(tok.AuthorizationToken), endpoint: aws.ToString(ep.RepositoryEndpoint)}
}

var swiftHTTP = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// do sends a request with the token as SwiftPM's token login does
// (Authorization: Bearer, ../shared/guide/codeartifact.md 7.3); token ""
// sends none.
func (r *swiftRepo) do(t testing.TB, method, path, accept string, body io.Reader, hdr map[string]string, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, r.endpoint+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := swiftHTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, harness.ReadBody(t, resp)
}

func (r *swiftRepo) get(t testing.TB, path, accept string) (*http.Response, []byte) {
	t.Helper()
	return r.do(t, http.MethodGet, path, accept, nil, nil, r.token)
}

// swiftPart is one part of a publish body.
type swiftPart struct {
	name, contentType, encoding string
	body                        []byte
}

// publish sends Registry.md 4.6's PUT {scope}/{name}/{version}: a
// multipart body with source-archive (application/zip) and, when given,
// metadata (application/json), as SwiftPM's `swift package-registry
// publish` does.
func (r *swiftRepo) publish(t testing.TB, scope, name, version string, archive []byte, metadata string, extra ...swiftPart) (*http.Response, []byte) {
	t.Helper()
	parts := []swiftPart{{name: "source-archive", contentType: "application/zip", body: archive}}
	if metadata != "" {
		parts = append(parts, swiftPart{name: "metadata", contentType: "application/json", body: []byte(metadata)})
	}
	return r.publishParts(t, scope+"/"+name+"/"+version, append(parts, extra...), nil)
}

func (r *swiftRepo) publishParts(t testing.TB, path string, parts []swiftPart, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.name))
		h.Set("Content-Type", p.contentType)
		if p.encoding != "" {
			h.Set("Content-Transfer-Encoding", p.encoding)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.body)
	}
	mw.Close()
	all := map[string]string{"Content-Type": mw.FormDataContentType(), "Expect": "100-continue"}
	for k, v := range hdr {
		all[k] = v
	}
	return r.do(t, http.MethodPut, path, swiftAcceptJSON, &body, all, r.token)
}

// swiftZip builds a source archive as `swift package archive-source`
// does: every file under one top-level directory.
func swiftZip(t testing.TB, top string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	if top != "" {
		if _, err := zw.Create(top + "/"); err != nil {
			t.Fatal(err)
		}
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		full := n
		if top != "" {
			full = top + "/" + n
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: full, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// swiftManifest is a Package.swift of the given tools version.
func swiftManifest(tools, name string) string {
	return fmt.Sprintf("// swift-tools-version:%s\nimport PackageDescription\n\nlet package = Package(\n    name: %q,\n    targets: [.target(name: %q)]\n)\n", tools, name, name)
}

// swiftPackage is a small package's archive: a manifest and one source.
func swiftPackage(t testing.TB, name, version string, extra map[string]string) []byte {
	files := map[string]string{
		"Package.swift": swiftManifest("5.9", name),
		"Sources/" + name + "/" + name + ".swift": fmt.Sprintf("public let version = %q\n", version),
	}
	for k, v := range extra {
		files[k] = v
	}
	return swiftZip(t, name, files)
}

func swiftSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// swiftProblem checks an error response is problem details (Registry.md
// 3.3) with the status and returns its detail.
func swiftProblem(t testing.TB, what string, resp *http.Response, body []byte, status int) string {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("%s: status %d, want %d: %s", what, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	if v := resp.Header.Get("Content-Version"); v != "1" {
		t.Errorf("%s: Content-Version %q, want 1", what, v)
	}
	var p struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Detail == "" {
		t.Errorf("%s: not a problem details object with a detail: %s", what, body)
	}
	return p.Detail
}

// swiftReleases decodes a list of releases (Registry.md 4.1), keeping the
// order of its keys.
type swiftRelease struct {
	Version string
	URL     string `json:"url"`
	Problem *struct {
		Status int    `json:"status"`
		Detail string `json:"detail"`
	} `json:"problem"`
}

func swiftDecodeReleases(t testing.TB, body []byte) []swiftRelease {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	var out []swiftRelease
	expect := func(want json.Delim) {
		tok, err := dec.Token()
		if err != nil || tok != want {
			t.Fatalf("list of releases: want %v, got %v (%v): %s", want, tok, err, body)
		}
	}
	expect('{')
	if tok, err := dec.Token(); err != nil || tok != "releases" {
		t.Fatalf("list of releases: want the releases key, got %v: %s", tok, body)
	}
	expect('{')
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var r swiftRelease
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		r.Version = tok.(string)
		out = append(out, r)
	}
	return out
}

// setSwiftStatus changes versions' status through the control plane.
func (r *swiftRepo) setStatus(t testing.TB, scope, name string, status types.PackageVersionStatus, versions ...string) {
	t.Helper()
	out, err := r.c.UpdatePackageVersionsStatus(context.Background(), &codeartifact.UpdatePackageVersionsStatusInput{
		Domain: aws.String(r.domain), Repository: aws.String(r.repo), Format: types.PackageFormatSwift,
		Namespace: aws.String(scope), Package: aws.String(name), Versions: versions, TargetStatus: status,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FailedVersions) > 0 {
		t.Fatalf("status change failed: %+v", out.FailedVersions)
	}
}

func swiftStrings(rs []swiftRelease) string {
	var s []string
	for _, r := range rs {
		p := ""
		if r.Problem != nil {
			p = fmt.Sprintf("(%d)", r.Problem.Status)
		}
		s = append(s, r.Version+p)
	}
	return strings.Join(s, " ")
}

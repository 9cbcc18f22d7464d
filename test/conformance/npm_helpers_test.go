package conformance

// Shared helpers of the npm data-plane conformance tests (npm_*_test.go).
// Every identifier here starts with "npm" so that it cannot clash with the
// helpers of the other conformance files in this package.

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// npmEnv is one server with one domain and repository, a token for it,
// and an isolated npm configuration pointing at the repository.
type npmEnv struct {
	srv      *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	endpoint string // the repository's npm endpoint, ending in "/"
	token    string
	dir      string // scratch folder: npmrc, cache, projects
	npmrc    string
}

// npmPath finds npm, failing the test unless ARTIFACTD_ALLOW_SKIP=1.
func npmPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("npm")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("npm not on PATH (ARTIFACTD_ALLOW_SKIP=1)")
		}
		t.Fatalf("npm not on PATH: %v (set ARTIFACTD_ALLOW_SKIP=1 to skip)", err)
	}
	return p
}

// npmStart starts a server with domain "npmdom" and repository "npmrepo",
// mints a token and writes an npmrc that uses them. Tests that run npm
// fail without it (see npmPath).
func npmStart(t *testing.T, opts ...harness.Option) *npmEnv {
	t.Helper()
	s := harness.Start(t, opts...)
	e := &npmEnv{srv: s, c: s.Client(t), domain: "npmdom", repo: "npmrepo", dir: t.TempDir()}
	harness.CreateDomain(t, e.c, e.domain)
	harness.CreateRepository(t, e.c, e.domain, e.repo)
	e.token = e.newToken(t, e.domain)
	ep, err := e.c.GetRepositoryEndpoint(t.Context(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
	})
	if err != nil {
		t.Fatalf("GetRepositoryEndpoint: %v", err)
	}
	e.endpoint = aws.ToString(ep.RepositoryEndpoint)
	e.npmrc = filepath.Join(e.dir, "npmrc")
	npmWriteRC(t, e.npmrc, e.endpoint, e.token)
	return e
}

// npmWriteRC writes an npm user config for a registry and token.
func npmWriteRC(t *testing.T, path, endpoint, token string) {
	t.Helper()
	rc := "registry=" + endpoint + "\n" +
		"//" + strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://") + ":_authToken=" + token + "\n" +
		"update-notifier=false\nfund=false\naudit=false\n"
	if err := os.WriteFile(path, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (e *npmEnv) newToken(t *testing.T, domainName string) string {
	t.Helper()
	out, err := e.c.GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(domainName)})
	if err != nil {
		t.Fatalf("GetAuthorizationToken %s: %v", domainName, err)
	}
	return aws.ToString(out.AuthorizationToken)
}

// npmResult is the outcome of one npm command.
type npmResult struct {
	stdout, stderr string
	err            error
}

func (r npmResult) String() string {
	return "stdout:\n" + r.stdout + "\nstderr:\n" + r.stderr
}

// run runs npm in dir with the environment's npmrc (or rc, when given),
// a private cache and HOME, and nothing from the caller's own config.
func (e *npmEnv) runRC(t *testing.T, rc, dir string, args ...string) npmResult {
	t.Helper()
	home := filepath.Join(e.dir, "home")
	os.MkdirAll(home, 0o700)
	global := filepath.Join(e.dir, "global-npmrc")
	if _, err := os.Stat(global); err != nil {
		os.WriteFile(global, nil, 0o600)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, npmPath(t), args...)
	cmd.Dir = dir
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(strings.ToLower(k), "npm_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env,
		"HOME="+home,
		"NPM_CONFIG_USERCONFIG="+rc,
		"NPM_CONFIG_GLOBALCONFIG="+global,
		"NPM_CONFIG_CACHE="+filepath.Join(e.dir, "cache"),
		"NPM_CONFIG_UPDATE_NOTIFIER=false",
		"NPM_CONFIG_FUND=false",
		"NPM_CONFIG_AUDIT=false",
		"NPM_CONFIG_LOGLEVEL=warn",
		"NO_COLOR=1",
	)
	var o, er bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &er
	err := cmd.Run()
	return npmResult{o.String(), er.String(), err}
}

func (e *npmEnv) run(t *testing.T, dir string, args ...string) npmResult {
	t.Helper()
	return e.runRC(t, e.npmrc, dir, args...)
}

// must runs npm and fails the test when it fails.
func (e *npmEnv) must(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := e.run(t, dir, args...)
	if r.err != nil {
		t.Fatalf("npm %s: %v\n%s\nserver logs:\n%s", strings.Join(args, " "), r.err, r, npmTail(e.srv.Logs(), 15))
	}
	return r.stdout
}

// fails runs npm, expects it to fail, and returns its output.
func (e *npmEnv) fails(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := e.run(t, dir, args...)
	if r.err == nil {
		t.Fatalf("npm %s succeeded, want a failure\n%s", strings.Join(args, " "), r)
	}
	return r.stdout + r.stderr
}

// viewJSON runs `npm view --json` and decodes the result.
func (e *npmEnv) viewJSON(t *testing.T, args ...string) any {
	t.Helper()
	out := e.must(t, e.dir, append([]string{"view", "--json", "--prefer-online"}, args...)...)
	if strings.TrimSpace(out) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("npm view %v: not JSON: %v\n%s", args, err, out)
	}
	return v
}

func npmTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// npmPkg describes a package directory to publish.
type npmPkg struct {
	name, version string
	extra         map[string]any // more package.json fields
	index         string         // index.js content
	readme        string
}

// write creates the package directory and returns it.
func (e *npmEnv) write(t *testing.T, p npmPkg) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.dir, "pkg-")
	if err != nil {
		t.Fatal(err)
	}
	pj := map[string]any{"name": p.name, "version": p.version, "main": "index.js"}
	for k, v := range p.extra {
		pj[k] = v
	}
	b, _ := json.MarshalIndent(pj, "", "  ")
	index := p.index
	if index == "" {
		index = "module.exports = " + strconvQuote(p.name+"@"+p.version) + ";\n"
	}
	readme := p.readme
	if readme == "" {
		readme = "# " + p.name + "\n"
	}
	for f, content := range map[string]string{"package.json": string(b), "index.js": index, "README.md": readme} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// publish writes and publishes a package with npm.
func (e *npmEnv) publish(t *testing.T, p npmPkg, args ...string) string {
	t.Helper()
	dir := e.write(t, p)
	e.must(t, dir, append([]string{"publish"}, args...)...)
	return dir
}

// project creates an empty npm project to install into.
func (e *npmEnv) project(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(e.dir, "proj-")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"proj","version":"1.0.0","private":true}`), 0o644)
	return dir
}

// install runs npm install in a new project and returns the project.
func (e *npmEnv) install(t *testing.T, specs ...string) string {
	t.Helper()
	dir := e.project(t)
	e.must(t, dir, append([]string{"install", "--no-audit", "--no-fund", "--prefer-online"}, specs...)...)
	return dir
}

// get sends a request to the data plane with the environment's token
// (auth "" sends none) and returns status and body.
func (e *npmEnv) do(t *testing.T, method, url string, body []byte, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp := e.srv.Do(t, req)
	b := harness.ReadBody(t, resp)
	return resp, b
}

// packument fetches the full packument (nil when 404).
func (e *npmEnv) packument(t *testing.T, path string) map[string]any {
	t.Helper()
	resp, b := e.do(t, "GET", e.endpoint+path, nil, map[string]string{"Accept": "application/json"})
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("GET %s: not JSON: %v", path, err)
	}
	return m
}

// npmVersionsOf lists the versions of a packument (nil packument: none).
func npmVersionsOf(doc map[string]any) []string {
	vs, _ := doc["versions"].(map[string]any)
	return harness.SortedKeys(vs)
}

func npmTagsOf(doc map[string]any) map[string]string {
	out := map[string]string{}
	tags, _ := doc["dist-tags"].(map[string]any)
	for k, v := range tags {
		out[k], _ = v.(string)
	}
	return out
}

// ref returns the SDK coordinates of an npm package name.
func npmCoords(name string) (namespace *string, pkg string) {
	if strings.HasPrefix(name, "@") {
		scope, n, _ := strings.Cut(name[1:], "/")
		return aws.String(scope), n
	}
	return nil, name
}

func (e *npmEnv) describe(t *testing.T, name, version string) (*types.PackageVersionDescription, error) {
	t.Helper()
	ns, pkg := npmCoords(name)
	out, err := e.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
		Namespace: ns, Package: aws.String(pkg), PackageVersion: aws.String(version),
	})
	if err != nil {
		return nil, err
	}
	return out.PackageVersion, nil
}

func (e *npmEnv) mustDescribe(t *testing.T, name, version string) *types.PackageVersionDescription {
	t.Helper()
	d, err := e.describe(t, name, version)
	if err != nil {
		t.Fatalf("DescribePackageVersion %s@%s: %v", name, version, err)
	}
	return d
}

// setStatus moves versions to a status through the control plane.
func (e *npmEnv) setStatus(t *testing.T, name string, status types.PackageVersionStatus, versions ...string) {
	t.Helper()
	ns, pkg := npmCoords(name)
	out, err := e.c.UpdatePackageVersionsStatus(t.Context(), &codeartifact.UpdatePackageVersionsStatusInput{
		Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
		Namespace: ns, Package: aws.String(pkg), Versions: versions, TargetStatus: status,
	})
	if err != nil {
		t.Fatalf("UpdatePackageVersionsStatus %s %v -> %s: %v", name, versions, status, err)
	}
	if len(out.FailedVersions) > 0 {
		t.Fatalf("UpdatePackageVersionsStatus %s %v -> %s: failed %v", name, versions, status, out.FailedVersions)
	}
}

// npmTarball builds an npm tarball: package/package.json plus files.
func npmTarball(t *testing.T, packageJSON string, files map[string]string) []byte {
	t.Helper()
	all := map[string]string{"package/package.json": packageJSON}
	for k, v := range files {
		all[k] = v
	}
	return npmTarballFiles(t, all)
}

// npmTarballFiles builds a gzipped tar of files, deterministically.
func npmTarballFiles(t *testing.T, all map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range harness.SortedKeys(all) {
		body := all[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(499162500, 0)}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

// npmPublishDoc is the body npm sends to publish name@version.
func npmPublishDoc(name, version string, tgz []byte, tags map[string]string) map[string]any {
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	if tags == nil {
		tags = map[string]string{"latest": version}
	}
	return map[string]any{
		"_id": name, "name": name, "dist-tags": tags,
		"versions": map[string]any{version: map[string]any{
			"name": name, "version": version, "_id": name + "@" + version,
			"dist": map[string]any{
				"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]),
				"shasum":    hex.EncodeToString(s1[:]),
				"tarball":   "http://ignored.example/" + name + "/-/x.tgz",
			},
		}},
		"_attachments": map[string]any{name + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz),
		}},
	}
}

// npmEscape escapes a package name as npm does in URLs.
func npmEscape(name string) string { return strings.Replace(name, "/", "%2f", 1) }

// putDoc PUTs a publish document over HTTP and returns status and body.
func (e *npmEnv) putDoc(t *testing.T, name string, doc map[string]any) (int, string) {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(t, "PUT", e.endpoint+npmEscape(name), b, nil)
	return resp.StatusCode, string(body)
}

// httpPublish publishes name@version without npm (faster, for status tests).
func (e *npmEnv) httpPublish(t *testing.T, name, version string, tags map[string]string) []byte {
	t.Helper()
	tgz := npmTarball(t, `{"name":"`+name+`","version":"`+version+`"}`, map[string]string{"package/index.js": "module.exports = '" + version + "'\n"})
	if st, body := e.putDoc(t, name, npmPublishDoc(name, version, tgz, tags)); st != http.StatusOK {
		t.Fatalf("publish %s@%s: %d %s", name, version, st, body)
	}
	return tgz
}

// npmErrorBody checks an {"error": "..."} body and returns the message.
func npmErrorBody(t *testing.T, what string, resp *http.Response, body []byte, status int) string {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d (%s)", what, resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("%s: body is not JSON: %s", what, body)
		return ""
	}
	msg, _ := m["error"].(string)
	if msg == "" {
		t.Errorf("%s: no error message: %s", what, body)
	}
	return msg
}

// expectNotFound asserts a ResourceNotFoundException.
func npmExpectGone(t *testing.T, err error) {
	t.Helper()
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("expected ResourceNotFoundException, got %v", err)
	}
}

// npmDecode decodes a JSON object.
func npmDecode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, b)
	}
	return m
}

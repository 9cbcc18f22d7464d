package conformance

import (
	"context"
	"fmt"
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

// rbGem describes a gem the tests build with the real `gem build`.
type rbGem struct {
	Name, Version string
	Platform      string   // "" = ruby
	Deps          []string // add_dependency arguments, e.g. `"rb-base", "~> 1.0"`
	DevDeps       []string
	Summary       string
	Homepage      string
	License       string
	Body          string // the content of lib/{name}.rb (default: a VERSION constant)
}

// rbRequireTool finds a command or fails (skips with ARTIFACTD_ALLOW_SKIP=1).
func rbRequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skipf("%s not found (apt-get install ruby bundler); ARTIFACTD_ALLOW_SKIP=1", name)
		}
		t.Fatalf("%s not found: apt-get install ruby bundler (set ARTIFACTD_ALLOW_SKIP=1 to skip)", name)
	}
	return path
}

// rubyRepo is a server with a domain and a repository for gems, a token,
// the endpoint and a HOME for the clients.
type rubyRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
	home     string
}

func newRubyRepo(t *testing.T, s *harness.Server, repo string, upstreams ...string) *rubyRepo {
	t.Helper()
	rbRequireTool(t, "gem")
	c := s.Client(t)
	ctx := context.Background()
	if _, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")}); err != nil {
		harness.CreateDomain(t, c, "acme")
	}
	harness.CreateRepository(t, c, "acme", repo, upstreams...)
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String("acme"), Repository: aws.String(repo), Format: types.PackageFormatRuby,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &rubyRepo{s: s, c: c, domain: "acme", repo: repo, token: aws.ToString(tok.AuthorizationToken),
		endpoint: aws.ToString(ep.RepositoryEndpoint), home: t.TempDir()}
}

// source is the gem source with the token in it, as the documentation's
// .gemrc has it.
func (g *rubyRepo) source() string {
	return strings.Replace(g.endpoint, "://", "://aws:"+g.token+"@", 1)
}

// env is the clients' environment: HOME in a temp dir, no default source.
func (g *rubyRepo) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "HOME" || k == "GEM_HOME" || k == "GEM_PATH" || strings.HasPrefix(k, "BUNDLE_") || k == "RUBYGEMS_HOST" || k == "GEM_HOST_API_KEY" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, append([]string{"HOME=" + g.home, "GEM_SPEC_CACHE=" + filepath.Join(g.home, "spec-cache")}, extra...)...)
}

// run runs a client in dir and returns its combined output.
func (g *rubyRepo) run(t testing.TB, dir string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rbRequireTool(t, name), args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// build writes the gem's sources and runs `gem build`; it returns the
// .gem's path.
func (d rbGem) build(t testing.TB, g *rubyRepo) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), d.Name)
	os.MkdirAll(filepath.Join(dir, "lib"), 0o755)
	body := d.Body
	if body == "" {
		body = fmt.Sprintf("module %s\n  VERSION = %q\nend\n", rbModule(d.Name), d.Version)
	}
	os.WriteFile(filepath.Join(dir, "lib", d.Name+".rb"), []byte(body), 0o644)
	var spec strings.Builder
	fmt.Fprintf(&spec, "Gem::Specification.new do |s|\n  s.name = %q\n  s.version = %q\n  s.authors = [\"Tests\"]\n  s.files = [\"lib/%s.rb\"]\n", d.Name, d.Version, d.Name)
	fmt.Fprintf(&spec, "  s.summary = %q\n", d.Summary+" ")
	if d.Homepage != "" {
		fmt.Fprintf(&spec, "  s.homepage = %q\n  s.metadata = {\"source_code_uri\" => %q}\n", d.Homepage, d.Homepage+"/src")
	}
	if d.License != "" {
		fmt.Fprintf(&spec, "  s.license = %q\n", d.License)
	}
	if d.Platform != "" {
		fmt.Fprintf(&spec, "  s.platform = %q\n", d.Platform)
	}
	for _, dep := range d.Deps {
		fmt.Fprintf(&spec, "  s.add_dependency %s\n", dep)
	}
	for _, dep := range d.DevDeps {
		fmt.Fprintf(&spec, "  s.add_development_dependency %s\n", dep)
	}
	spec.WriteString("end\n")
	os.WriteFile(filepath.Join(dir, d.Name+".gemspec"), []byte(spec.String()), 0o644)
	if out, err := g.run(t, dir, g.env(), "gem", "build", d.Name+".gemspec"); err != nil {
		t.Fatalf("gem build %s: %v\n%s", d.Name, err, out)
	}
	file := d.Name + "-" + d.Version
	if d.Platform != "" {
		file += "-" + d.Platform
	}
	return filepath.Join(dir, file+".gem")
}

// rbModule is a Ruby module name for a gem name (rb-base → RbBase).
func rbModule(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// push runs `gem push` with the key in ~/.gem/credentials, as the
// documentation writes it (:codeartifact_api_key: Bearer TOKEN).
func (g *rubyRepo) push(t testing.TB, path string) (string, error) {
	t.Helper()
	cred := filepath.Join(g.home, ".gem", "credentials")
	os.MkdirAll(filepath.Dir(cred), 0o700)
	if err := os.WriteFile(cred, []byte("---\n:codeartifact_api_key: Bearer "+g.token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return g.run(t, filepath.Dir(path), g.env("RUBYGEMS_HOST="+strings.TrimSuffix(g.endpoint, "/")), "gem", "push", "--key", "codeartifact_api_key", path)
}

// mustPush pushes and fails the test on an error.
func (g *rubyRepo) mustPush(t testing.TB, paths ...string) {
	t.Helper()
	for _, p := range paths {
		out, err := g.push(t, p)
		if err != nil || !strings.Contains(out, "Successfully registered gem") {
			t.Fatalf("gem push %s: %v\n%s", filepath.Base(p), err, out)
		}
	}
}

// gemInstall runs `gem install` from the repository alone into a fresh
// directory, which it returns.
func (g *rubyRepo) gemInstall(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	all := append([]string{"install", "--clear-sources", "--source", g.source(), "--install-dir", dir, "--no-document"}, args...)
	out, err := g.run(t, dir, g.env(), "gem", all...)
	return dir, out, err
}

// get does a GET of a path under the endpoint with the token (Basic).
func (g *rubyRepo) get(t testing.TB, path string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.endpoint+path, nil)
	req.SetBasicAuth("aws", g.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, harness.ReadBody(t, resp)
}

// versions lists a gem's versions and statuses on the control plane.
func (g *rubyRepo) versions(t testing.TB, name string) map[string]types.PackageVersionStatus {
	t.Helper()
	out, err := g.c.ListPackageVersions(context.Background(), &codeartifact.ListPackageVersionsInput{
		Domain: aws.String(g.domain), Repository: aws.String(g.repo), Format: types.PackageFormatRuby, Package: aws.String(name),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]types.PackageVersionStatus{}
	for _, v := range out.Versions {
		m[aws.ToString(v.Version)] = v.Status
	}
	return m
}

// installed lists the gem directories an install dir holds.
func rbInstalled(t testing.TB, dir string) []string {
	t.Helper()
	ents, _ := os.ReadDir(filepath.Join(dir, "gems"))
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

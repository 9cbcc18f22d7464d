package conformance

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
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

// cargoRequireTool finds cargo (on PATH or in ~/.cargo/bin) or fails
// (skips with ARTIFACTD_ALLOW_SKIP=1).
func cargoRequireTool(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("cargo"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, ".cargo", "bin", "cargo")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
		t.Skip("cargo not found (install Rust's cargo ≥ 1.74); ARTIFACTD_ALLOW_SKIP=1")
	}
	t.Fatal("cargo not found: install Rust's cargo ≥ 1.74 (set ARTIFACTD_ALLOW_SKIP=1 to skip)")
	return ""
}

// cargoRepo is a server with domain acme, a repository, a token and the
// repository's Cargo endpoint.
type cargoRepo struct {
	s        *harness.Server
	c        *codeartifact.Client
	domain   string
	repo     string
	token    string
	endpoint string // ends in "/"
	work     string
}

func newCargoRepo(t *testing.T, opts ...harness.Option) *cargoRepo {
	t.Helper()
	s := harness.Start(t, opts...)
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "crates")
	return cargoRepoOf(t, s, c, "crates")
}

// cargoRepoOf gives the token and endpoint of repository repo of acme.
func cargoRepoOf(t *testing.T, s *harness.Server, c *codeartifact.Client, repo string) *cargoRepo {
	t.Helper()
	tok, err := c.GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(t.Context(), &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String("acme"), Repository: aws.String(repo), Format: types.PackageFormatCargo,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &cargoRepo{s: s, c: c, domain: "acme", repo: repo, token: aws.ToString(tok.AuthorizationToken),
		endpoint: aws.ToString(ep.RepositoryEndpoint), work: t.TempDir()}
}

// cargoHome makes a fresh, empty CARGO_HOME whose config names registry
// "art" at the endpoint, replaces crates-io with it (nothing reaches the
// internet) and takes the token from CARGO_REGISTRIES_ART_TOKEN.
func (p *cargoRepo) cargoHome(t testing.TB, name string) string {
	t.Helper()
	home := filepath.Join(p.work, "homes", name)
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	config := fmt.Sprintf(`[registries.art]
index = "sparse+%s"

[registry]
global-credential-providers = ["cargo:token"]

[source.crates-io]
replace-with = "art"

[net]
retry = 0
git-fetch-with-cli = false

[http]
timeout = 20
`, p.endpoint)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return home
}

// cargo runs cargo in dir with CARGO_HOME home and the token (as cargo
// sends it, verbatim: "Bearer TOKEN"; token "" sends none).
func (p *cargoRepo) cargo(t testing.TB, home, dir, token string, args ...string) (string, int) {
	t.Helper()
	bin := cargoRequireTool(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CARGO_") || strings.HasPrefix(kv, "RUSTUP_TOOLCHAIN=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "CARGO_HOME="+home, "CARGO_NET_RETRY=0", "CARGO_HTTP_TIMEOUT=20", "CARGO_TERM_COLOR=never",
		"CARGO_TARGET_DIR="+filepath.Join(dir, "target"), "CARGO_INCREMENTAL=0")
	if rh := os.Getenv("RUSTUP_HOME"); rh == "" {
		if h, err := os.UserHomeDir(); err == nil {
			env = append(env, "RUSTUP_HOME="+filepath.Join(h, ".rustup"))
		}
	}
	if token != "" {
		env = append(env, "CARGO_REGISTRIES_ART_TOKEN="+token)
	}
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running cargo %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// cargoCrate is a crate the tests write: a Cargo.toml and src files.
type cargoCrate struct {
	Name, Version string
	Manifest      string            // [package] extras and sections after it
	Files         map[string]string // path → content (src/lib.rs or src/main.rs...)
}

// write writes the crate's sources under dir/{name}-{version} and returns
// that directory.
func (c cargoCrate) write(t testing.TB, dir string) string {
	t.Helper()
	root := filepath.Join(dir, c.Name+"-"+c.Version)
	files := map[string]string{"Cargo.toml": c.manifest()}
	for k, v := range c.Files {
		files[k] = v
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func (c cargoCrate) manifest() string {
	return fmt.Sprintf("[package]\nname = %q\nversion = %q\nedition = \"2021\"\n%s", c.Name, c.Version, c.Manifest)
}

// dotCrate packs the crate as cargo package would (enough for cargo to
// build it): {name}-{version}/Cargo.toml and the files.
func (c cargoCrate) dotCrate(t testing.TB) []byte {
	t.Helper()
	files := map[string]string{"Cargo.toml": c.manifest()}
	for k, v := range c.Files {
		files[k] = v
	}
	return cargoTarGz(t, c.Name+"-"+c.Version+"/", files)
}

func cargoTarGz(t testing.TB, prefix string, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range files {
		if err := tw.WriteHeader(&tar.Header{Name: prefix + name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg,
			ModTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// cargoFrame is a publish body: u32 LE length, JSON, u32 LE length, crate.
func cargoFrame(meta any, crate []byte) []byte {
	js, _ := json.Marshal(meta)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	binary.Write(&b, binary.LittleEndian, uint32(len(crate)))
	b.Write(crate)
	return b.Bytes()
}

// do sends a request to the endpoint with the token sent as cargo does
// (Authorization: TOKEN, verbatim; "" = none).
func (p *cargoRepo) do(t testing.TB, method, path, token string, body []byte, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, p.endpoint+path, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, harness.ReadBody(t, resp)
}

// cargoIndexLines reads a crate's index file: version → line.
func (p *cargoRepo) indexLines(t testing.TB, path string) map[string]map[string]any {
	t.Helper()
	resp, body := p.do(t, http.MethodGet, path, p.token, nil)
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	out := map[string]map[string]any{}
	for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("index line %q: %v", line, err)
		}
		out[m["vers"].(string)] = m
	}
	return out
}

func cargoSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

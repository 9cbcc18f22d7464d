package conformance

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// rbDo sends a request under the endpoint with the token as a Bearer.
func (g *rubyRepo) do(t testing.TB, method, path string, body []byte, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, g.endpoint+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+g.token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp, harness.ReadBody(t, resp)
}

// TestRubyProtocol checks what the clients rely on beyond a plain run:
// bad pushes leave nothing behind, bundler's ETag and Range semantics on
// the compact index, control-plane status changes showing in every index
// at once, and a quick gemspec the real ruby loads.
func TestRubyProtocol(t *testing.T) {
	t.Parallel()
	g := newRubyRepo(t, harness.Start(t), "proto")
	ctx := context.Background()
	gem, err := os.ReadFile(rbGem{Name: "rb-proto", Version: "0.1.0", Summary: "Proto", Deps: []string{`"rb-other", ">= 2"`}}.build(t, g))
	if err != nil {
		t.Fatal(err)
	}

	nextPath := rbGem{Name: "rb-proto", Version: "0.2.0", Summary: "Proto"}.build(t, g)
	next, err := os.ReadFile(nextPath)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("bad push leaves nothing", func(t *testing.T) {
		resp, body := g.do(t, http.MethodPost, "api/v1/gems", []byte("not a gem"))
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "could not read the gem") {
			t.Errorf("push of garbage: %d %s", resp.StatusCode, body)
		}
		ps, err := g.c.ListPackages(ctx, &codeartifact.ListPackagesInput{Domain: aws.String(g.domain), Repository: aws.String(g.repo)})
		if err != nil || len(ps.Packages) != 0 {
			t.Errorf("packages after a refused push: %v %+v", err, ps)
		}
	})

	resp, body := g.do(t, http.MethodPost, "api/v1/gems", gem, "Content-Type", "application/octet-stream")
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "Successfully registered gem: rb-proto (0.1.0)" {
		t.Fatalf("push: %d %s", resp.StatusCode, body)
	}

	t.Run("compact index ETag and Range", func(t *testing.T) {
		resp, versions := g.do(t, http.MethodGet, "versions", nil)
		sum := md5.Sum(versions)
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		if resp.StatusCode != 200 || resp.Header.Get("ETag") != etag || !strings.Contains(string(versions), "\nrb-proto 0.1.0 ") {
			t.Fatalf("versions: %d etag %q (md5 %s)\n%s", resp.StatusCode, resp.Header.Get("ETag"), etag, versions)
		}
		if resp, _ := g.do(t, http.MethodGet, "versions", nil, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
		}
		resp, part := g.do(t, http.MethodGet, "versions", nil, "Range", "bytes=10-")
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, versions[10:]) {
			t.Errorf("Range: %d, %d bytes", resp.StatusCode, len(part))
		}
		_, info := g.do(t, http.MethodGet, "info/rb-proto", nil)
		isum := md5.Sum(info)
		if !strings.HasSuffix(strings.TrimSpace(string(versions)), hex.EncodeToString(isum[:])) || !strings.HasPrefix(string(info), "---\n0.1.0 rb-other:>= 2|checksum:") {
			t.Errorf("info/rb-proto:\n%s\nversions:\n%s", info, versions)
		}
	})

	t.Run("quick gemspec loads in ruby", func(t *testing.T) {
		resp, rz := g.do(t, http.MethodGet, "quick/Marshal.4.8/rb-proto-0.1.0.gemspec.rz", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("quick: %d", resp.StatusCode)
		}
		f := filepath.Join(t.TempDir(), "spec.rz")
		os.WriteFile(f, rz, 0o644)
		out, err := exec.Command(rbRequireTool(t, "ruby"), "-rrubygems", "-e",
			`s = Marshal.load(Gem::Util.inflate(File.binread(ARGV[0]))); print s.full_name, " ", s.runtime_dependencies.map(&:to_s).join(",")`, f).CombinedOutput()
		if err != nil || string(out) != "rb-proto-0.1.0 rb-other (>= 2)" {
			t.Errorf("ruby: %v %s", err, out)
		}
	})

	t.Run("read-only token", func(t *testing.T) {
		// A CI user allowed only to read the repository (README): every
		// index answers, the endpoint's probe included; a push is 403.
		e := azOn(t, g.s)
		ci := e.createUser(t, e.admin, "rb-ci", e.readPolicy(g.repo))
		tok, err := e.ca(ci).GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String(g.domain)})
		if err != nil {
			t.Fatal(err)
		}
		ro := *g
		ro.token = aws.ToString(tok.AuthorizationToken)
		for path, want := range map[string]int{"": 404, "versions": 200, "specs.4.8.gz": 200, "info/rb-proto": 200, "api/v1/dependencies?gems=rb-proto": 200} {
			if resp, body := ro.do(t, http.MethodGet, path, nil); resp.StatusCode != want {
				t.Errorf("GET %q with a read-only token: %d, want %d: %s", path, resp.StatusCode, want, body)
			}
		}
		if resp, body := ro.do(t, http.MethodPost, "api/v1/gems", next); resp.StatusCode != http.StatusForbidden {
			t.Errorf("push with a read-only token: %d %s", resp.StatusCode, body)
		}
		// gem yank needs UpdatePackageVersionsStatus on the package: 403,
		// and the version stays as it was.
		if resp, body := ro.do(t, http.MethodDelete, "api/v1/gems/yank", []byte("gem_name=rb-proto&version=0.1.0"),
			"Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("yank with a read-only token: %d %s", resp.StatusCode, body)
		}
		if st := g.versions(t, "rb-proto")["0.1.0"]; st != types.PackageVersionStatusPublished {
			t.Errorf("after a refused yank rb-proto 0.1.0 is %s, want Published", st)
		}
	})

	t.Run("gem push with GEM_HOST_API_KEY", func(t *testing.T) {
		// The README's other way: the bare token in GEM_HOST_API_KEY, sent verbatim.
		out, err := g.run(t, filepath.Dir(nextPath), g.env("GEM_HOST_API_KEY="+g.token), "gem", "push", "--host", strings.TrimSuffix(g.endpoint, "/"), nextPath)
		if err != nil || !strings.Contains(out, "Successfully registered gem: rb-proto (0.2.0)") {
			t.Errorf("gem push: %v\n%s", err, out)
		}
	})

	t.Run("status changes show at once", func(t *testing.T) {
		set := func(st types.PackageVersionStatus) {
			t.Helper()
			if _, err := g.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{Domain: aws.String(g.domain),
				Repository: aws.String(g.repo), Format: types.PackageFormatRuby, Package: aws.String("rb-proto"),
				Versions: []string{"0.1.0"}, TargetStatus: st}); err != nil {
				t.Fatal(err)
			}
		}
		listed := func() (versions, info, deps string, gemStatus int) {
			_, v := g.do(t, http.MethodGet, "versions", nil)
			_, i := g.do(t, http.MethodGet, "info/rb-proto", nil)
			_, d := g.do(t, http.MethodGet, "api/v1/dependencies?gems=rb-proto", nil)
			r, _ := g.do(t, http.MethodGet, "gems/rb-proto-0.1.0.gem", nil)
			return string(v), string(i), string(d), r.StatusCode
		}
		_, _, _, st := listed() // warm the caches
		if st != 200 {
			t.Fatalf("gem download: %d", st)
		}
		set(types.PackageVersionStatusArchived)
		v, i, d, st := listed()
		if strings.Contains(v, "rb-proto 0.1.0") || strings.Contains(i, "0.1.0") || strings.Contains(d, "0.1.0") || st != 404 {
			t.Errorf("Archived still listed: versions\n%s\ninfo\n%s\ndeps %q gem %d", v, i, d, st)
		}
		set(types.PackageVersionStatusPublished)
		if v, i, d, st := listed(); !strings.Contains(v, "rb-proto 0.1.0") || !strings.Contains(i, "0.1.0") || !strings.Contains(d, "0.1.0") || st != 200 {
			t.Errorf("Published again but not listed: versions\n%s\ninfo\n%s\ngem %d", v, i, st)
		}
	})
}

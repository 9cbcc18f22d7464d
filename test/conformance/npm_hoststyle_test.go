package conformance

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestNPMHostStyleEndpoints: with a wildcard --public-url, endpoints are
// host-style ({domain}-{owner}.{host}/npm/{repo}/, the shape of
// CodeArtifact's own URLs), real npm publishes and installs through them,
// path-style endpoints keep working, and so does the control plane. Names under *.localhost do not resolve here, so every client
// connects to the server's address (npm through its proxy setting, which
// sends the full URL, Host included, to the server).
func TestNPMHostStyleEndpoints(t *testing.T) {
	if !harness.OnPostgresS3() {
		t.Parallel()
	}
	s := harness.Start(t, harness.WithArgs("--public-url", "http://*.localhost:{port}"))
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "hs")
	harness.CreateRepository(t, c, "hs", "web")
	_, port, _ := strings.Cut(strings.TrimPrefix(s.URL, "http://"), ":")

	ep, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
		Domain: aws.String("hs"), Repository: aws.String("web"), Format: types.PackageFormatNpm})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := aws.ToString(ep.RepositoryEndpoint)
	if want := "http://hs-" + s.Account + ".localhost:" + port + "/npm/web/"; endpoint != want {
		t.Fatalf("endpoint %q, want %q", endpoint, want)
	}
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("hs")})
	if err != nil {
		t.Fatal(err)
	}
	token := aws.ToString(tok.AuthorizationToken)

	// An HTTP client that reaches the server whatever the host name.
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, strings.TrimPrefix(s.URL, "http://"))
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: dial}}
	get := func(url string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		return resp.StatusCode, string(harness.ReadBody(t, resp))
	}
	if st, body := get(endpoint + "-/ping"); st != http.StatusOK {
		t.Fatalf("host-style ping: %d %s", st, body)
	}
	if st, body := get("http://hs-" + s.Account + ".localhost:" + port + "/npm/nope/x"); st != http.StatusNotFound {
		t.Errorf("a missing repository, host-style: %d %s", st, body)
	}
	if st, body := get("http://other-" + s.Account + ".localhost:" + port + "/npm/web/-/ping"); st != http.StatusForbidden {
		t.Errorf("another domain's host with this token: %d %s, want 403", st, body)
	}

	// Real npm: publish and install through the host-style endpoint.
	e := &npmEnv{srv: s, c: c, domain: "hs", repo: "web", endpoint: endpoint, token: token, dir: t.TempDir()}
	e.npmrc = filepath.Join(e.dir, "npmrc")
	npmWriteRC(t, e.npmrc, endpoint, token)
	rc, err := os.ReadFile(e.npmrc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.npmrc, append(rc, []byte("proxy="+s.URL+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	e.publish(t, npmPkg{name: "@hs/widget", version: "1.2.3"})
	proj := e.install(t, "@hs/widget@1.2.3")
	if _, err := os.Stat(filepath.Join(proj, "node_modules", "@hs", "widget", "index.js")); err != nil {
		t.Errorf("npm install through the host-style endpoint: %v", err)
	}
	// The packument's tarball URLs are host-style too.
	if st, body := get(endpoint + "@hs%2fwidget"); st != http.StatusOK || !strings.Contains(body, `"tarball":"`+endpoint+`@hs/widget/-/widget-1.2.3.tgz"`) {
		t.Errorf("packument: %d, tarball URL not under %s: %.300s", st, endpoint, body)
	}

	// Path-style keeps working on the server's own address.
	if st, body := get(s.URL + "/npm/d/hs-" + s.Account + "/web/@hs%2fwidget"); st != http.StatusOK ||
		!strings.Contains(body, `"tarball":"`+s.URL+`/npm/d/hs-`+s.Account+`/web/@hs/widget/-/widget-1.2.3.tgz"`) {
		t.Errorf("path-style packument: %d %.300s", st, body)
	}
	// The control plane is unaffected.
	if _, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("hs")}); err != nil {
		t.Errorf("DescribeDomain: %v", err)
	}
}

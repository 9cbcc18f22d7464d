package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// TestNpmAuth covers tokens on the npm endpoint, and `aws codeartifact
// login --tool npm` configuring a working npm.
func TestNpmAuth(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	tgz := e.httpPublish(t, "auth-pkg", "1.0.0", nil)
	packument := e.endpoint + "auth-pkg"

	expect401 := func(t *testing.T, what, auth string) {
		t.Helper()
		resp, b := e.do(t, "GET", packument, nil, map[string]string{"Authorization": auth})
		npmErrorBody(t, what, resp, b, http.StatusUnauthorized)
		if resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", what)
		}
	}
	t.Run("NoToken", func(t *testing.T) {
		expect401(t, "no token", "")
		resp, b := e.do(t, "GET", e.endpoint+"auth-pkg/-/auth-pkg-1.0.0.tgz", nil, map[string]string{"Authorization": ""})
		npmErrorBody(t, "tarball without token", resp, b, http.StatusUnauthorized)
	})
	t.Run("TamperedToken", func(t *testing.T) {
		body, sig, _ := strings.Cut(e.token, ".")
		flip := func(s string) string {
			last := s[len(s)-2]
			c := byte('A')
			if last == 'A' {
				c = 'B'
			}
			return s[:len(s)-2] + string(c) + s[len(s)-1:]
		}
		expect401(t, "tampered signature", "Bearer "+body+"."+flip(sig))
		expect401(t, "tampered claims", "Bearer "+flip(body)+"."+sig)
		expect401(t, "garbage", "Bearer not-a-token")
	})
	t.Run("OtherDomainToken", func(t *testing.T) {
		harness.CreateDomain(t, e.c, "otherdom")
		other := e.newToken(t, "otherdom")
		resp, b := e.do(t, "GET", packument, nil, map[string]string{"Authorization": "Bearer " + other})
		npmErrorBody(t, "token of another domain", resp, b, http.StatusForbidden)
	})
	t.Run("BasicAuthWorks", func(t *testing.T) {
		basic := base64.StdEncoding.EncodeToString([]byte("aws:" + e.token))
		resp, b := e.do(t, "GET", e.endpoint+"auth-pkg/-/auth-pkg-1.0.0.tgz", nil, map[string]string{"Authorization": "Basic " + basic})
		if resp.StatusCode != http.StatusOK || !bytes.Equal(b, tgz) {
			t.Errorf("Basic auth: %d", resp.StatusCode)
		}
	})
	t.Run("NpmWithoutToken", func(t *testing.T) {
		rc := filepath.Join(e.dir, "npmrc-notoken")
		os.WriteFile(rc, []byte("registry="+e.endpoint+"\n"), 0o600)
		r := e.runRC(t, rc, e.dir, "view", "auth-pkg", "--prefer-online")
		if r.err == nil || !strings.Contains(r.stderr, "E401") {
			t.Errorf("npm view without a token: %v\n%s", r.err, r)
		}
	})

	t.Run("AwsLogin", func(t *testing.T) {
		awsPath, err := exec.LookPath("aws")
		if err != nil {
			if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
				t.Skip("aws CLI not on PATH (ARTIFACTD_ALLOW_SKIP=1)")
			}
			t.Fatalf("aws CLI not on PATH: %v", err)
		}
		npm := npmPath(t)
		home := filepath.Join(e.dir, "login-home")
		os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
		os.WriteFile(filepath.Join(home, ".aws", "config"), nil, 0o600)
		os.WriteFile(filepath.Join(home, ".aws", "credentials"), nil, 0o600)
		env := []string{}
		for _, kv := range os.Environ() {
			k, _, _ := strings.Cut(kv, "=")
			if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(strings.ToLower(k), "npm_") || k == "HOME" {
				continue
			}
			env = append(env, kv)
		}
		env = append(env, "HOME="+home,
			"AWS_ACCESS_KEY_ID="+e.srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+e.srv.SecretKey, "AWS_DEFAULT_REGION=us-east-1",
			"AWS_CONFIG_FILE="+filepath.Join(home, ".aws", "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, ".aws", "credentials"),
			"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
			"PATH="+filepath.Dir(npm)+string(os.PathListSeparator)+os.Getenv("PATH"),
			"NPM_CONFIG_UPDATE_NOTIFIER=false", "NPM_CONFIG_CACHE="+filepath.Join(e.dir, "login-cache"))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, awsPath, "codeartifact", "login", "--tool", "npm",
			"--domain", e.domain, "--domain-owner", e.srv.Account, "--repository", e.repo, "--endpoint-url", e.srv.URL)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws codeartifact login: %v\n%s", err, out)
		}
		rcPath := filepath.Join(home, ".npmrc")
		rc, err := os.ReadFile(rcPath)
		if err != nil {
			t.Fatalf("login wrote no ~/.npmrc: %v\n%s", err, out)
		}
		if !strings.Contains(string(rc), "registry="+e.endpoint) || !strings.Contains(string(rc), ":_authToken=") {
			t.Fatalf("~/.npmrc = %s", rc)
		}
		proj := e.project(t)
		r := e.runRC(t, rcPath, proj, "install", "--no-audit", "--no-fund", "--prefer-online", "auth-pkg")
		if r.err != nil {
			t.Fatalf("npm install with the login's npmrc: %v\n%s", r.err, r)
		}
		if b, err := os.ReadFile(filepath.Join(proj, "node_modules/auth-pkg/index.js")); err != nil || !strings.Contains(string(b), "1.0.0") {
			t.Errorf("installed index.js = %q, %v", b, err)
		}
		// And publish through it.
		dir := e.write(t, npmPkg{name: "auth-pkg", version: "1.1.0"})
		if r := e.runRC(t, rcPath, dir, "publish"); r.err != nil {
			t.Fatalf("npm publish with the login's npmrc: %v\n%s", r.err, r)
		}
		if got := npmTagsOf(e.packument(t, "auth-pkg"))["latest"]; got != "1.1.0" {
			t.Errorf("latest after publishing through login = %q", got)
		}
	})
}

package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestAuthorizationTokenAndEndpoint covers GetAuthorizationToken and
// GetRepositoryEndpoint, and that a token opens exactly its own domain's
// data plane.
func TestAuthorizationTokenAndEndpoint(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := context.Background()
	harness.CreateDomain(t, c, "acme")
	harness.CreateDomain(t, c, "other")
	harness.CreateRepository(t, c, "acme", "main")
	harness.CreateRepository(t, c, "other", "main")

	t.Run("default duration is 12 hours", func(t *testing.T) {
		out, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatal(err)
		}
		tok := aws.ToString(out.AuthorizationToken)
		if tok == "" || strings.ContainsAny(tok, "+/=:@ ") {
			t.Errorf("token %q is empty or not URL-safe", tok)
		}
		if d := time.Until(aws.ToTime(out.Expiration)); d < 12*time.Hour-time.Minute || d > 12*time.Hour+time.Minute {
			t.Errorf("expiration in %v, want 12h", d)
		}
	})
	t.Run("explicit duration", func(t *testing.T) {
		out, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme"), DurationSeconds: aws.Int64(900)})
		if err != nil {
			t.Fatal(err)
		}
		if d := time.Until(aws.ToTime(out.Expiration)); d < 14*time.Minute || d > 16*time.Minute {
			t.Errorf("expiration in %v, want 15m", d)
		}
	})
	t.Run("durations outside 0 and 900-43200 are refused", func(t *testing.T) {
		for _, secs := range []int64{1, 899, 43201} {
			_, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme"), DurationSeconds: aws.Int64(secs)})
			harness.ExpectValidation(t, err)
		}
	})
	t.Run("missing domain", func(t *testing.T) {
		_, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("nope")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "nope")
	})

	t.Run("endpoint per format", func(t *testing.T) {
		for _, f := range types.PackageFormat("").Values() {
			out, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
				Domain: aws.String("acme"), Repository: aws.String("main"), Format: f,
			})
			if err != nil {
				t.Fatal(err)
			}
			want := s.URL + "/" + string(f) + "/d/acme-" + s.Account + "/main/"
			if got := aws.ToString(out.RepositoryEndpoint); got != want {
				t.Errorf("%s endpoint = %q, want %q", f, got, want)
			}
		}
		_, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{
			Domain: aws.String("acme"), Repository: aws.String("nope"), Format: types.PackageFormatNpm,
		})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "nope")
	})

	t.Run("a token opens its own domain only", func(t *testing.T) {
		tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatal(err)
		}
		token := aws.ToString(tok.AuthorizationToken)
		get := func(path, auth string) int {
			req, _ := http.NewRequest("GET", s.URL+path, nil)
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("GET %s: 401 without WWW-Authenticate", path)
			}
			return resp.StatusCode
		}
		acme := "/generic/d/acme-" + s.Account + "/main/ns/tool/1.0.0/tool.bin"
		other := "/generic/d/other-" + s.Account + "/main/ns/tool/1.0.0/tool.bin"
		if code := get(acme, ""); code != http.StatusUnauthorized {
			t.Errorf("no token: %d, want 401", code)
		}
		if code := get(acme, "Bearer "+token[:len(token)-2]+"xx"); code != http.StatusUnauthorized {
			t.Errorf("tampered token: %d, want 401", code)
		}
		if code := get(other, "Bearer "+token); code != http.StatusForbidden {
			t.Errorf("token of another domain: %d, want 403", code)
		}
		if code := get(acme, "Bearer "+token); code != http.StatusNotFound {
			t.Errorf("valid token, nothing published: %d, want 404", code)
		}

		// Publish, then download the asset over the data plane the three
		// ways clients send tokens.
		content := []byte("generic bytes")
		publishGeneric(t, c, "acme", "main", "ns", "tool", "1.0.0", "tool.bin", content, false)
		basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("aws:"+token))
		for _, auth := range []string{"Bearer " + token, basic, token} {
			req, _ := http.NewRequest("GET", s.URL+acme, nil)
			req.Header.Set("Authorization", auth)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := harness.ReadBody(t, resp)
			if resp.StatusCode != http.StatusOK || string(body) != string(content) {
				t.Errorf("download with %q: %d %q", auth[:6], resp.StatusCode, body)
			}
		}
		// Archived versions are not downloadable by package managers.
		_, err = c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{
			Domain: aws.String("acme"), Repository: aws.String("main"), Format: types.PackageFormatGeneric,
			Namespace: aws.String("ns"), Package: aws.String("tool"), Versions: []string{"1.0.0"},
			TargetStatus: types.PackageVersionStatusArchived,
		})
		if err != nil {
			t.Fatal(err)
		}
		if code := get(acme, "Bearer "+token); code != http.StatusNotFound {
			t.Errorf("archived version: %d, want 404", code)
		}
	})
}

// publishGeneric publishes one asset through the SDK.
func publishGeneric(t *testing.T, c *codeartifact.Client, domain, repo, ns, pkg, version, asset string, content []byte, unfinished bool) *codeartifact.PublishPackageVersionOutput {
	t.Helper()
	sum := sha256.Sum256(content)
	out, err := c.PublishPackageVersion(context.Background(), &codeartifact.PublishPackageVersionInput{
		Domain: aws.String(domain), Repository: aws.String(repo), Format: types.PackageFormatGeneric,
		Namespace: aws.String(ns), Package: aws.String(pkg), PackageVersion: aws.String(version),
		AssetName: aws.String(asset), AssetContent: bytes.NewReader(content),
		AssetSHA256: aws.String(hex.EncodeToString(sum[:])), Unfinished: aws.Bool(unfinished),
	})
	if err != nil {
		t.Fatalf("publish %s/%s@%s %s: %v", ns, pkg, version, asset, err)
	}
	return out
}

// TestTokensDieWithTheirKeysSecret: changing the administrator's secret
// (same access key id) revokes the tokens minted with the old one
// (issue #11, finding 7).
func TestTokensDieWithTheirKeysSecret(t *testing.T) {
	dir := t.TempDir()
	const keyID = "AKIATOKENBINDING0001"
	a := harness.Start(t, harness.WithDataDir(dir), harness.WithEnv("ARTIFACTD_ROOT_ACCESS_KEY_ID="+keyID,
		"ARTIFACTD_ROOT_SECRET_ACCESS_KEY=first-secret-first-secret-first-secret-00"))
	c := a.Client(t)
	harness.CreateDomain(t, c, "bind")
	harness.CreateRepository(t, c, "bind", "repo")
	tok, err := c.GetAuthorizationToken(t.Context(), &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("bind")})
	if err != nil {
		t.Fatal(err)
	}
	ping := func(s *harness.Server) int {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/npm/d/bind-"+s.Account+"/repo/-/ping", nil)
		req.Header.Set("Authorization", "Bearer "+aws.ToString(tok.AuthorizationToken))
		resp := s.Do(t, req)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := ping(a); st != http.StatusOK {
		t.Fatalf("fresh token: %d", st)
	}
	a.Stop(t)
	b := harness.Start(t, harness.WithDataDir(dir), harness.WithEnv("ARTIFACTD_ROOT_ACCESS_KEY_ID="+keyID,
		"ARTIFACTD_ROOT_SECRET_ACCESS_KEY=second-secret-second-secret-second-se00"))
	if st := ping(b); st == http.StatusOK {
		t.Errorf("a token minted with the old secret still works after the secret changed")
	}
}

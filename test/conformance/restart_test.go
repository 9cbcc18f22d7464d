package conformance

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

func cpTime(tm *time.Time) string {
	if tm == nil {
		return "<nil>"
	}
	return tm.UTC().Format(time.RFC3339Nano)
}

// cpSnapshot renders everything the control plane says about the account in
// one region, field by field, for before/after comparisons.
func cpSnapshot(t *testing.T, c *codeartifact.Client) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	tags := func(arn *string) string {
		m := cpListTags(t, c, aws.ToString(arn))
		var parts []string
		for _, k := range harness.SortedKeys(m) {
			parts = append(parts, k+"="+m[k])
		}
		return strings.Join(parts, ",")
	}
	for _, name := range cpDomainNames(t, c) {
		out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeDomain %s: %v", name, err)
		}
		d := out.Domain
		fmt.Fprintf(&b, "domain name=%s owner=%s arn=%s status=%s created=%s repos=%d bytes=%d key=%s bucket=%s tags=[%s]\n",
			aws.ToString(d.Name), aws.ToString(d.Owner), aws.ToString(d.Arn), d.Status, cpTime(d.CreatedTime),
			d.RepositoryCount, d.AssetSizeBytes, aws.ToString(d.EncryptionKey), aws.ToString(d.S3BucketArn), tags(d.Arn))
		var repos []string
		p := codeartifact.NewListRepositoriesInDomainPaginator(c, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String(name)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListRepositoriesInDomain %s: %v", name, err)
			}
			for _, r := range page.Repositories {
				repos = append(repos, aws.ToString(r.Name))
			}
		}
		slices.Sort(repos)
		for _, repo := range repos {
			r := cpDescribeRepo(t, c, name, repo)
			fmt.Fprintf(&b, "  repository name=%s domain=%s owner=%s admin=%s arn=%s created=%s description=%q upstreams=%v external=%d tags=[%s]\n",
				aws.ToString(r.Name), aws.ToString(r.DomainName), aws.ToString(r.DomainOwner), aws.ToString(r.AdministratorAccount),
				aws.ToString(r.Arn), cpTime(r.CreatedTime), aws.ToString(r.Description), harness.UpstreamNames(r.Upstreams),
				len(r.ExternalConnections), tags(r.Arn))
		}
	}
	return b.String()
}

func cpCompareSnapshots(t *testing.T, what, before, after string) {
	t.Helper()
	if before == after {
		return
	}
	t.Errorf("state differs %s.\nbefore:\n%s\nafter:\n%s", what, before, after)
}

// cpPopulate creates a small but complete state: two domains with tags,
// repositories with descriptions, ordered upstreams and tags, and a deleted one.
func cpPopulate(t *testing.T, c *codeartifact.Client) {
	t.Helper()
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme", harness.Tags("env", "prod", "team", "platform")...)
	harness.CreateDomain(t, c, "beta")
	harness.CreateRepository(t, c, "acme", "base")
	harness.CreateRepository(t, c, "acme", "npm-store")
	if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{
		Domain: aws.String("acme"), Repository: aws.String("app"),
		Description: aws.String("Application packages"),
		Upstreams:   harness.Upstreams("npm-store", "base"),
		Tags:        harness.Tags("team", "web"),
	}); err != nil {
		t.Fatalf("CreateRepository app: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "temp")
	if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("temp")}); err != nil {
		t.Fatalf("DeleteRepository temp: %v", err)
	}
	harness.CreateRepository(t, c, "beta", "lib")
	if _, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("beta"), Repository: aws.String("lib"), Description: aws.String("Libraries"), Upstreams: []types.UpstreamRepository{}}); err != nil {
		t.Fatalf("UpdateRepository lib: %v", err)
	}
	if _, err := c.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String("arn:aws:codeartifact:us-east-1:000000000000:repository/beta/lib"), Tags: harness.Tags("tier", "2")}); err != nil {
		t.Fatalf("TagResource: %v", err)
	}
}

func TestRestartKeepsState(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	cpPopulate(t, c)
	before := cpSnapshot(t, c)
	if !strings.Contains(before, "upstreams=[npm-store base]") || !strings.Contains(before, "repos=3") {
		t.Fatalf("unexpected state before restart:\n%s", before)
	}

	t.Run("graceful restart", func(t *testing.T) {
		s.Restart(t)
		cpCompareSnapshots(t, "after a restart", before, cpSnapshot(t, s.Client(t)))
	})

	t.Run("state still behaves after restart", func(t *testing.T) {
		c := s.Client(t)
		_, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme")})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "acme")
		_, err = c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app")})
		harness.ExpectConflict(t, err, types.ResourceTypeRepository, "app")
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("temp")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "temp")
		_, err = c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("base"), Upstreams: harness.Upstreams("app")})
		harness.ExpectValidation(t, err) // app -> base already: a cycle
		r := harness.CreateRepository(t, c, "acme", "after", "app")
		cpCheckRepo(t, s, "us-east-1", r, "acme", "after", "", "app")
		if n := cpDomainRepoCount(t, c, "acme"); n != 4 {
			t.Errorf("repositoryCount = %d, want 4", n)
		}
	})

	t.Run("second restart", func(t *testing.T) {
		mid := cpSnapshot(t, s.Client(t))
		s.Restart(t)
		cpCompareSnapshots(t, "after a second restart", mid, cpSnapshot(t, s.Client(t)))
	})
}

func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	cpPopulate(t, c)
	// A burst of acknowledged writes right before the kill.
	for i := range 20 {
		harness.CreateRepository(t, c, "beta", fmt.Sprintf("burst-%02d", i), "lib")
	}
	if _, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"), Description: aws.String("last write"), Upstreams: harness.Upstreams("base")}); err != nil {
		t.Fatalf("UpdateRepository: %v", err)
	}
	before := cpSnapshot(t, c)

	s.Kill(t)
	s.Start(t)
	c = s.Client(t)
	cpCompareSnapshots(t, "after SIGKILL and start", before, cpSnapshot(t, c))
	cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "app"), "acme", "app", "last write", "base")
	if n := cpDomainRepoCount(t, c, "beta"); n != 21 {
		t.Errorf("beta repositoryCount = %d, want 21", n)
	}
	// And the server keeps working on the recovered data.
	harness.CreateRepository(t, c, "beta", "post-crash", "burst-19")
}

var (
	cpExportKeyRE    = regexp.MustCompile(`export AWS_ACCESS_KEY_ID=\S+`)
	cpExportSecretRE = regexp.MustCompile(`AWS_SECRET_ACCESS_KEY=\S+`)
)

func TestGeneratedRootCredentials(t *testing.T) {
	dir := t.TempDir()
	s := harness.Start(t, harness.WithDataDir(dir), harness.WithoutRootKey())
	var key, secret string

	t.Run("printed as export lines", func(t *testing.T) {
		logs := s.ProcessLogs()
		if !cpExportKeyRE.MatchString(logs) || !cpExportSecretRE.MatchString(logs) {
			t.Fatalf("no export lines in the start-up output:\n%s", logs)
		}
		key, secret = s.AccessKey, s.SecretKey
		if len(key) < 16 || len(secret) < 30 {
			t.Errorf("generated key %q / secret of %d characters look too weak", key, len(secret))
		}
	})

	t.Run("they work", func(t *testing.T) {
		d := harness.CreateDomain(t, s.Client(t), "acme")
		cpCheckDomain(t, s, "us-east-1", d, "acme", 0)
	})

	t.Run("credentials.json is private", func(t *testing.T) {
		p := filepath.Join(dir, "credentials.json")
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("credentials file: %v", err)
		}
		if perm := st.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s has mode %o, want 600", p, perm)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), key) {
			t.Errorf("credentials.json does not hold the printed access key %q", key)
		}
	})

	t.Run("a restart reuses the same key", func(t *testing.T) {
		s.Restart(t)
		if s.AccessKey != key || s.SecretKey != secret {
			t.Errorf("after restart the server printed key %q, want the stored %q (secret changed: %v)", s.AccessKey, key, s.SecretKey != secret)
		}
		c := s.ClientWithKeys(t, key, secret)
		out, err := c.DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("old credentials after restart: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 0)
	})

	t.Run("a random key is refused", func(t *testing.T) {
		_, err := s.ClientWithKeys(t, "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").ListDomains(t.Context(), &codeartifact.ListDomainsInput{})
		if code := harness.ErrorCode(err); code != "UnrecognizedClientException" {
			t.Errorf("ErrorCode() = %q (%v), want UnrecognizedClientException", code, err)
		}
	})
}

// TestOneProcessPerDataDir: a second artifactd on the data directory of a
// running one stops at once with a clear message, and the first keeps
// serving; once the first has stopped, the data directory opens again.
func TestOneProcessPerDataDir(t *testing.T) {
	if harness.OnPostgresS3() {
		t.Skip("the lock guards the embedded SQLite database")
	}
	t.Parallel()
	dir := t.TempDir()
	s := harness.Start(t, harness.WithDataDir(dir))
	harness.CreateDomain(t, s.Client(t), "locked")

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Binary(t), "serve", "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Env = append(os.Environ(), "ARTIFACTD_ROOT_ACCESS_KEY_ID="+s.AccessKey, "ARTIFACTD_ROOT_SECRET_ACCESS_KEY="+s.SecretKey)
	out, err := cmd.CombinedOutput()
	if err == nil || ctx.Err() != nil {
		t.Fatalf("a second artifactd on the same data directory: err %v (context %v); output:\n%s", err, ctx.Err(), out)
	}
	if !strings.Contains(string(out), "in use by another artifactd process") {
		t.Errorf("the second process's output does not say why:\n%s", out)
	}
	if _, err := s.Client(t).DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String("locked")}); err != nil {
		t.Errorf("the first server after the second one's attempt: %v", err)
	}
	s.Restart(t)
	if _, err := s.Client(t).DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String("locked")}); err != nil {
		t.Errorf("after a restart on the same data directory: %v", err)
	}
}

package conformance

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

const polDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},` +
	`"Action":["codeartifact:GetAuthorizationToken","codeartifact:ReadFromRepository"],"Resource":"*"}]}`

// TestPermissionsPolicies: domain and repository policies through the Go
// SDK: Put/Get/Delete with revisions (optimistic locking), their errors,
// validation, and the policy going with its resource.
func TestPermissionsPolicies(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "pol")
	harness.CreateRepository(t, c, "pol", "repo")
	domainARN, repoARN := s.DomainARN("", "pol"), s.RepositoryARN("", "pol", "repo")

	check := func(t *testing.T, what string, p *types.ResourcePolicy, arn, doc string) string {
		t.Helper()
		if p == nil {
			t.Fatalf("%s: no policy in the answer", what)
		}
		if aws.ToString(p.ResourceArn) != arn || aws.ToString(p.Document) != doc || aws.ToString(p.Revision) == "" {
			t.Errorf("%s: got {%s %q %s}, want {%s %q <revision>}", what, aws.ToString(p.ResourceArn), aws.ToString(p.Document), aws.ToString(p.Revision), arn, doc)
		}
		return aws.ToString(p.Revision)
	}

	t.Run("domain policy lifecycle", func(t *testing.T) {
		_, err := c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("pol")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "pol")

		put, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyDocument: aws.String(polDoc)})
		if err != nil {
			t.Fatalf("PutDomainPermissionsPolicy: %v", err)
		}
		rev1 := check(t, "put", put.Policy, domainARN, polDoc)
		got, err := c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("pol"), DomainOwner: aws.String(s.Account)})
		if err != nil {
			t.Fatalf("GetDomainPermissionsPolicy: %v", err)
		}
		if check(t, "get", got.Policy, domainARN, polDoc) != rev1 {
			t.Errorf("Get's revision differs from Put's")
		}

		// Optimistic locking: a stale revision is a conflict and changes nothing.
		doc2 := strings.Replace(polDoc, "ReadFromRepository", "DescribeDomain", 1)
		_, err = c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyDocument: aws.String(doc2), PolicyRevision: aws.String("stale")})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "pol")
		put2, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyDocument: aws.String(doc2), PolicyRevision: aws.String(rev1)})
		if err != nil {
			t.Fatalf("Put with the current revision: %v", err)
		}
		rev2 := check(t, "put with revision", put2.Policy, domainARN, doc2)
		if rev2 == rev1 {
			t.Errorf("the revision did not change on Put")
		}

		_, err = c.DeleteDomainPermissionsPolicy(ctx, &codeartifact.DeleteDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyRevision: aws.String(rev1)})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "pol")
		del, err := c.DeleteDomainPermissionsPolicy(ctx, &codeartifact.DeleteDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyRevision: aws.String(rev2)})
		if err != nil {
			t.Fatalf("DeleteDomainPermissionsPolicy: %v", err)
		}
		check(t, "delete", del.Policy, domainARN, doc2)
		_, err = c.DeleteDomainPermissionsPolicy(ctx, &codeartifact.DeleteDomainPermissionsPolicyInput{Domain: aws.String("pol")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "pol")
	})

	t.Run("repository policy lifecycle", func(t *testing.T) {
		_, err := c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("repo")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "repo")
		put, err := c.PutRepositoryPermissionsPolicy(ctx, &codeartifact.PutRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("repo"), PolicyDocument: aws.String(polDoc)})
		if err != nil {
			t.Fatalf("PutRepositoryPermissionsPolicy: %v", err)
		}
		rev := check(t, "put", put.Policy, repoARN, polDoc)
		got, err := c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("repo")})
		if err != nil {
			t.Fatalf("GetRepositoryPermissionsPolicy: %v", err)
		}
		check(t, "get", got.Policy, repoARN, polDoc)
		// The domain has none of its own.
		_, err = c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("pol")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "pol")
		del, err := c.DeleteRepositoryPermissionsPolicy(ctx, &codeartifact.DeleteRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("repo"), PolicyRevision: aws.String(rev)})
		if err != nil {
			t.Fatalf("DeleteRepositoryPermissionsPolicy: %v", err)
		}
		check(t, "delete", del.Policy, repoARN, polDoc)
		_, err = c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("repo")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "repo")
	})

	t.Run("missing resources", func(t *testing.T) {
		_, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("nope"), PolicyDocument: aws.String(polDoc)})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "nope")
		_, err = c.PutRepositoryPermissionsPolicy(ctx, &codeartifact.PutRepositoryPermissionsPolicyInput{Domain: aws.String("pol"), Repository: aws.String("nope"), PolicyDocument: aws.String(polDoc)})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "nope")
	})

	t.Run("invalid documents are refused", func(t *testing.T) {
		for _, doc := range []string{"not json", `["Statement"]`, `{"Version":"2012-10-17"}`, strings.Repeat("x", 7169)} {
			_, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("pol"), PolicyDocument: aws.String(doc)})
			harness.ExpectError[*types.ValidationException](t, err)
			if st := harness.HTTPStatus(err); st != http.StatusBadRequest {
				t.Errorf("document %.20q: HTTP %d, want 400", doc, st)
			}
		}
		_, err := c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("pol")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "pol")
	})

	t.Run("a policy goes with its repository and domain", func(t *testing.T) {
		harness.CreateDomain(t, c, "pol2")
		harness.CreateRepository(t, c, "pol2", "rr")
		for _, put := range []func() error{
			func() error {
				_, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("pol2"), PolicyDocument: aws.String(polDoc)})
				return err
			},
			func() error {
				_, err := c.PutRepositoryPermissionsPolicy(ctx, &codeartifact.PutRepositoryPermissionsPolicyInput{Domain: aws.String("pol2"), Repository: aws.String("rr"), PolicyDocument: aws.String(polDoc)})
				return err
			},
		} {
			if err := put(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("pol2"), Repository: aws.String("rr")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("pol2")}); err != nil {
			t.Fatal(err)
		}
		harness.CreateDomain(t, c, "pol2")
		harness.CreateRepository(t, c, "pol2", "rr")
		_, err := c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("pol2")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "pol2")
		_, err = c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("pol2"), Repository: aws.String("rr")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "rr")
	})

	t.Run("aws CLI", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "policy.json")
		if err := os.WriteFile(file, []byte(polDoc), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := s.CLI(t, "put-repository-permissions-policy", "--domain", "pol", "--repository", "repo",
			"--policy-document", "file://"+file, "--query", "policy.resourceArn", "--output", "text")
		if code != 0 || strings.TrimSpace(out) != repoARN {
			t.Fatalf("put-repository-permissions-policy: exit %d, %q %.300s", code, out, errOut)
		}
		out, errOut, code = s.CLI(t, "get-repository-permissions-policy", "--domain", "pol", "--repository", "repo",
			"--query", "policy.document", "--output", "text")
		if code != 0 || strings.TrimSpace(out) != polDoc {
			t.Fatalf("get-repository-permissions-policy: exit %d, %q %.300s", code, out, errOut)
		}
		_, errOut, code = s.CLI(t, "delete-domain-permissions-policy", "--domain", "pol")
		if code == 0 || !strings.Contains(errOut, "ResourceNotFoundException") {
			t.Errorf("delete-domain-permissions-policy without a policy: exit %d, %.300s", code, errOut)
		}
	})
}

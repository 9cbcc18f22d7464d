package conformance

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestExternalConnections: Associate/DisassociateExternalConnection
// through the Go SDK and the aws CLI: one connection per repository,
// described with its format and status AVAILABLE, kept by UpdateRepository.
func TestExternalConnections(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "ext")
	harness.CreateRepository(t, c, "ext", "npm-store")
	associate := func(repo, name string) (*types.RepositoryDescription, error) {
		out, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{
			Domain: aws.String("ext"), Repository: aws.String(repo), ExternalConnection: aws.String(name)})
		if err != nil {
			return nil, err
		}
		return out.Repository, nil
	}
	describe := func() *types.RepositoryDescription {
		t.Helper()
		out, err := c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("ext"), Repository: aws.String("npm-store")})
		if err != nil {
			t.Fatal(err)
		}
		return out.Repository
	}
	wantConnection := func(t *testing.T, what string, r *types.RepositoryDescription, name string, f types.PackageFormat) {
		t.Helper()
		if len(r.ExternalConnections) != 1 {
			t.Fatalf("%s: %d external connections, want 1", what, len(r.ExternalConnections))
		}
		ec := r.ExternalConnections[0]
		if aws.ToString(ec.ExternalConnectionName) != name || ec.PackageFormat != f || ec.Status != "AVAILABLE" {
			t.Errorf("%s: {%s %s %s}, want {%s %s AVAILABLE}", what, aws.ToString(ec.ExternalConnectionName), ec.PackageFormat, ec.Status, name, f)
		}
	}

	if r := describe(); len(r.ExternalConnections) != 0 {
		t.Fatalf("a new repository has external connections: %+v", r.ExternalConnections)
	}
	r, err := associate("npm-store", "public:npmjs")
	if err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	wantConnection(t, "associate", r, "public:npmjs", types.PackageFormatNpm)
	wantConnection(t, "describe", describe(), "public:npmjs", types.PackageFormatNpm)

	// One per repository: another, or the same again, is a conflict.
	for _, name := range []string{"public:pypi", "public:npmjs"} {
		_, err = associate("npm-store", name)
		harness.ExpectConflict(t, err, types.ResourceTypeRepository, "npm-store")
	}
	// Names: malformed, or well formed but unknown.
	for _, name := range []string{"x", "public:left-pad", "public:npmjs/x"} {
		_, err = associate("npm-store", name)
		harness.ExpectError[*types.ValidationException](t, err)
	}
	_, err = associate("missing", "public:npmjs")
	harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "missing")

	// UpdateRepository keeps it.
	if _, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("ext"), Repository: aws.String("npm-store"), Description: aws.String("the npm store")}); err != nil {
		t.Fatal(err)
	}
	wantConnection(t, "after UpdateRepository", describe(), "public:npmjs", types.PackageFormatNpm)

	_, err = c.DisassociateExternalConnection(ctx, &codeartifact.DisassociateExternalConnectionInput{
		Domain: aws.String("ext"), Repository: aws.String("npm-store"), ExternalConnection: aws.String("public:pypi")})
	harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "npm-store")
	out, err := c.DisassociateExternalConnection(ctx, &codeartifact.DisassociateExternalConnectionInput{
		Domain: aws.String("ext"), Repository: aws.String("npm-store"), ExternalConnection: aws.String("public:npmjs")})
	if err != nil {
		t.Fatalf("DisassociateExternalConnection: %v", err)
	}
	if len(out.Repository.ExternalConnections) != 0 || len(describe().ExternalConnections) != 0 {
		t.Errorf("still connected after DisassociateExternalConnection")
	}

	// The aws CLI, as the user guide shows it.
	stdout, stderr, code := s.CLI(t, "associate-external-connection", "--domain", "ext", "--repository", "npm-store",
		"--external-connection", "public:pypi", "--query", "repository.externalConnections[0].[externalConnectionName,packageFormat,status]", "--output", "text")
	if code != 0 || strings.Join(strings.Fields(stdout), " ") != "public:pypi pypi AVAILABLE" {
		t.Errorf("associate-external-connection: exit %d, %q %.300s", code, stdout, stderr)
	}
}

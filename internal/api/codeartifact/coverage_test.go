package codeartifact

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/codeartifact/schemas"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/traits"
)

// TestRoutesMatchSDKModel checks the route table against the operation
// schemas of the AWS SDK for Go v2: every operation present once, under
// the method and path the SDK sends.
func TestRoutesMatchSDKModel(t *testing.T) {
	model := []*smithy.Schema{
		schemas.AssociateExternalConnection,
		schemas.CopyPackageVersions,
		schemas.CreateDomain,
		schemas.CreatePackageGroup,
		schemas.CreateRepository,
		schemas.DeleteDomain,
		schemas.DeleteDomainPermissionsPolicy,
		schemas.DeletePackage,
		schemas.DeletePackageGroup,
		schemas.DeletePackageVersions,
		schemas.DeleteRepository,
		schemas.DeleteRepositoryPermissionsPolicy,
		schemas.DescribeDomain,
		schemas.DescribePackage,
		schemas.DescribePackageGroup,
		schemas.DescribePackageVersion,
		schemas.DescribeRepository,
		schemas.DisassociateExternalConnection,
		schemas.DisposePackageVersions,
		schemas.GetAssociatedPackageGroup,
		schemas.GetAuthorizationToken,
		schemas.GetDomainPermissionsPolicy,
		schemas.GetPackageVersionAsset,
		schemas.GetPackageVersionReadme,
		schemas.GetRepositoryEndpoint,
		schemas.GetRepositoryPermissionsPolicy,
		schemas.ListAllowedRepositoriesForGroup,
		schemas.ListAssociatedPackages,
		schemas.ListDomains,
		schemas.ListPackageGroups,
		schemas.ListPackages,
		schemas.ListPackageVersionAssets,
		schemas.ListPackageVersionDependencies,
		schemas.ListPackageVersions,
		schemas.ListRepositories,
		schemas.ListRepositoriesInDomain,
		schemas.ListSubPackageGroups,
		schemas.ListTagsForResource,
		schemas.PublishPackageVersion,
		schemas.PutDomainPermissionsPolicy,
		schemas.PutPackageOriginConfiguration,
		schemas.PutRepositoryPermissionsPolicy,
		schemas.TagResource,
		schemas.UntagResource,
		schemas.UpdatePackageGroup,
		schemas.UpdatePackageGroupOriginConfiguration,
		schemas.UpdatePackageVersionsStatus,
		schemas.UpdateRepository,
	}
	ours := map[string]operation{}
	seen := map[string]bool{}
	for _, op := range Operations() {
		if _, dup := ours[op.Name]; dup {
			t.Errorf("operation %s listed twice", op.Name)
		}
		ours[op.Name] = op
		if seen[op.Method+" "+op.Path] {
			t.Errorf("route %s %s listed twice", op.Method, op.Path)
		}
		seen[op.Method+" "+op.Path] = true
	}
	if len(ours) != 48 || len(model) != 48 {
		t.Fatalf("got %d operations in the table and %d in the model, want 48", len(ours), len(model))
	}
	for _, s := range model {
		name := s.ID().Name
		ht, ok := smithy.SchemaTrait[*traits.HTTP](s)
		if !ok {
			t.Fatalf("%s: no http trait in the SDK model", name)
		}
		op, ok := ours[name]
		switch {
		case !ok:
			t.Errorf("%s missing from the route table", name)
		case op.Method != ht.Method || op.Path != ht.URI:
			t.Errorf("%s routed as %s %s, the SDK sends %s %s", name, op.Method, op.Path, ht.Method, ht.URI)
		case ht.Code != 200:
			t.Errorf("%s: the model answers %d", name, ht.Code)
		}
	}
}

// TestExceptionStatusesMatchSDKModel checks the error table's statuses
// against the model's httpError traits.
func TestExceptionStatusesMatchSDKModel(t *testing.T) {
	model := map[string]*smithy.Schema{
		"ResourceNotFoundException":     schemas.ResourceNotFoundException,
		"ConflictException":             schemas.ConflictException,
		"ValidationException":           schemas.ValidationException,
		"AccessDeniedException":         schemas.AccessDeniedException,
		"ServiceQuotaExceededException": schemas.ServiceQuotaExceededException,
	}
	for _, e := range exceptions {
		s, ok := model[e.name]
		if !ok {
			t.Errorf("%s is not a CodeArtifact exception", e.name)
			continue
		}
		he, ok := smithy.SchemaTrait[*traits.HTTPError](s)
		if !ok || he.Code != e.status {
			t.Errorf("%s answers %d, the model says %v", e.name, e.status, he)
		}
	}
	if len(exceptions) != len(model) {
		t.Errorf("error table has %d kinds, want %d", len(exceptions), len(model))
	}
}

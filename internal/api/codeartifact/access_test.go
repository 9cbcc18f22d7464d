package codeartifact

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

func opNamed(t *testing.T, name string) operation {
	t.Helper()
	for _, op := range operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("no operation %s", name)
	return operation{}
}

// The accesses an operation asks for: its own action on the resource the
// route table names, and the further permissions some operations need.
func TestAccesses(t *testing.T) {
	q := url.Values{"domain": {"acme"}, "domain-owner": {"111122223333"}, "repository": {"r"}, "format": {"npm"},
		"namespace": {"types"}, "package": {"node"}, "source-repository": {"src"}, "destination-repository": {"dst"}}
	pkg := service.Access{Kind: service.ResourcePackage, Domain: "acme", DomainOwner: "111122223333", Repository: "r",
		Format: domain.FormatNpm, Namespace: "types", Package: "node"}
	with := func(a service.Access, action string) service.Access { a.Action = action; return a }
	for _, tc := range []struct {
		op   string
		body string
		want []service.Access
	}{
		{"DeletePackageVersions", `{"versions":["1.0.0"]}`, []service.Access{with(pkg, "DeletePackageVersions")}},
		{"ListDomains", `{}`, []service.Access{{Action: "ListDomains", Kind: service.ResourceNone, Domain: "acme",
			DomainOwner: "111122223333", Repository: "r", Format: domain.FormatNpm, Namespace: "types", Package: "node"}}},
		{"CopyPackageVersions", `{}`, []service.Access{
			func() service.Access { a := with(pkg, "CopyPackageVersions"); a.Repository = "dst"; return a }(),
			{Action: "ReadFromRepository", Kind: service.ResourceRepository, Domain: "acme", DomainOwner: "111122223333", Repository: "src"},
		}},
		{"UpdateRepository", `{"upstreams":[{"repositoryName":"up1"},{"repositoryName":"up2"}]}`, []service.Access{
			func() service.Access {
				a := with(pkg, "UpdateRepository")
				a.Kind = service.ResourceRepository
				return a
			}(),
			{Action: "AssociateWithDownstreamRepository", Kind: service.ResourceRepository, Domain: "acme", DomainOwner: "111122223333", Repository: "up1"},
			{Action: "AssociateWithDownstreamRepository", Kind: service.ResourceRepository, Domain: "acme", DomainOwner: "111122223333", Repository: "up2"},
		}},
		{"PutRepositoryPermissionsPolicy", `{"policyDocument":"{}"}`, []service.Access{
			func() service.Access {
				a := with(pkg, "PutRepositoryPermissionsPolicy")
				a.Kind, a.IgnoreResourcePolicy = service.ResourceRepository, true
				return a
			}(),
		}},
		{"GetAuthorizationToken", ``, []service.Access{
			func() service.Access {
				a := with(pkg, "GetAuthorizationToken")
				a.Kind = service.ResourceDomain
				return a
			}(),
			{Action: "sts:GetServiceBearerToken", Kind: service.ResourceNone, Context: map[string]string{"sts:AWSServiceName": "codeartifact.amazonaws.com"}},
		}},
		{"CreatePackageGroup", `{"packageGroup":"/npm/types/*","tags":[{"key":"team","value":"web"}]}`, []service.Access{
			func() service.Access {
				a := with(pkg, "CreatePackageGroup")
				a.Kind, a.PackageGroup, a.RequestTags = service.ResourceGroup, "/npm/types/*", map[string]string{"team": "web"}
				return a
			}(),
		}},
	} {
		got := accesses(opNamed(t, tc.op), q, []byte(tc.body))
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.op, got, tc.want)
		}
	}
}

// Every operation names the kind of resource its action is on; only the
// two account-wide listings name none.
func TestEveryOperationNamesItsResource(t *testing.T) {
	for _, op := range operations {
		none := op.Name == "ListDomains" || op.Name == "ListRepositories"
		if (op.resource == service.ResourceNone) != none {
			t.Errorf("%s: resource kind %d", op.Name, op.resource)
		}
	}
}

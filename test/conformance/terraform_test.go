package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// tfCodeArtifactConfig is the provider block the README documents, with
// every CodeArtifact resource and data source of hashicorp/aws that
// artifactd serves.
const tfCodeArtifactConfig = `
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "VERSION" }
  }
}
variable "endpoint" { type = string }
provider "aws" {
  region                      = "eu-west-1"
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false
  endpoints {
    codeartifact = var.endpoint
    sts          = var.endpoint
    iam          = var.endpoint
  }
}
data "aws_caller_identity" "me" {}
resource "aws_codeartifact_domain" "acme" {
  domain = "acme"
  tags   = { team = "platform" }
}
resource "aws_codeartifact_repository" "npm_store" {
  repository = "npm-store"
  domain     = aws_codeartifact_domain.acme.domain
  external_connections {
    external_connection_name = "public:npmjs"
  }
}
resource "aws_codeartifact_repository" "app" {
  repository  = "app"
  description = "Packages of the app"
  domain      = aws_codeartifact_domain.acme.domain
  upstream {
    repository_name = aws_codeartifact_repository.npm_store.repository
  }
  tags = { tier = "internal" }
}
resource "aws_codeartifact_domain_permissions_policy" "acme" {
  domain          = aws_codeartifact_domain.acme.domain
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "codeartifact:GetAuthorizationToken"
      Resource  = aws_codeartifact_domain.acme.arn
    }]
  })
}
resource "aws_codeartifact_repository_permissions_policy" "app" {
  repository      = aws_codeartifact_repository.app.repository
  domain          = aws_codeartifact_domain.acme.domain
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.me.account_id}:root" }
      Action    = "codeartifact:ReadFromRepository"
      Resource  = aws_codeartifact_repository.app.arn
    }]
  })
}
data "aws_codeartifact_authorization_token" "token" {
  domain           = aws_codeartifact_domain.acme.domain
  duration_seconds = 900
}
data "aws_codeartifact_repository_endpoint" "npm" {
  domain     = aws_codeartifact_domain.acme.domain
  repository = aws_codeartifact_repository.app.repository
  format     = "npm"
}
output "domain_arn" { value = aws_codeartifact_domain.acme.arn }
output "encryption_key" { value = aws_codeartifact_domain.acme.encryption_key }
output "owner" { value = aws_codeartifact_domain.acme.owner }
output "repository_arn" { value = aws_codeartifact_repository.app.arn }
output "endpoint" { value = data.aws_codeartifact_repository_endpoint.npm.repository_endpoint }
`

// TestCodeArtifactTerraform: Terraform's CodeArtifact resources
// (hashicorp/aws) manage artifactd: apply, a plan that finds nothing to
// change, import of what apply made, the token and endpoint in use, and
// destroy, also after the domain was removed outside Terraform.
func TestCodeArtifactTerraform(t *testing.T) {
	t.Parallel()
	mirror, version := icTerraformProvider(t)
	s := harness.Start(t)
	x := newICTool(t, s)
	admin := icCreds{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}

	tf, mustTF := icTerraformWork(t, s, x, admin, mirror, strings.Replace(tfCodeArtifactConfig, "VERSION", version, 1))
	mustTF(t, "init", "-input=false", "-no-color")
	mustTF(t, "apply", "-auto-approve", "-input=false", "-no-color")

	var outputs map[string]struct{ Value string }
	if err := json.Unmarshal([]byte(mustTF(t, "output", "-json")), &outputs); err != nil {
		t.Fatal(err)
	}
	if got, want := outputs["domain_arn"].Value, s.DomainARN("eu-west-1", "acme"); got != want {
		t.Errorf("domain arn %q, want %q", got, want)
	}
	if !strings.HasPrefix(outputs["encryption_key"].Value, "arn:aws:kms:eu-west-1:"+s.Account+":key/") || outputs["owner"].Value != s.Account {
		t.Errorf("outputs %+v", outputs)
	}
	if !strings.Contains(outputs["endpoint"].Value, "/npm/") {
		t.Errorf("endpoint %q", outputs["endpoint"].Value)
	}
	// The token data source reads a new token on every plan, as on AWS:
	// it is read from the state, not an output (an output would change).
	var state struct {
		Values struct {
			RootModule struct {
				Resources []struct {
					Address string
					Values  map[string]any
				}
			} `json:"root_module"`
		}
	}
	if err := json.Unmarshal([]byte(mustTF(t, "show", "-json")), &state); err != nil {
		t.Fatal(err)
	}
	token := ""
	for _, r := range state.Values.RootModule.Resources {
		if r.Address == "data.aws_codeartifact_authorization_token.token" {
			token, _ = r.Values["authorization_token"].(string)
		}
	}
	if token == "" {
		t.Fatal("no authorization token in the state")
	}

	// What Terraform created reads back as it wrote it: nothing to change.
	if out, code := tf(t, "plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("plan after apply: exit %d (2 = changes)\n%s", code, out)
	}

	// Import: forget the domain and the repository, import them back by
	// the IDs the provider documents (their ARNs), and find nothing to
	// change.
	mustTF(t, "state", "rm", "aws_codeartifact_domain.acme", "aws_codeartifact_repository.app")
	mustTF(t, "import", "-input=false", "-no-color", "aws_codeartifact_domain.acme", outputs["domain_arn"].Value)
	mustTF(t, "import", "-input=false", "-no-color", "aws_codeartifact_repository.app", outputs["repository_arn"].Value)
	if out, code := tf(t, "plan", "-detailed-exitcode", "-input=false", "-no-color"); code != 0 {
		t.Fatalf("plan after import: exit %d (2 = changes)\n%s", code, out)
	}

	// The endpoint and token Terraform read let npm's registry answer.
	c := s.Client(t, "eu-west-1")
	ep, err := c.GetRepositoryEndpoint(t.Context(), &codeartifact.GetRepositoryEndpointInput{Domain: aws.String("acme"), Repository: aws.String("app"), Format: "npm"})
	if err != nil || aws.ToString(ep.RepositoryEndpoint) != outputs["endpoint"].Value {
		t.Errorf("GetRepositoryEndpoint %v %v, Terraform read %q", ep, err, outputs["endpoint"].Value)
	}
	for _, auth := range []struct {
		header string
		want   int
	}{{"Bearer " + token, http.StatusNotFound}, {"", http.StatusUnauthorized}} {
		req, _ := http.NewRequest(http.MethodGet, outputs["endpoint"].Value+"no-such-package", nil)
		if auth.header != "" {
			req.Header.Set("Authorization", auth.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != auth.want {
			t.Errorf("GET with Authorization %.10q…: %d, want %d", auth.header, resp.StatusCode, auth.want)
		}
	}

	mustTF(t, "destroy", "-auto-approve", "-input=false", "-no-color")
	if list, err := c.ListDomains(t.Context(), &codeartifact.ListDomainsInput{}); err != nil || len(list.Domains) != 0 {
		t.Errorf("after destroy: %v %v", list, err)
	}

	// A domain removed outside Terraform: apply, delete it with the CLI,
	// and destroy still succeeds (DeleteDomain of a missing domain is a
	// success; reads of missing resources are not found).
	mustTF(t, "apply", "-auto-approve", "-input=false", "-no-color", "-target=aws_codeartifact_domain.acme")
	if _, err := c.DeleteDomain(t.Context(), &codeartifact.DeleteDomainInput{Domain: aws.String("acme")}); err != nil {
		t.Fatal(err)
	}
	mustTF(t, "destroy", "-auto-approve", "-input=false", "-no-color")
}

// TestTerraformSequences replays, with the Go SDK, the calls the
// Terraform AWS provider makes for its CodeArtifact resources (as the
// server's log of TestCodeArtifactTerraform shows them, and the
// provider's resource code reads back and compares), so CI checks them
// where Terraform is not installed: every value the provider wrote reads
// back equal (or it would plan a change forever), and destroy works also
// for resources removed outside it.
func TestTerraformSequences(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t, "eu-west-1")
	ctx := t.Context()
	const key = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	policy := func(action, resource string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + s.Account +
			`:root"},"Action":"` + action + `","Resource":"` + resource + `"}]}`
	}

	// aws_codeartifact_domain: create with tags and a key, then read.
	created, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme"), EncryptionKey: aws.String(key),
		Tags: harness.Tags("team", "platform")})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(d.Domain.EncryptionKey) != key || aws.ToString(d.Domain.Arn) != aws.ToString(created.Domain.Arn) ||
		aws.ToString(d.Domain.Owner) != s.Account || d.Domain.CreatedTime == nil || aws.ToString(d.Domain.S3BucketArn) == "" {
		t.Errorf("DescribeDomain after create: %+v", d.Domain)
	}
	cpExpectTags(t, c, aws.ToString(d.Domain.Arn), map[string]string{"team": "platform"})
	// Import reads the domain by the name in its ARN.
	arn := aws.ToString(d.Domain.Arn)
	if !strings.HasSuffix(arn, ":domain/acme") || !strings.HasPrefix(arn, "arn:aws:codeartifact:eu-west-1:"+s.Account+":") {
		t.Errorf("domain ARN %q cannot be imported by its parts", arn)
	}

	// aws_codeartifact_domain_permissions_policy: put, get, compare.
	doc := policy("codeartifact:GetAuthorizationToken", arn)
	put, err := c.PutDomainPermissionsPolicy(ctx, &codeartifact.PutDomainPermissionsPolicyInput{Domain: aws.String("acme"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetDomainPermissionsPolicy(ctx, &codeartifact.GetDomainPermissionsPolicyInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.Policy.Document) != doc || aws.ToString(got.Policy.Revision) != aws.ToString(put.Policy.Revision) ||
		aws.ToString(got.Policy.ResourceArn) != arn {
		t.Errorf("GetDomainPermissionsPolicy = %+v, put %+v", got.Policy, put.Policy)
	}

	// aws_codeartifact_repository with an external connection (created,
	// then associated), and one with upstreams, description and tags.
	if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("npm-store")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("npm-store"), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"),
		Description: aws.String("Packages of the app"), Upstreams: []types.UpstreamRepository{{RepositoryName: aws.String("npm-store")}},
		Tags: harness.Tags("tier", "internal")}); err != nil {
		t.Fatal(err)
	}
	readRepo := func(name string) *types.RepositoryDescription {
		t.Helper()
		r, err := c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return r.Repository
	}
	store := readRepo("npm-store")
	if len(store.ExternalConnections) != 1 || aws.ToString(store.ExternalConnections[0].ExternalConnectionName) != "public:npmjs" {
		t.Errorf("npm-store external connections %+v", store.ExternalConnections)
	}
	app := readRepo("app")
	if aws.ToString(app.Description) != "Packages of the app" || len(app.Upstreams) != 1 || aws.ToString(app.Upstreams[0].RepositoryName) != "npm-store" ||
		aws.ToString(app.DomainOwner) != s.Account || aws.ToString(app.AdministratorAccount) != s.Account {
		t.Errorf("app = %+v", app)
	}
	cpExpectTags(t, c, aws.ToString(app.Arn), map[string]string{"tier": "internal"})

	// An update of description and upstreams (UpdateRepository), as a
	// changed configuration applies it; an emptied upstream list is [].
	if _, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"),
		Description: aws.String("changed"), Upstreams: []types.UpstreamRepository{}}); err != nil {
		t.Fatal(err)
	}
	if app = readRepo("app"); aws.ToString(app.Description) != "changed" || len(app.Upstreams) != 0 {
		t.Errorf("after UpdateRepository: %+v", app)
	}

	// aws_codeartifact_repository_permissions_policy, and the two data
	// sources.
	rdoc := policy("codeartifact:ReadFromRepository", aws.ToString(app.Arn))
	if _, err := c.PutRepositoryPermissionsPolicy(ctx, &codeartifact.PutRepositoryPermissionsPolicyInput{Domain: aws.String("acme"),
		Repository: aws.String("app"), PolicyDocument: aws.String(rdoc)}); err != nil {
		t.Fatal(err)
	}
	rgot, err := c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("acme"), Repository: aws.String("app")})
	if err != nil || aws.ToString(rgot.Policy.Document) != rdoc {
		t.Errorf("GetRepositoryPermissionsPolicy %+v %v", rgot, err)
	}
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme"), DurationSeconds: aws.Int64(900)})
	if err != nil || aws.ToString(tok.AuthorizationToken) == "" || tok.Expiration == nil {
		t.Errorf("GetAuthorizationToken %+v %v", tok, err)
	}
	if _, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String("acme"), Repository: aws.String("app"), Format: "npm"}); err != nil {
		t.Error(err)
	}

	// Destroy, in the provider's order; reads of what is gone are
	// ResourceNotFoundException, which the provider takes as "gone".
	if _, err := c.DeleteRepositoryPermissionsPolicy(ctx, &codeartifact.DeleteRepositoryPermissionsPolicyInput{Domain: aws.String("acme"), Repository: aws.String("app")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetRepositoryPermissionsPolicy(ctx, &codeartifact.GetRepositoryPermissionsPolicyInput{Domain: aws.String("acme"), Repository: aws.String("app")})
	harness.ExpectError[*types.ResourceNotFoundException](t, err)
	for _, r := range []string{"app", "npm-store"} {
		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(r)}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(r)})
		harness.ExpectError[*types.ResourceNotFoundException](t, err)
	}
	if _, err := c.DeleteDomainPermissionsPolicy(ctx, &codeartifact.DeleteDomainPermissionsPolicyInput{Domain: aws.String("acme")}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")})
	if err != nil || del.Domain.Status != types.DomainStatusDeleted {
		t.Fatalf("DeleteDomain %+v %v", del, err)
	}
	_, err = c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
	harness.ExpectError[*types.ResourceNotFoundException](t, err)
	// A destroy after the domain was removed outside Terraform.
	if _, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")}); err != nil {
		t.Errorf("DeleteDomain of a domain already gone: %v", err)
	}
}

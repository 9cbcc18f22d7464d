package conformance

import (
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

func cpDomainNames(t *testing.T, c *codeartifact.Client) []string {
	t.Helper()
	var names []string
	p := codeartifact.NewListDomainsPaginator(c, &codeartifact.ListDomainsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatalf("ListDomains: %v", err)
		}
		for _, d := range out.Domains {
			names = append(names, aws.ToString(d.Name))
		}
	}
	return names
}

func TestRegionsAreSeparate(t *testing.T) {
	s := harness.Start(t, harness.WithArgs("--region", "us-east-1", "--region", "eu-west-1"))
	us := s.Client(t, "us-east-1")
	eu := s.Client(t, "eu-west-1")
	ctx := t.Context()

	t.Run("same domain name in both regions", func(t *testing.T) {
		dUS := harness.CreateDomain(t, us, "acme")
		cpCheckDomain(t, s, "us-east-1", dUS, "acme", 0)
		dEU := harness.CreateDomain(t, eu, "acme")
		cpCheckDomain(t, s, "eu-west-1", dEU, "acme", 0)
		if got := aws.ToString(dEU.Arn); got != "arn:aws:codeartifact:eu-west-1:000000000000:domain/acme" {
			t.Errorf("eu-west-1 arn = %q", got)
		}
		_, err := eu.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme")})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "acme")
	})

	t.Run("ListDomains sees only its region", func(t *testing.T) {
		harness.CreateDomain(t, eu, "only-eu")
		harness.CreateDomain(t, us, "only-us")
		if got := cpDomainNames(t, us); !slices.Equal(got, []string{"acme", "only-us"}) {
			t.Errorf("us-east-1 ListDomains = %v, want [acme only-us]", got)
		}
		if got := cpDomainNames(t, eu); !slices.Equal(got, []string{"acme", "only-eu"}) {
			t.Errorf("eu-west-1 ListDomains = %v, want [acme only-eu]", got)
		}
		_, err := us.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("only-eu")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "only-eu")
	})

	t.Run("repositories belong to their region", func(t *testing.T) {
		r := harness.CreateRepository(t, eu, "acme", "app")
		cpCheckRepo(t, s, "eu-west-1", r, "acme", "app", "")
		out, err := eu.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DescribeDomain eu: %v", err)
		}
		cpCheckDomain(t, s, "eu-west-1", out.Domain, "acme", 1)
		out, err = us.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DescribeDomain us: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 0)
		_, err = us.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "app")
		list, err := us.ListRepositories(ctx, &codeartifact.ListRepositoriesInput{})
		if err != nil {
			t.Fatalf("ListRepositories us: %v", err)
		}
		if len(list.Repositories) != 0 {
			t.Errorf("us-east-1 ListRepositories shows %d eu-west-1 repositories", len(list.Repositories))
		}
		// us-east-1 may delete its (empty) acme while eu-west-1's keeps a repository.
		if _, err := us.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")}); err != nil {
			t.Fatalf("DeleteDomain us acme: %v", err)
		}
		cpCheckRepo(t, s, "eu-west-1", cpDescribeRepo(t, eu, "acme", "app"), "acme", "app", "")
	})

	t.Run("tags follow the ARN's region", func(t *testing.T) {
		arn := s.DomainARN("eu-west-1", "acme")
		if _, err := eu.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String(arn), Tags: harness.Tags("region", "eu")}); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		cpExpectTags(t, eu, arn, map[string]string{"region": "eu"})
		cpExpectTags(t, us, s.DomainARN("us-east-1", "only-us"), map[string]string{})
	})

	t.Run("domain quota is per region", func(t *testing.T) {
		// us-east-1 has one domain (only-us): fill it to 10.
		for i := range 9 {
			harness.CreateDomain(t, us, "fill"+strconv.Itoa(i))
		}
		_, err := us.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("overflow")})
		harness.ExpectQuota(t, err)
		d := harness.CreateDomain(t, eu, "overflow")
		cpCheckDomain(t, s, "eu-west-1", d, "overflow", 0)
	})

	t.Run("a region not served is refused", func(t *testing.T) {
		west := s.Client(t, "us-west-2")
		_, err := west.ListDomains(ctx, &codeartifact.ListDomainsInput{})
		if code := harness.ErrorCode(err); code != "InvalidSignatureException" {
			t.Errorf("us-west-2 ListDomains: code %q (%v), want InvalidSignatureException", code, err)
		}
		if st := harness.HTTPStatus(err); st != http.StatusForbidden {
			t.Errorf("us-west-2 ListDomains: status %d, want 403", st)
		}
		_, err = west.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("west")})
		if code := harness.ErrorCode(err); code != "InvalidSignatureException" {
			t.Errorf("us-west-2 CreateDomain: code %q (%v), want InvalidSignatureException", code, err)
		}
	})
}

func TestRegionsWildcard(t *testing.T) {
	s := harness.Start(t, harness.WithArgs("--region", "*"))
	ctx := t.Context()
	for _, region := range []string{"us-east-1", "ap-southeast-2", "eu-central-1"} {
		t.Run(region, func(t *testing.T) {
			c := s.Client(t, region)
			d := harness.CreateDomain(t, c, "acme")
			cpCheckDomain(t, s, region, d, "acme", 0)
			r := harness.CreateRepository(t, c, "acme", "app")
			cpCheckRepo(t, s, region, r, "acme", "app", "")
			if got := cpDomainNames(t, c); !slices.Equal(got, []string{"acme"}) {
				t.Errorf("ListDomains in %s = %v, want [acme]", region, got)
			}
			out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
			if err != nil {
				t.Fatalf("DescribeDomain: %v", err)
			}
			cpCheckDomain(t, s, region, out.Domain, "acme", 1)
		})
	}
}

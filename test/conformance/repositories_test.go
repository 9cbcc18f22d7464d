package conformance

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// cpCheckRepo asserts every field of a repository description.
func cpCheckRepo(t *testing.T, s *harness.Server, region string, r *types.RepositoryDescription, domain, name, description string, upstreams ...string) {
	t.Helper()
	if r == nil {
		t.Fatalf("repository %s/%s: no description", domain, name)
	}
	if got := aws.ToString(r.Name); got != name {
		t.Errorf("repository name = %q, want %q", got, name)
	}
	if got := aws.ToString(r.DomainName); got != domain {
		t.Errorf("repository %s domainName = %q, want %q", name, got, domain)
	}
	if got := aws.ToString(r.DomainOwner); got != s.Account {
		t.Errorf("repository %s domainOwner = %q, want %q", name, got, s.Account)
	}
	if got := aws.ToString(r.AdministratorAccount); got != s.Account {
		t.Errorf("repository %s administratorAccount = %q, want %q", name, got, s.Account)
	}
	if got, want := aws.ToString(r.Arn), s.RepositoryARN(region, domain, name); got != want {
		t.Errorf("repository %s arn = %q, want %q", name, got, want)
	}
	if got := aws.ToString(r.Description); got != description {
		t.Errorf("repository %s description = %q, want %q", name, got, description)
	}
	if got := harness.UpstreamNames(r.Upstreams); !slices.Equal(got, append([]string{}, upstreams...)) {
		t.Errorf("repository %s upstreams = %v, want %v (in this order)", name, got, upstreams)
	}
	if len(r.ExternalConnections) != 0 {
		t.Errorf("repository %s externalConnections = %v, want none", name, r.ExternalConnections)
	}
	harness.ExpectRecent(t, "repository "+name+" createdTime", r.CreatedTime)
}

func cpDescribeRepo(t *testing.T, c *codeartifact.Client, domain, repo string) *types.RepositoryDescription {
	t.Helper()
	out, err := c.DescribeRepository(t.Context(), &codeartifact.DescribeRepositoryInput{Domain: aws.String(domain), Repository: aws.String(repo)})
	if err != nil {
		t.Fatalf("DescribeRepository %s/%s: %v", domain, repo, err)
	}
	return out.Repository
}

func TestRepositoryLifecycle(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	base := harness.CreateRepository(t, c, "acme", "base")
	cpCheckRepo(t, s, "us-east-1", base, "acme", "base", "")
	harness.CreateRepository(t, c, "acme", "npm-store")
	var app *types.RepositoryDescription

	t.Run("CreateRepository with description, upstreams and tags", func(t *testing.T) {
		out, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{
			Domain:      aws.String("acme"),
			Repository:  aws.String("app"),
			Description: aws.String("Application packages"),
			// Not alphabetical: the order given is the search order and must be kept.
			Upstreams: harness.Upstreams("npm-store", "base"),
			Tags:      harness.Tags("team", "web"),
		})
		if err != nil {
			t.Fatalf("CreateRepository: %v", err)
		}
		app = out.Repository
		cpCheckRepo(t, s, "us-east-1", app, "acme", "app", "Application packages", "npm-store", "base")
		if got := aws.ToString(app.Arn); got != "arn:aws:codeartifact:us-east-1:000000000000:repository/acme/app" {
			t.Errorf("arn = %q", got)
		}
		tags, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: app.Arn})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		if got := harness.TagMap(t, tags.Tags); len(got) != 1 || got["team"] != "web" {
			t.Errorf("tags = %v, want team=web", got)
		}
	})
	if app == nil {
		t.FailNow()
	}

	t.Run("DescribeRepository", func(t *testing.T) {
		r := cpDescribeRepo(t, c, "acme", "app")
		cpCheckRepo(t, s, "us-east-1", r, "acme", "app", "Application packages", "npm-store", "base")
		if !r.CreatedTime.Equal(*app.CreatedTime) {
			t.Errorf("createdTime: create %v, describe %v", app.CreatedTime, r.CreatedTime)
		}
		r2, err := c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), DomainOwner: aws.String(s.Account), Repository: aws.String("app")})
		if err != nil {
			t.Fatalf("DescribeRepository with own domain-owner: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", r2.Repository, "acme", "app", "Application packages", "npm-store", "base")
	})

	t.Run("duplicate is a conflict", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"), Description: aws.String("other")})
		harness.ExpectConflict(t, err, types.ResourceTypeRepository, "app")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "app"), "acme", "app", "Application packages", "npm-store", "base")
	})

	t.Run("missing domain", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("ghost"), Repository: aws.String("rr")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "ghost")
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("ghost"), Repository: aws.String("rr")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "ghost")
		_, err = c.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("ghost")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "ghost")
	})

	t.Run("missing repository", func(t *testing.T) {
		_, err := c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("ghost")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
		_, err = c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("ghost"), Description: aws.String("x")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
		_, err = c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("ghost")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
	})

	t.Run("missing upstream", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("lonely"), Upstreams: harness.Upstreams("base", "ghost")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("lonely")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "lonely")
		_, err = c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"), Upstreams: harness.Upstreams("ghost")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "ghost")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "app"), "acme", "app", "Application packages", "npm-store", "base")
	})

	t.Run("upstream from another domain is not found", func(t *testing.T) {
		harness.CreateDomain(t, c, "other")
		harness.CreateRepository(t, c, "other", "elsewhere")
		_, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"), Upstreams: harness.Upstreams("elsewhere")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "elsewhere")
	})

	t.Run("UpdateRepository replaces upstreams and description", func(t *testing.T) {
		out, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{
			Domain: aws.String("acme"), Repository: aws.String("app"),
			Description: aws.String("Apps, v2"),
			Upstreams:   harness.Upstreams("base", "npm-store"),
		})
		if err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "app", "Apps, v2", "base", "npm-store")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "app"), "acme", "app", "Apps, v2", "base", "npm-store")

		out, err = c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{
			Domain: aws.String("acme"), Repository: aws.String("app"),
			Description: aws.String("Apps, v2"),
			Upstreams:   harness.Upstreams("npm-store"),
		})
		if err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "app", "Apps, v2", "npm-store")
	})

	t.Run("UpdateRepository with an empty list clears upstreams", func(t *testing.T) {
		out, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{
			Domain: aws.String("acme"), Repository: aws.String("app"),
			Description: aws.String("Apps, v3"),
			Upstreams:   []types.UpstreamRepository{},
		})
		if err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "app", "Apps, v3")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "app"), "acme", "app", "Apps, v3")
		if !out.Repository.CreatedTime.Equal(*app.CreatedTime) {
			t.Errorf("createdTime changed by update: %v -> %v", app.CreatedTime, out.Repository.CreatedTime)
		}
	})

	t.Run("DeleteRepository", func(t *testing.T) {
		harness.CreateRepository(t, c, "acme", "doomed")
		if _, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("doomed"), Description: aws.String("Short-lived"), Upstreams: harness.Upstreams("base")}); err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		before := cpDomainRepoCount(t, c, "acme")
		out, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("doomed")})
		if err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "doomed", "Short-lived", "base")
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("doomed")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "doomed")
		if after := cpDomainRepoCount(t, c, "acme"); after != before-1 {
			t.Errorf("repositoryCount %d -> %d after a delete, want %d", before, after, before-1)
		}
		// The name can be reused and the new repository starts fresh.
		r := harness.CreateRepository(t, c, "acme", "doomed")
		cpCheckRepo(t, s, "us-east-1", r, "acme", "doomed", "")
	})

	t.Run("deleting an upstream leaves a dangling entry", func(t *testing.T) {
		harness.CreateRepository(t, c, "acme", "shared")
		harness.CreateRepository(t, c, "acme", "consumer", "shared", "base")
		out, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("shared")})
		if err != nil {
			t.Fatalf("DeleteRepository of an upstream: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "shared", "")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "consumer"), "acme", "consumer", "", "shared", "base")
		// Recreating the name does not repair the link, but the name is still listed.
		harness.CreateRepository(t, c, "acme", "shared")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "consumer"), "acme", "consumer", "", "shared", "base")
		// UpdateRepository replaces the list with the new repository.
		upd, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("consumer"), Upstreams: harness.Upstreams("base", "shared")})
		if err != nil {
			t.Fatalf("UpdateRepository: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", upd.Repository, "acme", "consumer", "", "base", "shared")
	})
}

func cpDomainRepoCount(t *testing.T, c *codeartifact.Client, domain string) int32 {
	t.Helper()
	out, err := c.DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String(domain)})
	if err != nil {
		t.Fatalf("DescribeDomain %s: %v", domain, err)
	}
	return out.Domain.RepositoryCount
}

func TestRepositoryUpstreamRules(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "rc")
	harness.CreateRepository(t, c, "acme", "rb", "rc")
	harness.CreateRepository(t, c, "acme", "ra", "rb")
	update := func(repo string, ups ...string) error {
		_, err := c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(repo), Upstreams: harness.Upstreams(ups...)})
		return err
	}

	t.Run("self upstream", func(t *testing.T) {
		harness.ExpectValidation(t, update("ra", "ra"))
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("selfish"), Upstreams: harness.Upstreams("selfish")})
		// The repository does not exist yet, so "invalid" and "upstream not
		// found" are both defensible; it must not be created either way.
		if code := harness.ErrorCode(err); code != "ValidationException" && code != "ResourceNotFoundException" {
			t.Errorf("CreateRepository with itself as upstream: %v, want ValidationException", err)
		}
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("selfish")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "selfish")
	})
	t.Run("duplicate upstream", func(t *testing.T) {
		harness.ExpectValidation(t, update("ra", "rb", "rc", "rb"))
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("dup"), Upstreams: harness.Upstreams("rc", "rc")})
		harness.ExpectValidation(t, err)
		_, err = c.DescribeRepository(ctx, &codeartifact.DescribeRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("dup")})
		harness.ExpectNotFound(t, err, types.ResourceTypeRepository, "dup")
	})
	t.Run("two-node cycle", func(t *testing.T) {
		harness.ExpectValidation(t, update("rb", "ra"))
	})
	t.Run("three-node cycle", func(t *testing.T) {
		harness.ExpectValidation(t, update("rc", "ra"))
	})
	t.Run("failed updates changed nothing", func(t *testing.T) {
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "ra"), "acme", "ra", "", "rb")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "rb"), "acme", "rb", "", "rc")
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "rc"), "acme", "rc", "")
	})
	t.Run("diamond is not a cycle", func(t *testing.T) {
		if err := update("ra", "rb", "rc"); err != nil {
			t.Fatalf("a -> [b c] with b -> c: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "ra"), "acme", "ra", "", "rb", "rc")
	})

	var eleven []string
	for i := 1; i <= 11; i++ {
		name := fmt.Sprintf("u%02d", i)
		eleven = append(eleven, name)
		harness.CreateRepository(t, c, "acme", name)
	}
	t.Run("11 upstreams exceed the quota", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("many"), Upstreams: harness.Upstreams(eleven...)})
		harness.ExpectQuota(t, err)
		harness.ExpectQuota(t, update("ra", eleven...))
	})
	t.Run("10 upstreams are fine and keep their order", func(t *testing.T) {
		ten := slices.Clone(eleven[:10])
		slices.Reverse(ten)
		r := harness.CreateRepository(t, c, "acme", "many", ten...)
		cpCheckRepo(t, s, "us-east-1", r, "acme", "many", "", ten...)
		cpCheckRepo(t, s, "us-east-1", cpDescribeRepo(t, c, "acme", "many"), "acme", "many", "", ten...)
	})
}

func TestRepositoryListing(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateDomain(t, c, "beta")
	acme := []string{"web-app", "npm-store", "web-lib", "pypi-store", "base"}
	for _, r := range acme {
		if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(r), Description: aws.String("repo " + r)}); err != nil {
			t.Fatalf("CreateRepository %s: %v", r, err)
		}
	}
	harness.CreateRepository(t, c, "beta", "web-beta")
	harness.CreateRepository(t, c, "beta", "other")

	listIn := func(t *testing.T, in codeartifact.ListRepositoriesInDomainInput) []types.RepositorySummary {
		t.Helper()
		var all []types.RepositorySummary
		for page := 0; ; page++ {
			if page > 20 {
				t.Fatalf("pagination does not end")
			}
			out, err := c.ListRepositoriesInDomain(ctx, &in)
			if err != nil {
				t.Fatalf("ListRepositoriesInDomain: %v", err)
			}
			if in.MaxResults != nil && len(out.Repositories) > int(*in.MaxResults) {
				t.Errorf("page of %d > maxResults %d", len(out.Repositories), *in.MaxResults)
			}
			all = append(all, out.Repositories...)
			if out.NextToken == nil {
				return all
			}
			in.NextToken = out.NextToken
		}
	}
	listAll := func(t *testing.T, in codeartifact.ListRepositoriesInput) []types.RepositorySummary {
		t.Helper()
		var all []types.RepositorySummary
		for page := 0; ; page++ {
			if page > 20 {
				t.Fatalf("pagination does not end")
			}
			out, err := c.ListRepositories(ctx, &in)
			if err != nil {
				t.Fatalf("ListRepositories: %v", err)
			}
			if in.MaxResults != nil && len(out.Repositories) > int(*in.MaxResults) {
				t.Errorf("page of %d > maxResults %d", len(out.Repositories), *in.MaxResults)
			}
			all = append(all, out.Repositories...)
			if out.NextToken == nil {
				return all
			}
			in.NextToken = out.NextToken
		}
	}
	keys := func(rs []types.RepositorySummary) []string {
		var out []string
		for _, r := range rs {
			out = append(out, aws.ToString(r.DomainName)+"/"+aws.ToString(r.Name))
		}
		return out
	}
	sorted := func(names ...string) []string { return slices.Sorted(slices.Values(names)) }
	expectSet := func(t *testing.T, got, want []string) {
		t.Helper()
		if !slices.Equal(slices.Sorted(slices.Values(got)), sorted(want...)) {
			t.Errorf("listed %v, want each of %v exactly once", got, want)
		}
	}
	withDomain := func(d string, names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, d+"/"+n)
		}
		return out
	}

	t.Run("ListRepositoriesInDomain summaries", func(t *testing.T) {
		got := listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme")})
		expectSet(t, keys(got), withDomain("acme", acme...))
		for _, r := range got {
			name := aws.ToString(r.Name)
			if aws.ToString(r.Arn) != s.RepositoryARN("", "acme", name) {
				t.Errorf("%s arn = %q", name, aws.ToString(r.Arn))
			}
			if aws.ToString(r.Description) != "repo "+name {
				t.Errorf("%s description = %q", name, aws.ToString(r.Description))
			}
			if aws.ToString(r.AdministratorAccount) != s.Account || aws.ToString(r.DomainOwner) != s.Account {
				t.Errorf("%s administratorAccount/domainOwner = %q/%q", name, aws.ToString(r.AdministratorAccount), aws.ToString(r.DomainOwner))
			}
			harness.ExpectRecent(t, name+" createdTime", r.CreatedTime)
		}
	})
	t.Run("ListRepositoriesInDomain pagination", func(t *testing.T) {
		got := listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), MaxResults: aws.Int32(2)})
		expectSet(t, keys(got), withDomain("acme", acme...))
		p := codeartifact.NewListRepositoriesInDomainPaginator(c, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), MaxResults: aws.Int32(1)})
		var pages int
		var all []string
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("NextPage: %v", err)
			}
			pages++
			all = append(all, keys(out.Repositories)...)
		}
		expectSet(t, all, withDomain("acme", acme...))
		if pages < len(acme) {
			t.Errorf("maxResults 1 gave %d pages for %d repositories", pages, len(acme))
		}
	})
	t.Run("ListRepositoriesInDomain repository-prefix", func(t *testing.T) {
		got := listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), RepositoryPrefix: aws.String("web-")})
		expectSet(t, keys(got), withDomain("acme", "web-app", "web-lib"))
		got = listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), RepositoryPrefix: aws.String("web-"), MaxResults: aws.Int32(1)})
		expectSet(t, keys(got), withDomain("acme", "web-app", "web-lib"))
		got = listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), RepositoryPrefix: aws.String("zz")})
		expectSet(t, keys(got), nil)
	})
	t.Run("ListRepositoriesInDomain administrator-account", func(t *testing.T) {
		got := listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), AdministratorAccount: aws.String(s.Account)})
		expectSet(t, keys(got), withDomain("acme", acme...))
		got = listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), AdministratorAccount: aws.String("111122223333")})
		expectSet(t, keys(got), nil)
		_, err := c.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), AdministratorAccount: aws.String("not-an-account")})
		harness.ExpectValidation(t, err)
	})
	t.Run("ListRepositories spans domains", func(t *testing.T) {
		got := listAll(t, codeartifact.ListRepositoriesInput{})
		want := append(withDomain("acme", acme...), withDomain("beta", "web-beta", "other")...)
		expectSet(t, keys(got), want)
		for _, r := range got {
			if aws.ToString(r.Arn) != s.RepositoryARN("", aws.ToString(r.DomainName), aws.ToString(r.Name)) {
				t.Errorf("arn = %q", aws.ToString(r.Arn))
			}
		}
		got = listAll(t, codeartifact.ListRepositoriesInput{MaxResults: aws.Int32(3)})
		expectSet(t, keys(got), want)
	})
	t.Run("ListRepositories repository-prefix", func(t *testing.T) {
		got := listAll(t, codeartifact.ListRepositoriesInput{RepositoryPrefix: aws.String("web")})
		expectSet(t, keys(got), []string{"acme/web-app", "acme/web-lib", "beta/web-beta"})
		got = listAll(t, codeartifact.ListRepositoriesInput{RepositoryPrefix: aws.String("web"), MaxResults: aws.Int32(1)})
		expectSet(t, keys(got), []string{"acme/web-app", "acme/web-lib", "beta/web-beta"})
	})
	t.Run("maxResults bounds", func(t *testing.T) {
		for _, n := range []int32{0, 1001} {
			_, err := c.ListRepositories(ctx, &codeartifact.ListRepositoriesInput{MaxResults: aws.Int32(n)})
			harness.ExpectValidation(t, err)
			_, err = c.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), MaxResults: aws.Int32(n)})
			harness.ExpectValidation(t, err)
		}
	})
	t.Run("deleted repositories disappear from listings", func(t *testing.T) {
		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("web-lib")}); err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		got := listIn(t, codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), RepositoryPrefix: aws.String("web-")})
		expectSet(t, keys(got), []string{"acme/web-app"})
		got = listAll(t, codeartifact.ListRepositoriesInput{RepositoryPrefix: aws.String("web")})
		expectSet(t, keys(got), []string{"acme/web-app", "beta/web-beta"})
	})
}

func TestRepositoryNameValidation(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")

	for _, name := range []string{"a", "-x", strings.Repeat("r", 101), "bad/name", "_x", ".x", "has space", "ünï"} {
		t.Run("CreateRepository "+name[:min(len(name), 12)], func(t *testing.T) {
			_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(name)})
			harness.ExpectValidation(t, err)
		})
	}
	t.Run("invalid upstream name", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("ok"), Upstreams: harness.Upstreams("bad/name")})
		harness.ExpectValidation(t, err)
	})
	t.Run("description too long", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("ok"), Description: aws.String(strings.Repeat("d", 1001))})
		harness.ExpectValidation(t, err)
	})
	t.Run("nothing was created", func(t *testing.T) {
		if n := cpDomainRepoCount(t, c, "acme"); n != 0 {
			t.Errorf("invalid creates left %d repositories", n)
		}
	})
	t.Run("boundary names are accepted", func(t *testing.T) {
		for _, name := range []string{"ab", "A.b_c-1", "9lives", strings.Repeat("r", 100)} {
			r := harness.CreateRepository(t, c, "acme", name)
			cpCheckRepo(t, s, "us-east-1", r, "acme", name, "")
		}
		desc := strings.Repeat("d", 1000)
		out, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("long-desc"), Description: aws.String(desc)})
		if err != nil {
			t.Fatalf("1000-character description: %v", err)
		}
		cpCheckRepo(t, s, "us-east-1", out.Repository, "acme", "long-desc", desc)
	})
}

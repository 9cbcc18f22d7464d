package conformance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// checkDomain asserts every field of a freshly created, empty domain.
func cpCheckDomain(t *testing.T, s *harness.Server, region string, d *types.DomainDescription, name string, repos int32) {
	t.Helper()
	if d == nil {
		t.Fatalf("domain %q: no description", name)
	}
	if got := aws.ToString(d.Name); got != name {
		t.Errorf("domain name = %q, want %q", got, name)
	}
	if got := aws.ToString(d.Owner); got != s.Account {
		t.Errorf("domain %s owner = %q, want %q", name, got, s.Account)
	}
	if got, want := aws.ToString(d.Arn), s.DomainARN(region, name); got != want {
		t.Errorf("domain %s arn = %q, want %q", name, got, want)
	}
	if d.Status != types.DomainStatusActive {
		t.Errorf("domain %s status = %q, want Active", name, d.Status)
	}
	harness.ExpectRecent(t, "domain "+name+" createdTime", d.CreatedTime)
	if d.RepositoryCount != repos {
		t.Errorf("domain %s repositoryCount = %d, want %d", name, d.RepositoryCount, repos)
	}
	if d.AssetSizeBytes != 0 {
		t.Errorf("domain %s assetSizeBytes = %d, want 0", name, d.AssetSizeBytes)
	}
}

func TestDomainLifecycle(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	arn := s.DomainARN("", "acme")
	var created *types.DomainDescription

	t.Run("CreateDomain with tags", func(t *testing.T) {
		created = harness.CreateDomain(t, c, "acme", harness.Tags("team", "platform", "cost-center", "42")...)
		cpCheckDomain(t, s, "us-east-1", created, "acme", 0)
		if arn != "arn:aws:codeartifact:us-east-1:000000000000:domain/acme" {
			t.Fatalf("harness ARN %q", arn) // the literal form the docs promise
		}
		tags, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("ListTagsForResource: %v", err)
		}
		got := harness.TagMap(t, tags.Tags)
		if len(got) != 2 || got["team"] != "platform" || got["cost-center"] != "42" {
			t.Errorf("tags on create = %v, want team=platform cost-center=42", got)
		}
	})
	if created == nil {
		t.FailNow()
	}

	t.Run("duplicate name is a conflict", func(t *testing.T) {
		_, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("acme")})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "acme")
	})

	t.Run("DescribeDomain matches CreateDomain", func(t *testing.T) {
		out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DescribeDomain: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 0)
		if !out.Domain.CreatedTime.Equal(*created.CreatedTime) {
			t.Errorf("createdTime changed: create said %v, describe says %v", created.CreatedTime, out.Domain.CreatedTime)
		}
		// domain-owner given explicitly as the caller's own account.
		out2, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme"), DomainOwner: aws.String(s.Account)})
		if err != nil {
			t.Fatalf("DescribeDomain with own domain-owner: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out2.Domain, "acme", 0)
	})

	t.Run("repositoryCount follows repositories", func(t *testing.T) {
		for i, repo := range []string{"npm-store", "app"} {
			harness.CreateRepository(t, c, "acme", repo)
			out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
			if err != nil {
				t.Fatalf("DescribeDomain: %v", err)
			}
			cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", int32(i+1))
		}
	})

	t.Run("DeleteDomain refused while repositories exist", func(t *testing.T) {
		_, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")})
		harness.ExpectConflict(t, err, types.ResourceTypeDomain, "acme")
		out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("domain gone after a refused delete: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 2)
	})

	t.Run("DeleteDomain after its repositories are gone", func(t *testing.T) {
		for _, repo := range []string{"npm-store", "app"} {
			if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String(repo)}); err != nil {
				t.Fatalf("DeleteRepository %s: %v", repo, err)
			}
		}
		out, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DeleteDomain: %v", err)
		}
		if out.Domain.Status != types.DomainStatusDeleted {
			t.Errorf("DeleteDomain answered status %q, want Deleted", out.Domain.Status)
		}
		out.Domain.Status = types.DomainStatusActive // the rest is the domain as it was
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 0)
		if out.Domain.CreatedTime != nil && !out.Domain.CreatedTime.Equal(*created.CreatedTime) {
			t.Errorf("DeleteDomain createdTime = %v, want %v", out.Domain.CreatedTime, created.CreatedTime)
		}
	})

	t.Run("deleted domain is not found", func(t *testing.T) {
		_, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "acme")
		// Deleting it again succeeds: DeleteDomain's model has no
		// ResourceNotFoundException, so an SDK (and Terraform's destroy)
		// could not recognise one.
		again, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DeleteDomain of a deleted domain: %v", err)
		}
		if d := again.Domain; d == nil || aws.ToString(d.Name) != "acme" || aws.ToString(d.Owner) != s.Account ||
			aws.ToString(d.Arn) != s.DomainARN("us-east-1", "acme") || d.Status != types.DomainStatusDeleted || d.CreatedTime != nil {
			t.Errorf("DeleteDomain of a deleted domain answered %+v, want it named, Deleted, with no creation time", d)
		}
		list, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{})
		if err != nil {
			t.Fatalf("ListDomains: %v", err)
		}
		if len(list.Domains) != 0 {
			t.Errorf("ListDomains after delete = %d domains, want 0", len(list.Domains))
		}
	})

	t.Run("name can be reused after delete", func(t *testing.T) {
		d := harness.CreateDomain(t, c, "acme")
		cpCheckDomain(t, s, "us-east-1", d, "acme", 0)
	})
}

func TestDomainListPagination(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	// Created out of order on purpose: listing is in name order.
	names := []string{"delta", "alpha", "echo", "charlie", "bravo"}
	for _, n := range names {
		harness.CreateDomain(t, c, n)
	}
	want := slices.Sorted(slices.Values(names))

	t.Run("one page", func(t *testing.T) {
		out, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{})
		if err != nil {
			t.Fatalf("ListDomains: %v", err)
		}
		if out.NextToken != nil {
			t.Errorf("nextToken = %q on a complete listing, want none", *out.NextToken)
		}
		var got []string
		for _, d := range out.Domains {
			got = append(got, aws.ToString(d.Name))
			if a := aws.ToString(d.Arn); a != s.DomainARN("", aws.ToString(d.Name)) {
				t.Errorf("summary arn = %q", a)
			}
			if aws.ToString(d.Owner) != s.Account {
				t.Errorf("summary %s owner = %q", aws.ToString(d.Name), aws.ToString(d.Owner))
			}
			if d.Status != types.DomainStatusActive {
				t.Errorf("summary %s status = %q", aws.ToString(d.Name), d.Status)
			}
			harness.ExpectRecent(t, "summary createdTime", d.CreatedTime)
		}
		if !slices.Equal(got, want) {
			t.Errorf("ListDomains = %v, want %v", got, want)
		}
	})

	t.Run("MaxResults 2 with NextToken", func(t *testing.T) {
		var got []string
		var sizes []int
		var token *string
		for page := 0; ; page++ {
			if page > 10 {
				t.Fatalf("pagination does not end: %v", got)
			}
			out, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				t.Fatalf("ListDomains page %d: %v", page, err)
			}
			sizes = append(sizes, len(out.Domains))
			for _, d := range out.Domains {
				got = append(got, aws.ToString(d.Name))
			}
			if out.NextToken == nil {
				break
			}
			if *out.NextToken == "" {
				t.Fatalf("page %d: empty nextToken (should be absent)", page)
			}
			token = out.NextToken
		}
		if !slices.Equal(got, want) {
			t.Errorf("paged ListDomains = %v, want each of %v exactly once in order", got, want)
		}
		if !slices.Equal(sizes, []int{2, 2, 1}) {
			t.Errorf("page sizes = %v, want [2 2 1]", sizes)
		}
	})

	t.Run("SDK paginator", func(t *testing.T) {
		p := codeartifact.NewListDomainsPaginator(c, &codeartifact.ListDomainsInput{MaxResults: aws.Int32(3)})
		var got []string
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("NextPage: %v", err)
			}
			for _, d := range out.Domains {
				got = append(got, aws.ToString(d.Name))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("paginator = %v, want %v", got, want)
		}
	})
}

func TestDomainValidation(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()

	bad := []string{"A", "ab-", "Upper", strings.Repeat("a", 51), "-ab", "a_b", "1ab"}
	for _, name := range bad {
		t.Run("CreateDomain "+name, func(t *testing.T) {
			_, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String(name)})
			harness.ExpectValidation(t, err)
		})
	}
	t.Run("DescribeDomain with an invalid name", func(t *testing.T) {
		_, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("Upper")})
		harness.ExpectValidation(t, err)
	})
	t.Run("nothing was created", func(t *testing.T) {
		out, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{})
		if err != nil {
			t.Fatalf("ListDomains: %v", err)
		}
		if len(out.Domains) != 0 {
			t.Errorf("invalid creates left %d domains behind", len(out.Domains))
		}
	})
	t.Run("boundary names are accepted", func(t *testing.T) {
		for _, name := range []string{"ab", "a" + strings.Repeat("0", 48) + "z", "a-1"} {
			d := harness.CreateDomain(t, c, name)
			cpCheckDomain(t, s, "us-east-1", d, name, 0)
		}
	})
	t.Run("domain-owner must be 12 digits", func(t *testing.T) {
		_, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("ab"), DomainOwner: aws.String("12345")})
		harness.ExpectValidation(t, err)
	})
	for _, n := range []int32{0, 1001, -1} {
		t.Run("ListDomains maxResults "+strconv.Itoa(int(n)), func(t *testing.T) {
			_, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{MaxResults: aws.Int32(n)})
			harness.ExpectValidation(t, err)
		})
	}
	t.Run("ListDomains maxResults 1 and 1000 are fine", func(t *testing.T) {
		for _, n := range []int32{1, 1000} {
			out, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{MaxResults: aws.Int32(n)})
			if err != nil {
				t.Fatalf("maxResults %d: %v", n, err)
			}
			if want := min(int(n), 3); len(out.Domains) != want {
				t.Errorf("maxResults %d: %d domains, want %d", n, len(out.Domains), want)
			}
		}
	})
}

func TestDomainQuota(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	for i := range 10 {
		harness.CreateDomain(t, c, "d"+strconv.Itoa(i)+"x")
	}
	t.Run("11th domain", func(t *testing.T) {
		_, err := c.CreateDomain(ctx, &codeartifact.CreateDomainInput{Domain: aws.String("eleven")})
		harness.ExpectQuota(t, err)
		_, err = c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("eleven")})
		harness.ExpectNotFound(t, err, types.ResourceTypeDomain, "eleven")
	})
	t.Run("room again after a delete", func(t *testing.T) {
		if _, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("d0x")}); err != nil {
			t.Fatalf("DeleteDomain: %v", err)
		}
		d := harness.CreateDomain(t, c, "eleven")
		cpCheckDomain(t, s, "us-east-1", d, "eleven", 0)
	})
}

func TestDomainOwnerOtherAccount(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	other := aws.String("111122223333")

	t.Run("DescribeDomain", func(t *testing.T) {
		_, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme"), DomainOwner: other})
		harness.ExpectAccessDenied(t, err)
	})
	t.Run("DeleteDomain", func(t *testing.T) {
		_, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme"), DomainOwner: other})
		harness.ExpectAccessDenied(t, err)
	})
	t.Run("CreateRepository", func(t *testing.T) {
		_, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), DomainOwner: other, Repository: aws.String("r1")})
		harness.ExpectAccessDenied(t, err)
	})
	t.Run("ListRepositoriesInDomain", func(t *testing.T) {
		_, err := c.ListRepositoriesInDomain(ctx, &codeartifact.ListRepositoriesInDomainInput{Domain: aws.String("acme"), DomainOwner: other})
		harness.ExpectAccessDenied(t, err)
	})
	t.Run("own domain untouched", func(t *testing.T) {
		out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("acme")})
		if err != nil {
			t.Fatalf("DescribeDomain: %v", err)
		}
		cpCheckDomain(t, s, "us-east-1", out.Domain, "acme", 0)
	})
}

// TestDomainWireShape checks the raw JSON of DescribeDomain, ListDomains and
// an error, as an SDK-independent client would see them.
func TestDomainWireShape(t *testing.T) {
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")

	t.Run("DescribeDomain", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodGet, "/v1/domain", url.Values{"domain": {"acme"}}, nil, "")
		body := harness.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
		if resp.Header.Get("X-Amzn-RequestId") == "" {
			t.Errorf("no x-amzn-RequestId header")
		}
		var top map[string]json.RawMessage
		cpDecodeJSON(t, body, &top)
		if keys := harness.SortedKeys(top); !slices.Equal(keys, []string{"domain"}) {
			t.Fatalf("top-level keys = %v, want [domain]", keys)
		}
		var d map[string]any
		cpDecodeJSON(t, top["domain"], &d)
		allowed := []string{"arn", "assetSizeBytes", "createdTime", "encryptionKey", "name", "owner", "repositoryCount", "s3BucketArn", "status"}
		for k := range d {
			if !slices.Contains(allowed, k) {
				t.Errorf("unexpected member domain.%s (keys must be the model's camelCase names)", k)
			}
		}
		wantStr := map[string]string{"name": "acme", "owner": s.Account, "arn": s.DomainARN("", "acme"), "status": "Active"}
		for k, v := range wantStr {
			if got, ok := d[k].(string); !ok || got != v {
				t.Errorf("domain.%s = %#v, want %q", k, d[k], v)
			}
		}
		ct, ok := d["createdTime"].(json.Number)
		if !ok {
			t.Fatalf("domain.createdTime = %#v, want a JSON number of epoch seconds", d["createdTime"])
		}
		secs, err := ct.Float64()
		if err != nil {
			t.Fatalf("createdTime %q: %v", ct, err)
		}
		if diff := time.Since(time.Unix(int64(secs), 0)); diff > time.Minute || diff < -time.Minute {
			t.Errorf("domain.createdTime = %s (epoch seconds), not within a minute of now", ct)
		}
		for _, k := range []string{"repositoryCount", "assetSizeBytes"} {
			if n, ok := d[k].(json.Number); !ok || n.String() != "0" {
				t.Errorf("domain.%s = %#v, want the number 0", k, d[k])
			}
		}
		cpCheckNoNulls(t, "", top)
	})

	t.Run("ListDomains", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodPost, "/v1/domains", nil, []byte(`{}`), "")
		body := harness.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
		var top map[string]any
		cpDecodeJSON(t, body, &top)
		cpCheckNoNulls(t, "", top)
		list, ok := top["domains"].([]any)
		if !ok || len(list) != 1 {
			t.Fatalf("domains = %#v, want a list of one", top["domains"])
		}
		d, _ := list[0].(map[string]any)
		if d["name"] != "acme" || d["arn"] != s.DomainARN("", "acme") || d["status"] != "Active" || d["owner"] != s.Account {
			t.Errorf("domains[0] = %v", d)
		}
		if _, ok := d["createdTime"].(json.Number); !ok {
			t.Errorf("domains[0].createdTime = %#v, want a number", d["createdTime"])
		}
		if _, ok := top["nextToken"]; ok {
			t.Errorf("nextToken present on a complete listing: %v", top["nextToken"])
		}
	})

	t.Run("ListDomains with an empty body", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodPost, "/v1/domains", nil, nil, "")
		body := harness.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %s", resp.StatusCode, body)
		}
	})

	t.Run("not found error", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodGet, "/v1/domain", url.Values{"domain": {"ghost"}}, nil, "")
		w := harness.ExpectWireError(t, resp, http.StatusNotFound, "ResourceNotFoundException")
		if w.ResourceType != "domain" || w.ResourceID != "ghost" {
			t.Errorf("resourceType/resourceId = %q/%q, want domain/ghost (body %s)", w.ResourceType, w.ResourceID, w.Body)
		}
	})

	t.Run("conflict error", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"acme"}}, []byte(`{}`), "")
		w := harness.ExpectWireError(t, resp, http.StatusConflict, "ConflictException")
		if w.ResourceType != "domain" || w.ResourceID != "acme" {
			t.Errorf("resourceType/resourceId = %q/%q, want domain/acme (body %s)", w.ResourceType, w.ResourceID, w.Body)
		}
	})

	t.Run("validation error", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"Bad"}}, []byte(`{}`), "")
		harness.ExpectWireError(t, resp, http.StatusBadRequest, "ValidationException")
	})

	t.Run("healthz needs no signature", func(t *testing.T) {
		resp, err := http.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatalf("GET /healthz: %v", err)
		}
		harness.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz = %d, want 200", resp.StatusCode)
		}
	})
}

// decodeStrict decodes JSON keeping numbers as json.Number.
func cpDecodeJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("response is not the expected JSON: %v: %s", err, b)
	}
}

// checkNoNulls fails on any JSON null member: absent members must be omitted.
func cpCheckNoNulls(t *testing.T, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Errorf("JSON member %s is null; absent members must be omitted", path)
	case map[string]any:
		for k, e := range x {
			cpCheckNoNulls(t, path+"."+k, e)
		}
	case map[string]json.RawMessage:
		for k, raw := range x {
			var e any
			cpDecodeJSON(t, raw, &e)
			cpCheckNoNulls(t, path+"."+k, e)
		}
	case []any:
		for i, e := range x {
			cpCheckNoNulls(t, path+"["+strconv.Itoa(i)+"]", e)
		}
	}
}

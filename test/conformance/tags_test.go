package conformance

import (
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

func cpListTags(t *testing.T, c *codeartifact.Client, arn string) map[string]string {
	t.Helper()
	out, err := c.ListTagsForResource(t.Context(), &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource %s: %v", arn, err)
	}
	return harness.TagMap(t, out.Tags)
}

func cpExpectTags(t *testing.T, c *codeartifact.Client, arn string, want map[string]string) {
	t.Helper()
	if got := cpListTags(t, c, arn); !maps.Equal(got, want) {
		t.Errorf("tags of %s = %v, want %v", arn, got, want)
	}
}

func TestTagsLifecycle(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	domainARN := s.DomainARN("", "acme")
	repoARN := s.RepositoryARN("", "acme", "app")
	harness.CreateDomain(t, c, "acme", harness.Tags("env", "prod")...)
	if _, err := c.CreateRepository(ctx, &codeartifact.CreateRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app"), Tags: harness.Tags("team", "web", "empty", "")}); err != nil {
		t.Fatalf("CreateRepository: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "plain")
	tag := func(arn string, kv ...string) error {
		_, err := c.TagResource(ctx, &codeartifact.TagResourceInput{ResourceArn: aws.String(arn), Tags: harness.Tags(kv...)})
		return err
	}
	untag := func(arn string, keys ...string) error {
		_, err := c.UntagResource(ctx, &codeartifact.UntagResourceInput{ResourceArn: aws.String(arn), TagKeys: keys})
		return err
	}

	t.Run("tags given on create are visible", func(t *testing.T) {
		cpExpectTags(t, c, domainARN, map[string]string{"env": "prod"})
		cpExpectTags(t, c, repoARN, map[string]string{"team": "web", "empty": ""})
		cpExpectTags(t, c, s.RepositoryARN("", "acme", "plain"), map[string]string{})
	})

	t.Run("TagResource on a domain adds and replaces", func(t *testing.T) {
		if err := tag(domainARN, "owner", "alice", "env", "staging"); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		cpExpectTags(t, c, domainARN, map[string]string{"env": "staging", "owner": "alice"})
		if err := tag(domainARN, "env", "prod"); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		cpExpectTags(t, c, domainARN, map[string]string{"env": "prod", "owner": "alice"})
		// Tags of one resource never leak to another.
		cpExpectTags(t, c, repoARN, map[string]string{"team": "web", "empty": ""})
	})

	t.Run("TagResource on a repository adds and replaces", func(t *testing.T) {
		if err := tag(repoARN, "team", "mobile", "tier", "1"); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		cpExpectTags(t, c, repoARN, map[string]string{"team": "mobile", "tier": "1", "empty": ""})
		cpExpectTags(t, c, domainARN, map[string]string{"env": "prod", "owner": "alice"})
	})

	t.Run("UntagResource", func(t *testing.T) {
		if err := untag(domainARN, "env", "never-set"); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		cpExpectTags(t, c, domainARN, map[string]string{"owner": "alice"})
		if err := untag(repoARN, "team", "empty"); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		cpExpectTags(t, c, repoARN, map[string]string{"tier": "1"})
	})

	t.Run("keys are case sensitive", func(t *testing.T) {
		if err := tag(repoARN, "Tier", "2"); err != nil {
			t.Fatalf("TagResource: %v", err)
		}
		cpExpectTags(t, c, repoARN, map[string]string{"tier": "1", "Tier": "2"})
		if err := untag(repoARN, "Tier"); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		cpExpectTags(t, c, repoARN, map[string]string{"tier": "1"})
	})

	t.Run("well-formed ARN of a missing resource", func(t *testing.T) {
		for _, arn := range []string{
			s.DomainARN("", "ghost"),
			s.RepositoryARN("", "acme", "ghost"),
			s.RepositoryARN("", "ghost", "app"),
		} {
			_, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
			harness.ExpectError[*types.ResourceNotFoundException](t, err)
			harness.ExpectError[*types.ResourceNotFoundException](t, tag(arn, "k", "v"))
			harness.ExpectError[*types.ResourceNotFoundException](t, untag(arn, "k"))
		}
	})

	t.Run("malformed ARN", func(t *testing.T) {
		for _, arn := range []string{
			"not-an-arn",
			"arn:aws:codeartifact:us-east-1:000000000000:domain",
			"arn:aws:codeartifact:us-east-1:000000000000:repository/acme",
			"arn:aws:codeartifact:us-east-1:0000:domain/acme",
		} {
			_, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
			harness.ExpectValidation(t, err)
			harness.ExpectValidation(t, tag(arn, "k", "v"))
			harness.ExpectValidation(t, untag(arn, "k"))
		}
	})

	t.Run("tag key and value limits", func(t *testing.T) {
		harness.ExpectValidation(t, tag(repoARN, "", "v"))
		harness.ExpectValidation(t, tag(repoARN, strings.Repeat("k", 129), "v"))
		harness.ExpectValidation(t, tag(repoARN, "k", strings.Repeat("v", 257)))
		cpExpectTags(t, c, repoARN, map[string]string{"tier": "1"})
		long := map[string]string{"tier": "1", strings.Repeat("k", 128): strings.Repeat("v", 256)}
		if err := tag(repoARN, strings.Repeat("k", 128), strings.Repeat("v", 256)); err != nil {
			t.Fatalf("128-character key, 256-character value: %v", err)
		}
		cpExpectTags(t, c, repoARN, long)
	})

	t.Run("more than 200 tags", func(t *testing.T) {
		plain := s.RepositoryARN("", "acme", "plain")
		var kv []string
		for i := range 200 {
			kv = append(kv, fmt.Sprintf("k%03d", i), "v")
		}
		if err := tag(plain, kv...); err != nil {
			t.Fatalf("200 tags: %v", err)
		}
		if got := cpListTags(t, c, plain); len(got) != 200 {
			t.Errorf("%d tags listed, want 200", len(got))
		}
		harness.ExpectQuota(t, tag(plain, "one-too-many", "v"))
		if got := cpListTags(t, c, plain); len(got) != 200 {
			t.Errorf("%d tags after a refused TagResource, want 200", len(got))
		}
		// Replacing an existing key does not add one.
		if err := tag(plain, "k000", "new"); err != nil {
			t.Errorf("re-tagging an existing key at the limit: %v", err)
		}
	})

	t.Run("tags are gone after delete and recreate", func(t *testing.T) {
		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app")}); err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		_, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(repoARN)})
		harness.ExpectError[*types.ResourceNotFoundException](t, err)
		harness.CreateRepository(t, c, "acme", "app")
		cpExpectTags(t, c, repoARN, map[string]string{})

		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("app")}); err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		if _, err := c.DeleteRepository(ctx, &codeartifact.DeleteRepositoryInput{Domain: aws.String("acme"), Repository: aws.String("plain")}); err != nil {
			t.Fatalf("DeleteRepository: %v", err)
		}
		if _, err := c.DeleteDomain(ctx, &codeartifact.DeleteDomainInput{Domain: aws.String("acme")}); err != nil {
			t.Fatalf("DeleteDomain: %v", err)
		}
		_, err = c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(domainARN)})
		harness.ExpectError[*types.ResourceNotFoundException](t, err)
		harness.CreateDomain(t, c, "acme")
		cpExpectTags(t, c, domainARN, map[string]string{})
		harness.CreateRepository(t, c, "acme", "plain")
		cpExpectTags(t, c, s.RepositoryARN("", "acme", "plain"), map[string]string{})
	})
}

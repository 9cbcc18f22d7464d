package conformance

// Issue #16: the differences from the real service that users of the AWS
// CLI, the SDKs and Terraform trip on, each through a real client (or, where
// every real client refuses to send the request, a signed raw request).

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/test/harness"
)

// kmsKeyARN is the shape tools validate a KMS key ARN against.
var kmsKeyARN = regexp.MustCompile(`^arn:aws:kms:us-east-1:[0-9]{12}:key/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestDropInEncryptionKey(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()

	t.Run("a domain made without a key reports a well-formed key ARN", func(t *testing.T) {
		d := harness.CreateDomain(t, c, "plain")
		key := aws.ToString(d.EncryptionKey)
		if !kmsKeyARN.MatchString(key) || !strings.Contains(key, ":"+s.Account+":") {
			t.Fatalf("encryptionKey = %q, want arn:aws:kms:us-east-1:%s:key/<uuid>", key, s.Account)
		}
		out, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("plain")})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.Domain.EncryptionKey); got != key {
			t.Errorf("DescribeDomain encryptionKey = %q, CreateDomain said %q", got, key)
		}
		other := harness.CreateDomain(t, c, "plain-two")
		if aws.ToString(other.EncryptionKey) == key {
			t.Errorf("two domains share the key %q", key)
		}
	})

	t.Run("the key a caller passes is the key the domain reports", func(t *testing.T) {
		const key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
		// As infrastructure code does: the AWS CLI with --encryption-key.
		out := cpCLI(t, s, "create-domain", "--domain", "keyed", "--encryption-key", key)
		if got := cpObj(t, out, "domain")["encryptionKey"]; got != key {
			t.Errorf("create-domain encryptionKey = %v, want %s", got, key)
		}
		out = cpCLI(t, s, "describe-domain", "--domain", "keyed")
		if got := cpObj(t, out, "domain")["encryptionKey"]; got != key {
			t.Errorf("describe-domain encryptionKey = %v, want %s", got, key)
		}
		list, err := c.ListDomains(ctx, &codeartifact.ListDomainsInput{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range list.Domains {
			if aws.ToString(d.Name) == "keyed" {
				found = true
				if got := aws.ToString(d.EncryptionKey); got != key {
					t.Errorf("ListDomains encryptionKey = %q, want %s", got, key)
				}
			}
		}
		if !found {
			t.Error("ListDomains misses the domain")
		}
	})
}

func TestDropInRequestValidation(t *testing.T) {
	s := harness.Start(t)
	c := s.Client(t)
	ctx := t.Context()
	d := harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "app")
	arn := aws.ToString(d.Arn)

	reason := func(t *testing.T, w harness.WireError) string {
		t.Helper()
		var body struct{ Reason string }
		if err := json.Unmarshal([]byte(w.Body), &body); err != nil {
			t.Fatalf("error body: %v", err)
		}
		return body.Reason
	}
	noTags := func(t *testing.T) {
		t.Helper()
		out, err := c.ListTagsForResource(ctx, &codeartifact.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Tags) != 0 {
			t.Errorf("a refused request left tags: %+v", out.Tags)
		}
	}

	// The SDKs and the CLI check required members before sending, so a
	// tag without a value only arrives from hand-written requests: it is
	// refused, not stored as "".
	t.Run("a tag without value is a ValidationException", func(t *testing.T) {
		resp := s.SignedRequest(t, http.MethodPost, "/v1/tag", url.Values{"resourceArn": {arn}}, []byte(`{"tags":[{"key":"team"}]}`), "")
		w := harness.ExpectWireError(t, resp, http.StatusBadRequest, "ValidationException")
		if !strings.Contains(w.Message, "tags.member.value") || reason(t, w) != "FIELD_VALIDATION_FAILED" {
			t.Errorf("message %q, reason %q: want tags.member.value named, FIELD_VALIDATION_FAILED", w.Message, reason(t, w))
		}
		noTags(t)
		resp = s.SignedRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"untagged"}}, []byte(`{"tags":[{"key":"team"}]}`), "")
		harness.ExpectWireError(t, resp, http.StatusBadRequest, "ValidationException")
		if _, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("untagged")}); harness.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("a refused CreateDomain made the domain (DescribeDomain: %v)", err)
		}
		// An empty value is a value.
		resp = s.SignedRequest(t, http.MethodPost, "/v1/tag", url.Values{"resourceArn": {arn}}, []byte(`{"tags":[{"key":"team","value":""}]}`), "")
		if resp.StatusCode != http.StatusOK {
			t.Errorf("a tag with an empty value: %d %s", resp.StatusCode, harness.ReadBody(t, resp))
		}
		resp.Body.Close()
	})

	t.Run("a body that is not JSON is CANNOT_PARSE", func(t *testing.T) {
		for _, body := range []string{`{"tags":`, `[1,2]`, `{"tags":"team"}`} {
			resp := s.SignedRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"unparsed"}}, []byte(body), "")
			w := harness.ExpectWireError(t, resp, http.StatusBadRequest, "ValidationException")
			if got := reason(t, w); got != "CANNOT_PARSE" {
				t.Errorf("body %s: reason %q, want CANNOT_PARSE", body, got)
			}
		}
		if _, err := c.DescribeDomain(ctx, &codeartifact.DescribeDomainInput{Domain: aws.String("unparsed")}); harness.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("a refused CreateDomain made the domain (DescribeDomain: %v)", err)
		}
	})

	t.Run("PublishPackageVersion without the asset's hash is a ValidationException", func(t *testing.T) {
		q := url.Values{"domain": {"acme"}, "repository": {"app"}, "format": {"generic"}, "namespace": {"ns"},
			"package": {"pkg"}, "version": {"1.0"}, "asset": {"a.txt"}}
		body := []byte("asset bytes")
		req := s.NewRequest(t, http.MethodPost, "/v1/package/version/publish", q, body)
		req.Header.Set("Content-Type", "application/octet-stream")
		s.Sign(t, req, body, "", time.Now()) // signs the body's hash without sending it in the header
		if req.Header.Get("X-Amz-Content-Sha256") != "" {
			t.Fatal("the signed request carries x-amz-content-sha256")
		}
		w := harness.ExpectWireError(t, s.Do(t, req), http.StatusBadRequest, "ValidationException")
		if !strings.Contains(w.Message, "assetSHA256") {
			t.Errorf("message %q does not name assetSHA256", w.Message)
		}
		_, err := c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String("acme"), Repository: aws.String("app"),
			Format: "generic", Namespace: aws.String("ns"), Package: aws.String("pkg")})
		if harness.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("a refused publish left the package (ListPackageVersions: %v)", err)
		}
	})
}

// TestDropInAnyAWSRegion: an SDK user's AWS_REGION is whatever region
// they work in; a server started without --region accepts every region
// of the AWS partitions, each separate.
func TestDropInAnyAWSRegion(t *testing.T) {
	s := harness.Start(t)
	for _, region := range []string{"eu-west-1", "ap-southeast-2", "us-gov-west-1"} {
		t.Run(region, func(t *testing.T) {
			c := s.Client(t, region)
			d := harness.CreateDomain(t, c, "acme")
			if got, want := aws.ToString(d.Arn), s.DomainARN(region, "acme"); got != want {
				t.Errorf("arn = %q, want %q", got, want)
			}
			if names := cpDomainNames(t, c); len(names) != 1 || names[0] != "acme" {
				t.Errorf("ListDomains in %s = %v, want [acme] (regions are separate)", region, names)
			}
		})
	}
	// The AWS CLI with a region of its own.
	stdout, stderr, code := s.CLIRegion(t, "sa-east-1", "list-domains")
	if code != 0 || !strings.Contains(stdout, `"domains"`) {
		t.Errorf("aws --region sa-east-1 codeartifact list-domains: %d %s %s", code, stdout, stderr)
	}
	// A name of no AWS partition is still refused.
	_, err := s.Client(t, "moon-base-1").ListDomains(t.Context(), &codeartifact.ListDomainsInput{})
	if harness.ErrorCode(err) != "InvalidSignatureException" || harness.HTTPStatus(err) != http.StatusForbidden {
		t.Errorf("region moon-base-1: %v, want InvalidSignatureException (403)", err)
	}
}

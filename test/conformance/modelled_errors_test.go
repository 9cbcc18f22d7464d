package conformance

// Issue #16: every error an operation answers must be one of the errors
// the service model lists for that operation, or a client generated from
// the model cannot recognise it (the AWS CLI prints it raw, SDKs with
// per-operation error tables see a generic API error, Terraform's checks
// for "not found" miss it). The test walks the route table with requests
// built to fail in every way a caller can make them fail, against the real
// binary, and checks each answer against botocore's model (the one the
// AWS CLI the tests drive uses).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	codeartifactsdk "github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/internal/api/codeartifact"
	"github.com/artifactd/artifactd/test/harness"
)

// modelledErrors reads, from botocore's CodeArtifact model, the errors
// each operation may answer.
func modelledErrors(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("python3", "-c", `
import json, botocore.session
m = botocore.session.get_session().get_service_model("codeartifact")
print(json.dumps({op: sorted(e.name for e in m.operation_model(op).error_shapes) for op in m.operation_names}))
`).Output()
	if err != nil {
		t.Fatalf("reading botocore's model (installed with the AWS CLI): %v", err)
	}
	var errs map[string][]string
	if err := json.Unmarshal(out, &errs); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 48 {
		t.Fatalf("botocore's model has %d operations, want 48", len(errs))
	}
	return errs
}

// failingRequest is one way to call an operation wrongly.
type failingRequest struct {
	name  string
	query url.Values
	body  string
}

func TestErrorsAreModelled(t *testing.T) {
	model := modelledErrors(t)
	s := harness.Start(t)
	c := s.Client(t)
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "app")
	harness.CreateRepository(t, c, "acme", "other")
	publishGeneric(t, c, "acme", "app", "ns", "pkg", "1.0", "a.txt", []byte("bytes"), false)
	if _, err := c.CreatePackageGroup(t.Context(), &codeartifactsdk.CreatePackageGroupInput{Domain: aws.String("acme"), PackageGroup: aws.String("/generic/ns/pkg$")}); err != nil {
		t.Fatal(err)
	}

	// Every query member any operation takes, naming things that exist.
	existing := url.Values{
		"domain": {"acme"}, "repository": {"app"}, "format": {"generic"}, "namespace": {"ns"}, "package": {"pkg"},
		"version": {"1.0"}, "asset": {"a.txt"}, "package-group": {"/generic/ns/pkg$"}, "resourceArn": {s.DomainARN("us-east-1", "acme")},
		"external-connection": {"public:npmjs"}, "destination-repository": {"other"}, "source-repository": {"app"},
		"revision": {"r"}, "policy-revision": {"r"}, "endpoint-type": {"ipv4"}, "preview": {"true"},
	}
	with := func(base url.Values, kv ...string) url.Values {
		q := url.Values{}
		for k, v := range base {
			q[k] = slices.Clone(v)
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				q.Del(kv[i])
			} else {
				q.Set(kv[i], kv[i+1])
			}
		}
		return q
	}
	body := `{"versions":["1.0"],"versionRevisions":{},"targetStatus":"Archived","expectedStatus":"Published",
		"policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[]}","tags":[{"key":"k","value":"v"}],"tagKeys":["k"],
		"upstreams":[{"repositoryName":"other"}],"packageGroup":"/generic/ns/pkg$","restrictions":{"publish":{"restrictionMode":"ALLOW"}},
		"repositoryName":"other","allowPublish":"ALLOW","allowUpstream":"ALLOW"}`
	requests := []failingRequest{
		{"nothing", nil, ""},
		{"missing domain", with(existing, "domain", "nosuch", "resourceArn", s.DomainARN("us-east-1", "nosuch")), body},
		{"missing repository", with(existing, "repository", "nosuch", "destination-repository", "nosuch", "source-repository", "nosuch",
			"resourceArn", s.RepositoryARN("us-east-1", "acme", "nosuch")), body},
		{"missing package", with(existing, "package", "nosuch", "package-group", "/generic/ns/nosuch$"), body},
		{"missing version", with(existing, "version", "9.9"), strings.ReplaceAll(body, `"1.0"`, `"9.9"`)},
		{"missing asset", with(existing, "asset", "nosuch.txt"), body},
		{"everything exists", existing, body},
		{"another account's domain", with(existing, "domain-owner", "111122223333"), body},
		{"invalid members", with(existing, "domain", "A", "repository", "!", "format", "bogus", "version", "#", "max-results", "0",
			"package-group", "no-slash", "resourceArn", "arn:nope"), `{"versions":[""],"targetStatus":"Bogus","tags":[{"key":""}]}`},
		{"body not JSON", existing, `{"versions":`},
	}

	got := map[string]map[string]bool{} // operation -> error types seen
	for _, op := range codeartifact.Operations() {
		allowed := model[op.Name]
		if allowed == nil {
			t.Errorf("%s: not in botocore's model", op.Name)
			continue
		}
		got[op.Name] = map[string]bool{}
		for _, fr := range requests {
			req := s.NewRequest(t, op.Method, op.Path, fr.query, []byte(fr.body))
			if fr.body == "" {
				req = s.NewRequest(t, op.Method, op.Path, fr.query, nil)
			}
			if op.Name == "PublishPackageVersion" {
				// The SDKs send the asset's hash (assetSHA256) here.
				sum := sha256.Sum256([]byte(fr.body))
				req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
			}
			s.Sign(t, req, []byte(fr.body), "", time.Now())
			resp := s.Do(t, req)
			raw := harness.ReadBody(t, resp)
			if resp.StatusCode < 400 {
				continue
			}
			typ, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":")
			got[op.Name][typ] = true
			if !slices.Contains(allowed, typ) {
				t.Errorf("%s (%s): answered %s (%d), which its model does not list (%v): %s", op.Name, fr.name, typ, resp.StatusCode, allowed, raw)
			}
			if resp.StatusCode >= 500 {
				t.Errorf("%s (%s): %d %s", op.Name, fr.name, resp.StatusCode, raw)
			}
		}
	}
	// The walk must exercise the errors it checks: most operations answer
	// both a validation error and a not-found one.
	for op, seen := range got {
		types := make([]string, 0, len(seen))
		for typ := range seen {
			types = append(types, typ)
		}
		sort.Strings(types)
		t.Logf("%-40s %v", op, types)
		if !seen["ValidationException"] && op != "ListDomains" && op != "ListRepositories" {
			t.Errorf("%s: no request of the walk was refused as invalid", op)
		}
	}
	if s := got["DeleteDomain"]; s["ResourceNotFoundException"] {
		t.Error("DeleteDomain answered ResourceNotFoundException")
	}
}

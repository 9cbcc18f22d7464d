package harness

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
	"github.com/aws/smithy-go"
)

// DomainARN is arn:aws:codeartifact:REGION:ACCOUNT:domain/NAME ("" region = s.Region).
func (s *Server) DomainARN(region, name string) string {
	if region == "" {
		region = s.Region
	}
	return "arn:aws:codeartifact:" + region + ":" + s.Account + ":domain/" + name
}

// RepositoryARN is arn:aws:codeartifact:REGION:ACCOUNT:repository/DOMAIN/REPO ("" region = s.Region).
func (s *Server) RepositoryARN(region, domain, repo string) string {
	if region == "" {
		region = s.Region
	}
	return "arn:aws:codeartifact:" + region + ":" + s.Account + ":repository/" + domain + "/" + repo
}

// CreateDomain creates a domain through c and fails the test on error.
func CreateDomain(t testing.TB, c *codeartifact.Client, name string, tags ...types.Tag) *types.DomainDescription {
	t.Helper()
	out, err := c.CreateDomain(t.Context(), &codeartifact.CreateDomainInput{Domain: aws.String(name), Tags: tags})
	if err != nil {
		t.Fatalf("CreateDomain %q: %v", name, err)
	}
	if out.Domain == nil {
		t.Fatalf("CreateDomain %q: response has no domain", name)
	}
	return out.Domain
}

// CreateRepository creates a repository with the given upstreams (in order)
// through c and fails the test on error.
func CreateRepository(t testing.TB, c *codeartifact.Client, domain, repo string, upstreams ...string) *types.RepositoryDescription {
	t.Helper()
	out, err := c.CreateRepository(t.Context(), &codeartifact.CreateRepositoryInput{
		Domain:     aws.String(domain),
		Repository: aws.String(repo),
		Upstreams:  Upstreams(upstreams...),
	})
	if err != nil {
		t.Fatalf("CreateRepository %s/%s: %v", domain, repo, err)
	}
	if out.Repository == nil {
		t.Fatalf("CreateRepository %s/%s: response has no repository", domain, repo)
	}
	return out.Repository
}

// Upstreams builds an upstream list in the given order (nil for no names).
func Upstreams(names ...string) []types.UpstreamRepository {
	if len(names) == 0 {
		return nil
	}
	out := make([]types.UpstreamRepository, len(names))
	for i, n := range names {
		out[i] = types.UpstreamRepository{RepositoryName: aws.String(n)}
	}
	return out
}

// UpstreamNames returns the names of a repository's upstreams, in order.
func UpstreamNames(ups []types.UpstreamRepositoryInfo) []string {
	out := []string{}
	for _, u := range ups {
		out = append(out, aws.ToString(u.RepositoryName))
	}
	return out
}

// Tags builds a tag list from "key", "value", "key", "value", ...
func Tags(kv ...string) []types.Tag {
	if len(kv)%2 != 0 {
		panic("harness.Tags: odd number of arguments")
	}
	out := make([]types.Tag, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

// TagMap turns a tag list into a map, failing on a repeated key.
func TagMap(t testing.TB, tags []types.Tag) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, tg := range tags {
		k := aws.ToString(tg.Key)
		if _, dup := m[k]; dup {
			t.Errorf("tag key %q listed twice", k)
		}
		if tg.Value == nil {
			t.Errorf("tag %q has no value member", k)
		}
		m[k] = aws.ToString(tg.Value)
	}
	return m
}

// ExpectError fails the test unless err unwraps to E (e.g.
// *types.ConflictException), and returns it.
func ExpectError[E error](t testing.TB, err error) E {
	t.Helper()
	var target E
	if err == nil {
		t.Fatalf("expected %T, got success", target)
	}
	if !errors.As(err, &target) {
		t.Fatalf("expected %T, got %T (code %q): %v", target, err, ErrorCode(err), err)
	}
	return target
}

// ErrorCode is the smithy error code of err ("" if err is not an API error).
func ErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// HTTPStatus is the HTTP status code of an SDK operation error (0 if unknown).
func HTTPStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// ExpectNotFound asserts a ResourceNotFoundException naming resType/resID
// (resID "" = do not check the id).
func ExpectNotFound(t testing.TB, err error, resType types.ResourceType, resID string) *types.ResourceNotFoundException {
	t.Helper()
	e := ExpectError[*types.ResourceNotFoundException](t, err)
	if e.ResourceType != resType {
		t.Errorf("ResourceNotFoundException.resourceType = %q, want %q (message %q)", e.ResourceType, resType, aws.ToString(e.Message))
	}
	if resID != "" && aws.ToString(e.ResourceId) != resID {
		t.Errorf("ResourceNotFoundException.resourceId = %q, want %q (message %q)", aws.ToString(e.ResourceId), resID, aws.ToString(e.Message))
	}
	if aws.ToString(e.Message) == "" {
		t.Errorf("ResourceNotFoundException without a message")
	}
	if st := HTTPStatus(err); st != http.StatusNotFound {
		t.Errorf("ResourceNotFoundException HTTP status = %d, want 404", st)
	}
	return e
}

// ExpectConflict asserts a ConflictException naming resType/resID (resID "" = do not check).
func ExpectConflict(t testing.TB, err error, resType types.ResourceType, resID string) *types.ConflictException {
	t.Helper()
	e := ExpectError[*types.ConflictException](t, err)
	if e.ResourceType != resType {
		t.Errorf("ConflictException.resourceType = %q, want %q (message %q)", e.ResourceType, resType, aws.ToString(e.Message))
	}
	if resID != "" && aws.ToString(e.ResourceId) != resID {
		t.Errorf("ConflictException.resourceId = %q, want %q (message %q)", aws.ToString(e.ResourceId), resID, aws.ToString(e.Message))
	}
	if aws.ToString(e.Message) == "" {
		t.Errorf("ConflictException without a message")
	}
	if st := HTTPStatus(err); st != http.StatusConflict {
		t.Errorf("ConflictException HTTP status = %d, want 409", st)
	}
	return e
}

// ExpectValidation asserts a ValidationException (HTTP 400) with a message.
func ExpectValidation(t testing.TB, err error) *types.ValidationException {
	t.Helper()
	e := ExpectError[*types.ValidationException](t, err)
	if aws.ToString(e.Message) == "" {
		t.Errorf("ValidationException without a message")
	}
	if st := HTTPStatus(err); st != http.StatusBadRequest {
		t.Errorf("ValidationException HTTP status = %d, want 400", st)
	}
	return e
}

// ExpectQuota asserts a ServiceQuotaExceededException (HTTP 402) with a message.
func ExpectQuota(t testing.TB, err error) *types.ServiceQuotaExceededException {
	t.Helper()
	e := ExpectError[*types.ServiceQuotaExceededException](t, err)
	if aws.ToString(e.Message) == "" {
		t.Errorf("ServiceQuotaExceededException without a message")
	}
	if st := HTTPStatus(err); st != http.StatusPaymentRequired {
		t.Errorf("ServiceQuotaExceededException HTTP status = %d, want 402", st)
	}
	return e
}

// ExpectAccessDenied asserts an AccessDeniedException (HTTP 403) with a message.
func ExpectAccessDenied(t testing.TB, err error) *types.AccessDeniedException {
	t.Helper()
	e := ExpectError[*types.AccessDeniedException](t, err)
	if aws.ToString(e.Message) == "" {
		t.Errorf("AccessDeniedException without a message")
	}
	if st := HTTPStatus(err); st != http.StatusForbidden {
		t.Errorf("AccessDeniedException HTTP status = %d, want 403", st)
	}
	return e
}

// ExpectRecent asserts that tm is set and recent: within ten minutes of
// now, which catches a wrong unit or a missing value while leaving room
// for a slow test on a loaded machine (a group created at a test's start
// is checked again minutes later).
func ExpectRecent(t testing.TB, what string, tm *time.Time) {
	t.Helper()
	if tm == nil {
		t.Errorf("%s: missing", what)
		return
	}
	if d := time.Since(*tm); d > 10*time.Minute || d < -time.Minute {
		t.Errorf("%s = %v, not within ten minutes of now (%v)", what, tm.UTC(), time.Now().UTC())
	}
}

// ReadBody reads and closes resp.Body.
func ReadBody(t testing.TB, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response body: %v", err)
	}
	return b
}

// WireError is a decoded error response.
type WireError struct {
	Status       int
	Type         string // x-amzn-ErrorType header
	RequestID    string // x-amzn-RequestId header
	Message      string
	ResourceType string
	ResourceID   string
	Body         string
}

// ExpectWireError reads resp and checks status, x-amzn-ErrorType (compared
// after stripping anything from ':'), a JSON body with a non-empty message,
// and a request id header.
func ExpectWireError(t testing.TB, resp *http.Response, status int, errType string) WireError {
	t.Helper()
	body := ReadBody(t, resp)
	w := WireError{
		Status:    resp.StatusCode,
		Type:      resp.Header.Get("X-Amzn-ErrorType"),
		RequestID: resp.Header.Get("X-Amzn-RequestId"),
		Body:      string(body),
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("%s error body is not a JSON object: %v: %q", errType, err, body)
	} else {
		w.Message, _ = m["message"].(string)
		w.ResourceType, _ = m["resourceType"].(string)
		w.ResourceID, _ = m["resourceId"].(string)
	}
	if w.Status != status {
		t.Errorf("status = %d, want %d (x-amzn-ErrorType %q, body %s)", w.Status, status, w.Type, body)
	}
	typ, _, _ := strings.Cut(w.Type, ":")
	if typ != errType {
		t.Errorf("x-amzn-ErrorType = %q, want %q (body %s)", w.Type, errType, body)
	}
	if w.Message == "" {
		t.Errorf("%s error body has no message: %s", errType, body)
	}
	if w.RequestID == "" {
		t.Errorf("%s error response has no x-amzn-RequestId header", errType)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s error Content-Type = %q, want application/json", errType, ct)
	}
	return w
}

// SortedKeys returns the keys of m, sorted.
func SortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

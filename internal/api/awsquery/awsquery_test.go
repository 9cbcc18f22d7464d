package awsquery_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/identity"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

const (
	account   = "111122223333"
	adminID   = "AKIAQUERYTESTADMIN01"
	adminKey  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYQUERYTEST1"
	namespace = "https://example.test/doc/2010-05-08/"
)

var adminCreds = aws.Credentials{AccessKeyID: adminID, SecretAccessKey: adminKey}

type item struct {
	Name string `xml:"Name"`
}

type echoResult struct {
	Caller  string              `xml:"Caller"`
	Items   awsquery.List[item] `xml:"Items"`
	Empty   awsquery.List[item] `xml:"Empty"`
	When    string              `xml:"When"`
	Doc     string              `xml:"Doc"`
	Flag    bool                `xml:"Flag"`
	Omitted string              `xml:"Omitted,omitempty"`
}

func newVerifier(service string, keys sigv4.Keys) *sigv4.Verifier {
	return &sigv4.Verifier{Service: service, Regions: []string{"*"}, Keys: keys}
}

// newServer serves two query services, "iam" and "sts", with test actions
// over a real identity service (whose Lookup authenticates) on SQLite.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := iam.New(st, identity.NewKeyring(identity.Key{AccessKeyID: adminID, SecretAccessKey: adminKey, Account: account}),
		bytes.Repeat([]byte{7}, iam.SealKeySize), nil)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]awsquery.Action{
		"Echo": func(ctx context.Context, c *iam.Credential, p awsquery.Params) (any, error) {
			out := echoResult{Caller: c.Principal.ARN, When: awsquery.FormatTime(time.Date(2026, 12, 6, 4, 50, 0, 123, time.FixedZone("x", 3600))),
				Doc: awsquery.EncodeDocument(`{"a": "b/c"}`), Flag: true}
			out.Items.Member = []item{{"one"}, {"<two & three>"}}
			return out, nil
		},
		"Nothing": func(context.Context, *iam.Credential, awsquery.Params) (any, error) { return nil, nil },
		"Need": func(_ context.Context, _ *iam.Credential, p awsquery.Params) (any, error) {
			if _, err := p.Required("UserName"); err != nil {
				return nil, err
			}
			if _, err := p.Optional("Path"); err != nil {
				return nil, err
			}
			if _, _, err := p.Paging(); err != nil {
				return nil, err
			}
			return nil, p.Refuse("Tags")
		},
		"Conflict": func(context.Context, *iam.Credential, awsquery.Params) (any, error) {
			return nil, &iam.Error{Code: "EntityAlreadyExists", Status: 409, Message: "User with name ci already exists."}
		},
		"Broken": func(context.Context, *iam.Credential, awsquery.Params) (any, error) {
			return nil, errors.New("disk on fire: secret detail")
		},
	}
	mk := func(name string) *awsquery.Service {
		return &awsquery.Service{Namespace: namespace, Actions: actions,
			Verifier: newVerifier(name, svc)}
	}
	mux := http.NewServeMux()
	router := awsquery.Router(mk("iam"), mk("sts"))
	mux.Handle("POST /{$}", router)
	mux.Handle("GET /{$}", router)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func post(t *testing.T, srv *httptest.Server, service string, creds aws.Credentials, form url.Values) *http.Response {
	t.Helper()
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if service != "" {
		sign(t, req, creds, body, service)
	}
	return do(t, req)
}

func sign(t *testing.T, req *http.Request, creds aws.Credentials, body []byte, service string) {
	t.Helper()
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func do(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func read(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type, Code, Message string
	}
	RequestId string
}

// expectError checks an ErrorResponse: status, code, type, and a request
// id equal to the x-amzn-RequestId header.
func expectError(t *testing.T, resp *http.Response, status int, code string) errorResponse {
	t.Helper()
	body := read(t, resp)
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	var e errorResponse
	if err := xml.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if e.Error.Code != code {
		t.Fatalf("code %q, want %q: %s", e.Error.Code, code, body)
	}
	wantType := "Sender"
	if status >= 500 {
		wantType = "Receiver"
	}
	if e.Error.Type != wantType || e.Error.Message == "" {
		t.Errorf("type %q message %q: %s", e.Error.Type, e.Error.Message, body)
	}
	if e.RequestId == "" || e.RequestId != resp.Header.Get("X-Amzn-Requestid") {
		t.Errorf("request id %q, header %q", e.RequestId, resp.Header.Get("X-Amzn-Requestid"))
	}
	return e
}

func TestSuccessShape(t *testing.T) {
	srv := newServer(t)
	for _, service := range []string{"iam", "sts"} {
		resp := post(t, srv, service, adminCreds, url.Values{"Action": {"Echo"}, "Version": {"2010-05-08"}})
		body := read(t, resp)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/xml" {
			t.Fatalf("%d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
		}
		id := resp.Header.Get("X-Amzn-Requestid")
		want := `<EchoResponse xmlns="` + namespace + `"><EchoResult>` +
			`<Caller>arn:aws:iam::111122223333:root</Caller>` +
			`<Items><member><Name>one</Name></member><member><Name>&lt;two &amp; three&gt;</Name></member></Items>` +
			`<Empty></Empty>` +
			`<When>2026-12-06T03:50:00Z</When>` +
			`<Doc>%7B%22a%22%3A%20%22b%2Fc%22%7D</Doc>` +
			`<Flag>true</Flag>` +
			`</EchoResult><ResponseMetadata><RequestId>` + id + `</RequestId></ResponseMetadata></EchoResponse>`
		if body != want {
			t.Errorf("%s body\n got %s\nwant %s", service, body, want)
		}
		if len(id) != 36 {
			t.Errorf("request id %q", id)
		}
	}
}

func TestNoResult(t *testing.T) {
	srv := newServer(t)
	resp := post(t, srv, "iam", adminCreds, url.Values{"Action": {"Nothing"}})
	body := read(t, resp)
	want := `<NothingResponse xmlns="` + namespace + `"><ResponseMetadata><RequestId>` +
		resp.Header.Get("X-Amzn-Requestid") + `</RequestId></ResponseMetadata></NothingResponse>`
	if resp.StatusCode != 200 || body != want {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}

// TestServerRequestID: the id the server's request log put in the header
// is the one the XML carries.
func TestServerRequestID(t *testing.T) {
	srv := newServer(t)
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Amzn-Requestid"] = []string{"fixed-request-id"}
		inner.ServeHTTP(w, r)
	})
	body := read(t, post(t, srv, "iam", adminCreds, url.Values{"Action": {"Nothing"}}))
	if !strings.Contains(body, "<RequestId>fixed-request-id</RequestId>") {
		t.Error(body)
	}
	e := expectError(t, post(t, srv, "iam", adminCreds, url.Values{"Action": {"Conflict"}}), 409, "EntityAlreadyExists")
	if e.RequestId != "fixed-request-id" {
		t.Error(e.RequestId)
	}
}

func TestGetAndPresigned(t *testing.T) {
	srv := newServer(t)
	// Header-signed GET with the parameters in the query string.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/?Action=Echo&Version=2011-06-15", nil)
	sign(t, req, adminCreds, nil, "sts")
	if resp := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("GET: %d %s", resp.StatusCode, read(t, resp))
	} else {
		read(t, resp)
	}
	// Presigned: the service is found in X-Amz-Credential.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/?Action=Echo&Version=2011-06-15&X-Amz-Expires=60", nil)
	sum := sha256.Sum256(nil)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), adminCreds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	if body := read(t, resp); resp.StatusCode != 200 || !strings.Contains(body, "<EchoResult>") {
		t.Fatalf("presigned: %d %s", resp.StatusCode, body)
	}
}

func TestProtocolErrors(t *testing.T) {
	srv := newServer(t)
	expectError(t, post(t, srv, "iam", adminCreds, url.Values{"Version": {"2010-05-08"}}), 400, "MissingAction")
	e := expectError(t, post(t, srv, "iam", adminCreds, url.Values{"Action": {"CreateBucket"}, "Version": {"2010-05-08"}}), 400, "InvalidAction")
	if !strings.Contains(e.Error.Message, "CreateBucket") {
		t.Error(e.Error.Message)
	}
	e = expectError(t, post(t, srv, "iam", adminCreds, url.Values{"Action": {"Conflict"}}), 409, "EntityAlreadyExists")
	if e.Error.Message != "User with name ci already exists." {
		t.Error(e.Error.Message)
	}
	e = expectError(t, post(t, srv, "iam", adminCreds, url.Values{"Action": {"Broken"}}), 500, "InternalFailure")
	if strings.Contains(e.Error.Message, "secret detail") {
		t.Error("internal detail shown:", e.Error.Message)
	}

	// Body too large, but signed: refused before any action runs.
	big := url.Values{"Action": {"Echo"}, "Pad": {strings.Repeat("x", 1<<20)}}
	expectError(t, post(t, srv, "iam", adminCreds, big), 400, "ValidationError")

	// Other methods.
	rec := httptest.NewRecorder()
	(&awsquery.Service{Namespace: namespace}).ServeHTTP(rec, httptest.NewRequest(http.MethodPut, "/", nil))
	expectError(t, rec.Result(), 405, "InvalidHttpRequest")
}

func TestAuthenticationErrors(t *testing.T) {
	srv := newServer(t)
	form := url.Values{"Action": {"Echo"}}
	e := expectError(t, post(t, srv, "", adminCreds, form), 403, "MissingAuthenticationToken")
	if e.Error.Message != "Request is missing Authentication Token" {
		t.Error(e.Error.Message)
	}
	e = expectError(t, post(t, srv, "sqs", adminCreds, form), 403, "SignatureDoesNotMatch")
	if !strings.Contains(e.Error.Message, "'sqs'") {
		t.Error(e.Error.Message)
	}
	unknown := aws.Credentials{AccessKeyID: "AKIANOSUCHKEY0000000", SecretAccessKey: adminKey}
	e = expectError(t, post(t, srv, "iam", unknown, form), 403, "InvalidClientTokenId")
	if e.Error.Message != "The security token included in the request is invalid." {
		t.Error(e.Error.Message)
	}
	wrong := aws.Credentials{AccessKeyID: adminID, SecretAccessKey: "not-the-secret"}
	expectError(t, post(t, srv, "sts", wrong, form), 403, "SignatureDoesNotMatch")
	// A long-term key presented with a session token is not that key.
	withToken := adminCreds
	withToken.SessionToken = "bogus"
	expectError(t, post(t, srv, "sts", withToken, form), 403, "InvalidClientTokenId")

	// A body altered after signing.
	body := []byte(form.Encode())
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader([]byte("Action=Nothing")))
	sign(t, req, adminCreds, body, "iam")
	expectError(t, do(t, req), 403, "SignatureDoesNotMatch")

	// A malformed credential scope: the verifier says what is wrong.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=00")
	req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
	expectError(t, do(t, req), 400, "IncompleteSignature")

	// Expired signature.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
	sum := sha256.Sum256(body)
	v4.NewSigner().SignHTTP(context.Background(), adminCreds, req, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now().Add(-time.Hour))
	e = expectError(t, do(t, req), 403, "SignatureDoesNotMatch")
	if !strings.Contains(e.Error.Message, "Signature expired") {
		t.Error(e.Error.Message)
	}
}

func TestParams(t *testing.T) {
	srv := newServer(t)
	cases := []struct {
		form url.Values
		msg  string // "" = success
	}{
		{url.Values{}, "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{url.Values{"UserName": {""}}, "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{url.Values{"UserName": {"ci"}, "Path": {""}}, "1 validation error detected: Value '' at 'path' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{url.Values{"UserName": {"ci"}, "MaxItems": {"0"}}, "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{url.Values{"UserName": {"ci"}, "MaxItems": {"1001"}}, "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{url.Values{"UserName": {"ci"}, "MaxItems": {"ten"}}, "1 validation error detected: Value 'ten' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{url.Values{"UserName": {"ci"}, "MaxItems": {"99999999999999999999"}}, "1 validation error detected: Value '99999999999999999999' at 'maxItems' failed to satisfy constraint: Member must be an integer"},
		{url.Values{"UserName": {"ci"}, "Tags.member.1.Key": {"team"}}, "artifactd does not support the Tags parameter"},
		{url.Values{"UserName": {"ci"}, "Tags": {""}, "MaxItems": {"1000"}, "Marker": {"m"}}, ""},
	}
	for _, c := range cases {
		c.form.Set("Action", "Need")
		resp := post(t, srv, "iam", adminCreds, c.form)
		if c.msg == "" {
			if body := read(t, resp); resp.StatusCode != 200 {
				t.Errorf("%v: %d %s", c.form, resp.StatusCode, body)
			}
			continue
		}
		e := expectError(t, resp, 400, "ValidationError")
		if e.Error.Message != c.msg {
			t.Errorf("%v:\n got %s\nwant %s", c.form, e.Error.Message, c.msg)
		}
	}
	// The body wins over the query string.
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/?Action=Broken", strings.NewReader("Action=Nothing"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sign(t, req, adminCreds, []byte("Action=Nothing"), "iam")
	if resp := do(t, req); resp.StatusCode != 200 {
		t.Errorf("%d %s", resp.StatusCode, read(t, resp))
	} else {
		read(t, resp)
	}
	// A body that is not a form.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader("Action=%zz"))
	sign(t, req, adminCreds, []byte("Action=%zz"), "iam")
	expectError(t, do(t, req), 400, "MalformedQueryString")
}

func TestEncodeDocument(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"codeartifact:*\", \"Resource\": \"arn:aws:codeartifact:*:111122223333:repository/d/r+é~\"}]\n}"
	enc := awsquery.EncodeDocument(doc)
	if strings.ContainsAny(enc, " +\n\"{") {
		t.Errorf("not fully encoded: %s", enc)
	}
	if !strings.HasPrefix(enc, "%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22") {
		t.Errorf("encoding: %s", enc)
	}
	for _, unescape := range []func(string) (string, error){url.PathUnescape, url.QueryUnescape} {
		if got, err := unescape(enc); err != nil || got != doc {
			t.Errorf("round trip: %q %v", got, err)
		}
	}
}

func TestFormatTime(t *testing.T) {
	if got := awsquery.FormatTime(time.Time{}); got != "" {
		t.Error(got)
	}
	if got := awsquery.FormatTime(time.Date(2026, 1, 2, 3, 4, 5, 999999999, time.UTC)); got != "2026-01-02T03:04:05Z" {
		t.Error(got)
	}
	if id := awsquery.NewRequestID(); len(id) != 36 || id[14] != '4' || strings.Count(id, "-") != 4 {
		t.Error(id)
	}
}

package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	testAKID    = "AKIDEXAMPLE00000001"
	testSecret  = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testAccount = "123456789012"
	testService = "codeartifact"
	testRegion  = "us-east-1"
)

// fixedNow is the verifier's clock in every test.
var fixedNow = time.Date(2026, 1, 1, 0, 30, 0, 0, time.UTC)

type keyMap map[string][2]string // access key id -> {secret, account}

func (k keyMap) Lookup(_ context.Context, id, _ string) (Key, error) {
	v, ok := k[id]
	if !ok {
		return Key{}, ErrUnknownKey
	}
	return Key{Secret: v[0], Account: v[1]}, nil
}

func newVerifier() *Verifier {
	return &Verifier{
		Service: testService,
		Regions: []string{testRegion},
		Keys:    keyMap{testAKID: {testSecret, testAccount}},
		Now:     func() time.Time { return fixedNow },
	}
}

func creds() aws.Credentials {
	return aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// result is what the test server's handler reports back from Verify.
type result struct {
	Identity Identity
	Code     string
	Status   int
	Message  string
	HasError bool
}

// bodyMode decides the bodySHA256 argument the server passes to Verify.
type bodyMode func(body []byte) string

var (
	hashBody  bodyMode = func(b []byte) string { return sha(b) } // server buffers and hashes the body
	streaming bodyMode = func([]byte) string { return "" }       // server relies on x-amz-content-sha256
)

// newServer starts an httptest.Server whose handler reads the body, calls
// Verify exactly as artifactd would, and answers with the outcome as JSON.
func newServer(t *testing.T, v *Verifier, mode bodyMode) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		before := r.Header.Clone()
		id, verr := v.Verify(r, mode(body))
		var res result
		res.Identity = id
		if verr != nil {
			var e *Error
			if !errors.As(verr, &e) {
				http.Error(w, "Verify returned a non-*Error: "+verr.Error(), 500)
				return
			}
			res = result{Code: e.Code, Status: e.Status, Message: e.Message, HasError: true, Identity: id}
		}
		if !headersEqual(before, r.Header) {
			http.Error(w, "Verify modified r.Header", 500)
			return
		}
		_ = json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func headersEqual(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv := b[k]
		if len(av) != len(bv) {
			return false
		}
		for i := range av {
			if av[i] != bv[i] {
				return false
			}
		}
	}
	return true
}

func do(t *testing.T, srv *httptest.Server, req *http.Request) result {
	t.Helper()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("test server: %d %s", resp.StatusCode, raw)
	}
	var res result
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("decode %q: %v", raw, err)
	}
	if res.HasError {
		if strings.Contains(res.Message, testSecret) {
			t.Fatalf("error message leaks the secret: %q", res.Message)
		}
		if res.Identity != (Identity{}) {
			t.Fatalf("identity %+v returned with an error", res.Identity)
		}
	}
	return res
}

func newReq(t *testing.T, method, rawURL string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func sign(t *testing.T, req *http.Request, c aws.Credentials, payloadHash, service, region string, at time.Time) {
	t.Helper()
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, payloadHash, service, region, at); err != nil {
		t.Fatal(err)
	}
}

func presign(t *testing.T, req *http.Request, payloadHash string, at time.Time) *http.Request {
	t.Helper()
	signedURL, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds(), req, payloadHash, testService, testRegion, at)
	if err != nil {
		t.Fatal(err)
	}
	out := newReq(t, req.Method, signedURL, nil)
	for k, vals := range hdr {
		if k == "Host" {
			continue
		}
		out.Header[k] = vals
	}
	return out
}

func wantOK(t *testing.T, res result) {
	t.Helper()
	if res.HasError {
		t.Fatalf("want success, got %s (%d): %s", res.Code, res.Status, res.Message)
	}
	want := Identity{AccessKeyID: testAKID, Account: testAccount, Region: testRegion}
	if res.Identity != want {
		t.Fatalf("identity = %+v, want %+v", res.Identity, want)
	}
}

func wantErr(t *testing.T, res result, code string, status int, msg string) {
	t.Helper()
	if !res.HasError {
		t.Fatalf("want %s, got success %+v", code, res.Identity)
	}
	if res.Code != code || res.Status != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", res.Code, res.Status, res.Message, code, status)
	}
	if msg != "" && res.Message != msg {
		t.Fatalf("message = %q\nwant      %q", res.Message, msg)
	}
}

func wantErrContains(t *testing.T, res result, code string, status int, parts ...string) {
	t.Helper()
	wantErr(t, res, code, status, "")
	for _, p := range parts {
		if !strings.Contains(res.Message, p) {
			t.Fatalf("message %q does not contain %q", res.Message, p)
		}
	}
}

// rawQuery has repeated keys, spaces, '+', '/', unicode, an empty value and a
// bare key, percent-encoded the way a strict SigV4 client would send them.
const rawQuery = "maxResults=10&namespace=%40my%20scope&tag=b%2Fc&tag=a%2Bb&tag=%E2%9C%93%20ok&empty=&bare&next=a%3Db%26c"

func TestHeaderSignedGETWithQuery(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/packages?"+rawQuery, nil)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Custom", "  spaced    out   value ")
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	wantOK(t, do(t, srv, req))
}

// The server must canonicalize from the decoded parameters, not the bytes on
// the wire: a form-encoded ('+' for space), reordered query is equivalent.
func TestHeaderSignedQueryReencoded(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/packages?"+rawQuery, nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	q, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.RawQuery = q.Encode()
	if !strings.Contains(req.URL.RawQuery, "+") {
		t.Fatalf("expected form encoding with '+', got %q", req.URL.RawQuery)
	}
	wantOK(t, do(t, srv, req))
}

func TestHeaderSignedEscapedPath(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/package/%40scope%2Fname/caf%C3%A9%20x/a+b", nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	wantOK(t, do(t, srv, req))
}

func TestHeaderSignedPOSTJSONBody(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	body := []byte(`{"domain":"my-domain","repository":"npm-store","description":"a  b"}`)
	req := newReq(t, "POST", srv.URL+"/v1/repository?domain=my-domain&repository=npm-store", body)
	req.Header.Set("Content-Type", "application/json")
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	wantOK(t, do(t, srv, req))
}

func TestHeaderSignedStreamingWithContentSHA256(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	body := bytes.Repeat([]byte("tarball-bytes "), 1000)
	req := newReq(t, "POST", srv.URL+"/v1/package/version/publish?asset=pkg-1.0.0.tgz&format=generic", body)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("X-Amz-Content-Sha256", sha(body))
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	wantOK(t, do(t, srv, req))
}

// A header that matches the server's own hash is fine too.
func TestHeaderSignedContentSHA256MatchesBody(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	body := []byte(`{"a":1}`)
	req := newReq(t, "PUT", srv.URL+"/v1/x", body)
	req.Header.Set("X-Amz-Content-Sha256", sha(body))
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	wantOK(t, do(t, srv, req))
}

func TestStreamingWithoutContentSHA256(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	body := []byte("data")
	req := newReq(t, "POST", srv.URL+"/v1/x", body)
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	wantErrContains(t, do(t, srv, req), codeIncomplete, 400, "x-amz-content-sha256")
}

func TestPresignedGET(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/package/version/asset?"+rawQuery+"&X-Amz-Expires=900", nil)
	wantOK(t, do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow)))
}

// Presigned URLs stay valid past the clock-skew window while within X-Amz-Expires.
func TestPresignedLongLived(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset?X-Amz-Expires=3600", nil)
	wantOK(t, do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow.Add(-50*time.Minute))))
}

// A presigned request signed over the body hash is accepted when the server
// hashes the body.
func TestPresignedBodyHashFallback(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/asset?X-Amz-Expires=60", nil)
	wantOK(t, do(t, srv, presign(t, req, emptySHA256, fixedNow)))

	// Without the server hash there is nothing to fall back on.
	srv2 := newServer(t, newVerifier(), streaming)
	req2 := newReq(t, "GET", srv2.URL+"/v1/asset?X-Amz-Expires=60", nil)
	wantErr(t, do(t, srv2, presign(t, req2, emptySHA256, fixedNow)), codeInvalidSignature, 403, msgMismatch)
}

func TestPresignedWithContentSHA256Header(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	body := []byte("payload")
	req := newReq(t, "PUT", srv.URL+"/v1/asset?X-Amz-Expires=300", nil)
	req.Header.Set("X-Amz-Content-Sha256", sha(body)) // signed header, not hoisted into the query
	pre := presign(t, req, sha(body), fixedNow)
	if pre.Header.Get("X-Amz-Content-Sha256") == "" {
		t.Fatal("expected x-amz-content-sha256 to be a signed header")
	}
	pre.Body = io.NopCloser(bytes.NewReader(body))
	pre.ContentLength = int64(len(body))
	wantOK(t, do(t, srv, pre))
}

func TestPresignedExpired(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset?X-Amz-Expires=600", nil)
	res := do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow.Add(-20*time.Minute)))
	wantErr(t, res, codeInvalidSignature, 403,
		"Signature expired: 20260101T001000Z is now earlier than 20260101T002000Z (20260101T003000Z - 10 min.)")
}

// Without X-Amz-Expires a presigned request gets the ordinary skew window.
func TestPresignedNoExpiresUsesSkew(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset", nil)
	wantOK(t, do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow.Add(-14*time.Minute))))
	req = newReq(t, "GET", srv.URL+"/v1/asset", nil)
	wantErrContains(t, do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow.Add(-16*time.Minute))),
		codeInvalidSignature, 403, "Signature expired: 20260101T001400Z is now earlier than 20260101T001500Z")
}

func TestPresignedNotYetCurrent(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset?X-Amz-Expires=3600", nil)
	wantErr(t, do(t, srv, presign(t, req, "UNSIGNED-PAYLOAD", fixedNow.Add(16*time.Minute))), codeInvalidSignature, 403,
		"Signature not yet current: 20260101T004600Z is still later than 20260101T004500Z (20260101T003000Z + 15 min.)")
}

func TestPresignedTamperedQuery(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset?asset=a.tgz&X-Amz-Expires=600", nil)
	pre := presign(t, req, "UNSIGNED-PAYLOAD", fixedNow)
	pre.URL.RawQuery = strings.Replace(pre.URL.RawQuery, "asset=a.tgz", "asset=b.tgz", 1)
	wantErr(t, do(t, srv, pre), codeInvalidSignature, 403, msgMismatch)
}

func TestPresignedMalformed(t *testing.T) {
	srv := newServer(t, newVerifier(), streaming)
	req := newReq(t, "GET", srv.URL+"/v1/asset?X-Amz-Expires=600", nil)
	good := presign(t, req, "UNSIGNED-PAYLOAD", fixedNow).URL.RawQuery

	edit := func(f func(q url.Values)) string {
		q, _ := url.ParseQuery(good)
		f(q)
		return q.Encode()
	}
	cases := []struct {
		name, query string
		code        string
		status      int
		contains    string
	}{
		{"no signature", edit(func(q url.Values) { q.Del("X-Amz-Signature") }), codeIncomplete, 400, "must include 'X-Amz-Signature'"},
		{"no credential", edit(func(q url.Values) { q.Del("X-Amz-Credential") }), codeIncomplete, 400, "must include 'X-Amz-Credential'"},
		{"no date", edit(func(q url.Values) { q.Del("X-Amz-Date") }), codeIncomplete, 400, "must include 'X-Amz-Date'"},
		{"no signed headers", edit(func(q url.Values) { q.Del("X-Amz-SignedHeaders") }), codeIncomplete, 400, "must include 'X-Amz-SignedHeaders'"},
		{"no algorithm", edit(func(q url.Values) { q.Del("X-Amz-Algorithm") }), codeIncomplete, 400, "must include 'X-Amz-Algorithm'"},
		{"other algorithm", edit(func(q url.Values) { q.Set("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256") }), codeIncomplete, 400, "only supports 'AWS4-HMAC-SHA256'"},
		{"expires zero", edit(func(q url.Values) { q.Set("X-Amz-Expires", "0") }), codeIncomplete, 400, "X-Amz-Expires"},
		{"expires over a week", edit(func(q url.Values) { q.Set("X-Amz-Expires", "604801") }), codeIncomplete, 400, "604800"},
		{"expires not a number", edit(func(q url.Values) { q.Set("X-Amz-Expires", "ten") }), codeIncomplete, 400, "X-Amz-Expires"},
		{"bad date", edit(func(q url.Values) { q.Set("X-Amz-Date", "2026-01-01T00:30:00Z") }), codeIncomplete, 400, "ISO-8601"},
		{"two signatures", good + "&X-Amz-Signature=00", codeIncomplete, 400, "only once"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReq(t, "GET", srv.URL+"/v1/asset?"+c.query, nil)
			wantErrContains(t, do(t, srv, r), c.code, c.status, c.contains)
		})
	}

	// Both mechanisms at once.
	r := newReq(t, "GET", srv.URL+"/v1/asset?"+good, nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	wantErrContains(t, do(t, srv, r), codeIncomplete, 400, "Only one auth mechanism")
}

func TestMissingAuthentication(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	res := do(t, srv, newReq(t, "GET", srv.URL+"/v1/domains?x=1", nil))
	wantErr(t, res, codeMissingToken, 403, "Missing Authentication Token")
}

func TestMalformedAuthorizationHeader(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	const (
		cred = "Credential=" + testAKID + "/20260101/us-east-1/codeartifact/aws4_request"
		sh   = "SignedHeaders=host;x-amz-date"
		sig  = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		alg  = "AWS4-HMAC-SHA256 "
	)
	amzDate := fixedNow.Format("20060102T150405Z")
	cases := []struct {
		name, authz string
		noDate      bool
		code        string
		status      int
		want        string // exact message, or "" to use contains
		contains    []string
	}{
		{name: "missing credential", authz: alg + sh + ", " + sig, code: codeIncomplete, status: 400,
			want: "Authorization header requires 'Credential' parameter. Authorization=" + alg + sh + ", " + sig},
		{name: "missing signed headers", authz: alg + cred + ", " + sig, code: codeIncomplete, status: 400,
			want: "Authorization header requires 'SignedHeaders' parameter. Authorization=" + alg + cred + ", " + sig},
		{name: "missing signature", authz: alg + cred + ", " + sh, code: codeIncomplete, status: 400,
			want: "Authorization header requires 'Signature' parameter. Authorization=" + alg + cred + ", " + sh},
		{name: "empty signature", authz: alg + cred + ", " + sh + ", Signature=", code: codeIncomplete, status: 400,
			contains: []string{"requires 'Signature' parameter."}},
		{name: "missing date", authz: alg + cred + ", " + sh + ", " + sig, noDate: true, code: codeIncomplete, status: 400,
			want: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=" + alg + cred + ", " + sh + ", " + sig},
		{name: "only algorithm", authz: "AWS4-HMAC-SHA256", noDate: true, code: codeIncomplete, status: 400,
			want: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
				"Authorization=AWS4-HMAC-SHA256"},
		{name: "not a key=value pair", authz: alg + testAKID + "/20260101/us-east-1/codeartifact/aws4_request, " + sh + ", " + sig,
			code: codeIncomplete, status: 400, contains: []string{"not a valid key=value pair (missing equal-sign)"}},
		{name: "other scheme", authz: "Bearer abc.def", code: codeIncomplete, status: 400,
			contains: []string{"Unsupported AWS 'algorithm': 'Bearer'"}},
		{name: "sigv2", authz: "AWS " + testAKID + ":c2lnbmF0dXJl", code: codeIncomplete, status: 400,
			contains: []string{"Unsupported AWS 'algorithm': 'AWS'"}},
		{name: "sigv4a", authz: "AWS4-ECDSA-P256-SHA256 " + cred + ", " + sh + ", " + sig, code: codeIncomplete, status: 400,
			contains: []string{"'AWS4-ECDSA-P256-SHA256'"}},
		{name: "credential too short", authz: alg + "Credential=" + testAKID + "/20260101/us-east-1, " + sh + ", " + sig,
			code: codeIncomplete, status: 400, contains: []string{"exactly 5 slash-delimited elements"}},
		{name: "credential empty element", authz: alg + "Credential=" + testAKID + "//us-east-1/codeartifact/aws4_request, " + sh + ", " + sig,
			code: codeIncomplete, status: 400, contains: []string{"slash-delimited"}},
		{name: "credential bad date", authz: alg + "Credential=" + testAKID + "/2026-1-1/us-east-1/codeartifact/aws4_request, " + sh + ", " + sig,
			code: codeIncomplete, status: 400, contains: []string{"yyyyMMdd"}},
		{name: "credential bad terminator", authz: alg + "Credential=" + testAKID + "/20260101/us-east-1/codeartifact/aws5_request, " + sh + ", " + sig,
			code: codeIncomplete, status: 400, want: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "empty signed header name", authz: alg + cred + ", SignedHeaders=host;;x-amz-date, " + sig,
			code: codeIncomplete, status: 400, contains: []string{"empty header name"}},
		{name: "host not signed", authz: alg + cred + ", SignedHeaders=x-amz-date, " + sig,
			code: codeInvalidSignature, status: 403, want: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newReq(t, "GET", srv.URL+"/v1/domains", nil)
			r.Header.Set("Authorization", c.authz)
			if !c.noDate {
				r.Header.Set("X-Amz-Date", amzDate)
			}
			res := do(t, srv, r)
			if c.want != "" {
				wantErr(t, res, c.code, c.status, c.want)
			} else {
				wantErrContains(t, res, c.code, c.status, c.contains...)
			}
		})
	}

	t.Run("bad x-amz-date", func(t *testing.T) {
		r := newReq(t, "GET", srv.URL+"/v1/domains", nil)
		r.Header.Set("Authorization", alg+cred+", "+sh+", "+sig)
		r.Header.Set("X-Amz-Date", "2026-01-01T00:30:00Z")
		wantErr(t, do(t, srv, r), codeIncomplete, 400,
			"Date must be in ISO-8601 'basic format'. Got '2026-01-01T00:30:00Z'. See http://en.wikipedia.org/wiki/ISO_8601")
	})
	t.Run("two authorization headers", func(t *testing.T) {
		r := newReq(t, "GET", srv.URL+"/v1/domains", nil)
		r.Header.Add("Authorization", alg+cred+", "+sh+", "+sig)
		r.Header.Add("Authorization", alg+cred+", "+sh+", "+sig)
		r.Header.Set("X-Amz-Date", amzDate)
		wantErrContains(t, do(t, srv, r), codeIncomplete, 400, "Only one Authorization header")
	})
}

// When X-Amz-Date is absent the Date header (RFC 1123) supplies the request time.
func TestDateHeaderFallback(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	authz := "AWS4-HMAC-SHA256 Credential=" + testAKID + "/20260101/us-east-1/codeartifact/aws4_request, SignedHeaders=date;host, Signature=00"

	r := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	r.Header.Set("Authorization", authz)
	r.Header.Set("Date", fixedNow.Add(-16*time.Minute).Format(http.TimeFormat))
	wantErr(t, do(t, srv, r), codeInvalidSignature, 403,
		"Signature expired: 20260101T001400Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)")

	// Within the window the date is accepted and the request reaches the signature check.
	r = newReq(t, "GET", srv.URL+"/v1/domains", nil)
	r.Header.Set("Authorization", authz)
	r.Header.Set("Date", fixedNow.Format(http.TimeFormat))
	wantErr(t, do(t, srv, r), codeInvalidSignature, 403, msgMismatch)

	r = newReq(t, "GET", srv.URL+"/v1/domains", nil)
	r.Header.Set("Authorization", authz)
	r.Header.Set("Date", "2026-01-01")
	wantErrContains(t, do(t, srv, r), codeIncomplete, 400, "RFC 1123")
}

func TestUnknownAccessKey(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, aws.Credentials{AccessKeyID: "AKIDUNKNOWN", SecretAccessKey: testSecret}, emptySHA256, testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeUnrecognized, 403, "The security token included in the request is invalid.")

	v := newVerifier()
	v.Keys = nil
	srv = newServer(t, v, hashBody)
	req = newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeUnrecognized, 403, "The security token included in the request is invalid.")
}

func TestWrongSecret(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "not-the-secret"}, emptySHA256, testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403,
		"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

func TestWrongService(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, "s3", testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403, "Credential should be scoped to correct service: 'codeartifact'.")
}

func TestRegion(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, "eu-west-1", fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403, "Credential should be scoped to a valid region.")

	v := newVerifier()
	v.Regions = []string{"us-west-2", "*"}
	srv = newServer(t, v, hashBody)
	req = newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, "eu-west-1", fixedNow)
	res := do(t, srv, req)
	if res.HasError || res.Identity != (Identity{AccessKeyID: testAKID, Account: testAccount, Region: "eu-west-1"}) {
		t.Fatalf("wildcard region: %+v", res)
	}

	v = newVerifier()
	v.Regions = nil
	srv = newServer(t, v, hashBody)
	req = newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403, "Credential should be scoped to a valid region.")
}

func TestClockSkew(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	cases := []struct {
		offset time.Duration
		want   string
	}{
		{-16 * time.Minute, "Signature expired: 20260101T001400Z is now earlier than 20260101T001500Z (20260101T003000Z - 15 min.)"},
		{16 * time.Minute, "Signature not yet current: 20260101T004600Z is still later than 20260101T004500Z (20260101T003000Z + 15 min.)"},
		{-15 * time.Minute, ""},
		{15 * time.Minute, ""},
	}
	for _, c := range cases {
		req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
		sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow.Add(c.offset))
		res := do(t, srv, req)
		if c.want == "" {
			wantOK(t, res)
		} else {
			wantErr(t, res, codeInvalidSignature, 403, c.want)
		}
	}

	// A custom MaxSkew is reported in the message.
	v := newVerifier()
	v.MaxSkew = 5 * time.Minute
	srv = newServer(t, v, hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow.Add(-6*time.Minute))
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403,
		"Signature expired: 20260101T002400Z is now earlier than 20260101T002500Z (20260101T003000Z - 5 min.)")
}

func TestScopeDateMismatch(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "GET", srv.URL+"/v1/domains", nil)
	sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
	req.Header.Set("X-Amz-Date", "20251231T235959Z")
	wantErrContains(t, do(t, srv, req), codeInvalidSignature, 403,
		"Date in Credential scope does not match YYYYMMDD", "'20260101' != '20251231'")
}

func TestTamperedBody(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	signed := []byte(`{"description":"original"}`)
	sent := []byte(`{"description":"tampered"}`)
	req := newReq(t, "POST", srv.URL+"/v1/repository", sent)
	req.Header.Set("Content-Type", "application/json")
	sign(t, req, creds(), sha(signed), testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403, msgMismatch)
}

func TestTamperedQuery(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	for _, tamper := range []func(*url.URL){
		func(u *url.URL) { u.RawQuery = strings.Replace(u.RawQuery, "repository=a", "repository=b", 1) },
		func(u *url.URL) { u.RawQuery += "&extra=1" },
		func(u *url.URL) { u.RawQuery += "&repository=a" }, // repeated key
		func(u *url.URL) { u.RawQuery = strings.Replace(u.RawQuery, "domain=d&", "", 1) },
		func(u *url.URL) { u.Path = "/v1/repositorx" },
	} {
		req := newReq(t, "GET", srv.URL+"/v1/repository?domain=d&repository=a", nil)
		sign(t, req, creds(), emptySHA256, testService, testRegion, fixedNow)
		tamper(req.URL)
		wantErr(t, do(t, srv, req), codeInvalidSignature, 403, msgMismatch)
	}
}

func TestTamperedSignedHeader(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	body := []byte(`{}`)
	req := newReq(t, "POST", srv.URL+"/v1/domain?domain=d", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amz-Target", "CodeArtifact.CreateDomain")
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	req.Header.Set("X-Amz-Target", "CodeArtifact.DeleteDomain")
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403, msgMismatch)

	// Unsigned headers may change freely.
	req = newReq(t, "POST", srv.URL+"/v1/domain?domain=d", body)
	sign(t, req, creds(), sha(body), testService, testRegion, fixedNow)
	req.Header.Set("User-Agent", "changed-after-signing")
	wantOK(t, do(t, srv, req))
}

func TestContentSHA256HeaderMismatch(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	signed := []byte("original")
	sent := []byte("tampered")
	req := newReq(t, "PUT", srv.URL+"/v1/asset", sent)
	req.Header.Set("X-Amz-Content-Sha256", sha(signed))
	sign(t, req, creds(), sha(signed), testService, testRegion, fixedNow)
	wantErr(t, do(t, srv, req), codeInvalidSignature, 403,
		"The provided 'x-amz-content-sha256' header does not match what was computed.")
}

// Verify also works on a request built directly (no network), as in handler
// unit tests, and is safe for concurrent use.
func TestDirectRequestAndConcurrency(t *testing.T) {
	v := newVerifier()
	body := []byte(`{"k":"v"}`)
	client := newReq(t, "POST", "https://codeartifact.us-east-1.amazonaws.com/v1/x?a=1&b=two%20words", body)
	client.Header.Set("Content-Type", "application/json")
	sign(t, client, creds(), sha(body), testService, testRegion, fixedNow)

	server := httptest.NewRequest("POST", client.URL.RequestURI(), bytes.NewReader(body))
	server.Host = client.URL.Host
	for k, vals := range client.Header {
		server.Header[k] = vals
	}

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := v.Verify(server, sha(body))
			if err != nil || id.Account != testAccount {
				t.Errorf("Verify: %v %+v", err, id)
			}
		}()
	}
	wg.Wait()

	_, err := v.Verify(server, sha([]byte("other")))
	var e *Error
	if !errors.As(err, &e) || e.Code != codeInvalidSignature {
		t.Fatalf("want InvalidSignatureException, got %v", err)
	}
	if got := e.Error(); got != "InvalidSignatureException: "+msgMismatch {
		t.Fatalf("Error() = %q", got)
	}
}

// A presigned request whose server hashes the body (the control plane)
// may leave the payload unsigned only when it has none: a URL presigned
// with UNSIGNED-PAYLOAD cannot carry a body of the holder's choosing (it
// could turn a presigned delete of one version into a delete of others).
func TestPresignedUnsignedPayloadWithBody(t *testing.T) {
	srv := newServer(t, newVerifier(), hashBody)
	req := newReq(t, "POST", srv.URL+"/v1/package/versions/delete?X-Amz-Expires=300", nil)
	pre := presign(t, req, "UNSIGNED-PAYLOAD", fixedNow)
	wantOK(t, do(t, srv, pre)) // no body: nothing to replay

	replay := presign(t, newReq(t, "POST", srv.URL+"/v1/package/versions/delete?X-Amz-Expires=300", nil), "UNSIGNED-PAYLOAD", fixedNow)
	body := []byte(`{"versions":["1.0.0","2.0.0"]}`)
	replay.Body = io.NopCloser(bytes.NewReader(body))
	replay.ContentLength = int64(len(body))
	wantErr(t, do(t, srv, replay), codeInvalidSignature, 403, msgMismatch)

	// Signing the body's hash works, for that body only.
	signed := presign(t, newReq(t, "POST", srv.URL+"/v1/package/versions/delete?X-Amz-Expires=300", nil), sha(body), fixedNow)
	signed.Body = io.NopCloser(bytes.NewReader(body))
	signed.ContentLength = int64(len(body))
	wantOK(t, do(t, srv, signed))
	other := presign(t, newReq(t, "POST", srv.URL+"/v1/package/versions/delete?X-Amz-Expires=300", nil), sha(body), fixedNow)
	other.Body = io.NopCloser(bytes.NewReader([]byte(`{"versions":["3.0.0"]}`)))
	other.ContentLength = 22
	wantErr(t, do(t, srv, other), codeInvalidSignature, 403, msgMismatch)
}

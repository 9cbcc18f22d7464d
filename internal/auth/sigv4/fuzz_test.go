package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Fuzz targets for the parsers of client-supplied signature material.
// Seeds run with every `go test`; scripts/fuzz fuzzes them.

// fuzzMaxInput bounds what a fuzz input may hold: real Authorization
// headers and presigned queries are a few hundred bytes.
const fuzzMaxInput = 8 << 10

// fuzzHost is the host every fuzzed request is addressed to.
const fuzzHost = "codeartifact.example"

// fuzzStatus is the status each error code must carry.
var fuzzStatus = map[string]int{
	codeMissingToken:     http.StatusForbidden,
	codeIncomplete:       http.StatusBadRequest,
	codeUnrecognized:     http.StatusForbidden,
	codeInvalidSignature: http.StatusForbidden,
}

// checkVerifyError checks what every failure of Verify or Precheck must
// be: an *Error of a known code with its status, naming no secret.
func checkVerifyError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	want, ok := fuzzStatus[e.Code]
	if !ok || e.Status != want {
		t.Fatalf("error code %q with status %d; want a known code with its status", e.Code, e.Status)
	}
	if strings.Contains(e.Message, testSecret) {
		t.Fatalf("the error message leaks the secret: %q", e.Message)
	}
	return e
}

// verifyBoth runs Precheck and Verify (with the body hashed, and
// streamed) on r and checks that they agree, that failures are well
// formed, that r's headers are left alone, and that a success names the
// test key. It returns whether the hashed Verify succeeded.
func verifyBoth(t *testing.T, v *Verifier, r *http.Request, body []byte) bool {
	t.Helper()
	before := r.Header.Clone()
	pre := v.Precheck(r)
	ok := false
	for _, bodyHash := range []string{sha(body), ""} {
		id, err := v.Verify(r, bodyHash)
		switch {
		case err == nil:
			if pre != nil {
				t.Fatalf("Verify succeeded where Precheck failed: %v", pre)
			}
			if id != (Identity{AccessKeyID: testAKID, Account: testAccount, Region: testRegion}) {
				t.Fatalf("identity %+v", id)
			}
			if bodyHash != "" {
				ok = true
			}
		default:
			e := checkVerifyError(t, err)
			if id != (Identity{}) {
				t.Fatalf("identity %+v returned with error %v", id, err)
			}
			// Precheck runs the checks Verify starts with: when it fails,
			// Verify fails the same way.
			if pre != nil {
				pe := checkVerifyError(t, pre)
				if pe.Code != e.Code || pe.Message != e.Message {
					t.Fatalf("Precheck says %v, Verify says %v", pe, e)
				}
			}
		}
	}
	if !headersEqual(before, r.Header) {
		t.Fatalf("Verify changed the request's headers")
	}
	return ok
}

// signedSeed is a request signed by the AWS SDK at fixedNow.
type signedSeed struct {
	authz, amzDate, contentSHA string
	body                       []byte
}

func headerSignedSeed(f *testing.F, body []byte, withContentSHA bool) signedSeed {
	req, err := http.NewRequest(http.MethodPost, "http://"+fuzzHost+"/v1/package/versions/delete?domain=acme&repository=main", bytes.NewReader(body))
	if err != nil {
		f.Fatal(err)
	}
	if withContentSHA {
		req.Header.Set(headerContentSHA256, sha(body))
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds(), req, sha(body), testService, testRegion, fixedNow); err != nil {
		f.Fatal(err)
	}
	return signedSeed{req.Header.Get("Authorization"), req.Header.Get("X-Amz-Date"), req.Header.Get(headerContentSHA256), body}
}

// FuzzVerifyAuthorization feeds arbitrary Authorization, X-Amz-Date, Date
// and x-amz-content-sha256 headers and bodies to a header-signed request.
// Every failure is a well-formed *Error that Precheck and Verify agree on;
// nothing changes the request; and only a request the SDK signed, with
// the body it signed, verifies.
func FuzzVerifyAuthorization(f *testing.F) {
	seeds := []signedSeed{
		headerSignedSeed(f, []byte(`{"versions":["1.0.0"]}`), false),
		headerSignedSeed(f, []byte(`{"versions":["2.0.0"]}`), true),
	}
	signedBodies := map[string]bool{}
	for _, s := range seeds {
		signedBodies[string(s.body)] = true
		f.Add(s.authz, s.amzDate, "", s.contentSHA, s.body)
		// The same with the body changed, and with the date moved.
		f.Add(s.authz, s.amzDate, "", s.contentSHA, append(bytes.Clone(s.body), ' '))
		f.Add(s.authz, "20260101T003001Z", "", s.contentSHA, s.body)
	}
	f.Add("", "", "", "", []byte(nil))
	f.Add("AWS4-HMAC-SHA256", "20260101T003000Z", "", "", []byte(nil))
	f.Add("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE00000001/20260101/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
		"", "Thu, 01 Jan 2026 00:30:00 GMT", "", []byte("x"))
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=;;,Signature=x", "2026", "", "UNSIGNED-PAYLOAD", []byte{})
	f.Add("AWS4-HMAC-SHA512 Credential==, =,,", "\x00", "\xff", "\n", []byte{0})

	v := newVerifier()
	for _, s := range seeds { // the seeds that must verify do
		r := httptest.NewRequest(http.MethodPost, "http://"+fuzzHost+"/v1/package/versions/delete?domain=acme&repository=main", bytes.NewReader(s.body))
		r.Header.Set("Authorization", s.authz)
		r.Header.Set("X-Amz-Date", s.amzDate)
		if s.contentSHA != "" {
			r.Header.Set(headerContentSHA256, s.contentSHA)
		}
		if _, err := v.Verify(r, sha(s.body)); err != nil {
			f.Fatalf("signed seed: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, authz, amzDate, date, contentSHA string, body []byte) {
		if len(authz)+len(amzDate)+len(date)+len(contentSHA)+len(body) > fuzzMaxInput {
			return
		}
		r := httptest.NewRequest(http.MethodPost, "http://"+fuzzHost+"/v1/package/versions/delete?domain=acme&repository=main", bytes.NewReader(body))
		for name, val := range map[string]string{"Authorization": authz, "X-Amz-Date": amzDate, "Date": date, headerContentSHA256: contentSHA} {
			if val != "" {
				r.Header.Set(name, val)
			}
		}
		if verifyBoth(t, v, r, body) && !signedBodies[string(body)] {
			t.Fatalf("a body the client never signed verified: %q", body)
		}
	})
}

// FuzzVerifyPresigned feeds arbitrary query strings to a presigned
// request: failures are well-formed *Errors that Precheck and Verify agree
// on, and only the query the SDK presigned (however it is re-encoded)
// verifies.
func FuzzVerifyPresigned(f *testing.F) {
	const target = "http://" + fuzzHost + "/v1/package/version/asset?domain=acme&repository=main&format=generic&package=p&version=1&asset=a.txt"
	presigned := func(expires string) string {
		req, err := http.NewRequest(http.MethodGet, target, nil)
		if err != nil {
			f.Fatal(err)
		}
		if expires != "" {
			q := req.URL.Query()
			q.Set(paramExpires, expires)
			req.URL.RawQuery = q.Encode()
		}
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds(), req, unsignedPayload, testService, testRegion, fixedNow)
		if err != nil {
			f.Fatal(err)
		}
		return strings.SplitN(u, "?", 2)[1]
	}
	valid := []string{presigned(""), presigned("900")}
	signed := map[string]bool{}
	for _, q := range valid {
		parsed, _ := url.ParseQuery(q)
		signed[canonicalQuery(parsed, false)] = true
		f.Add(q)
		f.Add(strings.Replace(q, "domain=acme", "domain=other", 1))
		f.Add(strings.Replace(q, "20260101T003000Z", "20260101T000000Z", 1))
		f.Add(q + "&" + paramSignature + "=00")
	}
	f.Add("")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256")
	f.Add("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE00000001%2F20260101%2Fus-east-1%2Fcodeartifact%2Faws4_request" +
		"&X-Amz-Date=20260101T003000Z&X-Amz-SignedHeaders=host&X-Amz-Signature=00&X-Amz-Expires=-1")
	f.Add("X-Amz-Signature=%zz&X-Amz-Expires=99999999999999999999")
	f.Add("X-Amz-Credential=a/b/c/d/e&X-Amz-Credential=x;X-Amz-Date=%00")

	v := newVerifier()
	for _, q := range valid { // the seeds that must verify do
		r := httptest.NewRequest(http.MethodGet, "http://"+fuzzHost+"/v1/package/version/asset", nil)
		r.URL.RawQuery = q
		if _, err := v.Verify(r, emptySHA256); err != nil {
			f.Fatalf("presigned seed: %v", err)
		}
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		if len(rawQuery) > fuzzMaxInput {
			return
		}
		r := httptest.NewRequest(http.MethodGet, "http://"+fuzzHost+"/v1/package/version/asset", nil)
		r.URL.RawQuery = rawQuery
		if verifyBoth(t, v, r, nil) {
			parsed, _ := url.ParseQuery(rawQuery)
			if !signed[canonicalQuery(parsed, false)] {
				t.Fatalf("a query the client never signed verified: %q", rawQuery)
			}
		}
	})
}

// validHeaderValue reports whether a client could send v as a header
// value unchanged: no control characters, no surrounding whitespace.
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return v == strings.TrimSpace(v)
}

// FuzzSignedRoundTrip signs requests of arbitrary method, path, query,
// header and body with the AWS SDK, sends them over the wire format
// (written by the client, read by the server's parser) and checks that
// the Verifier accepts each, header-signed and presigned, and refuses it
// once its body or query is changed: the Verifier's canonical request is
// the SDK's for anything a client can send.
func FuzzSignedRoundTrip(f *testing.F) {
	f.Add("GET", "/v1/packages", "domain=acme&repository=main", "", []byte(nil), false)
	f.Add("POST", "/v1/package/versions/delete", "domain=acme&repository=main&format=npm&package=ui&namespace=acme", "x", []byte(`{"versions":["1.0.0"]}`), false)
	f.Add("DELETE", "/v1/package/%40scope%2Fname/caf%C3%A9%20x/a+b", "a=1&a=2&b=%20+%2B&c", "several   spaces", []byte("body"), false)
	f.Add("GET", "/v1/package/version/asset", "asset=a%2Fb.txt&empty=&=v", "", []byte(nil), true)
	f.Add("PUT", "/~user/.//../x;y", "q=%E2%82%AC&r=%ff", "é", []byte{0, 1, 2}, true)

	v := newVerifier()
	f.Fuzz(func(t *testing.T, method, path, rawQuery, hdr string, body []byte, presign bool) {
		if len(method)+len(path)+len(rawQuery)+len(hdr)+len(body) > fuzzMaxInput {
			return
		}
		if presign {
			body = nil // a presigned URL carries no body here
		}
		req, err := http.NewRequest(method, "http://"+fuzzHost+"/", bytes.NewReader(body))
		if err != nil || method == "" || method == "CONNECT" || !validHeaderValue(hdr) {
			return // not a request a client can send
		}
		u, err := url.Parse("http://" + fuzzHost + path)
		if err != nil || u.Host != fuzzHost || u.Fragment != "" || u.RawQuery != "" || !strings.HasPrefix(path, "/") {
			return
		}
		req.URL = u
		req.URL.RawQuery = rawQuery
		if hdr != "" {
			req.Header.Set("X-Fuzz", hdr)
		}
		if presign {
			signedURL, signedHdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds(), req, unsignedPayload, testService, testRegion, fixedNow)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL, err = url.Parse(signedURL); err != nil {
				t.Fatal(err)
			}
			for k, vals := range signedHdr {
				if k != "Host" {
					req.Header[k] = vals
				}
			}
		} else if err := v4.NewSigner().SignHTTP(context.Background(), creds(), req, sha(body), testService, testRegion, fixedNow); err != nil {
			t.Fatal(err)
		}

		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return // the client cannot send it either
		}
		serve := func(raw []byte) (*http.Request, []byte) {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
			if err != nil {
				return nil, nil
			}
			b := new(bytes.Buffer)
			if _, err := b.ReadFrom(r.Body); err != nil {
				return nil, nil
			}
			return r, b.Bytes()
		}
		r, got := serve(wire.Bytes())
		if r == nil {
			return // the server's parser refuses it before any signature check
		}
		if _, err := v.Verify(r, sha(got)); err != nil {
			t.Fatalf("%s %s with query %q, header %q: the SDK's signature does not verify: %v\n%s", method, path, rawQuery, hdr, err, wire.Bytes())
		}

		// Tampering: another body, or another query parameter.
		if len(got) > 0 {
			tampered := bytes.Clone(got)
			tampered[len(tampered)-1] ^= 1
			if _, err := v.Verify(r, sha(tampered)); err == nil {
				t.Fatalf("a changed body verified")
			}
		}
		r.URL.RawQuery += "&x-fuzz-added=1"
		if _, err := v.Verify(r, sha(got)); err == nil {
			t.Fatalf("a changed query verified")
		} else {
			checkVerifyError(t, err)
		}
	})
}

package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"

	"github.com/artifactd/artifactd/test/harness"
)

func TestAuthSignatures(t *testing.T) {
	s := harness.Start(t)
	harness.CreateDomain(t, s.Client(t), "acme")
	describe := url.Values{"domain": {"acme"}}
	seenIDs := map[string]bool{}

	// send does the request and checks the request id header of every answer.
	send := func(t *testing.T, req *http.Request) *http.Response {
		t.Helper()
		resp := s.Do(t, req)
		id := resp.Header.Get("X-Amzn-RequestId")
		if id == "" {
			t.Errorf("%s %s: response %d has no x-amzn-RequestId", req.Method, req.URL.Path, resp.StatusCode)
		} else if seenIDs[id] {
			t.Errorf("x-amzn-RequestId %q repeated", id)
		}
		seenIDs[id] = true
		return resp
	}
	expectOK := func(t *testing.T, resp *http.Response) map[string]any {
		t.Helper()
		body := harness.ReadBody(t, resp)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d (%s), want 200: %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("body is not JSON: %v: %s", err, body)
		}
		return m
	}
	expectAcme := func(t *testing.T, m map[string]any) {
		t.Helper()
		d, _ := m["domain"].(map[string]any)
		if d["name"] != "acme" || d["arn"] != s.DomainARN("", "acme") {
			t.Errorf("DescribeDomain answered %v", m)
		}
	}

	t.Run("correctly signed request", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.Sign(t, req, nil, "", time.Now())
		expectAcme(t, expectOK(t, send(t, req)))
	})

	t.Run("signed POST with a body", func(t *testing.T) {
		body := []byte(`{"maxResults":5}`)
		req := s.NewRequest(t, http.MethodPost, "/v1/domains", nil, body)
		s.Sign(t, req, body, "", time.Now())
		m := expectOK(t, send(t, req))
		if list, _ := m["domains"].([]any); len(list) != 1 {
			t.Errorf("ListDomains = %v", m)
		}
	})

	t.Run("no Authorization", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "MissingAuthenticationTokenException")
		req = s.NewRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"sneaky"}}, []byte(`{}`))
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "MissingAuthenticationTokenException")
	})

	t.Run("malformed Authorization", func(t *testing.T) {
		date := time.Now().UTC().Format("20060102")
		for _, auth := range []string{
			"AWS4-HMAC-SHA256 nonsense",
			"AWS4-HMAC-SHA256 Credential=" + s.AccessKey + "/" + date + "/us-east-1/codeartifact/aws4_request, SignedHeaders=host;x-amz-date",
			"AWS4-HMAC-SHA256 Credential=" + s.AccessKey + "/" + date + ", SignedHeaders=host;x-amz-date, Signature=00",
		} {
			req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
			req.Header.Set("X-Amz-Date", time.Now().UTC().Format("20060102T150405Z"))
			req.Header.Set("Authorization", auth)
			harness.ExpectWireError(t, send(t, req), http.StatusBadRequest, "IncompleteSignatureException")
		}
	})

	t.Run("unknown access key", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.SignWith(t, req, aws.Credentials{AccessKeyID: "AKIAUNKNOWNUNKNOWN00", SecretAccessKey: s.SecretKey}, nil, "", time.Now())
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "UnrecognizedClientException")
	})

	t.Run("wrong secret", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.SignWith(t, req, aws.Credentials{AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey + "x"}, nil, "", time.Now())
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("wrong service in the scope", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		harness.SignV4(t, req, s.Credentials(), nil, "s3", s.Region, time.Now())
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("clock skew", func(t *testing.T) {
		for _, skew := range []time.Duration{-20 * time.Minute, 20 * time.Minute} {
			req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
			s.Sign(t, req, nil, "", time.Now().Add(skew))
			harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
		}
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.Sign(t, req, nil, "", time.Now().Add(-5*time.Minute))
		expectAcme(t, expectOK(t, send(t, req)))
	})

	t.Run("body tampered after signing", func(t *testing.T) {
		signed := []byte(`{"maxResults":5}`)
		sent := []byte(`{"maxResults":6}`)
		req := s.NewRequest(t, http.MethodPost, "/v1/domains", nil, signed)
		s.Sign(t, req, signed, "", time.Now())
		req.Body = io.NopCloser(bytes.NewReader(sent))
		req.ContentLength = int64(len(sent))
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")

		// A create with a tampered body must not create anything.
		signed = []byte(`{"tags":[{"key":"a","value":"1"}]}`)
		sent = []byte(`{"tags":[{"key":"a","value":"2"}]}`)
		req = s.NewRequest(t, http.MethodPost, "/v1/domain", url.Values{"domain": {"tampered"}}, signed)
		s.Sign(t, req, signed, "", time.Now())
		req.Body = io.NopCloser(bytes.NewReader(sent))
		req.ContentLength = int64(len(sent))
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
		_, err := s.Client(t).DescribeDomain(t.Context(), &codeartifact.DescribeDomainInput{Domain: aws.String("tampered")})
		if harness.ErrorCode(err) != "ResourceNotFoundException" {
			t.Errorf("domain created by a request with a bad signature (DescribeDomain: %v)", err)
		}
	})

	t.Run("query tampered after signing", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.Sign(t, req, nil, "", time.Now())
		req.URL.RawQuery = url.Values{"domain": {"acmf"}}.Encode()
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")

		req = s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		s.Sign(t, req, nil, "", time.Now())
		req.URL.RawQuery += "&domain-owner=" + s.Account
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("signed header tampered after signing", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		at := time.Now().Add(-time.Minute)
		s.Sign(t, req, nil, "", at)
		req.Header.Set("X-Amz-Date", at.Add(time.Second).UTC().Format("20060102T150405Z"))
		harness.ExpectWireError(t, send(t, req), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("presigned GET DescribeDomain", func(t *testing.T) {
		req := s.NewRequest(t, http.MethodGet, "/v1/domain", describe, nil)
		u, hdr := s.Presign(t, req, "", time.Now())
		if !strings.Contains(u, "X-Amz-Signature=") {
			t.Fatalf("presigned URL has no signature: %s", u)
		}
		get, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if strings.EqualFold(k, "Host") {
				continue
			}
			for _, v := range vs {
				get.Header.Add(k, v)
			}
		}
		expectAcme(t, expectOK(t, send(t, get)))

		bad, err := http.NewRequest(http.MethodGet, strings.Replace(u, "domain=acme", "domain=acmf", 1), nil)
		if err != nil {
			t.Fatal(err)
		}
		harness.ExpectWireError(t, send(t, bad), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("presigned with UNSIGNED-PAYLOAD cannot carry a body", func(t *testing.T) {
		// A URL presigned for an empty body must not become, say, a delete
		// of versions of the holder's choosing.
		q := url.Values{"domain": {"acme"}, "repository": {"nope"}, "format": {"generic"}, "namespace": {"ns"}, "package": {"p"},
			"X-Amz-Expires": {"300"}}
		req := s.NewRequest(t, http.MethodPost, "/v1/package/versions/delete", q, nil)
		u, _, err := v4.NewSigner().PresignHTTP(t.Context(), s.Credentials(), req, "UNSIGNED-PAYLOAD", "codeartifact", s.Region, time.Now().UTC())
		if err != nil {
			t.Fatal(err)
		}
		post, err := http.NewRequest(http.MethodPost, u, strings.NewReader(`{"versions":["1.0.0"]}`))
		if err != nil {
			t.Fatal(err)
		}
		harness.ExpectWireError(t, send(t, post), http.StatusForbidden, "InvalidSignatureException")
	})

	t.Run("SDK client with a wrong secret", func(t *testing.T) {
		c := s.ClientWithKeys(t, s.AccessKey, "wrong"+s.SecretKey)
		_, err := c.ListDomains(t.Context(), &codeartifact.ListDomainsInput{})
		if code := harness.ErrorCode(err); code != "InvalidSignatureException" {
			t.Errorf("ErrorCode() = %q (%v), want InvalidSignatureException", code, err)
		}
		if st := harness.HTTPStatus(err); st != http.StatusForbidden {
			t.Errorf("status %d, want 403", st)
		}
		_, err = c.CreateDomain(t.Context(), &codeartifact.CreateDomainInput{Domain: aws.String("intruder")})
		if code := harness.ErrorCode(err); code != "InvalidSignatureException" {
			t.Errorf("CreateDomain ErrorCode() = %q (%v), want InvalidSignatureException", code, err)
		}
	})

	t.Run("SDK client with an unknown key", func(t *testing.T) {
		c := s.ClientWithKeys(t, "AKIANOBODYNOBODY0000", s.SecretKey)
		_, err := c.ListDomains(t.Context(), &codeartifact.ListDomainsInput{})
		if code := harness.ErrorCode(err); code != "UnrecognizedClientException" {
			t.Errorf("ErrorCode() = %q (%v), want UnrecognizedClientException", code, err)
		}
	})

	t.Run("nothing was created by refused requests", func(t *testing.T) {
		if got := cpDomainNames(t, s.Client(t)); len(got) != 1 || got[0] != "acme" {
			t.Errorf("domains = %v, want [acme]", got)
		}
	})

	t.Run("the secret key never reaches the log", func(t *testing.T) {
		if strings.Contains(s.Logs(), s.SecretKey) {
			t.Errorf("server log contains the root secret access key")
		}
	})
}

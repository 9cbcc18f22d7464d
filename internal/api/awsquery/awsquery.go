// Package awsquery serves the AWS query protocol, the wire form of IAM and
// STS: form parameters in (POST / with an
// application/x-www-form-urlencoded body, or GET /?Action=...), XML out.
//
// A success is answered
//
//	<{Action}Response xmlns="{namespace}">
//	  <{Action}Result>...</{Action}Result>
//	  <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata>
//	</{Action}Response>
//
// (without the Result element for actions that return nothing), and a
// failure, with the HTTP status of the error,
//
//	<ErrorResponse xmlns="{namespace}">
//	  <Error><Type>Sender</Type><Code>...</Code><Message>...</Message></Error>
//	  <RequestId>...</RequestId>
//	</ErrorResponse>
//
// which is what the AWS SDKs' and botocore's query parsers read: the
// Result element by name, lists as <member> children of their wrapper,
// the error's Code and Message inside <Error>.
//
// Requests are signed with SigV4 for the service's signing name; Router
// picks the service from the credential scope. The package knows no
// operation: internal/api/iam and internal/api/sts supply the actions.
package awsquery

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/iam"
)

// maxBodyBytes bounds a request body; IAM's largest parameter, a policy
// document, is far smaller.
const maxBodyBytes = 1 << 20

// Action serves one action for the signed-in caller. It returns the
// Result element's content (a struct marshaled by encoding/xml under the
// name {Action}Result), or nil when the action answers no result.
type Action func(ctx context.Context, c *iam.Credential, p Params) (any, error)

// Service serves one query-protocol service. Its fields are read-only once
// it serves requests.
type Service struct {
	Namespace string            // XML namespace of answers, e.g. https://iam.amazonaws.com/doc/2010-05-08/
	Verifier  *sigv4.Verifier   // Service is the signing name ("iam", "sts")
	Actions   map[string]Action // by Action parameter
	Log       *slog.Logger
}

// ServeHTTP authenticates the request, decodes its parameters and runs its
// action.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := requestID(w)
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET, POST")
		s.writeError(w, reqID, &Error{Code: "InvalidHttpRequest", Status: http.StatusMethodNotAllowed,
			Message: "The query protocol is served by POST / and GET / only"})
		return
	}
	// Everything but the signature itself is checked before the body is
	// read: a request without known credentials costs no memory.
	if err := s.Verifier.Precheck(r); err != nil {
		s.writeError(w, reqID, err)
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil || len(data) > maxBodyBytes {
		s.writeError(w, reqID, &Error{Code: "ValidationError", Status: http.StatusBadRequest,
			Message: "The request body is unreadable or larger than 1 MiB"})
		return
	}
	sum := sha256.Sum256(data)
	id, err := s.Verifier.Verify(r, hex.EncodeToString(sum[:]))
	if err != nil {
		s.writeError(w, reqID, err)
		return
	}
	cred, ok := id.Principal.(*iam.Credential)
	if !ok || cred == nil {
		s.writeError(w, reqID, errors.New("awsquery: the verifier's keys gave no *iam.Credential"))
		return
	}

	form, err := url.ParseQuery(string(data))
	if err != nil {
		s.writeError(w, reqID, &Error{Code: "MalformedQueryString", Status: http.StatusBadRequest,
			Message: "The request body is not a well-formed application/x-www-form-urlencoded form"})
		return
	}
	// Parameters may also come in the query string (GET, or a POST whose
	// client put some there); the body wins.
	for k, v := range r.URL.Query() {
		if _, ok := form[k]; !ok {
			form[k] = v
		}
	}
	action := form.Get("Action")
	if action == "" {
		s.writeError(w, reqID, &Error{Code: "MissingAction", Status: http.StatusBadRequest,
			Message: "Missing Action"})
		return
	}
	fn, ok := s.Actions[action]
	if !ok {
		s.writeError(w, reqID, &Error{Code: "InvalidAction", Status: http.StatusBadRequest,
			Message: "Could not find operation " + action + " for version " + form.Get("Version")})
		return
	}
	out, err := fn(r.Context(), cred, Params{form})
	if err != nil {
		s.writeError(w, reqID, err)
		return
	}
	s.writeResult(w, reqID, action, out)
}

// requestID is the request id of the response: the one the server's
// request log set in the x-amzn-RequestId header, else a new one.
func requestID(w http.ResponseWriter) string {
	if id := w.Header().Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	id := NewRequestID()
	w.Header().Set("X-Amzn-Requestid", id)
	return id
}

// NewRequestID returns a random request id in AWS's form (a UUID).
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Service) writeResult(w http.ResponseWriter, reqID, action string, result any) {
	var b bytes.Buffer
	b.WriteString("<" + action + `Response xmlns="` + s.Namespace + `">`)
	if result != nil {
		enc := xml.NewEncoder(&b)
		if err := enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: action + "Result"}}); err != nil {
			s.writeError(w, reqID, err)
			return
		}
		enc.Flush()
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	xml.EscapeText(&b, []byte(reqID))
	b.WriteString("</RequestId></ResponseMetadata></" + action + "Response>")
	writeXML(w, http.StatusOK, b.Bytes())
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// FormatTime renders a timestamp as IAM and STS do: ISO 8601 in UTC, to
// the second.
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// EncodeDocument URL-encodes a policy document the way IAM answers them
// (RFC 3986: every byte but A-Z a-z 0-9 - . _ ~ percent-encoded, spaces as
// %20). The AWS CLI and boto3 decode it back; the Go SDK leaves that to
// the caller (url.QueryUnescape or url.PathUnescape).
func EncodeDocument(doc string) string {
	const hexUpper = "0123456789ABCDEF"
	b := make([]byte, 0, len(doc)*2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&0x0f])
	}
	return string(b)
}

// List is a query-protocol list: its items as <member> children of the
// list's element. The element is written even when the list is empty, as
// IAM does (the CLI then shows an empty list rather than no key).
type List[T any] struct {
	Member []T `xml:"member"`
}

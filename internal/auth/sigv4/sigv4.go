// Package sigv4 verifies AWS Signature Version 4 (SigV4) on incoming HTTP
// requests, the way an AWS service endpoint does, so that the AWS CLI and SDKs
// pointed at artifactd with --endpoint-url authenticate unchanged.
//
// Both forms of SigV4 are supported:
//
//   - header-signed requests carrying
//     "Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...";
//   - presigned requests carrying the X-Amz-Algorithm, X-Amz-Credential,
//     X-Amz-Date, X-Amz-SignedHeaders, X-Amz-Signature (and optionally
//     X-Amz-Expires) query parameters.
//
// Failures are reported as *Error values carrying the AWS error type
// (e.g. "InvalidSignatureException") and the HTTP status AWS answers with.
// Error messages never contain a secret key or a signature computed by the
// server.
//
// The package uses only the standard library.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Keys looks up the secret of an access key id and who owns it.
// sessionToken is the request's X-Amz-Security-Token ("" if none): keys of
// temporary credentials are only valid with theirs.
type Keys interface {
	Lookup(ctx context.Context, accessKeyID, sessionToken string) (Key, error)
}

// Key is what Keys knows of an access key.
type Key struct {
	Secret  string
	Account string
	// Principal is whatever the Keys implementation says the key stands
	// for; Verify hands it back in Identity untouched.
	Principal any
}

// Errors a Keys implementation returns for keys that must be refused. Any
// other error is a failure to look the key up (answered with a 500).
var (
	ErrUnknownKey   = errors.New("unknown, inactive or deleted access key") // or a session token that does not belong to it
	ErrExpiredToken = errors.New("expired session token")
)

// Verifier checks SigV4 signatures. Its fields are read-only once the
// Verifier is in use; it is then safe for concurrent use.
type Verifier struct {
	Service string           // "codeartifact"
	Regions []string         // accepted credential-scope regions; "*" accepts any, AWSRegions those of the AWS partitions
	Keys    Keys             // secret lookup; nil rejects every access key
	Now     func() time.Time // nil = time.Now
	MaxSkew time.Duration    // 0 = 15 minutes
}

// Identity is who signed a request.
type Identity struct {
	AccessKeyID, Account, Region string
	SessionToken                 string // X-Amz-Security-Token, "" if none
	Principal                    any    // Key.Principal
}

// Error is a signature failure, with the AWS error type and HTTP status to
// answer with.
type Error struct {
	Code    string
	Status  int
	Message string
}

// Error implements the error interface as "<Code>: <Message>".
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// AWS error types.
const (
	codeMissingToken     = "MissingAuthenticationTokenException"
	codeIncomplete       = "IncompleteSignatureException"
	codeUnrecognized     = "UnrecognizedClientException"
	codeInvalidSignature = "InvalidSignatureException"
	codeExpired          = "ExpiredTokenException"
)

const (
	algorithm       = "AWS4-HMAC-SHA256"
	terminator      = "aws4_request"
	isoFormat       = "20060102T150405Z"
	shortDateFormat = "20060102"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	defaultMaxSkew  = 15 * time.Minute
	maxPresignSecs  = 604800 // one week

	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"

	headerContentSHA256 = "X-Amz-Content-Sha256"

	msgMismatch = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

func incomplete(msg string) *Error {
	return &Error{Code: codeIncomplete, Status: http.StatusBadRequest, Message: msg}
}

func invalid(msg string) *Error {
	return &Error{Code: codeInvalidSignature, Status: http.StatusForbidden, Message: msg}
}

// authRequest is the signature material extracted from a request, whichever
// form carried it.
type authRequest struct {
	presigned     bool
	credential    string   // keyid/date/region/service/aws4_request
	signedHeaders []string // lowercase names, in the order the client listed them
	signature     string
	amzDate       string    // ISO 8601 basic, as used in the string to sign
	date          time.Time // amzDate parsed
	expires       int64     // presigned only; 0 = no X-Amz-Expires parameter
}

// Verify checks the signature of r (header-signed `Authorization: AWS4-HMAC-SHA256 ...`, or presigned with
// X-Amz-Algorithm/X-Amz-Credential/X-Amz-Date/X-Amz-Expires/X-Amz-SignedHeaders/X-Amz-Signature query params).
// bodySHA256 is the lowercase hex SHA-256 of the request body as computed by the caller, or "" when the caller
// streams the body and relies on the x-amz-content-sha256 header instead.
//
// When bodySHA256 is "" and Verify succeeds, the body itself has not been
// checked: the caller must verify that the body it reads hashes to the
// (signed) x-amz-content-sha256 header value, and decide for itself what to do
// with special values such as "UNSIGNED-PAYLOAD".
//
// r is only read; its body is never touched. On failure the error is always
// an *Error.
func (v *Verifier) Verify(r *http.Request, bodySHA256 string) (Identity, error) {
	id, e := v.verify(r, bodySHA256)
	if e != nil {
		return Identity{}, e
	}
	return id, nil
}

// Precheck runs every check of Verify that does not need the body: an
// Authorization header or presigned query that parses, a credential scoped
// to this service and an accepted region, a current date, and a known
// access key. Callers that must read the body to verify the signature run
// it first, so a request without credentials costs no body read. On
// failure the error is an *Error.
func (v *Verifier) Precheck(r *http.Request) error {
	if _, e := v.authenticate(r); e != nil {
		return e
	}
	return nil
}

// authenticated is a request whose signature material parsed and whose
// key is known.
type authenticated struct {
	ar                             *authRequest
	query                          url.Values
	accessKeyID, scopeDate, region string
	service, sessionToken          string
	key                            Key
}

func (v *Verifier) verify(r *http.Request, bodySHA256 string) (Identity, *Error) {
	a, e := v.authenticate(r)
	if e != nil {
		return Identity{}, e
	}
	payloadHashes, e := payloadCandidates(r, a.ar.presigned, bodySHA256)
	if e != nil {
		return Identity{}, e
	}

	scope := a.scopeDate + "/" + a.region + "/" + a.service + "/" + terminator
	key := signingKey(a.key.Secret, a.scopeDate, a.region, a.service)
	prefix := canonicalPrefix(r, a.query, a.ar)
	for _, ph := range payloadHashes {
		canonical := prefix + ph
		sum := sha256.Sum256([]byte(canonical))
		stringToSign := algorithm + "\n" + a.ar.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		computed := hex.EncodeToString(hmacSHA256(key, []byte(stringToSign)))
		// Constant-time comparison of the hex signatures.
		if hmac.Equal([]byte(computed), []byte(a.ar.signature)) {
			return Identity{AccessKeyID: a.accessKeyID, Account: a.key.Account, Region: a.region,
				SessionToken: a.sessionToken, Principal: a.key.Principal}, nil
		}
	}
	return Identity{}, invalid(msgMismatch)
}

func (v *Verifier) authenticate(r *http.Request) (*authenticated, *Error) {
	query, _ := url.ParseQuery(r.URL.RawQuery) // same view as r.URL.Query()
	authValues := r.Header.Values("Authorization")
	presigned := hasAny(query, paramAlgorithm, paramCredential, paramSignature)

	var (
		ar *authRequest
		e  *Error
	)
	switch {
	case len(authValues) == 0 && !presigned:
		return nil, &Error{Code: codeMissingToken, Status: http.StatusForbidden, Message: "Missing Authentication Token"}
	case len(authValues) > 0 && presigned:
		return nil, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified.")
	case len(authValues) > 1:
		return nil, incomplete("Only one Authorization header is allowed.")
	case presigned:
		ar, e = parsePresigned(query)
	default:
		ar, e = parseAuthorization(authValues[0], r.Header)
	}
	if e != nil {
		return nil, e
	}

	if !contains(ar.signedHeaders, "host") {
		return nil, invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}

	accessKeyID, scopeDate, region, service, e := parseCredential(ar.credential)
	if e != nil {
		return nil, e
	}
	if service != v.Service {
		return nil, invalid(fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.Service))
	}
	if !v.regionAccepted(region) {
		return nil, invalid("Credential should be scoped to a valid region.")
	}
	if scopeDate != ar.amzDate[:8] {
		return nil, invalid(fmt.Sprintf(
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			scopeDate, ar.amzDate[:8], ar.amzDate))
	}
	if e := v.checkTime(ar); e != nil {
		return nil, e
	}

	if v.Keys == nil {
		return nil, unrecognized()
	}
	sessionToken := r.Header.Get("X-Amz-Security-Token")
	if ar.presigned {
		sessionToken = query.Get("X-Amz-Security-Token")
	}
	key, err := v.Keys.Lookup(r.Context(), accessKeyID, sessionToken)
	switch {
	case errors.Is(err, ErrUnknownKey):
		return nil, unrecognized()
	case errors.Is(err, ErrExpiredToken):
		return nil, &Error{Code: codeExpired, Status: http.StatusForbidden, Message: "The security token included in the request is expired"}
	case err != nil:
		return nil, &Error{Code: "InternalFailure", Status: http.StatusInternalServerError, Message: "The access key could not be looked up"}
	}
	return &authenticated{ar: ar, query: query, accessKeyID: accessKeyID, scopeDate: scopeDate, region: region,
		service: service, sessionToken: sessionToken, key: key}, nil
}

func unrecognized() *Error {
	return &Error{Code: codeUnrecognized, Status: http.StatusForbidden, Message: "The security token included in the request is invalid."}
}

// parseAuthorization parses a header-signed request's Authorization header
// and its date header.
func parseAuthorization(authz string, h http.Header) (*authRequest, *Error) {
	trimmed := strings.TrimSpace(authz)
	alg, rest, _ := strings.Cut(trimmed, " ")
	if alg != "" && alg != algorithm {
		return nil, incomplete(fmt.Sprintf("Unsupported AWS 'algorithm': '%s'; only '%s' is supported. Authorization=%s", alg, algorithm, authz))
	}

	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, incomplete(fmt.Sprintf("'%s' not a valid key=value pair (missing equal-sign) in Authorization header: '%s'.", part, authz))
		}
		params[strings.TrimSpace(k)] = strings.TrimSpace(val)
	}

	ar := &authRequest{
		credential: params["Credential"],
		signature:  params["Signature"],
	}
	var missing []string
	if ar.credential == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if ar.signature == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if params["SignedHeaders"] == "" {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	xAmzDate, dateHdr := h.Get("X-Amz-Date"), h.Get("Date")
	if xAmzDate == "" && dateHdr == "" {
		missing = append(missing, "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " ") + " Authorization=" + authz)
	}

	names, e := parseSignedHeaders(params["SignedHeaders"])
	if e != nil {
		return nil, e
	}
	ar.signedHeaders = names

	if xAmzDate != "" {
		t, err := time.Parse(isoFormat, xAmzDate)
		if err != nil {
			return nil, badISODate(xAmzDate)
		}
		ar.date = t
	} else {
		t, err := time.Parse(http.TimeFormat, dateHdr)
		if err != nil {
			return nil, incomplete(fmt.Sprintf("Date must be in RFC 1123 format (e.g. '%s'). Got '%s'.", http.TimeFormat, dateHdr))
		}
		ar.date = t.UTC()
	}
	ar.amzDate = ar.date.Format(isoFormat)
	return ar, nil
}

// parsePresigned extracts the signature material of a presigned request.
func parsePresigned(q url.Values) (*authRequest, *Error) {
	var missing []string
	for _, p := range []string{paramAlgorithm, paramCredential, paramSignature, paramDate, paramSignedHeaders} {
		switch n := len(q[p]); {
		case n == 0 || q[p][0] == "":
			missing = append(missing, fmt.Sprintf("AWS query-string parameters must include '%s'.", p))
		case n > 1:
			return nil, incomplete(fmt.Sprintf("AWS query-string parameter '%s' must appear only once.", p))
		}
	}
	if len(missing) > 0 {
		return nil, incomplete(strings.Join(missing, " ") + " Re-examine the query-string parameters.")
	}
	if alg := q.Get(paramAlgorithm); alg != algorithm {
		return nil, incomplete(fmt.Sprintf("X-Amz-Algorithm only supports '%s', got '%s'.", algorithm, alg))
	}

	ar := &authRequest{
		presigned:  true,
		credential: q.Get(paramCredential),
		signature:  q.Get(paramSignature),
		amzDate:    q.Get(paramDate),
	}
	t, err := time.Parse(isoFormat, ar.amzDate)
	if err != nil {
		return nil, badISODate(ar.amzDate)
	}
	ar.date = t

	names, e := parseSignedHeaders(q.Get(paramSignedHeaders))
	if e != nil {
		return nil, e
	}
	ar.signedHeaders = names

	if vals, ok := q[paramExpires]; ok {
		if len(vals) > 1 {
			return nil, incomplete(fmt.Sprintf("AWS query-string parameter '%s' must appear only once.", paramExpires))
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil || n < 1 || n > maxPresignSecs {
			return nil, incomplete(fmt.Sprintf("X-Amz-Expires must be a whole number of seconds between 1 and %d; got '%s'.", maxPresignSecs, vals[0]))
		}
		ar.expires = n
	}
	return ar, nil
}

func badISODate(got string) *Error {
	return incomplete(fmt.Sprintf("Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", got))
}

// parseSignedHeaders splits a SignedHeaders value, keeping the client's order
// (it is part of the canonical request verbatim) and lowercasing names.
func parseSignedHeaders(s string) ([]string, *Error) {
	names := strings.Split(s, ";")
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "" {
			return nil, incomplete(fmt.Sprintf("SignedHeaders contains an empty header name: '%s'.", s))
		}
		names[i] = n
	}
	return names, nil
}

// parseCredential splits "keyid/yyyymmdd/region/service/aws4_request".
func parseCredential(c string) (accessKeyID, date, region, service string, e *Error) {
	parts := strings.Split(c, "/")
	if len(parts) != 5 {
		return "", "", "", "", incomplete(fmt.Sprintf(
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", c))
	}
	for _, p := range parts {
		if p == "" {
			return "", "", "", "", incomplete(fmt.Sprintf(
				"Credential must have exactly 5 non-empty slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'.", c))
		}
	}
	if _, err := time.Parse(shortDateFormat, parts[1]); err != nil || len(parts[1]) != 8 {
		return "", "", "", "", incomplete(fmt.Sprintf(
			"Invalid credential date '%s': the credential scope date must be in the format yyyyMMdd.", parts[1]))
	}
	if parts[4] != terminator {
		return "", "", "", "", incomplete(fmt.Sprintf(
			"Credential should be scoped with a valid terminator: '%s', not '%s'.", terminator, parts[4]))
	}
	return parts[0], parts[1], parts[2], parts[3], nil
}

// RegionAccepted reports whether the verifier accepts requests signed for
// region (the web console checks the region a user signs in to with it).
func (v *Verifier) RegionAccepted(region string) bool { return v.regionAccepted(region) }

func (v *Verifier) regionAccepted(region string) bool {
	for _, r := range v.Regions {
		if r == "*" || r == region || r == AWSRegions && IsAWSRegion(region) {
			return true
		}
	}
	return false
}

// checkTime enforces the clock-skew window and, for presigned requests, the
// X-Amz-Expires lifetime.
func (v *Verifier) checkTime(ar *authRequest) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().UTC().Truncate(time.Second)
	skew := v.MaxSkew
	if skew <= 0 {
		skew = defaultMaxSkew
	}

	if late := t.Add(skew); ar.date.After(late) {
		return invalid(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s)",
			ar.amzDate, late.Format(isoFormat), t.Format(isoFormat), durationText(skew)))
	}
	if ar.presigned && ar.expires > 0 {
		life := time.Duration(ar.expires) * time.Second
		if early := t.Add(-life); ar.date.Before(early) {
			return invalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
				ar.amzDate, early.Format(isoFormat), t.Format(isoFormat), durationText(life)))
		}
		return nil
	}
	if early := t.Add(-skew); ar.date.Before(early) {
		return invalid(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s)",
			ar.amzDate, early.Format(isoFormat), t.Format(isoFormat), durationText(skew)))
	}
	return nil
}

// durationText renders a window the way AWS does ("15 min."), falling back to
// seconds for windows that are not whole minutes.
func durationText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return fmt.Sprintf("%d sec.", d/time.Second)
}

// payloadCandidates returns the payload hashes to try, in order, as the last
// line of the canonical request.
func payloadCandidates(r *http.Request, presigned bool, bodySHA256 string) ([]string, *Error) {
	hdr, hasHdr := "", false
	if vals := r.Header.Values(headerContentSHA256); len(vals) > 0 {
		hdr, hasHdr = strings.TrimSpace(vals[0]), true
	}
	mismatch := invalid("The provided 'x-amz-content-sha256' header does not match what was computed.")

	if presigned {
		// When the caller hashed the body, a presigned request may leave the
		// payload unsigned only when it has none: otherwise a URL presigned
		// for one body could be replayed with any other.
		unsignedOK := bodySHA256 == "" || bodySHA256 == emptySHA256
		switch {
		case !hasHdr && bodySHA256 == "":
			return []string{unsignedPayload}, nil
		case !hasHdr && unsignedOK:
			return []string{unsignedPayload, bodySHA256}, nil
		case !hasHdr:
			return []string{bodySHA256}, nil
		case bodySHA256 == "" || strings.EqualFold(hdr, bodySHA256):
			return []string{hdr}, nil
		case hdr == unsignedPayload && unsignedOK:
			return []string{hdr, bodySHA256}, nil
		case hdr == unsignedPayload:
			return nil, invalid("A presigned request with a body must sign the body's SHA-256 (x-amz-content-sha256), not UNSIGNED-PAYLOAD.")
		}
		return nil, mismatch
	}

	switch {
	case hasHdr && bodySHA256 != "" && !strings.EqualFold(hdr, bodySHA256):
		return nil, mismatch
	case hasHdr:
		return []string{hdr}, nil
	case bodySHA256 != "":
		return []string{bodySHA256}, nil
	default:
		return nil, incomplete("Missing required header for this request: x-amz-content-sha256. " +
			"The payload is not hashed by the server, so the request must carry its SHA-256 in a signed 'x-amz-content-sha256' header.")
	}
}

// canonicalPrefix builds the canonical request up to and including the
// signed-headers line and its trailing newline; the payload hash follows.
func canonicalPrefix(r *http.Request, query url.Values, ar *authRequest) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(query, ar.presigned))
	b.WriteByte('\n')
	for _, name := range ar.signedHeaders {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(canonicalHeaderValue(r, name))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(ar.signedHeaders, ";"))
	b.WriteByte('\n')
	return b.String()
}

// canonicalURI double-encodes the escaped path, as SigV4 requires for every
// service but S3.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return uriEncode(p, false)
}

// canonicalQuery re-encodes every decoded parameter and sorts the encoded
// pairs by name, then value. X-Amz-Signature is left out of presigned
// requests.
func canonicalQuery(query url.Values, presigned bool) string {
	type pair struct{ k, v string }
	var pairs []pair
	for k, vals := range query {
		if presigned && k == paramSignature {
			continue
		}
		ek := uriEncode(k, true)
		for _, val := range vals {
			pairs = append(pairs, pair{ek, uriEncode(val, true)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// canonicalHeaderValue returns the canonical value of one signed header.
func canonicalHeaderValue(r *http.Request, name string) string {
	var vals []string
	switch name {
	case "host":
		// Go's server moves Host out of r.Header.
		host := r.Host
		if host == "" {
			host = r.URL.Host
		}
		vals = []string{host}
	case "content-length":
		vals = r.Header.Values("Content-Length")
		if len(vals) == 0 && r.ContentLength >= 0 {
			vals = []string{strconv.FormatInt(r.ContentLength, 10)}
		}
	default:
		vals = r.Header.Values(name)
	}
	// vals may alias r.Header: build a new slice rather than editing in place.
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = collapseSpaces(v)
	}
	return strings.Join(out, ",")
}

// collapseSpaces trims v and collapses internal runs of spaces to one.
func collapseSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(c)
	}
	return b.String()
}

// uriEncode percent-encodes every byte outside the RFC 3986 unreserved set
// (A-Z a-z 0-9 - . _ ~) with uppercase hex; '/' is kept unless encodeSlash.
func uriEncode(s string, encodeSlash bool) string {
	const hexUpper = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&0x0f])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// signingKey derives the SigV4 signing key from the secret and scope.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), []byte(date))
	k = hmacSHA256(k, []byte(region))
	k = hmacSHA256(k, []byte(service))
	return hmacSHA256(k, []byte(terminator))
}

func hmacSHA256(key, data []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(data)
	return m.Sum(nil)
}

func hasAny(q url.Values, keys ...string) bool {
	for _, k := range keys {
		if _, ok := q[k]; ok {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

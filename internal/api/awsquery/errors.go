package awsquery

import (
	"bytes"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/iam"
)

// Error is a failure answered with an explicit query-protocol error code,
// for what the wire layer itself refuses (a missing parameter, an unknown
// action...).
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Validation returns IAM's answer to a parameter that breaks the model's
// constraints: "1 validation error detected: Value ... at 'member' failed
// to satisfy constraint: ...".
func Validation(msg string) *Error {
	return &Error{Code: "ValidationError", Status: http.StatusBadRequest,
		Message: "1 validation error detected: " + msg}
}

// sigv4Codes maps the signature verifier's (JSON-protocol) error types to
// the codes query-protocol services answer with.
var sigv4Codes = map[string]struct {
	code    string
	status  int
	message string // "" keeps the verifier's
}{
	"MissingAuthenticationTokenException": {"MissingAuthenticationToken", http.StatusForbidden, "Request is missing Authentication Token"},
	"IncompleteSignatureException":        {"IncompleteSignature", http.StatusBadRequest, ""},
	"UnrecognizedClientException":         {"InvalidClientTokenId", http.StatusForbidden, "The security token included in the request is invalid."},
	"InvalidSignatureException":           {"SignatureDoesNotMatch", http.StatusForbidden, ""},
	"ExpiredTokenException":               {"ExpiredToken", http.StatusForbidden, "The security token included in the request is expired"},
	"InternalFailure":                     {"InternalFailure", http.StatusInternalServerError, ""},
}

// wireError classifies err. Unclassified errors are internal failures,
// logged and never shown.
func wireError(err error) (code string, status int, message string) {
	var (
		qe *Error
		ie *iam.Error
		se *sigv4.Error
	)
	switch {
	case errors.As(err, &qe):
		return qe.Code, qe.Status, qe.Message
	case errors.As(err, &ie):
		status := ie.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return ie.Code, status, ie.Message
	case errors.As(err, &se):
		if m, ok := sigv4Codes[se.Code]; ok {
			msg := se.Message
			if m.message != "" {
				msg = m.message
			}
			return m.code, m.status, msg
		}
		return se.Code, se.Status, se.Message
	}
	return "InternalFailure", http.StatusInternalServerError,
		"The request processing has failed because of an unknown error, exception or failure."
}

func (s *Service) writeError(w http.ResponseWriter, reqID string, err error) {
	code, status, message := wireError(err)
	if status >= 500 {
		log := s.Log
		if log == nil {
			log = slog.Default()
		}
		log.Error("internal error", "err", err, "request_id", reqID)
	}
	writeErrorXML(w, s.Namespace, reqID, code, status, message)
}

func writeErrorXML(w http.ResponseWriter, namespace, reqID, code string, status int, message string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var b bytes.Buffer
	b.WriteString("<ErrorResponse")
	if namespace != "" {
		b.WriteString(` xmlns="` + namespace + `"`)
	}
	b.WriteString("><Error><Type>" + typ + "</Type><Code>")
	xml.EscapeText(&b, []byte(code))
	b.WriteString("</Code><Message>")
	xml.EscapeText(&b, []byte(message))
	b.WriteString("</Message></Error><RequestId>")
	xml.EscapeText(&b, []byte(reqID))
	b.WriteString("</RequestId></ErrorResponse>")
	writeXML(w, status, b.Bytes())
}

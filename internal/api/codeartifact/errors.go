package codeartifact

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
)

// exceptions maps the domain's error kinds to CodeArtifact exceptions; the
// statuses are the model's httpError traits (coverage_test checks them).
var exceptions = []struct {
	kind   error
	name   string
	status int
}{
	{domain.ErrNotFound, "ResourceNotFoundException", http.StatusNotFound},
	{domain.ErrConflict, "ConflictException", http.StatusConflict},
	{domain.ErrInvalid, "ValidationException", http.StatusBadRequest},
	{domain.ErrDenied, "AccessDeniedException", http.StatusForbidden},
	{domain.ErrQuota, "ServiceQuotaExceededException", http.StatusPaymentRequired},
}

// ExceptionOf names the CodeArtifact exception a service error is answered
// with, and its HTTP status; ok is false for an internal error. The web
// console shows the same names.
func ExceptionOf(err error) (name string, status int, ok bool) {
	for _, e := range exceptions {
		if errors.Is(err, e.kind) {
			return e.name, e.status, true
		}
	}
	return "", http.StatusInternalServerError, false
}

// apiError is an error with an explicit wire type, for the failures that
// are not domain errors (authentication, unknown operations...).
type apiError struct {
	code    string
	status  int
	message string
	reason  string
}

func (e *apiError) Error() string { return e.message }

type errorBody struct {
	Type         string `json:"__type"`
	Message      string `json:"message"`
	ResourceID   string `json:"resourceId,omitempty"`
	ResourceType string `json:"resourceType,omitempty"`
	Reason       string `json:"reason,omitempty"`
}

// writeError answers err in CodeArtifact's wire form. Unclassified errors
// become InternalServerException and are logged, never shown.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	body := errorBody{Type: "InternalServerException", Message: "An internal error occurred"}
	status := http.StatusInternalServerError
	var (
		de *domain.Error
		ae *apiError
		se *sigv4.Error
	)
	switch {
	case errors.As(err, &ae):
		body.Type, body.Message, body.Reason, status = ae.code, ae.message, ae.reason, ae.status
	case errors.As(err, &se):
		body.Type, body.Message, status = se.Code, se.Message, se.Status
	default:
		if name, code, ok := ExceptionOf(err); ok {
			body.Type, body.Message, status = name, err.Error(), code
		}
		if errors.As(err, &de) {
			body.ResourceID, body.ResourceType = de.ResourceID, de.ResourceType
		}
		if body.Type == "ValidationException" {
			body.Reason = "FIELD_VALIDATION_FAILED"
		}
	}
	if status == http.StatusInternalServerError {
		log.Error("internal error", "err", err)
	}
	body.Message = domain.TruncateMessage(body.Message)
	w.Header().Set("x-amzn-ErrorType", body.Type)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

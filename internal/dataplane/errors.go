package dataplane

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
)

// Status maps a service error to the HTTP status package managers expect.
func Status(err error) int {
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, domain.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, domain.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, domain.ErrDenied):
		return http.StatusForbidden
	case errors.Is(err, domain.ErrQuota):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, domain.ErrUnavailable):
		return http.StatusBadGateway
	default:
		return http.StatusInternalServerError
	}
}

// Message is the text to show a client for err; internal errors are
// logged and hidden.
func Message(log *slog.Logger, err error) string {
	if Status(err) == http.StatusInternalServerError {
		log.Error("internal error", "err", err)
		return "internal server error"
	}
	return domain.TruncateMessage(err.Error())
}

// WriteError answers err as JSON {"error": message}, the shape npm and
// most JSON clients display. Formats with another error shape write their own.
func WriteError(w http.ResponseWriter, log *slog.Logger, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(Status(err))
	json.NewEncoder(w).Encode(map[string]string{"error": Message(log, err)})
}

// Unauthorized answers 401 with a Basic challenge: Maven and pip only send
// credentials after one, and npm accepts it.
func Unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Basic realm="artifactd"`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// NoteStatus tells the request log the status of a response a format
// wrote itself on a hijacked connection.
func NoteStatus(w http.ResponseWriter, status int) {
	for {
		if n, ok := w.(interface{ NoteStatus(int) }); ok {
			n.NoteStatus(status)
			return
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = u.Unwrap()
	}
}

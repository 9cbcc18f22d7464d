package dataplane

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

// problemFormat answers the data plane's refusals in its own shape.
type problemFormat struct{ status int }

func (*problemFormat) Name() domain.Format                                { return domain.FormatSwift }
func (*problemFormat) ServeRepo(http.ResponseWriter, *http.Request, Repo) {}
func (f *problemFormat) WriteDataPlaneError(w http.ResponseWriter, status int, msg string) {
	f.status = status
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
}

// A format with ErrorWriter answers a request without a token itself,
// with the 401 and its Basic challenge; others get WriteError's JSON.
func TestErrorWriter(t *testing.T) {
	f := &problemFormat{}
	h := &handler{format: f}
	rec := httptest.NewRecorder()
	h.serve(rec, httptest.NewRequest("GET", "/swift/d/acme-123456789012/r/x", nil), []string{"acme-123456789012", "acme", "123456789012"}, "r", "/swift/d/acme-123456789012/r/", "")
	if f.status != http.StatusUnauthorized || rec.Code != http.StatusUnauthorized ||
		rec.Header().Get("Content-Type") != "application/problem+json" || rec.Header().Get("WWW-Authenticate") == "" {
		t.Errorf("format saw %d; response %d %v", f.status, rec.Code, rec.Header())
	}
	rec = httptest.NewRecorder()
	(&handler{format: plainFormat{}}).serve(rec, httptest.NewRequest("GET", "/generic/d/acme-123456789012/r/x", nil), []string{"acme-123456789012", "acme", "123456789012"}, "r", "/generic/d/acme-123456789012/r/", "")
	if rec.Code != http.StatusUnauthorized || rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("plain format: %d %v", rec.Code, rec.Header())
	}
}

type plainFormat struct{}

func (plainFormat) Name() domain.Format                                { return domain.FormatGeneric }
func (plainFormat) ServeRepo(http.ResponseWriter, *http.Request, Repo) {}

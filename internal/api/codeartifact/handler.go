// Package codeartifact serves the CodeArtifact control plane: the
// restJson1 binding of all 48 operations. Handlers bind and validate the
// request, call the service, and shape the answer; the rules live in
// internal/service.
package codeartifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"github.com/artifactd/artifactd/internal/auth/sigv4"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/service"
)

// Handler serves the control plane.
type Handler struct {
	svc       *service.Service
	verifier  *sigv4.Verifier
	publicURL domain.PublicURL // base of the data-plane endpoints
	log       *slog.Logger
}

// New returns a control-plane handler.
func New(svc *service.Service, verifier *sigv4.Verifier, publicURL domain.PublicURL, log *slog.Logger) *Handler {
	return &Handler{svc: svc, verifier: verifier, publicURL: publicURL, log: log}
}

// opFunc serves one operation. It returns the response body to encode as
// JSON, or nil when it has written the response itself.
type opFunc func(h *Handler, c service.Caller, w http.ResponseWriter, r *http.Request) (any, error)

// operation is one row of the route table.
type operation struct {
	Method, Path, Name string
	fn                 opFunc
	streaming          bool                 // the body is the payload, signed through x-amz-content-sha256
	resource           service.ResourceKind // what the action codeartifact:{Name} is on
}

// Operations is the route table: every CodeArtifact operation, by method
// and path. coverage_test.go checks it against the SDK's own model.
func Operations() []operation { return operations }

// Register mounts every operation on mux.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, op := range operations {
		mux.HandleFunc(op.Method+" "+op.Path, func(w http.ResponseWriter, r *http.Request) {
			h.serve(op, w, r)
		})
	}
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, h.log, &apiError{code: "UnknownOperationException", status: http.StatusNotFound,
			message: "No operation matches " + r.Method + " " + r.URL.Path})
	})
}

func (h *Handler) serve(op operation, w http.ResponseWriter, r *http.Request) {
	// Everything but the signature itself is checked before any body is
	// read: a request without known credentials costs no memory.
	if err := h.verifier.Precheck(r); err != nil {
		writeError(w, h.log, err)
		return
	}
	if op.streaming && r.Header.Get("X-Amz-Content-Sha256") == "" && !r.URL.Query().Has("X-Amz-Signature") {
		// The payload's hash is the operation's required assetSHA256
		// member (bound to this header): its absence is a missing member,
		// as the model says, before it is a signature without a hash.
		writeError(w, h.log, domain.Invalid("1 validation error detected: Value 'null' at 'assetSHA256' failed to satisfy constraint: Member must not be null"))
		return
	}
	bodyHash := ""
	var body []byte
	if !op.streaming {
		// Control-plane bodies are small: read them whole so the signature
		// can cover them (clients send no x-amz-content-sha256 here).
		data, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
		if err != nil || int64(len(data)) > maxBodyBytes {
			writeError(w, h.log, &apiError{code: "ValidationException", status: http.StatusBadRequest,
				message: "The request body is unreadable or larger than 1 MiB", reason: "CANNOT_PARSE"})
			return
		}
		sum := sha256.Sum256(data)
		bodyHash = hex.EncodeToString(sum[:])
		r.Body = io.NopCloser(bytes.NewReader(data))
		body = data
	}
	id, err := h.verifier.Verify(r, bodyHash)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	c := callerOf(id, r)
	if err := checkAccessParams(r); err != nil {
		writeError(w, h.log, err)
		return
	}
	for _, a := range accesses(op, r.URL.Query(), body) {
		if err := h.svc.Authorize(r.Context(), c, a); err != nil {
			writeError(w, h.log, err)
			return
		}
	}
	out, err := op.fn(h, c, w, r)
	if err != nil {
		writeError(w, h.log, err)
		return
	}
	if out == nil {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// callerOf is the service's view of the signer of a verified request.
func callerOf(id sigv4.Identity, r *http.Request) service.Caller {
	cred, _ := id.Principal.(*iam.Credential)
	return service.Caller{Account: id.Account, Region: id.Region, AccessKey: id.AccessKeyID, Identity: cred,
		SourceIP: sourceIP(r), Secure: r.TLS != nil}
}

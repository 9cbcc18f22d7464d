package codeartifact

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

func (h *Handler) getAuthorizationToken(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	seconds, given := b.integer("duration", "durationSeconds", 0, service.MaxTokenSeconds)
	if !given {
		seconds = service.DefaultDuration
	}
	if err := b.err(); err != nil {
		return nil, err
	}
	token, exp, err := h.svc.GetAuthorizationToken(r.Context(), c, d, owner, seconds)
	if err != nil {
		return nil, err
	}
	return struct {
		AuthorizationToken string `json:"authorizationToken"`
		Expiration         epoch  `json:"expiration"`
	}{token, epoch(exp)}, nil
}

func (h *Handler) getRepositoryEndpoint(c service.Caller, _ http.ResponseWriter, r *http.Request) (any, error) {
	b := newBinder(r)
	d, owner := b.bindDomain()
	repo := b.required("repository", "repository", fRepository)
	format := domain.Format(b.enum("format", "format", formats, true))
	b.enum("endpointType", "endpointType", endpointTypes, false) // one endpoint serves both
	if err := b.err(); err != nil {
		return nil, err
	}
	url, err := h.svc.RepositoryEndpoint(r.Context(), c, h.publicURL, d, owner, repo, format)
	if err != nil {
		return nil, err
	}
	return map[string]string{"repositoryEndpoint": url}, nil
}

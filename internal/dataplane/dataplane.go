// Package dataplane routes package-manager requests to their format and
// authenticates them with CodeArtifact authorization tokens.
//
// Every repository has one endpoint per format, path-style like
// CodeArtifact's VPC endpoints:
//
//	{public-url}/{format}/d/{domain}-{owner}/{repository}/...
//
// The token a client presents says which region the domain is in.
package dataplane

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// Repo is the repository a data-plane request addresses, and who asks.
type Repo struct {
	Caller     service.Caller
	Domain     string
	Owner      string
	Repository string
	// Endpoint is the repository's endpoint for this format, as
	// GetRepositoryEndpoint returns it: an absolute URL ending in "/".
	Endpoint string
	// Path is what follows the endpoint, still escaped as the client sent
	// it (npm's scoped names arrive as @scope%2fname).
	Path string
}

// Ref returns the coordinates of a package in the repository.
func (r Repo) Ref(f domain.Format, namespace, name string) service.PackageRef {
	return service.PackageRef{Domain: r.Domain, DomainOwner: r.Owner, Repository: r.Repository, Format: f, Namespace: namespace, Package: name}
}

// Format serves one package format's protocol.
type Format interface {
	Name() domain.Format
	ServeRepo(w http.ResponseWriter, r *http.Request, repo Repo)
}

// KeyChecker reports whether an access key still exists; tokens die with
// the key that minted them.
type KeyChecker func(accessKeyID string) bool

// Mount registers every format's endpoint on mux. publicURL is the base
// of the endpoints, without a trailing slash.
func Mount(mux *http.ServeMux, svc *service.Service, keyValid KeyChecker, publicURL string, log *slog.Logger, formats ...Format) {
	for _, f := range formats {
		h := &handler{svc: svc, keyValid: keyValid, publicURL: strings.TrimSuffix(publicURL, "/"), log: log, format: f}
		mux.Handle("/"+string(f.Name())+"/d/{domainOwner}/{repository}/", h)
	}
}

type handler struct {
	svc       *service.Service
	keyValid  KeyChecker
	publicURL string
	log       *slog.Logger
	format    Format
}

// splitDomainOwner splits "{domain}-{owner}": the owner is the 12 digits
// at the end, the domain matches [a-z][a-z0-9-]{0,48}[a-z0-9]. It returns
// nil unless s is well formed, else {s, domain, owner}.
func splitDomainOwner(s string) []string {
	const ownerLen = 12
	n := len(s) - ownerLen - 1 // length of the domain name
	if n < 2 || n > 50 || s[n] != '-' {
		return nil
	}
	for i := n + 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil
		}
	}
	for i := 0; i < n; i++ {
		c := s[i]
		lower, digit := c >= 'a' && c <= 'z', c >= '0' && c <= '9'
		switch {
		case i == 0 && !lower,
			i == n-1 && !lower && !digit,
			!lower && !digit && c != '-':
			return nil
		}
	}
	return []string{s, s[:n], s[n+1:]}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := splitDomainOwner(r.PathValue("domainOwner"))
	repo := r.PathValue("repository")
	if m == nil || repo == "" {
		WriteError(w, h.log, domain.NotFound(domain.ResRepository, repo, "No repository at %s", r.URL.Path))
		return
	}
	token := bearerToken(r)
	if token == "" {
		Unauthorized(w, "Authentication required: send an authorization token from GetAuthorizationToken")
		return
	}
	p, err := h.svc.VerifyToken(r.Context(), token, h.keyValid)
	if errors.Is(err, domain.ErrDenied) {
		Unauthorized(w, "The authorization token is invalid or expired")
		return
	}
	if err != nil {
		WriteError(w, h.log, err)
		return
	}
	if p.Domain != m[1] || p.Owner != m[2] {
		WriteError(w, h.log, domain.Denied("The authorization token is for domain %s-%s, not %s-%s", p.Domain, p.Owner, m[1], m[2]))
		return
	}
	prefix := "/" + string(h.format.Name()) + "/d/" + m[0] + "/" + repo + "/"
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		// The client escaped part of the prefix itself; fall back to the
		// decoded path.
		rest = strings.TrimPrefix(r.URL.Path, prefix)
	}
	h.format.ServeRepo(w, r, Repo{
		Caller: p.Caller, Domain: m[1], Owner: m[2], Repository: repo,
		Endpoint: h.publicURL + prefix, Path: rest,
	})
}

// bearerToken finds the token in the ways clients send it: Bearer (npm,
// NuGet), Basic with the token as password (pip, twine, Maven, gems), or
// the bare token (cargo).
func bearerToken(r *http.Request) string {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "":
		return ""
	case "bearer":
		return strings.TrimSpace(rest)
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return ""
		}
		_, pass, _ := strings.Cut(string(raw), ":")
		return pass
	default:
		if rest == "" {
			return auth
		}
		return ""
	}
}

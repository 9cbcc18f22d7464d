// Package dataplane routes package-manager requests to their format and
// authenticates them with CodeArtifact authorization tokens.
//
// Every repository has one endpoint per format, path-style like
// CodeArtifact's VPC endpoints:
//
//	{public-url}/{format}/d/{domain}-{owner}/{repository}/...
//
// and, when the public URL has a wildcard host (https://*.example.com),
// also host-style like its public endpoints:
//
//	https://{domain}-{owner}.example.com/{format}/{repository}/...
//
// The token a client presents says which region the domain is in.
package dataplane

import (
	"encoding/base64"
	"errors"
	"log/slog"
	"net"
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

// ErrorWriter is an optional Format capability: the format answers the
// data plane's own refusals (no or bad token, wrong domain, no read
// permission) in its protocol's error shape (Swift's problem details)
// rather than as WriteError's JSON.
type ErrorWriter interface {
	WriteDataPlaneError(w http.ResponseWriter, status int, msg string)
}

// Mount registers every format's path-style endpoint on mux and returns
// mux behind a router for host-style endpoints when publicURL has a
// wildcard host (see domain.PublicURL).
func Mount(mux *http.ServeMux, svc *service.Service, resolve service.Resolver, publicURL domain.PublicURL, log *slog.Logger, formats ...Format) http.Handler {
	byName := make(map[string]*handler, len(formats))
	for _, f := range formats {
		h := &handler{svc: svc, resolve: resolve, publicURL: publicURL, log: log, format: f}
		mux.Handle("/"+string(f.Name())+"/d/{domainOwner}/{repository}/", h)
		byName[string(f.Name())] = h
	}
	var next http.Handler = &uncleanPaths{formats: byName, next: mux, log: log}
	if !publicURL.HostStyle() {
		return next
	}
	return &hostRouter{publicURL: publicURL, formats: byName, next: next, log: log}
}

// uncleanPaths refuses, with 400, a repository endpoint path with empty,
// "." or ".." segments. net/http's mux would answer it with a redirect
// to the cleaned path, and a client following a 307 with its PUT would
// write somewhere it did not name (…/lib/../other/…).
type uncleanPaths struct {
	formats map[string]*handler
	next    http.Handler
	log     *slog.Logger
}

func (u *uncleanPaths) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	format, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if u.formats[format] != nil && !cleanPath(r.URL.Path) {
		WriteError(w, u.log, domain.Invalid("Invalid path %q: empty, \".\" and \"..\" segments are not allowed", domain.TruncateMessage(r.URL.Path)))
		return
	}
	u.next.ServeHTTP(w, r)
}

// cleanPath reports whether p has no empty, "." or ".." segment (a
// trailing slash is fine).
func cleanPath(p string) bool {
	segs := strings.Split(strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"), "/")
	for _, s := range segs {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// hostRouter sends requests for {domain}-{owner}.{wildcard host} to the
// format named by the path's first segment: /{format}/{repo}/...
type hostRouter struct {
	publicURL domain.PublicURL
	formats   map[string]*handler
	next      http.Handler
	log       *slog.Logger
}

func (hr *hostRouter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	label, ok := hr.publicURL.DomainOwnerOfHost(r.Host)
	m := splitDomainOwner(label)
	format, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	h := hr.formats[format]
	if !ok || m == nil || h == nil {
		// Not a repository endpoint's host, or not a format's path (the
		// control plane answers on any host).
		hr.next.ServeHTTP(w, r)
		return
	}
	repo, _, _ := strings.Cut(rest, "/")
	if repo == "" || !strings.HasPrefix(rest, repo+"/") {
		WriteError(w, hr.log, domain.NotFound(domain.ResRepository, repo, "No repository at %s%s", r.Host, r.URL.Path))
		return
	}
	prefix := "/" + format + "/" + repo + "/"
	h.serve(w, r, m, repo, prefix, hr.publicURL.HostEndpoint(m[0], repo, h.format.Name()))
}

type handler struct {
	svc       *service.Service
	resolve   service.Resolver
	publicURL domain.PublicURL
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

// ServeHTTP serves a path-style endpoint.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := splitDomainOwner(r.PathValue("domainOwner"))
	repo := r.PathValue("repository")
	if m == nil || repo == "" {
		WriteError(w, h.log, domain.NotFound(domain.ResRepository, repo, "No repository at %s", r.URL.Path))
		return
	}
	prefix := "/" + string(h.format.Name()) + "/d/" + m[0] + "/" + repo + "/"
	h.serve(w, r, m, repo, prefix, h.publicURL.PathStyleBase(r.Host)+prefix)
}

// serve authenticates a request for the repository {m[1]}-{m[2]}/repo,
// whose endpoint is endpoint and whose path starts with prefix, and hands
// it to the format.
func (h *handler) serve(w http.ResponseWriter, r *http.Request, m []string, repo, prefix, endpoint string) {
	token := bearerToken(r)
	if token == "" {
		h.unauthorized(w, "Authentication required: send an authorization token from GetAuthorizationToken")
		return
	}
	p, err := h.svc.VerifyToken(r.Context(), token, h.resolve)
	if errors.Is(err, domain.ErrDenied) {
		h.unauthorized(w, "The authorization token is invalid or expired")
		return
	}
	if err != nil {
		h.writeError(w, err)
		return
	}
	if p.Domain != m[1] || p.Owner != m[2] {
		h.writeError(w, domain.Denied("The authorization token is for domain %s-%s, not %s-%s", p.Domain, p.Owner, m[1], m[2]))
		return
	}
	p.Caller.SourceIP, p.Caller.Secure = clientIP(r), r.TLS != nil
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// Reads need ReadFromRepository on the repository; writes are
		// authorized by the service for the package they change.
		if err := h.svc.AuthorizeRead(r.Context(), p.Caller, m[1], m[2], repo); err != nil {
			h.writeError(w, err)
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), prefix)
	if !ok {
		// The client escaped part of the prefix itself; fall back to the
		// decoded path.
		rest = strings.TrimPrefix(r.URL.Path, prefix)
	}
	h.format.ServeRepo(w, r, Repo{
		Caller: p.Caller, Domain: m[1], Owner: m[2], Repository: repo,
		Endpoint: endpoint, Path: rest,
	})
}

// unauthorized answers 401 in the format's error shape when it has one.
func (h *handler) unauthorized(w http.ResponseWriter, msg string) {
	if ew, ok := h.format.(ErrorWriter); ok {
		w.Header().Set("WWW-Authenticate", `Basic realm="artifactd"`)
		ew.WriteDataPlaneError(w, http.StatusUnauthorized, msg)
		return
	}
	Unauthorized(w, msg)
}

// writeError answers err in the format's error shape when it has one.
func (h *handler) writeError(w http.ResponseWriter, err error) {
	if ew, ok := h.format.(ErrorWriter); ok {
		ew.WriteDataPlaneError(w, Status(err), Message(h.log, err))
		return
	}
	WriteError(w, h.log, err)
}

// bearerToken finds the token in the ways clients send it: Bearer (npm,
// NuGet), Basic with the token as password (pip, twine, Maven, gems,
// NuGet), the bare token (cargo), or NuGet's X-NuGet-ApiKey header (the
// API key of `dotnet nuget push -k`) when there is no Authorization.
func bearerToken(r *http.Request) string {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, _ := strings.Cut(auth, " ")
	switch strings.ToLower(scheme) {
	case "":
		return strings.TrimSpace(r.Header.Get("X-NuGet-ApiKey"))
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

// clientIP is the request's client address, for aws:SourceIp.
func clientIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

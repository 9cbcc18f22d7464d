package domain

import (
	"fmt"
	"net/url"
	"strings"
)

// PublicURL is where clients reach the server, and so the shape of the
// repository endpoints GetRepositoryEndpoint hands out:
//
//   - path-style (any URL): {url}/{format}/d/{domain}-{owner}/{repo}/, like
//     CodeArtifact's VPC endpoints;
//   - host-style (a wildcard host, e.g. https://*.repo.example.com):
//     https://{domain}-{owner}.repo.example.com/{format}/{repo}/, like
//     CodeArtifact's public endpoints. Path-style URLs keep working too.
type PublicURL struct {
	base string // without a trailing slash; the whole URL when not wildcard

	// Host-style only.
	scheme string
	suffix string // host after the "*", e.g. ".repo.example.com"
	port   string // ":8700" or ""
}

// ParsePublicURL checks a --public-url. A wildcard may only be the whole
// first label of the host, and a wildcard URL has no path.
func ParsePublicURL(raw string) (PublicURL, error) {
	raw = strings.TrimSuffix(raw, "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return PublicURL{}, fmt.Errorf("public URL %q: want http(s)://HOST[:PORT][/PATH]", raw)
	}
	host := u.Hostname()
	if !strings.Contains(host, "*") {
		return PublicURL{base: raw}, nil
	}
	suffix, ok := strings.CutPrefix(host, "*.")
	if !ok || suffix == "" || strings.Contains(suffix, "*") || u.Path != "" || u.RawQuery != "" {
		return PublicURL{}, fmt.Errorf("public URL %q: a wildcard must be the whole first label of the host (https://*.repo.example.com), with no path", raw)
	}
	p := PublicURL{base: raw, scheme: u.Scheme, suffix: "." + suffix}
	if u.Port() != "" {
		p.port = ":" + u.Port()
	}
	return p, nil
}

// HostStyle reports whether endpoints are host-style.
func (p PublicURL) HostStyle() bool { return p.suffix != "" }

// String returns the URL as configured.
func (p PublicURL) String() string { return p.base }

// PathStyleBase is the base of path-style endpoints for a request that
// came in on host: the configured URL, or for a wildcard, the request's
// own host.
func (p PublicURL) PathStyleBase(host string) string {
	if !p.HostStyle() {
		return p.base
	}
	return p.scheme + "://" + host
}

// Endpoint returns a repository's endpoint for a format, ending in "/".
func (p PublicURL) Endpoint(domainName, owner, repo string, f Format) string {
	if p.HostStyle() {
		return p.HostEndpoint(domainName+"-"+owner, repo, f)
	}
	return p.base + "/" + string(f) + "/d/" + domainName + "-" + owner + "/" + repo + "/"
}

// HostEndpoint is the host-style endpoint for "{domain}-{owner}".
func (p PublicURL) HostEndpoint(domainOwner, repo string, f Format) string {
	return p.scheme + "://" + domainOwner + p.suffix + p.port + "/" + string(f) + "/" + repo + "/"
}

// DomainOwnerOfHost returns the first label of a request's host (port
// removed) when it is a host-style endpoint's host: "{domain}-{owner}",
// unchecked.
func (p PublicURL) DomainOwnerOfHost(host string) (string, bool) {
	if !p.HostStyle() {
		return "", false
	}
	if h, _, ok := strings.Cut(host, ":"); ok {
		host = h
	}
	label, ok := strings.CutSuffix(strings.ToLower(host), p.suffix)
	if !ok || label == "" || strings.Contains(label, ".") {
		return "", false
	}
	return label, true
}

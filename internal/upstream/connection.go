// Package upstream is how artifactd talks to the registries behind its
// external connections: one HTTP client with time-outs, redirect and size
// limits, a metadata cache with a time-to-live that revalidates and serves
// stale copies when the upstream fails, single flight for concurrent
// requests, and a spool that lets several readers follow a file while it
// is fetched. It knows nothing of package formats or storage: formats say
// which document to fetch and how to read it, the service decides what to
// keep.
package upstream

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Defaults of a connection's options.
const (
	DefaultTTL     = 30 * time.Minute // CodeArtifact's lag for npm, PyPI and NuGet
	DefaultTimeout = 60 * time.Second // to connect and receive a response's headers; and between reads of its body
)

// Connection is one configured external connection: the registry a
// connection name (public:npmjs...) reaches.
type Connection struct {
	Name    string
	URL     *url.URL      // ends in "/"
	TTL     time.Duration // how long fetched metadata is reused before asking again
	Timeout time.Duration
	// auth is the Authorization header sent to the registry (never logged).
	auth string
}

// String names the connection without its credentials.
func (c *Connection) String() string { return c.Name + "=" + c.URL.Redacted() }

// ParseConnection reads "NAME=URL[;ttl=D][;timeout=D][;token-env=VAR][;basic-env=VAR]".
// token-env names an environment variable holding a token, sent as
// "Bearer TOKEN"; basic-env one holding "user:password", sent as Basic
// credentials. Secrets come from the environment so they never appear in
// a command line or a log.
func ParseConnection(spec string, getenv func(string) string) (Connection, error) {
	name, rest, ok := strings.Cut(strings.TrimSpace(spec), "=")
	if !ok || name == "" {
		return Connection{}, fmt.Errorf("external connection %q: want NAME=URL", spec)
	}
	parts := strings.Split(rest, ";")
	u, err := url.Parse(strings.TrimSpace(parts[0]))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Connection{}, fmt.Errorf("external connection %s: the URL must be http:// or https:// with a host", name)
	}
	if u.User != nil {
		return Connection{}, fmt.Errorf("external connection %s: put credentials in the environment (token-env=VAR or basic-env=VAR), not in the URL", name)
	}
	u.Fragment, u.RawFragment = "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	c := Connection{Name: name, URL: u, TTL: DefaultTTL, Timeout: DefaultTimeout}
	for _, opt := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(opt), "=")
		switch k {
		case "ttl", "timeout":
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 || (k == "timeout" && d == 0) {
				return Connection{}, fmt.Errorf("external connection %s: %s=%q is not a valid duration", name, k, v)
			}
			if k == "ttl" {
				c.TTL = d
			} else {
				c.Timeout = d
			}
		case "token-env", "basic-env":
			secret := getenv(v)
			if v == "" || secret == "" {
				return Connection{}, fmt.Errorf("external connection %s: %s names the variable %q, which is empty", name, k, v)
			}
			if k == "token-env" {
				c.auth = "Bearer " + secret
			} else {
				user, pass, ok := strings.Cut(secret, ":")
				if !ok {
					return Connection{}, fmt.Errorf("external connection %s: the variable %s must hold user:password", name, v)
				}
				c.auth = basicAuth(user, pass)
			}
		case "":
		default:
			return Connection{}, fmt.Errorf("external connection %s: unknown option %q (ttl, timeout, token-env, basic-env)", name, k)
		}
	}
	return c, nil
}

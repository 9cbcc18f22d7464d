package upstream

import (
	"net/http"

	"github.com/artifactd/artifactd/internal/lru"
)

// ConnStats counts one external connection's requests to its registry.
type ConnStats struct {
	Name string
	// Fetches counts requests sent (redirects each count); Failures those
	// that got no answer, or one that is neither a file, a not-modified
	// nor a not-found (5xx, 429, 401, ...).
	Fetches, Failures uint64
}

// Stats returns each configured connection's counts, for the metrics
// (connection names are a small fixed set: fine as labels).
func (c *Client) Stats() []ConnStats {
	out := make([]ConnStats, 0, len(c.conns))
	for name, cn := range c.conns {
		out = append(out, ConnStats{Name: name, Fetches: cn.fetches.Load(), Failures: cn.failures.Load()})
	}
	return out
}

// MetadataCacheStats counts lookups in the cache of parsed upstream
// metadata.
func (c *Client) MetadataCacheStats() lru.Stats { return c.meta.Stats() }

// countingTransport counts a connection's requests and failures.
type countingTransport struct {
	next http.RoundTripper
	cn   *conn
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.cn.fetches.Add(1)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.cn.failures.Add(1)
		return resp, err
	}
	switch c := resp.StatusCode; {
	case c < 400, c == http.StatusNotFound, c == http.StatusGone:
	default:
		t.cn.failures.Add(1)
	}
	return resp, err
}

package server

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/artifactd/artifactd/internal/api/awsquery"
	"github.com/artifactd/artifactd/internal/api/codeartifact"
	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/blob/memcache"
	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/iam"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/metrics"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/upstream"
)

// instrument points the metrics at what they observe: the operation
// table, the formats and their caches, the IAM/STS actions, the blob
// memory cache, the external connections and the service's publishes and
// collections. Nothing here runs when metrics are off (m == nil).
func instrument(m *metrics.Metrics, svc *service.Service, ids *iam.Service, blobs blob.Store, client *upstream.Client, formats []dataplane.Format, query ...*awsquery.Service) {
	ops := codeartifact.Operations()
	routes := make([]metrics.Route, len(ops))
	for i, op := range ops {
		routes[i] = metrics.Route{Method: op.Method, Path: op.Path, Operation: op.Name}
	}
	m.Requests.AddRoutes("codeartifact", routes)

	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f.Name())
		// A format with a cache of rendered documents says how it does.
		if c, ok := f.(interface{ CacheStats() lru.Stats }); ok {
			m.AddCache(cacheName(names[i]), c.CacheStats)
		}
	}
	m.Requests.AddFormats(names)
	m.InitFormats(names)

	for _, q := range query {
		api := q.Verifier.Service
		for action, fn := range q.Actions {
			s := m.Requests.QueryAction(api, action)
			q.Actions[action] = func(ctx context.Context, c *iam.Credential, p awsquery.Params) (any, error) {
				metrics.NoteQuery(ctx, s)
				return fn(ctx, c, p)
			}
		}
	}

	// The authorization caches: verified data-plane tokens, resolved
	// access keys.
	m.AddCache("tokens", svc.TokenCacheStats)
	m.AddCache("access_keys", ids.KeyCacheStats)
	if mc, ok := blobs.(*memcache.Store); ok {
		m.AddCache("blobs", mc.Stats)
	}
	if client != nil {
		m.AddCache("upstream_metadata", client.MetadataCacheStats)
		m.AddUpstream(func() []metrics.UpstreamStats {
			cs := client.Stats()
			out := make([]metrics.UpstreamStats, len(cs))
			for i, c := range cs {
				out[i] = metrics.UpstreamStats{Connection: c.Name, Fetches: c.Fetches, Failures: c.Failures}
			}
			return out
		})
	}
	svc.UseObserver(m)
}

// cacheName names a format's document cache in the metrics.
func cacheName(format string) string {
	switch format {
	case "npm":
		return "npm_packuments"
	case "pypi":
		return "pypi_pages"
	}
	return format + "_documents"
}

// serveMetrics serves /metrics on the --metrics-addr listener until ctx
// ends (nil when there is no such listener).
func (s *Server) serveMetrics(ctx context.Context, ln net.Listener) <-chan error {
	if ln == nil {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler(s.cfg.MetricsToken))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: s.cfg.IdleTimeout}
	s.log.Info("serving metrics", "addr", ln.Addr().String(), "token", s.cfg.MetricsToken != "")
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return done
}

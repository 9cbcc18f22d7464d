// Package metrics is artifactd's Prometheus instrumentation: one registry
// per server (no global default registry), the collectors that fill it,
// and the /metrics handler.
//
// Labels are bounded by construction: operation names from the route
// table, IAM/STS action names, format names, external connection names,
// cache names and status classes. No package, repository or domain name
// ever becomes a label: those are unbounded.
package metrics

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
)

// namespace prefixes every metric name.
const namespace = "artifactd"

// Metrics is one server's metrics: its registry and its collectors.
type Metrics struct {
	reg *prometheus.Registry

	// Requests observes every HTTP request (see Requests).
	Requests *Requests

	publishes      *prometheus.CounterVec
	collectorRuns  *prometheus.CounterVec
	collectedBlobs prometheus.Counter
	collectedBytes prometheus.Counter
	retention      *prometheus.CounterVec
	store          *prometheus.HistogramVec
	blob           *prometheus.HistogramVec

	scrape *scrapeCollector
}

// New returns the metrics of a server, with the Go runtime and process
// collectors registered.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	m.Requests = newRequests(reg)
	m.publishes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "publishes_total",
		Help: "Package versions published (each Maven file deploy counts), by format.",
	}, []string{"format"})
	m.collectorRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "blob_collector_runs_total",
		Help: "Runs of the blob collector on this node, by result (ok, error).",
	}, []string{"result"})
	m.collectedBlobs = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "blob_collector_removed_blobs_total",
		Help: "Unreferenced blobs whose bytes the collector deleted.",
	})
	m.collectedBytes = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: namespace, Name: "blob_collector_removed_bytes_total",
		Help: "Bytes of the unreferenced blobs the collector deleted.",
	})
	m.retention = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: namespace, Name: "retention_versions_total",
		Help: "Package versions the background retention runs acted on (result applied) or left because they changed since the plan (skipped), by action (archive, dispose, delete).",
	}, []string{"action", "result"})
	m.store = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "store_duration_seconds",
		Help:    "Metadata store calls: transactions (read, write, including the work done in them), resolve (the data plane's lookup) and authz_stamp.",
		Buckets: latencyBuckets,
	}, []string{"op"})
	m.blob = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: namespace, Name: "blob_store_duration_seconds",
		Help:    "Blob store backend calls (below the memory cache), by operation; open is until the bytes can be read, commit makes an upload durable.",
		Buckets: latencyBuckets,
	}, []string{"op"})
	m.scrape = &scrapeCollector{}
	reg.MustRegister(m.publishes, m.collectorRuns, m.collectedBlobs, m.collectedBytes, m.retention, m.store, m.blob, m.scrape,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Both results exist from the start, so rate() sees the first run.
	m.collectorRuns.WithLabelValues("ok")
	m.collectorRuns.WithLabelValues("error")
	return m
}

// latencyBuckets span a cached read (sub-millisecond) to a slow upload.
var latencyBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Registry is the registry the metrics are in (for tests and for adding
// collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format. With a
// token, a request must carry it as "Authorization: Bearer TOKEN";
// anything else gets 401.
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	if token == "" {
		return h
	}
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		// Constant time: the comparison must not tell how much matched.
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="artifactd metrics"`)
			http.Error(w, "a bearer token is required for /metrics", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Published counts a publish (service.Observer).
func (m *Metrics) Published(f domain.Format) {
	m.publishes.WithLabelValues(string(f)).Inc()
}

// Collected counts a blob collector run (service.Observer).
func (m *Metrics) Collected(run service.CollectorRun) {
	result := "ok"
	if run.Failed {
		result = "error"
	}
	m.collectorRuns.WithLabelValues(result).Inc()
	m.collectedBlobs.Add(float64(run.Blobs))
	m.collectedBytes.Add(float64(run.Bytes))
}

// RetentionApplied counts what a background retention run did
// (service.RetentionObserver).
func (m *Metrics) RetentionApplied(action domain.RetentionAction, applied, skipped int) {
	a := strings.ToLower(string(action))
	m.retention.WithLabelValues(a, "applied").Add(float64(applied))
	m.retention.WithLabelValues(a, "skipped").Add(float64(skipped))
}

var (
	_ service.Observer          = (*Metrics)(nil)
	_ service.RetentionObserver = (*Metrics)(nil)
)

// InitFormats makes the per-format series exist at zero (publishes), so
// dashboards see every format before its first publish.
func (m *Metrics) InitFormats(formats []string) {
	for _, f := range formats {
		m.publishes.WithLabelValues(f)
	}
}

// AddCache reports a cache's lookups, read at scrape time: name is a fixed
// word (npm_packuments, pypi_pages, blobs, ...).
func (m *Metrics) AddCache(name string, stats func() lru.Stats) {
	m.scrape.caches = append(m.scrape.caches, namedCache{name, stats})
}

// UpstreamStats is one external connection's counts (see
// upstream.Client.Stats).
type UpstreamStats struct {
	Connection        string
	Fetches, Failures uint64
}

// AddUpstream reports the external connections' requests, read at scrape
// time.
func (m *Metrics) AddUpstream(stats func() []UpstreamStats) {
	m.scrape.upstream = stats
}

// scrapeCollector reads counters that their owners keep (caches,
// upstream connections) when Prometheus scrapes, so the hot paths only
// bump an atomic they already own. Caches and upstream are set before the
// registry is served.
type scrapeCollector struct {
	caches   []namedCache
	upstream func() []UpstreamStats
}

type namedCache struct {
	name  string
	stats func() lru.Stats
}

var (
	cacheHitsDesc = prometheus.NewDesc(namespace+"_cache_hits_total",
		"Cache lookups that found a usable entry, by cache (npm_packuments, pypi_pages, blobs, upstream_metadata, tokens, access_keys).", []string{"cache"}, nil)
	cacheMissesDesc = prometheus.NewDesc(namespace+"_cache_misses_total",
		"Cache lookups that found no usable entry, by cache. A miss rechecked while waiting for a shared rebuild counts again.", []string{"cache"}, nil)
	upstreamFetchesDesc = prometheus.NewDesc(namespace+"_upstream_fetches_total",
		"HTTP requests sent to the registry behind an external connection, by connection name.", []string{"connection"}, nil)
	upstreamFailuresDesc = prometheus.NewDesc(namespace+"_upstream_failures_total",
		"Upstream requests that got no answer or an error answer (not 404/410), by connection name.", []string{"connection"}, nil)
)

func (c *scrapeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheHitsDesc
	ch <- cacheMissesDesc
	ch <- upstreamFetchesDesc
	ch <- upstreamFailuresDesc
}

func (c *scrapeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, nc := range c.caches {
		s := nc.stats()
		ch <- prometheus.MustNewConstMetric(cacheHitsDesc, prometheus.CounterValue, float64(s.Hits), nc.name)
		ch <- prometheus.MustNewConstMetric(cacheMissesDesc, prometheus.CounterValue, float64(s.Misses), nc.name)
	}
	if c.upstream != nil {
		for _, u := range c.upstream() {
			ch <- prometheus.MustNewConstMetric(upstreamFetchesDesc, prometheus.CounterValue, float64(u.Fetches), u.Connection)
			ch <- prometheus.MustNewConstMetric(upstreamFailuresDesc, prometheus.CounterValue, float64(u.Failures), u.Connection)
		}
	}
}

// statusClass is a status code's label value: "2xx" for 200-299.
func statusClass(code int) int {
	if code < 100 || code > 599 {
		return 5 // nonsense is the server's fault
	}
	return code/100 - 1
}

var classNames = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx", "5xx"}

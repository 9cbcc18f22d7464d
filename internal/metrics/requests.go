package metrics

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Requests counts and times HTTP requests: control-plane ones per API and
// operation, data-plane ones per format, each with its status class.
//
// Everything a request needs is resolved before it comes: the operation
// table and the formats are fixed at start-up, and each (series, status
// class) pair looks its prometheus children up once and keeps them, so a
// request costs a map lookup on strings it already has, two atomic adds
// and a histogram observation, with no allocation.
type Requests struct {
	apiCount   *prometheus.CounterVec
	apiLatency *prometheus.HistogramVec
	dpCount    *prometheus.CounterVec
	dpLatency  *prometheus.HistogramVec
	dpBytes    *prometheus.CounterVec

	ops     map[opKey]*series             // control plane, by method and path
	formats map[string]*series            // data plane, by the path's first segment
	query   map[string]map[string]*series // IAM/STS, by api and action
	other   *series                       // anything else (health checks, 404s)
	noQuery *series                       // IAM/STS requests refused before their action was known
}

type opKey struct{ method, path string }

// series is one label set but the status class.
type series struct {
	labels  []string // label values before "code"
	count   *prometheus.CounterVec
	latency *prometheus.HistogramVec
	bytes   prometheus.Counter // data plane only
	cells   [6]atomic.Pointer[cell]
}

// cell holds a series' children for one status class.
type cell struct {
	count   prometheus.Counter
	latency prometheus.Observer
}

func (s *series) cell(class int) *cell {
	if c := s.cells[class].Load(); c != nil {
		return c
	}
	lv := append(append([]string(nil), s.labels...), classNames[class])
	c := &cell{count: s.count.WithLabelValues(lv...), latency: s.latency.WithLabelValues(lv...)}
	s.cells[class].CompareAndSwap(nil, c)
	return s.cells[class].Load()
}

func newRequests(reg *prometheus.Registry) *Requests {
	q := &Requests{
		apiCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "api_requests_total",
			Help: "Control-plane requests, by api (codeartifact, iam, sts; other for health checks and unknown paths), operation and status class.",
		}, []string{"api", "operation", "code"}),
		apiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "api_request_duration_seconds",
			Help:    "Control-plane request latency, from the request's arrival to the end of its response.",
			Buckets: latencyBuckets,
		}, []string{"api", "operation", "code"}),
		dpCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "dataplane_requests_total",
			Help: "Data-plane (package manager) requests, by format and status class.",
		}, []string{"format", "code"}),
		dpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "dataplane_request_duration_seconds",
			Help:    "Data-plane request latency, from the request's arrival to the end of its response.",
			Buckets: latencyBuckets,
		}, []string{"format", "code"}),
		dpBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "dataplane_response_bytes_total",
			Help: "Response body bytes served on the data plane, by format.",
		}, []string{"format"}),
		ops:     map[opKey]*series{},
		formats: map[string]*series{},
		query:   map[string]map[string]*series{},
	}
	q.other = q.apiSeries("other", "other")
	q.noQuery = q.apiSeries("query", "other")
	reg.MustRegister(q.apiCount, q.apiLatency, q.dpCount, q.dpLatency, q.dpBytes)
	return q
}

func (q *Requests) apiSeries(api, op string) *series {
	return &series{labels: []string{api, op}, count: q.apiCount, latency: q.apiLatency}
}

// Route is a control-plane route of the operation table.
type Route struct{ Method, Path, Operation string }

// AddRoutes names the control-plane routes (exact method and path; the
// CodeArtifact operations) under api.
func (q *Requests) AddRoutes(api string, routes []Route) {
	for _, r := range routes {
		q.ops[opKey{r.Method, r.Path}] = q.apiSeries(api, r.Operation)
	}
}

// AddFormats names the data-plane formats: a request whose path starts
// with /{format}/ counts under it (path-style /{format}/d/... and
// host-style /{format}/{repository}/... alike).
func (q *Requests) AddFormats(formats []string) {
	for _, f := range formats {
		q.formats[f] = &series{labels: []string{f}, count: q.dpCount, latency: q.dpLatency, bytes: q.dpBytes.WithLabelValues(f)}
	}
}

// QueryAction returns the series of an IAM/STS action (api "iam" or
// "sts"), made once at start-up for each action the service has; the
// action's handler passes it to NoteQuery.
func (q *Requests) QueryAction(api, action string) *QuerySeries {
	m := q.query[api]
	if m == nil {
		m = map[string]*series{}
		q.query[api] = m
	}
	s := m[action]
	if s == nil {
		s = q.apiSeries(api, action)
		m[action] = s
	}
	return (*QuerySeries)(s)
}

// QuerySeries is an IAM/STS action's series (see QueryAction).
type QuerySeries series

type querySlotKey struct{}

// NoteQuery tells the request's observation which IAM/STS action it ran:
// the action is in the signed body, which only the query service reads.
func NoteQuery(ctx context.Context, s *QuerySeries) {
	if slot, ok := ctx.Value(querySlotKey{}).(*atomic.Pointer[series]); ok {
		slot.Store((*series)(s))
	}
}

// Observation is one request being observed (Start, then Done).
type Observation struct {
	s    *series
	slot *atomic.Pointer[series] // IAM/STS: the action, once known
}

// Start classifies r. Only an IAM/STS request (POST or GET /) gets a new
// context, to carry the slot its action fills; every other request is
// classified from its method and path alone and r is returned as is.
func (q *Requests) Start(r *http.Request) (*http.Request, Observation) {
	if q == nil {
		return r, Observation{}
	}
	p := r.URL.Path
	if strings.HasPrefix(p, "/v1/") {
		if s := q.ops[opKey{r.Method, p}]; s != nil {
			return r, Observation{s: s}
		}
		return r, Observation{s: q.other}
	}
	if p == "/" {
		slot := new(atomic.Pointer[series])
		return r.WithContext(context.WithValue(r.Context(), querySlotKey{}, slot)), Observation{s: q.noQuery, slot: slot}
	}
	if len(p) > 1 {
		seg := p[1:]
		if i := strings.IndexByte(seg, '/'); i >= 0 {
			if s := q.formats[seg[:i]]; s != nil {
				return r, Observation{s: s}
			}
		}
	}
	return r, Observation{s: q.other}
}

// Done records the request's outcome: its status, the response body
// bytes and how long it took.
func (o Observation) Done(status int, bytes int64, elapsed time.Duration) {
	s := o.s
	if s == nil {
		return
	}
	if o.slot != nil {
		if qs := o.slot.Load(); qs != nil {
			s = qs
		}
	}
	c := s.cell(statusClass(status))
	c.count.Inc()
	c.latency.Observe(elapsed.Seconds())
	if s.bytes != nil && bytes > 0 {
		s.bytes.Add(float64(bytes))
	}
}

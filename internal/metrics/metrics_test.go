package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/lru"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// value returns the value of the series of family name whose labels
// include want (counter, or a histogram's count); -1 when there is none.
func value(t *testing.T, m *Metrics, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	series:
		for _, s := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range s.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if got[k] != v {
					continue series
				}
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				return s.GetCounter().GetValue()
			case dto.MetricType_HISTOGRAM:
				return float64(s.GetHistogram().GetSampleCount())
			case dto.MetricType_GAUGE:
				return s.GetGauge().GetValue()
			}
		}
	}
	return -1
}

func newTestMetrics() *Metrics {
	m := New()
	m.Requests.AddRoutes("codeartifact", []Route{{"POST", "/v1/domain", "CreateDomain"}, {"GET", "/v1/domain", "DescribeDomain"}})
	m.Requests.AddFormats([]string{"npm", "generic"})
	return m
}

func serve(q *Requests, method, path string, status int, body string, h func(*http.Request)) {
	r := httptest.NewRequest(method, path, nil)
	r, obs := q.Start(r)
	if h != nil {
		h(r)
	}
	obs.Done(status, int64(len(body)), time.Millisecond)
}

func TestRequestsClassified(t *testing.T) {
	m := newTestMetrics()
	q := m.Requests
	serve(q, "POST", "/v1/domain", 200, "", nil)
	serve(q, "POST", "/v1/domain", 409, "", nil)
	serve(q, "GET", "/v1/domain", 200, "", nil)
	serve(q, "DELETE", "/v1/nothing", 404, "", nil)
	serve(q, "GET", "/npm/d/dom-000000000000/repo/lodash", 200, "0123456789", nil)
	serve(q, "GET", "/npm/repo/lodash", 304, "", nil) // host-style
	serve(q, "GET", "/generic/d/dom-000000000000/repo/x", 500, "", nil)
	serve(q, "GET", "/healthz", 200, "ok\n", nil)
	serve(q, "GET", "/nuget/d/x/y/z", 200, "", nil) // not a known format: other

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"artifactd_api_requests_total", map[string]string{"api": "codeartifact", "operation": "CreateDomain", "code": "2xx"}, 1},
		{"artifactd_api_requests_total", map[string]string{"api": "codeartifact", "operation": "CreateDomain", "code": "4xx"}, 1},
		{"artifactd_api_requests_total", map[string]string{"api": "codeartifact", "operation": "DescribeDomain", "code": "2xx"}, 1},
		{"artifactd_api_request_duration_seconds", map[string]string{"api": "codeartifact", "operation": "CreateDomain", "code": "2xx"}, 1},
		{"artifactd_api_requests_total", map[string]string{"api": "other", "operation": "other", "code": "4xx"}, 1},
		{"artifactd_api_requests_total", map[string]string{"api": "other", "operation": "other", "code": "2xx"}, 2},
		{"artifactd_dataplane_requests_total", map[string]string{"format": "npm", "code": "2xx"}, 1},
		{"artifactd_dataplane_requests_total", map[string]string{"format": "npm", "code": "3xx"}, 1},
		{"artifactd_dataplane_requests_total", map[string]string{"format": "generic", "code": "5xx"}, 1},
		{"artifactd_dataplane_request_duration_seconds", map[string]string{"format": "npm", "code": "2xx"}, 1},
		{"artifactd_dataplane_response_bytes_total", map[string]string{"format": "npm"}, 10},
		{"artifactd_dataplane_response_bytes_total", map[string]string{"format": "generic"}, 0},
	} {
		if got := value(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Only the classes seen exist: no 1xx series was made.
	if got := value(t, m, "artifactd_dataplane_requests_total", map[string]string{"code": "1xx"}); got != -1 {
		t.Errorf("a 1xx series exists: %v", got)
	}
}

func TestQueryActions(t *testing.T) {
	m := newTestMetrics()
	q := m.Requests
	createUser := q.QueryAction("iam", "CreateUser")
	assume := q.QueryAction("sts", "AssumeRole")
	serve(q, "POST", "/", 200, "", func(r *http.Request) { NoteQuery(r.Context(), createUser) })
	serve(q, "POST", "/", 403, "", func(r *http.Request) { NoteQuery(r.Context(), assume) })
	serve(q, "POST", "/", 403, "", nil)         // refused before its action was read
	NoteQuery(context.Background(), createUser) // outside a request: ignored
	for _, c := range []struct {
		labels map[string]string
		want   float64
	}{
		{map[string]string{"api": "iam", "operation": "CreateUser", "code": "2xx"}, 1},
		{map[string]string{"api": "sts", "operation": "AssumeRole", "code": "4xx"}, 1},
		{map[string]string{"api": "query", "operation": "other", "code": "4xx"}, 1},
	} {
		if got := value(t, m, "artifactd_api_requests_total", c.labels); got != c.want {
			t.Errorf("%v = %v, want %v", c.labels, got, c.want)
		}
	}
}

// TestRequestNoAlloc: observing a data-plane or control-plane request
// allocates nothing once its series exist (the hot paths).
func TestRequestNoAlloc(t *testing.T) {
	q := newTestMetrics().Requests
	for _, path := range []string{"/npm/d/dom-000000000000/repo/lodash", "/v1/domain"} {
		r := httptest.NewRequest("GET", path, nil)
		serve(q, "GET", path, 200, "x", nil)
		allocs := testing.AllocsPerRun(100, func() {
			r2, obs := q.Start(r)
			_ = r2
			obs.Done(200, 100, time.Millisecond)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per request", path, allocs)
		}
	}
	var off *Requests // metrics off
	r, obs := off.Start(httptest.NewRequest("GET", "/v1/domain", nil))
	obs.Done(200, 0, 0)
	if r == nil {
		t.Error("a nil Requests lost the request")
	}
}

func TestHandlerToken(t *testing.T) {
	m := newTestMetrics()
	h := m.Handler("s3cret")
	for _, c := range []struct {
		authz string
		want  int
	}{{"", 401}, {"Bearer wrong", 401}, {"s3cret", 401}, {"Bearer s3cret", 200}} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/metrics", nil)
		if c.authz != "" {
			r.Header.Set("Authorization", c.authz)
		}
		h.ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("Authorization %q: %d, want %d", c.authz, w.Code, c.want)
		}
		if c.want == 200 && !strings.Contains(w.Body.String(), "go_goroutines") {
			t.Errorf("no Go runtime metrics in:\n%.500s", w.Body.String())
		}
		if c.want == 401 && w.Header().Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	}
	w := httptest.NewRecorder()
	m.Handler("").ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 || !strings.Contains(w.Body.String(), "process_") {
		t.Errorf("without a token: %d\n%.300s", w.Code, w.Body.String())
	}
}

func TestObserverAndScrapedCounters(t *testing.T) {
	m := newTestMetrics()
	m.InitFormats([]string{"npm", "pypi"})
	var svcObs service.Observer = m
	svcObs.Published(domain.FormatNpm)
	svcObs.Published(domain.FormatNpm)
	svcObs.Collected(service.CollectorRun{Blobs: 3, Bytes: 300})
	svcObs.Collected(service.CollectorRun{Blobs: 1, Bytes: 5, Failed: true})
	hits := uint64(0)
	m.AddCache("npm_packuments", func() lru.Stats { hits++; return lru.Stats{Hits: hits, Misses: 7} })
	m.AddUpstream(func() []UpstreamStats { return []UpstreamStats{{"public:npmjs", 5, 2}} })
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"artifactd_publishes_total", map[string]string{"format": "npm"}, 2},
		{"artifactd_publishes_total", map[string]string{"format": "pypi"}, 0},
		{"artifactd_blob_collector_runs_total", map[string]string{"result": "ok"}, 1},
		{"artifactd_blob_collector_runs_total", map[string]string{"result": "error"}, 1},
		{"artifactd_blob_collector_removed_blobs_total", nil, 4},
		{"artifactd_blob_collector_removed_bytes_total", nil, 305},
		{"artifactd_cache_misses_total", map[string]string{"cache": "npm_packuments"}, 7},
		{"artifactd_upstream_fetches_total", map[string]string{"connection": "public:npmjs"}, 5},
		{"artifactd_upstream_failures_total", map[string]string{"connection": "public:npmjs"}, 2},
	} {
		if got := value(t, m, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Read at each scrape, not once.
	a := value(t, m, "artifactd_cache_hits_total", map[string]string{"cache": "npm_packuments"})
	b := value(t, m, "artifactd_cache_hits_total", map[string]string{"cache": "npm_packuments"})
	if b <= a {
		t.Errorf("cache hits read once: %v then %v", a, b)
	}
}

type fakeStore struct{ store.Store }

func (fakeStore) Read(ctx context.Context, fn func(store.Tx) error) error  { return fn(nil) }
func (fakeStore) Write(ctx context.Context, fn func(store.Tx) error) error { return fn(nil) }
func (fakeStore) Resolve(context.Context, store.Lookup) (store.Resolution, error) {
	return store.Resolution{}, nil
}

type fakeLeaderStore struct{ fakeStore }

func (fakeLeaderStore) TryLead(context.Context, string) (func(), bool, error) {
	return func() {}, true, nil
}

func TestTimeStore(t *testing.T) {
	m := New()
	plain := m.TimeStore(fakeStore{})
	if _, ok := plain.(store.Leader); ok {
		t.Error("a store that cannot lead became a Leader")
	}
	leader := m.TimeStore(fakeLeaderStore{})
	if _, ok := leader.(store.Leader); !ok {
		t.Error("a Leader store lost its capability")
	}
	ctx := context.Background()
	plain.Read(ctx, func(store.Tx) error { return nil })
	leader.Write(ctx, func(store.Tx) error { return nil })
	plain.Resolve(ctx, store.Lookup{})
	for op, want := range map[string]float64{"read": 1, "write": 1, "resolve": 1} {
		if got := value(t, m, "artifactd_store_duration_seconds", map[string]string{"op": op}); got != want {
			t.Errorf("store %s observations = %v, want %v", op, got, want)
		}
	}
}

type fakeBlobs struct{ blob.Store }

type fakeUpload struct{ committed bool }

func (u *fakeUpload) Write(p []byte) (int, error)                { return len(p), nil }
func (u *fakeUpload) Commit(context.Context, string) error       { u.committed = true; return nil }
func (u *fakeUpload) Abort() error                               { return nil }
func (fakeBlobs) NewUpload(context.Context) (blob.Upload, error) { return &fakeUpload{}, nil }
func (fakeBlobs) Stat(context.Context, string) (int64, error)    { return 1, nil }
func (fakeBlobs) Ping(context.Context) error                     { return nil }

func TestTimeBlobs(t *testing.T) {
	m := New()
	b := m.TimeBlobs(fakeBlobs{})
	ctx := context.Background()
	up, err := b.NewUpload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := up.Commit(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	b.Stat(ctx, "x")
	if err := b.(blob.Pinger).Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := b.(blob.Walker).Walk(ctx, nil); err == nil {
		t.Error("Walk of a backend that cannot list succeeded")
	}
	for op, want := range map[string]float64{"new_upload": 1, "commit": 1, "stat": 1} {
		if got := value(t, m, "artifactd_blob_store_duration_seconds", map[string]string{"op": op}); got != want {
			t.Errorf("blob %s observations = %v, want %v", op, got, want)
		}
	}
}

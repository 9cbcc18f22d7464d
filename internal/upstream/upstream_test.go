package upstream

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseConnection(t *testing.T) {
	env := map[string]string{"TOK": "s3cret", "BASIC": "user:pw"}
	getenv := func(k string) string { return env[k] }
	c, err := ParseConnection("public:npmjs=http://127.0.0.1:1/npm;ttl=5m;timeout=3s;token-env=TOK", getenv)
	if err != nil {
		t.Fatal(err)
	}
	if c.URL.String() != "http://127.0.0.1:1/npm/" || c.TTL != 5*time.Minute || c.Timeout != 3*time.Second || c.auth != "Bearer s3cret" {
		t.Errorf("parsed %+v", c)
	}
	if strings.Contains(c.String(), "s3cret") {
		t.Errorf("String() shows the secret: %s", c)
	}
	if c, err := ParseConnection("public:pypi=https://idx.example/simple/;basic-env=BASIC", getenv); err != nil || c.auth != basicAuth("user", "pw") || c.TTL != DefaultTTL {
		t.Errorf("basic: %+v %v", c, err)
	}
	for _, bad := range []string{
		"public:npmjs", "=http://x/", "public:npmjs=ftp://x/", "public:npmjs=http:///nohost",
		"public:npmjs=http://u:p@x/", "public:npmjs=http://x/;ttl=forever", "public:npmjs=http://x/;timeout=0s",
		"public:npmjs=http://x/;token-env=MISSING", "public:npmjs=http://x/;basic-env=TOK", "public:npmjs=http://x/;color=red",
	} {
		if _, err := ParseConnection(bad, getenv); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// registry is a test upstream serving one document with an ETag.
type registry struct {
	mu      sync.Mutex
	body    string
	status  int
	hits    atomic.Int32
	revalid atomic.Int32 // conditional requests answered 304
	delay   time.Duration
	auth    atomic.Value
}

func (r *registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	r.auth.Store(req.Header.Get("Authorization"))
	time.Sleep(r.delay)
	r.mu.Lock()
	body, status := r.body, r.status
	r.mu.Unlock()
	if status != 0 {
		w.WriteHeader(status)
		return
	}
	etag := `"` + body + `"`
	if req.Header.Get("If-None-Match") == etag {
		r.revalid.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	io.WriteString(w, body)
}

func (r *registry) set(body string, status int) {
	r.mu.Lock()
	r.body, r.status = body, status
	r.mu.Unlock()
}

func newClient(t *testing.T, reg http.Handler, opts string) (*Client, *time.Time) {
	t.Helper()
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	conn, err := ParseConnection("public:npmjs="+srv.URL+"/"+opts, func(string) string { return "tok" })
	if err != nil {
		t.Fatal(err)
	}
	c := New([]Connection{conn}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	now := time.Now()
	c.now = func() time.Time { return now }
	return c, &now
}

func parseString(d Document) (any, error) { return string(d.Body), nil }

func TestMetadataCacheRevalidatesAndServesStale(t *testing.T) {
	reg := &registry{body: "v1"}
	c, now := newClient(t, reg, ";ttl=1m;token-env=X")
	ctx := context.Background()
	get := func() (Parsed, error) { return c.Metadata(ctx, "public:npmjs", "pkg", "application/json", parseString) }

	p, err := get()
	if err != nil || p.Value != "v1" || p.Stale {
		t.Fatalf("first: %+v %v", p, err)
	}
	if a, _ := reg.auth.Load().(string); a != "Bearer tok" {
		t.Errorf("Authorization %q", a)
	}
	get()
	if n := reg.hits.Load(); n != 1 {
		t.Errorf("%d requests within the TTL, want 1", n)
	}
	*now = now.Add(2 * time.Minute)
	if p, err := get(); err != nil || p.Value != "v1" || reg.revalid.Load() != 1 {
		t.Errorf("after the TTL: %+v %v, %d revalidations", p, err, reg.revalid.Load())
	}
	*now = now.Add(2 * time.Minute)
	reg.set("v2", 0)
	if p, _ := get(); p.Value != "v2" {
		t.Errorf("changed upstream: %+v", p)
	}
	*now = now.Add(2 * time.Minute)
	reg.set("", http.StatusServiceUnavailable)
	if p, err := get(); err != nil || p.Value != "v2" || !p.Stale {
		t.Errorf("upstream failing: %+v %v, want the stale v2", p, err)
	}
	hits := reg.hits.Load()
	get()
	if reg.hits.Load() != hits {
		t.Error("a failure is asked again at once; want a back-off")
	}
	reg.set("", http.StatusNotFound)
	*now = now.Add(2 * time.Minute)
	if _, err := get(); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: %v", err)
	}
}

func TestMetadataFailureWithoutCopyIsRemembered(t *testing.T) {
	reg := &registry{status: http.StatusBadGateway}
	c, now := newClient(t, reg, ";ttl=10m")
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := c.Metadata(ctx, "public:npmjs", "pkg", "", parseString); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("err %v", err)
		}
	}
	if n := reg.hits.Load(); n != 1 {
		t.Errorf("%d requests to a failing upstream, want 1 within the back-off", n)
	}
	*now = now.Add(failureBackoff + time.Second)
	reg.set("back", 0)
	if p, err := c.Metadata(ctx, "public:npmjs", "pkg", "", parseString); err != nil || p.Value != "back" {
		t.Errorf("after the back-off: %+v %v", p, err)
	}
}

func TestMetadataSingleFlight(t *testing.T) {
	reg := &registry{body: "doc", delay: 100 * time.Millisecond}
	c, _ := newClient(t, reg, "")
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if p, err := c.Metadata(context.Background(), "public:npmjs", "pkg", "", parseString); err != nil || p.Value != "doc" {
				t.Errorf("%+v %v", p, err)
			}
		}()
	}
	wg.Wait()
	if n := reg.hits.Load(); n != 1 {
		t.Errorf("%d upstream requests for 10 concurrent readers, want 1", n)
	}
}

func TestOpenRefusesOtherSchemesAndSendsCredentialsOnlyHome(t *testing.T) {
	reg := &registry{body: "file"}
	c, _ := newClient(t, reg, ";token-env=X")
	ctx := context.Background()
	if _, err := c.Open(ctx, "public:npmjs", &url.URL{Scheme: "file", Path: "/etc/passwd"}); err == nil {
		t.Error("a file:// URL was fetched")
	}
	other := &registry{body: "elsewhere"}
	srv := httptest.NewServer(other)
	defer srv.Close()
	u, _ := url.Parse(srv.URL + "/f")
	resp, err := c.Open(ctx, "public:npmjs", u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a, _ := other.auth.Load().(string); a != "" {
		t.Errorf("credentials sent to another host: %q", a)
	}
	if _, err := c.Open(ctx, "public:pypi", u); !errors.Is(err, ErrNoURL) {
		t.Errorf("a connection without URL: %v", err)
	}
}

func TestSpoolHoldsTheLastByteUntilFinished(t *testing.T) {
	s, err := NewSpool(t.TempDir(), 6)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.NewReader()
	if err != nil {
		t.Fatal(err)
	}
	s.Write([]byte("abcdef"))
	buf := make([]byte, 10)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "abcde" {
		t.Fatalf("read %q %v, want the bytes but the last", buf[:n], err)
	}
	got := make(chan string, 1)
	go func() {
		b, err := io.ReadAll(r)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		got <- string(b)
	}()
	select {
	case g := <-got:
		t.Fatalf("read %q before the spool finished", g)
	case <-time.After(50 * time.Millisecond):
	}
	s.Finish(nil)
	if g := <-got; g != "f" {
		t.Errorf("rest %q, want f", g)
	}

	// A failed fetch: the reader gets the error, never the last byte.
	s2, _ := NewSpool(t.TempDir(), -1)
	r2, _ := s2.NewReader()
	s2.Write([]byte("xyz"))
	s2.Finish(errors.New("integrity"))
	b, err := io.ReadAll(r2)
	if err == nil || string(b) != "xy" {
		t.Errorf("failed spool: %q %v", b, err)
	}
	s2.Remove()
	if _, err := s2.NewReader(); !errors.Is(err, ErrSpoolGone) {
		t.Errorf("reader of a removed spool: %v", err)
	}
}

package upstream

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/artifactd/artifactd/internal/lru"
)

// Errors of the client. Anything else means the upstream failed (could
// not be reached, timed out, answered 5xx or something unreadable).
var (
	// ErrNotFound: the upstream answered 404 or 410.
	ErrNotFound = errors.New("upstream: not found")
	// ErrNoURL: the connection has no URL configured, so nothing is
	// fetched through it.
	ErrNoURL = errors.New("upstream: the external connection has no URL configured")
)

// Limits of the client.
const (
	MaxMetadataBytes = 128 << 20 // one metadata document
	maxRedirects     = 5
	// failureBackoff is how long a failed revalidation keeps serving the
	// stale copy before asking the upstream again, so an outage does not
	// cost every request a time-out.
	failureBackoff = 30 * time.Second
	userAgent      = "artifactd (external connection)"
)

// Client fetches from the registries behind external connections.
type Client struct {
	conns   map[string]*conn
	meta    *lru.Cache[metaKey, *metaEntry]
	flights singleflight.Group
	log     *slog.Logger
	now     func() time.Time

	noURLMu     sync.Mutex
	noURLLogged map[string]bool // connection + package, logged once
}

type conn struct {
	Connection
	http *http.Client
	// fetches and failures count requests to the registry (metrics.go).
	fetches, failures atomic.Uint64
}

// MetadataCacheBytes is the default memory budget of parsed metadata.
const MetadataCacheBytes = 64 << 20

// New returns a client for the configured connections.
func New(conns []Connection, log *slog.Logger) *Client {
	c := &Client{conns: map[string]*conn{}, meta: lru.New[metaKey, *metaEntry](MetadataCacheBytes), log: log, now: time.Now,
		noURLLogged: map[string]bool{}}
	for _, cn := range conns {
		cn := cn
		cc := &conn{Connection: cn, http: newHTTPClient(cn.Timeout)}
		cc.http.Transport = &countingTransport{next: cc.http.Transport, cn: cc}
		c.conns[cn.Name] = cc
	}
	return c
}

func newHTTPClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("more than %d redirects", maxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
		}
		return nil
	}}
}

// Connection returns a configured connection; ok is false for a name with
// no URL.
func (c *Client) Connection(name string) (Connection, bool) {
	if c == nil {
		return Connection{}, false
	}
	cn, ok := c.conns[name]
	if !ok {
		return Connection{}, false
	}
	return cn.Connection, true
}

// NoURL logs, once per connection and package, that a read needed a
// connection that has no URL, and returns ErrNoURL.
func (c *Client) NoURL(connection, pkg string) error {
	if c == nil {
		return ErrNoURL
	}
	c.noURLMu.Lock()
	key := connection + " " + pkg
	first := !c.noURLLogged[key]
	if first && len(c.noURLLogged) < 10000 {
		c.noURLLogged[key] = true
	}
	c.noURLMu.Unlock()
	if first {
		c.log.Warn("external connection has no URL: serving only what the repository keeps (configure it with --external-connection NAME=URL)",
			"connection", connection, "package", pkg)
	}
	return ErrNoURL
}

// Document is a metadata document as fetched.
type Document struct {
	Body        []byte
	ContentType string
	URL         *url.URL // where it came from, after redirects
}

// Parsed is the outcome of Metadata.
type Parsed struct {
	Value   any       // what parse returned
	Fetched time.Time // when the upstream last confirmed it
	Stale   bool      // the upstream failed; this is the last copy seen
}

type metaKey struct{ conn, path, accept string }

type metaEntry struct {
	value         any
	notFound      bool
	failed        error // the upstream failed and there was no copy
	etag, lastMod string
	fetched       time.Time // last confirmed by the upstream
	freshUntil    time.Time
}

// Metadata returns the document at path (relative to the connection's
// URL, escaped) parsed by parse. A copy younger than the connection's TTL
// is reused; an older one is revalidated (If-None-Match /
// If-Modified-Since); when the upstream fails, the last copy seen is
// returned as Stale and the failure logged. Concurrent calls for one
// document share one request. ErrNotFound (cached like a document) means
// the upstream does not have it.
func (c *Client) Metadata(ctx context.Context, connection, path, accept string, parse func(Document) (any, error)) (Parsed, error) {
	cn, ok := c.conns[connection]
	if !ok {
		return Parsed{}, ErrNoURL
	}
	key := metaKey{connection, path, accept}
	if e, ok := c.meta.Get(key); ok && c.now().Before(e.freshUntil) {
		return e.result(false)
	}
	ch := c.flights.DoChan(fmt.Sprintf("%q", key), func() (any, error) {
		// Detached from the first caller: the others share the answer.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cn.Timeout)
		defer cancel()
		return c.refresh(fctx, cn, key, parse)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return Parsed{}, r.Err
		}
		return r.Val.(Parsed), nil
	case <-ctx.Done():
		return Parsed{}, ctx.Err()
	}
}

func (e *metaEntry) result(stale bool) (Parsed, error) {
	if e.failed != nil {
		return Parsed{}, e.failed
	}
	if e.notFound {
		return Parsed{}, ErrNotFound
	}
	return Parsed{Value: e.value, Fetched: e.fetched, Stale: stale}, nil
}

// refresh fetches (or revalidates) one document and caches the outcome.
func (c *Client) refresh(ctx context.Context, cn *conn, key metaKey, parse func(Document) (any, error)) (Parsed, error) {
	old, hadOld := c.meta.Get(key)
	if hadOld && c.now().Before(old.freshUntil) {
		return old.result(false) // refreshed by a flight that just ended
	}
	if hadOld && old.failed != nil {
		hadOld = false // a remembered failure is no copy
	}
	u := cn.URL.ResolveReference(&url.URL{Path: mustUnescape(key.path), RawPath: key.path})
	req, err := c.newRequest(ctx, cn, u)
	if err != nil {
		return Parsed{}, err
	}
	req.Header.Set("Accept", key.accept)
	if hadOld && !old.notFound {
		if old.etag != "" {
			req.Header.Set("If-None-Match", old.etag)
		}
		if old.lastMod != "" {
			req.Header.Set("If-Modified-Since", old.lastMod)
		}
	}
	now := c.now()
	resp, err := cn.http.Do(req)
	if err != nil {
		return c.failed(cn, key, old, hadOld, err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && hadOld && !old.notFound:
		e := *old
		e.fetched, e.freshUntil = now, now.Add(cn.TTL)
		c.meta.Add(key, &e, sizeOf(&e, 0))
		return e.result(false)
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		e := &metaEntry{notFound: true, fetched: now, freshUntil: now.Add(cn.TTL)}
		c.meta.Add(key, e, sizeOf(e, 0))
		return Parsed{}, ErrNotFound
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return c.failed(cn, key, old, hadOld, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadataBytes+1))
	if err == nil && len(body) > MaxMetadataBytes {
		err = fmt.Errorf("GET %s: the document is larger than %d bytes", u.Redacted(), MaxMetadataBytes)
	}
	if err != nil {
		return c.failed(cn, key, old, hadOld, err)
	}
	v, err := parse(Document{Body: body, ContentType: resp.Header.Get("Content-Type"), URL: resp.Request.URL})
	if err != nil {
		return c.failed(cn, key, old, hadOld, fmt.Errorf("GET %s: unreadable: %w", u.Redacted(), err))
	}
	e := &metaEntry{value: v, etag: resp.Header.Get("ETag"), lastMod: resp.Header.Get("Last-Modified"), fetched: now, freshUntil: now.Add(cn.TTL)}
	c.meta.Add(key, e, sizeOf(e, len(body)))
	return e.result(false)
}

// failed answers a failed fetch: the last copy seen, if any, marked
// stale and kept a little longer; the error otherwise.
func (c *Client) failed(cn *conn, key metaKey, old *metaEntry, hadOld bool, err error) (Parsed, error) {
	c.log.Warn("external connection failed", "connection", cn.Name, "path", key.path, "stale_copy", hadOld, "err", err)
	if !hadOld {
		// Remembered for a while, so an outage does not cost every
		// request a time-out.
		e := &metaEntry{failed: err, freshUntil: c.now().Add(min(cn.TTL, failureBackoff))}
		c.meta.Add(key, e, sizeOf(e, 0))
		return Parsed{}, err
	}
	e := *old
	e.freshUntil = c.now().Add(min(cn.TTL, failureBackoff))
	c.meta.Add(key, &e, sizeOf(&e, 0))
	if e.notFound {
		return Parsed{}, ErrNotFound
	}
	return Parsed{Value: e.value, Fetched: e.fetched, Stale: true}, nil
}

// sizeOf estimates an entry's memory: its parsed document costs about as
// much as the bytes it was parsed from.
func sizeOf(e *metaEntry, body int) int64 {
	return int64(256 + len(e.etag) + len(e.lastMod) + 2*body)
}

// Open starts fetching a file (a URL the upstream's metadata gave) and
// returns the response, status 200, whose body the caller reads and
// closes. The context bounds the whole transfer; a read that waits longer
// than the connection's time-out fails.
func (c *Client) Open(ctx context.Context, connection string, u *url.URL) (*http.Response, error) {
	cn, ok := c.conns[connection]
	if !ok {
		return nil, ErrNoURL
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("upstream: refusing to fetch %q: not an http(s) URL", u.Redacted())
	}
	ctx, cancel := context.WithCancel(ctx)
	req, err := c.newRequest(ctx, cn, u)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := cn.http.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s: %w", u.Redacted(), ErrNotFound)
	default:
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("GET %s: %s", u.Redacted(), resp.Status)
	}
	resp.Body = newIdleReader(resp.Body, cn.Timeout, cancel)
	return resp, nil
}

// newRequest is a GET of u, with the connection's credentials when u is
// on the connection's own host (files on other hosts get none).
func (c *Client) newRequest(ctx context.Context, cn *conn, u *url.URL) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", userAgent)
	if cn.auth != "" && strings.EqualFold(u.Host, cn.URL.Host) && u.Scheme == cn.URL.Scheme {
		req.Header.Set("Authorization", cn.auth)
	}
	return req, nil
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func mustUnescape(p string) string {
	u, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return u
}

// idleReader fails a body that stalls longer than timeout between reads
// (cancelling the request), and releases the request's context on Close.
type idleReader struct {
	rc      io.ReadCloser
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelFunc
}

func newIdleReader(rc io.ReadCloser, timeout time.Duration, cancel context.CancelFunc) *idleReader {
	return &idleReader{rc: rc, timer: time.AfterFunc(timeout, cancel), timeout: timeout, cancel: cancel}
}

func (r *idleReader) Read(p []byte) (int, error) {
	n, err := r.rc.Read(p)
	r.timer.Reset(r.timeout)
	return n, err
}

func (r *idleReader) Close() error {
	r.timer.Stop()
	err := r.rc.Close()
	r.cancel()
	return err
}

package s3

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/blob/blobtest"
)

// urlEnv names the S3 API server the tests run against, as a store URL
// (s3://BUCKET?region=…&endpoint=…&use_path_style=true); the bucket is
// created when missing, and each test works under a prefix of its own.
// Credentials come from the usual AWS variables. scripts/start-s3 starts a
// local server and prints all of them.
const urlEnv = "ARTIFACTD_TEST_S3_URL"

// baseURL returns the server's URL. Without one the test is skipped, except
// in CI (CI set), where a missing server is a failure rather than a silently
// untested backend.
func baseURL(t *testing.T) string {
	t.Helper()
	raw := os.Getenv(urlEnv)
	if raw != "" {
		return raw
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not set, and CI is: the S3 blob store must be tested in CI "+
			"(eval \"$(scripts/start-s3)\" starts a server and sets it)", urlEnv)
	}
	t.Skipf("%s is not set: skipping the S3 tests (eval \"$(scripts/start-s3)\" to run them)", urlEnv)
	return ""
}

var ensureBucket sync.Map // bucket -> error, once per bucket and process

// testURL returns the base URL with a new, unique prefix below its own, the
// bucket created if missing, and a client for checking what the store did.
func testURL(t *testing.T) (string, *s3.Client, location) {
	t.Helper()
	raw := baseURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	var b [6]byte
	rand.Read(b[:])
	u.Path = "/" + path.Join(strings.Trim(u.Path, "/"), "test-"+hex.EncodeToString(b[:]))
	loc, err := parseURL(u.String())
	if err != nil {
		t.Fatalf("%s: %v", urlEnv, err)
	}
	client, err := newClient(t.Context(), loc)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ensureBucket.LoadOrStore(loc.bucket, sync.OnceValue(func() error {
		_, err := client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: &loc.bucket})
		var owned *types.BucketAlreadyOwnedByYou
		var exists *types.BucketAlreadyExists
		if errors.As(err, &owned) || errors.As(err, &exists) {
			return nil
		}
		return err
	}))
	if err := v.(func() error)(); err != nil {
		t.Fatalf("creating bucket %s: %v", loc.bucket, err)
	}
	return u.String(), client, loc
}

// keysUnder lists every key under prefix.
func keysUnder(t *testing.T, client *s3.Client, bucket, prefix string) map[string]int64 {
	t.Helper()
	keys := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("listing %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return keys
}

// checkBucket asserts that under the test's prefix there are only objects at
// PREFIX/sha256/ab/cd/abcd… holding bytes with that digest, and no
// multipart upload in progress; then it empties the prefix.
func checkBucket(t *testing.T, client *s3.Client, loc location) {
	t.Helper()
	ctx := context.Background()
	keys := keysUnder(t, client, loc.bucket, loc.prefix)
	for key := range keys {
		rel := strings.TrimPrefix(key, loc.prefix)
		parts := strings.Split(rel, "/")
		if len(parts) != 4 || parts[0] != "sha256" || blob.CheckDigest(parts[3]) != nil ||
			parts[1] != parts[3][0:2] || parts[2] != parts[3][2:4] {
			t.Errorf("object at unexpected key %q", key)
			continue
		}
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: &loc.bucket, Key: &key})
		if err != nil {
			t.Errorf("GetObject %s: %v", key, err)
			continue
		}
		h := sha256.New()
		_, err = io.Copy(h, out.Body)
		out.Body.Close()
		if err != nil {
			t.Errorf("reading %s: %v", key, err)
		} else if got := hex.EncodeToString(h.Sum(nil)); got != parts[3] {
			t.Errorf("object %s holds bytes with sha256 %s", key, got)
		}
	}
	mp, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &loc.bucket, Prefix: &loc.prefix})
	if err != nil {
		t.Errorf("ListMultipartUploads: %v", err)
	} else if len(mp.Uploads) > 0 {
		t.Errorf("%d multipart uploads left in progress, first %s", len(mp.Uploads), aws.ToString(mp.Uploads[0].Key))
	}
	for key := range keys {
		if _, err := client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &loc.bucket, Key: &key}); err != nil {
			t.Errorf("cleaning up %s: %v", key, err)
		}
	}
}

// checkTempDir asserts that dir holds no files.
func checkTempDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("temp file left behind: %s", e.Name())
	}
}

// newTestStore opens a store under a new prefix with a temp directory of its
// own; after the test, the bucket and the temp directory are checked.
func newTestStore(t *testing.T, opts ...Option) (*Store, *s3.Client, location) {
	t.Helper()
	raw, client, loc := testURL(t)
	tmp := t.TempDir()
	s, err := New(t.Context(), raw, append([]Option{WithTempDir(tmp), motoRetries}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		checkTempDir(t, tmp)
		checkBucket(t, client, loc)
	})
	return s, client, loc
}

// motoRetries raises the SDK's attempts from 3 to 10. moto's in-memory
// backend races concurrent writes of one key: a request may fail with a 500
// ("I/O operation on closed file") that the SDK retries, and blobtest's
// stress test makes enough of them to exhaust 3 attempts now and then.
var motoRetries = withClientOptions(func(o *s3.Options) { o.RetryMaxAttempts = 10 })

func TestConformance(t *testing.T) {
	baseURL(t)
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, _, _ := newTestStore(t)
		return s
	})
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func put(t *testing.T, s blob.Store, data []byte) string {
	t.Helper()
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Abort()
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	d := digest(data)
	if err := u.Commit(t.Context(), d); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return d
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestKeyLayout(t *testing.T) {
	s, client, loc := newTestStore(t)
	d := put(t, s, []byte("hello"))
	want := loc.prefix + "sha256/" + d[:2] + "/" + d[2:4] + "/" + d
	if !strings.HasPrefix(loc.prefix, "test-") && !strings.Contains(loc.prefix, "/test-") {
		t.Fatalf("prefix %q", loc.prefix)
	}
	keys := keysUnder(t, client, loc.bucket, loc.prefix)
	if len(keys) != 1 || keys[want] != 5 {
		t.Errorf("keys %v, want only %s", keys, want)
	}
	out, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &loc.bucket, Key: &want})
	if err != nil {
		t.Fatal(err)
	}
	if ct := aws.ToString(out.ContentType); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestPutCarriesDigest: the single-request upload sends the digest as
// S3's SHA-256 checksum, so that S3 refuses bytes that do not match it
// (moto, the test server, does not check it; AWS does).
func TestPutCarriesDigest(t *testing.T) {
	tr := &countingTransport{base: http.DefaultTransport}
	s, _, _ := newTestStore(t, withTransport(tr))
	data := []byte("these bytes")
	d := put(t, s, data)
	sum := sha256.Sum256(data)
	want := base64.StdEncoding.EncodeToString(sum[:])
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.puts) != 1 {
		t.Fatalf("%d PUT requests, want 1", len(tr.puts))
	}
	if got := tr.puts[0].Get("X-Amz-Checksum-Sha256"); got != want {
		t.Errorf("PutObject of %s: x-amz-checksum-sha256 %q, want %q (headers %v)", d, got, want, tr.puts[0])
	}
}

// countingTransport counts requests by method and can fail UploadPart of
// one part number.
type countingTransport struct {
	base     http.RoundTripper
	gets     atomic.Int32
	failPart string // partNumber whose UploadPart fails

	mu   sync.Mutex
	puts []http.Header // of every PUT
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPut {
		c.mu.Lock()
		c.puts = append(c.puts, r.Header.Clone())
		c.mu.Unlock()
	}
	if r.Method == http.MethodGet && !r.URL.Query().Has("list-type") && !r.URL.Query().Has("uploads") {
		c.gets.Add(1)
	}
	if c.failPart != "" && r.Method == http.MethodPut && r.URL.Query().Get("partNumber") == c.failPart {
		return nil, errors.New("injected failure")
	}
	return c.base.RoundTrip(r)
}

func withTransport(c *countingTransport) Option {
	return withClientOptions(func(o *s3.Options) {
		o.HTTPClient = &http.Client{Transport: c}
		o.RetryMaxAttempts = 1
	})
}

// TestMultipart uploads objects around a small multipart threshold: exactly
// at it (one PutObject), one byte above it (a 1-byte last part), and two
// whole parts.
func TestMultipart(t *testing.T) {
	const part = minPartSize
	s, client, loc := newTestStore(t, WithMultipart(part, part))
	for _, tc := range []struct {
		size  int
		parts string // the ETag's suffix: a multipart ETag ends in -<parts>
	}{{part, ""}, {part + 1, "-2"}, {2 * part, "-2"}} {
		data := randomBytes(tc.size)
		d := put(t, s, data)
		o, err := s.Open(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(o)
		o.Close()
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("size %d: read %d bytes, %v", tc.size, len(got), err)
		}
		key := s.key(d)
		head, err := client.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &loc.bucket, Key: &key})
		if err != nil {
			t.Fatal(err)
		}
		etag := strings.Trim(aws.ToString(head.ETag), `"`)
		if _, suffix, multi := strings.Cut(etag, "-"); (tc.parts == "" && multi) || (tc.parts != "" && "-"+suffix != tc.parts) {
			t.Errorf("size %d: ETag %s, want the suffix %q", tc.size, etag, tc.parts)
		}
	}
}

// TestMultipartFailure: when a part fails, Commit fails, the multipart
// upload is aborted (checkBucket finds none in progress), nothing is
// visible and the temp file is gone.
func TestMultipartFailure(t *testing.T) {
	tr := &countingTransport{base: http.DefaultTransport, failPart: "2"}
	s, _, _ := newTestStore(t, WithMultipart(minPartSize, minPartSize), withTransport(tr))
	data := randomBytes(3*minPartSize + 10)
	u, err := s.NewUpload(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	err = u.Commit(t.Context(), digest(data))
	if err == nil || !strings.Contains(err.Error(), "injected failure") {
		t.Fatalf("Commit with a failing part = %v", err)
	}
	if err := u.Abort(); err != nil {
		t.Errorf("Abort after the failed Commit: %v", err)
	}
	if _, err := s.Stat(t.Context(), digest(data)); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Stat after the failed Commit: %v", err)
	}
}

func TestPartSize(t *testing.T) {
	s := &Store{partSize: DefaultPartSize}
	for _, tc := range []struct{ size, want int64 }{
		{100 << 20, DefaultPartSize},
		{maxParts * DefaultPartSize, DefaultPartSize},
		{maxParts*DefaultPartSize + 1, DefaultPartSize + 1<<20},
		{5 << 40, 525 << 20}, // S3's largest object: 5 TiB
	} {
		ps := s.partSizeFor(tc.size)
		if ps != tc.want {
			t.Errorf("partSizeFor(%d) = %d, want %d", tc.size, ps, tc.want)
		}
		if parts := (tc.size + ps - 1) / ps; parts > maxParts {
			t.Errorf("partSizeFor(%d): %d parts", tc.size, parts)
		}
	}
}

// TestServeContent hands an Object to http.ServeContent: a full download
// costs the one GET of Open, a Range request one more.
func TestServeContent(t *testing.T) {
	tr := &countingTransport{base: http.DefaultTransport}
	s, _, _ := newTestStore(t, withTransport(tr))
	data := randomBytes(1 << 20)
	d := put(t, s, data)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o, err := s.Open(r.Context(), d)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer o.Close()
		// As artifactd's handlers do; without it ServeContent sniffs the
		// type (reads 512 bytes and rewinds), which costs another GET.
		w.Header().Set("Content-Type", "application/octet-stream")
		http.ServeContent(w, r, "", time.Time{}, o)
	}))
	defer srv.Close()

	get := func(rangeHeader string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	for _, tc := range []struct {
		rng  string
		code int
		want []byte
		gets int32
	}{
		{"", http.StatusOK, data, 1},
		{"bytes=1000-1999", http.StatusPartialContent, data[1000:2000], 2},
		{"bytes=-100", http.StatusPartialContent, data[len(data)-100:], 2},
		{"bytes=0-99", http.StatusPartialContent, data[:100], 1},
	} {
		tr.gets.Store(0)
		code, body := get(tc.rng)
		if code != tc.code || !bytes.Equal(body, tc.want) {
			t.Errorf("GET %q: %d, %d bytes; want %d, %d bytes", tc.rng, code, len(body), tc.code, len(tc.want))
		}
		if n := tr.gets.Load(); n != tc.gets {
			t.Errorf("GET %q: %d S3 GETs, want %d", tc.rng, n, tc.gets)
		}
	}
}

// TestReadAfterDelete: a reader that needs a new GET after the object was
// deleted gets ErrNotFound (documented: S3 keeps no bytes for open readers).
func TestReadAfterDelete(t *testing.T) {
	s, _, _ := newTestStore(t)
	data := randomBytes(10_000)
	d := put(t, s, data)
	o, err := s.Open(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if err := s.Delete(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Seek(5000, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Read(make([]byte, 10)); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Read needing a new GET after Delete: %v, want ErrNotFound", err)
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Read(make([]byte, 1)); err == nil {
		t.Error("Read after Close succeeded")
	}
}

func TestNewErrors(t *testing.T) {
	raw, _, _ := testURL(t)
	u, _ := url.Parse(raw)
	u.Host = "artifactd-no-such-bucket"
	if _, err := New(t.Context(), u.String()); err == nil {
		t.Error("New on a missing bucket succeeded")
	}
	if _, err := New(t.Context(), raw, WithMultipart(0, 1<<20)); err == nil {
		t.Error("New with a 1 MiB part size succeeded")
	}
}

func TestNewRemovesStaleTempFiles(t *testing.T) {
	raw, _, _ := testURL(t)
	tmp := t.TempDir()
	now := time.Now()
	files := map[string]time.Time{
		tmpPrefix + "stale":  now.Add(-StaleTempAge - time.Hour),
		tmpPrefix + "recent": now.Add(-StaleTempAge + time.Hour),
		"someone-elses-file": now.Add(-30 * 24 * time.Hour),
	}
	for name, mtime := range files {
		p := tmp + "/" + name
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(t.Context(), raw, WithTempDir(tmp)); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != tmpPrefix+"recent someone-elses-file" {
		t.Errorf("temp dir holds %v", got)
	}
}

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want location
	}{
		{"s3://b", location{bucket: "b"}},
		{"s3://b/", location{bucket: "b"}},
		{"s3://b/p", location{bucket: "b", prefix: "p/"}},
		{"s3://b/p/q/?region=eu-west-1", location{bucket: "b", prefix: "p/q/", region: "eu-west-1"}},
		{"s3://b?region=us-east-1&endpoint=http://127.0.0.1:9000&use_path_style=true",
			location{bucket: "b", region: "us-east-1", endpoint: "http://127.0.0.1:9000", pathStyle: true}},
		{"s3://b?s3ForcePathStyle=1&awssdk=v2", location{bucket: "b", pathStyle: true}},
		{"s3://b?use_path_style=false", location{bucket: "b"}},
	} {
		got, err := parseURL(tc.raw)
		if err != nil || got != tc.want {
			t.Errorf("parseURL(%q) = %+v, %v; want %+v", tc.raw, got, err, tc.want)
		}
	}
	for _, raw := range []string{
		"",
		"b",
		"s3:b",
		"file:///tmp",
		"s3:///p",
		"s3://key:secret@b",
		"s3://b/p/../q",
		"s3://b/p//q",
		"s3://b/./p",
		"s3://b#frag",
		"s3://b?regoin=x",
		"s3://b?use_path_style=maybe",
		"s3://b?endpoint=127.0.0.1:9000",
		"s3://b?endpoint=ftp://h",
		"s3://b?region=a&region=b",
		"s3://b?awssdk=v1",
	} {
		if got, err := parseURL(raw); err == nil {
			t.Errorf("parseURL(%q) = %+v, want an error", raw, got)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("parseURL(%q): the error shows the secret: %v", raw, err)
		}
	}
}

// TestPing: Ping succeeds while the bucket exists and fails once it is
// gone.
func TestPing(t *testing.T) {
	raw, client, _ := testURL(t)
	var b [4]byte
	rand.Read(b[:])
	bucket := "artifactd-ping-" + hex.EncodeToString(b[:])
	if _, err := client.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host, u.Path = bucket, "/" // s3://BUCKET/?endpoint=...
	s, err := New(t.Context(), u.String(), WithTempDir(t.TempDir()), motoRetries)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := client.DeleteBucket(t.Context(), &s3.DeleteBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Error("Ping after the bucket was deleted succeeded")
	}
}

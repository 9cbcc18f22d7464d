package dataplane

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/blob/memcache"
)

// TestServeObject serves the same bytes from a file and from memory, over
// a real HTTP server: plain GET and HEAD, a range, and a conditional GET.
func TestServeObject(t *testing.T) {
	ctx := context.Background()
	backend, err := fs.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("0123456789"), 20_000) // 200 KB
	sum := sha256.Sum256(data)
	d := hex.EncodeToString(sum[:])
	u, err := backend.NewUpload(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u.Write(data)
	if err := u.Commit(ctx, d); err != nil {
		t.Fatal(err)
	}
	for name, store := range map[string]blob.Store{"file": backend, "memory": memcache.New(backend, 64<<20)} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				o, err := store.Open(r.Context(), d)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				defer o.Close()
				w.Header().Set("ETag", `"`+d+`"`)
				ServeObject(w, r, o)
			}))
			defer srv.Close()
			do := func(method string, hdr ...string) (*http.Response, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, srv.URL, nil)
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, err := io.ReadAll(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				return resp, b
			}
			for range 2 { // the second time from memory, when cached
				resp, b := do("GET")
				if resp.StatusCode != 200 || !bytes.Equal(b, data) || resp.Header.Get("Content-Length") != strconv.Itoa(len(data)) {
					t.Fatalf("GET: %d, %d bytes (Content-Length %s)", resp.StatusCode, len(b), resp.Header.Get("Content-Length"))
				}
			}
			if resp, b := do("HEAD"); resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(data)) {
				t.Errorf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(b), resp.ContentLength)
			}
			if resp, b := do("GET", "Range", "bytes=100-109"); resp.StatusCode != 206 || string(b) != "0123456789" {
				t.Errorf("range: %d %q", resp.StatusCode, b)
			}
			if resp, b := do("GET", "If-None-Match", `"`+d+`"`); resp.StatusCode != 304 || len(b) != 0 {
				t.Errorf("If-None-Match: %d, %d bytes", resp.StatusCode, len(b))
			}
		})
	}
}

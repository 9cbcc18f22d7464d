package conformance

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/test/harness"
)

// TestReadyz: /readyz answers 200 while the server can reach its stores,
// and 503 naming the blob store once the blob folder is gone (a lost
// mount), while /healthz (liveness) still answers 200; it is ready again
// when the folder is back.
func TestReadyz(t *testing.T) {
	if harness.OnPostgresS3() {
		t.Skip("uses a blob folder; the bucket's readiness is covered by the multi-node test and blob/s3's TestPing")
	}
	t.Parallel()
	blobs := filepath.Join(t.TempDir(), "blobs")
	s := harness.Start(t, harness.WithArgs("--blob-store", "file://"+blobs))
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.URL + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp.StatusCode, string(harness.ReadBody(t, resp))
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %q, want 200", code, body)
	}
	moved := blobs + ".away"
	if err := os.Rename(blobs, moved); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "blob store") {
		t.Errorf("/readyz without the blob folder = %d %q, want 503 naming the blob store", code, body)
	}
	if code, _ := get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz without the blob folder = %d, want 200", code)
	}
	if err := os.Rename(moved, blobs); err != nil {
		t.Fatal(err)
	}
	if code, body := get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz with the folder back = %d %q, want 200", code, body)
	}
}

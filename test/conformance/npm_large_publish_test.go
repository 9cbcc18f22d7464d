package conformance

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestNPMLargePublishStreams: a publish is decoded as it arrives, its
// tarball spooled to the data directory, so a 96 MiB tarball (128 MiB of
// base64) costs the server a few megabytes of memory, not several times
// its size (issue #11, finding 6).
func TestNPMLargePublishStreams(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	const payload = 96 << 20
	tgzPath := filepath.Join(t.TempDir(), "big.tgz")
	f, err := os.Create(tgzPath)
	if err != nil {
		t.Fatal(err)
	}
	h1, h512 := sha1.New(), sha512.New()
	gz, _ := gzip.NewWriterLevel(io.MultiWriter(f, h1, h512), gzip.NoCompression)
	tw := tar.NewWriter(gz)
	pj := `{"name":"big-publish","version":"1.0.0","description":"big"}`
	tw.WriteHeader(&tar.Header{Name: "package/package.json", Mode: 0o644, Size: int64(len(pj))})
	io.WriteString(tw, pj)
	tw.WriteHeader(&tar.Header{Name: "package/blob.bin", Mode: 0o644, Size: payload})
	rng := rand.NewChaCha8([32]byte{1})
	io.CopyN(tw, rng, payload)
	tw.Close()
	gz.Close()
	size, _ := f.Seek(0, io.SeekCurrent)
	f.Seek(0, io.SeekStart)
	defer f.Close()

	manifest, _ := json.Marshal(map[string]any{"name": "big-publish", "version": "1.0.0", "dist": map[string]any{
		"shasum": hex.EncodeToString(h1.Sum(nil)), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(h512.Sum(nil))}})
	head := `{"_id":"big-publish","name":"big-publish","dist-tags":{"latest":"1.0.0"},"versions":{"1.0.0":` + string(manifest) +
		`},"_attachments":{"big-publish-1.0.0.tgz":{"content_type":"application/octet-stream","length":` + strconv.FormatInt(size, 10) + `,"data":"`
	pr, pw := io.Pipe()
	go func() {
		io.WriteString(pw, head)
		enc := base64.NewEncoder(base64.StdEncoding, pw)
		io.Copy(enc, f)
		enc.Close()
		io.WriteString(pw, `"}}}`)
		pw.Close()
	}()
	before := peakRSS(t, e.srv.Pid())
	req, _ := http.NewRequest(http.MethodPut, e.endpoint+"big-publish", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("publish: %d %s", resp.StatusCode, body)
	}
	if grew := peakRSS(t, e.srv.Pid()) - before; grew > 64<<20 {
		t.Errorf("a %d MiB publish grew the server's peak memory by %d MiB", size>>20, grew>>20)
	}
	d := e.mustDescribe(t, "big-publish", "1.0.0")
	if !strings.Contains(*d.Summary, "big") {
		t.Errorf("summary %q", *d.Summary)
	}
	if matches, _ := filepath.Glob(filepath.Join(e.srv.DataDir, "tmp", "npm-publish-*")); len(matches) != 0 {
		t.Errorf("publish spools left behind: %v", matches)
	}
}

package npm

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPartsReader serves a document of several parts with ranges, as
// http.ServeContent does for Range and conditional requests.
func TestPartsReader(t *testing.T) {
	var d doc
	for _, p := range []string{"{\"a\":", "", "[1,2,3]", ",\"b\":\"", strings.Repeat("x", 5000), "\"}"} {
		d.add([]byte(p))
	}
	whole := d.bytes()
	if d.size != len(whole) || len(d.parts) != 5 {
		t.Fatalf("size %d of %d bytes in %d parts", d.size, len(whole), len(d.parts))
	}
	for _, rng := range [][2]int{{0, 0}, {0, 4}, {3, 9}, {5, 11}, {11, 5018}, {len(whole) - 1, len(whole) - 1}, {0, len(whole) - 1}} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Range", "bytes="+strconv.Itoa(rng[0])+"-"+strconv.Itoa(rng[1]))
		rec := httptest.NewRecorder()
		http.ServeContent(rec, req, "", time.Time{}, d.reader())
		if rec.Code != http.StatusPartialContent || !bytes.Equal(rec.Body.Bytes(), whole[rng[0]:rng[1]+1]) {
			t.Errorf("range %v: %d %q", rng, rec.Code, rec.Body.Bytes())
		}
	}
	all, err := io.ReadAll(d.reader())
	if err != nil || !bytes.Equal(all, whole) {
		t.Errorf("read %d bytes (%v), want %d", len(all), err, len(whole))
	}
}

// TestGzipParts checks the gzip of a document of parts with Go's reader
// and with gzip(1), and that a second document sharing parts reuses
// their compressed bytes.
func TestGzipParts(t *testing.T) {
	shared := []byte(strings.Repeat(`,"1.0.0":{"name":"x","dist":{"tarball":"u"}}`, 100))
	var d1, d2 doc
	d1.add([]byte(`{"name":"x","versions":{"a":1`))
	d1.add(shared)
	d1.add([]byte(`}}`))
	d2.add([]byte(`{"name":"x","dist-tags":{},"versions":{"a":1`))
	d2.add(shared)
	d2.add([]byte(`}}`))
	z1 := newLazyGzip(d1, nil)
	g1, ok := z1.bytes()
	if !ok {
		t.Fatal("not compressed")
	}
	z2 := newLazyGzip(d2, z1)
	g2, ok := z2.bytes()
	if !ok {
		t.Fatal("not compressed")
	}
	if z1.reused != 0 || z2.reused != 1 {
		t.Errorf("parts reused: %d and %d, want 0 and 1 (the shared part)", z1.reused, z2.reused)
	}
	for i, c := range []struct {
		gz   doc
		want []byte
	}{{g1, d1.bytes()}, {g2, d2.bytes()}} {
		zr, err := gzip.NewReader(bytes.NewReader(c.gz.bytes()))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("document %d: gunzipped %q (%v)", i, got, err)
		}
		if _, err := exec.LookPath("gzip"); err != nil {
			continue
		}
		cmd := exec.Command("gzip", "-dc")
		cmd.Stdin = bytes.NewReader(c.gz.bytes())
		out, err := cmd.Output()
		if err != nil || !bytes.Equal(out, c.want) {
			t.Errorf("document %d: gzip -dc: %v, %q", i, err, out)
		}
	}
}

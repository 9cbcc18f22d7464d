package conformance

import (
	"encoding/binary"
	"net/http"
	"strings"
	"testing"
	"time"
)

// pyZipDirectoryOnly is a "wheel" that is nothing but a central directory
// of n headers (with names of nameLen bytes) behind an end record, as a
// hostile client would send to make the server parse n entries. With
// honest, a ZIP64 end record announces the n entries; without, a classic
// one announces n modulo 65536 and the size of that many headers, which
// archive/zip accepts all the same.
func pyZipDirectoryOnly(n, nameLen int, honest bool) []byte {
	entry := 46 + nameLen
	le := binary.LittleEndian
	b := make([]byte, n*entry, n*entry+98)
	for i := 0; i < n; i++ {
		h := b[i*entry:]
		le.PutUint32(h[0:], 0x02014b50)
		le.PutUint16(h[28:], uint16(nameLen))
		copy(h[46:entry], strings.Repeat("x", nameLen))
	}
	dirSize := uint64(len(b))
	end := make([]byte, 22)
	le.PutUint32(end[0:], 0x06054b50)
	if !honest {
		le.PutUint16(end[8:], uint16(n))
		le.PutUint16(end[10:], uint16(n))
		le.PutUint32(end[12:], uint32(n%65536*entry))
		return append(b, end...)
	}
	rec := make([]byte, 56)
	le.PutUint32(rec[0:], 0x06064b50)
	le.PutUint64(rec[4:], 44)
	le.PutUint64(rec[24:], uint64(n))
	le.PutUint64(rec[32:], uint64(n))
	le.PutUint64(rec[40:], dirSize)
	loc := make([]byte, 20)
	le.PutUint32(loc[0:], 0x07064b50)
	le.PutUint64(loc[8:], dirSize)
	le.PutUint32(loc[16:], 1)
	le.PutUint16(end[8:], 0xffff)
	le.PutUint16(end[10:], 0xffff)
	le.PutUint32(end[12:], 0xffffffff)
	le.PutUint32(end[16:], 0xffffffff)
	return append(append(append(b, rec...), loc...), end...)
}

// TestPypiZipDirectoryLimits: an upload whose zip central directory holds
// more entries than the cap (however its end record hides it) is refused
// with 400 before archive/zip parses it: the server's peak memory hardly
// moves, where parsing these directories costs over 100 MB. A real wheel
// still goes in (#11 finding 4).
func TestPypiZipDirectoryLimits(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	d := pyDist{Name: "huge-dir", Version: "1.0", Module: "huge_dir", Summary: "s"}
	whlName, whl := d.wheel(t)
	if resp, body := p.post(t, pyTwineForm(d, whlName, whl), p.token); resp.StatusCode != http.StatusOK {
		t.Fatalf("a real wheel: %d %s", resp.StatusCode, body)
	}
	if resp, got := p.get(t, "packages/huge-dir/1.0/"+whlName+".metadata", ""); resp.StatusCode != http.StatusOK || string(got) != d.metadata() {
		t.Errorf("its METADATA: %d %q", resp.StatusCode, got)
	}

	before := peakRSS(t, p.s.Pid())
	for _, c := range []struct {
		filename string
		honest   bool
	}{
		{"huge_dir-1.0-py3-none-any.whl", true},
		{"huge_dir-1.0-py3-none-any.whl", false},
		{"huge_dir-1.0.zip", true},
		{"huge_dir-1.0.zip", false},
	} {
		const want = "more than 200000 files"
		start := time.Now()
		resp, body := p.post(t, pyTwineForm(d, c.filename, pyZipDirectoryOnly(4*65536+7, 60, c.honest)), p.token)
		t.Logf("%s (honest end record: %v): %d %q in %v", c.filename, c.honest, resp.StatusCode, strings.TrimSpace(body), time.Since(start))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, want) || !strings.Contains(resp.Status, want) {
			t.Errorf("%s (honest end record: %v): %s %q, want 400 saying %q", c.filename, c.honest, resp.Status, body, want)
		}
	}
	grew := peakRSS(t, p.s.Pid()) - before
	t.Logf("peak RSS grew by %d MiB", grew>>20)
	if grew > 32<<20 {
		t.Errorf("the server's peak memory grew by %d MiB refusing the archives, want < 32 MiB", grew>>20)
	}
}

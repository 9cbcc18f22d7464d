package pypi

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

// zipDirEntries returns n minimal central-directory headers (46 bytes and
// a one-byte name each): an archive that is nothing but a directory.
func zipDirEntries(n int) []byte {
	const entry = 47
	b := make([]byte, n*entry)
	for i := 0; i < n; i++ {
		h := b[i*entry:]
		binary.LittleEndian.PutUint32(h[0:], zipDirHeaderSig)
		binary.LittleEndian.PutUint16(h[4:], 20) // version made by
		binary.LittleEndian.PutUint16(h[6:], 20) // version needed
		binary.LittleEndian.PutUint16(h[28:], 1) // name length
		h[46] = 'x'
	}
	return b
}

// zipEnd is a classic end-of-central-directory record.
func zipEnd(records uint16, dirSize, dirOffset uint32) []byte {
	b := make([]byte, zipDirEndLen)
	binary.LittleEndian.PutUint32(b[0:], zipDirEndSig)
	binary.LittleEndian.PutUint16(b[8:], records)
	binary.LittleEndian.PutUint16(b[10:], records)
	binary.LittleEndian.PutUint32(b[12:], dirSize)
	binary.LittleEndian.PutUint32(b[16:], dirOffset)
	return b
}

// zip64End is a ZIP64 end record at offset at, its locator and the classic
// record that sends readers to them.
func zip64End(at int64, records, dirSize, dirOffset uint64) []byte {
	rec := make([]byte, zipDir64EndLen)
	binary.LittleEndian.PutUint32(rec[0:], zipDir64EndSig)
	binary.LittleEndian.PutUint64(rec[4:], zipDir64EndLen-12)
	binary.LittleEndian.PutUint64(rec[24:], records)
	binary.LittleEndian.PutUint64(rec[32:], records)
	binary.LittleEndian.PutUint64(rec[40:], dirSize)
	binary.LittleEndian.PutUint64(rec[48:], dirOffset)
	loc := make([]byte, zipDir64LocLen)
	binary.LittleEndian.PutUint32(loc[0:], zipDir64LocSig)
	binary.LittleEndian.PutUint64(loc[8:], uint64(at))
	binary.LittleEndian.PutUint32(loc[16:], 1)
	return append(append(rec, loc...), zipEnd(0xffff, 0xffffffff, 0xffffffff)...)
}

// allocated runs f and returns how many bytes it allocated.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestZipDirectoryCheckedFirst: a wheel or .zip sdist whose central
// directory is huge (or claims to be) is refused from its end records and
// a bounded walk over the directory's headers, before archive/zip builds a
// File for every entry (#11 finding 4).
func TestZipDirectoryCheckedFirst(t *testing.T) {
	// More entries than the cap, with an honest ZIP64 end record.
	over := maxEntries + 60000
	honest := zipDirEntries(over)
	dirSize := int64(len(honest))
	honest = append(honest, zip64End(dirSize, uint64(over), uint64(dirSize), 0)...)

	// The same directory behind a classic end record that lies: the count
	// is compared modulo 65536 only and the size is not used to bound the
	// directory, so archive/zip reads every entry all the same.
	lyingCount := 4*65536 + 7
	lying := zipDirEntries(lyingCount)
	lying = append(lying, zipEnd(7, 7*47, 0)...)

	// Nothing but end records, claiming 10 million entries in a 300 MB
	// directory.
	claim := zip64End(0, 10_000_000, 300<<20, 0)
	claimSize := zipEnd(5, 300<<20, 0)
	claimBeyond := append(make([]byte, 1000), zipEnd(5, 1<<20, 0)...)
	claimTooSmall := append(zipDirEntries(2), zipEnd(60000, 2*47, 0)...)

	cases := []struct {
		name, want string
		b          []byte
	}{
		{"honest ZIP64 directory over the cap", "more than 200000 files", honest},
		{"lying end record over a huge directory", "more than 200000 files", lying},
		{"ZIP64 record claiming 10M entries", "more than 200000 files", claim},
		{"classic record claiming a 300 MB directory", "central directory", claimSize},
		{"directory larger than the file", "central directory", claimBeyond},
		{"directory too small for its entries", "central directory", claimTooSmall},
	}
	for _, c := range cases {
		for _, kind := range []string{"wheel", "zip sdist"} {
			var err error
			start := time.Now()
			n := allocated(func() {
				if kind == "wheel" {
					_, err = WheelMetadata(bytes.NewReader(c.b), int64(len(c.b)), "x")
				} else {
					_, err = SdistMetadata(bytes.NewReader(c.b), int64(len(c.b)), ".zip")
				}
			})
			took := time.Since(start)
			t.Logf("%s (%s, %d bytes): %v; %d bytes allocated in %v", c.name, kind, len(c.b), err, n, took)
			if !errors.Is(err, ErrDist) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s (%s): err = %v, want ErrDist saying %q", c.name, kind, err, c.want)
			}
			if n > 4<<20 {
				t.Errorf("%s (%s): %d bytes allocated before the refusal, want < 4 MiB", c.name, kind, n)
			}
			if took > 5*time.Second {
				t.Errorf("%s (%s): refused after %v", c.name, kind, took)
			}
		}
	}
}

// TestZipDirectoryCheckAcceptsRealArchives: the checks let through what
// real tools write: many entries (ZIP64 end records once there are 65535
// or more), archive comments, data before the archive (self-extracting
// stubs) and .zip sdists.
func TestZipDirectoryCheckAcceptsRealArchives(t *testing.T) {
	meta := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
	build := func(prefix []byte, comment string, extra int) []byte {
		var buf bytes.Buffer
		buf.Write(prefix)
		zw := zip.NewWriter(&buf)
		zw.SetOffset(int64(len(prefix)))
		for i := 0; i < extra; i++ {
			if _, err := zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("demo/data/f%d.txt", i), Method: zip.Store}); err != nil {
				t.Fatal(err)
			}
		}
		for name, body := range map[string]string{"demo-1.0.dist-info/METADATA": meta, "demo-1.0/PKG-INFO": meta, "demo/__init__.py": ""} {
			w, err := zw.Create(name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(body))
		}
		if comment != "" {
			zw.SetComment(comment)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	for name, b := range map[string][]byte{
		"small":                  build(nil, "", 0),
		"with a comment":         build(nil, strings.Repeat("c", 60000), 3),
		"after a stub":           build(bytes.Repeat([]byte{0x7f}, 5000), "", 3),
		"ZIP64 (70,000 entries)": build(nil, "", 70000),
	} {
		got, err := WheelMetadata(bytes.NewReader(b), int64(len(b)), "demo")
		if err != nil || string(got) != meta {
			t.Errorf("%s: wheel METADATA = %q, %v", name, got, err)
		}
		got, err = SdistMetadata(bytes.NewReader(b), int64(len(b)), ".zip")
		if err != nil || string(got) != meta {
			t.Errorf("%s: sdist PKG-INFO = %q, %v", name, got, err)
		}
	}
}

// TestZipDirectoryBytesCapped: a directory of few entries with long names
// is refused once its headers exceed maxDirectoryBytes, whether the end
// record says so or hides it.
func TestZipDirectoryBytesCapped(t *testing.T) {
	defer func(old int64) { maxDirectoryBytes = old }(maxDirectoryBytes)
	maxDirectoryBytes = 1 << 20
	const n, nameLen = 40, 60000
	entry := zipDirHeaderLen + nameLen
	dir := make([]byte, n*entry)
	for i := 0; i < n; i++ {
		h := dir[i*entry:]
		binary.LittleEndian.PutUint32(h[0:], zipDirHeaderSig)
		binary.LittleEndian.PutUint16(h[28:], nameLen)
		copy(h[46:], strings.Repeat("x", nameLen))
	}
	honest := append(append([]byte(nil), dir...), zipEnd(n, uint32(len(dir)), 0)...)
	lying := append(append([]byte(nil), dir...), zipEnd(1, uint32(entry), 0)...)
	for name, b := range map[string][]byte{"honest": honest, "lying": lying} {
		_, err := WheelMetadata(bytes.NewReader(b), int64(len(b)), "x")
		if !errors.Is(err, ErrDist) || !strings.Contains(err.Error(), "larger than the maximum of 1048576 bytes") {
			t.Errorf("%s end record: err = %v, want the directory refused as too large", name, err)
		}
	}
}

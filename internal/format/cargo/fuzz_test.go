package cargo

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for what cargo (and an upstream sparse index) sends: the
// publish frame and its metadata, .crate archives, index files and crate
// names. Seeds run with every `go test`; scripts/fuzz fuzzes them.

// fuzzMaxCrate bounds a fuzzed .crate; gzip inflates at most ~1000x.
const fuzzMaxCrate = 64 << 10

func frame(meta string, crate []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(meta)))
	b.WriteString(meta)
	binary.Write(&b, binary.LittleEndian, uint32(len(crate)))
	b.Write(crate)
	return b.Bytes()
}

// FuzzReadFrame reads publish frames. An accepted frame's metadata that
// passes Check gives an index line that encodes, names a valid crate and
// version, and puts only new-syntax features in features2.
func FuzzReadFrame(f *testing.F) {
	f.Add(frame(`{"name":"foo","vers":"1.0.0","deps":[],"features":{}}`, []byte("x")))
	f.Add(frame(`{"name":"Foo_Bar","vers":"0.1.0-rc.1+b","deps":[{"name":"dep","version_req":"^1","kind":"dev","explicit_name_in_toml":"d2","target":"cfg(unix)"}],"features":{"a":["dep:d2"],"b":[]},"links":"z","rust_version":"1.70"}`, nil))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		nc, size, err := ReadFrame(bytes.NewReader(b))
		if err != nil {
			return
		}
		if size < 0 || size > MaxCrateBytes {
			t.Fatalf("crate size %d accepted", size)
		}
		if nc.Check() != nil {
			return
		}
		e := nc.Entry()
		if !ValidName(e.Name) {
			t.Fatalf("entry name %q", e.Name)
		}
		if !validVersion(e.Vers) {
			t.Fatalf("entry version %q", e.Vers)
		}
		for _, vals := range e.Features {
			if usesNewSyntax(vals) {
				t.Fatalf("new-syntax feature in features: %v", vals)
			}
		}
		if (e.V == 2) != (len(e.Features2) > 0) {
			t.Fatalf("v %d with features2 %v", e.V, e.Features2)
		}
		if _, err := json.Marshal(e); err != nil {
			t.Fatal(err)
		}
		m := nc.Metadata(e, "")
		if len(m.Dependencies) != len(e.Deps) {
			t.Fatalf("%d dependencies for %d deps", len(m.Dependencies), len(e.Deps))
		}
	})
}

func tarGz(entries ...[2]string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o644, Size: int64(len(e[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(e[1]))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// FuzzCheckCrate reads .crate archives. An accepted one has its manifest,
// and every entry stays under {name}-{version}/ without "..".
func FuzzCheckCrate(f *testing.F) {
	f.Add(tarGz([2]string{"foo-1.0.0/Cargo.toml", "[package]"}, [2]string{"foo-1.0.0/README.md", "# hi"}))
	f.Add(tarGz([2]string{"foo-1.0.0/Cargo.toml", ""}, [2]string{"foo-1.0.0/../x", ""}))
	f.Add(tarGz([2]string{"/etc/passwd", ""}))
	f.Add([]byte("\x1f\x8b"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxCrate {
			return
		}
		readme, err := CheckCrate(bytes.NewReader(b), "foo", "1.0.0", "README.md")
		if err != nil {
			return
		}
		if len(readme) > maxReadmeBytes {
			t.Fatalf("readme of %d bytes", len(readme))
		}
		// Accepted: walk it again and check the names.
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		zr.Multistream(false)
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			if !strings.HasPrefix(h.Name, "foo-1.0.0/") && h.Name != "foo-1.0.0" {
				t.Fatalf("entry %q accepted", h.Name)
			}
			for _, seg := range strings.Split(h.Name, "/") {
				if seg == ".." {
					t.Fatalf("entry %q accepted", h.Name)
				}
			}
		}
	})
}

// FuzzParseIndex reads upstream index files: every version returned is
// SemVer, of the crate asked for, once, with a SHA-256 cksum; the remote
// package's download URLs stay under the index root.
func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"name":"foo","vers":"1.0.0","deps":[],"cksum":"`+strings.Repeat("ab", 32)+`","features":{},"yanked":false}`+"\n"), "foo")
	f.Add([]byte("not json\n{\"name\":\"bar\"}\n"), "foo")
	f.Add([]byte(`{"name":"Foo_x","vers":"1.0.0-a","cksum":"`+strings.Repeat("AB", 32)+`"}`), "foo-x")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		if !ValidName(name) {
			return
		}
		es, err := ParseIndex(body, name)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range es {
			if Normalize(e.Name) != Normalize(name) || seen[e.Vers] || len(e.Cksum) != 64 {
				t.Fatalf("entry %+v for %q", e, name)
			}
			if !validVersion(e.Vers) {
				t.Fatalf("version %q", e.Vers)
			}
			seen[e.Vers] = true
		}
		base, _ := url.Parse("http://up.example/index/" + IndexPath(name))
		rp, err := Remote{}.ParseMetadata(body, "", base, "", name)
		if err != nil {
			t.Fatal(err)
		}
		for _, rv := range rp.Versions {
			for _, file := range rv.Files {
				if !strings.HasPrefix(file.URL.String(), "http://up.example/index/api/v1/crates/") {
					t.Fatalf("download URL %s", file.URL)
				}
			}
		}
	})
}

// FuzzIndexPath: an index path of a valid name names that crate and no
// other.
func FuzzIndexPath(f *testing.F) {
	for _, s := range []string{"a", "ab", "abc", "abcd", "Foo_Bar", "3/a/abc", "ab/cd/abcd", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidName(s) {
			n, ok := nameFromIndexPath(IndexPath(s))
			if !ok || n != strings.ToLower(s) {
				t.Fatalf("IndexPath(%q) = %q reads back as %q %v", s, IndexPath(s), n, ok)
			}
		}
		if n, ok := nameFromIndexPath(s); ok && (!ValidName(n) || !strings.EqualFold(IndexPath(n), s)) {
			t.Fatalf("path %q read as %q", s, n)
		}
	})
}

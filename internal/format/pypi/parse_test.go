package pypi

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Demo_Pkg": "demo-pkg", "demo.pkg": "demo-pkg", "DEMO--pkg": "demo-pkg", "a._-b": "a-b",
		"requests": "requests", "Zope.Interface": "zope-interface", "x": "x", "_x_": "-x-",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
	for name, ok := range map[string]bool{
		"demo": true, "Demo_Pkg": true, "a": true, "a.b-c_d": true, "1x": true,
		"": false, "-a": false, "a-": false, "a b": false, "a/b": false, "ä": false, "..": false,
	} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
}

func TestVersions(t *testing.T) {
	for in, want := range map[string]string{
		"1.0": "1.0", "v1.0": "1.0", "1.01": "1.1", "1.0-RC.1": "1.0rc1", "1.0alpha2": "1.0a2", "1.0.beta": "1.0b0",
		"1.0c3": "1.0rc3", "1.0-1": "1.0.post1", "1.0.post": "1.0.post0", "1.0rev2": "1.0.post2", "1.0-dev3": "1.0.dev3",
		"1!2.0": "1!2.0", "0!2.0": "2.0", "1.0+Local_Build-1": "1.0+local.build.1", " 2.0 ": "2.0",
		"1.0a1.post2.dev3": "1.0a1.post2.dev3",
	} {
		got, ok := CanonicalVersion(in)
		if !ok || got != want {
			t.Errorf("CanonicalVersion(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "1.0/2", "1..0", "1.0+", "1.0 beta 2", "1#0"} {
		if _, ok := CanonicalVersion(bad); ok {
			t.Errorf("CanonicalVersion(%q) accepted", bad)
		}
	}
	same := [][2]string{{"1.0", "1.0.0"}, {"1.0", "1"}, {"1.0rc1", "1.0.0-rc.1"}, {"2.0.post1", "2-1"}, {"1!1.0", "1!1"}}
	for _, p := range same {
		if !SameVersion(p[0], p[1]) {
			t.Errorf("SameVersion(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{{"1.0", "1.1"}, {"1.0", "1.0.post0"}, {"1.0", "1.0rc1"}, {"1.0", "1!1.0"}, {"1.10", "1.1"}, {"x", "y"}}
	for _, p := range differ {
		if SameVersion(p[0], p[1]) {
			t.Errorf("SameVersion(%q, %q) = true", p[0], p[1])
		}
	}
}

func TestFilenames(t *testing.T) {
	cases := []struct {
		fn, project, version string
		kind                 string
		match                bool
	}{
		{"Demo_Pkg-1.0-py3-none-any.whl", "demo-pkg", "1.0", KindWheel, true},
		{"demo_pkg-1.0-1-py3-none-any.whl", "demo-pkg", "1.0.0", KindWheel, true},
		{"demo_pkg-1.0-py3-none-any.whl", "demo-pkg", "2.0", KindWheel, false},
		{"other-1.0-py3-none-any.whl", "demo-pkg", "1.0", KindWheel, false},
		{"demo-pkg-1.0.tar.gz", "demo-pkg", "1.0", KindSdist, true},
		{"demo_pkg-1.0rc1.tar.gz", "demo-pkg", "1.0-rc1", KindSdist, true},
		{"Demo.Pkg-1.0.zip", "demo-pkg", "1.0", KindSdist, true},
		{"demo-pkg-1.0.tar.gz", "demo", "1.0", KindSdist, false},
		{"demo-pkg-1.0.tar.gz", "demo-pkg", "1.1", KindSdist, false},
	}
	for _, c := range cases {
		f, ok := ParseFilename(c.fn)
		if !ok || f.Kind != c.kind {
			t.Errorf("ParseFilename(%q) = %+v, %v", c.fn, f, ok)
			continue
		}
		if f.Matches(c.fn, c.project, c.version) != c.match {
			t.Errorf("%q matches %s %s = %v, want %v", c.fn, c.project, c.version, !c.match, c.match)
		}
	}
	for _, bad := range []string{"", "x.whl", "a-b-c.whl", "../x-1.0.tar.gz", "a/b-1.0.tar.gz", "x-1.0.exe", "x-1.0.egg", ".x-1.tar.gz", "x-1.0\n.tar.gz", "x-1.0.tar.bz2", "x--py3-none-any.whl"} {
		if f, ok := ParseFilename(bad); ok {
			t.Errorf("ParseFilename(%q) = %+v, want refused", bad, f)
		}
	}
}

const metadata21 = "Metadata-Version: 2.1\r\n" +
	"Name: Demo_Pkg\r\n" +
	"Version: 1.0\r\n" +
	"Summary: A demo\r\n" +
	"Home-page: UNKNOWN\r\n" +
	"License: MIT\r\n" +
	"Project-URL: Home Page, https://example.com/\r\n" +
	"Project-URL: Source Code, https://example.com/src\r\n" +
	"Classifier: License :: OSI Approved :: MIT License\r\n" +
	"Requires-Python: >=3.8\r\n" +
	"Requires-Dist: requests[socks] (>=2.0,<3) ; python_version < \"3.12\"\r\n" +
	"Requires-Dist: Zope.Interface\r\n" +
	"Requires-Dist: not a requirement !!\r\n" +
	"Requires-Dist: pkg @ https://example.com/p.zip ; extra == \"x\"\r\n" +
	"Description-Content-Type: text/markdown\r\n" +
	"\r\n" +
	"# Demo\r\n\r\nBody text.\r\n"

func TestParseMetadata21(t *testing.T) {
	m, err := ParseMetadata([]byte(metadata21))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "Demo_Pkg" || m.Version != "1.0" || m.Summary != "A demo" || m.RequiresPython != ">=3.8" {
		t.Errorf("parsed %+v", m)
	}
	if m.Description != "# Demo\n\nBody text.\n" {
		t.Errorf("description = %q", m.Description)
	}
	if m.HomePageURL() != "https://example.com/" || m.SourceCodeURL() != "https://example.com/src" {
		t.Errorf("home %q source %q", m.HomePageURL(), m.SourceCodeURL())
	}
	if l := m.Licenses(); !reflect.DeepEqual(l, []domain.License{{Name: "MIT"}}) {
		t.Errorf("licenses = %+v", l)
	}
	want := []domain.Dependency{
		{Package: "requests", DependencyType: "Requires-Dist", VersionRequirement: `>=2.0,<3; python_version < "3.12"`},
		{Package: "zope-interface", DependencyType: "Requires-Dist"},
		{Package: "pkg", DependencyType: "Requires-Dist", VersionRequirement: `@ https://example.com/p.zip; extra == "x"`},
	}
	if got := m.Dependencies(); !reflect.DeepEqual(got, want) {
		t.Errorf("dependencies:\n%+v\nwant\n%+v", got, want)
	}
}

func TestParseMetadataLegacy(t *testing.T) {
	// Metadata 1.1 folds the description into a header; setuptools
	// prefixes continuation lines with 7 spaces and '|', others with 8.
	pkgInfo := "Metadata-Version: 1.1\nName: old\nVersion: 0.1\nSummary: UNKNOWN\n" +
		"License: Some long\n        license text\n" +
		"Description: First line\n       |\n       |  indented\n        eight\n" +
		"Classifier: License :: OSI Approved :: BSD License\n" +
		"Platform: UNKNOWN\n"
	m, err := ParseMetadata([]byte(pkgInfo))
	if err != nil {
		t.Fatal(err)
	}
	if m.Description != "First line\n\n  indented\neight" {
		t.Errorf("description = %q", m.Description)
	}
	if l := m.Licenses(); !reflect.DeepEqual(l, []domain.License{{Name: "BSD License"}}) {
		t.Errorf("a multi-line License falls back to classifiers: %+v", l)
	}
	m.LicenseExpression = "Apache-2.0 OR MIT"
	if l := m.Licenses(); !reflect.DeepEqual(l, []domain.License{{Name: "Apache-2.0 OR MIT"}}) {
		t.Errorf("License-Expression wins: %+v", l)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	for name, in := range map[string]string{
		"no name":                     "Metadata-Version: 2.1\nVersion: 1\n",
		"no version":                  "Metadata-Version: 2.1\nName: x\n",
		"continuation first":          "  Name: x\n",
		"not a header":                "Name: x\nVersion: 1\nnonsense\n",
		"too large":                   "Name: x\nVersion: 1\n" + strings.Repeat("X-A: b\n", MaxMetadataBytes/7+1),
		"too many fields":             "Name: x\nVersion: 1\n" + strings.Repeat("X: y\n", maxHeaders),
		"empty":                       "",
		"only a body":                 "\nName: x\nVersion: 1\n",
		"binary garbage without name": "\x00\x01\x02: \xff\n",
	} {
		if _, err := ParseMetadata([]byte(in)); !errors.Is(err, ErrMetadata) {
			t.Errorf("%s: err = %v, want ErrMetadata", name, err)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	for in, want := range map[string]Requirement{
		"a":                                  {Name: "a"},
		"A.B (>=1)":                          {Name: "A.B", Specifier: ">=1"},
		"a>=1,<2":                            {Name: "a", Specifier: ">=1,<2"},
		"a[x, y] ~= 1.0; os_name == 'nt'":    {Name: "a", Extras: []string{"x", "y"}, Specifier: "~= 1.0", Marker: "os_name == 'nt'"},
		"a; extra == 'test'":                 {Name: "a", Marker: "extra == 'test'"},
		"a @ https://x/a;b.whl ; extra=='t'": {Name: "a", Specifier: "@ https://x/a;b.whl", Marker: "extra=='t'"},
	} {
		got, err := ParseRequirement(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseRequirement(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", ">=1", "a (>=1", "a[x", "a foo"} {
		if _, err := ParseRequirement(bad); err == nil {
			t.Errorf("ParseRequirement(%q) accepted", bad)
		}
	}
}

// zipOf builds a zip archive of name → content.
func zipOf(t testing.TB, files ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.Create(files[i])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(files[i+1]))
	}
	zw.Close()
	return buf.Bytes()
}

func TestWheelMetadata(t *testing.T) {
	meta := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
	read := func(b []byte, project string) ([]byte, error) {
		return WheelMetadata(bytes.NewReader(b), int64(len(b)), project)
	}
	got, err := read(zipOf(t, "demo/__init__.py", "", "demo-1.0.dist-info/METADATA", meta, "demo-1.0.dist-info/RECORD", ""), "demo")
	if err != nil || string(got) != meta {
		t.Fatalf("METADATA = %q, %v", got, err)
	}
	// Several .dist-info directories: the project's wins.
	got, err = read(zipOf(t, "vendored-2.0.dist-info/METADATA", "other", "Demo-1.0.dist-info/METADATA", meta), "demo")
	if err != nil || string(got) != meta {
		t.Errorf("with a vendored .dist-info: %q, %v", got, err)
	}

	// A METADATA that claims a small size but inflates past the cap.
	var deflated bytes.Buffer
	fw, _ := flate.NewWriter(&deflated, flate.BestCompression)
	big := bytes.Repeat([]byte("A"), MaxMetadataBytes+100)
	fw.Write(big)
	fw.Close()
	var lying bytes.Buffer
	zw := zip.NewWriter(&lying)
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name: "demo-1.0.dist-info/METADATA", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(big),
		CompressedSize64: uint64(deflated.Len()), UncompressedSize64: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(deflated.Bytes())
	zw.Close()

	for name, b := range map[string][]byte{
		"not a zip":        []byte("PK nonsense"),
		"no METADATA":      zipOf(t, "demo/__init__.py", ""),
		"nested METADATA":  zipOf(t, "x/demo-1.0.dist-info/METADATA", meta),
		"path traversal":   zipOf(t, "../../etc/passwd", "", "demo-1.0.dist-info/METADATA", meta),
		"absolute path":    zipOf(t, "/etc/passwd", "", "demo-1.0.dist-info/METADATA", meta),
		"two candidates":   zipOf(t, "a-1.dist-info/METADATA", meta, "b-1.dist-info/METADATA", meta),
		"declared too big": zipOf(t, "demo-1.0.dist-info/METADATA", string(big)),
		"zip bomb":         lying.Bytes(),
	} {
		_, err := read(b, "demo")
		t.Logf("%s: %v", name, err)
		if !errors.Is(err, ErrDist) {
			t.Errorf("%s: err = %v, want ErrDist", name, err)
		}
	}
}

// tarGz builds a .tar.gz of headers and contents.
func tarGz(t *testing.T, entries ...any) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for i := 0; i < len(entries); i += 2 {
		h := entries[i].(*tar.Header)
		body := entries[i+1].([]byte)
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(body))
		}
		h.Mode = 0o644
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

func TestSdistMetadata(t *testing.T) {
	meta := []byte("Metadata-Version: 1.2\nName: demo\nVersion: 1.0\n")
	read := func(b []byte, ext string) ([]byte, error) {
		return SdistMetadata(bytes.NewReader(b), int64(len(b)), ext)
	}
	ok := map[string][]byte{
		"tar.gz":         tarGz(t, &tar.Header{Name: "demo-1.0/setup.py"}, []byte("x"), &tar.Header{Name: "demo-1.0/PKG-INFO"}, meta),
		"tar.gz with ./": tarGz(t, &tar.Header{Name: "./demo-1.0/PKG-INFO"}, meta),
		"nested first":   tarGz(t, &tar.Header{Name: "demo-1.0/demo.egg-info/PKG-INFO"}, []byte("nested"), &tar.Header{Name: "demo-1.0/PKG-INFO"}, meta),
	}
	for name, b := range ok {
		if got, err := read(b, ".tar.gz"); err != nil || !bytes.Equal(got, meta) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if got, err := read(zipOf(t, "demo-1.0/PKG-INFO", string(meta)), ".zip"); err != nil || !bytes.Equal(got, meta) {
		t.Errorf("zip: %q, %v", got, err)
	}

	old := maxScanBytes
	maxScanBytes = 8 << 20
	defer func() { maxScanBytes = old }()
	bad := map[string][]byte{
		"not gzip":             []byte("plain"),
		"gzip, not tar":        gzipOf(t, bytes.Repeat([]byte{'x'}, 2000)),
		"no PKG-INFO":          tarGz(t, &tar.Header{Name: "demo-1.0/setup.py"}, []byte("x")),
		"symlinked PKG-INFO":   tarGz(t, &tar.Header{Name: "demo-1.0/PKG-INFO", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, []byte{}),
		"path traversal":       tarGz(t, &tar.Header{Name: "../evil"}, []byte("x"), &tar.Header{Name: "demo-1.0/PKG-INFO"}, meta),
		"bomb before PKG-INFO": tarGz(t, &tar.Header{Name: "demo-1.0/zeros"}, make([]byte, 9<<20), &tar.Header{Name: "demo-1.0/PKG-INFO"}, meta),
		"PKG-INFO too big":     tarGz(t, &tar.Header{Name: "demo-1.0/PKG-INFO"}, make([]byte, MaxMetadataBytes+1)),
	}
	for name, b := range bad {
		_, err := read(b, ".tar.gz")
		t.Logf("%s: %v", name, err)
		if !errors.Is(err, ErrDist) {
			t.Errorf("%s: err = %v, want ErrDist", name, err)
		}
	}
	if _, err := read(zipOf(t, "../x", "", "demo-1.0/PKG-INFO", string(meta)), ".zip"); !errors.Is(err, ErrDist) {
		t.Errorf("zip with traversal: %v", err)
	}
	if _, err := read(zipOf(t, "PKG-INFO", string(meta)), ".zip"); !errors.Is(err, ErrDist) {
		t.Errorf("zip with PKG-INFO at the root: %v", err)
	}
}

func gzipOf(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	gz.Write(b)
	gz.Close()
	return buf.Bytes()
}

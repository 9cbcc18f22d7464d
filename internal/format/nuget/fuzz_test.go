package nuget

import (
	"archive/zip"
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzParseVersion: any string parses or not without panicking; a parsed
// version's normalized form parses to the same version, normalizing is
// idempotent, and the sort key agrees with CompareVersions.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0", "1.01.0.0", "1.0.0-beta.1+x", "2.0.0-RC-1", "1", "x", "1.0.0-a..b", "99999999999.0"} {
		f.Add(s, "1.0.0-alpha")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		va, oka := ParseVersion(a)
		vb, okb := ParseVersion(b)
		if !oka || !okb {
			return
		}
		n := va.Normalized()
		again, ok := ParseVersion(n)
		if !ok || CompareVersions(again, va) != 0 || again.Normalized() != n {
			t.Fatalf("%q normalizes to %q, which reads back as %+v (%v)", a, n, again, ok)
		}
		if s, _ := NormalizeVersion(a); s != strings.ToLower(n) {
			t.Fatalf("NormalizeVersion(%q) = %q, want %q", a, s, strings.ToLower(n))
		}
		// Keys of the stored (normalized) spellings order as the versions.
		sa, _ := NormalizeVersion(a)
		sb, _ := NormalizeVersion(b)
		c := CompareVersions(va, vb)
		k := bytes.Compare(Rules{}.VersionSortKey(sa), Rules{}.VersionSortKey(sb))
		if c < 0 && k >= 0 || c > 0 && k <= 0 {
			t.Fatalf("Compare(%q, %q) = %d but keys compare %d", a, b, c, k)
		}
	})
}

// FuzzParseNuspec: arbitrary bytes never panic; an accepted nuspec has a
// valid ID and version and bounded dependencies.
func FuzzParseNuspec(f *testing.F) {
	f.Add([]byte(`<package><metadata><id>A</id><version>1.0</version><authors>x</authors><description>d</description>
<dependencies><group targetFramework="net6.0"><dependency id="B" version="[1.0,2.0)"/></group></dependencies></metadata></package>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><package><metadata><id>&a;</id></metadata></package>`))
	f.Add([]byte(`<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>A.B</id><version>1.0.0-x</version></metadata></package>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseNuspec(b)
		if err != nil {
			return
		}
		if !ValidID(n.Metadata.ID) {
			t.Fatalf("accepted id %q", n.Metadata.ID)
		}
		if _, ok := ParseVersion(n.Metadata.Version); !ok {
			t.Fatalf("accepted version %q", n.Metadata.Version)
		}
		_ = n.Groups()
		_ = n.DomainDependencies()
	})
}

// FuzzReadPackage: arbitrary archives never panic and finish quickly; an
// accepted one has no entry that escapes its directory.
func FuzzReadPackage(f *testing.F) {
	zipOf := func(files map[string]string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, body := range files {
			w, _ := zw.Create(name)
			w.Write([]byte(body))
		}
		zw.Close()
		return buf.Bytes()
	}
	spec := `<package><metadata><id>A</id><version>1.0</version><authors>x</authors><description>d</description><readme>docs/R.md</readme></metadata></package>`
	f.Add(zipOf(map[string]string{"A.nuspec": spec, "docs/R.md": "# hi"}))
	f.Add(zipOf(map[string]string{"A.nuspec": spec, "../x": "y"}))
	f.Add(zipOf(map[string]string{"a.nuspec": spec, "b.nuspec": spec}))
	f.Add([]byte("PK\x03\x04 not really"))
	f.Fuzz(func(t *testing.T, b []byte) {
		start := time.Now()
		p, err := ReadPackage(bytes.NewReader(b), int64(len(b)))
		if time.Since(start) > 2*time.Second {
			t.Fatalf("ReadPackage took %v on %d bytes", time.Since(start), len(b))
		}
		if err != nil {
			return
		}
		zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, zf := range zr.File {
			if checkEntryName(zf.Name) != nil {
				t.Fatalf("accepted entry %q", zf.Name)
			}
		}
		if len(p.Readme) > MaxReadmeBytes || len(p.NuspecRaw) > MaxNuspecBytes {
			t.Fatal("limits not kept")
		}
	})
}

// FuzzRemoteParseMetadata: any flat-container listing is read without
// panicking; every version offered is a normalized NuGet version whose
// file URL stays under the listing's directory.
func FuzzRemoteParseMetadata(f *testing.F) {
	f.Add([]byte(`{"versions":["1.0.0","2.0.0-RC.1","1.00"]}`), "Fabrikam.Json")
	f.Add([]byte(`{"versions":["../../x","1.0.0/../.."]}`), "a")
	f.Add([]byte(`[]`), "a")
	base, _ := url.Parse("http://127.0.0.1:1/v3-flatcontainer/a/index.json")
	f.Fuzz(func(t *testing.T, body []byte, name string) {
		if !ValidID(name) {
			return
		}
		rp, err := Remote{}.ParseMetadata(body, "application/json", base, "", name)
		if err != nil {
			return
		}
		for _, rv := range rp.Versions {
			if n, ok := NormalizeVersion(rv.Version); !ok || n != rv.Version {
				t.Fatalf("offered version %q", rv.Version)
			}
			for _, file := range rv.Files {
				if !strings.HasPrefix(file.URL.String(), "http://127.0.0.1:1/v3-flatcontainer/a/") {
					t.Fatalf("file URL %s escapes the listing", file.URL)
				}
			}
		}
	})
}

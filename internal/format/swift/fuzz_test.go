package swift

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
)

// Fuzz targets for what Swift clients send: source archives, release
// metadata, the multipart publish body, Accept headers, manifests' tools
// version lines and repository URLs. Seeds run with every `go test`;
// scripts/fuzz fuzzes them.

// FuzzInspectArchive checks source archives. An accepted archive has one
// safe top-level directory holding every entry, Package.swift first
// among its manifests, each manifest bounded.
func FuzzInspectArchive(f *testing.F) {
	f.Add(buildZip(f, zipEntry{name: "Kit/"}, zipEntry{name: "Kit/Package.swift", body: "// swift-tools-version:5.9\n"}))
	f.Add(buildZip(f, zipEntry{name: "Kit/Package.swift"}, zipEntry{name: "Kit/Package@swift-5.swift", body: "// swift-tools-version:5.0\n"}, zipEntry{name: "Kit/README.md", body: "hi"}))
	f.Add(buildZip(f, zipEntry{name: "Kit/../Package.swift"}))
	f.Add(buildZip(f, zipEntry{name: "Package.swift"}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 64<<10 {
			return
		}
		a, err := InspectArchive(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if a.Top == "" || strings.ContainsAny(a.Top, "/\\\x00") || a.Top == "." || a.Top == ".." {
			t.Fatalf("unsafe top directory %q accepted", a.Top)
		}
		if len(a.Manifests) == 0 || a.Manifests[0].Name != "Package.swift" {
			t.Fatalf("accepted without Package.swift first: %+v", a.Manifests)
		}
		for _, m := range a.Manifests[1:] {
			if !versionedManifest.MatchString(m.Name) {
				t.Fatalf("manifest %q accepted", m.Name)
			}
		}
		for _, m := range a.Manifests {
			if len(m.Content) > MaxManifestBytes {
				t.Fatalf("manifest of %d bytes", len(m.Content))
			}
		}
		zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		for _, e := range zr.File {
			inside := e.Name == a.Top+"/" || strings.HasPrefix(e.Name, a.Top+"/")
			if !inside || strings.Contains("/"+e.Name+"/", "/../") || strings.HasPrefix(e.Name, "/") {
				t.Fatalf("entry %q outside %q accepted", e.Name, a.Top)
			}
		}
	})
}

// FuzzParseMetadata checks release metadata documents: an accepted one
// is a compact JSON object no larger than what was sent, whose
// repository URLs all have a canonical form.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"description": "One thing links to another.", "repositoryURLs": ["https://git.example.com/mona/LinkedList"], "author": {"name": "Mona"}}`))
	f.Add([]byte(`{ "repositoryURLs": [] }`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"licenseURL": 1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, doc, err := ParseMetadata(b)
		if err != nil {
			return
		}
		var obj map[string]any
		if json.Unmarshal(doc, &obj) != nil || obj == nil || len(doc) > max(len(b), 2) {
			t.Fatalf("accepted %q as %q", b, doc)
		}
		for _, u := range m.RepositoryURLs {
			if canonicalURL(u) == "" {
				t.Fatalf("repository URL %q accepted", u)
			}
		}
	})
}

// FuzzReadPublishForm reads multipart publish bodies: an accepted one has
// exactly one source archive, within the bounds.
func FuzzReadPublishForm(f *testing.F) {
	var seed bytes.Buffer
	mw := multipart.NewWriter(&seed)
	mw.SetBoundary("b")
	w, _ := mw.CreateFormField("source-archive")
	w.Write([]byte("PK"))
	w, _ = mw.CreateFormField("metadata")
	w.Write([]byte("{}"))
	mw.Close()
	f.Add(seed.Bytes())
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"source-archive\"\r\nContent-Transfer-Encoding: base64\r\n\r\ngHUFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n--b--\r\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n--b--\r\n"))
	fm := &Format{TempDir: f.TempDir()}
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > 64<<10 {
			return
		}
		r := httptest.NewRequest("PUT", "/swift/x", bytes.NewReader(body))
		r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		p, err := fm.readPublishForm(r)
		defer p.close()
		if err != nil {
			return
		}
		if p.archive == nil || p.size > MaxArchiveBytes || len(p.metadata) > MaxMetadataBytes || len(p.signature) > maxSignatureBytes {
			t.Fatalf("accepted form %+v", p)
		}
	})
}

// FuzzNegotiate reads Accept headers: any answer is one of the three.
func FuzzNegotiate(f *testing.F) {
	for _, s := range []string{"application/vnd.swift.registry.v1+json", "application/vnd.swift.registry.v2", "application/vnd.swift.registry.v+zip", "*/*, application/json;q=0.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		switch negotiate(accept) {
		case acceptOK, acceptInvalid, acceptUnsupported:
		default:
			t.Fatalf("negotiate(%q) out of range", accept)
		}
	})
}

// FuzzToolsVersion reads manifests' first lines: a version found is
// dot-separated digits.
func FuzzToolsVersion(f *testing.F) {
	for _, s := range []string{"// swift-tools-version:5.9\n", "// swift-tools-version: 5.7.1; x\n", "//swift-tools-version:", "\ufeff// Swift-Tools-Version:4"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := ToolsVersion(b)
		if v == "" {
			return
		}
		for _, part := range strings.Split(v, ".") {
			if part == "" || strings.Trim(part, "0123456789") != "" {
				t.Fatalf("ToolsVersion = %q", v)
			}
		}
	})
}

// FuzzCanonicalURL canonicalizes repository URLs: a canonical form is
// a lowercase host and path, without whitespace.
func FuzzCanonicalURL(f *testing.F) {
	for _, s := range []string{"https://git.example.com/mona/LinkedList.git", "git@git.example.com:mona/x", "ssh://u@h:22/a/", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := canonicalURL(s)
		if c == "" {
			return
		}
		host, _, _ := strings.Cut(c, "/")
		if c != strings.ToLower(c) || host == "" || strings.ContainsFunc(c, unicode.IsSpace) {
			t.Fatalf("canonicalURL(%q) = %q", s, c)
		}
	})
}

package pypi

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

// Fuzz targets for what PyPI clients (and upstream indexes) send: file
// names, versions, core metadata, wheels and sdists, twine's multipart
// upload form, and simple-index project pages. Seeds run with every
// `go test`; scripts/fuzz fuzzes them.

// fuzzMaxArchive bounds a fuzzed archive; gzip inflates at most ~1000x.
const fuzzMaxArchive = 64 << 10

// FuzzParseFilename takes file names apart against projects and
// versions. An accepted name is safe (no path separators, no control
// characters, bounded) and of the kind its extension says; a file that
// names a version of a project is that version's file.
func FuzzParseFilename(f *testing.F) {
	for _, s := range [][3]string{
		{"demo_pkg-1.0-py3-none-any.whl", "demo-pkg", "1.0"},
		{"demo_pkg-1.0-1-py3-none-any.whl", "Demo.Pkg", "1.0.0"},
		{"demo-pkg-1.0.tar.gz", "demo-pkg", "1.0"},
		{"demo-pkg-1.0rc1.zip", "demo-pkg", "1.0-RC.1"},
		{"demo.tar.gz", "demo", ""},
		{"../x-1.0.tar.gz", "x", "1.0"},
		{".hidden-1.0.whl", "", ""},
		{"a--b-1.0.TAR.GZ", "a", "-b-1.0"},
		{"x-1.0-py3-none-any.whl\x00", "x", "1.0"},
		{"x-1-2-3-4-5-6.whl", "x", "1"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, fn, project, version string) {
		if len(fn)+len(project)+len(version) > 4<<10 {
			return
		}
		project = Normalize(project)
		p, ok := ParseFilename(fn)
		if ok {
			lower := strings.ToLower(fn)
			switch {
			case len(fn) > 255 || strings.ContainsAny(fn, "/\\") || strings.HasPrefix(fn, "."):
				t.Fatalf("unsafe file name %q accepted", fn)
			case strings.ContainsFunc(fn, func(r rune) bool { return r < 0x20 || r == 0x7f }):
				t.Fatalf("file name %q with control characters accepted", fn)
			case !strings.HasSuffix(lower, p.Ext):
				t.Fatalf("%q parsed with extension %q", fn, p.Ext)
			case p.Kind == KindWheel && (p.Ext != ".whl" || p.Name == "" || p.Version == "" || strings.Contains(p.Name+p.Version, "-")):
				t.Fatalf("wheel %q parsed as %+v", fn, p)
			case p.Kind == KindSdist && p.Ext != ".tar.gz" && p.Ext != ".zip":
				t.Fatalf("sdist %q parsed as %+v", fn, p)
			case p.Kind != KindWheel && p.Kind != KindSdist:
				t.Fatalf("%q parsed as %+v", fn, p)
			}
			if p.Matches(fn, project, version) && p.Kind == KindWheel && Normalize(p.Name) != project {
				t.Fatalf("wheel %q matches project %q", fn, project)
			}
		}
		kind, v, ok2 := fileVersion(fn, project)
		if ok2 {
			if !ok || kind != p.Kind {
				t.Fatalf("fileVersion(%q) = %s, but ParseFilename says %+v, %v", fn, kind, p, ok)
			}
			if c, ok := CanonicalVersion(v); !ok || c != v {
				t.Fatalf("fileVersion(%q) = %q, not canonical (%q)", fn, v, c)
			}
			if !p.Matches(fn, project, v) {
				t.Fatalf("%q is version %q of %q but does not match it", fn, v, project)
			}
		}
	})
}

// FuzzVersionsAndNames checks PEP 440 canonical versions and PEP 503
// names: a canonical version is its own canonical form and the same
// version as what it came from; SameVersion is an equivalence; Normalize
// is idempotent and keeps valid names valid.
func FuzzVersionsAndNames(f *testing.F) {
	for _, s := range [][3]string{
		{"1.0", "1.0.0", "1.00"},
		{"1.0-RC.1", "1.0rc1", "v1.0c1"},
		{"2!1.0.post", "2!1.0-1", "2!1.0.0.post0"},
		{"1.0.dev", "1.0-dev0", "1.0_DEV"},
		{"1.0+Ubuntu-1", "1.0+ubuntu.1", "1.0+ubuntu_1"},
		{" v1.0 ", "0!1", "01.0"},
		{"Demo_Pkg", "demo.pkg", "DEMO--PKG"},
		{"", "-", "a..b"},
		{"1.0a", "1.0.0a0", "1.0.0.0a0"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if len(a)+len(b)+len(c) > 4<<10 {
			return
		}
		if ca, ok := CanonicalVersion(a); ok {
			if again, ok := CanonicalVersion(ca); !ok || again != ca {
				t.Fatalf("CanonicalVersion(%q) = %q, whose canonical form is %q, %v", a, ca, again, ok)
			}
			if !SameVersion(a, ca) {
				t.Fatalf("%q and its canonical form %q are not the same version", a, ca)
			}
		}
		if !SameVersion(a, a) || SameVersion(a, b) != SameVersion(b, a) {
			t.Fatalf("SameVersion is not reflexive and symmetric on %q, %q", a, b)
		}
		if SameVersion(a, b) && SameVersion(b, c) && !SameVersion(a, c) {
			t.Fatalf("SameVersion is not transitive: %q, %q, %q", a, b, c)
		}
		n := Normalize(a)
		if Normalize(n) != n || strings.ContainsAny(n, "_.") || n != strings.ToLower(n) {
			t.Fatalf("Normalize(%q) = %q, normalized again %q", a, n, Normalize(n))
		}
		if ValidName(a) && !ValidName(n) {
			t.Fatalf("valid name %q normalizes to invalid %q", a, n)
		}
	})
}

// FuzzParseMetadata reads arbitrary bytes as core metadata (METADATA,
// PKG-INFO). Failures wrap ErrMetadata; what parses has a name and a
// version, is valid UTF-8, has one-line fields on one line, and parses
// again to the same fields once written out; its requirements parse or
// fail with ErrMetadata.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: s\nRequires-Dist: requests (>=2.0) ; python_version < \"3\"\nRequires-Dist: x[a,b]@ https://e/x.whl ; os_name=='nt'\n" +
		"Project-URL: Source, https://src.example\nClassifier: License :: OSI Approved :: MIT License\nLicense: MIT\n\nlong\ndescription\n"))
	f.Add([]byte("Metadata-Version: 1.0\r\nName: legacy\r\nVersion: 0.1\r\nDescription: line one\r\n        line two\r\n       |line three\r\nHome-page: http://h\r\n"))
	f.Add([]byte("\ufeffName: bom\nVersion: 1\n"))
	f.Add([]byte(" continuation first\nName: x\n"))
	f.Add([]byte("Name x\nVersion: 1\n"))
	f.Add([]byte("Name: \xff\xfe\nVersion: \x00\n"))
	f.Add([]byte("Name:\n\tfolded\n  again\nVersion:1\nRequires-Dist: (>=1)\nRequires-Dist: a[\nRequires-Dist: b (>=1\nRequires-Dist: c foo\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 256<<10 {
			return
		}
		m, err := ParseMetadata(b)
		if err != nil {
			if !errors.Is(err, ErrMetadata) {
				t.Fatalf("error %v does not wrap ErrMetadata", err)
			}
			return
		}
		if m.Name == "" || m.Version == "" {
			t.Fatalf("parsed without a name or version: %+v", m)
		}
		one := map[string]string{"Metadata-Version": m.MetadataVersion, "Name": m.Name, "Version": m.Version, "Summary": m.Summary,
			"Home-page": m.HomePage, "License-Expression": m.LicenseExpression, "Requires-Python": m.RequiresPython,
			"Description-Content-Type": m.DescriptionContentType}
		all := []string{m.License, m.Description}
		for _, v := range one {
			if strings.Contains(v, "\n") || v != strings.TrimSpace(v) {
				t.Fatalf("one-line field %q", v)
			}
			all = append(all, v)
		}
		all = append(append(append(all, m.RequiresDist...), m.ProjectURLs...), m.Classifiers...)
		for _, v := range all {
			if !utf8.ValidString(v) {
				t.Fatalf("field %q is not valid UTF-8", v)
			}
		}

		var out strings.Builder
		for _, k := range []string{"Metadata-Version", "Name", "Version", "Summary", "Home-page", "License-Expression", "Requires-Python", "Description-Content-Type"} {
			out.WriteString(k + ": " + one[k] + "\n")
		}
		for _, r := range m.RequiresDist {
			out.WriteString("Requires-Dist: " + r + "\n")
		}
		again, err := ParseMetadata([]byte(out.String()))
		if err != nil {
			t.Fatalf("written out as %q, it does not parse: %v", out.String(), err)
		}
		if again.Name != m.Name || again.Version != m.Version || again.Summary != m.Summary || again.HomePage != m.HomePage ||
			again.RequiresPython != m.RequiresPython || strings.Join(again.RequiresDist, "\n") != strings.Join(m.RequiresDist, "\n") {
			t.Fatalf("%+v written out and parsed again is %+v", m, again)
		}

		for _, s := range m.RequiresDist {
			r, err := ParseRequirement(s)
			if err != nil {
				if !errors.Is(err, ErrMetadata) {
					t.Fatalf("ParseRequirement(%q): %v does not wrap ErrMetadata", s, err)
				}
				continue
			}
			if !ValidName(r.Name) || r.Dependency().Package != Normalize(r.Name) {
				t.Fatalf("ParseRequirement(%q) = %+v", s, r)
			}
		}
		m.Dependencies()
		m.Licenses()
		m.HomePageURL()
		m.SourceCodeURL()
	})
}

// fuzzZip writes a zip of name/content pairs after prefix (a
// self-extracting stub), with a comment.
func fuzzZip(prefix []byte, comment string, files ...string) []byte {
	var buf bytes.Buffer
	buf.Write(prefix)
	zw := zip.NewWriter(&buf)
	zw.SetOffset(0) // offsets from the archive's own start, as stubs do
	for i := 0; i+1 < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Deflate})
		if err != nil {
			return nil
		}
		w.Write([]byte(files[i+1]))
	}
	if zw.SetComment(comment) != nil || zw.Close() != nil {
		return nil
	}
	return buf.Bytes()
}

func fuzzTarGz(files ...string) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i := 0; i+1 < len(files); i += 2 {
		tw.WriteHeader(&tar.Header{Name: files[i], Mode: 0o644, Size: int64(len(files[i+1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(files[i+1]))
	}
	tw.Close()
	gz.Close()
	return buf.Bytes()
}

// FuzzDistMetadata reads arbitrary bytes as a wheel, a .zip sdist and a
// .tar.gz sdist. Failures wrap ErrDist; what is returned is within
// MaxMetadataBytes and is the content of the archive's METADATA or
// PKG-INFO.
func FuzzDistMetadata(f *testing.F) {
	meta := "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
	f.Add(fuzzZip(nil, "", "demo/__init__.py", "", "demo-1.0.dist-info/METADATA", meta), "demo")
	f.Add(fuzzZip(nil, "", "vendored-2.0.dist-info/METADATA", "other", "Demo-1.0.dist-info/METADATA", meta), "demo")
	f.Add(fuzzZip([]byte("#!/bin/sh\nexit 0\n"), "PK\x05\x06 in a comment", "demo-1.0/PKG-INFO", meta, "../x", ""), "demo")
	f.Add(fuzzZip(nil, "", "a-1.dist-info/METADATA", meta, "b-1.dist-info/METADATA", meta), "c")
	f.Add(fuzzZip([]byte("stub"), "", "demo-1.0/setup.py", "", "demo-1.0/PKG-INFO", meta), "demo")
	f.Add(fuzzTarGz("demo-1.0/setup.py", "x", "demo-1.0/PKG-INFO", meta), "demo")
	f.Add(fuzzTarGz("./demo-1.0/PKG-INFO", meta, "/etc/passwd", ""), "demo")
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00"), "demo")
	f.Add([]byte("PK nonsense"), "demo")
	f.Add([]byte{}, "")

	old := maxScanBytes
	maxScanBytes = 1 << 20 // a gzip bomb stops sooner, and the fuzzer sees it stop
	f.Cleanup(func() { maxScanBytes = old })

	f.Fuzz(func(t *testing.T, data []byte, project string) {
		if len(data) > fuzzMaxArchive {
			return
		}
		project = Normalize(project)
		ra, size := bytes.NewReader(data), int64(len(data))
		check := func(what string, b []byte, err error, isMeta func(name string) bool) {
			if err != nil {
				if !errors.Is(err, ErrDist) {
					t.Fatalf("%s: error %v does not wrap ErrDist", what, err)
				}
				return
			}
			if len(b) > MaxMetadataBytes {
				t.Fatalf("%s: %d bytes of metadata", what, len(b))
			}
			if isMeta == nil {
				return
			}
			zr, err := zip.NewReader(ra, size)
			if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
				t.Fatalf("%s read, but archive/zip refuses it: %v", what, err)
			}
			for _, f := range zr.File {
				if !isMeta(f.Name) {
					continue
				}
				rc, err := f.Open()
				if err != nil {
					continue
				}
				var got bytes.Buffer
				_, err = got.ReadFrom(rc)
				rc.Close()
				if err == nil && bytes.Equal(got.Bytes(), b) {
					return
				}
			}
			t.Fatalf("%s: %q is not the content of a metadata file of the archive", what, b)
		}
		b, err := WheelMetadata(ra, size, project)
		check("wheel", b, err, func(name string) bool {
			dir, file, ok := strings.Cut(name, "/")
			return ok && file == "METADATA" && strings.HasSuffix(dir, ".dist-info")
		})
		b, err = SdistMetadata(ra, size, ".zip")
		check("zip sdist", b, err, isTopPkgInfo)
		b, err = SdistMetadata(ra, size, ".tar.gz")
		check("tar.gz sdist", b, err, nil)
	})
}

// FuzzWheelArchive writes well-formed zip archives of fuzzed entries
// (with a stub before them and a comment after, as self-extracting
// archives have) and checks that the wheel and sdist readers, and the
// checks they run before archive/zip, read each: a sound archive is
// never refused as not a zip, and its only .dist-info/METADATA (or
// top-level PKG-INFO) is found.
func FuzzWheelArchive(f *testing.F) {
	f.Add("demo-1.0.dist-info/METADATA\ndemo/__init__.py", "Name: demo\nVersion: 1.0\n", []byte(nil), "")
	f.Add("demo-1.0/PKG-INFO\ndemo-1.0/setup.py", "Name: demo\nVersion: 1.0\n", []byte("MZ stub"), "comment")
	f.Add("x-1.dist-info/METADATA", "", []byte("PK\x05\x06"), "PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00")
	f.Add("a\nb\nc\n../d\ne-1.dist-info/METADATA", "m", []byte(nil), "PK\x01\x02")

	f.Fuzz(func(t *testing.T, names, content string, prefix []byte, comment string) {
		if len(names)+len(content)+len(prefix)+len(comment) > fuzzMaxArchive {
			return
		}
		var files []string
		list := strings.Split(names, "\n")
		if len(list) > 64 {
			return
		}
		for _, n := range list {
			files = append(files, n, content)
		}
		data := fuzzZip(prefix, comment, files...)
		if data == nil {
			return // zip.Writer refuses the names or comment
		}
		ra, size := bytes.NewReader(data), int64(len(data))
		if zr, err := zip.NewReader(ra, size); err != nil && !errors.Is(err, zip.ErrInsecurePath) || len(zr.File) != len(list) {
			return // the stub or comment confuses archive/zip itself
		}
		if err := checkZipDirectory(ra, size); err != nil {
			t.Fatalf("a sound archive of %q (stub %q, comment %q) is refused: %v", list, prefix, comment, err)
		}
		unsafe, wheelMeta, pkgInfo := false, 0, 0
		for _, n := range list {
			unsafe = unsafe || unsafePath(n)
			if dir, file, ok := strings.Cut(n, "/"); ok && file == "METADATA" && strings.HasSuffix(dir, ".dist-info") && dir != ".dist-info" {
				wheelMeta++
			}
			if isTopPkgInfo(n) && !strings.HasSuffix(n, "/") {
				pkgInfo++
			}
		}
		b, err := WheelMetadata(ra, size, "demo")
		switch {
		case (unsafe || wheelMeta == 0) && err == nil:
			t.Fatalf("wheel of %q read: %q", list, b)
		case !unsafe && wheelMeta == 1 && (err != nil || string(b) != content):
			t.Fatalf("wheel of %q: %q, %v; want %q", list, b, err, content)
		}
		b, err = SdistMetadata(ra, size, ".zip")
		if !unsafe && pkgInfo > 0 && (err != nil || string(b) != content) {
			t.Fatalf("zip sdist of %q: %q, %v; want %q", list, b, err, content)
		}
	})
}

// FuzzUploadForm reads twine's multipart upload form: once as a form
// written by mime/multipart from fuzzed fields and file (which must come
// back as sent), once as arbitrary bytes. Failures are validation
// errors; the text fields stay within their budget; the spooled file is
// what was sent, and closing the form removes it.
func FuzzUploadForm(f *testing.F) {
	f.Add("name", "demo", "demo-1.0.tar.gz", []byte("tarball"), []byte("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\nv\r\n--b--\r\n"))
	f.Add("requires_dist", "a>=1\n", "d.whl", []byte{}, []byte("--b\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\n2\r\n--b--\r\n"))
	f.Add("", "", "", []byte(nil), []byte("--b\r\n\r\n"))
	f.Add("gpg_signature", "sig", "../../x", []byte("x"), []byte("no boundary at all"))
	f.Add("é\"\r\n", "\x00", "\"quoted\"", []byte("c"), []byte("--b\r\nContent-Disposition: form-data; name=\"content\"; filename*=UTF-8''%C3%A9\r\n\r\n--b--"))

	f.Fuzz(func(t *testing.T, field, value, filename string, content, raw []byte) {
		if len(field)+len(value)+len(filename)+len(content)+len(raw) > 64<<10 {
			return
		}
		dir := t.TempDir()
		fm := &Format{TempDir: dir}
		read := func(body []byte, contentType string) (*uploadForm, error) {
			r := httptest.NewRequest(http.MethodPost, "/pypi/d/acme-000000000000/py/", bytes.NewReader(body))
			r.Header.Set("Content-Type", contentType)
			u, err := fm.readForm(r)
			if err != nil && !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v is not a validation error", err)
			}
			var total int
			for _, vs := range u.fields {
				for _, v := range vs {
					total += len(v)
				}
			}
			if total > maxFormBytes {
				t.Fatalf("%d bytes of form fields kept", total)
			}
			if u.file != nil && err == nil {
				if st, err := u.file.Stat(); err != nil || u.size != st.Size() {
					t.Fatalf("spooled file of %d bytes: %v, %v", u.size, st, err)
				}
			}
			return u, err
		}
		empty := func() {
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("closing the form left %d files behind", len(left))
			}
		}

		// A form as twine writes it.
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		if field != "content" {
			mw.WriteField(field, value)
		}
		w, _ := mw.CreateFormFile("content", filename)
		w.Write(content)
		mw.Close()
		u, err := read(body.Bytes(), mw.FormDataContentType())
		// mime/multipart writes control characters into a part's header
		// unescaped: such forms are not what twine sends.
		if !strings.ContainsFunc(field+filename, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			if err != nil {
				t.Fatalf("a well-formed form is refused: %v", err)
			}
			if field != "content" && field != "gpg_signature" && field != "attestations" && field != "" {
				if got := u.fields[field]; len(got) != 1 || got[0] != value {
					t.Fatalf("field %q = %q, sent %q", field, got, value)
				}
			}
			if u.file == nil || u.size != int64(len(content)) {
				t.Fatalf("file of %d bytes spooled as %v, %d bytes", len(content), u.file, u.size)
			}
			if got, err := os.ReadFile(u.file.Name()); err != nil || !bytes.Equal(got, content) {
				t.Fatalf("spooled %q, sent %q (%v)", got, content, err)
			}
		}
		u.close()
		empty()

		// Arbitrary bytes.
		u, _ = read(raw, "multipart/form-data; boundary=b")
		u.close()
		empty()
	})
}

// FuzzRemotePage reads arbitrary project pages, HTML and JSON, as an
// external connection does. What is listed is a canonical version per
// group of equal versions, with files of the project only, at http(s)
// URLs without fragments, each with a well-formed sha256, and a version
// document that lists exactly those files.
func FuzzRemotePage(f *testing.F) {
	hash := strings.Repeat("ab", 32)
	f.Add([]byte(`<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"></head><body>
<!-- <a href="https://f.example/demo_pkg-9.0-py3-none-any.whl#sha256=`+hash+`">no</a> -->
<a href="https://f.example/demo_pkg-1.0-py3-none-any.whl#sha256=`+hash+`" data-requires-python="&gt;=3.8">w</a>
<A HREF='../../files/demo-pkg-1.0.0.tar.gz#SHA256=`+strings.ToUpper(hash)+`' data-yanked="bad &quot;x&quot;">s</A>
<base href="https://mirror.example/base/"><a href=demo_pkg-2.0.zip#sha256=`+hash+` data-yanked>z</a>
<a href="ftp://x/demo_pkg-3.0.tar.gz#sha256=`+hash+`">ftp</a><abbr><a>no href</a></body></html>`), "text/html", "Demo.Pkg")
	f.Add([]byte(`{"meta":{"api-version":"1.1"},"name":"demo-pkg","files":[{"filename":"demo_pkg-1.0-py3-none-any.whl","url":"https://f.example/a.whl","hashes":{"SHA256":"`+hash+
		`","md5":"0123"},"requires-python":">=3","yanked":"reason","size":12,"upload-time":"2024-01-01T00:00:00.123Z"},{"filename":"demo_pkg-1.0.tar.gz","url":"/rel#sha256=`+hash+`","hashes":{},"yanked":true}]}`),
		"application/vnd.pypi.simple.v1+json", "demo-pkg")
	f.Add([]byte(`{"meta":{"api-version":"2.0"},"files":[]}`), "", "x")
	f.Add([]byte(`<meta name="pypi:repository-version" content="2.0">`), "text/html", "x")
	f.Add([]byte(`<a href="x<a href='y'`), "", "x")
	f.Add([]byte(`<!--`), "", "x")
	base, _ := url.Parse("http://index.example/simple/demo-pkg/")

	f.Fuzz(func(t *testing.T, body []byte, contentType, name string) {
		if len(body) > 256<<10 {
			return
		}
		pkg, err := Remote{}.ParseMetadata(body, contentType, base, "", name)
		if err != nil {
			return
		}
		project := Normalize(name)
		seen := map[string]bool{}
		for _, rv := range pkg.Versions {
			if c, ok := CanonicalVersion(rv.Version); !ok || c != rv.Version {
				t.Fatalf("version %q is not canonical", rv.Version)
			}
			key := dropTrailingZeros(rv.Version)
			if seen[key] {
				t.Fatalf("version %q listed twice", rv.Version)
			}
			seen[key] = true
			if rv.Metadata.DisplayName != project || len(rv.Files) == 0 {
				t.Fatalf("version %q: %+v", rv.Version, rv)
			}
			var doc versionDoc
			if err := json.Unmarshal(rv.Metadata.Raw, &doc); err != nil || !doc.Remote || len(doc.Files) != len(rv.Files) {
				t.Fatalf("version %q document %q", rv.Version, rv.Metadata.Raw)
			}
			for fn, file := range rv.Files {
				kind, v, ok := fileVersion(fn, project)
				if !ok || !SameVersion(v, rv.Version) {
					t.Fatalf("file %q listed under %q", fn, rv.Version)
				}
				if u := file.URL; u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" {
					t.Fatalf("file %q at %v", fn, file.URL)
				}
				if !isHex(file.SHA256, 64) || strings.ToLower(file.SHA256) != file.SHA256 {
					t.Fatalf("file %q with sha256 %q", fn, file.SHA256)
				}
				for _, d := range []struct {
					v string
					n int
				}{{file.SHA512, 128}, {file.SHA1, 40}, {file.MD5, 32}} {
					if d.v != "" && (!isHex(d.v, d.n) || strings.ToLower(d.v) != d.v) {
						t.Fatalf("file %q with digest %q", fn, d.v)
					}
				}
				if fd, ok := doc.Files[fn]; !ok || fd.Kind != kind || fd.SHA256 != file.SHA256 {
					t.Fatalf("file %q documented as %+v", fn, fd)
				}
			}
		}
	})
}

// FuzzVersionSortKey: the key of any version string is deterministic,
// never panics, and orders valid versions as PEP 440 does, after every
// invalid one (issue #16).
func FuzzVersionSortKey(f *testing.F) {
	for _, s := range []string{"1.0", "1.0.0", "1!2.0rc1.post2.dev3+local.7", "1.0-1", "v1.0", "", "1.0+Ab_c", "x\x00"} {
		f.Add(s, "1.0.dev0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := pep440Key(a)
		if !bytes.Equal(ka, pep440Key(a)) {
			t.Fatal("not deterministic")
		}
		_, oka := parsePEP440(a)
		_, okb := parsePEP440(b)
		if !oka && !okb {
			return
		}
		want := comparePEP440(a, b)
		if want == 0 {
			want = strings.Compare(a, b)
		}
		if got := sign(bytes.Compare(ka, pep440Key(b))); got != want {
			t.Fatalf("%q vs %q: key order %d, PEP 440 %d", a, b, got, want)
		}
	})
}

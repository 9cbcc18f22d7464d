package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"strings"
	"time"
)

// The files each format's client uploads, built as the conformance tests
// build them (test/conformance/*_helpers_test.go): small, valid, and
// different for every version and run (marker).

func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}

// merge is h with k set to v (a copy).
func merge(h map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(h)+1)
	for a, b := range h {
		out[a] = b
	}
	out[k] = v
	return out
}

func hexSum(h hash.Hash, b []byte) string {
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

var fileTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func zipOf(files [][2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f[0], Method: zip.Deflate, Modified: fileTime})
		io.WriteString(w, f[1])
	}
	zw.Close()
	return buf.Bytes()
}

func tarOf(prefix string, files [][2]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		tw.WriteHeader(&tar.Header{Name: prefix + f[0], Mode: 0o644, Size: int64(len(f[1])), Typeflag: tar.TypeReg, ModTime: fileTime})
		io.WriteString(tw, f[1])
	}
	tw.Close()
	return buf.Bytes()
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func tarGz(prefix string, files [][2]string) []byte { return gz(tarOf(prefix, files)) }

// pyWheel is {name}-{version}-py3-none-any.whl with its METADATA, WHEEL
// and RECORD.
func pyWheel(name, version string) (string, []byte) {
	mod := strings.ReplaceAll(name, "-", "_")
	distInfo := mod + "-" + version + ".dist-info"
	files := [][2]string{
		{mod + "/__init__.py", fmt.Sprintf("VERSION = %q\n", version)},
		{distInfo + "/METADATA", fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: A small package of the scale benchmark\nRequires-Python: >=3.8\nDescription-Content-Type: text/markdown\n\n# %s\n", name, version, name)},
		{distInfo + "/WHEEL", "Wheel-Version: 1.0\nGenerator: artifactd-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	for _, f := range files {
		sum := sha256.Sum256([]byte(f[1]))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f[0], base64.RawURLEncoding.EncodeToString(sum[:]), len(f[1]))
	}
	fmt.Fprintf(&record, "%s/RECORD,,\n", distInfo)
	files = append(files, [2]string{distInfo + "/RECORD", record.String()})
	return mod + "-" + version + "-py3-none-any.whl", zipOf(files)
}

// pyForm is twine's upload form for a wheel.
func pyForm(name, version, filename string, content []byte) ([]byte, string) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, kv := range [][2]string{
		{":action", "file_upload"}, {"protocol_version", "1"}, {"name", name}, {"version", version},
		{"filetype", "bdist_wheel"}, {"pyversion", "py3"}, {"metadata_version", "2.1"},
		{"summary", "A small package of the scale benchmark"}, {"requires_python", ">=3.8"},
		{"md5_digest", hexSum(md5.New(), content)}, {"sha256_digest", sha256hex(content)},
	} {
		mw.WriteField(kv[0], kv[1])
	}
	w, _ := mw.CreateFormFile("content", filename)
	w.Write(content)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

// mvnJar is a small jar whose bytes depend on marker.
func mvnJar(marker string) []byte {
	return zipOf([][2]string{{"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: artifactd-bench\r\n\r\n"},
		{"data/marker.txt", marker + "\n"}})
}

// mvnMetadata is the artifact-level maven-metadata.xml mvn deploy
// uploads (the versions it knows of; here the new one).
func mvnMetadata(group, artifact string, versions ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata>\n  <groupId>%s</groupId>\n  <artifactId>%s</artifactId>\n  <versioning>\n", group, artifact)
	last := versions[len(versions)-1]
	fmt.Fprintf(&b, "    <latest>%s</latest>\n    <release>%s</release>\n    <versions>\n", last, last)
	for _, v := range versions {
		fmt.Fprintf(&b, "      <version>%s</version>\n", v)
	}
	fmt.Fprintf(&b, "    </versions>\n    <lastUpdated>%s</lastUpdated>\n  </versioning>\n</metadata>\n", time.Now().UTC().Format("20060102150405"))
	return []byte(b.String())
}

// cargoFrame is cargo publish's body: u32 LE length, JSON, u32 LE
// length, .crate.
func cargoFrame(meta any, crate []byte) []byte {
	js, _ := json.Marshal(meta)
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint32(len(js)))
	b.Write(js)
	binary.Write(&b, binary.LittleEndian, uint32(len(crate)))
	b.Write(crate)
	return b.Bytes()
}

// cargoIndexPath is the sparse index path of a crate of 4 or more
// characters.
func cargoIndexPath(name string) string {
	n := strings.ToLower(name)
	return n[0:2] + "/" + n[2:4] + "/" + n
}

// rubyGem is a .gem: metadata.gz (the gemspec as YAML) and data.tar.gz.
func rubyGem(name, version, marker string) []byte {
	spec := fmt.Sprintf(`--- !ruby/object:Gem::Specification
name: %s
version: !ruby/object:Gem::Version
  version: %s
platform: ruby
authors:
- Bench
date: 2026-01-01 00:00:00.000000000 Z
dependencies: []
licenses:
- MIT
metadata: {}
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
rubygems_version: 3.3.15
specification_version: 4
summary: A small gem of the scale benchmark
`, name, version)
	data := tarGz("", [][2]string{{"lib/" + name + ".rb", "# " + version + " " + marker + "\n"}})
	return tarOf("", [][2]string{{"metadata.gz", string(gz([]byte(spec)))}, {"data.tar.gz", string(data)}})
}

// nupkg is a .nupkg: the OPC parts, the .nuspec and one file.
func nupkg(id, version, marker string) []byte {
	nuspec := fmt.Sprintf(`<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata minClientVersion="2.12">
    <id>%s</id>
    <version>%s</version>
    <authors>Bench</authors>
    <description>A small package of the scale benchmark.</description>
  </metadata>
</package>
`, id, version)
	return zipOf([][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="nuspec" ContentType="application/octet" /></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships" />`},
		{id + ".nuspec", nuspec},
		{"lib/net6.0/" + id + ".dll", "not really a dll " + version + " " + marker},
	})
}

// swiftZip is a source archive as swift package archive-source makes it.
func swiftZip(name, version, marker string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.Create(name + "/")
	for _, f := range [][2]string{
		{"Package.swift", fmt.Sprintf("// swift-tools-version:5.9\nimport PackageDescription\n\nlet package = Package(\n    name: %q,\n    targets: [.target(name: %q)]\n)\n", name, name)},
		{"Sources/" + name + "/" + name + ".swift", fmt.Sprintf("public let version = %q // %s\n", version, marker)},
	} {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: name + "/" + f[0], Method: zip.Deflate, Modified: fileTime})
		io.WriteString(w, f[1])
	}
	zw.Close()
	return buf.Bytes()
}

package npm

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"

	"github.com/artifactd/artifactd/internal/semver"
)

// Fuzz targets for what npm clients (and upstream registries) send:
// package names in paths, versions, tarballs, publish documents and
// packuments. Seeds run with every `go test`; scripts/fuzz fuzzes them.

// fuzzMaxTarball bounds a fuzzed tarball: gzip inflates at most ~1000x,
// so this keeps one execution to a few MB of tar.
const fuzzMaxTarball = 32 << 10

// FuzzSplitName reads package names from request paths. A name that is
// accepted is readable, parses again from its npm spelling, and splits
// again from the path npm would send for it and the same remaining
// segments.
func FuzzSplitName(f *testing.F) {
	for _, s := range []string{
		"lodash", "@types%2fnode", "@types%2Fnode/-/node-1.0.0.tgz", "@types/node/-/node-1.0.0.tgz", "%40types%2fnode",
		"pkg/-rev/1-abc", "pkg/1.0.0", "Upper", "_private", "@scope", "@%2fname", "", "bad%zz", "a%20b", "@a/@b",
		"@@x%2fy", "a%2f..%2f..", "%00", "a/b/c/d/e", "@s/n/-/n-1.0.0.tgz/-rev/3-x", "caf%C3%A9", "%ff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		if len(escaped) > 4<<10 {
			return
		}
		n, rest, ok := splitName(escaped)
		if !ok {
			return
		}
		if !readablePart(n.Name) || n.Scope != "" && !readablePart(n.Scope) {
			t.Fatalf("splitName(%q) accepted %+v", escaped, n)
		}
		if again, ok := parseFullName(n.String()); !ok || again != n {
			t.Fatalf("splitName(%q) = %+v, but parseFullName(%q) = %+v, %v", escaped, n, n.String(), again, ok)
		}
		path := url.PathEscape(n.Name)
		if n.Scope != "" {
			path = "@" + url.PathEscape(n.Scope) + "%2f" + path
		}
		for _, seg := range rest {
			path += "/" + url.PathEscape(seg)
		}
		n2, rest2, ok := splitName(path)
		if !ok || n2 != n || !slices.Equal(rest, rest2) {
			t.Fatalf("splitName(%q) = %+v %q, but splitName(%q) = %+v %q %v", escaped, n, rest, path, n2, rest2, ok)
		}
		if checkPublishName(n) == nil && len(n.String()) > maxNameLength {
			t.Fatalf("a %d-byte name is publishable", len(n.String()))
		}
	})
}

// FuzzSemver checks parseSemver and the orders built on it: a version
// that parses is its own clean form less build metadata, and is a
// version-like tag; compareVersions is a total order (antisymmetric,
// transitive, 0 only for equal strings).
func FuzzSemver(f *testing.F) {
	for _, s := range [][3]string{
		{"1.0.0", "1.0.0+build.1", "1.0.0-rc.1"},
		{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta"},
		{"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1"},
		{"01.0.0", "1.0", "v1.0.0"},
		{"18446744073709551615.0.0", "18446744073709551616.0.0", "0.0.0-0"},
		{"1.0.0-01", "1.0.0+", "1.0.0-"},
		{"latest", "=v1.2.3 ", "1.2.3-x.7.z.92+meta-data"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	sign := func(c int) int { return max(-1, min(1, c)) }
	f.Fuzz(func(t *testing.T, a, b, c string) {
		if len(a)+len(b)+len(c) > 4<<10 {
			return
		}
		if v, ok := semver.Parse(a); ok {
			core, _, _ := strings.Cut(a, "+")
			s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
			if len(v.Pre) > 0 {
				s += "-" + strings.Join(v.Pre, ".")
			}
			if s != core || cleanVersion(a) != core {
				t.Fatalf("semver.Parse(%q) = %q, cleanVersion = %q; want %q", a, s, cleanVersion(a), core)
			}
			cv, ok := semver.Parse(core)
			if !ok || cv.Compare(v) != 0 || v.Compare(v) != 0 {
				t.Fatalf("%q and %q are not the same version", a, core)
			}
			if !looksLikeRange(a) || checkTag(a) == nil {
				t.Fatalf("version %q is accepted as a dist-tag", a)
			}
		}
		if cv := cleanVersion(a); cv != "" {
			if _, ok := semver.Parse(cv); ok && cleanVersion(cv) != cv {
				t.Fatalf("cleanVersion(%q) = %q is not clean", a, cv)
			}
		}
		if err := checkTag(a); err != nil && !errors.Is(err, domain.ErrInvalid) {
			t.Fatalf("checkTag(%q) = %v", a, err)
		}
		ab, ba := semver.Compare(a, b), semver.Compare(b, a)
		if sign(ab) != -sign(ba) || (ab == 0) != (a == b) {
			t.Fatalf("semver.Compare(%q, %q) = %d, reversed %d", a, b, ab, ba)
		}
		bc, ac := semver.Compare(b, c), semver.Compare(a, c)
		if ab <= 0 && bc <= 0 && ac > 0 {
			t.Fatalf("not transitive: %q <= %q <= %q but %q > %q", a, b, c, a, c)
		}
	})
}

// gzipBytes gzips b (not a tarball).
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// FuzzReadTarball reads arbitrary bytes as a published tarball. Failures
// are validation errors; a success has a package.json within its limit
// and a valid UTF-8 README; reading from a stream gives the same.
func FuzzReadTarball(f *testing.F) {
	pj := `{"name":"x","version":"1.0.0"}`
	good := makeTgz(f, tarEntry{name: "package/package.json", body: pj}, tarEntry{name: "package/README.md", body: "# x"})
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add(makeTgz(f, tarEntry{name: "./package/readme", body: "\xff\xfe"}, tarEntry{name: "package/./package.json", body: pj}))
	f.Add(makeTgz(f, tarEntry{name: "package/package.json", body: "../../etc/passwd", typ: tar.TypeSymlink}))
	f.Add(makeTgz(f, tarEntry{name: "../package/package.json", body: pj}, tarEntry{name: "package/sub/package.json", body: pj}))
	f.Add(makeTgz(f, tarEntry{name: "package/README.markdown", body: "a"}, tarEntry{name: "package/README", body: "b"},
		tarEntry{name: "package/package.json", body: pj}, tarEntry{name: "package/package.json", body: "{}"}))
	f.Add(gzipBytes([]byte("not a tar")))
	f.Add([]byte{})
	f.Add([]byte("\x1f\x8b\x08\x00"))

	f.Fuzz(func(t *testing.T, tgz []byte) {
		if len(tgz) > fuzzMaxTarball {
			return
		}
		got, err := readTarball(tgz)
		streamed, err2 := readTarballFrom(bytes.NewReader(tgz))
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(got, streamed) {
			t.Fatalf("readTarball = %+v, %v; from a stream %+v, %v", got, err, streamed, err2)
		}
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		if got.PackageJSON == nil || len(got.PackageJSON) > maxPackageJSON {
			t.Fatalf("package.json of %d bytes", len(got.PackageJSON))
		}
		if !utf8.ValidString(got.Readme) {
			t.Fatalf("README %q is not valid UTF-8", got.Readme)
		}
	})
}

// checkPublished checks what parsePublish promises of a publish it
// accepts.
func checkPublished(t *testing.T, name pkgName, doc document, p parsedPublish) {
	t.Helper()
	if err := checkPublishName(name); err != nil {
		t.Fatalf("publish of unpublishable name %+v accepted: %v", name, err)
	}
	if _, ok := semver.Parse(p.version); !ok || strings.Contains(p.version, "+") {
		t.Fatalf("version %q accepted", p.version)
	}
	var sent string
	for v := range doc.Versions {
		sent = v
	}
	if cleanVersion(sent) != p.version {
		t.Fatalf("version %q published as %q", sent, p.version)
	}
	files, err := readTarballFrom(p.tarball.reader())
	if err != nil {
		t.Fatalf("accepted tarball does not read: %v", err)
	}
	pj, err := parsePackageJSON(files.PackageJSON)
	if err != nil || pj.Name != name.String() || cleanVersion(pj.Version) != p.version {
		t.Fatalf("package.json %q accepted for %s@%s (%v)", files.PackageJSON, name, p.version, err)
	}
	if !sort.StringsAreSorted(p.tags) {
		t.Fatalf("tags %q not sorted", p.tags)
	}
	for _, tag := range p.tags {
		if checkTag(tag) != nil || cleanVersion(doc.DistTags[tag]) != p.version {
			t.Fatalf("tag %q (-> %q) accepted for %s", tag, doc.DistTags[tag], p.version)
		}
	}
	if p.meta == nil || p.meta.DisplayName != name.String() || !utf8.ValidString(p.meta.Readme) {
		t.Fatalf("metadata %+v", p.meta)
	}
	var stored struct {
		Dist map[string]json.RawMessage `json:"dist"`
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(manifestJSON(p.meta.Raw), &all); err != nil || all == nil || json.Unmarshal(manifestJSON(p.meta.Raw), &stored) != nil {
		t.Fatalf("stored manifest %q is not a JSON object: %v", p.meta.Raw, err)
	}
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev", "_revisions"} {
		if _, ok := all[k]; ok {
			t.Fatalf("stored manifest keeps %q", k)
		}
	}
	tb, err := io.ReadAll(p.tarball.reader())
	if err != nil {
		t.Fatal(err)
	}
	s1, s512 := sha1.Sum(tb), sha512.Sum512(tb)
	if str(stored.Dist["tarball"]) != "" || str(stored.Dist["shasum"]) != hex.EncodeToString(s1[:]) ||
		str(stored.Dist["integrity"]) != "sha512-"+base64.StdEncoding.EncodeToString(s512[:]) {
		t.Fatalf("stored dist %q does not describe the tarball", stored.Dist)
	}
}

// FuzzParsePublish builds publish documents from fuzzed parts: name,
// version, manifest, the tarball's package.json and README, dist-tags and
// attachment name (with the manifest's digests fixed up, or not, so that
// the fuzzer gets past them). Failures are validation errors; what is
// accepted is consistent (see checkPublished).
func FuzzParsePublish(f *testing.F) {
	manifest := func(name, version string, extra string) []byte {
		return []byte(`{"name":"` + name + `","version":"` + version + `"` + extra + `}`)
	}
	f.Add("@acme/ui", "1.0.0", manifest("@acme/ui", "1.0.0", `,"readme":"r","_rev":"1"`), `{"name":"@acme/ui","version":"v1.0.0","license":"MIT","dependencies":{"@acme/core":"^1"}}`,
		"# UI", `{"latest":"1.0.0","next":"1.0.0","other":"0.1.0"}`, uint8(0), true)
	f.Add("x", "1.0.0+build", manifest("x", "1.0.0", ""), `{"name":"x","version":"1.0.0+other"}`, "", `{"latest":"1.0.0+build"}`, uint8(1), true)
	f.Add("x", "1.0.0", manifest("x", "1.0.0", `,"dist":{"shasum":"00"}`), `{"name":"x","version":"1.0.0"}`, "", `{}`, uint8(0), false)
	f.Add("Upper", "1.0.0", manifest("Upper", "1.0.0", ""), `{"name":"Upper","version":"1.0.0"}`, "", `{"1.0.0":"1.0.0"}`, uint8(2), true)
	f.Add("x", "1.0", []byte(`[]`), `not json`, "\xff", `{"latest":"1.0"}`, uint8(3), true)
	f.Add("x", "1.0.0", []byte(`{"deprecated":"","dist":null}`), `{"name":"x","version":"1.0.0","description":{"a":1},"repository":7}`, "", `null`, uint8(0), true)

	f.Fuzz(func(t *testing.T, fullName, version string, manifest []byte, packageJSON, readme, tagsJSON string, attach uint8, fixDigests bool) {
		if len(fullName)+len(version)+len(manifest)+len(packageJSON)+len(readme)+len(tagsJSON) > 64<<10 {
			return
		}
		name, ok := parseFullName(fullName)
		if !ok {
			return
		}
		tgz := makeTgz(t, tarEntry{name: "package/package.json", body: packageJSON}, tarEntry{name: "package/README.md", body: readme})
		if fixDigests {
			var m map[string]json.RawMessage
			if json.Unmarshal(manifest, &m) == nil && m != nil {
				s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
				m["dist"] = mustJSON(map[string]string{"shasum": hex.EncodeToString(s1[:]), "integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:])})
				manifest = mustJSON(m)
			}
		}
		var tags map[string]string
		_ = json.Unmarshal([]byte(tagsJSON), &tags)
		file := [...]string{name.String() + "-" + version + ".tgz", name.tarballFile(version), name.tarballFile(cleanVersion(version)), "other.tgz"}[attach%4]
		length := int64(len(tgz))
		doc := document{
			Name:        name.String(),
			DistTags:    tags,
			Versions:    map[string]json.RawMessage{version: manifest},
			Attachments: map[string]attachment{file: testAttachment(t, tgz, &length)},
		}
		p, err := parsePublish(name, doc)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		checkPublished(t, name, doc, p)
		if got, _ := io.ReadAll(p.tarball.reader()); !bytes.Equal(got, tgz) {
			t.Fatalf("the tarball changed")
		}
	})
}

// publishBody is the body npm sends to publish name@version.
func publishBody(name, version string, tgz []byte, tags map[string]string) []byte {
	s1, s512 := sha1.Sum(tgz), sha512.Sum512(tgz)
	if tags == nil {
		tags = map[string]string{"latest": version}
	}
	b, _ := json.Marshal(map[string]any{
		"_id": name, "name": name, "dist-tags": tags, "readme": "# " + name,
		"versions": map[string]any{version: map[string]any{"name": name, "version": version, "dist": map[string]any{
			"integrity": "sha512-" + base64.StdEncoding.EncodeToString(s512[:]), "shasum": hex.EncodeToString(s1[:]),
			"tarball": "http://client.example/" + name + "/-/x.tgz"}}},
		"_attachments": map[string]any{name + "-" + version + ".tgz": map[string]any{
			"content_type": "application/octet-stream", "data": base64.StdEncoding.EncodeToString(tgz), "length": len(tgz)}},
	})
	return b
}

// FuzzReadDocument reads arbitrary PUT /<name> bodies with the streaming
// document reader, then parses what it reads as a publish. Failures are
// errDocument, and leave no spooled file behind; a document that is read
// is valid JSON and reads as encoding/json reads it (members, and each
// attachment's data as its base64 decodes); closing it removes its
// files; a publish parsed from it fails with a validation error or is
// consistent (see checkPublished).
func FuzzReadDocument(f *testing.F) {
	tgz := makeTgz(f, tarEntry{name: "package/package.json", body: `{"name":"@acme/ui","version":"1.0.0"}`})
	f.Add("@acme/ui", publishBody("@acme/ui", "1.0.0", tgz, nil))
	f.Add("@acme/ui", publishBody("@acme/ui", "1.0.0", tgz, map[string]string{"beta": "1.0.0", "v1": "1.0.0"}))
	f.Add("@acme/ui", publishBody("@acme/ui", "1.0.0+b", tgz, nil))
	f.Add("@acme/ui", bytes.ReplaceAll(publishBody("@acme/ui", "1.0.0", tgz, nil), []byte("/"), []byte(`\/`)))
	f.Add("@acme/ui", []byte(`{"versions":{"1.0.0":{}},"_attachments":{"@acme/ui-1.0.0.tgz":{"data":"!!","length":-1}}}`))
	f.Add("x", []byte(`{"_attachments":{"a":{},"b":{"data":"AAAA","Data":"x","length":null,"other":[1,{"}":"]"}]}}}`))
	f.Add("x", []byte(`{"_attachments":{"a":{"data":"AA\nAA\r\n"}},"_ATTACHMENTS":{"b":{}}}`))
	// A case-variant member once replaced the spooled attachment, leaking its file.
	f.Add("x", []byte(`{"_attachments":{"x-1.0.0.tgz":{"data":"AAAA"}},"_Attachments":{"x-1.0.0.tgz":{"length":3}}}`))
	f.Add("x", []byte(`{"name":"x","versions":{"1.0.0":{"deprecated":"no"}},"n":[1,{"a":"}"}],"b":true} `))
	f.Add("x", []byte(`{"a":tru,"_attachments":{"a":{"x":nul}}}`))
	f.Add("x", []byte("{\"_attachments\":{\"a\":{\"data\":\"AA\nAA\"}}}")) // a raw line break in a JSON string
	f.Add("x", []byte(`null`))

	f.Fuzz(func(t *testing.T, fullName string, body []byte) {
		if len(body) > 256<<10 {
			return
		}
		dir := t.TempDir()
		empty := func(when string) {
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Fatalf("%s, %d spooled files are left", when, len(left))
			}
		}
		doc, err := readDocument(bytes.NewReader(body), dir)
		if err != nil {
			if !errors.Is(err, errDocument) {
				t.Fatalf("error %v is not errDocument", err)
			}
			empty("after an error")
			return
		}
		defer func() {
			doc.close()
			empty("once the document is closed")
		}()

		if !json.Valid(body) {
			t.Fatalf("invalid JSON %q read as %+v", body, doc)
		}
		var ref struct {
			Name     string                     `json:"name"`
			DistTags map[string]string          `json:"dist-tags"`
			Versions map[string]json.RawMessage `json:"versions"`
			Readme   string                     `json:"readme"`
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(body, &ref); err != nil || json.Unmarshal(body, &top) != nil {
			t.Fatalf("read %q, which encoding/json refuses: %v", body, err)
		}
		if doc.Name != ref.Name || doc.Readme != ref.Readme || !reflect.DeepEqual(doc.DistTags, ref.DistTags) || len(doc.Versions) != len(ref.Versions) {
			t.Fatalf("read as %+v; encoding/json reads %+v", doc, ref)
		}
		for v, raw := range ref.Versions {
			if !bytes.Equal(bytes.TrimSpace(doc.Versions[v]), bytes.TrimSpace(raw)) {
				t.Fatalf("version %q read as %q; encoding/json reads %q", v, doc.Versions[v], raw)
			}
		}
		var atts map[string]map[string]json.RawMessage
		if raw, ok := top["_attachments"]; ok {
			if err := json.Unmarshal(raw, &atts); err != nil {
				t.Fatalf("attachments %q read; encoding/json says %v", raw, err)
			}
		}
		if len(atts) != len(doc.Attachments) {
			t.Fatalf("%d attachments read; encoding/json reads %d", len(doc.Attachments), len(atts))
		}
		for name, members := range atts {
			a, ok := doc.Attachments[name]
			if !ok {
				t.Fatalf("attachment %q not read", name)
			}
			var ct string
			var length *int64
			json.Unmarshal(members["content_type"], &ct)
			json.Unmarshal(members["length"], &length)
			if a.ContentType != ct || (a.Length == nil) != (length == nil) || a.Length != nil && *a.Length != *length {
				t.Fatalf("attachment %q read as %+v; encoding/json reads %q", name, a, members)
			}
			rawData, hasData := members["data"]
			if (a.file != nil) != hasData {
				t.Fatalf("attachment %q: data read %v, present %v", name, a.file != nil, hasData)
			}
			if !hasData {
				continue
			}
			var data string
			if err := json.Unmarshal(rawData, &data); err != nil {
				t.Fatalf("attachment %q data %q read; encoding/json says %v", name, rawData, err)
			}
			want, err := base64.StdEncoding.DecodeString(data)
			got, _ := io.ReadAll(a.file.reader())
			if err != nil || !bytes.Equal(got, want) || a.file.sums.Size != int64(len(got)) {
				t.Fatalf("attachment %q data %q read as %d bytes; base64 decodes %d bytes (%v)", name, data, len(got), len(want), err)
			}
		}

		name, ok := parseFullName(fullName)
		if !ok || len(doc.Attachments) == 0 {
			return
		}
		p, err := parsePublish(name, doc)
		if err != nil {
			if !errors.Is(err, domain.ErrInvalid) {
				t.Fatalf("error %v is not a validation error", err)
			}
			return
		}
		checkPublished(t, name, doc, p)
	})
}

// FuzzRemotePackument reads arbitrary packuments as an external
// connection does: what is listed is SemVer, in order, with http(s)
// tarball URLs, well-formed digests and a manifest without the
// registry's tarball URL; tags are valid tag names.
func FuzzRemotePackument(f *testing.F) {
	f.Add([]byte(`{"name":"@acme/ui","dist-tags":{"latest":"1.0.0","1.0":"1.0.0"},"versions":{"1.0.0":{"name":"@acme/ui","version":"1.0.0","dist":{"tarball":"https://registry.example/@acme/ui/-/ui-1.0.0.tgz","shasum":"`+
		strings.Repeat("A", 40)+`","integrity":"sha512-`+strings.Repeat("A", 86)+`== sha1-`+strings.Repeat("A", 27)+`="}},"0.1.0":{"dist":{"tarball":"/rel/x.tgz"}}},"time":{"1.0.0":"2020-01-01T00:00:00Z"}}`), "acme", "ui")
	f.Add([]byte(`{"name":"x","versions":{"1.0.0":{"dist":{"tarball":"ftp://x/y"}},"2.0.0":{"dist":null},"v3":{},"1.0.0+b":{"dist":{"tarball":"http://h/x.tgz"}}}}`), "", "x")
	f.Add([]byte(`{"name":"x","versions":{"1.0.0":[]},"time":{"1.0.0":7}}`), "", "x")
	f.Add([]byte(`[]`), "", "x")
	base, _ := url.Parse("https://registry.example/")

	f.Fuzz(func(t *testing.T, body []byte, namespace, name string) {
		if len(body) > 256<<10 {
			return
		}
		pkg, err := Remote{}.ParseMetadata(body, "application/json", base, namespace, name)
		if err != nil {
			return
		}
		for tag := range pkg.Tags {
			if checkTag(tag) != nil {
				t.Fatalf("tag %q listed", tag)
			}
		}
		for i, rv := range pkg.Versions {
			if _, ok := semver.Parse(rv.Version); !ok {
				t.Fatalf("version %q listed", rv.Version)
			}
			if i > 0 && semver.Compare(pkg.Versions[i-1].Version, rv.Version) >= 0 {
				t.Fatalf("versions out of order: %q then %q", pkg.Versions[i-1].Version, rv.Version)
			}
			file, ok := rv.Files[assetName]
			if len(rv.Files) != 1 || !ok {
				t.Fatalf("files %v", rv.Files)
			}
			if u := file.URL; u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("tarball URL %v", file.URL)
			}
			if file.SHA1 != "" && (!isHex(file.SHA1, 40) || strings.ToLower(file.SHA1) != file.SHA1) ||
				file.SHA512 != "" && (!isHex(file.SHA512, 128) || strings.ToLower(file.SHA512) != file.SHA512) {
				t.Fatalf("digests sha1 %q sha512 %q", file.SHA1, file.SHA512)
			}
			var m struct {
				Dist map[string]json.RawMessage `json:"dist"`
			}
			if err := json.Unmarshal(rv.Metadata.Raw, &m); err != nil || m.Dist == nil {
				t.Fatalf("manifest %q: %v", rv.Metadata.Raw, err)
			}
			if _, ok := m.Dist["tarball"]; ok {
				t.Fatalf("manifest %q keeps the registry's tarball URL", rv.Metadata.Raw)
			}
			if rv.Metadata.DisplayName != (pkgName{Scope: namespace, Name: name}).String() {
				t.Fatalf("display name %q", rv.Metadata.DisplayName)
			}
		}
	})
}

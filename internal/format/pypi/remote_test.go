package pypi

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

func TestRemoteMetadataRequest(t *testing.T) {
	p, accept := Remote{}.MetadataRequest("", "Demo_Pkg")
	if p != "demo-pkg/" {
		t.Errorf("path %q, want demo-pkg/", p)
	}
	if Negotiate(accept) != ContentTypeJSON || !strings.Contains(accept, "text/html") {
		t.Errorf("accept %q", accept)
	}
}

var (
	hashA = strings.Repeat("a", 64)
	hashB = strings.Repeat("b", 64)
	hashC = strings.Repeat("c", 64)
	hashD = strings.Repeat("d", 64)
)

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestRemoteParseHTML(t *testing.T) {
	page := `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"><title>Links for demo-pkg</title></head><body>
<!-- <a href="https://files.example/commented-out/demo_pkg-9.0-py3-none-any.whl#sha256=` + hashA + `">no</a> -->
<abbr title="x">not a link</abbr>
<a href="https://files.example:8443/packages/ab/demo_pkg-1.0-py3-none-any.whl#sha256=` + hashA + `" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=` + hashD + `">demo_pkg-1.0-py3-none-any.whl</a><br/>
<A HREF='../../files/demo-pkg-1.0.tar.gz#md5=0123456789abcdef0123456789abcdef&amp;x#sha256=` + hashB + `'>demo-pkg-1.0.tar.gz</A>
<a href=../../files/demo_pkg-2.0.0.tar.gz#sha256=` + hashC + ` data-yanked>demo_pkg-2.0.0.tar.gz</a>
<a data-yanked="broken &quot;build&quot;" href="/x/demo_pkg-2.0-py3-none-any.whl#sha256=` + hashD + `">demo_pkg-2.0-py3-none-any.whl</a>
<a href="/x/demo_pkg-3.0-py3-none-any.whl">no hash</a>
<a href="/x/demo_pkg-3.0-py3-none-any.whl#sha256=xyz">bad hash</a>
<a href="ftp://files.example/demo_pkg-3.0-py3-none-any.whl#sha256=` + hashA + `">ftp</a>
<a href="/x/demo_pkg-3.0.exe#sha256=` + hashA + `">installer</a>
<a href="/x/demo_pkg_extra-3.0-py3-none-any.whl#sha256=` + hashA + `">other project</a>
<a href="/x/demo-pkg-extra-3.0.tar.gz#sha256=` + hashA + `">other project</a>
<a href="/x/demo_pkg-notaversion.tar.gz#sha256=` + hashA + `">bad version</a>
<a>no href</a>
</body></html>`
	base := mustURL(t, "http://index.example/simple/demo-pkg/")
	rp, err := Remote{}.ParseMetadata([]byte(page), "text/html; charset=utf-8", base, "", "demo-pkg")
	if err != nil {
		t.Fatal(err)
	}
	var versions []string
	for _, rv := range rp.Versions {
		versions = append(versions, rv.Version)
		if rv.Metadata.DisplayName != "demo-pkg" {
			t.Errorf("%s: displayName %q", rv.Version, rv.Metadata.DisplayName)
		}
	}
	// 2.0.0 (sdist) and 2.0 (wheel) are one version, spelled as the wheel.
	if !slices.Equal(versions, []string{"1.0", "2.0"}) {
		t.Fatalf("versions %v, want [1.0 2.0]", versions)
	}
	v1, v2 := rp.Version("1.0"), rp.Version("2.0")
	whl := v1.Files["demo_pkg-1.0-py3-none-any.whl"]
	if whl.URL.String() != "https://files.example:8443/packages/ab/demo_pkg-1.0-py3-none-any.whl" || whl.SHA256 != hashA || whl.Size != -1 {
		t.Errorf("wheel 1.0: %+v", whl)
	}
	sd := v1.Files["demo-pkg-1.0.tar.gz"]
	// The fragment "md5=…&x#sha256=…" is not one hash: no sha256, not listed.
	if sd.URL != nil {
		t.Errorf("a file whose fragment has no readable sha256 is listed: %+v", sd)
	}
	if len(v1.Files) != 1 {
		t.Errorf("1.0 files: %v", v1.Files)
	}
	if got := v2.Files["demo_pkg-2.0.0.tar.gz"]; got.URL.String() != "http://index.example/files/demo_pkg-2.0.0.tar.gz" || got.SHA256 != hashC {
		t.Errorf("sdist 2.0.0: %+v", got)
	}
	if got := v2.Files["demo_pkg-2.0-py3-none-any.whl"]; got.URL.String() != "http://index.example/x/demo_pkg-2.0-py3-none-any.whl" {
		t.Errorf("wheel 2.0: %+v", got)
	}

	doc1 := decodeDoc(v1.Metadata.Raw)
	if !doc1.Remote || doc1.Files["demo_pkg-1.0-py3-none-any.whl"].RequiresPython != ">=3.8" ||
		doc1.Files["demo_pkg-1.0-py3-none-any.whl"].MetadataSHA256 != "" || doc1.Files["demo_pkg-1.0-py3-none-any.whl"].Kind != KindWheel {
		t.Errorf("1.0 document: %+v", doc1)
	}
	doc2 := decodeDoc(v2.Metadata.Raw)
	if fd := doc2.Files["demo_pkg-2.0.0.tar.gz"]; !fd.Yanked || fd.YankedReason != "" || fd.Kind != KindSdist {
		t.Errorf("yanked sdist: %+v", fd)
	}
	if fd := doc2.Files["demo_pkg-2.0-py3-none-any.whl"]; !fd.Yanked || fd.YankedReason != `broken "build"` {
		t.Errorf("yanked wheel: %+v", fd)
	}
}

func TestRemoteParseHTMLFragments(t *testing.T) {
	page := `<a href="https://f.example/demo_pkg-1.0.tar.gz#md5=0123456789abcdef0123456789abcdef">md5 only</a>
<a href="https://f.example/demo_pkg-1.0.zip#SHA256=` + strings.ToUpper(hashB) + `">upper</a>
<base href="https://mirror.example/base/">
<a href="demo_pkg-2.0.tar.gz#sha256=` + hashC + `">after base</a>`
	rp, err := Remote{}.ParseMetadata([]byte(page), "", mustURL(t, "http://index.example/simple/demo-pkg/"), "", "Demo.Pkg")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, rv := range rp.Versions {
		for fn, f := range rv.Files {
			got[fn] = f.URL.String() + " " + f.SHA256
		}
	}
	want := map[string]string{
		"demo_pkg-1.0.zip":    "https://f.example/demo_pkg-1.0.zip " + hashB,
		"demo_pkg-2.0.tar.gz": "https://mirror.example/base/demo_pkg-2.0.tar.gz " + hashC,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %v, want %v", got, want)
	}
}

func TestRemoteParseJSON(t *testing.T) {
	page := `{"meta":{"api-version":"1.1"},"name":"demo-pkg","versions":["1.0"],"files":[
{"filename":"demo_pkg-1.0-py3-none-any.whl","url":"https://files.example/demo_pkg-1.0-py3-none-any.whl","hashes":{"sha256":"` + hashA + `","md5":"0123456789abcdef0123456789abcdef"},
 "requires-python":">=3.9","core-metadata":{"sha256":"` + hashD + `"},"size":1234,"upload-time":"2024-05-06T07:08:09.123456Z","yanked":false},
{"filename":"demo_pkg-1.0.tar.gz","url":"../../f/demo_pkg-1.0.tar.gz","hashes":{"sha256":"` + hashB + `"},"yanked":"oops","upload-time":"2024-05-05T00:00:00Z"},
{"filename":"demo_pkg-1.1.tar.gz","url":"../../f/demo_pkg-1.1.tar.gz","hashes":{"sha256":"` + hashC + `"},"yanked":true},
{"filename":"demo_pkg-1.2.tar.gz","url":"../../f/demo_pkg-1.2.tar.gz","hashes":{}}
]}`
	base := mustURL(t, "http://index.example/simple/demo-pkg/")
	rp, err := Remote{}.ParseMetadata([]byte(page), ContentTypeJSON, base, "", "demo_pkg")
	if err != nil {
		t.Fatal(err)
	}
	if len(rp.Versions) != 2 || rp.Versions[0].Version != "1.0" || rp.Versions[1].Version != "1.1" {
		t.Fatalf("versions: %+v", rp.Versions)
	}
	v1 := rp.Versions[0]
	whl := v1.Files["demo_pkg-1.0-py3-none-any.whl"]
	if whl.Size != 1234 || whl.SHA256 != hashA || whl.MD5 != "0123456789abcdef0123456789abcdef" {
		t.Errorf("wheel: %+v", whl)
	}
	if sd := v1.Files["demo_pkg-1.0.tar.gz"]; sd.URL.String() != "http://index.example/f/demo_pkg-1.0.tar.gz" || sd.Size != -1 {
		t.Errorf("sdist: %+v", sd)
	}
	if want := time.Date(2024, 5, 5, 0, 0, 0, 0, time.UTC); !v1.Published.Equal(want) {
		t.Errorf("published %v, want the earliest upload %v", v1.Published, want)
	}
	doc := decodeDoc(v1.Metadata.Raw)
	fw, fs := doc.Files["demo_pkg-1.0-py3-none-any.whl"], doc.Files["demo_pkg-1.0.tar.gz"]
	if fw.Size != 1234 || fw.RequiresPython != ">=3.9" || fw.Yanked || fw.MetadataSHA256 != "" ||
		!fw.Uploaded.Equal(time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)) {
		t.Errorf("wheel document: %+v", fw)
	}
	if !fs.Yanked || fs.YankedReason != "oops" || fs.Size != 0 {
		t.Errorf("sdist document: %+v", fs)
	}
	if fd := decodeDoc(rp.Versions[1].Metadata.Raw).Files["demo_pkg-1.1.tar.gz"]; !fd.Yanked || fd.YankedReason != "" {
		t.Errorf("1.1: %+v", fd)
	}

	// Rendered as artifactd's own page: artifactd's URLs, the index's
	// hashes, no PEP 658 metadata for files not kept.
	var versions []domain.PackageVersion
	for _, rv := range rp.Versions {
		versions = append(versions, domain.PackageVersion{Version: rv.Version, Status: domain.StatusPublished, Metadata: rv.Metadata.Raw, PublishedTime: rv.Published})
	}
	p := BuildProject("demo-pkg", versions)
	var html, js bytes.Buffer
	WriteProjectHTML(&html, p)
	WriteProjectJSON(&js, p)
	for _, want := range []string{
		`<a href="../../packages/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl#sha256=` + hashA + `" data-requires-python="&gt;=3.9">`,
		`<a href="../../packages/demo-pkg/1.0/demo_pkg-1.0.tar.gz#sha256=` + hashB + `" data-yanked="oops">`,
		`<a href="../../packages/demo-pkg/1.1/demo_pkg-1.1.tar.gz#sha256=` + hashC + `" data-yanked="">`,
	} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML page lacks %s\n%s", want, html.String())
		}
	}
	if strings.Contains(html.String(), "metadata") || !strings.Contains(js.String(), `"core-metadata":false`) || !strings.Contains(js.String(), `"size":1234`) {
		t.Errorf("metadata advertised for files not kept:\n%s\n%s", html.String(), js.String())
	}

	for _, bad := range []string{
		`{"meta":{"api-version":"1.0"},"name":"other","files":[]}`,
		`{"meta":{"api-version":"2.0"},"name":"demo-pkg","files":[]}`,
		`{"files": 3}`,
	} {
		if _, err := (Remote{}).ParseMetadata([]byte(bad), ContentTypeJSON, base, "", "demo-pkg"); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
	if _, err := (Remote{}).ParseMetadata([]byte(`<meta name="pypi:repository-version" content="2.0">`), "text/html", base, "", "demo-pkg"); err == nil {
		t.Errorf("an HTML page of version 2.0: no error")
	}
	// Sniffed when the content type says nothing.
	if rp, err := (Remote{}).ParseMetadata([]byte(page), "application/octet-stream", base, "", "demo-pkg"); err != nil || len(rp.Versions) != 2 {
		t.Errorf("sniffed JSON: %v %+v", err, rp)
	}
}

func sumsOf(b []byte) hashing.Sums {
	h := hashing.New()
	h.Write(b)
	return h.Sums()
}

func TestRemoteKeepFile(t *testing.T) {
	whl := testWheel(t, "Demo_Pkg", "1.0", "w")
	sdist := tarGzOf(t, "demo_pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0\nSummary: the sdist\nRequires-Python: >=3.7\n")
	ws, ss := sumsOf(whl), sumsOf(sdist)
	page := `<a href="https://f.example/Demo_Pkg-1.0-py3-none-any.whl#sha256=` + ws.SHA256 + `" data-requires-python="&gt;=2">w</a>
<a href="https://f.example/demo_pkg-1.0.tar.gz#sha256=` + ss.SHA256 + `">s</a>
<a href="https://f.example/demo_pkg-1.0.zip#sha256=` + hashA + `" data-yanked="bad zip">z</a>`
	rp, err := Remote{}.ParseMetadata([]byte(page), "text/html", mustURL(t, "http://index.example/simple/demo-pkg/"), "", "demo-pkg")
	if err != nil {
		t.Fatal(err)
	}
	rv := rp.Version("1.0")
	if rv == nil || len(rv.Files) != 3 {
		t.Fatalf("listing: %+v", rp.Versions)
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	r := Remote{Now: func() time.Time { return now }}

	// A new version (its document is the listing) keeps the sdist first.
	v := domain.PackageVersion{Version: "1.0", DisplayName: "demo-pkg", Metadata: rv.Metadata.Raw}
	if err := r.KeepFile(&v, rv, "demo_pkg-1.0.tar.gz", ss, bytes.NewReader(sdist), int64(len(sdist))); err != nil {
		t.Fatal(err)
	}
	doc := decodeDoc(v.Metadata)
	if doc.Remote || len(doc.Files) != 1 {
		t.Fatalf("after the sdist: %+v", doc)
	}
	if fd := doc.Files["demo_pkg-1.0.tar.gz"]; fd.SHA256 != ss.SHA256 || fd.Size != ss.Size || fd.Kind != KindSdist ||
		fd.RequiresPython != ">=3.7" || fd.MetadataSHA256 != "" || !fd.Uploaded.Equal(now) {
		t.Errorf("sdist entry: %+v", fd)
	}
	if v.Summary != "the sdist" || v.DisplayName != "demo-pkg" {
		t.Errorf("described from the sdist: %q %q", v.Summary, v.DisplayName)
	}

	// Then the wheel: its metadata is authoritative.
	if err := r.KeepFile(&v, rv, "Demo_Pkg-1.0-py3-none-any.whl", ws, bytes.NewReader(whl), int64(len(whl))); err != nil {
		t.Fatal(err)
	}
	doc = decodeDoc(v.Metadata)
	meta, err := WheelMetadata(bytes.NewReader(whl), int64(len(whl)), "demo-pkg")
	if err != nil {
		t.Fatal(err)
	}
	msum := sha256.Sum256(meta)
	if fd := doc.Files["Demo_Pkg-1.0-py3-none-any.whl"]; fd.Kind != KindWheel || fd.SHA256 != ws.SHA256 ||
		fd.MetadataSHA256 != hex.EncodeToString(msum[:]) || fd.RequiresPython != ">=3" {
		t.Errorf("wheel entry: %+v", fd)
	}
	if len(doc.Files) != 2 || v.Summary != "wheel w" || v.DisplayName != "Demo_Pkg" || v.Readme != "wheel readme" {
		t.Errorf("after the wheel: %d files, %q %q %q", len(doc.Files), v.Summary, v.DisplayName, v.Readme)
	}

	// An sdist after the wheel does not replace its description; an
	// unreadable file is kept all the same, with the listing's yank.
	junk := []byte("not a zip")
	if err := r.KeepFile(&v, rv, "demo_pkg-1.0.zip", sumsOf(junk), bytes.NewReader(junk), int64(len(junk))); err != nil {
		t.Fatal(err)
	}
	doc = decodeDoc(v.Metadata)
	if fd := doc.Files["demo_pkg-1.0.zip"]; fd.Kind != KindSdist || !fd.Yanked || fd.YankedReason != "bad zip" || fd.Size != int64(len(junk)) {
		t.Errorf("unreadable file: %+v", fd)
	}
	if v.Summary != "wheel w" || len(doc.Files) != 3 {
		t.Errorf("after the unreadable sdist: %q, %d files", v.Summary, len(doc.Files))
	}
}

func TestMergeSources(t *testing.T) {
	kept := versionDoc{Files: map[string]fileDoc{"demo_pkg-1.0-py3-none-any.whl": {Kind: KindWheel, SHA256: hashA, MetadataSHA256: hashD}}}
	listed := versionDoc{Remote: true, Files: map[string]fileDoc{
		"demo_pkg-1.0-py3-none-any.whl": {Kind: KindWheel, SHA256: hashA},
		"demo_pkg-1.0.tar.gz":           {Kind: KindSdist, SHA256: hashB},
	}}
	listed2 := versionDoc{Remote: true, Files: map[string]fileDoc{"demo_pkg-2.0.tar.gz": {Kind: KindSdist, SHA256: hashC}}}
	internal := versionDoc{Files: map[string]fileDoc{"demo_pkg-3.0.tar.gz": {Kind: KindSdist, SHA256: hashC}}}
	listed3 := versionDoc{Remote: true, Files: map[string]fileDoc{"demo_pkg-3.0-py3-none-any.whl": {Kind: KindWheel, SHA256: hashD}}}
	srcs := []service.PackageSource{
		{Repository: "app", Own: true, Versions: []domain.PackageVersion{
			{Version: "1.0", Status: domain.StatusPublished, OriginType: domain.OriginExternal, Metadata: kept.encode()},
			{Version: "3.0", Status: domain.StatusPublished, OriginType: domain.OriginInternal, Metadata: internal.encode()},
		}},
		{Repository: "store", External: "public:pypi", Versions: []domain.PackageVersion{
			{Version: "1.0", Status: domain.StatusPublished, OriginType: domain.OriginExternal, Metadata: listed.encode()},
			{Version: "2.0", Status: domain.StatusPublished, OriginType: domain.OriginExternal, Metadata: listed2.encode()},
			{Version: "3.0", Status: domain.StatusPublished, OriginType: domain.OriginExternal, Metadata: listed3.encode()},
		}},
	}
	p := BuildProject("demo-pkg", mergeSources(srcs))
	got := map[string]string{}
	for _, f := range p.Files {
		got[f.Filename] = f.SHA256 + " " + f.MetadataSHA256
	}
	want := map[string]string{
		"demo_pkg-1.0-py3-none-any.whl": hashA + " " + hashD, // the kept file wins
		"demo_pkg-1.0.tar.gz":           hashB + " ",         // the index's other file of a kept version
		"demo_pkg-2.0.tar.gz":           hashC + " ",         // a version not kept
		"demo_pkg-3.0.tar.gz":           hashC + " ",         // an internal version takes nothing from the index
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("files %v\nwant %v", got, want)
	}
	if decodeDoc(srcs[0].Versions[0].Metadata).Files["demo_pkg-1.0.tar.gz"].SHA256 != "" {
		t.Errorf("mergeSources changed its input")
	}
}

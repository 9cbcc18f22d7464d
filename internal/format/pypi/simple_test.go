package pypi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]string{
		"": ContentTypeText,
		"application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01": ContentTypeJSON,
		"text/html":                           ContentTypeText,
		"*/*":                                 ContentTypeText,
		"application/vnd.pypi.simple.v1+html": ContentTypeHTML,
		"application/vnd.pypi.simple.latest+json":                    ContentTypeJSON,
		"text/html;q=0.5, application/vnd.pypi.simple.v1+json;q=0.9": ContentTypeJSON,
		"application/vnd.pypi.simple.v1+json;q=0, text/html":         ContentTypeText,
		"application/json": ContentTypeText,
		"text/html, application/vnd.pypi.simple.v1+json": ContentTypeText,
		"garbage;;;": ContentTypeText,
	} {
		if got := Negotiate(accept); got != want {
			t.Errorf("Negotiate(%q) = %q, want %q", accept, got, want)
		}
	}
}

func sampleProject() Project {
	return Project{
		Name:     "demo-pkg",
		Versions: []string{"1.0"},
		Files: []File{
			{Filename: "demo_pkg-1.0-py3-none-any.whl", URL: "../../packages/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl", SHA256: "aa", Size: 10,
				RequiresPython: `>=3.8,<4,!="3.9"&`, MetadataSHA256: "bb", UploadTime: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)},
			{Filename: "demo_pkg-1.0.tar.gz", URL: "../../packages/demo-pkg/1.0/demo_pkg-1.0.tar.gz", SHA256: "cc", Size: 20, Yanked: true, YankedReason: `bad "release" <b>`},
		},
	}
}

func TestWriteProjectHTML(t *testing.T) {
	var b bytes.Buffer
	if err := WriteProjectHTML(&b, sampleProject()); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		`<meta name="pypi:repository-version" content="1.1">`,
		`<title>Links for demo-pkg</title>`,
		`<a href="../../packages/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8,&lt;4,!=&#34;3.9&#34;&amp;" data-dist-info-metadata="sha256=bb" data-core-metadata="sha256=bb">demo_pkg-1.0-py3-none-any.whl</a><br>`,
		`<a href="../../packages/demo-pkg/1.0/demo_pkg-1.0.tar.gz#sha256=cc" data-yanked="bad &#34;release&#34; &lt;b&gt;">demo_pkg-1.0.tar.gz</a><br>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks\n%s\n---\n%s", want, page)
		}
	}
}

func TestWriteProjectJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteProjectJSON(&b, sampleProject()); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"meta": map[string]any{"api-version": "1.1"},
		"name": "demo-pkg", "versions": []any{"1.0"},
		"files": []any{
			map[string]any{
				"filename": "demo_pkg-1.0-py3-none-any.whl", "url": "../../packages/demo-pkg/1.0/demo_pkg-1.0-py3-none-any.whl",
				"hashes": map[string]any{"sha256": "aa"}, "requires-python": `>=3.8,<4,!="3.9"&`,
				"core-metadata": map[string]any{"sha256": "bb"}, "dist-info-metadata": map[string]any{"sha256": "bb"},
				"yanked": false, "size": 10.0, "upload-time": "2024-05-06T07:08:09.000000Z",
			},
			map[string]any{
				"filename": "demo_pkg-1.0.tar.gz", "url": "../../packages/demo-pkg/1.0/demo_pkg-1.0.tar.gz",
				"hashes": map[string]any{"sha256": "cc"}, "core-metadata": false, "dist-info-metadata": false,
				"yanked": `bad "release" <b>`, "size": 20.0,
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON:\n%s", b.String())
	}
	b.Reset()
	WriteProjectJSON(&b, Project{Name: "empty"})
	if !strings.Contains(b.String(), `"files":[],"versions":[]`) {
		t.Errorf("empty project: %s", b.String())
	}
}

func TestIndexes(t *testing.T) {
	var h, j bytes.Buffer
	WriteIndexHTML(&h, []string{"a", "b-c", "<x?>"})
	WriteIndexJSON(&j, []string{"a", "b-c"})
	if !strings.Contains(h.String(), `<a href="a/">a</a><br>`) || !strings.Contains(h.String(), `<a href="b-c/">b-c</a><br>`) {
		t.Errorf("HTML index:\n%s", h.String())
	}
	if !strings.Contains(h.String(), `<a href="%3Cx%3F%3E/">&lt;x?&gt;</a>`) {
		t.Errorf("HTML index does not escape:\n%s", h.String())
	}
	if strings.TrimSpace(j.String()) != `{"meta":{"api-version":"1.1"},"projects":[{"name":"a"},{"name":"b-c"}]}` {
		t.Errorf("JSON index: %s", j.String())
	}
}

func TestBuildProject(t *testing.T) {
	doc := func(files ...string) []byte {
		d := versionDoc{Files: map[string]fileDoc{}}
		for _, f := range files {
			d.Files[f] = fileDoc{Kind: KindWheel, SHA256: "h-" + f, Size: 1, MetadataSHA256: "m-" + f}
		}
		return d.encode()
	}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	versions := []domain.PackageVersion{
		{Version: "2.0+local", Status: domain.StatusUnlisted, PublishedTime: t0.Add(2 * time.Hour), Metadata: doc("p-2.0+local-py3-none-any.whl")},
		{Version: "1.0", Status: domain.StatusPublished, PublishedTime: t0, Metadata: doc("p-1.0.tar.gz", "p-1.0-py3-none-any.whl")},
		{Version: "3.0", Status: domain.StatusArchived, PublishedTime: t0, Metadata: doc("p-3.0-py3-none-any.whl")},
		{Version: "4.0", Status: domain.StatusDisposed, PublishedTime: t0, Metadata: doc("p-4.0-py3-none-any.whl")},
		{Version: "5.0", Status: domain.StatusUnfinished, PublishedTime: t0, Metadata: doc("p-5.0-py3-none-any.whl")},
		{Version: "6.0", Status: domain.StatusPublished, PublishedTime: t0, Metadata: []byte("not json")},
	}
	p := BuildProject("p", versions)
	var names []string
	for _, f := range p.Files {
		names = append(names, f.Filename)
		if f.Yanked != strings.Contains(f.Filename, "2.0") {
			t.Errorf("%s yanked = %v", f.Filename, f.Yanked)
		}
		if f.SHA256 != "h-"+f.Filename || f.MetadataSHA256 != "m-"+f.Filename {
			t.Errorf("%s: %+v", f.Filename, f)
		}
	}
	if want := []string{"p-1.0-py3-none-any.whl", "p-1.0.tar.gz", "p-2.0+local-py3-none-any.whl"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}
	if !reflect.DeepEqual(p.Versions, []string{"1.0", "2.0+local"}) {
		t.Errorf("versions = %v", p.Versions)
	}
	if p.Files[2].URL != "../../packages/p/2.0+local/p-2.0+local-py3-none-any.whl" || p.Files[2].YankedReason != YankedReason {
		t.Errorf("file = %+v", p.Files[2])
	}
}

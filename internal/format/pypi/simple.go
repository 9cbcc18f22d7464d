package pypi

import (
	"encoding/json"
	"html"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Media types of the simple repository API (PEP 503, PEP 691).
const (
	ContentTypeJSON  = "application/vnd.pypi.simple.v1+json"
	ContentTypeHTML  = "application/vnd.pypi.simple.v1+html"
	ContentTypeText  = "text/html"
	apiVersion       = "1.1" // PEP 700: versions, size and upload-time
	uploadTimeLayout = "2006-01-02T15:04:05.000000Z"
)

// Negotiate picks the response's media type from an Accept header (PEP
// 691): the acceptable type with the highest q, the first listed on a
// tie. Without an Accept header, or when nothing offered is supported,
// the answer is text/html, which every client reads.
func Negotiate(accept string) string {
	best, bestQ := ContentTypeText, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if q, err = strconv.ParseFloat(s, 64); err != nil {
				continue
			}
		}
		var ct string
		switch mt {
		case ContentTypeJSON, "application/vnd.pypi.simple.latest+json":
			ct = ContentTypeJSON
		case ContentTypeHTML, "application/vnd.pypi.simple.latest+html":
			ct = ContentTypeHTML
		case "text/html", "text/*", "*/*":
			ct = ContentTypeText
		default:
			continue
		}
		if q > 0 && q > bestQ {
			best, bestQ = ct, q
		}
	}
	return best
}

// File is one distribution file on a project page.
type File struct {
	Filename       string
	URL            string // relative to the project page, without fragment
	SHA256         string
	Size           int64
	RequiresPython string
	MetadataSHA256 string // "" when the file has no separate core metadata (PEP 658)
	Yanked         bool   // PEP 592
	YankedReason   string
	UploadTime     time.Time
}

// Project is a project page of the simple API.
type Project struct {
	Name     string // normalized
	Files    []File
	Versions []string // PEP 700
}

// WriteProjectHTML renders a PEP 503 project page with the attributes of
// PEP 592 (data-yanked), PEP 658/714 (data-dist-info-metadata and
// data-core-metadata) and data-requires-python, every value escaped.
func WriteProjectHTML(w io.Writer, p Project) error {
	var b strings.Builder
	b.WriteString(projectHTMLHead(p.Name))
	for _, f := range p.Files {
		writeFileHTML(&b, f)
	}
	b.WriteString(projectHTMLTail)
	_, err := io.WriteString(w, b.String())
	return err
}

// projectHTMLHead and projectHTMLTail frame a project page's links.
func projectHTMLHead(project string) string {
	name := html.EscapeString(project)
	return "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n" +
		"    <title>Links for " + name + "</title>\n  </head>\n  <body>\n    <h1>Links for " + name + "</h1>\n"
}

const projectHTMLTail = "  </body>\n</html>\n"

// writeFileHTML writes a file's link on a project page.
func writeFileHTML(b *strings.Builder, f File) {
	b.WriteString(`    <a href="` + html.EscapeString(f.URL+"#sha256="+f.SHA256) + `"`)
	if f.RequiresPython != "" {
		b.WriteString(` data-requires-python="` + html.EscapeString(f.RequiresPython) + `"`)
	}
	if f.MetadataSHA256 != "" {
		v := html.EscapeString("sha256=" + f.MetadataSHA256)
		b.WriteString(` data-dist-info-metadata="` + v + `" data-core-metadata="` + v + `"`)
	}
	if f.Yanked {
		b.WriteString(` data-yanked="` + html.EscapeString(f.YankedReason) + `"`)
	}
	b.WriteString(">" + html.EscapeString(f.Filename) + "</a><br>\n")
}

type jsonMeta struct {
	APIVersion string `json:"api-version"`
}

type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   string            `json:"requires-python,omitempty"`
	CoreMetadata     any               `json:"core-metadata"`
	DistInfoMetadata any               `json:"dist-info-metadata"`
	Yanked           any               `json:"yanked"`
	Size             int64             `json:"size"`
	UploadTime       string            `json:"upload-time,omitempty"`
}

func jsonFileOf(f File) jsonFile {
	jf := jsonFile{
		Filename: f.Filename, URL: f.URL, Hashes: map[string]string{"sha256": f.SHA256},
		RequiresPython: f.RequiresPython, CoreMetadata: false, DistInfoMetadata: false, Yanked: false, Size: f.Size,
	}
	if f.MetadataSHA256 != "" {
		h := map[string]string{"sha256": f.MetadataSHA256}
		jf.CoreMetadata, jf.DistInfoMetadata = h, h
	}
	if f.Yanked {
		jf.Yanked = true
		if f.YankedReason != "" {
			jf.Yanked = f.YankedReason
		}
	}
	if !f.UploadTime.IsZero() {
		jf.UploadTime = f.UploadTime.UTC().Format(uploadTimeLayout)
	}
	return jf
}

// WriteProjectJSON renders a PEP 691 project page (api-version 1.1).
func WriteProjectJSON(w io.Writer, p Project) error {
	files := make([]jsonFile, 0, len(p.Files))
	for _, f := range p.Files {
		files = append(files, jsonFileOf(f))
	}
	versions := p.Versions
	if versions == nil {
		versions = []string{}
	}
	return json.NewEncoder(w).Encode(struct {
		Meta     jsonMeta   `json:"meta"`
		Name     string     `json:"name"`
		Files    []jsonFile `json:"files"`
		Versions []string   `json:"versions"`
	}{jsonMeta{apiVersion}, p.Name, files, versions})
}

// WriteIndexHTML renders the PEP 503 root index: one link per project.
func WriteIndexHTML(w io.Writer, projects []string) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"" + apiVersion + "\">\n")
	b.WriteString("    <title>Simple index</title>\n  </head>\n  <body>\n")
	for _, p := range projects {
		b.WriteString(`    <a href="` + html.EscapeString(url.PathEscape(p)) + `/">` + html.EscapeString(p) + "</a><br>\n")
	}
	b.WriteString("  </body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteIndexJSON renders the PEP 691 root index.
func WriteIndexJSON(w io.Writer, projects []string) error {
	type project struct {
		Name string `json:"name"`
	}
	list := make([]project, len(projects))
	for i, p := range projects {
		list[i] = project{p}
	}
	return json.NewEncoder(w).Encode(struct {
		Meta     jsonMeta  `json:"meta"`
		Projects []project `json:"projects"`
	}{jsonMeta{apiVersion}, list})
}

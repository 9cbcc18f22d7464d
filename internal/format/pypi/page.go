package pypi

import (
	"encoding/binary"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
)

// renderVersion changes when the rendering of project pages does, so that
// an ETag of an older build (made from the stamp alone) is not confirmed.
const renderVersion = "1"

// A cached project page keeps, beside its body, the page's part of each
// version (vindex.Index): a change of a few versions edits those parts
// and joins them again, without reading or decoding the other versions.

// convertPage makes a version's part of a page of media type ct: its
// file links (HTML) or its comma-separated file objects (JSON), ordered
// by publication time, then version (BuildProject's order).
func convertPage(project, ct string) vindex.Convert[pagePart] {
	return func(v domain.PackageVersion) (vindex.Item[pagePart], bool) {
		files := versionFiles(project, v)
		if len(files) == 0 {
			return vindex.Item[pagePart]{}, false
		}
		var b strings.Builder
		for i, f := range files {
			if ct != ContentTypeJSON {
				writeFileHTML(&b, f)
				continue
			}
			if i > 0 {
				b.WriteByte(',')
			}
			j, err := json.Marshal(jsonFileOf(f))
			if err != nil {
				return vindex.Item[pagePart]{}, false // strings and numbers only: never
			}
			b.Write(j)
		}
		part := pagePart{files: []byte(b.String())}
		if ct == ContentTypeJSON {
			part.version = appendJSONString(nil, v.Version)
		}
		return vindex.Item[pagePart]{Key: timeKey(v.PublishedTime), Val: part}, true
	}
}

// pagePart is a version's part of a project page: its files, and in
// JSON its member of the versions array, both ready to copy.
type pagePart struct {
	files, version []byte
}

// timeKey orders times as bytes.
func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano())^1<<63)
}

// pageSpec is how a page of media type ct is kept: each version's part,
// and the page's sections (the files; in JSON also the versions array)
// joined per group of versions.
func pageSpec(project, ct string) vindex.Spec[pagePart] {
	spec := vindex.Spec[pagePart]{Convert: convertPage(project, ct)}
	files := func(p pagePart) []byte { return p.files }
	if ct == ContentTypeJSON {
		spec.Sections = []vindex.Section[pagePart]{{Part: files, Sep: comma},
			{Part: func(p pagePart) []byte { return p.version }, Sep: comma}}
	} else {
		spec.Sections = []vindex.Section[pagePart]{{Part: files}}
	}
	return spec
}

var comma = []byte(",")

// assemblePage makes the page of pkg (the package read with ix's
// versions) from the sections ix keeps joined, byte for byte what
// WriteProjectHTML or WriteProjectJSON write for the same versions,
// without copying them: it costs the number of groups of versions.
func assemblePage(key pageKey, pkg domain.Package, ix *vindex.Index[pagePart]) *pageEntry {
	var parts [][]byte
	if key.ct == ContentTypeJSON {
		head := append([]byte(`{"meta":{"api-version":"`+apiVersion+`"},"name":`), appendJSONString(nil, pkg.Name)...)
		parts = append(parts, append(head, `,"files":[`...))
		parts = append(parts, ix.Joined(0)...)
		parts = append(parts, []byte(`],"versions":[`))
		parts = append(parts, ix.Joined(1)...)
		parts = append(parts, []byte("]}\n"))
	} else {
		parts = append(parts, []byte(projectHTMLHead(pkg.Name)))
		parts = append(parts, ix.Joined(0)...)
		parts = append(parts, []byte(projectHTMLTail))
	}
	return &pageEntry{key: key, pkgID: pkg.ID, stamp: ix.Stamp, doc: vindex.NewDoc(parts), ix: ix,
		etag: vindex.ETag(renderVersion, key.endpoint, key.project, key.ct, strconv.FormatInt(pkg.ID, 10), ix.Stamp)}
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	j, _ := json.Marshal(s) // a string: never fails
	return append(b, j...)
}

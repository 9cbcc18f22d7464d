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

// assemblePage joins the parts of ix into the page of pkg (the package
// read with them), byte for byte what WriteProjectHTML or WriteProjectJSON
// write for the same versions.
func assemblePage(key pageKey, pkg domain.Package, ix *vindex.Index[pagePart]) *pageEntry {
	size := 256 + len(pkg.Name)
	for _, it := range ix.Items {
		size += len(it.Val.files) + len(it.Val.version) + 2
	}
	b := make([]byte, 0, size)
	if key.ct == ContentTypeJSON {
		b = append(b, `{"meta":{"api-version":"`+apiVersion+`"},"name":`...)
		b = appendJSONString(b, pkg.Name)
		b = append(b, `,"files":[`...)
		for i, it := range ix.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, it.Val.files...)
		}
		b = append(b, `],"versions":[`...)
		for i, it := range ix.Items {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, it.Val.version...)
		}
		b = append(b, "]}\n"...)
	} else {
		b = append(b, projectHTMLHead(pkg.Name)...)
		for _, it := range ix.Items {
			b = append(b, it.Val.files...)
		}
		b = append(b, projectHTMLTail...)
	}
	return &pageEntry{key: key, pkgID: pkg.ID, stamp: ix.Stamp, body: b, ix: ix,
		etag: vindex.ETag(renderVersion, key.endpoint, key.project, key.ct, strconv.FormatInt(pkg.ID, 10), ix.Stamp)}
}

// appendJSONString appends s as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	j, _ := json.Marshal(s) // a string: never fails
	return append(b, j...)
}

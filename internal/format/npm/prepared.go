package npm

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
)

// A prepared manifest is how a version's manifest is stored
// (PackageVersion.Metadata): both renderings the packument shows, full
// and abbreviated, made once when the version is stored, so that a
// packument is a concatenation of stored bytes with each tarball URL
// (which depends on the endpoint) spliced in; no JSON is decoded to
// render one. Layout:
//
//	magic "\x00npm" | layout 1 | full length, full URL offset, abbreviated
//	URL offset (uint32, little endian) | full JSON | abbreviated JSON
//
// Each JSON document lacks the value of dist.tarball; the offsets say
// where the JSON string of the URL goes. Rows stored before (plain JSON,
// starting with '{') are legacy: rendered the old way, to the same bytes.
const (
	preparedMagic  = "\x00npm\x01"
	preparedHeader = len(preparedMagic) + 3*4
)

// tarballSentinel stands for the tarball URL while a manifest is
// prepared; its JSON form is found and cut out of the encoded documents.
const tarballSentinel = "\x00artifactd-tarball\x00"

var tarballSentinelJSON = mustJSON(tarballSentinel)

// buildManifest is a version's manifest as the packument shows it: the
// stored manifest with its identity, the description (from summary when
// it has none) and the tarball URL filled in, and what npm never shows
// removed.
func buildManifest(stored []byte, name, version, summary, tarball string) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if len(stored) > 0 {
		_ = json.Unmarshal(stored, &m)
	}
	if m == nil {
		m = map[string]json.RawMessage{}
	}
	if _, ok := m["description"]; !ok && summary != "" {
		m["description"] = mustJSON(summary)
	}
	m["name"] = mustJSON(name)
	m["version"] = mustJSON(version)
	m["_id"] = mustJSON(name + "@" + version)
	dist := map[string]json.RawMessage{}
	if raw, ok := m["dist"]; ok {
		_ = json.Unmarshal(raw, &dist)
		if dist == nil {
			dist = map[string]json.RawMessage{}
		}
	}
	dist["tarball"] = mustJSON(tarball)
	m["dist"] = mustJSON(dist)
	for _, k := range []string{"readme", "readmeFilename", "_attachments", "_rev"} {
		delete(m, k)
	}
	if d, ok := m["deprecated"]; ok && str(d) == "" {
		delete(m, "deprecated")
	}
	return m
}

// prepare turns a plain manifest (as published, or manifestJSON of a
// stored one) into its prepared form. A manifest that cannot be prepared
// (its own text holds the sentinel) is kept plain: the legacy path
// renders it.
func prepare(manifest []byte, name pkgName, version, summary string) []byte {
	m := buildManifest(manifest, name.String(), version, summary, tarballSentinel)
	full := mustJSON(m)
	abbrev := mustJSON(abbreviate(m))
	fullAt, ok1 := cutOnce(full)
	abbrevAt, ok2 := cutOnce(abbrev)
	if !ok1 || !ok2 {
		return manifest
	}
	full = append(full[:fullAt], full[fullAt+len(tarballSentinelJSON):]...)
	abbrev = append(abbrev[:abbrevAt], abbrev[abbrevAt+len(tarballSentinelJSON):]...)
	out := make([]byte, 0, preparedHeader+len(full)+len(abbrev))
	out = append(out, preparedMagic...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(full)))
	out = binary.LittleEndian.AppendUint32(out, uint32(fullAt))
	out = binary.LittleEndian.AppendUint32(out, uint32(abbrevAt))
	out = append(out, full...)
	return append(out, abbrev...)
}

// cutOnce finds the sentinel, which must occur exactly once.
func cutOnce(doc []byte) (int, bool) {
	i := bytes.Index(doc, tarballSentinelJSON)
	if i < 0 || bytes.Contains(doc[i+1:], tarballSentinelJSON) {
		return 0, false
	}
	return i, true
}

// preparedParts splits a prepared manifest: the document asked for and
// the offset of its tarball URL. ok is false for legacy (or damaged)
// rows.
func preparedParts(meta []byte, abbreviated bool) (doc []byte, at int, ok bool) {
	if len(meta) < preparedHeader || string(meta[:len(preparedMagic)]) != preparedMagic {
		return nil, 0, false
	}
	h := meta[len(preparedMagic):]
	fullLen := int(binary.LittleEndian.Uint32(h))
	fullAt := int(binary.LittleEndian.Uint32(h[4:]))
	abbrevAt := int(binary.LittleEndian.Uint32(h[8:]))
	body := meta[preparedHeader:]
	if fullLen > len(body) || fullAt > fullLen || abbrevAt > len(body)-fullLen {
		return nil, 0, false
	}
	if abbreviated {
		return body[fullLen:], abbrevAt, true
	}
	return body[:fullLen], fullAt, true
}

// isPrepared reports whether meta is in the prepared form.
func isPrepared(meta []byte) bool {
	_, _, ok := preparedParts(meta, false)
	return ok
}

// appendRendered appends the full or abbreviated manifest of a prepared
// row with tarball as its URL; ok is false (nothing appended) for a
// legacy row.
func appendRendered(dst, meta []byte, abbreviated bool, tarball string) ([]byte, bool) {
	doc, at, ok := preparedParts(meta, abbreviated)
	if !ok {
		return dst, false
	}
	dst = append(dst, doc[:at]...)
	dst = appendJSONString(dst, tarball)
	return append(dst, doc[at:]...), true
}

// manifestJSON is a stored manifest as plain JSON, whichever its form,
// for code that reads or edits fields (deprecation). A prepared one
// comes back as its full rendering with an empty tarball URL, which
// prepare turns back into the same prepared form.
func manifestJSON(meta []byte) []byte {
	out, ok := appendRendered(nil, meta, false, "")
	if !ok {
		return meta
	}
	return out
}

// appendJSONString appends s as encoding/json writes it without HTML
// escaping (mustJSON), quickly for the plain ASCII of URLs.
func appendJSONString(dst []byte, s string) []byte {
	if !plainJSON(s) {
		return append(dst, mustJSON(s)...)
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// plainJSON reports whether s is written as is inside a JSON string
// (printable ASCII but for the quote and the backslash).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

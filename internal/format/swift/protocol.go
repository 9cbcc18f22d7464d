package swift

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/format/vindex"
)

// Media types of Registry.md 3.5 and the problem details of 3.3.
const (
	mediaPrefix        = "application/vnd.swift.registry"
	contentTypeJSON    = "application/json"
	contentTypeZip     = "application/zip"
	contentTypeSwift   = "text/x-swift"
	contentTypeProblem = "application/problem+json"
	apiVersion         = "1"
)

// acceptResult is what negotiate found in an Accept header.
type acceptResult int

const (
	acceptOK          acceptResult = iota // v1, or no registry media type at all
	acceptInvalid                         // a registry media type that does not parse: 400
	acceptUnsupported                     // a valid API version other than 1: 415
)

// negotiate reads the Accept header (Registry.md 3.5):
//
//	accept = "application/vnd.swift.registry" [".v" version] ["+" mediatype]
//
// with mediatype json, zip or swift. A request without a registry media
// type is served as version 1 (the spec lets the server choose); one that
// names an unknown or invalid version gets 400, a valid but unsupported
// one 415. Any acceptable entry among several is enough.
func negotiate(accept string) acceptResult {
	res, seen := acceptOK, false
	for _, entry := range strings.Split(accept, ",") {
		mt, _, _ := strings.Cut(entry, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		rest, ok := strings.CutPrefix(mt, mediaPrefix)
		if !ok {
			continue
		}
		switch parseRegistryType(rest) {
		case acceptOK:
			return acceptOK
		case acceptUnsupported:
			res, seen = acceptUnsupported, true
		case acceptInvalid:
			if !seen {
				res = acceptInvalid
			}
		}
	}
	return res
}

// parseRegistryType checks what follows "application/vnd.swift.registry".
func parseRegistryType(rest string) acceptResult {
	version := ""
	if v, ok := strings.CutPrefix(rest, ".v"); ok {
		var media string
		var hasMedia bool
		version, media, hasMedia = strings.Cut(v, "+")
		if version == "" || len(version) > 9 || strings.Trim(version, "0123456789") != "" {
			return acceptInvalid
		}
		rest = ""
		if hasMedia {
			rest = "+" + media
		}
	}
	switch rest {
	case "", "+json", "+zip", "+swift":
	default:
		return acceptInvalid
	}
	if version != "" && strings.TrimLeft(version, "0") != apiVersion {
		return acceptUnsupported
	}
	return acceptOK
}

// problem is an RFC 7807 problem details object.
type problem struct {
	Status int    `json:"status,omitempty"`
	Title  string `json:"title,omitempty"`
	Detail string `json:"detail"`
}

// writeProblem answers an error as Registry.md 3.3 requires: a problem
// details object, Content-Version 1, Content-Language en.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	h := w.Header()
	h.Set("Content-Type", contentTypeProblem)
	h.Set("Content-Version", apiVersion)
	h.Set("Content-Language", "en")
	h.Del("Content-Length")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(problem{Status: status, Title: http.StatusText(status), Detail: detail})
}

// writeJSON answers 200 with a JSON document.
// writeJSONDoc is writeJSON of a document kept in parts.
func writeJSONDoc(w http.ResponseWriter, doc vindex.Doc) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Version", apiVersion)
	h.Set("Content-Length", strconv.FormatInt(doc.Size(), 10))
	w.WriteHeader(http.StatusOK)
	io.Copy(w, doc.Reader()) //nolint:errcheck // the client went away
}

func writeJSON(w http.ResponseWriter, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Version", apiVersion)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body) //nolint:errcheck // the client went away
}

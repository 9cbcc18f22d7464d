package swift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds on the release metadata a publish may send (Registry.md 4.6.2).
const (
	MaxMetadataBytes = 256 << 10
	maxRepoURLs      = 20
	maxURLBytes      = 2048
)

// ReleaseMetadata is the part of the release metadata (Registry.md
// Appendix B) artifactd reads; the document is kept and served whole.
type ReleaseMetadata struct {
	Author *struct {
		Name string `json:"name"`
	} `json:"author,omitempty"`
	Description             string   `json:"description,omitempty"`
	LicenseURL              string   `json:"licenseURL,omitempty"`
	ReadmeURL               string   `json:"readmeURL,omitempty"`
	RepositoryURLs          []string `json:"repositoryURLs,omitempty"`
	OriginalPublicationTime string   `json:"originalPublicationTime,omitempty"`
}

// ParseMetadata checks a release metadata document: a JSON object of at
// most MaxMetadataBytes whose known fields have the schema's types. It
// returns the fields read and the document compacted; an empty document
// is "{}".
func ParseMetadata(b []byte) (ReleaseMetadata, []byte, error) {
	var m ReleaseMetadata
	if len(bytes.TrimSpace(b)) == 0 {
		return m, []byte("{}"), nil
	}
	if len(b) > MaxMetadataBytes {
		return m, nil, fmt.Errorf("the release metadata is larger than %d bytes", MaxMetadataBytes)
	}
	if !utf8.Valid(b) {
		return m, nil, fmt.Errorf("invalid JSON provided for release metadata: not UTF-8")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil || obj == nil {
		return m, nil, fmt.Errorf("invalid JSON provided for release metadata: it must be a JSON object")
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, nil, fmt.Errorf("invalid JSON provided for release metadata: %v", err)
	}
	if _, ok := obj["author"]; ok && (m.Author == nil || m.Author.Name == "") {
		return m, nil, fmt.Errorf("invalid release metadata: author needs a name")
	}
	if len(m.RepositoryURLs) > maxRepoURLs {
		return m, nil, fmt.Errorf("invalid release metadata: more than %d repositoryURLs", maxRepoURLs)
	}
	for _, u := range append([]string{m.LicenseURL, m.ReadmeURL}, m.RepositoryURLs...) {
		if len(u) > maxURLBytes {
			return m, nil, fmt.Errorf("invalid release metadata: a URL is longer than %d bytes", maxURLBytes)
		}
	}
	for _, u := range m.RepositoryURLs {
		if canonicalURL(u) == "" {
			return m, nil, fmt.Errorf("invalid release metadata: repository URL %q is not a URL", u)
		}
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return m, nil, fmt.Errorf("invalid JSON provided for release metadata: %v", err)
	}
	return m, buf.Bytes(), nil
}

// canonicalURL is the form repository URLs are matched in, so that the
// spellings of one repository SwiftPM may look up find each other
// (https://host/o/r, https://host/o/r.git, git@host:o/r.git, ssh://...):
// host and path, lowercased, without scheme, user, port, ".git" or a
// trailing slash. "" when s is not a URL of a source repository (http,
// https, ssh, git, or scp-like).
func canonicalURL(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxURLBytes || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return ""
	}
	var host, p string
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		switch strings.ToLower(u.Scheme) {
		case "http", "https", "ssh", "git", "git+ssh":
		default:
			return ""
		}
		host, p = u.Hostname(), u.Path
	} else if at := strings.Index(s, "@"); at >= 0 && !strings.Contains(s, "://") {
		// scp-like: git@host:owner/repo.git
		h, rest, ok := strings.Cut(s[at+1:], ":")
		if !ok {
			return ""
		}
		host, p = h, "/"+strings.TrimPrefix(rest, "/")
	} else {
		return ""
	}
	p = strings.TrimSuffix(strings.TrimSuffix(p, "/"), ".git")
	p = strings.TrimSuffix(p, "/")
	if host == "" || strings.ContainsAny(host, "/ ") {
		return ""
	}
	return strings.ToLower(host + p)
}

// versionDoc is a Swift release's metadata document
// (domain.PackageVersion.Metadata): what the registry API serves of it
// without opening the archive.
type versionDoc struct {
	// Checksum is the hex SHA-256 of the source archive.
	Checksum string `json:"checksum"`
	// Archive is the source archive's asset name.
	Archive string `json:"archive"`
	// Manifests maps each manifest's file name to its tools version.
	Manifests map[string]string `json:"manifests"`
	// Metadata is the release metadata document the client sent ({} when
	// none).
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Signature and SignatureFormat: the source archive's signature
	// (base64) and format, when the release was published signed.
	Signature       string `json:"signature,omitempty"`
	SignatureFormat string `json:"signatureFormat,omitempty"`
}

func decodeDoc(b []byte) versionDoc {
	var d versionDoc
	if len(b) > 0 {
		_ = json.Unmarshal(b, &d)
	}
	if len(d.Metadata) == 0 {
		d.Metadata = json.RawMessage("{}")
	}
	return d
}

func (d versionDoc) encode() []byte {
	b, _ := json.Marshal(d)
	return b
}

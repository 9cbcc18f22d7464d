package cargo

import (
	"bytes"
	"encoding/json"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/semver"
)

// Entry is one line of a crate's sparse index file: one version.
type Entry struct {
	Name        string              `json:"name"`
	Vers        string              `json:"vers"`
	Deps        []Dep               `json:"deps"`
	Cksum       string              `json:"cksum"`
	Features    map[string][]string `json:"features"`
	Features2   map[string][]string `json:"features2,omitempty"`
	Yanked      bool                `json:"yanked"`
	Links       string              `json:"links,omitempty"`
	V           int                 `json:"v,omitempty"`
	RustVersion string              `json:"rust_version,omitempty"`
}

// Dep is a dependency in an index line.
type Dep struct {
	Name            string   `json:"name"`
	Req             string   `json:"req"`
	Features        []string `json:"features"`
	Optional        bool     `json:"optional"`
	DefaultFeatures bool     `json:"default_features"`
	Target          *string  `json:"target"`
	Kind            string   `json:"kind"`
	Registry        *string  `json:"registry,omitempty"`
	Package         *string  `json:"package,omitempty"`
}

// versionDoc is a Cargo version's metadata document: its index line.
type versionDoc struct {
	Entry Entry `json:"index"`
	// Remote: the line an external connection's index gives for a version
	// not kept yet (its yanked flag is the upstream's).
	Remote bool `json:"remote,omitempty"`
}

func decodeDoc(b []byte) (versionDoc, bool) {
	var d versionDoc
	if len(b) == 0 || json.Unmarshal(b, &d) != nil || d.Entry.Vers == "" {
		return versionDoc{}, false
	}
	return d, true
}

func (d versionDoc) encode() []byte {
	b, _ := json.Marshal(d)
	return b
}

// Listed reports how cargo sees a version of status st: Published
// versions are listed; Unlisted ones are listed as yanked (cargo yank),
// so only a lock file that already names them resolves them; Archived,
// Disposed, Deleted and Unfinished ones are absent.
func Listed(st domain.Status) (listed, yanked bool) {
	switch st {
	case domain.StatusPublished:
		return true, false
	case domain.StatusUnlisted:
		return true, true
	}
	return false, false
}

// RenderIndex writes the index file of a crate's versions: one JSON line
// per listed version, in SemVer order. It returns nil when no version is
// listed (the crate is then unknown to cargo).
func RenderIndex(versions []domain.PackageVersion) []byte {
	ix := vindex.Build(0, "", versions, indexSpec)
	if ix.Len() == 0 {
		return nil
	}
	return indexDoc(ix).Bytes()
}

// indexSpec keeps each version's line, and the lines joined per group of
// versions.
var indexSpec = vindex.Spec[[]byte]{Convert: indexLine, Sections: []vindex.Section[[]byte]{{Part: func(l []byte) []byte { return l }}}}

// indexLine is a version's line of its crate's index file, ordered by
// SemVer precedence (ties by version string).
func indexLine(v domain.PackageVersion) (vindex.Item[[]byte], bool) {
	listed, yanked := Listed(v.Status)
	if !listed {
		return vindex.Item[[]byte]{}, false
	}
	d, ok := decodeDoc(v.Metadata)
	if !ok {
		return vindex.Item[[]byte]{}, false
	}
	e := d.Entry
	e.Vers = v.Version
	if !d.Remote || yanked {
		e.Yanked = yanked
	}
	if e.Deps == nil {
		e.Deps = []Dep{}
	}
	if e.Features == nil {
		e.Features = map[string][]string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil { // one line, ending in "\n"
		return vindex.Item[[]byte]{}, false
	}
	return vindex.Item[[]byte]{Key: semver.Key(v.Version), Val: buf.Bytes()}, true
}

// indexDoc is the index file of ix's lines, made of its groups' lines.
func indexDoc(ix *vindex.Index[[]byte]) vindex.Doc { return vindex.NewDoc(ix.Joined(0)) }

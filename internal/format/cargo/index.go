package cargo

import (
	"bytes"
	"encoding/json"
	"sort"

	"github.com/artifactd/artifactd/internal/domain"

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
	type line struct {
		key []byte
		e   Entry
	}
	var lines []line
	for _, v := range versions {
		listed, yanked := Listed(v.Status)
		if !listed {
			continue
		}
		d, ok := decodeDoc(v.Metadata)
		if !ok {
			continue
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
		lines = append(lines, line{semver.Key(v.Version), e})
	}
	if len(lines) == 0 {
		return nil
	}
	sort.SliceStable(lines, func(i, j int) bool { return bytes.Compare(lines[i].key, lines[j].key) < 0 })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, l := range lines {
		_ = enc.Encode(l.e) // one line, ending in "\n"
	}
	return buf.Bytes()
}

package ruby

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// versionDoc is a gem version's metadata document: one entry per
// platform, as each platform's .gem is an asset of the one version.
type versionDoc struct {
	Platforms map[string]platformDoc `json:"platforms"`
	// Remote: the document lists what an external connection's index
	// offers for a version not kept yet (Remote.ParseMetadata).
	Remote bool `json:"remote,omitempty"`
}

// platformDoc is what artifactd keeps of one .gem: its spec, to render
// every index without reading the file, and the file's digest.
type platformDoc struct {
	Spec
	File     string    `json:"file"`
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Uploaded time.Time `json:"uploaded"`
}

func decodeDoc(b []byte) versionDoc {
	var d versionDoc
	if len(b) > 0 {
		if err := json.Unmarshal(b, &d); err != nil {
			d = versionDoc{}
		}
	}
	if d.Platforms == nil {
		d.Platforms = map[string]platformDoc{}
	}
	return d
}

func (d versionDoc) encode() []byte {
	b, _ := json.Marshal(d)
	return b
}

// applySpec sets what the control plane shows of a version from a spec.
func applySpec(v *domain.PackageVersion, s Spec) {
	v.DisplayName = s.Name
	v.Summary = s.Summary
	v.HomePage = s.Homepage
	v.SourceCodeRepository = s.Metadata["source_code_uri"]
	v.Readme = s.Description
	v.Licenses = nil
	for _, l := range s.Licenses {
		if l = strings.TrimSpace(l); l != "" {
			v.Licenses = append(v.Licenses, domain.License{Name: l})
		}
	}
	v.Dependencies = nil
	for _, d := range s.Dependencies {
		v.Dependencies = append(v.Dependencies, domain.Dependency{
			Package: d.Name, DependencyType: d.Type, VersionRequirement: requirement(d.Reqs, ", "),
		})
	}
}

// applyDoc describes v from its document: the ruby platform's spec when
// there is one, else the first platform's.
func applyDoc(v *domain.PackageVersion, d versionDoc) {
	if p, ok := d.Platforms["ruby"]; ok {
		applySpec(v, p.Spec)
		return
	}
	first := ""
	for name := range d.Platforms {
		if first == "" || name < first {
			first = name
		}
	}
	if first != "" {
		applySpec(v, d.Platforms[first].Spec)
	}
}

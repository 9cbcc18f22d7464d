package npm

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// packageJSON is the part of package.json the control plane reports.
// Fields with several shapes stay raw and are read leniently.
type packageJSON struct {
	Name                 string            `json:"name"`
	Version              string            `json:"version"`
	Description          json.RawMessage   `json:"description"`
	Homepage             json.RawMessage   `json:"homepage"`
	Repository           json.RawMessage   `json:"repository"`
	License              json.RawMessage   `json:"license"`
	Licenses             json.RawMessage   `json:"licenses"` // legacy array form
	Dependencies         map[string]string `json:"-"`
	DevDependencies      map[string]string `json:"-"`
	PeerDependencies     map[string]string `json:"-"`
	OptionalDependencies map[string]string `json:"-"`
}

// Dependency types as CodeArtifact reports them for npm.
const (
	depRegular  = "regular"
	depDev      = "dev"
	depPeer     = "peer"
	depOptional = "optional"
)

// parsePackageJSON reads package.json. Only name and version must be
// well-formed; the other fields are taken when they have a usable shape.
func parsePackageJSON(b []byte) (packageJSON, error) {
	var pj packageJSON
	if err := json.Unmarshal(b, &pj); err != nil {
		return pj, domain.Invalid("package.json in the tarball is not valid JSON: %v", err)
	}
	var deps struct {
		Dependencies, DevDependencies, PeerDependencies, OptionalDependencies json.RawMessage
	}
	_ = json.Unmarshal(b, &deps)
	pj.Dependencies = stringMap(deps.Dependencies)
	pj.DevDependencies = stringMap(deps.DevDependencies)
	pj.PeerDependencies = stringMap(deps.PeerDependencies)
	pj.OptionalDependencies = stringMap(deps.OptionalDependencies)
	return pj, nil
}

// stringMap reads a JSON object of strings, skipping non-string values.
func stringMap(raw json.RawMessage) map[string]string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// str returns raw as a string when it is a JSON string.
func str(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// repositoryURL reads "repository": a string ("github:user/repo", a URL)
// or {"type": "git", "url": "..."}.
func repositoryURL(raw json.RawMessage) string {
	if s := str(raw); s != "" {
		return s
	}
	var o struct {
		URL json.RawMessage `json:"url"`
	}
	if json.Unmarshal(raw, &o) == nil {
		return str(o.URL)
	}
	return ""
}

// licenses reads "license" (an SPDX string, an object {type, url}, or an
// array of those) and the legacy "licenses" array.
func licenses(license, legacy json.RawMessage) []domain.License {
	var out []domain.License
	var one func(raw json.RawMessage)
	one = func(raw json.RawMessage) {
		if s := str(raw); s != "" {
			out = append(out, domain.License{Name: s})
			return
		}
		var o struct {
			Type, Name, URL json.RawMessage
		}
		if json.Unmarshal(raw, &o) == nil && (o.Type != nil || o.Name != nil || o.URL != nil) {
			l := domain.License{Name: str(o.Type), URL: str(o.URL)}
			if l.Name == "" {
				l.Name = str(o.Name)
			}
			if l.Name != "" || l.URL != "" {
				out = append(out, l)
			}
			return
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) == nil {
			for _, e := range list {
				one(e)
			}
		}
	}
	if len(license) > 0 {
		one(license)
	}
	if len(out) == 0 && len(legacy) > 0 {
		one(legacy)
	}
	return out
}

// dependencies lists package.json's direct dependencies in a stable
// order: by type (regular, dev, peer, optional), then by name.
func (pj packageJSON) dependencies() []domain.Dependency {
	var out []domain.Dependency
	add := func(typ string, m map[string]string) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			d := domain.Dependency{DependencyType: typ, VersionRequirement: m[n]}
			if pn, ok := parseFullName(n); ok {
				d.Namespace, d.Package = pn.Scope, pn.Name
			} else {
				d.Package = n
			}
			out = append(out, d)
		}
	}
	add(depRegular, pj.Dependencies)
	add(depDev, pj.DevDependencies)
	add(depPeer, pj.PeerDependencies)
	add(depOptional, pj.OptionalDependencies)
	return out
}

// versionMetadata is what the control plane reports for a version
// published with this package.json and README.
func versionMetadata(n pkgName, pj packageJSON, readme string, raw []byte) *service.VersionMetadata {
	return &service.VersionMetadata{
		DisplayName:          n.String(),
		Summary:              str(pj.Description),
		HomePage:             str(pj.Homepage),
		SourceCodeRepository: repositoryURL(pj.Repository),
		Readme:               readme,
		Licenses:             licenses(pj.License, pj.Licenses),
		Dependencies:         pj.dependencies(),
		Raw:                  raw,
	}
}

package nuget

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
)

// MaxNuspecBytes bounds a .nuspec (the public gallery's are a few KiB).
const MaxNuspecBytes = 1 << 20

// maxDependencies bounds the dependencies a nuspec may declare.
const maxDependencies = 10000

// Nuspec is what artifactd reads of a package's manifest (the .nuspec
// reference, "General form and schema"). Element names are matched
// without their namespace: each schema version has its own.
type Nuspec struct {
	Metadata struct {
		MinClientVersion         string `xml:"minClientVersion,attr"`
		ID                       string `xml:"id"`
		Version                  string `xml:"version"`
		Title                    string `xml:"title"`
		Authors                  string `xml:"authors"`
		Owners                   string `xml:"owners"`
		Description              string `xml:"description"`
		Summary                  string `xml:"summary"`
		ReleaseNotes             string `xml:"releaseNotes"`
		Copyright                string `xml:"copyright"`
		Language                 string `xml:"language"`
		ProjectURL               string `xml:"projectUrl"`
		IconURL                  string `xml:"iconUrl"`
		Icon                     string `xml:"icon"`
		Readme                   string `xml:"readme"`
		LicenseURL               string `xml:"licenseUrl"`
		RequireLicenseAcceptance string `xml:"requireLicenseAcceptance"`
		Tags                     string `xml:"tags"`
		License                  struct {
			Type  string `xml:"type,attr"`
			Value string `xml:",chardata"`
		} `xml:"license"`
		Repository struct {
			Type string `xml:"type,attr"`
			URL  string `xml:"url,attr"`
		} `xml:"repository"`
		Dependencies struct {
			Groups []struct {
				TargetFramework string          `xml:"targetFramework,attr"`
				Dependencies    []nuspecDepElem `xml:"dependency"`
			} `xml:"group"`
			Flat []nuspecDepElem `xml:"dependency"`
		} `xml:"dependencies"`
	} `xml:"metadata"`
}

type nuspecDepElem struct {
	ID      string `xml:"id,attr"`
	Version string `xml:"version,attr"`
}

// DependencyGroup is one dependency group of a version, per target
// framework ("" = any), as registration documents show them.
type DependencyGroup struct {
	TargetFramework string       `json:"targetFramework,omitempty"`
	Dependencies    []Dependency `json:"dependencies,omitempty"`
}

// Dependency is one package dependency with its version range.
type Dependency struct {
	ID    string `json:"id"`
	Range string `json:"range,omitempty"`
}

// ParseNuspec reads a nuspec and checks what NuGet requires of it: an id
// and a version, both valid.
func ParseNuspec(b []byte) (*Nuspec, error) {
	if len(b) > MaxNuspecBytes {
		return nil, fmt.Errorf("the .nuspec is larger than %d bytes", MaxNuspecBytes)
	}
	var n Nuspec
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	// Entities beyond XML's five are refused (no DTDs, no expansion).
	dec.Entity = nil
	if err := dec.Decode(&n); err != nil {
		return nil, fmt.Errorf("the .nuspec is not valid XML: %v", err)
	}
	m := &n.Metadata
	m.ID, m.Version = strings.TrimSpace(m.ID), strings.TrimSpace(m.Version)
	if m.ID == "" {
		return nil, fmt.Errorf("the .nuspec has no <id>")
	}
	if !ValidID(m.ID) {
		return nil, fmt.Errorf("the .nuspec's id %q is not a valid package ID", m.ID)
	}
	if m.Version == "" {
		return nil, fmt.Errorf("the .nuspec has no <version>")
	}
	if _, ok := ParseVersion(m.Version); !ok {
		return nil, fmt.Errorf("the .nuspec's version %q is not a valid NuGet version", m.Version)
	}
	if strings.TrimSpace(m.Description) == "" {
		return nil, fmt.Errorf("the .nuspec has no <description>, which NuGet requires")
	}
	if strings.TrimSpace(m.Authors) == "" {
		return nil, fmt.Errorf("the .nuspec has no <authors>, which NuGet requires")
	}
	ndeps := len(m.Dependencies.Flat)
	for _, g := range m.Dependencies.Groups {
		ndeps += len(g.Dependencies)
	}
	if ndeps > maxDependencies {
		return nil, fmt.Errorf("the .nuspec declares more than %d dependencies", maxDependencies)
	}
	for _, d := range m.Dependencies.Flat {
		if !ValidID(strings.TrimSpace(d.ID)) {
			return nil, fmt.Errorf("the .nuspec has a dependency with an invalid id %q", d.ID)
		}
	}
	for _, g := range m.Dependencies.Groups {
		for _, d := range g.Dependencies {
			if !ValidID(strings.TrimSpace(d.ID)) {
				return nil, fmt.Errorf("the .nuspec has a dependency with an invalid id %q", d.ID)
			}
		}
	}
	return &n, nil
}

// ValidID is NuGet's package ID rule (PackageIdValidator): at most 100
// characters, letters, digits, '_', '-' and '.', no two separators in a
// row, starting and ending with a letter, digit or '_'.
func ValidID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	prevSep := true
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			prevSep = false
		case c == '.' || c == '-':
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// Groups returns the dependency groups: the flat list of old nuspecs is
// one group for any framework.
func (n *Nuspec) Groups() []DependencyGroup {
	m := &n.Metadata
	var out []DependencyGroup
	deps := func(in []nuspecDepElem) []Dependency {
		var ds []Dependency
		for _, d := range in {
			ds = append(ds, Dependency{ID: strings.TrimSpace(d.ID), Range: strings.TrimSpace(d.Version)})
		}
		return ds
	}
	if len(m.Dependencies.Flat) > 0 {
		out = append(out, DependencyGroup{Dependencies: deps(m.Dependencies.Flat)})
	}
	for _, g := range m.Dependencies.Groups {
		out = append(out, DependencyGroup{TargetFramework: strings.TrimSpace(g.TargetFramework), Dependencies: deps(g.Dependencies)})
	}
	return out
}

// LicenseExpression is the SPDX expression of <license type="expression">.
func (n *Nuspec) LicenseExpression() string {
	if strings.EqualFold(n.Metadata.License.Type, "expression") {
		return strings.TrimSpace(n.Metadata.License.Value)
	}
	return ""
}

// Licenses are the control plane's view: the expression, else the URL.
func (n *Nuspec) Licenses() []domain.License {
	if e := n.LicenseExpression(); e != "" {
		return []domain.License{{Name: e}}
	}
	if u := strings.TrimSpace(n.Metadata.LicenseURL); u != "" {
		return []domain.License{{URL: u}}
	}
	return nil
}

// DomainDependencies are the control plane's dependencies: one per
// dependency and group (NuGet sets no dependencyType, as AWS).
func (n *Nuspec) DomainDependencies() []domain.Dependency {
	var out []domain.Dependency
	seen := map[[2]string]bool{}
	for _, g := range n.Groups() {
		for _, d := range g.Dependencies {
			k := [2]string{strings.ToLower(d.ID), d.Range}
			if seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, domain.Dependency{Package: strings.ToLower(d.ID), VersionRequirement: d.Range})
		}
	}
	return out
}

// TagList splits <tags> (space separated; commas tolerated).
func (n *Nuspec) TagList() []string {
	return strings.FieldsFunc(n.Metadata.Tags, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' || r == '\r' })
}

// AuthorList splits <authors> (comma separated).
func (n *Nuspec) AuthorList() []string {
	var out []string
	for _, a := range strings.Split(n.Metadata.Authors, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

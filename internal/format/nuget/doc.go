package nuget

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/format/vindex"
	"github.com/artifactd/artifactd/internal/service"
)

// versionDoc is a NuGet version's metadata document (the version's
// Metadata): what registration and search show, read once from the
// .nuspec at push, so no request opens a package.
type versionDoc struct {
	ID                       string            `json:"id"`      // as the nuspec spells it
	Version                  string            `json:"version"` // full: normalized, with build metadata
	Title                    string            `json:"title,omitempty"`
	Description              string            `json:"description,omitempty"`
	Summary                  string            `json:"summary,omitempty"`
	Authors                  []string          `json:"authors,omitempty"`
	Tags                     []string          `json:"tags,omitempty"`
	Language                 string            `json:"language,omitempty"`
	ProjectURL               string            `json:"projectUrl,omitempty"`
	IconURL                  string            `json:"iconUrl,omitempty"`
	LicenseURL               string            `json:"licenseUrl,omitempty"`
	LicenseExpression        string            `json:"licenseExpression,omitempty"`
	RequireLicenseAcceptance bool              `json:"requireLicenseAcceptance,omitempty"`
	MinClientVersion         string            `json:"minClientVersion,omitempty"`
	DependencyGroups         []DependencyGroup `json:"dependencyGroups,omitempty"`
	SemVer2                  bool              `json:"semver2,omitempty"`
	HasReadme                bool              `json:"hasReadme,omitempty"`
	Nuspec                   []byte            `json:"nuspec,omitempty"` // served by the flat container
	Size                     int64             `json:"size,omitempty"`
	// Remote: a version an external connection lists, not kept yet.
	Remote bool `json:"remote,omitempty"`
}

func decodeDoc(b []byte) versionDoc {
	var d versionDoc
	if len(b) > 0 {
		_ = json.Unmarshal(b, &d)
	}
	return d
}

func (d versionDoc) encode() []byte {
	b, _ := json.Marshal(d)
	return b
}

// docFromPackage builds the version document of a read package.
func docFromPackage(p *Package, size int64) versionDoc {
	m := &p.Nuspec.Metadata
	v, _ := ParseVersion(m.Version)
	d := versionDoc{
		ID: m.ID, Version: v.Full(), Title: strings.TrimSpace(m.Title), Description: m.Description,
		Summary: strings.TrimSpace(m.Summary), Authors: p.Nuspec.AuthorList(), Tags: p.Nuspec.TagList(),
		Language: strings.TrimSpace(m.Language), ProjectURL: strings.TrimSpace(m.ProjectURL),
		IconURL: strings.TrimSpace(m.IconURL), LicenseURL: strings.TrimSpace(m.LicenseURL),
		LicenseExpression: p.Nuspec.LicenseExpression(), MinClientVersion: strings.TrimSpace(m.MinClientVersion),
		RequireLicenseAcceptance: strings.EqualFold(strings.TrimSpace(m.RequireLicenseAcceptance), "true"),
		DependencyGroups:         p.Nuspec.Groups(), HasReadme: p.Readme != "", Nuspec: p.NuspecRaw, Size: size,
	}
	d.SemVer2 = v.IsSemVer2() || rangesSemVer2(d.DependencyGroups)
	return d
}

// rangesSemVer2 reports a dependency range naming a SemVer 2.0.0 version,
// which also makes a package SemVer 2.0.0 for NuGet.
func rangesSemVer2(groups []DependencyGroup) bool {
	for _, g := range groups {
		for _, d := range g.Dependencies {
			for _, s := range strings.FieldsFunc(d.Range, func(r rune) bool { return strings.ContainsRune("[](), ", r) }) {
				if v, ok := ParseVersion(s); ok && v.IsSemVer2() {
					return true
				}
			}
		}
	}
	return false
}

// applyMetadata sets what the control plane shows of a version.
func applyMetadata(v *domain.PackageVersion, p *Package) {
	m := &p.Nuspec.Metadata
	v.DisplayName = m.ID
	v.Summary = strings.TrimSpace(m.Summary)
	if v.Summary == "" {
		v.Summary = strings.TrimSpace(m.Description)
	}
	v.HomePage = strings.TrimSpace(m.ProjectURL)
	if u := strings.TrimSpace(m.Repository.URL); u != "" {
		v.SourceCodeRepository = u
	}
	v.Licenses = p.Nuspec.Licenses()
	v.Dependencies = p.Nuspec.DomainDependencies()
	v.Readme = p.Readme
}

// state is NuGet's package-level state, kept in domain.Package.Metadata.
type state struct {
	// Log's stamp changes with every change to the package's versions and
	// the log names the versions changed: cached models are keyed on the
	// stamp and edited from one stamp to the next (vindex.Load).
	vindex.Log
}

func logOf(p domain.Package) vindex.Log { return loadState(p).Log }

func loadState(p domain.Package) state {
	return domain.PackageState[state](p)
}

// renewStamp gives p a new stamp after a change of versions (nil: any).
func renewStamp(p *domain.Package, versions []string) error {
	st := loadState(*p)
	st.Renew(versions)
	return domain.SetPackageState(p, st)
}

// Rules are NuGet's package-level rules for the service: package IDs are
// lowercased by the service itself; the stamp is renewed on every change;
// versions are ordered (VersionSortKey) and normalized (NormalizeVersion)
// as NuGet does.
type Rules struct{}

var (
	_ service.FormatRules    = Rules{}
	_ service.VersionOrderer = Rules{}
)

// PackageChanged implements service.FormatRules.
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	return renewStamp(p, changed)
}

// published is the time registration shows for a version; the public
// gallery shows 1900-01-01 for unlisted ones, which clients read as unlisted
// (any year up to 1900 is), so a time not known (a version an external
// connection lists, not kept yet) is "" and left out.
func published(v domain.PackageVersion, listed bool) string {
	if !listed {
		return "1900-01-01T00:00:00+00:00"
	}
	if v.PublishedTime.IsZero() {
		return ""
	}
	return v.PublishedTime.UTC().Format(time.RFC3339Nano)
}

var _ service.VersionNormalizer = Rules{}

// NormalizeVersion implements service.VersionNormalizer: what a caller
// names as 1.01.0.0 or 1.1.0+build is stored 1.1.0. Strings that are not
// NuGet versions are left as they are (and found nowhere).
func (Rules) NormalizeVersion(version string) string {
	if n, ok := NormalizeVersion(version); ok {
		return n
	}
	return version
}

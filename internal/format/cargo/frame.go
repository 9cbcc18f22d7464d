package cargo

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"sort"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
)

const (
	// MaxMetadataBytes caps the JSON part of a publish (readme included).
	MaxMetadataBytes = 8 << 20
	// MaxCrateBytes caps a .crate file.
	MaxCrateBytes = 1 << 30
	// maxDeps and maxFeatures cap the lists of a publish.
	maxDeps     = 1000
	maxFeatures = 1000
)

// NewCrate is the JSON metadata cargo sends with a publish.
type NewCrate struct {
	Name          string              `json:"name"`
	Vers          string              `json:"vers"`
	Deps          []NewDep            `json:"deps"`
	Features      map[string][]string `json:"features"`
	Authors       []string            `json:"authors"`
	Description   *string             `json:"description"`
	Documentation *string             `json:"documentation"`
	Homepage      *string             `json:"homepage"`
	Readme        *string             `json:"readme"`
	ReadmeFile    *string             `json:"readme_file"`
	Keywords      []string            `json:"keywords"`
	Categories    []string            `json:"categories"`
	License       *string             `json:"license"`
	LicenseFile   *string             `json:"license_file"`
	Repository    *string             `json:"repository"`
	Links         *string             `json:"links"`
	RustVersion   *string             `json:"rust_version"`
}

// NewDep is a dependency as cargo publishes it.
type NewDep struct {
	Optional           bool     `json:"optional"`
	DefaultFeatures    bool     `json:"default_features"`
	Name               string   `json:"name"`
	Features           []string `json:"features"`
	VersionReq         string   `json:"version_req"`
	Target             *string  `json:"target"`
	Kind               string   `json:"kind"`
	Registry           *string  `json:"registry"`
	ExplicitNameInToml *string  `json:"explicit_name_in_toml"`
}

// ReadFrame reads the head of a publish body: u32 LE length, that much
// JSON, u32 LE length of the .crate. The .crate's bytes follow in r.
func ReadFrame(r io.Reader) (NewCrate, int64, error) {
	var nc NewCrate
	var n uint32
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nc, 0, domain.Invalid("malformed publish request: no metadata length")
	}
	if n > MaxMetadataBytes {
		return nc, 0, domain.Invalid("the publish metadata is %d bytes, more than the maximum of %d", n, MaxMetadataBytes)
	}
	meta := make([]byte, n)
	if _, err := io.ReadFull(r, meta); err != nil {
		return nc, 0, domain.Invalid("malformed publish request: the metadata is cut short")
	}
	if err := json.Unmarshal(meta, &nc); err != nil {
		return nc, 0, domain.Invalid("malformed publish metadata: %v", err)
	}
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return nc, 0, domain.Invalid("malformed publish request: no .crate length")
	}
	if int64(n) > MaxCrateBytes {
		return nc, 0, domain.Invalid("the .crate is %d bytes, more than the maximum of %d", n, int64(MaxCrateBytes))
	}
	return nc, int64(n), nil
}

// Check validates the metadata as crates-io does.
func (nc NewCrate) Check() error {
	if !ValidName(nc.Name) {
		return domain.Invalid("invalid crate name %q: use ASCII letters, digits, '-' and '_', starting with a letter, at most %d characters", nc.Name, MaxNameLength)
	}
	if !validVersion(nc.Vers) {
		return domain.Invalid("invalid version %q: versions must be SemVer 2.0.0", nc.Vers)
	}
	if len(nc.Deps) > maxDeps {
		return domain.Invalid("a crate may have at most %d dependencies", maxDeps)
	}
	for _, d := range nc.Deps {
		if !ValidName(d.Name) {
			return domain.Invalid("invalid dependency name %q", d.Name)
		}
		if d.ExplicitNameInToml != nil && !validFeatureName(*d.ExplicitNameInToml) {
			return domain.Invalid("invalid dependency rename %q", *d.ExplicitNameInToml)
		}
		if strings.TrimSpace(d.VersionReq) == "" || len(d.VersionReq) > 256 {
			return domain.Invalid("dependency %s has no valid version requirement", d.Name)
		}
		switch d.Kind {
		case "", "normal", "dev", "build":
		default:
			return domain.Invalid("dependency %s has unknown kind %q", d.Name, d.Kind)
		}
	}
	if len(nc.Features) > maxFeatures {
		return domain.Invalid("a crate may have at most %d features", maxFeatures)
	}
	for name, vals := range nc.Features {
		if !validFeatureName(name) {
			return domain.Invalid("invalid feature name %q", name)
		}
		if len(vals) > maxFeatures {
			return domain.Invalid("feature %s enables more than %d features", name, maxFeatures)
		}
	}
	if nc.Links != nil && (*nc.Links == "" || len(*nc.Links) > 256) {
		return domain.Invalid("invalid links value")
	}
	return nil
}

// validFeatureName accepts what cargo accepts: letters, digits, '_', '-',
// '+', '.', not empty, at most 256 bytes, starting with a letter, digit or
// '_'.
func validFeatureName(s string) bool {
	if s == "" || len(s) > 256 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		case i > 0 && (c == '-' || c == '+' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// Entry is the index line of the published version (cksum set by the
// caller). Features using the dep: or ?/ syntax go to features2 with
// v = 2, as crates-io writes them, so older cargo skips only those.
func (nc NewCrate) Entry() Entry {
	e := Entry{Name: nc.Name, Vers: nc.Vers, Deps: []Dep{}, Features: map[string][]string{}}
	for _, d := range nc.Deps {
		dep := Dep{Name: d.Name, Req: d.VersionReq, Features: d.Features, Optional: d.Optional,
			DefaultFeatures: d.DefaultFeatures, Target: d.Target, Kind: d.Kind, Registry: d.Registry}
		if dep.Features == nil {
			dep.Features = []string{}
		}
		if dep.Kind == "" {
			dep.Kind = "normal"
		}
		if d.ExplicitNameInToml != nil && *d.ExplicitNameInToml != d.Name {
			pkg := d.Name
			dep.Name, dep.Package = *d.ExplicitNameInToml, &pkg
		}
		e.Deps = append(e.Deps, dep)
	}
	sort.SliceStable(e.Deps, func(i, j int) bool { return e.Deps[i].Name < e.Deps[j].Name })
	for name, vals := range nc.Features {
		if vals == nil {
			vals = []string{}
		}
		if usesNewSyntax(vals) {
			if e.Features2 == nil {
				e.Features2 = map[string][]string{}
			}
			e.Features2[name] = vals
			e.V = 2
		} else {
			e.Features[name] = vals
		}
	}
	if nc.Links != nil {
		e.Links = *nc.Links
	}
	if nc.RustVersion != nil {
		e.RustVersion = *nc.RustVersion
	}
	return e
}

func usesNewSyntax(vals []string) bool {
	for _, v := range vals {
		if strings.HasPrefix(v, "dep:") || strings.Contains(v, "?/") {
			return true
		}
	}
	return false
}

// Metadata is what the control plane shows of the version.
func (nc NewCrate) Metadata(e Entry, readme string) domain.PackageVersion {
	v := domain.PackageVersion{DisplayName: nc.Name, Summary: str(nc.Description), HomePage: str(nc.Homepage),
		SourceCodeRepository: str(nc.Repository), Readme: readme}
	if l := strings.TrimSpace(str(nc.License)); l != "" {
		v.Licenses = []domain.License{{Name: l}}
	} else if lf := strings.TrimSpace(str(nc.LicenseFile)); lf != "" {
		v.Licenses = []domain.License{{Name: "see " + lf}}
	}
	for _, d := range e.Deps {
		name := d.Name
		if d.Package != nil {
			name = *d.Package
		}
		v.Dependencies = append(v.Dependencies, domain.Dependency{Package: Normalize(name), DependencyType: d.Kind, VersionRequirement: d.Req})
	}
	return v
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

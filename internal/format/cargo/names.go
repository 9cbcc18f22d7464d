package cargo

import (
	"encoding/json"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// MaxNameLength is crates-io's limit on crate names.
const MaxNameLength = 64

// ValidName reports whether name is a crate name crates-io accepts: ASCII
// letters, digits, '-' and '_', starting with a letter, at most 64 long.
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLength {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Normalize is the name a crate is stored and looked up under: lowercase
// with '_' spelled '-', since crates-io treats Foo_Bar, foo-bar and
// FOO_bar as one crate. The spelling published is the version's display
// name and the name in the index lines.
func Normalize(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// IndexPath is the sparse index path of a crate's file, relative to the
// index root: 1/{n}, 2/{n}, 3/{c}/{n} or {ab}/{cd}/{n} of the lowercased
// name.
func IndexPath(name string) string {
	n := strings.ToLower(name)
	switch len(n) {
	case 0:
		return ""
	case 1:
		return "1/" + n
	case 2:
		return "2/" + n
	case 3:
		return "3/" + n[:1] + "/" + n
	}
	return n[:2] + "/" + n[2:4] + "/" + n
}

// nameFromIndexPath returns the crate name an index path asks for, when
// the path is the one IndexPath gives for it.
func nameFromIndexPath(p string) (string, bool) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", false
	}
	name := p[i+1:]
	if !ValidName(name) || IndexPath(name) != strings.ToLower(p) {
		return "", false
	}
	return name, true
}

// Rules are Cargo's package-level rules: every change to a crate's
// versions renews the stamp its cached index file is keyed on; names are
// normalized; versions sort as SemVer.
type Rules struct{}

var (
	_ service.FormatRules    = Rules{}
	_ service.VersionOrderer = Rules{}
)

// PackageChanged implements service.FormatRules.
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	return renewStamp(p, "", changed)
}

// NormalizeName stores control-plane names as the index does.
func (Rules) NormalizeName(namespace, name string) (string, string) {
	return namespace, Normalize(name)
}

// VersionSortKey implements service.VersionOrderer.
func (Rules) VersionSortKey(version string) []byte { return semver.Key(version) }

// VersionsCopied carries the crate's spelling to a package that has none
// (CopyPackageVersions), so the destination refuses other spellings too.
func (Rules) VersionsCopied(src domain.Package, dst *domain.Package, _ []string) error {
	st := loadState(*dst)
	if st.Name != "" {
		return nil
	}
	if st.Name = loadState(src).Name; st.Name == "" {
		return nil
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	dst.Metadata = b
	return nil
}

// maxVersionLen bounds a crate version's length.
const maxVersionLen = 128

// validVersion reports whether v is a version cargo publishes: strict
// SemVer 2.0.0, as crates-io requires.
func validVersion(v string) bool { return len(v) <= maxVersionLen && semver.Valid(v) }

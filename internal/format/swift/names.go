package swift

import (
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"

	"github.com/artifactd/artifactd/internal/semver"
)

// ValidScope reports whether s is a package scope (Registry.md 3.6.1):
// 1 to 39 ASCII letters, digits and hyphens, a hyphen never first, last
// or next to another. The pattern is
// \A[a-zA-Z0-9](?:[a-zA-Z0-9]|-(?=[a-zA-Z0-9])){0,38}\z.
func ValidScope(s string) bool { return validIdent(s, 39, "-") }

// ValidName reports whether s is a package name (Registry.md 3.6.2): 1 to
// 100 ASCII letters, digits, hyphens and underscores, a separator never
// first, last or next to another.
func ValidName(s string) bool { return validIdent(s, 100, "-_") }

func validIdent(s string, max int, seps string) bool {
	if s == "" || len(s) > max {
		return false
	}
	prevSep := true // nothing before the first character: it must be alphanumeric
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isAlnum(c):
			prevSep = false
		case strings.IndexByte(seps, c) >= 0:
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

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ValidVersion reports whether v is a SemVer 2.0.0 version, the only
// versions a Swift registry has (Registry.md 2, "Version Number").
func ValidVersion(v string) bool {
	_, ok := semver.Parse(v)
	return ok
}

// Rules are Swift's package-level rules for the service. The service
// itself lowercases scopes and names (as AWS does for Swift).
type Rules struct{}

// PackageChanged implements service.FormatRules: it renews the package's
// stamp inside the control plane's transaction, so cached release lists
// of the package are forgotten.
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	return updateState(p, changed, nil)
}

// VersionSortKey implements service.VersionOrderer: SemVer precedence.
func (Rules) VersionSortKey(version string) []byte { return semver.Key(version) }

// VersionsCopied implements service.Copier: a package receiving copied
// releases is found by the repository URLs of the package they come from.
func (Rules) VersionsCopied(src domain.Package, dst *domain.Package, versions []string) error {
	return updateState(dst, versions, loadState(src).URLs)
}

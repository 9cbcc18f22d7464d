package ruby

import (
	"regexp"
	"sort"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/versionkey"
)

// Dependency types, as the control plane shows them.
const (
	depRuntime     = "runtime"
	depDevelopment = "development"
)

// depDoc is one dependency of a gem: its name, type and requirement as
// [operator, version] pairs.
type depDoc struct {
	Name string      `json:"name"`
	Type string      `json:"type"`
	Reqs [][2]string `json:"reqs,omitempty"`
}

// requirement renders the pairs as Gem::Requirement#to_s does, with sep
// between them (", " for the API, "&" for the compact index).
func requirement(reqs [][2]string, sep string) string {
	if len(reqs) == 0 {
		return ">= 0"
	}
	parts := make([]string, len(reqs))
	for i, r := range reqs {
		parts[i] = r[0] + " " + r[1]
	}
	return strings.Join(parts, sep)
}

var (
	// validName is the public registry's rule (letters, digits, '.', '-', '_'),
	// starting with a letter, digit or '_' so no name is a path trick.
	validName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]*$`)
	// validVersion is Gem::Version's pattern as a gemspec stores it
	// (rubygems turns '-' into ".pre.", so none is left).
	validVersion = regexp.MustCompile(`^[0-9]+(\.[0-9A-Za-z]+)*$`)
	// validPlatform is cpu-os[-version], or a single word (java, ruby).
	validPlatform = regexp.MustCompile(`^[A-Za-z0-9_.]+(-[A-Za-z0-9_.]+){0,2}$`)
	// segments splits a version as Gem::Version does.
	segments = regexp.MustCompile(`[0-9]+|[A-Za-z]+`)
)

// ValidName reports whether name is a valid gem name.
func ValidName(name string) bool {
	return len(name) <= 128 && validName.MatchString(name) && strings.ContainsFunc(name, isLetter)
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }

// ValidVersion reports whether v is a gem version as gemspecs spell it.
func ValidVersion(v string) bool { return len(v) <= 128 && validVersion.MatchString(v) }

// ValidPlatform reports whether p is a platform name.
func ValidPlatform(p string) bool {
	return len(p) <= 64 && validPlatform.MatchString(p) && !strings.Contains(p, "..")
}

// Prerelease reports whether a version is a prerelease (has a letter),
// as Gem::Version#prerelease? says.
func Prerelease(v string) bool { return strings.ContainsFunc(v, isLetter) }

// ParseFullName splits name-version[-platform] (a .gem file name without
// ".gem", or a quick gemspec's) in every way it can be read: gem names
// may hold '-', versions never do.
func ParseFullName(full string) []fullName {
	var out []fullName
	for i := 0; i < len(full); i++ {
		if full[i] != '-' || i+1 >= len(full) || full[i+1] < '0' || full[i+1] > '9' {
			continue
		}
		name, rest := full[:i], full[i+1:]
		version, platform, _ := strings.Cut(rest, "-")
		if platform == "" {
			platform = "ruby"
		}
		if ValidName(name) && ValidVersion(version) && ValidPlatform(platform) {
			out = append(out, fullName{name, version, platform})
		}
		if len(out) == 4 {
			break
		}
	}
	return out
}

type fullName struct{ name, version, platform string }

// Rules are RubyGems's package-level rules for the service.
type Rules struct{}

// PackageChanged implements service.FormatRules: a new stamp retires the
// package's cached index files (and, as the package row is written, the
// repository's listing stamp retires the repository's).
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	return renewStamp(p, changed)
}

// VersionSortKey orders versions as Gem::Version#<=> does: segments of
// digits or letters, trailing zeros of the release and prerelease parts
// ignored, letters (prereleases) before numbers and before the end.
func (Rules) VersionSortKey(version string) []byte {
	if !ValidVersion(version) {
		return append([]byte{0x00}, versionkey.Natural(version)...)
	}
	var k versionkey.Builder
	k.Tag(0x01)
	for _, s := range canonicalSegments(version) {
		if s[0] >= '0' && s[0] <= '9' {
			k.Tag(0x03)
			k.Num(s)
		} else {
			k.Tag(0x01)
			k.Str(s)
		}
	}
	k.Tag(0x02)
	return k.Key(version)
}

// canonicalSegments are Gem::Version#canonical_segments: the release and
// prerelease parts each without trailing zeros.
func canonicalSegments(v string) []string {
	segs := segments.FindAllString(v, -1)
	split := len(segs)
	for i, s := range segs {
		if isLetter(rune(s[0])) {
			split = i
			break
		}
	}
	trim := func(p []string) []string {
		for len(p) > 0 && strings.TrimLeft(p[len(p)-1], "0") == "" && !isLetter(rune(p[len(p)-1][0])) {
			p = p[:len(p)-1]
		}
		return p
	}
	rel := trim(append([]string(nil), segs[:split]...))
	pre := trim(append([]string(nil), segs[split:]...))
	return append(rel, pre...)
}

// compareVersions compares two valid versions as Gem::Version does.
func compareVersions(a, b string) int {
	ka, kb := Rules{}.VersionSortKey(a), Rules{}.VersionSortKey(b)
	return strings.Compare(string(ka), string(kb))
}

// sortVersions sorts versions in Gem::Version order.
func sortVersions(vs []string) {
	sort.Slice(vs, func(i, j int) bool { return compareVersions(vs[i], vs[j]) < 0 })
}

package pypi

import (
	"regexp"
	"strings"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
)

// Normalize returns a project name as PEP 503 compares it: lowercase, with
// every run of '-', '_' and '.' replaced by a single '-'. Demo_Pkg,
// demo.pkg and DEMO--PKG are all demo-pkg.
func Normalize(name string) string { return domain.NormalizePyPIName(name) }

// validName is the project-name rule of the core metadata specification
// (ASCII letters and digits, with '.', '_' and '-' inside).
var validName = regexp.MustCompile(`^(?i:[a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$`)

// ValidName reports whether name is a valid Python project name.
func ValidName(name string) bool { return len(name) <= 255 && validName.MatchString(name) }

// pep440 matches a version in any spelling PEP 440 accepts; the groups
// are epoch, release, pre label, pre number, implicit post number, post
// label, post number, dev label, dev number and local segment.
var pep440 = regexp.MustCompile(`^(?i)\s*v?` +
	`(?:([0-9]+)!)?` +
	`([0-9]+(?:\.[0-9]+)*)` +
	`(?:[-_.]?(alpha|beta|preview|pre|rc|a|b|c)[-_.]?([0-9]+)?)?` +
	`(?:-([0-9]+)|[-_.]?(post|rev|r)[-_.]?([0-9]+)?)?` +
	`(?:[-_.]?(dev)[-_.]?([0-9]+)?)?` +
	`(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$`)

// CanonicalVersion returns the normalized spelling of a PEP 440 version
// (1.0-RC.1 → 1.0rc1, v2.0.post → 2.0.post0) and whether v is a valid
// version at all. Release segments keep their length: 1.0 and 1.0.0 are
// distinct spellings; SameVersion compares them as equal.
func CanonicalVersion(v string) (string, bool) {
	m := pep440.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	var b strings.Builder
	if e := trimZeros(m[1]); e != "" && e != "0" {
		b.WriteString(e + "!")
	}
	for i, part := range strings.Split(m[2], ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(trimZeros(part))
	}
	if m[3] != "" {
		switch strings.ToLower(m[3]) {
		case "a", "alpha":
			b.WriteString("a")
		case "b", "beta":
			b.WriteString("b")
		default:
			b.WriteString("rc")
		}
		b.WriteString(numberOrZero(m[4]))
	}
	switch {
	case m[5] != "":
		b.WriteString(".post" + trimZeros(m[5]))
	case m[6] != "":
		b.WriteString(".post" + numberOrZero(m[7]))
	}
	if m[8] != "" {
		b.WriteString(".dev" + numberOrZero(m[9]))
	}
	if m[10] != "" {
		b.WriteString("+" + strings.Map(func(r rune) rune {
			if r == '-' || r == '_' {
				return '.'
			}
			return r
		}, strings.ToLower(m[10])))
	}
	return b.String(), true
}

// SameVersion reports whether a and b are the same PEP 440 version (1.0 ==
// 1.0.0 == 1.00); invalid versions only equal themselves.
func SameVersion(a, b string) bool {
	if a == b {
		return true
	}
	ca, okA := CanonicalVersion(a)
	cb, okB := CanonicalVersion(b)
	return okA && okB && dropTrailingZeros(ca) == dropTrailingZeros(cb)
}

// maxZeroPadding bounds the spellings versionSpellings lists: a release
// with up to this many ".0" segments after its last non-zero one.
const maxZeroPadding = 4

// versionSpellings lists the spellings under which a package may already
// hold the PEP 440 version v, likeliest first: v as given (versions stored
// before uploads were normalized keep their spelling), its normalized
// spelling (how uploads store new versions, and how versions kept from an
// external connection are spelled), then the normalized spelling with the
// release cut back to its last non-zero segment and padded with up to
// maxZeroPadding ".0" (1, 1.0, 1.0.0...). nil when v is not a version.
// Finding an existing version is then a few point lookups, whatever the
// number of versions the package has.
func versionSpellings(v string) []string {
	c, ok := CanonicalVersion(v)
	if !ok {
		return nil
	}
	out := []string{v}
	add := func(s string) {
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	add(c)
	short := dropTrailingZeros(c)
	start := strings.IndexByte(short, '!') + 1
	end := start + len(releasePart.FindString(short[start:]))
	for pad := 0; pad <= maxZeroPadding; pad++ {
		add(short[:end] + strings.Repeat(".0", pad) + short[end:])
	}
	return out
}

// releasePart matches the release segment at the start of a canonical
// version (after any epoch).
var releasePart = regexp.MustCompile(`^[0-9]+(?:\.[0-9]+)*`)

// dropTrailingZeros removes ".0" release segments from the end of a
// canonical version's release (1.0.0rc1 → 1rc1).
func dropTrailingZeros(v string) string {
	start := strings.IndexByte(v, '!') + 1
	end := start + len(releasePart.FindString(v[start:]))
	release := v[start:end]
	for strings.HasSuffix(release, ".0") {
		release = strings.TrimSuffix(release, ".0")
	}
	return v[:start] + release + v[end:]
}

func trimZeros(s string) string {
	if s == "" {
		return ""
	}
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return "0"
	}
	return t
}

func numberOrZero(s string) string {
	if s == "" {
		return "0"
	}
	return trimZeros(s)
}

// Distribution kinds.
const (
	KindWheel = "wheel"
	KindSdist = "sdist"
)

// Filename is a distribution file name taken apart.
type Filename struct {
	Kind string // KindWheel or KindSdist
	Ext  string // ".whl", ".tar.gz", ".zip"
	// Name and Version are the parts of a wheel name; an sdist name splits
	// only against a known project (see Matches).
	Name, Version string
}

// ParseFilename recognizes wheel (.whl) and sdist (.tar.gz, .zip) file
// names. Other files (eggs, .exe installers, .tar.bz2) are refused, as
// PyPI refuses them today.
func ParseFilename(fn string) (Filename, bool) {
	if fn == "" || len(fn) > 255 || strings.ContainsAny(fn, "/\\\x00") || strings.HasPrefix(fn, ".") {
		return Filename{}, false
	}
	for _, r := range fn {
		if r < 0x20 || r == 0x7f {
			return Filename{}, false
		}
	}
	lower := strings.ToLower(fn)
	switch {
	case strings.HasSuffix(lower, ".whl"):
		parts := strings.Split(fn[:len(fn)-4], "-")
		if len(parts) != 5 && len(parts) != 6 {
			return Filename{}, false
		}
		for _, p := range parts {
			if p == "" {
				return Filename{}, false
			}
		}
		return Filename{Kind: KindWheel, Ext: ".whl", Name: parts[0], Version: parts[1]}, true
	case strings.HasSuffix(lower, ".tar.gz"):
		return Filename{Kind: KindSdist, Ext: ".tar.gz"}, strings.Contains(fn, "-")
	case strings.HasSuffix(lower, ".zip"):
		return Filename{Kind: KindSdist, Ext: ".zip"}, strings.Contains(fn, "-")
	}
	return Filename{}, false
}

// Matches reports whether the file name fn (parsed as f) belongs to
// project (normalized) at version.
func (f Filename) Matches(fn, project, version string) bool {
	if f.Kind == KindWheel {
		return Normalize(f.Name) == project && SameVersion(f.Version, version)
	}
	base := fn[:len(fn)-len(f.Ext)]
	for i := 0; i < len(base); i++ {
		if base[i] == '-' && Normalize(base[:i]) == project && SameVersion(base[i+1:], version) {
			return true
		}
	}
	return false
}

// Rules are PyPI's package-level rules for the service: names are stored
// and looked up in their PEP 503 form, whatever spelling a client uses.
type Rules struct{}

// PackageChanged implements service.FormatRules: it renews the package's
// stamp, inside the control plane's transaction, so that every cached
// simple page of the package is forgotten.
func (Rules) PackageChanged(p *domain.Package, _ service.VersionReader, changed []string) error {
	return renewStamp(p, changed)
}

// NormalizeName implements service.Normalizer.
func (Rules) NormalizeName(namespace, name string) (string, string) {
	return namespace, Normalize(name)
}

package nuget

import (
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/versionkey"
)

// Version is a NuGet version taken apart: Major.Minor[.Patch[.Revision]]
// [-Release][+Metadata] (NuGet.Versioning's NuGetVersion).
type Version struct {
	Parts    [4]int   // major, minor, patch, revision
	Release  []string // dot-separated release labels (nil: a release version)
	Metadata string   // build metadata, without '+'
}

// maxVersionLen bounds what ParseVersion reads (the public gallery caps versions at 64).
const maxVersionLen = 128

// ParseVersion reads a NuGet version as NuGet.Versioning's
// NuGetVersion.TryParse does: two to four numeric parts (leading zeros
// allowed), an optional release label and optional build metadata.
func ParseVersion(s string) (Version, bool) {
	var v Version
	s = strings.TrimSpace(s)
	if s == "" || len(s) > maxVersionLen {
		return v, false
	}
	core, meta, hasMeta := strings.Cut(s, "+")
	if hasMeta {
		if !validLabels(meta) {
			return v, false
		}
		v.Metadata = meta
	}
	nums, rel, hasRel := strings.Cut(core, "-")
	if hasRel {
		if !validLabels(rel) {
			return v, false
		}
		v.Release = strings.Split(rel, ".")
	}
	parts := strings.Split(nums, ".")
	if len(parts) > 4 { // "1" is 1.0.0, as NuGet reads it
		return v, false
	}
	for i, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return v, false
		}
		n, err := strconv.ParseInt(p, 10, 32) // NuGet's parts are Int32s
		if err != nil {
			return v, false
		}
		v.Parts[i] = int(n)
	}
	return v, true
}

// validLabels checks dot-separated, non-empty identifiers of [0-9A-Za-z-].
func validLabels(s string) bool {
	for _, l := range strings.Split(s, ".") {
		if l == "" {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Normalized is NuGet's normalized string (ToNormalizedString): leading
// zeros gone, at least three parts, a fourth only when not 0, build
// metadata dropped. The release label keeps its case.
func (v Version) Normalized() string {
	var b strings.Builder
	for i := 0; i < 3; i++ {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(v.Parts[i]))
	}
	if v.Parts[3] != 0 {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(v.Parts[3]))
	}
	if v.Release != nil {
		b.WriteByte('-')
		b.WriteString(strings.Join(v.Release, "."))
	}
	return b.String()
}

// Full is the normalized string with the build metadata (the version
// registration documents show).
func (v Version) Full() string {
	if v.Metadata == "" {
		return v.Normalized()
	}
	return v.Normalized() + "+" + v.Metadata
}

// IsPrerelease reports a release label.
func (v Version) IsPrerelease() bool { return v.Release != nil }

// IsSemVer2 reports what NuGet calls a SemVer 2.0.0 version: a release
// label of several parts, or build metadata. Older clients cannot read
// them, so the SemVer 1 registration hives leave them out.
func (v Version) IsSemVer2() bool { return len(v.Release) > 1 || v.Metadata != "" }

// NormalizeVersion is the version artifactd stores for s: NuGet's
// normalized string, lowercased (NuGet compares versions ignoring case and
// its flat container is lowercase). ok is false when s is not a version.
func NormalizeVersion(s string) (string, bool) {
	v, ok := ParseVersion(s)
	if !ok {
		return "", false
	}
	return strings.ToLower(v.Normalized()), true
}

// CompareVersions orders versions as NuGet does (VersionComparer.Default):
// the numeric parts, then a release before its pre-releases' absence
// (1.0.0-a < 1.0.0), labels part by part, numbers before text, numbers
// numerically, text ignoring case, fewer labels first.
func CompareVersions(a, b Version) int {
	for i := range a.Parts {
		if a.Parts[i] != b.Parts[i] {
			if a.Parts[i] < b.Parts[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.Release == nil && b.Release == nil:
		return 0
	case a.Release == nil:
		return 1
	case b.Release == nil:
		return -1
	}
	for i := 0; i < len(a.Release) && i < len(b.Release); i++ {
		if c := compareLabel(a.Release[i], b.Release[i]); c != 0 {
			return c
		}
	}
	return len(a.Release) - len(b.Release)
}

func compareLabel(x, y string) int {
	xn, xerr := strconv.ParseUint(x, 10, 64)
	yn, yerr := strconv.ParseUint(y, 10, 64)
	switch {
	case xerr == nil && yerr == nil:
		if xn == yn {
			return 0
		}
		if xn < yn {
			return -1
		}
		return 1
	case xerr == nil:
		return -1
	case yerr == nil:
		return 1
	}
	return strings.Compare(strings.ToLower(x), strings.ToLower(y))
}

// VersionSortKey orders versions as CompareVersions does, as bytes the
// store indexes (service.VersionOrderer). Strings that are not NuGet
// versions sort first, naturally.
func (Rules) VersionSortKey(version string) []byte {
	v, ok := ParseVersion(version)
	if !ok {
		return append([]byte{0x00}, versionkey.Natural(version)...)
	}
	var k versionkey.Builder
	k.Tag(0x01)
	for _, p := range v.Parts {
		k.Uint(uint64(p))
	}
	if v.Release == nil {
		k.Tag(0x02)
		return k.Key(version)
	}
	k.Tag(0x01)
	for _, l := range v.Release {
		if n, err := strconv.ParseUint(l, 10, 64); err == nil {
			k.Tag(0x01)
			k.Uint(n)
		} else {
			k.Tag(0x02)
			k.Str(strings.ToLower(l))
		}
	}
	k.Tag(0x00) // fewer labels first
	return k.Key(version)
}

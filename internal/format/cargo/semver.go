package cargo

import (
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/versionkey"
)

// semver is a SemVer 2.0.0 version, the only kind cargo publishes.
type semver struct {
	major, minor, patch uint64
	pre                 []string
}

// parseSemver parses a strict SemVer 2.0.0 version (build metadata is
// allowed and ignored for precedence).
func parseSemver(s string) (semver, bool) {
	var v semver
	if s == "" || len(s) > 128 {
		return v, false
	}
	if i := strings.IndexByte(s, '+'); i >= 0 {
		if !validIdents(s[i+1:], false) {
			return v, false
		}
		s = s[:i]
	}
	core, pre, hasPre := strings.Cut(s, "-")
	if hasPre {
		if !validIdents(pre, true) {
			return v, false
		}
		v.pre = strings.Split(pre, ".")
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		if !numeric(p) || (len(p) > 1 && p[0] == '0') {
			return v, false
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		*[3]*uint64{&v.major, &v.minor, &v.patch}[i] = n
	}
	return v, true
}

func validIdents(s string, prerelease bool) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for i := 0; i < len(id); i++ {
			c := id[i]
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
		if prerelease && numeric(id) && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

func numeric(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// semverKey orders versions by SemVer precedence (invalid ones first, by
// string), as bytes the store indexes.
func semverKey(version string) []byte {
	var k versionkey.Builder
	v, ok := parseSemver(version)
	if !ok {
		k.Tag(0x00)
		return k.Key(version)
	}
	k.Tag(0x01)
	k.Uint(v.major)
	k.Uint(v.minor)
	k.Uint(v.patch)
	if len(v.pre) == 0 {
		k.Tag(0x02) // a release after its prereleases
		return k.Key(version)
	}
	k.Tag(0x01)
	for _, id := range v.pre {
		if numeric(id) {
			k.Tag(0x01)
			k.Num(id)
		} else {
			k.Tag(0x02)
			k.Str(id)
		}
	}
	k.Tag(0x00)
	return k.Key(version)
}

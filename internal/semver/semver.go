// Package semver parses and orders SemVer 2.0.0 versions, the version
// scheme of npm, Cargo and Swift packages: the strict form only (no
// leading "v", no spaces), which is what their registries store.
package semver

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/artifactd/artifactd/internal/versionkey"
)

// MaxLen bounds the versions Parse accepts.
const MaxLen = 256

// Version is a parsed version; build metadata is not kept (it plays no
// part in precedence).
type Version struct {
	Major, Minor, Patch uint64
	Pre                 []string // prerelease identifiers; empty for a release
}

// Parse parses a strict SemVer 2.0.0 string of at most MaxLen bytes
// (build metadata allowed and ignored).
func Parse(s string) (Version, bool) {
	var v Version
	if s == "" || len(s) > MaxLen {
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
		v.Pre = strings.Split(pre, ".")
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, false
	}
	nums := [3]*uint64{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		if !numeric(p) || (len(p) > 1 && p[0] == '0') {
			return v, false
		}
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		*nums[i] = n
	}
	return v, true
}

// Valid reports whether s is a strict SemVer 2.0.0 version.
func Valid(s string) bool {
	_, ok := Parse(s)
	return ok
}

// validIdents checks dot-separated identifiers of a prerelease (no leading
// zeros in numeric ones) or of build metadata.
func validIdents(s string, prerelease bool) bool {
	if s == "" {
		return false
	}
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for _, r := range id {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
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
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Compare orders two versions by SemVer precedence.
func (a Version) Compare(b Version) int {
	if c := cmp.Compare(a.Major, b.Major); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Minor, b.Minor); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Patch, b.Patch); c != 0 {
		return c
	}
	switch {
	case len(a.Pre) == 0 && len(b.Pre) == 0:
		return 0
	case len(a.Pre) == 0:
		return 1 // a release outranks its prereleases
	case len(b.Pre) == 0:
		return -1
	}
	for i := 0; i < len(a.Pre) && i < len(b.Pre); i++ {
		x, y := a.Pre[i], b.Pre[i]
		xn, yn := numeric(x), numeric(y)
		switch {
		case xn && yn:
			if len(x) != len(y) {
				return cmp.Compare(len(x), len(y))
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		case xn:
			return -1
		case yn:
			return 1
		default:
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(a.Pre), len(b.Pre))
}

// Compare orders version strings: valid SemVer by precedence (ties broken
// by the string, so the order is total), after anything else, which is
// ordered by string.
func Compare(a, b string) int {
	va, oka := Parse(a)
	vb, okb := Parse(b)
	switch {
	case oka && okb:
		if c := va.Compare(vb); c != 0 {
			return c
		}
	case oka:
		return 1
	case okb:
		return -1
	}
	return strings.Compare(a, b)
}

// Elements of a key.
const (
	keyInvalid   = 0x00 // not SemVer: by string, before every valid version
	keyValid     = 0x01
	keyPre       = 0x01 // a prerelease, before its release
	keyRelease   = 0x02
	keyIdentsEnd = 0x00 // fewer identifiers first
	keyIdentNum  = 0x01 // numeric identifiers before alphanumeric ones
	keyIdentStr  = 0x02
)

// Key orders versions as Compare does, as bytes: the store indexes it for
// ListPackageVersions in the format's order.
func Key(version string) []byte {
	var k versionkey.Builder
	v, ok := Parse(version)
	if !ok {
		k.Tag(keyInvalid)
		return k.Key(version)
	}
	k.Tag(keyValid)
	k.Uint(v.Major)
	k.Uint(v.Minor)
	k.Uint(v.Patch)
	if len(v.Pre) == 0 {
		k.Tag(keyRelease)
		return k.Key(version)
	}
	k.Tag(keyPre)
	for _, id := range v.Pre {
		if numeric(id) {
			k.Tag(keyIdentNum)
			k.Num(id)
		} else {
			k.Tag(keyIdentStr)
			k.Str(id)
		}
	}
	k.Tag(keyIdentsEnd)
	return k.Key(version)
}

package pypi

import (
	"strings"

	"github.com/artifactd/artifactd/internal/versionkey"
)

// VersionSortKey orders versions as PEP 440 does (pip's and packaging's
// order: epochs, release segments as numbers with trailing zeros
// ignored, dev < pre < release < post, local versions after their public
// one), as bytes: the store indexes it for ListPackageVersions (issue
// #16). Strings that are not PEP 440 versions sort first, naturally.
func (Rules) VersionSortKey(version string) []byte { return pep440Key(version) }

// pep440Version is a PEP 440 version taken apart for ordering.
type pep440Version struct {
	epoch   string
	release []string // numbers, trailing zeros dropped
	pre     byte     // preNone, preA, preB, preRC
	preN    string
	post    bool
	postN   string
	dev     bool
	devN    string
	local   []string // nil when none; lowercased
}

// Pre-release kinds, in their order.
const (
	preA    = 0x01
	preB    = 0x02
	preRC   = 0x03
	preNone = 0x04
)

func parsePEP440(v string) (pep440Version, bool) {
	m := pep440.FindStringSubmatch(v)
	if m == nil {
		return pep440Version{}, false
	}
	p := pep440Version{epoch: m[1], pre: preNone}
	p.release = strings.Split(m[2], ".")
	for len(p.release) > 0 && strings.TrimLeft(p.release[len(p.release)-1], "0") == "" {
		p.release = p.release[:len(p.release)-1]
	}
	if m[3] != "" {
		switch strings.ToLower(m[3]) {
		case "a", "alpha":
			p.pre = preA
		case "b", "beta":
			p.pre = preB
		default: // rc, c, pre, preview
			p.pre = preRC
		}
		p.preN = m[4]
	}
	switch {
	case m[5] != "":
		p.post, p.postN = true, m[5]
	case m[6] != "":
		p.post, p.postN = true, m[7]
	}
	if m[8] != "" {
		p.dev, p.devN = true, m[9]
	}
	if m[10] != "" {
		p.local = strings.FieldsFunc(strings.ToLower(m[10]), func(r rune) bool { return r == '.' || r == '-' || r == '_' })
	}
	return p, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func pep440Key(version string) []byte {
	p, ok := parsePEP440(version)
	if !ok {
		return append([]byte{0x00}, versionkey.Natural(version)...)
	}
	var k versionkey.Builder
	k.Tag(0x01)
	k.Num(p.epoch)
	for _, r := range p.release {
		k.Tag(0x01)
		k.Num(r)
	}
	k.Tag(0x00) // a shorter release first: 1.1 < 1.1.1
	switch {
	case p.pre == preNone && !p.post && p.dev:
		k.Tag(0x00) // 1.0.dev1 comes before 1.0a1
	case p.pre == preNone:
		k.Tag(preNone)
	default:
		k.Tag(p.pre)
		k.Num(p.preN)
	}
	if p.post {
		k.Tag(0x01)
		k.Num(p.postN)
	} else {
		k.Tag(0x00)
	}
	if p.dev {
		k.Tag(0x01)
		k.Num(p.devN)
	} else {
		k.Tag(0x02)
	}
	if p.local == nil {
		k.Tag(0x00)
		return k.Key(version)
	}
	k.Tag(0x01)
	for _, s := range p.local {
		if allDigits(s) {
			k.Tag(0x02) // numeric segments after alphanumeric ones
			k.Num(s)
		} else {
			k.Tag(0x01)
			k.Str(s)
		}
	}
	k.Tag(0x00)
	return k.Key(version)
}

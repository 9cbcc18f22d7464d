package npm

import "github.com/artifactd/artifactd/internal/versionkey"

// VersionSortKey orders versions as compareVersions does (SemVer 2.0.0
// precedence, valid versions after anything else), as bytes: the store
// indexes it for ListPackageVersions (issue #16).
func (*Rules) VersionSortKey(version string) []byte { return semverKey(version) }

// Elements of an npm key.
const (
	npmInvalid   = 0x00 // not SemVer: by string, before every valid version
	npmValid     = 0x01
	npmPre       = 0x01 // a prerelease, before its release
	npmRelease   = 0x02
	npmIdentsEnd = 0x00 // fewer identifiers first
	npmIdentNum  = 0x01 // numeric identifiers before alphanumeric ones
	npmIdentStr  = 0x02
)

func semverKey(version string) []byte {
	var k versionkey.Builder
	v, ok := parseSemver(version)
	if !ok {
		k.Tag(npmInvalid)
		return k.Key(version)
	}
	k.Tag(npmValid)
	k.Uint(v.major)
	k.Uint(v.minor)
	k.Uint(v.patch)
	if len(v.pre) == 0 {
		k.Tag(npmRelease)
		return k.Key(version)
	}
	k.Tag(npmPre)
	for _, id := range v.pre {
		if numeric(id) {
			k.Tag(npmIdentNum)
			k.Num(id)
		} else {
			k.Tag(npmIdentStr)
			k.Str(id)
		}
	}
	k.Tag(npmIdentsEnd)
	return k.Key(version)
}

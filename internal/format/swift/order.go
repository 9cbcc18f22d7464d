package swift

import "github.com/artifactd/artifactd/internal/versionkey"

// Elements of a Swift version key: SemVer 2.0.0 precedence, anything not
// SemVer (never stored through the registry API) first.
const (
	keyInvalid   = 0x00
	keyValid     = 0x01
	keyPre       = 0x01 // a prerelease, before its release
	keyRelease   = 0x02
	keyIdentsEnd = 0x00 // fewer identifiers first
	keyIdentNum  = 0x01 // numeric identifiers before alphanumeric ones
	keyIdentStr  = 0x02
)

// semverKey orders versions as compareVersions does, as bytes the store
// indexes for ListPackageVersions.
func semverKey(version string) []byte {
	var k versionkey.Builder
	v, ok := parseSemver(version)
	if !ok {
		k.Tag(keyInvalid)
		return k.Key(version)
	}
	k.Tag(keyValid)
	k.Uint(v.major)
	k.Uint(v.minor)
	k.Uint(v.patch)
	if len(v.pre) == 0 {
		k.Tag(keyRelease)
		return k.Key(version)
	}
	k.Tag(keyPre)
	for _, id := range v.pre {
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

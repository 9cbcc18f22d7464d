package maven

import "github.com/artifactd/artifactd/internal/versionkey"

// VersionSortKey orders versions as CompareVersions (Maven's
// ComparableVersion) does, as bytes: the store indexes it for
// ListPackageVersions (issue #16).
//
// ComparableVersion is not a total order (see version.go), so no byte key
// can agree with it everywhere. This one agrees wherever it is transitive,
// which covers the versions projects publish: numbers, the well-known
// qualifiers after '-' or '.' (1.0-alpha-1 < 1.0-beta < 1.0-RC1 <
// 1.0-SNAPSHOT < 1.0 = 1.0.0 = 1.0.Final < 1.0-sp < 1.0.RELEASE <
// 1.0-1 < 1.0.1). Versions Maven holds equal are ordered by their
// spelling.
func (Rules) VersionSortKey(version string) []byte {
	var k versionkey.Builder
	mavenKey(&k, cvParse(version).list)
	return k.Key(version)
}

// Item tags. The end of a list stands for the "null" Maven compares
// missing items with; every item sorts below or above it as Maven's
// comparison with null says (a qualifier by its rank, a number above it,
// a sublist or a 0 by what follows), and otherwise by Maven's kinds:
// qualifier < sublist < number.
const (
	mkQualifier = 0x10 // + rank: alpha, beta, milestone, rc, snapshot
	mkEmptyLow  = 0x18 // a "" (ga, final) followed by something below null
	mkListLow   = 0x20 // a sublist below null (1-alpha)
	mkNullLow   = 0x30 // a 0 followed by something below null (5.0.0.RC1)
	mkEnd       = 0x40
	mkEmptyHigh = 0x48 // a "" followed by something above null
	mkSP        = 0x50
	mkUnknown   = 0x51 // + the qualifier: lexical, after the known ones
	mkListHigh  = 0x60 // a sublist above null (1-1, 1-sp)
	mkNullHigh  = 0x70 // a 0 followed by something above null (1.0.1)
	mkNumber    = 0x80 // + the number
)

func mavenKey(k *versionkey.Builder, items []*cvItem) {
	for i, it := range items {
		switch {
		case it.kind == cvList:
			if vsNull(it.list) < 0 {
				k.Tag(mkListLow)
			} else {
				k.Tag(mkListHigh)
			}
			mavenKey(k, it.list)
		case it.isNull():
			// Equal to null, so what follows decides; against items of
			// other kinds it keeps its own: a "" is a qualifier, a 0 a
			// number.
			low := vsNull(items[i+1:]) < 0
			switch {
			case it.kind == cvString && low:
				k.Tag(mkEmptyLow)
			case it.kind == cvString:
				k.Tag(mkEmptyHigh)
			case low:
				k.Tag(mkNullLow)
			default:
				k.Tag(mkNullHigh)
			}
		case it.kind == cvInt:
			k.Tag(mkNumber)
			k.Num(it.num)
		default:
			switch r := cvRank(it.str); {
			case r < cvRank(""):
				k.Tag(mkQualifier + byte(r))
			case it.str == "sp":
				k.Tag(mkSP)
			default:
				k.Tag(mkUnknown)
				k.Str(it.str)
			}
		}
	}
	k.Tag(mkEnd)
}

// vsNull is the sign of Maven's comparison of a list of items with null
// (an empty list): that of its first item that is not null itself.
func vsNull(items []*cvItem) int {
	for _, it := range items {
		var c int
		switch it.kind {
		case cvList:
			c = vsNull(it.list)
		case cvInt:
			c = cvCompareScalar(it, nil)
		default:
			c = cvCompareQualifiers(it.str, "")
		}
		if c != 0 {
			return c
		}
	}
	return 0
}

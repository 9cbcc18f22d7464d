package maven

import (
	"strings"
	"testing"
)

// The orders and equalities below are those of Maven's own
// ComparableVersionTest, so that artifactd sorts as the client does.

func cvCheckOrder(t *testing.T, versions []string) {
	t.Helper()
	for i := range versions {
		for j := range versions {
			want := 0
			switch {
			case i < j:
				want = -1
			case i > j:
				want = 1
			}
			if got := CompareVersions(versions[i], versions[j]); got != want {
				t.Errorf("CompareVersions(%q, %q) = %d, want %d", versions[i], versions[j], got, want)
			}
		}
	}
}

func TestCompareVersionsQualifierOrder(t *testing.T) {
	cvCheckOrder(t, []string{
		"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2",
		"1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc", "1-def", "1-pom-1", "1-1-snapshot",
		"1-1", "1-2", "1-123",
	})
}

func TestCompareVersionsNumberOrder(t *testing.T) {
	cvCheckOrder(t, []string{
		"2.0", "2-1", "2.0.a", "2.0.0.a", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1",
		"2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m",
	})
}

func TestCompareVersionsEqual(t *testing.T) {
	for _, tc := range [][2]string{
		{"1", "1"}, {"1", "1.0"}, {"1", "1.0.0"}, {"1.0", "1.0.0"}, {"1", "1-0"}, {"1", "1.0-0"}, {"1.0", "1.0-0"},
		// no separator between number and character
		{"1a", "1-a"}, {"1a", "1.0-a"}, {"1a", "1.0.0-a"}, {"1.0a", "1-a"}, {"1.0.0a", "1-a"},
		{"1x", "1-x"}, {"1x", "1.0-x"}, {"1x", "1.0.0-x"}, {"1.0x", "1-x"}, {"1.0.0x", "1-x"},
		// aliases
		{"1ga", "1"}, {"1final", "1"}, {"1cr", "1rc"}, {"1-ga", "1"}, {"1-final", "1"}, {"1.0.GA", "1"},
		// a, b and m directly followed by a number
		{"1a1", "1-alpha-1"}, {"1-a1", "1-alpha-1"}, {"1b2", "1-beta-2"}, {"1m3", "1-milestone-3"},
		// case insensitive
		{"1X", "1x"}, {"1A", "1a"}, {"1B", "1b"}, {"1M", "1m"}, {"1Ga", "1"}, {"1GA", "1"}, {"1Final", "1"},
		{"1FinaL", "1"}, {"1FINAL", "1"}, {"1Cr", "1Rc"}, {"1cR", "1rC"}, {"1m3", "1Milestone3"},
		{"1m3", "1MileStone3"}, {"1m3", "1MILESTONE3"}, {"1.0-SNAPSHOT", "1-snapshot"},
		// leading zeros, also beyond 64 bits
		{"0000000000000000001", "1"}, {"000000000000000001", "1"}, {"00000000000000000000001", "1"},
		{"0000000000000000000", "0"}, {"00000000000000000000", ""}, {"1.007", "1.7"},
		{"123456789012345678901234567890", "0123456789012345678901234567890.0"},
		// empty items are zeros
		{"1..0", "1"}, {"1.", "1"}, {"1-", "1"}, {"", "0"}, {"-", ""}, {".", ""},
	} {
		if got := CompareVersions(tc[0], tc[1]); got != 0 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 0", tc[0], tc[1], got)
		}
		if got := CompareVersions(tc[1], tc[0]); got != 0 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 0", tc[1], tc[0], got)
		}
	}
}

func TestCompareVersionsPairs(t *testing.T) {
	for _, tc := range [][2]string{ // tc[0] < tc[1]
		{"1", "2"}, {"1.5", "2"}, {"1", "2.5"}, {"1.0", "1.1"}, {"1.1", "1.2"}, {"1.0.0", "1.1"}, {"1.0.1", "1.1"},
		{"1.1", "1.2.0"}, {"1.0", "1.0.1"}, {"1.0.1", "1.1"},
		{"1.0-alpha-1", "1.0"}, {"1.0-alpha-1", "1.0-alpha-2"}, {"1.0-alpha-1", "1.0-beta-1"},
		{"1.0-alpha", "1.0-beta"}, {"1.0-beta", "1.0-rc"}, {"1.0-rc", "1.0-SNAPSHOT"}, {"1.0-SNAPSHOT", "1.0"},
		{"1.0", "1.0-sp"},
		{"1.0-beta-1", "1.0-SNAPSHOT"}, {"1.0-SNAPSHOT", "1.0"}, {"1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"},
		{"1.0", "1.0-1"}, {"1.0-1", "1.0-2"}, {"1.0.0", "1.0-1"},
		{"2.0-1", "2.0.1"}, {"2.0.1-klm", "2.0.1-lmn"}, {"2.0.1", "2.0.1-xyz"},
		{"2.0.1", "2.0.1-123"}, {"2.0.1-xyz", "2.0.1-123"},
		// MNG-5568
		{"6.1.0rc3", "6.1.0"}, {"6.1.0rc3", "6.1H.5-beta"}, {"6.1.0", "6.1H.5-beta"},
		// MNG-6572: numbers beyond int and long
		{"20190126.230843", "1234567890.12345"}, {"1234567890.12345", "123456789012345.1H.5-beta"},
		{"123456789012345.1H.5-beta", "12345678901234567890.1H.5-beta"},
		{"9223372036854775807", "9223372036854775808"}, {"99999999999999999999999", "100000000000000000000000"},
		// MNG-6964: a sublist starting with 0 is compared as a whole
		{"1-0.alpha", "1"}, {"1-0.beta", "1"}, {"1-0.alpha", "1-0.beta"},
		// common real-world shapes
		{"1.9", "1.10"}, {"1.0-M1", "1.0-RC1"}, {"5.3.0.M1", "5.3.0.RC1"}, {"5.3.0.RC1", "5.3.0.RELEASE"},
		{"5.3.0.RELEASE", "5.3.1.RELEASE"}, {"1.0", "1.0-20261201.101010-1"}, {"1.0-SNAPSHOT", "1.0.1-SNAPSHOT"},
		{"31.1-android", "31.1-jre"}, {"2.0-rc1", "2.0-rc2"}, {"1.0-rc9", "1.0-rc10"},
	} {
		if got := CompareVersions(tc[0], tc[1]); got != -1 {
			t.Errorf("CompareVersions(%q, %q) = %d, want -1", tc[0], tc[1], got)
		}
		if got := CompareVersions(tc[1], tc[0]); got != 1 {
			t.Errorf("CompareVersions(%q, %q) = %d, want 1", tc[1], tc[0], got)
		}
	}
}

// Maven's order is not transitive for some odd inputs; artifactd keeps
// Maven's answers rather than inventing its own.
func TestCompareVersionsNonTransitiveLikeMaven(t *testing.T) {
	a, b, c := "1.0.alpha", "1", "1.ga.1"
	if CompareVersions(a, b) != -1 || CompareVersions(b, c) != -1 || CompareVersions(a, c) != 1 {
		t.Errorf("got %d %d %d, want -1 -1 1", CompareVersions(a, b), CompareVersions(b, c), CompareVersions(a, c))
	}
}

func TestCompareVersionsHostile(t *testing.T) {
	long := strings.Repeat("1-", 1<<17) + "x"
	if got := CompareVersions(long, long); got != 0 {
		t.Errorf("deeply nested version vs itself = %d", got)
	}
	if got := CompareVersions(long, "1"); got != 1 {
		t.Errorf("deeply nested version vs 1 = %d, want 1", got)
	}
	huge := strings.Repeat("9", 100000)
	if got := CompareVersions(huge, huge+"0"); got != -1 {
		t.Errorf("huge numbers = %d, want -1", got)
	}
	for _, v := range []string{"\x00", "é", "1.é", "1-é2", "\xff\xfe", "١٢٣"} {
		if got := CompareVersions(v, v); got != 0 {
			t.Errorf("CompareVersions(%q, itself) = %d", v, got)
		}
	}
}

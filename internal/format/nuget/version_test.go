package nuget

import (
	"bytes"
	"sort"
	"testing"
)

// NuGet's normalization ("Package versioning", Normalized version
// numbers): leading zeros removed, a fourth part of 0 dropped, build
// metadata dropped; AWS stores the result (guide §2), lowercased here.
func TestNormalizeVersion(t *testing.T) {
	for in, want := range map[string]string{
		"1.0":                   "1.0.0",
		"1":                     "1.0.0",
		"1.01.1":                "1.1.1",
		"1.00":                  "1.0.0",
		"1.0.0.0":               "1.0.0",
		"1.0.0.4":               "1.0.0.4",
		"1.0.01.0":              "1.0.1",
		"1.0.0+build.7":         "1.0.0",
		"1.0.0-Beta.1+meta":     "1.0.0-beta.1",
		"1.0.0-RC-2":            "1.0.0-rc-2",
		" 2.3.4 ":               "2.3.4",
		"2147483647.0":          "2147483647.0.0",
		"010.020.030.040-Alpha": "10.20.30.40-alpha",
	} {
		got, ok := NormalizeVersion(in)
		if !ok || got != want {
			t.Errorf("NormalizeVersion(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "a", "1.0.0.0.0", "1..0", "1.0-", "1.0+", "1.0-be$ta", "1.0.0-a..b", "-1.0", "1.0.x", "1.0 .0", "2147483648.0"} {
		if got, ok := NormalizeVersion(bad); ok {
			t.Errorf("NormalizeVersion(%q) = %q, want refused", bad, got)
		}
	}
}

func TestSemVer2(t *testing.T) {
	for v, want := range map[string]bool{"1.0.0": false, "1.0.0-beta": false, "1.0.0-beta.1": true, "1.0.0+b": true, "1.0.0.1": false} {
		p, _ := ParseVersion(v)
		if p.IsSemVer2() != want {
			t.Errorf("%s SemVer 2: %v, want %v", v, !want, want)
		}
	}
}

// The sort key orders as NuGet's VersionComparer: pre-releases before
// their release, numeric labels numerically and before alphanumeric
// ones, labels ignoring case, fewer labels first, the fourth part last.
func TestVersionOrder(t *testing.T) {
	ordered := []string{
		"0.9.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.0.0.1", "1.0.1", "1.2.0", "1.10.0", "2.0.0-1", "2.0.0-a", "2.0.0",
	}
	keys := make([][]byte, len(ordered))
	for i, v := range ordered {
		keys[i] = Rules{}.VersionSortKey(v)
	}
	for i := 1; i < len(ordered); i++ {
		a, _ := ParseVersion(ordered[i-1])
		b, _ := ParseVersion(ordered[i])
		if CompareVersions(a, b) >= 0 {
			t.Errorf("CompareVersions(%s, %s) >= 0", ordered[i-1], ordered[i])
		}
		if bytes.Compare(keys[i-1], keys[i]) >= 0 {
			t.Errorf("key(%s) >= key(%s)", ordered[i-1], ordered[i])
		}
	}
	shuffled := append([]string(nil), ordered...)
	sort.Slice(shuffled, func(i, j int) bool { return i > j })
	sort.Slice(shuffled, func(i, j int) bool {
		return bytes.Compare(Rules{}.VersionSortKey(shuffled[i]), Rules{}.VersionSortKey(shuffled[j])) < 0
	})
	for i := range ordered {
		if shuffled[i] != ordered[i] {
			t.Fatalf("sorted by key: %v", shuffled)
		}
	}
	a, _ := ParseVersion("1.0.0-BETA")
	b, _ := ParseVersion("1.0.0-beta")
	if CompareVersions(a, b) != 0 {
		t.Error("release labels compare ignoring case")
	}
	if bytes.Compare(Rules{}.VersionSortKey("not a version"), Rules{}.VersionSortKey("0.0.0")) >= 0 {
		t.Error("strings that are not versions sort first")
	}
}

func TestValidID(t *testing.T) {
	for _, ok := range []string{"A", "Contoso.Lib", "a-b_c.d", "_x", "x_"} {
		if !ValidID(ok) {
			t.Errorf("%q refused", ok)
		}
	}
	for _, bad := range []string{"", ".a", "a.", "a..b", "a.-b", "a b", "a/b", "ä", string(make([]byte, 101))} {
		if ValidID(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}

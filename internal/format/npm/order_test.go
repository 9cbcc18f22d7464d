package npm

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

func keySign(a, b []byte) int { return bytes.Compare(a, b) }

// TestSemverKeyOrder: the byte order of the keys is compareVersions'
// order (which already breaks precedence ties by the string).
func TestSemverKeyOrder(t *testing.T) {
	ordered := []string{
		"01.0.0", "garbage", "v1.0.0", // not SemVer: by string, first
		"0.0.0", "0.0.1", "0.1.0",
		"1.0.0-0", "1.0.0-1", "1.0.0-2", "1.0.0-10", "1.0.0-a", "1.0.0-alpha", "1.0.0-alpha.1",
		"1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", "1.0.0+build.1", "1.0.0+build.2",
		"1.0.2", "1.0.10", "1.2.0", "1.10.0",
		"2.0.0-rc.1", "2.0.0", "10.0.0", "18446744073709551615.0.0",
	}
	for i := range ordered {
		for j := range ordered {
			if c := compareVersions(ordered[i], ordered[j]); c != sign(i-j) {
				t.Fatalf("test order is wrong: compareVersions(%q, %q) = %d", ordered[i], ordered[j], c)
			}
			if got := keySign(semverKey(ordered[i]), semverKey(ordered[j])); sign(got) != sign(i-j) {
				t.Errorf("key(%q) vs key(%q) = %d, want %d", ordered[i], ordered[j], got, sign(i-j))
			}
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// TestSemverKeyProperty: for random versions, bytes.Compare of the keys
// has the sign of compareVersions.
func TestSemverKeyProperty(t *testing.T) {
	r := rand.New(rand.NewSource(16))
	num := func() string { return []string{"0", "1", "2", "9", "10", "11", "99", "100"}[r.Intn(8)] }
	ident := func() string {
		return []string{"0", "1", "2", "10", "alpha", "beta", "rc", "a", "A", "x-y", "01a", "-"}[r.Intn(12)]
	}
	gen := func() string {
		v := num() + "." + num() + "." + num()
		if r.Intn(2) == 0 {
			ids := make([]string, 1+r.Intn(3))
			for i := range ids {
				ids[i] = ident()
			}
			v += "-" + strings.Join(ids, ".")
		}
		if r.Intn(5) == 0 {
			v += "+b" + num()
		}
		if r.Intn(20) == 0 {
			v = "v" + v // invalid
		}
		return v
	}
	for i := 0; i < 50000; i++ {
		a, b := gen(), gen()
		if got, want := sign(keySign(semverKey(a), semverKey(b))), compareVersions(a, b); got != want {
			t.Fatalf("%q vs %q: key order %d, compareVersions %d", a, b, got, want)
		}
	}
}

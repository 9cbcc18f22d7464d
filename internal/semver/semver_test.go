package semver

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	ordered := []string{
		"0.0.1", "0.9.0", "1.0.0-0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.2.0", "1.10.0", "2.0.0",
	}
	for i := range ordered {
		for j := range ordered {
			got := Compare(ordered[i], ordered[j])
			want := sign(i - j)
			if got != want {
				t.Errorf("compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	for _, bad := range []string{"", "1", "1.0", "v1.0.0", "01.0.0", "1.0.0-01", "1.0.0-", "1.0.0+", "1.0.0-a..b", "1.0.0 ", "1.0.0-ä"} {
		if _, ok := Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
	for _, good := range []string{"1.0.0+build.5", "0.0.0", "1.0.0-x-y.0"} {
		if _, ok := Parse(good); !ok {
			t.Errorf("Parse(%q) refused", good)
		}
	}
	if Compare("1.0.0+a", "1.0.0+b") >= 0 {
		t.Errorf("build metadata ties must break by string for a stable order")
	}
	if Compare("not-semver", "0.0.1") >= 0 {
		t.Errorf("invalid versions must sort before valid ones")
	}
}

func keySign(a, b []byte) int { return bytes.Compare(a, b) }

// TestKeyOrder: the byte order of the keys is Compare'
// order (which already breaks precedence ties by the string).
func TestKeyOrder(t *testing.T) {
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
			if c := Compare(ordered[i], ordered[j]); c != sign(i-j) {
				t.Fatalf("test order is wrong: Compare(%q, %q) = %d", ordered[i], ordered[j], c)
			}
			if got := keySign(Key(ordered[i]), Key(ordered[j])); sign(got) != sign(i-j) {
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

// TestKeyProperty: for random versions, bytes.Compare of the keys
// has the sign of Compare.
func TestKeyProperty(t *testing.T) {
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
		if got, want := sign(keySign(Key(a), Key(b))), Compare(a, b); got != want {
			t.Fatalf("%q vs %q: key order %d, Compare %d", a, b, got, want)
		}
	}
}

// FuzzKey: the key of any version string is deterministic, never
// panics, and orders versions as Compare does (issue #16).
func FuzzKey(f *testing.F) {
	for _, s := range []string{"1.0.2", "1.0.10", "2.0.0-rc.1", "1.0.0+b", "1.0.0-alpha.01", "x", "", "1.0.0-a\x00"} {
		f.Add(s, "2.0.0")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := Key(a)
		if !bytes.Equal(ka, Key(a)) {
			t.Fatal("not deterministic")
		}
		if got, want := sign(bytes.Compare(ka, Key(b))), Compare(a, b); got != want {
			t.Fatalf("%q vs %q: key order %d, Compare %d", a, b, got, want)
		}
	})
}

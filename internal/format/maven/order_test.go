package maven

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func mavenSortKey(v string) []byte { return Rules{}.VersionSortKey(v) }

// TestVersionSortKeyOrder: Maven's documented order (ComparableVersion's
// javadoc and tests), key order equal to it; equal versions by spelling.
func TestVersionSortKeyOrder(t *testing.T) {
	groups := [][]string{
		{"1-alpha", "1.0-alpha"},
		{"1.0-alpha-1", "1.0-a1", "1.0-ALPHA1"},
		{"1.0-alpha-2"},
		{"1.0-beta"},
		{"1.0-beta-1", "1.0b1"},
		{"1.0-milestone-1", "1.0-m1"},
		{"1.0-rc", "1.0-cr"},
		{"1.0-RC1", "1.0-rc-1", "1.0-cr1"},
		{"1.0-rc2"},
		{"1.0-SNAPSHOT"},
		{"1", "1.0", "1.0.0", "1.0.Final", "1.0-ga", "1-final", "1.0.0.0"},
		{"1-sp", "1.0-sp"},
		{"1-sp-1"},
		{"1.0-abc"},
		{"1.0-b"}, // a lone b is not beta
		{"1.0-xyz"},
		{"1-1", "1.0-1"},
		{"1-2"},
		{"1.0.1"},
		{"1.0.2"},
		{"1.0.10"},
		{"1.1-SNAPSHOT"},
		{"1.1"},
		{"1.10"},
		{"2.0.0-RC1"},
		{"2.0.0.RC1"}, // a number outranks a sublist
		{"2.0.0"},
		{"2.0.0.RELEASE"},
		{"2.0.1"},
		{"10"},
	}
	type iv struct {
		v string
		g int
	}
	var all []iv
	for g, vs := range groups {
		for _, v := range vs {
			all = append(all, iv{v, g})
		}
	}
	for _, a := range all {
		for _, b := range all {
			if c := CompareVersions(a.v, b.v); c != sign(a.g-b.g) {
				t.Errorf("test order is wrong: CompareVersions(%q, %q) = %d", a.v, b.v, c)
			}
			want := sign(a.g - b.g)
			if want == 0 {
				want = strings.Compare(a.v, b.v)
			}
			if got := sign(bytes.Compare(mavenSortKey(a.v), mavenSortKey(b.v))); got != want {
				t.Errorf("key(%q) vs key(%q) = %d, want %d", a.v, b.v, got, want)
			}
		}
	}
}

// genMavenVersion makes versions of the shapes projects publish: numbers
// with '.', a qualifier after '-' or '.' (or glued to a number), its own
// number, and -SNAPSHOT.
func genMavenVersion(r *rand.Rand) string {
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	num := func() string { return pick("0", "1", "2", "9", "10", "00", "01", "123") }
	var b strings.Builder
	b.WriteString(num())
	for n := r.Intn(4); n > 0; n-- {
		b.WriteString("." + num())
	}
	if r.Intn(2) == 0 {
		b.WriteString(pick("-", ".", "") + pick("alpha", "beta", "milestone", "rc", "cr", "a", "b", "m",
			"SNAPSHOT", "sp", "ga", "final", "RELEASE", "jre", "android", "Final", "RC", "M"))
		if r.Intn(2) == 0 {
			b.WriteString(pick("", "-", ".") + num())
		}
	}
	if r.Intn(4) == 0 {
		b.WriteString("-SNAPSHOT")
	}
	return b.String()
}

// transitive reports whether CompareVersions is consistent on a, b and
// every version of pool: where ComparableVersion itself is not an order,
// no key can follow it.
func transitive(a, b string, pool []string) bool {
	ab := CompareVersions(a, b)
	// Their releases (numbers only) are where the cycles usually close:
	// 1-SNAPSHOT > 1.a > 1 > 1-SNAPSHOT.
	release := func(v string) string {
		return strings.TrimRight(v[:len(v)-len(strings.TrimLeft(v, "0123456789."))], ".")
	}
	for _, c := range append([]string{release(a), release(b)}, pool...) {
		ac, cb := CompareVersions(a, c), CompareVersions(c, b)
		if ac <= 0 && cb <= 0 && ab > 0 || ac >= 0 && cb >= 0 && ab < 0 {
			return false
		}
	}
	return true
}

// TestVersionSortKeyProperty: for random versions of the usual shapes,
// bytes.Compare of the keys has the sign of CompareVersions (ties by
// string) wherever Maven's order is transitive among them.
func TestVersionSortKeyProperty(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	pool := make([]string, 300)
	for i := range pool {
		pool[i] = genMavenVersion(r)
	}
	checked, skipped := 0, 0
	for i := 0; i < 30000; i++ {
		a, b := genMavenVersion(r), genMavenVersion(r)
		want := CompareVersions(a, b)
		if want == 0 {
			want = strings.Compare(a, b)
		}
		got := sign(bytes.Compare(mavenSortKey(a), mavenSortKey(b)))
		if got == want {
			checked++
			continue
		}
		if !transitive(a, b, pool) {
			skipped++
			continue
		}
		t.Fatalf("%q vs %q: key order %d, CompareVersions %d", a, b, got, want)
	}
	t.Logf("%d pairs agree, %d disagree where Maven's order is not transitive", checked, skipped)
}

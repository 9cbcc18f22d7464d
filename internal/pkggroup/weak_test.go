package pkggroup

import "testing"

func TestWeakKey(t *testing.T) {
	same := [][]string{
		// The user guide: foo-bar, foo.bar, foo..bar and foo_bar are weak-equivalent.
		{"/npm//foo-bar$", "/npm//foo.bar$", "/npm//foo..bar$", "/npm//foo_bar$", "/npm//Foo-_.Bar$", "/npm//foo\u2013bar$"},
		{"/npm//AsyncStorage$", "/npm//asyncstorage$", "/npm//ASYNCSTORAGE$"},
		{"/npm/Space/*", "/npm/space/*"},
		{"/npm//react$", "/npm//rеact$", "/npm//ｒｅａｃｔ$", "/npm//REACT$"},
		{"/npm//lodash$", "/npm//l0dash$", "/npm//1odash$", "/npm//LODASH$"},
		{"/npm//kube~", "/npm//\u212Aube~"},
		{"/npm//straße$", "/npm//STRAẞE$"},
		{"/npm//σ$", "/npm//ς$", "/npm//Σ$"},
		{"/*"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if WeakKey(s) != WeakKey(group[0]) {
				t.Errorf("WeakKey(%q) = %q, WeakKey(%q) = %q: want them equal", s, WeakKey(s), group[0], WeakKey(group[0]))
			}
		}
		for _, s := range group {
			if k := WeakKey(s); WeakKey(k) != k {
				t.Errorf("WeakKey is not idempotent on %q: %q then %q", s, k, WeakKey(k))
			}
		}
	}
	different := [][2]string{
		{"/npm//foo-bar$", "/npm//foobar$"},
		{"/npm//foo-bar$", "/npm//foo-bar~"},
		{"/npm//foo-bar$", "/npm/foo/bar$"},
		{"/npm//foo$", "/npm//food$"},
		{"/npm/*", "/pypi/*"},
		{"/npm/space/*", "/npm/space~"},
		{"/npm//foo$", "/npm//foo-$"},
	}
	for _, d := range different {
		if WeakKey(d[0]) == WeakKey(d[1]) {
			t.Errorf("WeakKey(%q) == WeakKey(%q) = %q: want them different", d[0], d[1], WeakKey(d[0]))
		}
	}
	// The structure of a pattern survives folding.
	for _, s := range []string{"/*", "/npm/*", "/npm/space~", "/npm/space/*", "/npm/space/anycompany-ui~", "/maven/org.apache.logging.log4j/log4j-core$"} {
		k := WeakKey(s)
		if k[len(k)-1] != s[len(s)-1] || countByte(k, '/') != countByte(s, '/') {
			t.Errorf("WeakKey(%q) = %q changes the pattern's structure", s, k)
		}
	}
}

func countByte(s string, c byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
		}
	}
	return n
}

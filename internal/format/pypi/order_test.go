package pypi

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

func cmpNum(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

// comparePEP440 is packaging's Version ordering (its _cmpkey) written as
// a comparator: the reference the keys are checked against. Invalid
// versions sort first, by string.
func comparePEP440(a, b string) int {
	x, okx := parsePEP440(a)
	y, oky := parsePEP440(b)
	switch {
	case !okx || !oky:
		if okx != oky {
			if okx {
				return 1
			}
			return -1
		}
		return 0 // the keys order them naturally; not checked here
	}
	if c := cmpNum(x.epoch, y.epoch); c != 0 {
		return c
	}
	for i := 0; i < len(x.release) || i < len(y.release); i++ {
		switch {
		case i >= len(x.release):
			return -1
		case i >= len(y.release):
			return 1
		}
		if c := cmpNum(x.release[i], y.release[i]); c != 0 {
			return c
		}
	}
	// pre: -inf for a bare dev release, +inf for none.
	pre := func(v pep440Version) (int, string) {
		switch {
		case v.pre == preNone && !v.post && v.dev:
			return -1, ""
		case v.pre == preNone:
			return 100, ""
		}
		return int(v.pre), v.preN
	}
	px, pnx := pre(x)
	py, pny := pre(y)
	if px != py {
		return sign(px - py)
	}
	if c := cmpNum(pnx, pny); c != 0 {
		return c
	}
	switch {
	case x.post != y.post:
		if x.post {
			return 1
		}
		return -1
	case x.post:
		if c := cmpNum(x.postN, y.postN); c != 0 {
			return c
		}
	}
	switch {
	case x.dev != y.dev:
		if x.dev {
			return -1
		}
		return 1
	case x.dev:
		if c := cmpNum(x.devN, y.devN); c != 0 {
			return c
		}
	}
	switch {
	case (x.local == nil) != (y.local == nil):
		if x.local == nil {
			return -1
		}
		return 1
	}
	for i := 0; i < len(x.local) || i < len(y.local); i++ {
		switch {
		case i >= len(x.local):
			return -1
		case i >= len(y.local):
			return 1
		}
		s, t := x.local[i], y.local[i]
		ds, dt := allDigits(s), allDigits(t)
		switch {
		case ds && dt:
			if c := cmpNum(s, t); c != 0 {
				return c
			}
		case ds:
			return 1
		case dt:
			return -1
		default:
			if c := strings.Compare(s, t); c != 0 {
				return c
			}
		}
	}
	return 0
}

// TestPEP440KeyOrder: a list in PEP 440 order (the PEP's own example
// sequence and the tricky spellings), key order equal to it.
func TestPEP440KeyOrder(t *testing.T) {
	groups := [][]string{ // versions of a group are equal; ties by string
		{"not a version"},
		{"1.0.dev456"},
		{"1.0a1"},
		{"1.0a2.dev456"},
		{"1.0a12.dev456"},
		{"1.0a12"},
		{"1.0b1.dev456"},
		{"1.0b2"},
		{"1.0b2.post345.dev456"},
		{"1.0b2.post345"},
		{"1.0c1", "1.0rc1", "1.0RC1", "1.0-pre1", "1.0preview1"},
		{"1.0rc2"},
		{"1.0", "1.0.0", "1", "1.00", "v1.0"},
		{"1.0+abc.5"},
		{"1.0+abc.7"},
		{"1.0+5"},
		{"1.0.post456.dev34"},
		{"1.0.post456", "1.0-456", "1.0.rev456"},
		{"1.0.15"},
		{"1.1.dev1"},
		{"1.2"},
		{"1.10"},
		{"2.0.0"},
		{"1!0.1"},
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
			want := sign(a.g - b.g)
			if want == 0 {
				want = strings.Compare(a.v, b.v)
			}
			if c := comparePEP440(a.v, b.v); a.g != 0 && b.g != 0 && c != sign(a.g-b.g) {
				t.Errorf("reference comparePEP440(%q, %q) = %d, want %d", a.v, b.v, c, sign(a.g-b.g))
			}
			if got := sign(bytes.Compare(pep440Key(a.v), pep440Key(b.v))); got != want {
				t.Errorf("key(%q) vs key(%q) = %d, want %d", a.v, b.v, got, want)
			}
		}
	}
}

// TestPEP440KeyProperty: for random versions, bytes.Compare of the keys
// has the sign of the reference order, ties broken by the string.
func TestPEP440KeyProperty(t *testing.T) {
	r := rand.New(rand.NewSource(440))
	num := func() string { return []string{"0", "1", "2", "9", "10", "01", "00", "100"}[r.Intn(8)] }
	pick := func(s ...string) string { return s[r.Intn(len(s))] }
	gen := func() string {
		var b strings.Builder
		if r.Intn(8) == 0 {
			b.WriteString(num() + "!")
		}
		b.WriteString(num())
		for n := r.Intn(4); n > 0; n-- {
			b.WriteString("." + num())
		}
		if r.Intn(3) == 0 {
			b.WriteString(pick("a", "b", "rc", "c", ".alpha", "-beta", "pre") + pick("", num()))
		}
		if r.Intn(4) == 0 {
			b.WriteString(pick(".post", "-", "post", ".rev") + num())
		}
		if r.Intn(4) == 0 {
			b.WriteString(pick(".dev", "dev", "-dev") + pick("", num()))
		}
		if r.Intn(5) == 0 {
			b.WriteString("+" + pick("abc", "5", "05", "ubuntu.1", "1.a", "A-2", "a_b"))
		}
		if r.Intn(30) == 0 {
			return b.String() + "!!" // invalid
		}
		return b.String()
	}
	for i := 0; i < 50000; i++ {
		a, b := gen(), gen()
		_, oka := parsePEP440(a)
		_, okb := parsePEP440(b)
		want := comparePEP440(a, b)
		if want == 0 && !(oka != okb) {
			if !oka {
				continue // two invalid versions: natural order, tested in versionkey
			}
			want = strings.Compare(a, b)
		}
		if got := sign(bytes.Compare(pep440Key(a), pep440Key(b))); got != want {
			t.Fatalf("%q vs %q: key order %d, PEP 440 %d", a, b, got, want)
		}
	}
}

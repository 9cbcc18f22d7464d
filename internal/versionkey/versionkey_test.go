package versionkey

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
)

// naturalCompare is the order Natural encodes, written as a comparator.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		ta, ra := token(a)
		tb, rb := token(b)
		da, db := isDigit(ta[0]), isDigit(tb[0])
		switch {
		case da && db:
			x, y := strings.TrimLeft(ta, "0"), strings.TrimLeft(tb, "0")
			if len(x) != len(y) {
				return sign(len(x) - len(y))
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		case da:
			return -1
		case db:
			return 1
		default:
			if c := strings.Compare(ta, tb); c != 0 {
				return c
			}
		}
		a, b = ra, rb
	}
	return sign(len(a) - len(b))
}

func token(s string) (string, string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
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

func TestNaturalCases(t *testing.T) {
	ordered := []string{"", "0", "1", "1.0", "1.0.2", "1.0.10", "1.0a", "1.1", "1.10", "2", "10", "10.0.0-rc.1", "a", "a\x00", "b", "\xff"}
	for i := range ordered {
		for j := range ordered {
			got := sign(bytes.Compare(Natural(ordered[i]), Natural(ordered[j])))
			if want := sign(i - j); got != want {
				t.Errorf("Natural(%q) vs Natural(%q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	// Equal numbers spelled differently are distinct, in byte order.
	if bytes.Compare(Natural("01"), Natural("1")) >= 0 {
		t.Error("01 and 1 are tied by their spelling: 01 < 1")
	}
}

// TestNaturalProperty: the key order is the comparator's, ties broken by
// the version string.
func TestNaturalProperty(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	alphabet := []string{"0", "1", "2", "9", "10", "007", ".", "-", "a", "rc", "\x00", "\xff", "Z"}
	gen := func() string {
		var b strings.Builder
		for n := r.Intn(6); n > 0; n-- {
			b.WriteString(alphabet[r.Intn(len(alphabet))])
		}
		return b.String()
	}
	for i := 0; i < 20000; i++ {
		a, b := gen(), gen()
		want := naturalCompare(a, b)
		if want == 0 {
			want = strings.Compare(a, b)
		}
		if got := sign(bytes.Compare(Natural(a), Natural(b))); got != want {
			t.Fatalf("%q vs %q: key order %d, comparator %d", a, b, got, want)
		}
	}
}

func TestNumLong(t *testing.T) {
	long := strings.Repeat("9", 300)
	var a, b Builder
	a.Num(long)
	b.Num("1" + strings.Repeat("0", 300))
	if bytes.Compare(a.Key(""), b.Key("")) >= 0 {
		t.Error("a 300-digit number must sort before a 301-digit one")
	}
}

func FuzzNatural(f *testing.F) {
	for _, s := range []string{"", "1.0.10", "a\x00b", "00001", "1-rc.1+build"} {
		f.Add(s, "1.0.2")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := Natural(a)
		if !bytes.Equal(ka, Natural(a)) {
			t.Fatal("not deterministic")
		}
		want := naturalCompare(a, b)
		if want == 0 {
			want = strings.Compare(a, b)
		}
		if got := sign(bytes.Compare(ka, Natural(b))); got != want {
			t.Fatalf("%q vs %q: key order %d, comparator %d", a, b, got, want)
		}
	})
}

package pkggroup

import (
	"strings"
	"unicode"

	"github.com/artifactd/artifactd/internal/domain"
)

// WEAK association.
//
// CodeArtifact associates a package WEAK with a pattern it matches only as
// a variation: "/npm//AsyncStorage$" and "/npm//asyncstorage$" are
// different groups, and the package asyncstorage matches the first one
// WEAK. A WEAK-associated package is blocked for every origin, which is
// what protects an internal package from look-alike names.
//
// The variations folded here (the user guide names case folding, runs of
// -._ and Unicode confusables, without a table; the table is artifactd's):
//
//   - case: each character is mapped to the lowercase of its uppercase
//     (so K, k and the Kelvin sign fold together, as do ı, I and i);
//   - separators: every run of '-', '.', '_' (and the Unicode hyphens,
//     minus signs and fullwidth forms that look like them) becomes a
//     single '.', so foo-bar, foo.bar, foo..bar and foo_bar are
//     equivalent while foobar is not;
//   - confusables: fullwidth ASCII letters and digits, the Cyrillic and
//     Greek letters that look like Latin ones, a few Latin look-alikes
//     (ɑ, ɡ, ℓ), and the ASCII pairs 0/o and 1/l.
//
// The structure of a pattern ('/', and the suffixes '*', '~', '$') is
// never folded, so a pattern's key is the keys of its components in place.

// WeakKey folds a pattern string's variations (case, separator runs,
// confusables). A valid pattern matches a package WEAK iff its WeakKey
// equals the WeakKey of one of the package's CandidatePatterns while the
// pattern itself is not one of them. Store it with the group and look it
// up with WeakCandidates.
func WeakKey(pattern string) string {
	var b strings.Builder
	b.Grow(len(pattern))
	sep := false
	for _, r := range pattern {
		r = foldRune(r)
		if isSeparator(r) {
			if !sep {
				b.WriteByte('.')
			}
			sep = true
			continue
		}
		sep = false
		b.WriteRune(r)
	}
	return b.String()
}

// foldComponent is WeakKey for a namespace or a name.
func foldComponent(s string) string { return WeakKey(s) }

// WeakCandidates returns the WeakKey of each of CandidatePatterns(format,
// namespace, name), in the same order (so it may hold duplicates). A group
// whose stored WeakKey is among them and whose pattern is not among the
// candidates matches the package WEAK.
func WeakCandidates(format domain.Format, namespace, name string) []string {
	c := CandidatePatterns(format, namespace, name)
	for i, s := range c {
		c[i] = WeakKey(s)
	}
	return c
}

func isSeparator(r rune) bool {
	switch r {
	case '-', '.', '_',
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2212', // hyphen, non-breaking hyphen, figure dash, en dash, minus
		'\uFE63', '\uFF0D', '\uFF0E', '\uFF3F': // small hyphen-minus, fullwidth - . _
		return true
	}
	return false
}

// foldRune maps a character to its representative: fullwidth forms to
// ASCII, then case, then the confusables table.
func foldRune(r rune) rune {
	switch {
	case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
		r -= 0xFEE0 // fullwidth digits and letters
	}
	r = unicode.ToLower(unicode.ToUpper(r))
	if c := confusable(r); c != 0 {
		return c
	}
	return r
}

// confusable maps a (case-folded) character that looks like an ASCII
// letter to that letter; 0 when there is none.
func confusable(r rune) rune {
	switch r {
	case '0':
		return 'o'
	case '1':
		return 'l'
	// Latin look-alikes.
	case 'ɑ':
		return 'a'
	case 'ɡ':
		return 'g'
	case 'ℓ':
		return 'l'
	// Cyrillic.
	case 'а':
		return 'a'
	case 'в':
		return 'b'
	case 'е':
		return 'e'
	case 'к':
		return 'k'
	case 'м':
		return 'm'
	case 'н', 'һ':
		return 'h'
	case 'о':
		return 'o'
	case 'р':
		return 'p'
	case 'с':
		return 'c'
	case 'т':
		return 't'
	case 'у':
		return 'y'
	case 'х':
		return 'x'
	case 'ѕ':
		return 's'
	case 'і':
		return 'i'
	case 'ј':
		return 'j'
	case 'ԁ':
		return 'd'
	case 'ԛ':
		return 'q'
	case 'ԝ':
		return 'w'
	case 'ӏ':
		return 'l'
	// Greek.
	case 'α':
		return 'a'
	case 'β':
		return 'b'
	case 'ε':
		return 'e'
	case 'ζ':
		return 'z'
	case 'η':
		return 'n'
	case 'ι':
		return 'i'
	case 'κ':
		return 'k'
	case 'μ':
		return 'm'
	case 'ν':
		return 'v'
	case 'ο':
		return 'o'
	case 'ρ':
		return 'p'
	case 'τ':
		return 't'
	case 'υ':
		return 'u'
	case 'χ':
		return 'x'
	case 'ω':
		return 'w'
	}
	return 0
}

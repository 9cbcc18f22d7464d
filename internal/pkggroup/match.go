package pkggroup

import (
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

// Association is how a package is associated with a pattern.
type Association int

const (
	NoMatch Association = iota
	// Strong: the package matches the pattern as written.
	Strong
	// Weak: the package matches only a variation of the pattern (case,
	// runs of -._, confusable characters). CodeArtifact blocks a package
	// whose association is WEAK for every origin.
	Weak
)

func (a Association) String() string {
	switch a {
	case NoMatch:
		return "NoMatch"
	case Strong:
		return "STRONG"
	case Weak:
		return "WEAK"
	}
	return "Association(?)"
}

// Match reports how a package (format, namespace ("" when none), name)
// matches p: Strong when it matches as written, Weak when it only matches
// after folding variations (see WeakKey), NoMatch otherwise. The package's
// namespace and name are normalized first for PyPI, NuGet and Swift, as
// CodeArtifact matches normalized names.
func (p Pattern) Match(format domain.Format, namespace, name string) Association {
	namespace, name = normalize(format, namespace, name)
	if p.matchStrong(format, namespace, name) {
		return Strong
	}
	key := WeakKey(p.String())
	for _, k := range WeakCandidates(format, namespace, name) {
		if k == key {
			return Weak
		}
	}
	return NoMatch
}

// matchStrong matches an already normalized coordinate as written.
func (p Pattern) matchStrong(format domain.Format, namespace, name string) bool {
	if p.Format == "" {
		return true
	}
	if p.Format != format {
		return false
	}
	if !p.HasNamespace {
		return true
	}
	if p.IsNamespacePrefix() {
		return hasWordPrefix(namespace, p.Namespace)
	}
	if namespace != p.Namespace {
		return false
	}
	switch p.Kind {
	case All:
		return true
	case Prefix:
		return hasWordPrefix(name, p.Name)
	default:
		return name == p.Name
	}
}

// CandidatePatterns lists, most specific first, every valid pattern string
// that matches the package STRONG:
//
//	/fmt/ns/name$
//	/fmt/ns/prefix~   for each word end of name, longest first
//	/fmt/ns/*
//	/fmt/nsprefix~    for each word end of ns, longest first
//	/fmt/*
//	/*
//
// Strings that Parse would refuse (a namespace for a namespace-less format,
// a name with "*"...) are left out, so the list is exactly the set of
// patterns a group could have and still match the package as written. Its
// length is linear in the number of words of the namespace and the name.
// The namespace and name are normalized first for PyPI, NuGet and Swift.
func CandidatePatterns(format domain.Format, namespace, name string) []string {
	namespace, name = normalize(format, namespace, name)
	return candidates(format, namespace, name)
}

func candidates(format domain.Format, namespace, name string) []string {
	if !knownFormat(format) {
		return []string{"/*"}
	}
	base := "/" + string(format) + "/"
	nameEnds, nsEnds := wordEnds(name), wordEnds(namespace)
	out := make([]string, 0, len(nameEnds)+len(nsEnds)+4)
	add := func(s string) {
		if _, err := Parse(s); err == nil {
			out = append(out, s)
		}
	}
	if name != "" {
		add(base + namespace + "/" + name + "$")
	}
	for i := len(nameEnds) - 1; i >= 0; i-- {
		add(base + namespace + "/" + name[:nameEnds[i]] + "~")
	}
	add(base + namespace + "/*")
	for i := len(nsEnds) - 1; i >= 0; i-- {
		add(base + namespace[:nsEnds[i]] + "~")
	}
	out = append(out, base+"*", "/*")
	return out
}

// rank orders patterns by specificity: the level of the component the
// pattern ends on, then, for prefixes, the length of the folded prefix (so
// that a variation ranks with the pattern it varies).
func (p Pattern) rank() (level, length int) {
	switch {
	case p.Format == "":
		return 0, 0
	case !p.HasNamespace:
		return 1, 0
	case p.IsNamespacePrefix():
		return 2, utf8.RuneCountInString(foldComponent(p.Namespace))
	case p.Kind == All:
		return 3, 0
	case p.Kind == Prefix:
		return 4, utf8.RuneCountInString(foldComponent(p.Name))
	default:
		return 5, 0
	}
}

// MoreSpecific reports whether a is more specific than b: an exact name
// beats a name prefix, a longer name prefix a shorter one, a name prefix
// "/fmt/ns/*", which beats a namespace prefix (longer first), which beats
// "/fmt/*", which beats "/*". Prefix lengths are compared folded (WeakKey),
// so a pattern and its variations are equally specific; neither is then
// more specific, and the caller should prefer a STRONG match to a WEAK one.
//
// For two patterns that both match a package, the more specific is the one
// the package is associated with; among the patterns that match a package
// STRONG, the order is that of CandidatePatterns.
func MoreSpecific(a, b Pattern) bool {
	la, na := a.rank()
	lb, nb := b.rank()
	if la != lb {
		return la > lb
	}
	return na > nb
}

// Contains reports whether a is an ancestor of b: a != b, and a matches
// STRONG every package that b matches STRONG (for any namespace and name,
// so "/pypi/*" contains "/pypi//*" and not the reverse). Both must be
// valid patterns.
func Contains(a, b Pattern) bool {
	if a == b {
		return false
	}
	switch {
	case a.Format == "":
		return true
	case a.Format != b.Format:
		return false
	case !a.HasNamespace:
		return true
	case !b.HasNamespace:
		return false
	case a.IsNamespacePrefix():
		return hasWordPrefix(b.Namespace, a.Namespace)
	case b.IsNamespacePrefix() || a.Namespace != b.Namespace:
		return false
	case a.Kind == All:
		return b.Kind != All
	case a.Kind == Prefix:
		return b.Kind != All && hasWordPrefix(b.Name, a.Name)
	default:
		return false
	}
}

// Ancestors lists, most specific first, every valid pattern that Contains
// p, so that p's parent is the first of them that exists. For example
// Ancestors("/npm/space/anycompany-ui~") is "/npm/space/anycompany~",
// "/npm/space/*", "/npm/space~", "/npm/*", "/*". For an exact pattern it
// is CandidatePatterns of its package without the pattern itself.
func Ancestors(p Pattern) []string {
	if p.Format == "" {
		return nil
	}
	base := "/" + string(p.Format) + "/"
	var out []string
	add := func(s string) {
		if q, err := Parse(s); err == nil && Contains(q, p) {
			out = append(out, s)
		}
	}
	if p.HasNamespace && !p.IsNamespacePrefix() {
		ends := wordEnds(p.Name)
		for i := len(ends) - 1; i >= 0; i-- {
			add(base + p.Namespace + "/" + p.Name[:ends[i]] + "~")
		}
		add(base + p.Namespace + "/*")
	}
	if p.HasNamespace {
		ends := wordEnds(p.Namespace)
		for i := len(ends) - 1; i >= 0; i-- {
			add(base + p.Namespace[:ends[i]] + "~")
		}
		add(base + "*")
	}
	return append(out, "/*")
}

// Associate picks, among patterns (the groups found by looking up
// CandidatePatterns and WeakCandidates), the one a package is associated
// with: the most specific pattern that matches it STRONG or WEAK, a STRONG
// match winning a tie. It returns "" and NoMatch when none matches.
// Patterns that do not parse are ignored.
func Associate(format domain.Format, namespace, name string, patterns []string) (string, Association) {
	var best Pattern
	bestStr, bestAssoc := "", NoMatch
	for _, s := range patterns {
		p, err := Parse(s)
		if err != nil {
			continue
		}
		a := p.Match(format, namespace, name)
		if a == NoMatch {
			continue
		}
		switch {
		case bestAssoc == NoMatch,
			MoreSpecific(p, best),
			!MoreSpecific(best, p) && a == Strong && bestAssoc == Weak,
			!MoreSpecific(best, p) && a == bestAssoc && s < bestStr:
			best, bestStr, bestAssoc = p, s, a
		}
	}
	return bestStr, bestAssoc
}

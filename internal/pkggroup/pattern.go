// Package pkggroup parses and matches CodeArtifact package group patterns
// (definitions), as the user guide's "Package group definition syntax and
// matching behavior" describes them:
//
//   - the six forms "/*", "/npm/*", "/maven/com.anycompany~", "/npm/space/*",
//     "/npm/space/anycompany-ui~" and "/maven/org.apache.logging.log4j/log4j-core$";
//   - "$" matches the exact coordinate, "~" a prefix that ends on a word
//     boundary, "*" (only right after a "/") every value of the next
//     component;
//   - a word is [\p{L}\p{N}][\p{L}\p{N}\p{M}]*, so "/npm/space/foo~" matches
//     foo and foo-bar but not food, and CamelCase makes no boundary;
//   - PyPI, NuGet and Swift names (and Swift namespaces) are written
//     normalized, as CodeArtifact stores them;
//   - a package that matches a pattern only as a variation (case, runs of
//     -._, confusable characters) matches it WEAK.
//
// The package is pure: no I/O, no global mutable state.
package pkggroup

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

// Pattern is a parsed package group definition.
type Pattern struct {
	// Format is "" for the root pattern "/*".
	Format    domain.Format
	Namespace string // meaningful when HasNamespace
	// HasNamespace: the pattern names a namespace component (possibly
	// empty for namespace-less formats and unscoped npm packages:
	// "/pypi//requests$", "/npm//lodash$").
	HasNamespace bool
	// Name is the name (Exact) or the name prefix (Prefix) when the pattern
	// has a name component; it is "" for "/fmt/ns/*" and for a namespace
	// prefix "/fmt/ns~" (then Namespace holds the prefix).
	Name string
	Kind Kind
}

// Kind is how the last component of a pattern matches.
type Kind int

const (
	// All ("*"): every value of the next component: "/*", "/npm/*", "/npm/space/*".
	All Kind = iota
	// Prefix ("~"): a prefix ending on a word boundary, of the namespace
	// when Name == "" ("/maven/com.anycompany~"), else of the name
	// ("/npm/space/anycompany-ui~").
	Prefix
	// Exact ("$"): the exact name ("/maven/org.apache.logging.log4j/log4j-core$").
	Exact
)

func (k Kind) String() string {
	switch k {
	case All:
		return "All"
	case Prefix:
		return "Prefix"
	case Exact:
		return "Exact"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Pattern length limits of the API model's PackageGroupPattern shape.
const (
	MinLength = 2
	MaxLength = 520
	// maxComponent is the model's limit on a namespace or a name.
	maxComponent = 255
)

// IsRoot reports whether p is the root pattern "/*".
func (p Pattern) IsRoot() bool { return p.Format == "" }

// IsNamespacePrefix reports whether p is a namespace prefix "/fmt/ns~".
func (p Pattern) IsNamespacePrefix() bool {
	return p.Format != "" && p.HasNamespace && p.Kind == Prefix && p.Name == ""
}

// String returns the pattern's canonical spelling; for a pattern Parse
// returned, it is the string that was parsed.
func (p Pattern) String() string {
	if p.Format == "" {
		return "/*"
	}
	var b strings.Builder
	b.Grow(len(p.Format) + len(p.Namespace) + len(p.Name) + 5)
	b.WriteByte('/')
	b.WriteString(string(p.Format))
	if !p.HasNamespace {
		b.WriteString("/*")
		return b.String()
	}
	b.WriteByte('/')
	b.WriteString(p.Namespace)
	switch {
	case p.Kind == All:
		b.WriteString("/*")
	case p.Kind == Prefix && p.Name == "":
		b.WriteByte('~')
	case p.Kind == Prefix:
		b.WriteByte('/')
		b.WriteString(p.Name)
		b.WriteByte('~')
	default:
		b.WriteByte('/')
		b.WriteString(p.Name)
		b.WriteByte('$')
	}
	return b.String()
}

// Namespace rules per format (the API model's member documentation).
func namespaceless(f domain.Format) bool {
	switch f {
	case domain.FormatPypi, domain.FormatNuget, domain.FormatRuby, domain.FormatCargo:
		return true
	}
	return false
}

func namespaceRequired(f domain.Format) bool {
	switch f {
	case domain.FormatMaven, domain.FormatGeneric, domain.FormatSwift:
		return true
	}
	return false
}

func knownFormat(f domain.Format) bool {
	for _, k := range domain.Formats {
		if k == f {
			return true
		}
	}
	return false
}

func formatList() string {
	s := make([]string, len(domain.Formats))
	for i, f := range domain.Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// Parse validates a package group pattern as CodeArtifact does and returns
// it parsed. Errors are plain sentences saying what is wrong, fit for a
// ValidationException.
func Parse(s string) (Pattern, error) {
	if !utf8.ValidString(s) {
		return Pattern{}, errors.New("the pattern is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n < MinLength || n > MaxLength {
		return Pattern{}, fmt.Errorf("the pattern must be %d to %d characters long, not %d", MinLength, MaxLength, n)
	}
	for _, r := range s {
		if unicode.Is(unicode.C, r) || unicode.Is(unicode.White_Space, r) {
			return Pattern{}, fmt.Errorf("the pattern must not contain whitespace or control characters (found %U)", r)
		}
	}
	if s[0] != '/' {
		return Pattern{}, errors.New("the pattern must start with / (e.g. /npm/space/*)")
	}
	if s == "/*" {
		return Pattern{Kind: All}, nil
	}
	suffix := s[len(s)-1]
	var comps []string
	var p Pattern
	switch suffix {
	case '*':
		if s[len(s)-2] != '/' {
			return Pattern{}, errors.New("* must come right after a / (it matches every value of the next component); to match a prefix end a word with ~, e.g. /npm/space/anycompany-ui~")
		}
		comps = strings.Split(s[1:len(s)-2], "/")
		switch len(comps) {
		case 1:
			p = Pattern{Format: domain.Format(comps[0]), Kind: All}
		case 2:
			p = Pattern{Format: domain.Format(comps[0]), HasNamespace: true, Namespace: comps[1], Kind: All}
		default:
			return Pattern{}, errors.New("* may follow the format (/npm/*) or the namespace (/npm/space/*), nothing deeper")
		}
	case '~':
		comps = strings.Split(s[1:len(s)-1], "/")
		switch len(comps) {
		case 1:
			return Pattern{}, errors.New("~ matches a prefix of a namespace or a name, not of the format: write /" + comps[0] + "/* for every package of a format")
		case 2:
			p = Pattern{Format: domain.Format(comps[0]), HasNamespace: true, Namespace: comps[1], Kind: Prefix}
		case 3:
			p = Pattern{Format: domain.Format(comps[0]), HasNamespace: true, Namespace: comps[1], Name: comps[2], Kind: Prefix}
		default:
			return Pattern{}, errors.New("too many components: a pattern is /format/namespace/name followed by its suffix")
		}
		last := comps[len(comps)-1]
		if !endsInWord(last) {
			return Pattern{}, errors.New("~ must follow a word character (a letter, a digit or a combining mark within a word); after / or a separator use *")
		}
	case '$':
		comps = strings.Split(s[1:len(s)-1], "/")
		switch len(comps) {
		case 3:
			p = Pattern{Format: domain.Format(comps[0]), HasNamespace: true, Namespace: comps[1], Name: comps[2], Kind: Exact}
		case 1, 2:
			return Pattern{}, errors.New("$ matches an exact package, so the pattern needs the format, the namespace and the name: /format/namespace/name$, with an empty namespace for packages without one (e.g. /npm//lodash$, /pypi//requests$)")
		default:
			return Pattern{}, errors.New("too many components: a pattern is /format/namespace/name followed by its suffix")
		}
		if p.Name == "" {
			return Pattern{}, errors.New("$ must follow a package name (e.g. /npm//lodash$)")
		}
	default:
		return Pattern{}, errors.New("the pattern must end with * (every value of the next component), ~ (a prefix) or $ (an exact name)")
	}
	if p.Format == "" {
		return Pattern{}, errors.New("the pattern must name a package format after the leading / (" + formatList() + ")")
	}
	if !knownFormat(p.Format) {
		return Pattern{}, fmt.Errorf("unknown package format %q: the formats are %s", p.Format, formatList())
	}
	for i, c := range comps[1:] {
		what := "namespace"
		if i == 1 {
			what = "name"
		}
		if err := checkComponent(what, c); err != nil {
			return Pattern{}, err
		}
	}
	if err := checkNamespaceRules(p); err != nil {
		return Pattern{}, err
	}
	if err := checkNormalized(p); err != nil {
		return Pattern{}, err
	}
	return p, nil
}

func checkComponent(what, c string) error {
	if strings.ContainsRune(c, '*') {
		return errors.New("* may only end a pattern, right after a /")
	}
	if strings.ContainsRune(c, '#') {
		return fmt.Errorf("the %s must not contain #", what)
	}
	if n := utf8.RuneCountInString(c); n > maxComponent {
		return fmt.Errorf("the %s is %d characters long; namespaces and names have at most %d", what, n, maxComponent)
	}
	return nil
}

func checkNamespaceRules(p Pattern) error {
	if !p.HasNamespace {
		return nil
	}
	switch {
	case namespaceless(p.Format) && p.IsNamespacePrefix():
		return fmt.Errorf("%s packages have no namespace, so there is no namespace prefix to match: use /%s/* or a name with an empty namespace, e.g. /%s//name~", p.Format, p.Format, p.Format)
	case namespaceless(p.Format) && p.Namespace != "":
		return fmt.Errorf("%s packages have no namespace: leave the namespace component empty, e.g. /%s//name$", p.Format, p.Format)
	case namespaceRequired(p.Format) && p.Namespace == "":
		return fmt.Errorf("%s packages always have a namespace: the pattern must name it, e.g. /%s/namespace/name$", p.Format, p.Format)
	}
	return nil
}

// checkNormalized refuses PyPI, NuGet and Swift names (and Swift
// namespaces) that are not written the way CodeArtifact stores them, since
// such a pattern could never match as written.
func checkNormalized(p Pattern) error {
	ns, name := normalize(p.Format, p.Namespace, p.Name)
	if ns == p.Namespace && name == p.Name {
		return nil
	}
	q := p
	q.Namespace, q.Name = ns, name
	var rule string
	switch p.Format {
	case domain.FormatPypi:
		rule = "PyPI names are normalized (lowercase, each run of -, _ and . as one -)"
	case domain.FormatNuget:
		rule = "NuGet names are normalized to lowercase"
	default:
		rule = "Swift namespaces and names are normalized to lowercase"
	}
	return fmt.Errorf("%s and package group patterns must use the normalized form: %s", rule, q.String())
}

// normalize returns a coordinate as CodeArtifact stores and matches it:
// PyPI names by PEP 503, NuGet names lowercased, Swift namespaces and names
// lowercased. Other formats are left alone.
func normalize(f domain.Format, namespace, name string) (string, string) {
	switch f {
	case domain.FormatPypi:
		return namespace, domain.NormalizePyPIName(name)
	case domain.FormatNuget:
		return namespace, strings.ToLower(name)
	case domain.FormatSwift:
		return strings.ToLower(namespace), strings.ToLower(name)
	}
	return namespace, name
}

// Words: [\p{L}\p{N}][\p{L}\p{N}\p{M}]*.
func wordStart(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }
func wordPart(r rune) bool  { return wordStart(r) || unicode.IsMark(r) }

// endsInWord reports whether s ends inside a word, i.e. whether "~" may
// follow it.
func endsInWord(s string) bool {
	in := false
	for _, r := range s {
		in = wordStart(r) || (in && unicode.IsMark(r))
	}
	return in
}

// wordEnds returns the byte offsets in s where a word ends, in increasing
// order: s[:i] is then a prefix a "~" pattern may name.
func wordEnds(s string) []int {
	var ends []int
	in := false
	for i, r := range s {
		next := wordStart(r) || (in && unicode.IsMark(r))
		if in && !next {
			ends = append(ends, i)
		}
		in = next
	}
	if in {
		ends = append(ends, len(s))
	}
	return ends
}

// hasWordPrefix reports whether prefix, which ends inside a word, is a
// prefix of v that ends on a word boundary of v.
func hasWordPrefix(v, prefix string) bool {
	if !strings.HasPrefix(v, prefix) || !endsInWord(prefix) {
		return false
	}
	if len(v) == len(prefix) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(v[len(prefix):])
	return !wordPart(r)
}

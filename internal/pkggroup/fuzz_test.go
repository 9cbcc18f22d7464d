package pkggroup

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/artifactd/artifactd/internal/domain"
)

var seedPatterns = []string{
	"/*", "/npm/*", "/maven/com.anycompany~", "/npm/space/*", "/npm/space/anycompany-ui~",
	"/maven/org.apache.logging.log4j/log4j-core$", "/pypi//requests$", "/npm//lodash$", "/npm//*",
	"/npm//AsyncStorage$", "/pypi//foo-bar~", "/swift/apple/swift-nio$", "/generic/ns/foo~bar$",
	"/npm//cafe\u0301~", "/npm/sp*", "/npm/space/foo-~", "/npm/lodash$", "/pypi/x/*", "/maven//*",
	"/pypi//Foo$", "/npm/a/b/c$", "//*", "/", "", "/npm//ｒｅａｃｔ$", "/npm//\u212Aube~",
}

// FuzzParse: Parse never panics; a parsed pattern's String is the input
// and parses to the same pattern; its ancestors parse, contain it, and
// come most specific first; WeakKey is idempotent; EncodePattern and
// DecodePattern are inverses.
func FuzzParse(f *testing.F) {
	for _, s := range seedPatterns {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if utf8.ValidString(s) {
			if k := WeakKey(s); WeakKey(k) != k {
				t.Errorf("WeakKey(%q) = %q, WeakKey of that = %q", s, k, WeakKey(k))
			}
			enc := "/" + s
			got, err := DecodePattern(EncodePattern(enc))
			if err != nil || got != enc {
				t.Errorf("DecodePattern(EncodePattern(%q)) = %q, %v", enc, got, err)
			}
		}
		_, _ = DecodePattern(s)
		p, err := Parse(s)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("Parse(%q): empty error message", s)
			}
			return
		}
		if p.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, p.String())
		}
		q, err := Parse(p.String())
		if err != nil || q != p {
			t.Fatalf("Parse(Parse(%q).String()) = %+v, %v; want %+v", s, q, err, p)
		}
		anc := Ancestors(p)
		prev := p
		for _, a := range anc {
			ap, err := Parse(a)
			if err != nil {
				t.Fatalf("Ancestors(%s) holds %q: %v", s, a, err)
			}
			if !Contains(ap, p) {
				t.Errorf("Ancestors(%s) holds %s, which does not contain it", s, a)
			}
			if !MoreSpecific(prev, ap) {
				t.Errorf("Ancestors(%s): %s is not more specific than %s", s, prev, a)
			}
			prev = ap
		}
		if !p.IsRoot() && (len(anc) == 0 || anc[len(anc)-1] != "/*") {
			t.Errorf("Ancestors(%s) = %q does not end with /*", s, anc)
		}
	})
}

// validCoordinate is what the API accepts as a namespace or a name.
func validCoordinate(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > 255 || !domain.ValidCoordinate(s) {
		return false
	}
	for _, r := range s {
		if r == '/' || r == '#' || unicode.Is(unicode.White_Space, r) {
			return false
		}
	}
	return true
}

// runeCut returns the largest rune boundary of s at or below n.
func runeCut(s string, n int) int {
	n %= len(s) + 1
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// FuzzCandidates: for random package coordinates, every pattern in
// CandidatePatterns parses and matches STRONG, the list runs most specific
// first and each entry's Ancestors are the entries after it; a pattern
// built from the coordinates that matches STRONG is among the candidates,
// and one that matches WEAK has its WeakKey among WeakCandidates.
func FuzzCandidates(f *testing.F) {
	f.Add(uint8(0), "space", "anycompany-ui-components", uint16(13), uint16(4), uint8(4), false)
	f.Add(uint8(1), "", "Foo_Bar.baz", uint16(0), uint16(3), uint8(5), true)
	f.Add(uint8(2), "org.apache.logging.log4j", "log4j-core", uint16(10), uint16(5), uint8(2), false)
	f.Add(uint8(3), "", "Newtonsoft.Json", uint16(0), uint16(10), uint8(4), true)
	f.Add(uint8(6), "Apple", "Swift-NIO", uint16(3), uint16(5), uint8(3), true)
	f.Add(uint8(0), "", "cafe\u0301-x", uint16(0), uint16(6), uint8(4), false)
	f.Add(uint8(0), "", "a*b", uint16(0), uint16(1), uint8(4), false)
	f.Add(uint8(4), "ns", "foo~bar", uint16(0), uint16(4), uint8(5), false)
	f.Fuzz(func(t *testing.T, fi uint8, namespace, name string, nsCut, nameCut uint16, kind uint8, upper bool) {
		format := domain.Formats[int(fi)%len(domain.Formats)]
		switch {
		case namespaceless(format):
			namespace = ""
		case namespace == "" && namespaceRequired(format):
			return
		case namespace != "" && !validCoordinate(namespace):
			return
		}
		if !validCoordinate(name) {
			return
		}
		cands := CandidatePatterns(format, namespace, name)
		weak := WeakCandidates(format, namespace, name)
		if len(weak) != len(cands) {
			t.Fatalf("%d weak candidates for %d candidates", len(weak), len(cands))
		}
		parsed := make([]Pattern, len(cands))
		for i, c := range cands {
			p, err := Parse(c)
			if err != nil {
				t.Fatalf("candidate %q of (%s, %q, %q) does not parse: %v", c, format, namespace, name, err)
			}
			if p.String() != c {
				t.Fatalf("candidate %q parses to %q", c, p.String())
			}
			if a := p.Match(format, namespace, name); a != Strong {
				t.Errorf("candidate %q matches (%s, %q, %q) %v", c, format, namespace, name, a)
			}
			if weak[i] != WeakKey(c) {
				t.Errorf("WeakCandidates[%d] = %q, want %q", i, weak[i], WeakKey(c))
			}
			if anc := Ancestors(p); !reflect.DeepEqual(anc, cands[i+1:]) && (len(anc) != 0 || i != len(cands)-1) {
				t.Errorf("Ancestors(%s) = %q, want %q", c, anc, cands[i+1:])
			}
			parsed[i] = p
		}
		for i := range parsed {
			for j := i + 1; j < len(parsed); j++ {
				if !MoreSpecific(parsed[i], parsed[j]) || MoreSpecific(parsed[j], parsed[i]) {
					t.Errorf("candidates out of order: %s before %s", cands[i], cands[j])
				}
			}
		}

		// A pattern built from the (normalized) coordinates.
		ns, nm := normalize(format, namespace, name)
		if upper {
			ns, nm = strings.ToUpper(ns), strings.ToUpper(nm)
		}
		base := "/" + string(format) + "/"
		var s string
		switch kind % 6 {
		case 0:
			s = "/*"
		case 1:
			s = base + "*"
		case 2:
			s = base + ns[:runeCut(ns, int(nsCut))] + "~"
		case 3:
			s = base + ns + "/*"
		case 4:
			s = base + ns + "/" + nm[:runeCut(nm, int(nameCut))] + "~"
		default:
			s = base + ns + "/" + nm + "$"
		}
		q, err := Parse(s)
		if err != nil {
			return
		}
		idx := slices.Index(cands, s)
		switch a := q.Match(format, namespace, name); {
		case a == Strong && idx < 0:
			t.Errorf("%s matches (%s, %q, %q) STRONG but is not among its candidates %q", s, format, namespace, name, cands)
		case a != Strong && idx >= 0:
			t.Errorf("%s is a candidate of (%s, %q, %q) but matches %v", s, format, namespace, name, a)
		case a == Weak && !slices.Contains(weak, WeakKey(s)):
			t.Errorf("%s matches (%s, %q, %q) WEAK but its key %q is not among %q", s, format, namespace, name, WeakKey(s), weak)
		case a == NoMatch && slices.Contains(weak, WeakKey(s)):
			t.Errorf("%s does not match (%s, %q, %q) though its key %q is among %q", s, format, namespace, name, WeakKey(s), weak)
		}
		// Contains agrees with STRONG matching along the candidate chain.
		for i, c := range parsed {
			if Contains(q, c) && q.Match(format, namespace, name) != Strong {
				t.Errorf("%s contains candidate %s but does not match the package", s, cands[i])
			}
			if idx >= 0 && i < idx && !Contains(q, c) {
				t.Errorf("%s does not contain the more specific candidate %s", s, cands[i])
			}
		}
	})
}

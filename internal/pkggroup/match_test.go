package pkggroup

import (
	"reflect"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

func mustParse(t testing.TB, s string) Pattern {
	t.Helper()
	p, err := Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return p
}

type coord struct {
	format          domain.Format
	namespace, name string
}

func TestMatch(t *testing.T) {
	npm := func(ns, name string) coord { return coord{domain.FormatNpm, ns, name} }
	tests := []struct {
		pattern string
		pkg     coord
		want    Association
	}{
		// Word boundaries: /npm/space/foo~ matches foo and foo-bar, not food.
		{"/npm/space/foo~", npm("space", "foo"), Strong},
		{"/npm/space/foo~", npm("space", "foo-bar"), Strong},
		{"/npm/space/foo~", npm("space", "foo.bar"), Strong},
		{"/npm/space/foo~", npm("space", "foo_bar"), Strong},
		{"/npm/space/foo~", npm("space", "foo@bar"), Strong},
		{"/npm/space/foo~", npm("space", "food"), NoMatch},
		{"/npm/space/foo~", npm("space", "foo2"), NoMatch},
		{"/npm/space/foo~", npm("space", "fo"), NoMatch},
		{"/npm/space/foo~", npm("other", "foo"), NoMatch},
		{"/npm/space/foo~", npm("", "foo"), NoMatch},
		// CamelCase makes no boundary.
		{"/npm/space/foo~", npm("space", "fooBar"), NoMatch},
		{"/npm//react~", npm("", "reactNative"), NoMatch},
		{"/npm//react~", npm("", "react-native"), Strong},
		// A combining mark continues a word.
		{"/npm//cafe~", npm("", "cafe\u0301"), NoMatch},
		{"/npm//cafe\u0301~", npm("", "cafe\u0301-bar"), Strong},
		// The user guide's six forms.
		{"/*", npm("space", "anything"), Strong},
		{"/*", coord{domain.FormatPypi, "", "requests"}, Strong},
		{"/npm/*", npm("", "react"), Strong},
		{"/npm/*", npm("space", "x"), Strong},
		{"/npm/*", coord{domain.FormatPypi, "", "react"}, NoMatch},
		{"/maven/com.anycompany~", coord{domain.FormatMaven, "com.anycompany", "app"}, Strong},
		{"/maven/com.anycompany~", coord{domain.FormatMaven, "com.anycompany.ui", "app"}, Strong},
		{"/maven/com.anycompany~", coord{domain.FormatMaven, "com.anycompanyui", "app"}, NoMatch},
		{"/maven/com.anycompany~", coord{domain.FormatMaven, "com", "anycompany"}, NoMatch},
		{"/maven/com.anycompany~", coord{domain.FormatMaven, "org.anycompany", "app"}, NoMatch},
		{"/npm/space/*", npm("space", "anycompany-ui-components"), Strong},
		{"/npm/space/*", npm("space-ui", "x"), NoMatch},
		{"/npm/space/*", npm("", "space"), NoMatch},
		{"/npm/space/anycompany-ui~", npm("space", "anycompany-ui"), Strong},
		{"/npm/space/anycompany-ui~", npm("space", "anycompany-ui-components"), Strong},
		{"/npm/space/anycompany-ui~", npm("space", "anycompany-uikit"), NoMatch},
		{"/npm/space/anycompany-ui~", npm("space", "anycompany"), NoMatch},
		{"/maven/org.apache.logging.log4j/log4j-core$", coord{domain.FormatMaven, "org.apache.logging.log4j", "log4j-core"}, Strong},
		{"/maven/org.apache.logging.log4j/log4j-core$", coord{domain.FormatMaven, "org.apache.logging.log4j", "log4j-core2"}, NoMatch},
		{"/maven/org.apache.logging.log4j/log4j-core$", coord{domain.FormatMaven, "org.apache.logging.log4j", "log4j-api"}, NoMatch},
		{"/maven/org.apache.logging.log4j/log4j-core$", coord{domain.FormatMaven, "org.apache.logging", "log4j-core"}, NoMatch},
		// An empty namespace component: packages without a namespace.
		{"/npm//*", npm("", "react"), Strong},
		{"/npm//*", npm("types", "node"), NoMatch},
		{"/npm//lodash$", npm("", "lodash"), Strong},
		{"/npm//lodash$", npm("x", "lodash"), NoMatch},
		{"/pypi//requests$", coord{domain.FormatPypi, "", "requests"}, Strong},
		{"/pypi//*", coord{domain.FormatPypi, "", "requests"}, Strong},
		// Normalized names: the package's name is normalized before matching.
		{"/pypi//requests$", coord{domain.FormatPypi, "", "Requests"}, Strong},
		{"/pypi//foo-bar$", coord{domain.FormatPypi, "", "Foo_Bar"}, Strong},
		{"/pypi//foo-bar$", coord{domain.FormatPypi, "", "foo..bar"}, Strong},
		{"/pypi//foo~", coord{domain.FormatPypi, "", "Foo.Bar"}, Strong},
		{"/pypi//foo-bar$", coord{domain.FormatPypi, "", "foobar"}, NoMatch},
		{"/nuget//newtonsoft.json$", coord{domain.FormatNuget, "", "Newtonsoft.Json"}, Strong},
		{"/nuget//newtonsoft~", coord{domain.FormatNuget, "", "Newtonsoft.Json.Bson"}, Strong},
		{"/swift/apple/swift-nio$", coord{domain.FormatSwift, "Apple", "Swift-NIO"}, Strong},
		{"/swift/apple~", coord{domain.FormatSwift, "Apple", "swift-nio"}, Strong},
		// Case: the patterns are different groups; the other spelling is WEAK.
		{"/npm//AsyncStorage$", npm("", "AsyncStorage"), Strong},
		{"/npm//AsyncStorage$", npm("", "asyncstorage"), Weak},
		{"/npm//asyncstorage$", npm("", "AsyncStorage"), Weak},
		{"/npm/space/foo~", npm("space", "Foo"), Weak},
		{"/npm/space/foo~", npm("space", "FOO-bar"), Weak},
		{"/npm/space/foo~", npm("Space", "foo"), Weak},
		{"/npm/Space/*", npm("space", "foo"), Weak},
		{"/npm/space~", npm("SPACE", "foo"), Weak},
		{"/maven/com.AnyCompany~", coord{domain.FormatMaven, "com.anycompany.ui", "x"}, Weak},
		// Separators: foo-bar, foo.bar, foo..bar and foo_bar are weak-equivalent, foobar is not.
		{"/npm//foo-bar$", npm("", "foo-bar"), Strong},
		{"/npm//foo-bar$", npm("", "foo.bar"), Weak},
		{"/npm//foo-bar$", npm("", "foo..bar"), Weak},
		{"/npm//foo-bar$", npm("", "foo_bar"), Weak},
		{"/npm//foo-bar$", npm("", "foo-_-bar"), Weak},
		{"/npm//foo-bar$", npm("", "Foo_Bar"), Weak},
		{"/npm//foo-bar$", npm("", "foobar"), NoMatch},
		{"/npm//foo.bar$", npm("", "foo-bar"), Weak},
		{"/npm//foo-bar~", npm("", "foo_bar-baz"), Weak},
		{"/npm//foo-bar~", npm("", "foo_barbaz"), NoMatch},
		{"/maven/org.example/foo-bar$", coord{domain.FormatMaven, "org-example", "foo_bar"}, Weak},
		// Confusables.
		{"/npm//react$", npm("", "rеact"), Weak},           // Cyrillic е
		{"/npm//react$", npm("", "ｒｅａｃｔ"), Weak},           // fullwidth
		{"/npm//lodash$", npm("", "l0dash"), Weak},         // zero for o
		{"/npm//lodash$", npm("", "1odash"), Weak},         // one for l
		{"/npm//paypal$", npm("", "раураl"), Weak},         // Cyrillic р, а, у
		{"/npm//kube~", npm("", "\u212Aube-x"), Weak},      // Kelvin sign
		{"/npm//anycompany~", npm("", "αnycompany"), Weak}, // Greek alpha
		{"/npm//react$", npm("", "reakt"), NoMatch},
		// Formats never vary.
		{"/npm//react$", coord{domain.FormatPypi, "", "react"}, NoMatch},
		{"/npm/*", coord{"", "", "react"}, NoMatch},
	}
	for _, tt := range tests {
		p := mustParse(t, tt.pattern)
		if got := p.Match(tt.pkg.format, tt.pkg.namespace, tt.pkg.name); got != tt.want {
			t.Errorf("%s.Match(%s, %q, %q) = %v, want %v", tt.pattern, tt.pkg.format, tt.pkg.namespace, tt.pkg.name, got, tt.want)
		}
	}
}

func TestCandidatePatterns(t *testing.T) {
	tests := []struct {
		pkg  coord
		want []string
	}{
		{coord{domain.FormatNpm, "space", "anycompany-ui-components"}, []string{
			"/npm/space/anycompany-ui-components$",
			"/npm/space/anycompany-ui-components~",
			"/npm/space/anycompany-ui~",
			"/npm/space/anycompany~",
			"/npm/space/*",
			"/npm/space~",
			"/npm/*",
			"/*",
		}},
		{coord{domain.FormatNpm, "", "react"}, []string{"/npm//react$", "/npm//react~", "/npm//*", "/npm/*", "/*"}},
		{coord{domain.FormatPypi, "", "requests"}, []string{"/pypi//requests$", "/pypi//requests~", "/pypi//*", "/pypi/*", "/*"}},
		{coord{domain.FormatPypi, "", "Foo_Bar"}, []string{"/pypi//foo-bar$", "/pypi//foo-bar~", "/pypi//foo~", "/pypi//*", "/pypi/*", "/*"}},
		{coord{domain.FormatNuget, "", "Newtonsoft.Json"}, []string{"/nuget//newtonsoft.json$", "/nuget//newtonsoft.json~", "/nuget//newtonsoft~", "/nuget//*", "/nuget/*", "/*"}},
		{coord{domain.FormatSwift, "Apple", "Swift-NIO"}, []string{"/swift/apple/swift-nio$", "/swift/apple/swift-nio~", "/swift/apple/swift~", "/swift/apple/*", "/swift/apple~", "/swift/*", "/*"}},
		{coord{domain.FormatMaven, "org.apache.logging.log4j", "log4j-core"}, []string{
			"/maven/org.apache.logging.log4j/log4j-core$",
			"/maven/org.apache.logging.log4j/log4j-core~",
			"/maven/org.apache.logging.log4j/log4j~",
			"/maven/org.apache.logging.log4j/*",
			"/maven/org.apache.logging.log4j~",
			"/maven/org.apache.logging~",
			"/maven/org.apache~",
			"/maven/org~",
			"/maven/*",
			"/*",
		}},
		// CamelCase: one word.
		{coord{domain.FormatNpm, "", "fooBar"}, []string{"/npm//fooBar$", "/npm//fooBar~", "/npm//*", "/npm/*", "/*"}},
		// A name ending in a separator has no ~ for its full length.
		{coord{domain.FormatNpm, "", "foo-"}, []string{"/npm//foo-$", "/npm//foo~", "/npm//*", "/npm/*", "/*"}},
		// A name no word starts: only the exact pattern and the wider ones.
		{coord{domain.FormatNpm, "", "--"}, []string{"/npm//--$", "/npm//*", "/npm/*", "/*"}},
		// A name with * can only be matched by the wider patterns.
		{coord{domain.FormatNpm, "", "a*b"}, []string{"/npm//a~", "/npm//*", "/npm/*", "/*"}},
		// A package that cannot exist (a Maven package without a
		// namespace) still gets the format and root patterns.
		{coord{domain.FormatMaven, "", "x"}, []string{"/maven/*", "/*"}},
		{coord{"docker", "", "x"}, []string{"/*"}},
	}
	for _, tt := range tests {
		got := CandidatePatterns(tt.pkg.format, tt.pkg.namespace, tt.pkg.name)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("CandidatePatterns(%s, %q, %q) =\n %q\nwant\n %q", tt.pkg.format, tt.pkg.namespace, tt.pkg.name, got, tt.want)
		}
		weak := WeakCandidates(tt.pkg.format, tt.pkg.namespace, tt.pkg.name)
		if len(weak) != len(got) {
			t.Errorf("WeakCandidates(%s, %q, %q) has %d keys for %d candidates", tt.pkg.format, tt.pkg.namespace, tt.pkg.name, len(weak), len(got))
			continue
		}
		for i := range got {
			if weak[i] != WeakKey(got[i]) {
				t.Errorf("WeakCandidates[%d] = %q, want WeakKey(%q) = %q", i, weak[i], got[i], WeakKey(got[i]))
			}
		}
	}
}

func TestAncestors(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string
	}{
		{"/npm/space/anycompany-ui~", []string{"/npm/space/anycompany~", "/npm/space/*", "/npm/space~", "/npm/*", "/*"}},
		{"/npm/space/anycompany~", []string{"/npm/space/*", "/npm/space~", "/npm/*", "/*"}},
		{"/npm/space/anycompany-ui-components$", []string{"/npm/space/anycompany-ui-components~", "/npm/space/anycompany-ui~", "/npm/space/anycompany~", "/npm/space/*", "/npm/space~", "/npm/*", "/*"}},
		{"/npm/space/*", []string{"/npm/space~", "/npm/*", "/*"}},
		{"/npm/space~", []string{"/npm/*", "/*"}},
		{"/maven/com.anycompany.ui~", []string{"/maven/com.anycompany~", "/maven/com~", "/maven/*", "/*"}},
		{"/maven/org.apache.logging.log4j/log4j-core$", []string{
			"/maven/org.apache.logging.log4j/log4j-core~", "/maven/org.apache.logging.log4j/log4j~", "/maven/org.apache.logging.log4j/*",
			"/maven/org.apache.logging.log4j~", "/maven/org.apache.logging~", "/maven/org.apache~", "/maven/org~", "/maven/*", "/*"}},
		{"/npm//lodash$", []string{"/npm//lodash~", "/npm//*", "/npm/*", "/*"}},
		{"/npm//*", []string{"/npm/*", "/*"}},
		{"/pypi//*", []string{"/pypi/*", "/*"}},
		{"/npm/*", []string{"/*"}},
		{"/*", nil},
	}
	for _, tt := range tests {
		got := Ancestors(mustParse(t, tt.pattern))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Ancestors(%s) =\n %q\nwant\n %q", tt.pattern, got, tt.want)
		}
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"/*", "/npm/*", true},
		{"/*", "/*", false},
		{"/npm/*", "/*", false},
		{"/npm/*", "/npm/space/*", true},
		{"/npm/*", "/pypi/*", false},
		{"/npm/*", "/npm//lodash$", true},
		{"/npm/space~", "/npm/space/*", true},
		{"/npm/space~", "/npm/space-ui/*", true},
		{"/npm/space~", "/npm/spaceship/*", false},
		{"/npm/space~", "/npm/space-ui~", true},
		{"/npm/space~", "/npm/space~", false},
		{"/npm/space-ui~", "/npm/space~", false},
		{"/npm/space/*", "/npm/space~", false},
		{"/npm/space/*", "/npm/space/anycompany-ui~", true},
		{"/npm/space/*", "/npm/space/x$", true},
		{"/npm/space/*", "/npm/other/x$", false},
		{"/npm/space/anycompany~", "/npm/space/anycompany-ui~", true},
		{"/npm/space/anycompany~", "/npm/space/anycompanyui~", false},
		{"/npm/space/anycompany~", "/npm/space/anycompany$", true},
		{"/npm/space/anycompany-ui~", "/npm/space/anycompany~", false},
		{"/npm/space/x$", "/npm/space/x$", false},
		{"/npm/space/x$", "/npm/space/x~", false},
		{"/pypi/*", "/pypi//*", true},
		{"/pypi//*", "/pypi/*", false},
		{"/npm//*", "/npm//lodash$", true},
		{"/npm//*", "/npm/space/*", false},
		// Case is not folded: Contains is about STRONG matches.
		{"/npm/Space/*", "/npm/space/x$", false},
	}
	for _, tt := range tests {
		if got := Contains(mustParse(t, tt.a), mustParse(t, tt.b)); got != tt.want {
			t.Errorf("Contains(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMoreSpecific(t *testing.T) {
	// Each pattern is more specific than every later one.
	chain := []string{
		"/npm/space/anycompany-ui-components$",
		"/npm/space/anycompany-ui-components~",
		"/npm/space/anycompany-ui~",
		"/npm/space/anycompany~",
		"/npm/space/*",
		"/npm/space~",
		"/npm/sp~",
		"/npm/*",
		"/*",
	}
	for i := range chain {
		for j := range chain {
			a, b := mustParse(t, chain[i]), mustParse(t, chain[j])
			if got := MoreSpecific(a, b); got != (i < j) {
				t.Errorf("MoreSpecific(%s, %s) = %v, want %v", chain[i], chain[j], got, i < j)
			}
		}
	}
	// Variations rank alike: neither is more specific.
	for _, pair := range [][2]string{
		{"/npm//foo-bar~", "/npm//foo_bar~"},
		{"/npm//foo-bar~", "/npm//foo..bar~"},
		{"/npm//AsyncStorage$", "/npm//asyncstorage$"},
		{"/npm/Space/*", "/npm/space/*"},
	} {
		a, b := mustParse(t, pair[0]), mustParse(t, pair[1])
		if MoreSpecific(a, b) || MoreSpecific(b, a) {
			t.Errorf("%s and %s should be equally specific", pair[0], pair[1])
		}
	}
}

func TestAssociate(t *testing.T) {
	tests := []struct {
		groups    []string
		pkg       coord
		want      string
		wantAssoc Association
	}{
		// The user guide's hierarchy example.
		{[]string{"/*", "/npm/*", "/npm/space/*"}, coord{domain.FormatNpm, "", "react"}, "/npm/*", Strong},
		{[]string{"/*", "/npm/*", "/npm/space/*"}, coord{domain.FormatNpm, "space", "aui.components"}, "/npm/space/*", Strong},
		{[]string{"/*", "/npm/*", "/npm/space/*"}, coord{domain.FormatNpm, "space", "amplify-ui-core"}, "/npm/space/*", Strong},
		{[]string{"/*", "/npm/*", "/npm/space/*"}, coord{domain.FormatPypi, "", "requests"}, "/*", Strong},
		// The most specific match is a variation: WEAK.
		{[]string{"/*", "/npm/*", "/npm//AsyncStorage$"}, coord{domain.FormatNpm, "", "asyncstorage"}, "/npm//AsyncStorage$", Weak},
		// A STRONG match wins a tie with a variation.
		{[]string{"/*", "/npm//AsyncStorage$", "/npm//asyncstorage$"}, coord{domain.FormatNpm, "", "asyncstorage"}, "/npm//asyncstorage$", Strong},
		{[]string{"/*", "/npm//asyncstorage$", "/npm//AsyncStorage$"}, coord{domain.FormatNpm, "", "AsyncStorage"}, "/npm//AsyncStorage$", Strong},
		// A more specific STRONG match beats a less specific variation.
		{[]string{"/*", "/npm/Space/*", "/npm/space/foo~"}, coord{domain.FormatNpm, "space", "foo-bar"}, "/npm/space/foo~", Strong},
		// A more specific variation beats a less specific STRONG match.
		{[]string{"/*", "/npm/space/*", "/npm/space/Foo~"}, coord{domain.FormatNpm, "space", "foo-bar"}, "/npm/space/Foo~", Weak},
		{[]string{"/npm/*"}, coord{domain.FormatPypi, "", "x"}, "", NoMatch},
	}
	for _, tt := range tests {
		got, assoc := Associate(tt.pkg.format, tt.pkg.namespace, tt.pkg.name, tt.groups)
		if got != tt.want || assoc != tt.wantAssoc {
			t.Errorf("Associate(%v, %v) = %q %v, want %q %v", tt.pkg, tt.groups, got, assoc, tt.want, tt.wantAssoc)
		}
	}
}

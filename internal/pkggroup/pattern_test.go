package pkggroup

import (
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		in   string
		want Pattern
	}{
		// The six forms of the user guide.
		{"/*", Pattern{Kind: All}},
		{"/npm/*", Pattern{Format: domain.FormatNpm, Kind: All}},
		{"/maven/com.anycompany~", Pattern{Format: domain.FormatMaven, HasNamespace: true, Namespace: "com.anycompany", Kind: Prefix}},
		{"/npm/space/*", Pattern{Format: domain.FormatNpm, HasNamespace: true, Namespace: "space", Kind: All}},
		{"/npm/space/anycompany-ui~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Namespace: "space", Name: "anycompany-ui", Kind: Prefix}},
		{"/maven/org.apache.logging.log4j/log4j-core$", Pattern{Format: domain.FormatMaven, HasNamespace: true, Namespace: "org.apache.logging.log4j", Name: "log4j-core", Kind: Exact}},
		// Empty namespace components: namespace-less formats, unscoped npm.
		{"/pypi//requests$", Pattern{Format: domain.FormatPypi, HasNamespace: true, Name: "requests", Kind: Exact}},
		{"/npm//lodash$", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "lodash", Kind: Exact}},
		{"/npm//*", Pattern{Format: domain.FormatNpm, HasNamespace: true, Kind: All}},
		{"/pypi//*", Pattern{Format: domain.FormatPypi, HasNamespace: true, Kind: All}},
		{"/pypi/*", Pattern{Format: domain.FormatPypi, Kind: All}},
		{"/nuget//newtonsoft.json$", Pattern{Format: domain.FormatNuget, HasNamespace: true, Name: "newtonsoft.json", Kind: Exact}},
		{"/ruby//rails~", Pattern{Format: domain.FormatRuby, HasNamespace: true, Name: "rails", Kind: Prefix}},
		{"/cargo//serde$", Pattern{Format: domain.FormatCargo, HasNamespace: true, Name: "serde", Kind: Exact}},
		// Case is part of the identifier: both may exist.
		{"/npm//AsyncStorage$", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "AsyncStorage", Kind: Exact}},
		{"/npm//asyncstorage$", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "asyncstorage", Kind: Exact}},
		// Normalized names.
		{"/pypi//foo-bar~", Pattern{Format: domain.FormatPypi, HasNamespace: true, Name: "foo-bar", Kind: Prefix}},
		{"/swift/apple/swift-nio$", Pattern{Format: domain.FormatSwift, HasNamespace: true, Namespace: "apple", Name: "swift-nio", Kind: Exact}},
		{"/swift/apple~", Pattern{Format: domain.FormatSwift, HasNamespace: true, Namespace: "apple", Kind: Prefix}},
		// Namespace prefix for npm, generic.
		{"/npm/space~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Namespace: "space", Kind: Prefix}},
		{"/generic/my-ns/*", Pattern{Format: domain.FormatGeneric, HasNamespace: true, Namespace: "my-ns", Kind: All}},
		// ~ and $ inside a component are literal (generic names may hold ~).
		{"/generic/ns/foo~bar$", Pattern{Format: domain.FormatGeneric, HasNamespace: true, Namespace: "ns", Name: "foo~bar", Kind: Exact}},
		// Words are Unicode: letters, digits, and combining marks inside a word.
		{"/npm//café~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "café", Kind: Prefix}},
		{"/npm//cafe\u0301~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "cafe\u0301", Kind: Prefix}},
		{"/npm//v2~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "v2", Kind: Prefix}},
		{"/npm//пакет~", Pattern{Format: domain.FormatNpm, HasNamespace: true, Name: "пакет", Kind: Prefix}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("Parse(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseLength(t *testing.T) {
	// 520 characters (not bytes) is the model's limit.
	name := strings.Repeat("é", 255)
	ok := "/generic/" + strings.Repeat("n", 520-len("/generic/")-len("/$")-255) + "/" + name + "$"
	if n := len([]rune(ok)); n != 520 {
		t.Fatalf("test pattern has %d characters", n)
	}
	if _, err := Parse(ok); err != nil {
		t.Errorf("Parse(520 characters): %v", err)
	}
	long := "/generic/" + strings.Repeat("n", 521-len("/generic/")-len("/$")-255) + "/" + name + "$"
	if _, err := Parse(long); err == nil || !strings.Contains(err.Error(), "520") {
		t.Errorf("Parse(521 characters) = %v, want a length error", err)
	}
}

func TestParseInvalid(t *testing.T) {
	tests := []struct {
		in, why string // why: a part of the error message
	}{
		{"", "2 to 520"},
		{"/", "2 to 520"},
		{"npm/*", "start with /"},
		{"*", "2 to 520"},
		{"/npm", "must end with"},
		{"/npm/space", "must end with"},
		// * only after a /.
		{"/npm/sp*", "right after a /"},
		{"/npm/space/anycompany*", "right after a /"},
		{"/**", "right after a /"},
		{"/npm/*/lodash$", "* may only end a pattern"},
		{"/npm//lo*dash$", "* may only end a pattern"},
		{"/npm/a/b/*", "nothing deeper"},
		// ~ only after a word character.
		{"/npm/space/anycompany-~", "word character"},
		{"/npm/space/anycompany.~", "word character"},
		{"/npm/space/~", "word character"},
		{"/npm/~", "word character"},
		{"/maven/com.~", "word character"},
		{"/npm//foo\u0301-\u0301~", "word character"}, // a mark after a separator starts no word
		{"/npm~", "not of the format"},
		{"/~", "not of the format"},
		{"/npm/a/b/c~", "too many components"},
		// $ needs format, namespace and name.
		{"/npm/lodash$", "/npm//lodash$"},
		{"/npm$", "namespace and the name"},
		{"/$", "namespace and the name"},
		{"/npm/space/$", "must follow a package name"},
		{"/npm/a/b/c$", "too many components"},
		// Formats.
		{"/python//requests$", "unknown package format"},
		{"/NPM/*", "unknown package format"},
		{"/docker/*", "unknown package format"},
		{"//*", "must name a package format"},
		{"//lodash~", "must name a package format"},
		// Namespace-less formats.
		{"/pypi/x/*", "no namespace"},
		{"/pypi/x~", "no namespace"},
		{"/pypi/x/requests$", "no namespace"},
		{"/nuget/ns/newtonsoft.json$", "no namespace"},
		{"/ruby/x/*", "no namespace"},
		{"/cargo/x/serde~", "no namespace"},
		// Formats whose packages always have a namespace.
		{"/maven//log4j-core$", "always have a namespace"},
		{"/maven//*", "always have a namespace"},
		{"/generic//x$", "always have a namespace"},
		{"/swift//swift-nio$", "always have a namespace"},
		// Normalized names.
		{"/pypi//Requests$", "/pypi//requests$"},
		{"/pypi//foo_bar$", "/pypi//foo-bar$"},
		{"/pypi//foo.bar~", "/pypi//foo-bar~"},
		{"/pypi//foo--bar$", "/pypi//foo-bar$"},
		{"/nuget//Newtonsoft.Json$", "/nuget//newtonsoft.json$"},
		{"/swift/Apple/*", "/swift/apple/*"},
		{"/swift/apple/SwiftNIO$", "/swift/apple/swiftnio$"},
		{"/swift/Apple~", "/swift/apple~"},
		// Characters.
		{"/npm/a b/*", "whitespace"},
		{"/npm/a\u00a0b/*", "whitespace"},
		{"/npm/a\x00/*", "control"},
		{"/npm/a\u200b/*", "control"}, // zero-width space is Cf
		{"/npm//a#b$", "#"},
		{"/npm/\xff/*", "UTF-8"},
		{"/npm//" + strings.Repeat("a", 256) + "$", "at most 255"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error about %q", tt.in, p, tt.why)
			continue
		}
		if !strings.Contains(err.Error(), tt.why) {
			t.Errorf("Parse(%q) error %q does not say %q", tt.in, err, tt.why)
		}
	}
}

func TestWordEnds(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"anycompany-ui-components", []string{"anycompany", "anycompany-ui", "anycompany-ui-components"}},
		{"fooBar", []string{"fooBar"}}, // CamelCase makes no boundary
		{"foo2bar", []string{"foo2bar"}},
		{"org.apache.logging.log4j", []string{"org", "org.apache", "org.apache.logging", "org.apache.logging.log4j"}},
		{"-foo--bar-", []string{"-foo", "-foo--bar"}},
		{"cafe\u0301-x", []string{"cafe\u0301", "cafe\u0301-x"}},
		{"a\u0301", []string{"a\u0301"}},
		{"\u0301a", []string{"\u0301a"}},
		{"", nil},
		{"--", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, e := range wordEnds(tt.in) {
			got = append(got, tt.in[:e])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wordEnds(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

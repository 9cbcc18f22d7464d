package pkggroup

import "testing"

func TestEncodePattern(t *testing.T) {
	tests := []struct{ pattern, encoded string }{
		// As the real service's ARNs show them (CloudFormation resource
		// provider tests): arn:aws:codeartifact:us-west-2:12345:package-group/test-domain-name/%2a ...
		{"/*", "/%2a"},
		{"/npm/*", "/npm/%2a"},
		{"/npm/test/*", "/npm/test/%2a"},
		{"/nuget//alpha$", "/nuget//alpha%24"},
		{"/nuget//alpha%beta%gamma~", "/nuget//alpha%25beta%25gamma~"},
		{"/maven/org.apache.logging.log4j/log4j-core$", "/maven/org.apache.logging.log4j/log4j-core%24"},
		{"/npm/space/anycompany-ui~", "/npm/space/anycompany-ui~"},
		{"/pypi//foo_bar~", "/pypi//foo_bar~"},
		{"/generic/a+b/c@d:e$", "/generic/a%2bb/c%40d%3ae%24"},
		{"/npm//café~", "/npm//caf%c3%a9~"},
	}
	for _, tt := range tests {
		if got := EncodePattern(tt.pattern); got != tt.encoded {
			t.Errorf("EncodePattern(%q) = %q, want %q", tt.pattern, got, tt.encoded)
		}
		got, err := DecodePattern(tt.encoded)
		if err != nil || got != tt.pattern {
			t.Errorf("DecodePattern(%q) = %q, %v, want %q", tt.encoded, got, err, tt.pattern)
		}
	}
	// Upper-case escapes and unescaped characters are accepted.
	for enc, want := range map[string]string{"/npm/%2A": "/npm/*", "/npm/*": "/npm/*", "/nuget//alpha$": "/nuget//alpha$", "/a+b": "/a+b"} {
		if got, err := DecodePattern(enc); err != nil || got != want {
			t.Errorf("DecodePattern(%q) = %q, %v, want %q", enc, got, err, want)
		}
	}
	for _, bad := range []string{"", "npm/%2a", "/nuget//alpha%2", "/nuget//alpha%", "/npm/%zz", "/npm/%ff", "/npm/\xff"} {
		if got, err := DecodePattern(bad); err == nil {
			t.Errorf("DecodePattern(%q) = %q, want an error", bad, got)
		}
	}
}

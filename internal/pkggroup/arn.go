package pkggroup

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// A package group's ARN is
//
//	arn:aws:codeartifact:{region}:{account}:package-group/{domain}{encoded pattern}
//
// (the Service Authorization Reference writes
// package-group/${DomainName}${EncodedPackageGroupPattern}: no "/" between
// the two, the encoded pattern keeps its leading "/"). The encoding is
// percent-encoding that keeps "/" and the URL-unreserved characters
// A-Z a-z 0-9 - . _ ~ and writes every other byte as %xx with lowercase
// hex digits, which is what the real service's ARNs show, as recorded in
// the AWS CloudFormation resource provider's tests
// (aws-cloudformation-resource-providers-codeartifact,
// aws-codeartifact-packagegroup): "/*" is ".../package-group/test-domain-name/%2a",
// "/npm/*" is ".../npm/%2a", "/nuget//alpha$" is ".../nuget//alpha%24",
// "/nuget//alpha%beta%gamma~" is ".../nuget//alpha%25beta%25gamma~".
// Whether the service escapes other characters the same way (e.g. "@", "+",
// non-ASCII as UTF-8 bytes) is not documented; this is the natural reading.

const hexDigits = "0123456789abcdef"

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// EncodePattern returns a pattern as it appears at the end of its group's
// ARN, after the domain name: EncodePattern("/npm/*") == "/npm/%2a".
func EncodePattern(pattern string) string {
	var b strings.Builder
	b.Grow(len(pattern) + 8)
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '/' || unreserved(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// DecodePattern reverses EncodePattern. It accepts either case of hex
// digits and characters left unescaped ("/npm/*" decodes to itself), and
// refuses a malformed escape or a result that is not UTF-8. It does not
// check that the result is a valid pattern: Parse does.
func DecodePattern(encoded string) (string, error) {
	if !strings.HasPrefix(encoded, "/") {
		return "", errors.New("an encoded package group pattern starts with /")
	}
	if !strings.Contains(encoded, "%") {
		if !utf8.ValidString(encoded) {
			return "", errors.New("the package group pattern is not valid UTF-8")
		}
		return encoded, nil
	}
	b := make([]byte, 0, len(encoded))
	for i := 0; i < len(encoded); i++ {
		c := encoded[i]
		if c != '%' {
			b = append(b, c)
			continue
		}
		if i+2 >= len(encoded) {
			return "", fmt.Errorf("incomplete escape %q at the end of the encoded package group pattern", encoded[i:])
		}
		hi, ok1 := unhex(encoded[i+1])
		lo, ok2 := unhex(encoded[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("invalid escape %q in the encoded package group pattern", encoded[i:i+3])
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	if !utf8.Valid(b) {
		return "", errors.New("the decoded package group pattern is not valid UTF-8")
	}
	return string(b), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

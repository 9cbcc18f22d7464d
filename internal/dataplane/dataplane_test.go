package dataplane

import (
	"regexp"
	"slices"
	"testing"
)

// The pattern splitDomainOwner implements by hand.
var domainOwnerPattern = regexp.MustCompile(`^([a-z][a-z0-9\-]{0,48}[a-z0-9])-([0-9]{12})$`)

func TestSplitDomainOwner(t *testing.T) {
	long := "a234567890123456789012345678901234567890123456789z" // 50 characters
	for _, s := range []string{
		"acme-123456789012", "a1-123456789012", "my-domain-123456789012", "a--b-123456789012",
		long + "-123456789012", long + "x-123456789012", "a-123456789012", "ab-12345678901",
		"ab-1234567890123", "ab_123456789012", "Ab-123456789012", "1b-123456789012", "ab--123456789012",
		"a-b-123456789012", "ab-12345678901a", "ab-123456789012-", "", "-123456789012", "ab-", "a.b-123456789012",
		"ab123456789012", "ab-12345678901\n",
	} {
		got, want := splitDomainOwner(s), domainOwnerPattern.FindStringSubmatch(s)
		if !slices.Equal(got, want) {
			t.Errorf("splitDomainOwner(%q) = %q, want %q", s, got, want)
		}
	}
}

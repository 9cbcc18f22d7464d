package swift

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/semver"
)

// Registry.md 3.6.1 and 3.6.2 write these with a lookahead Go's regexp
// lacks; these are the same languages (a separator only between two
// alphanumerics) with the length checked apart.
var (
	scopePattern = regexp.MustCompile(`^[a-zA-Z0-9]+(?:-[a-zA-Z0-9]+)*$`)
	namePattern  = regexp.MustCompile(`^[a-zA-Z0-9]+(?:[-_][a-zA-Z0-9]+)*$`)
)

func TestValidScopeAndName(t *testing.T) {
	cases := []string{
		"mona", "MONA", "mona-lisa", "m", "1", "a-b-c", "-mona", "mona-", "mo--na", "mo_na", "mo.na", "",
		strings.Repeat("a", 39), strings.Repeat("a", 40), strings.Repeat("a", 100), strings.Repeat("a", 101),
		"Linked_List", "linked__list", "_x", "x_", "a-_b", "é", "a b", "a\x00",
	}
	for _, s := range cases {
		if got, want := ValidScope(s), scopePattern.MatchString(s) && len(s) <= 39; got != want {
			t.Errorf("ValidScope(%q) = %v, want %v", s, got, want)
		}
		if got, want := ValidName(s), namePattern.MatchString(s) && len(s) <= 100; got != want {
			t.Errorf("ValidName(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestVersionOrder(t *testing.T) {
	// SemVer 2.0.0 section 11's example, shuffled.
	want := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0", "2.1.0", "2.1.1", "10.0.0"}
	got := []string{"2.1.1", "1.0.0-beta.11", "10.0.0", "1.0.0", "1.0.0-alpha.beta", "2.0.0", "1.0.0-rc.1", "1.0.0-alpha", "2.1.0", "1.0.0-beta.2", "1.0.0-alpha.1", "1.0.0-beta"}
	byKey := slices.Clone(got)
	slices.SortFunc(got, semver.Compare)
	if !slices.Equal(got, want) {
		t.Errorf("semver.Compare order %v", got)
	}
	slices.SortFunc(byKey, func(a, b string) int { return strings.Compare(string(semver.Key(a)), string(semver.Key(b))) })
	if !slices.Equal(byKey, want) {
		t.Errorf("VersionSortKey order %v", byKey)
	}
	for _, v := range []string{"1.0", "v1.0.0", "01.0.0", "1.0.0-", "1.0.0+", "1.0.0-01"} {
		if ValidVersion(v) {
			t.Errorf("ValidVersion(%q) = true", v)
		}
	}
	for _, v := range []string{"0.0.0", "1.0.0+build.5", "1.0.0-rc.1+x"} {
		if !ValidVersion(v) {
			t.Errorf("ValidVersion(%q) = false", v)
		}
	}
}

func TestNegotiate(t *testing.T) {
	for accept, want := range map[string]acceptResult{
		"":                                       acceptOK,
		"*/*":                                    acceptOK,
		"application/json":                       acceptOK,
		"application/vnd.swift.registry":         acceptOK,
		"application/vnd.swift.registry.v1":      acceptOK,
		"application/vnd.swift.registry.v1+json": acceptOK,
		"application/vnd.swift.registry.v1+zip":  acceptOK,
		"Application/Vnd.Swift.Registry.V1+Swift":                                        acceptOK,
		"application/vnd.swift.registry+zip":                                             acceptOK,
		"application/vnd.swift.registry.v2+json, application/vnd.swift.registry.v1+json": acceptOK,
		"application/vnd.swift.registry.v2+json":                                         acceptUnsupported,
		"application/vnd.swift.registry.v10":                                             acceptUnsupported,
		"application/vnd.swift.registry.v":                                               acceptInvalid,
		"application/vnd.swift.registry.vx+json":                                         acceptInvalid,
		"application/vnd.swift.registry.v1+xml":                                          acceptInvalid,
		"application/vnd.swift.registry.v1+":                                             acceptInvalid,
		"application/vnd.swift.registryx":                                                acceptInvalid,
		"application/vnd.swift.registry.v1;q=0.5":                                        acceptOK,
	} {
		if got := negotiate(accept); got != want {
			t.Errorf("negotiate(%q) = %v, want %v", accept, got, want)
		}
	}
}

func TestCanonicalURL(t *testing.T) {
	want := "git.example.com/mona/linkedlist"
	for _, u := range []string{
		"https://git.example.com/mona/LinkedList", "https://git.example.com/mona/LinkedList.git", "https://git.example.com/mona/LinkedList/",
		"http://git.example.com:8080/mona/LinkedList", "git@git.example.com:mona/LinkedList.git", "ssh://git@git.example.com/mona/LinkedList.git",
		"HTTPS://GIT.EXAMPLE.COM/mona/linkedlist",
	} {
		if got := canonicalURL(u); got != want {
			t.Errorf("canonicalURL(%q) = %q", u, got)
		}
	}
	for _, u := range []string{"", "not a url", "mona/LinkedList", "https://", "git@host"} {
		if got := canonicalURL(u); got != "" {
			t.Errorf("canonicalURL(%q) = %q, want none", u, got)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	m, doc, err := ParseMetadata([]byte(`{ "description": "d", "repositoryURLs": ["https://git.example.com/a/b"], "x-extra": [1] }`))
	if err != nil || m.Description != "d" || len(m.RepositoryURLs) != 1 || string(doc) != `{"description":"d","repositoryURLs":["https://git.example.com/a/b"],"x-extra":[1]}` {
		t.Errorf("got %+v %s %v", m, doc, err)
	}
	if _, doc, err := ParseMetadata(nil); err != nil || string(doc) != "{}" {
		t.Errorf("empty: %s %v", doc, err)
	}
	for _, bad := range []string{`[]`, `null`, `"x"`, `{"description": 5}`, `{"repositoryURLs": "x"}`, `{"repositoryURLs": ["not a url"]}`, `{"author": {}}`, `{`, "{\"a\":\"\xff\"}"} {
		if _, _, err := ParseMetadata([]byte(bad)); err == nil {
			t.Errorf("ParseMetadata(%s) accepted", bad)
		}
	}
}

// SwiftPM labels its raw JSON quoted-printable; a client that does encode
// it is decoded when the raw bytes are not a document.
func TestMetadataJSON(t *testing.T) {
	raw := []byte(`{"readmeURL": "https://docs.example.com/?v=12"}`)
	if got := metadataJSON(raw, "quoted-printable"); string(got) != string(raw) {
		t.Errorf("raw JSON labelled quoted-printable was decoded: %s", got)
	}
	enc := []byte("{\"description\": \"x=3Dy=\r\nz\"}")
	if got := metadataJSON(enc, "quoted-printable"); string(got) != `{"description": "x=yz"}` {
		t.Errorf("quoted-printable JSON: %q", got)
	}
	if got := metadataJSON(enc, "binary"); string(got) != string(enc) {
		t.Errorf("binary part changed: %q", got)
	}
}

// SwiftPM asks ?swift-version= with its tools version in full (5.7.0).
func TestVersionedManifestFor(t *testing.T) {
	m := map[string]string{"Package.swift": "5.9", "Package@swift-5.7.swift": "5.7", "Package@swift-4.swift": "4.0", "Package@swift-5.8.1.swift": "5.8.1"}
	for sv, want := range map[string]string{
		"5.7": "Package@swift-5.7.swift", "5.7.0": "Package@swift-5.7.swift", "4": "Package@swift-4.swift", "4.0.0": "Package@swift-4.swift",
		"5.8.1": "Package@swift-5.8.1.swift", "5.8": "", "5": "", "x": "", "5.7/../x": "", "": "",
	} {
		if got := versionedManifestFor(m, sv); got != want {
			t.Errorf("swift-version=%s: %q, want %q", sv, got, want)
		}
	}
}

package maven

import (
	"bytes"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
)

// Fuzz targets for what Maven clients send: request paths, POMs and
// maven-metadata.xml, and the versions artifactd sorts. Seeds run with
// every `go test`; `go test -fuzz FuzzParsePath ./internal/format/maven/`
// fuzzes one.

// FuzzParsePath checks that an accepted path is safe and self-consistent:
// its parts re-validate, rebuilding the path from them parses to the same
// Path, and a file's name is exactly what its parts say.
func FuzzParsePath(f *testing.F) {
	for _, s := range []string{
		"com/example/lib/1.0/lib-1.0.jar",
		"com/example/lib/1.0/lib-1.0-sources.jar.sha1",
		"com/example/lib/1.0/lib-1.0.jar.asc.sha512",
		"com/example/lib/1.0/lib-1.0.tar.gz",
		"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-1-tests.jar.md5",
		"com/ex/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.pom",
		"com/ex/lib/SNAPSHOT/lib-20261201.101010-1.jar",
		"com/ex/lib/1.0-SNAPSHOT/maven-metadata.xml.sha256",
		"com/ex/lib/maven-metadata.xml",
		"com.ex/lib/maven-metadata.xml",
		"ex/1.0-SNAPSHOT/maven-metadata.xml",
		"com/%2e%2e/lib/1.0/lib-1.0.jar",
		"com/ex%2flib/1.0/lib-1.0.jar",
		"com/ex/lib/1.0%2B1/lib-1.0+1.jar",
		"com/ex/lib/1.0/lib-1.0.jar.sha1.md5",
		"com./x/lib/1.0/lib-1.0.jar",
		"a/b/c/d-SNAPSHOT/c-d-SNAPSHOT-x.y.z",
		"//",
		"%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		if len(escaped) > 8<<10 {
			return
		}
		p, err := ParsePath(escaped)
		if err != nil {
			msg := err.Error()
			if !strings.HasPrefix(msg, "Not a Maven repository path: ") {
				t.Fatalf("error %q lacks the prefix", msg)
			}
			if strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("error %q carries a control character", msg)
			}
			return
		}
		for _, s := range []string{p.GroupID, p.ArtifactID, p.Version, p.File, p.Build, p.Classifier, p.Extension} {
			if len(s) > 255 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e || strings.ContainsRune(`/\%#?:`, r) }) {
				t.Fatalf("unsafe part %q in %+v", s, p)
			}
		}
		if !pathValidName(p.ArtifactID) || p.GroupID == "" || p.GroupID[0] == '.' || !pathAllOf(p.GroupID, "_.-") {
			t.Fatalf("invalid coordinates in %+v", p)
		}
		switch p.Checksum {
		case "", "md5", "sha1", "sha256", "sha512":
		default:
			t.Fatalf("checksum %q", p.Checksum)
		}
		if _, algo := pathCutChecksum(p.File); algo != "" {
			t.Fatalf("file %q still has a checksum suffix", p.File)
		}
		switch p.Kind {
		case KindFile:
			v := p.Version
			if p.Build != "" {
				if !IsSnapshot(p.Version) {
					t.Fatalf("build %q in release directory: %+v", p.Build, p)
				}
				if b, ok := SplitBuild(p.ArtifactID, p.Version, p.File); !ok || b != p.Build {
					t.Fatalf("SplitBuild(%q, %q, %q) = %q, %v; want %q", p.ArtifactID, p.Version, p.File, b, ok, p.Build)
				}
				v = BuildVersion(p.Version, p.Build)
			}
			name := p.ArtifactID + "-" + v
			if p.Classifier != "" {
				name += "-" + p.Classifier
			}
			if name += "." + p.Extension; name != p.File {
				t.Fatalf("file %q, but its parts make %q: %+v", p.File, name, p)
			}
			if !pathValidVersion(p.Version) || p.Extension == "" {
				t.Fatalf("invalid file path %+v", p)
			}
		case KindVersionMetadata:
			if !IsSnapshot(p.Version) || p.File != "maven-metadata.xml" || p.Build+p.Classifier+p.Extension != "" {
				t.Fatalf("invalid version metadata path %+v", p)
			}
		case KindArtifactMetadata:
			if p.Version != "" || p.File != "maven-metadata.xml" || p.Build+p.Classifier+p.Extension != "" {
				t.Fatalf("invalid artifact metadata path %+v", p)
			}
		default:
			t.Fatalf("kind %d", p.Kind)
		}

		// The parts rebuild an equivalent path, with the dotted groupId as
		// one segment (dots are allowed in a group segment).
		rebuilt := p.GroupID + "/" + p.ArtifactID
		if p.Version != "" {
			rebuilt += "/" + p.Version
		}
		rebuilt += "/" + p.File
		if p.Checksum != "" {
			rebuilt += "." + p.Checksum
		}
		if q, err := ParsePath(rebuilt); err != nil || q != p {
			t.Fatalf("rebuilt %q parses to %+v, %v; want %+v", rebuilt, q, err, p)
		}
		// Escaping is only a way of writing the same path.
		if plain, err := url.PathUnescape(escaped); err != nil {
			t.Fatalf("accepted path %q does not unescape: %v", escaped, err)
		} else if q, err := ParsePath(plain); err != nil || q != p {
			t.Fatalf("unescaped %q parses to %+v, %v; want %+v", plain, q, err, p)
		}
	})
}

// FuzzParsePOM checks that any document parses or fails cleanly, always
// the same way, with the parent listed first and values of bounded size.
func FuzzParsePOM(f *testing.F) {
	f.Add([]byte(fullPOM))
	for _, s := range []string{
		`<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>`,
		`<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>${revision}</version></parent><properties><revision>1</revision></properties></project>`,
		`<project><properties><a>${b}${b}</a><b>${a}${c}</b><c>${project.version}</c></properties><version>${a}</version></project>`,
		`<!DOCTYPE project [<!ENTITY x "y">]><project>&x;</project>`,
		"<?xml version=\"1.0\" encoding=\"windows-1252\"?><project><name>\x80\x9d</name></project>",
		`<project><dependencies><dependency><scope>parent</scope><optional>true</optional></dependency></dependencies></project>`,
		`<project><scm><connection>scm|x</connection></scm></project>`,
		`<p:project xmlns:p="x"><p:name>n</p:name></p:project>`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		p, err := ParsePOM(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid POM: ") {
				t.Fatalf("error %q lacks the prefix", err)
			}
			return
		}
		again, err := ParsePOM(data)
		if err != nil || !reflect.DeepEqual(p, again) {
			t.Fatalf("second parse differs: %+v, %v", again, err)
		}
		if p.Parent != nil {
			d := p.Dependencies
			if len(d) == 0 || d[0].DependencyType != "parent" || d[0].Namespace != p.Parent.GroupID ||
				d[0].Package != p.Parent.ArtifactID || d[0].VersionRequirement != p.Parent.Version {
				t.Fatalf("parent %+v not listed first: %+v", p.Parent, d)
			}
		}
		limit := len(data) + pomMaxExpansion
		for _, d := range p.Dependencies {
			if d.DependencyType == "" {
				t.Fatalf("dependency without a type: %+v", d)
			}
			if len(d.Namespace)+len(d.Package)+len(d.VersionRequirement)+len(d.DependencyType) > limit {
				t.Fatalf("dependency grew to %d bytes", len(d.Namespace)+len(d.Package)+len(d.VersionRequirement))
			}
		}
		for _, s := range []string{p.GroupID, p.ArtifactID, p.Version, p.Packaging, p.Name, p.Description, p.URL, p.SCM} {
			if len(s) > limit || s != strings.TrimSpace(s) {
				t.Fatalf("value of %d bytes, untrimmed or too large: %.60q", len(s), s)
			}
		}
		for _, l := range p.Licenses {
			if l == (domain.License{}) {
				t.Fatalf("empty license kept")
			}
		}
	})
}

// FuzzParseMetadata checks that any document parses or fails cleanly,
// and that what it says survives being rendered and read again.
func FuzzParseMetadata(f *testing.F) {
	when := time.Date(2026, 12, 1, 10, 10, 10, 0, time.UTC)
	f.Add(RenderArtifactMetadata(ArtifactMetadata{GroupID: "g", ArtifactID: "a", Versions: []string{"1", "2"}, Latest: "2", Release: "2", LastUpdated: when}))
	f.Add(RenderSnapshotMetadata(SnapshotMetadata{GroupID: "g", ArtifactID: "a", Version: "1-SNAPSHOT", Timestamp: "20261201.101010", BuildNumber: 2,
		LastUpdated: when, Files: []SnapshotVersion{{Classifier: "c", Extension: "jar", Value: "1-20261201.101010-2", Updated: when}}}))
	for _, s := range []string{
		`<metadata><plugins><plugin><prefix>x</prefix></plugin></plugins></metadata>`,
		`<metadata><versioning><versions><version>&#13;a&#9;</version><version>&lt;&amp;</version></versions></versioning></metadata>`,
		`<metadata><versioning><snapshot><timestamp>20260229.000000</timestamp><buildNumber>007</buildNumber></snapshot></versioning></metadata>`,
		"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><metadata><groupId>\xe9\x85</groupId></metadata>",
		`<!DOCTYPE metadata><metadata/>`,
		`<m:metadata xmlns:m="urn:x"><m:groupId>g</m:groupId></m:metadata>`,
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 64<<10 {
			return
		}
		u, err := ParseMetadata(data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "invalid maven-metadata.xml: ") {
				t.Fatalf("error %q lacks the prefix", err)
			}
			return
		}
		if u.SnapshotBuildNumber < 0 || (u.SnapshotTimestamp != "" && !pathValidTimestamp(u.SnapshotTimestamp)) {
			t.Fatalf("invalid snapshot: %+v", u)
		}
		for _, v := range u.Versions {
			if v == "" || v != strings.TrimSpace(v) {
				t.Fatalf("version %q kept", v)
			}
		}

		a := ArtifactMetadata{GroupID: u.GroupID, ArtifactID: u.ArtifactID, Versions: u.Versions, Latest: u.Latest, Release: u.Release,
			LastUpdated: time.Now()}
		back, err := ParseMetadata(RenderArtifactMetadata(a))
		if err != nil {
			t.Fatalf("rendered artifact metadata does not parse: %v\n%s", err, RenderArtifactMetadata(a))
		}
		if back.GroupID != u.GroupID || back.ArtifactID != u.ArtifactID || !reflect.DeepEqual(back.Versions, u.Versions) ||
			back.Latest != u.Latest || back.Release != u.Release {
			t.Fatalf("artifact metadata round trip: %+v, want %+v", back, u)
		}

		s := SnapshotMetadata{GroupID: u.GroupID, ArtifactID: u.ArtifactID, Version: u.Version, Timestamp: u.SnapshotTimestamp,
			BuildNumber: u.SnapshotBuildNumber, Files: []SnapshotVersion{{Extension: "jar", Value: u.Version}}}
		back, err = ParseMetadata(RenderSnapshotMetadata(s))
		if err != nil {
			t.Fatalf("rendered snapshot metadata does not parse: %v\n%s", err, RenderSnapshotMetadata(s))
		}
		if back.GroupID != u.GroupID || back.ArtifactID != u.ArtifactID || back.Version != u.Version ||
			back.SnapshotTimestamp != u.SnapshotTimestamp || back.SnapshotBuildNumber != u.SnapshotBuildNumber {
			t.Fatalf("snapshot metadata round trip: %+v, want %+v", back, u)
		}
	})
}

// FuzzCompareVersions checks that the order never panics, is
// antisymmetric and reflexive, ignores ASCII case and ignores trailing
// zero items. Transitivity is not checked: Maven's own order lacks it for
// some odd versions (see TestCompareVersionsNonTransitiveLikeMaven).
func FuzzCompareVersions(f *testing.F) {
	for _, s := range [][2]string{
		{"1.0", "1.0.0"}, {"1-alpha-1", "1a1"}, {"1.0-SNAPSHOT", "1.0"}, {"1-sp", "1-abc"},
		{"99999999999999999999", "1"}, {"1-0.alpha", "1"}, {"", "-"}, {"1..-.-", "1"},
		{"1.0.alpha", "1.ga.1"}, {"é1", "\xff"}, {"6.1H.5-beta", "6.1.0rc3"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > 4<<10 || len(b) > 4<<10 {
			return
		}
		ab, ba := CompareVersions(a, b), CompareVersions(b, a)
		if ab < -1 || ab > 1 || ab != -ba {
			t.Fatalf("CompareVersions(%q, %q) = %d but reversed %d", a, b, ab, ba)
		}
		for _, v := range []string{a, b} {
			if c := CompareVersions(v, v); c != 0 {
				t.Fatalf("CompareVersions(%q, itself) = %d", v, c)
			}
			for _, zero := range []string{".0", "-0"} {
				if c := CompareVersions(v, v+zero); c != 0 {
					t.Fatalf("CompareVersions(%q, %q) = %d", v, v+zero, c)
				}
			}
			if !strings.ContainsFunc(v, func(r rune) bool { return r >= 0x80 }) {
				if c := CompareVersions(strings.ToUpper(v), strings.ToLower(v)); c != 0 {
					t.Fatalf("%q: upper vs lower case = %d", v, c)
				}
			}
		}
		if ab == 0 {
			// Equal versions parse alike, so they compare alike with any other.
			for _, c := range []string{"1", "1-SNAPSHOT", "0", "1-sp", "1.0.alpha", "1.ga.1", "2-1"} {
				if CompareVersions(a, c) != CompareVersions(b, c) {
					t.Fatalf("%q == %q, but they compare differently with %q", a, b, c)
				}
			}
		}
	})
}

// FuzzVersionSortKey: the key of any version string is deterministic and
// never panics, and distinct versions get distinct keys (issue #16).
// Agreement with CompareVersions is TestVersionSortKeyProperty's: Maven's
// order is not transitive for odd inputs, so no key follows it on all.
func FuzzVersionSortKey(f *testing.F) {
	for _, s := range []string{"1.0", "1.0.0", "1.0-alpha-1", "2.0.0.RC1", "1-sp", "1.ga.1", "", "-", "..", "a1b2c3-x-y-0", "1.0.Final.2"} {
		f.Add(s, "1.0-SNAPSHOT")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := mavenSortKey(a)
		if !bytes.Equal(ka, mavenSortKey(a)) {
			t.Fatal("not deterministic")
		}
		if a != b && bytes.Equal(ka, mavenSortKey(b)) {
			t.Fatalf("%q and %q share a key", a, b)
		}
	})
}

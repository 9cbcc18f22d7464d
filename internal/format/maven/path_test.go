package maven

import (
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Path
	}{
		{"com/example/lib/1.0/lib-1.0.jar", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.jar", Extension: "jar"}},
		{"com/example/lib/1.0/lib-1.0.pom.sha1", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.pom", Checksum: "sha1", Extension: "pom"}},
		{"com/example/lib/1.0/lib-1.0-sources.jar", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0-sources.jar", Classifier: "sources", Extension: "jar"}},
		{"com/example/lib/1.0/lib-1.0-jar-with-dependencies.jar.sha512", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib",
			Version: "1.0", File: "lib-1.0-jar-with-dependencies.jar", Checksum: "sha512", Classifier: "jar-with-dependencies", Extension: "jar"}},
		{"com/example/lib/1.0/lib-1.0.tar.gz", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.tar.gz", Extension: "tar.gz"}},
		{"com/example/lib/1.0/lib-1.0.jar.asc", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.jar.asc", Extension: "jar.asc"}},
		{"com/example/lib/1.0/lib-1.0.jar.asc.sha1", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.jar.asc", Checksum: "sha1", Extension: "jar.asc"}},
		{"com/example/lib/1.0/lib-1.0.module.md5", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.module", Checksum: "md5", Extension: "module"}},
		{"com/example/lib/1.0/lib-1.0.jar.sha256", Path{Kind: KindFile, GroupID: "com.example", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.jar", Checksum: "sha256", Extension: "jar"}},
		{"a/b/1/b-1.zip", Path{Kind: KindFile, GroupID: "a", ArtifactID: "b", Version: "1", File: "b-1.zip", Extension: "zip"}},
		{"org/apache/commons/commons-lang3/3.12.0/commons-lang3-3.12.0.jar", Path{Kind: KindFile, GroupID: "org.apache.commons",
			ArtifactID: "commons-lang3", Version: "3.12.0", File: "commons-lang3-3.12.0.jar", Extension: "jar"}},
		{"com/ex/my.lib/1.0+build~1_x/my.lib-1.0+build~1_x.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "my.lib",
			Version: "1.0+build~1_x", File: "my.lib-1.0+build~1_x.jar", Extension: "jar"}},
		// percent-escapes are decoded
		{"com/ex/lib/1.0%2Bb/lib-1.0%2bb.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib", Version: "1.0+b",
			File: "lib-1.0+b.jar", Extension: "jar"}},
		{"c%6Fm/ex/lib/1.0/lib-1.0.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib", Version: "1.0",
			File: "lib-1.0.jar", Extension: "jar"}},
		// SNAPSHOT directories
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "lib-1.0-SNAPSHOT.jar", Extension: "jar"}},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-SNAPSHOT-sources.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "lib-1.0-SNAPSHOT-sources.jar", Classifier: "sources", Extension: "jar"}},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-1.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "lib-1.0-20261201.101010-1.jar", Build: "20261201.101010-1", Extension: "jar"}},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-12-sources.jar.md5", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "lib-1.0-20261201.101010-12-sources.jar", Checksum: "md5", Build: "20261201.101010-12",
			Classifier: "sources", Extension: "jar"}},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-3.pom", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "lib-1.0-20261201.101010-3.pom", Build: "20261201.101010-3", Extension: "pom"}},
		{"com/ex/lib/SNAPSHOT/lib-20261201.101010-1.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "SNAPSHOT", File: "lib-20261201.101010-1.jar", Build: "20261201.101010-1", Extension: "jar"}},
		{"com/ex/lib/SNAPSHOT/lib-SNAPSHOT.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "SNAPSHOT", File: "lib-SNAPSHOT.jar", Extension: "jar"}},
		// in a release directory a timestamp is just a classifier
		{"com/ex/lib/1.0/lib-1.0-20261201.101010-1.jar", Path{Kind: KindFile, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0", File: "lib-1.0-20261201.101010-1.jar", Classifier: "20261201", Extension: "101010-1.jar"}},
		// metadata
		{"com/ex/lib/maven-metadata.xml", Path{Kind: KindArtifactMetadata, GroupID: "com.ex", ArtifactID: "lib",
			File: "maven-metadata.xml"}},
		{"com/ex/lib/maven-metadata.xml.sha1", Path{Kind: KindArtifactMetadata, GroupID: "com.ex", ArtifactID: "lib",
			File: "maven-metadata.xml", Checksum: "sha1"}},
		{"com/lib/maven-metadata.xml.sha512", Path{Kind: KindArtifactMetadata, GroupID: "com", ArtifactID: "lib",
			File: "maven-metadata.xml", Checksum: "sha512"}},
		{"com/ex/lib/1.0-SNAPSHOT/maven-metadata.xml", Path{Kind: KindVersionMetadata, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "maven-metadata.xml"}},
		{"com/ex/lib/1.0-SNAPSHOT/maven-metadata.xml.md5", Path{Kind: KindVersionMetadata, GroupID: "com.ex", ArtifactID: "lib",
			Version: "1.0-SNAPSHOT", File: "maven-metadata.xml", Checksum: "md5"}},
		{"com/lib/SNAPSHOT/maven-metadata.xml", Path{Kind: KindVersionMetadata, GroupID: "com", ArtifactID: "lib",
			Version: "SNAPSHOT", File: "maven-metadata.xml"}},
		// a release directory has no version-level metadata: this is artifact "1.0" of group com.ex.lib
		{"com/ex/lib/1.0/maven-metadata.xml", Path{Kind: KindArtifactMetadata, GroupID: "com.ex.lib", ArtifactID: "1.0",
			File: "maven-metadata.xml"}},
		// too short to hold a group before a SNAPSHOT-looking artifactId
		{"ex/1.0-SNAPSHOT/maven-metadata.xml", Path{Kind: KindArtifactMetadata, GroupID: "ex", ArtifactID: "1.0-SNAPSHOT",
			File: "maven-metadata.xml"}},
		// plugin group metadata is artifact-level by shape
		{"org/apache/maven/plugins/maven-metadata.xml", Path{Kind: KindArtifactMetadata, GroupID: "org.apache.maven",
			ArtifactID: "plugins", File: "maven-metadata.xml"}},
	} {
		got, err := ParsePath(tc.in)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParsePath(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	long := strings.Repeat("a", 256)
	for _, tc := range []struct {
		in, msg string // msg: a substring of the error
	}{
		{"", "empty"},
		{"/com/ex/lib/1.0/lib-1.0.jar", "empty segment"},
		{"com/ex/lib/1.0/lib-1.0.jar/", "empty segment"},
		{"com//ex/lib/1.0/lib-1.0.jar", "empty segment"},
		{"com/../lib/1.0/lib-1.0.jar", `segment ".." is not allowed`},
		{"com/./lib/1.0/lib-1.0.jar", `segment "." is not allowed`},
		{"com/%2e%2e/lib/1.0/lib-1.0.jar", `segment ".." is not allowed`},
		{"com/ex%2Flib/1.0/lib-1.0.jar", "slash"},
		{"com/ex%5Clib/1.0/lib-1.0.jar", "slash"},
		{"com/ex\\lib/x/1.0/lib-1.0.jar", "slash"},
		{"com/ex%00/lib/1.0/lib-1.0.jar", "control"},
		{"com/ex%0A/lib/1.0/lib-1.0.jar", "control"},
		{"com/ex%7F/lib/1.0/lib-1.0.jar", "control"},
		{"com/ex%C3%A9/lib/1.0/lib-1.0.jar", "non-ASCII"},
		{"com/exé/lib/1.0/lib-1.0.jar", "non-ASCII"},
		{"com/ex%zz/lib/1.0/lib-1.0.jar", "percent-escape"},
		{"com/ex%/lib/1.0/lib-1.0.jar", "percent-escape"},
		{"com/ex%4/lib/1.0/lib-1.0.jar", "percent-escape"},
		{"lib/1.0/lib-1.0.jar", "{group path}/{artifactId}/{version}/{file}"},
		{"lib-1.0.jar", "{group path}/{artifactId}/{version}/{file}"},
		{"lib/maven-metadata.xml", "{group path}/{artifactId}/maven-metadata.xml"},
		{"maven-metadata.xml.sha1", "{group path}/{artifactId}/maven-metadata.xml"},
		{"com/ex/lib/1.0/other-1.0.jar", `must be lib-1.0[-classifier].{extension}`},
		{"com/ex/lib/1.0/lib-1.1.jar", `must be lib-1.0`},
		{"com/ex/lib/1.0/lib-1.0x.jar", `must be lib-1.0`},
		{"com/ex/lib/1.0/lib-1.0", "no extension"},
		{"com/ex/lib/1.0/lib-1.0-sources", "no extension"},
		{"com/ex/lib/1.0/lib-1.0.", "extension"},
		{"com/ex/lib/1.0/lib-1.0.jar.", "extension"},
		{"com/ex/lib/1.0/lib-1.0..jar", "extension"},
		{"com/ex/lib/1.0/lib-1.0-.jar", "classifier"},
		{"com/ex/lib/1.0/lib-1.0-a+b.jar", "classifier"},
		{"com/ex/lib/1.0/lib-1.0.j~r", "extension"},
		{"com/ex/lib/1.0/lib-1.0.sha1", "no extension"},
		{"com/ex/lib/1.0/lib-1.0.jar.sha1.md5", "checksum of a checksum"},
		{"com/ex/lib/maven-metadata.xml.sha1.sha1", "checksum of a checksum"},
		{"com/ex/lib/1.0/.sha1", "no file name"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-2026.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-0.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-01.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261301.101010-1.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.251010-1.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-2026120a.101010-1.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-+0261201.101010-1.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-1234567890.jar", "yyyyMMdd.HHmmss"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-1", "no extension"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.0-20261201.101010-1x.jar", "no extension"},
		{"com/ex/lib/1.0-SNAPSHOT/lib-1.1-SNAPSHOT.jar", "must be lib-1.0-SNAPSHOT"},
		{"com/.ex/lib/1.0/lib-1.0.jar", "group segment"},
		{"com/e x/lib/1.0/lib-1.0.jar", "group segment"},
		{"com/e%20x/lib/1.0/lib-1.0.jar", "group segment"},
		{"com/e:x/lib/1.0/lib-1.0.jar", "group segment"},
		{"com/ex/.lib/1.0/.lib-1.0.jar", "artifactId"},
		{"com/ex/l+b/1.0/l+b-1.0.jar", "artifactId"},
		{"com/ex/lib/.1/lib-.1.jar", "version"},
		{"com/ex/lib/-1/lib--1.jar", "version"},
		{"com/ex/lib/1:0/lib-1:0.jar", "version"},
		{"com/ex/lib/1.0#x/lib-1.0.jar", "version"},
		{"com/ex/lib/1%3F0/lib-1.0.jar", "version"},
		{"com/ex/" + long + "/1.0/" + long + "-1.0.jar", "longer than 255"},
		{"com/ex/lib/" + long + "/lib-" + long + ".jar", "longer than 255"},
		{"com/ex/" + long[:250] + "/1.0/" + long[:250] + "-1.0.jar", "file name is longer than 255"},
		{"com/" + long + "/maven-metadata.xml", "the artifactId is longer than 255"},
		{"com/ex/lib/" + long[:247] + "-SNAPSHOT/maven-metadata.xml", "the version is longer than 255"},
		{"com/" + long + "/lib/maven-metadata.xml", "group segment \"aaaa"},
		{"com/ex/lib/1.0/" + long[:200] + "%zz", "..."},
		{strings.Repeat("g/", 130) + "lib/maven-metadata.xml", "groupId is longer than 255"},
		{"com/" + long + "/lib/maven-metadata.xml", "group segment"},
	} {
		got, err := ParsePath(tc.in)
		if err == nil {
			t.Errorf("ParsePath(%q) = %+v, want an error", tc.in, got)
			continue
		}
		if !strings.HasPrefix(err.Error(), "Not a Maven repository path: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParsePath(%q): error %q, want one containing %q", tc.in, err, tc.msg)
		}
	}
}

func TestParsePathLimits(t *testing.T) {
	a := strings.Repeat("a", 255)
	// A 255-byte file name is fine, and so is its checksum (a longer segment).
	name := strings.Repeat("n", 255-len("-1.jar"))
	for _, in := range []string{
		"g/" + name + "/1/" + name + "-1.jar",
		"g/" + name + "/1/" + name + "-1.jar.sha512",
		a + "/" + a + "/maven-metadata.xml",
		strings.TrimSuffix(strings.Repeat("g/", 128), "/") + "/lib/maven-metadata.xml", // groupId of 255 bytes
	} {
		if _, err := ParsePath(in); err != nil {
			t.Errorf("ParsePath(%.40q...): %v", in, err)
		}
	}
}

func TestIsSnapshot(t *testing.T) {
	for v, want := range map[string]bool{
		"1.0-SNAPSHOT": true, "SNAPSHOT": true, "1-alpha-SNAPSHOT": true,
		"1.0": false, "1.0-snapshot": false, "1.0SNAPSHOT": false, "1.0-SNAPSHOT.1": false, "": false,
		"1.0-20261201.101010-1": false, "-SNAPSHOT": true,
	} {
		if got := IsSnapshot(v); got != want {
			t.Errorf("IsSnapshot(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBuildVersion(t *testing.T) {
	for _, tc := range [][3]string{
		{"1.0-SNAPSHOT", "20261201.101010-1", "1.0-20261201.101010-1"},
		{"2.1.3-rc-SNAPSHOT", "20200101.000000-42", "2.1.3-rc-20200101.000000-42"},
		{"SNAPSHOT", "20261201.101010-1", "20261201.101010-1"},
	} {
		if got := BuildVersion(tc[0], tc[1]); got != tc[2] {
			t.Errorf("BuildVersion(%q, %q) = %q, want %q", tc[0], tc[1], got, tc[2])
		}
	}
}

func TestSplitBuild(t *testing.T) {
	for _, tc := range []struct {
		artifact, snapshot, file string
		build                    string
		ok                       bool
	}{
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1-sources.jar", "20261201.101010-1", true},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1.jar", "20261201.101010-1", true},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-27.pom", "20261201.101010-27", true},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1.jar.asc", "20261201.101010-1", true},
		{"lib", "SNAPSHOT", "lib-20261201.101010-1.jar", "20261201.101010-1", true},
		{"my-lib", "1.0-rc-SNAPSHOT", "my-lib-1.0-rc-20261201.101010-9-tests.jar", "20261201.101010-9", true},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-SNAPSHOT.jar", "", false},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-SNAPSHOT-sources.jar", "", false},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1", "", false},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-1-.jar", "", false},
		{"lib", "1.0-SNAPSHOT", "lib-1.1-20261201.101010-1.jar", "", false},
		{"lib", "1.0-SNAPSHOT", "other-1.0-20261201.101010-1.jar", "", false},
		{"lib", "1.0", "lib-1.0-20261201.101010-1.jar", "", false},
		{"lib", "1.0-SNAPSHOT", "lib-1.0-20261201.101010-0.jar", "", false},
	} {
		build, ok := SplitBuild(tc.artifact, tc.snapshot, tc.file)
		if build != tc.build || ok != tc.ok {
			t.Errorf("SplitBuild(%q, %q, %q) = %q, %v, want %q, %v", tc.artifact, tc.snapshot, tc.file, build, ok, tc.build, tc.ok)
		}
		if ok && BuildVersion(tc.snapshot, build) == "" {
			t.Errorf("empty build version")
		}
	}
}

package maven

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRenderArtifactMetadata(t *testing.T) {
	when := time.Date(2026, 12, 1, 11, 10, 10, 0, time.FixedZone("CET", 3600))
	for _, tc := range []struct {
		name string
		in   ArtifactMetadata
		want string
	}{
		{"full", ArtifactMetadata{
			GroupID: "org.example", ArtifactID: "lib", Versions: []string{"1.0", "1.1-SNAPSHOT", "1.1"},
			Latest: "1.1", Release: "1.1", LastUpdated: when,
		}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>1.1</latest>
    <release>1.1</release>
    <versions>
      <version>1.0</version>
      <version>1.1-SNAPSHOT</version>
      <version>1.1</version>
    </versions>
    <lastUpdated>20261201101010</lastUpdated>
  </versioning>
</metadata>
`},
		{"only snapshots: no release", ArtifactMetadata{
			GroupID: "org.example", ArtifactID: "lib", Versions: []string{"1.0-SNAPSHOT"}, Latest: "1.0-SNAPSHOT", LastUpdated: when,
		}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>1.0-SNAPSHOT</latest>
    <versions>
      <version>1.0-SNAPSHOT</version>
    </versions>
    <lastUpdated>20261201101010</lastUpdated>
  </versioning>
</metadata>
`},
		{"nothing set", ArtifactMetadata{GroupID: "g", ArtifactID: "a"}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>g</groupId>
  <artifactId>a</artifactId>
  <versioning></versioning>
</metadata>
`},
		{"escaped", ArtifactMetadata{GroupID: `a<b>&"c'`, ArtifactID: "x]]>y", Versions: []string{"1&2", "\x01"}}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>a&lt;b&gt;&amp;&#34;c&#39;</groupId>
  <artifactId>x]]&gt;y</artifactId>
  <versioning>
    <versions>
      <version>1&amp;2</version>
      <version>` + "\uFFFD" + `</version>
    </versions>
  </versioning>
</metadata>
`},
	} {
		got := string(RenderArtifactMetadata(tc.in))
		if got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		if got != string(RenderArtifactMetadata(tc.in)) {
			t.Errorf("%s: output not deterministic", tc.name)
		}
		if _, err := ParseMetadata([]byte(got)); err != nil {
			t.Errorf("%s: rendered metadata does not parse: %v", tc.name, err)
		}
	}
}

func TestRenderSnapshotMetadata(t *testing.T) {
	when := time.Date(2026, 12, 1, 10, 10, 10, 0, time.UTC)
	for _, tc := range []struct {
		name string
		in   SnapshotMetadata
		want string
	}{
		{"full", SnapshotMetadata{
			GroupID: "org.example", ArtifactID: "lib", Version: "1.0-SNAPSHOT",
			Timestamp: "20261201.101010", BuildNumber: 3, LastUpdated: when.Add(time.Second),
			Files: []SnapshotVersion{
				{Extension: "jar", Value: "1.0-20261201.101010-3", Updated: when},
				{Extension: "pom", Value: "1.0-20261201.101010-3", Updated: when},
				{Classifier: "sources", Extension: "jar", Value: "1.0-20261201.101010-3", Updated: when},
			},
		}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <version>1.0-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp>20261201.101010</timestamp>
      <buildNumber>3</buildNumber>
    </snapshot>
    <lastUpdated>20261201101011</lastUpdated>
    <snapshotVersions>
      <snapshotVersion>
        <extension>jar</extension>
        <value>1.0-20261201.101010-3</value>
        <updated>20261201101010</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>pom</extension>
        <value>1.0-20261201.101010-3</value>
        <updated>20261201101010</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>sources</classifier>
        <extension>jar</extension>
        <value>1.0-20261201.101010-3</value>
        <updated>20261201101010</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>
`},
		{"no build yet", SnapshotMetadata{GroupID: "g", ArtifactID: "a", Version: "SNAPSHOT"}, `<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>g</groupId>
  <artifactId>a</artifactId>
  <version>SNAPSHOT</version>
  <versioning></versioning>
</metadata>
`},
	} {
		got := string(RenderSnapshotMetadata(tc.in))
		if got != tc.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tc.name, got, tc.want)
		}
		u, err := ParseMetadata([]byte(got))
		if err != nil {
			t.Fatalf("%s: rendered metadata does not parse: %v", tc.name, err)
		}
		if u.GroupID != tc.in.GroupID || u.ArtifactID != tc.in.ArtifactID || u.Version != tc.in.Version ||
			u.SnapshotTimestamp != tc.in.Timestamp || u.SnapshotBuildNumber != tc.in.BuildNumber {
			t.Errorf("%s: re-parsed as %+v", tc.name, u)
		}
	}
}

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Uploaded
	}{
		{"artifact level as Maven writes it", `<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>1.1</latest>
    <release>1.1</release>
    <versions>
      <version>1.0</version>
      <version>1.1</version>
    </versions>
    <lastUpdated>20261201101010</lastUpdated>
  </versioning>
</metadata>
`, Uploaded{GroupID: "org.example", ArtifactID: "lib", Versions: []string{"1.0", "1.1"}, Latest: "1.1", Release: "1.1"}},
		{"snapshot level, name space and whitespace", `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://maven.apache.org/METADATA/1.1.0" modelVersion="1.1.0">
  <groupId>
     org.example
  </groupId>
  <artifactId>lib</artifactId>
  <version>1.0-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp> 20261201.101010 </timestamp>
      <buildNumber> 12 </buildNumber>
    </snapshot>
    <lastUpdated>20261201101010</lastUpdated>
    <snapshotVersions>
      <snapshotVersion><extension>jar</extension><value>1.0-20261201.101010-12</value></snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>`, Uploaded{GroupID: "org.example", ArtifactID: "lib", Version: "1.0-SNAPSHOT",
			SnapshotTimestamp: "20261201.101010", SnapshotBuildNumber: 12}},
		{"local copy snapshot", `<metadata><groupId>g</groupId><artifactId>a</artifactId><version>1-SNAPSHOT</version>
<versioning><snapshot><localCopy>true</localCopy></snapshot></versioning></metadata>`,
			Uploaded{GroupID: "g", ArtifactID: "a", Version: "1-SNAPSHOT"}},
		{"plugin group", `<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <plugins>
    <plugin>
      <name>Demo Maven Plugin</name>
      <prefix>demo</prefix>
      <artifactId>demo-maven-plugin</artifactId>
    </plugin>
  </plugins>
</metadata>`, Uploaded{Plugins: true}},
		{"plugins beside versioning is not a group document", `<metadata><plugins/><versioning><versions><version>1</version></versions></versioning></metadata>`,
			Uploaded{Versions: []string{"1"}}},
		{"empty versions dropped", `<metadata><versioning><versions><version> </version><version>2</version><version/></versions></versioning></metadata>`,
			Uploaded{Versions: []string{"2"}}},
		{"escapes and comments", `<!-- hi --><metadata><groupId>a&amp;b</groupId><artifactId><![CDATA[x<y]]></artifactId><?pi x?></metadata>`,
			Uploaded{GroupID: "a&b", ArtifactID: "x<y"}},
		{"latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><metadata><groupId>caf\xe9</groupId></metadata>",
			Uploaded{GroupID: "café"}},
		{"zero build number", `<metadata><versioning><snapshot><buildNumber>0</buildNumber></snapshot></versioning></metadata>`, Uploaded{}},
	} {
		got, err := ParseMetadata([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseMetadataErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, msg string }{
		{"empty", "", "no root element"},
		{"only a declaration", `<?xml version="1.0"?>`, "no root element"},
		{"doctype", `<?xml version="1.0"?><!DOCTYPE metadata [<!ENTITY x "y">]><metadata><groupId>&x;</groupId></metadata>`, "DOCTYPE"},
		{"doctype without entities", `<!DOCTYPE metadata><metadata/>`, "DOCTYPE"},
		{"undeclared entity", `<metadata><groupId>&x;</groupId></metadata>`, "entity"},
		{"wrong root", `<project><groupId>g</groupId></project>`, "root element is <project>"},
		{"unclosed", `<metadata><groupId>g</groupId>`, "unexpected EOF"},
		{"mismatched", `<metadata><groupId>g</artifactId></metadata>`, "invalid maven-metadata.xml"},
		{"not XML", `{"versions": []}`, "no root element"},
		{"bad build number", `<metadata><versioning><snapshot><buildNumber>x</buildNumber></snapshot></versioning></metadata>`, "buildNumber"},
		{"negative build number", `<metadata><versioning><snapshot><buildNumber>-1</buildNumber></snapshot></versioning></metadata>`, "buildNumber"},
		{"signed build number", `<metadata><versioning><snapshot><buildNumber>+1</buildNumber></snapshot></versioning></metadata>`, "buildNumber"},
		{"huge build number", `<metadata><versioning><snapshot><buildNumber>99999999999999999999</buildNumber></snapshot></versioning></metadata>`, "buildNumber"},
		{"bad timestamp", `<metadata><versioning><snapshot><timestamp>2026-12-01</timestamp></snapshot></versioning></metadata>`, "timestamp"},
		{"impossible timestamp", `<metadata><versioning><snapshot><timestamp>20261341.101010</timestamp></snapshot></versioning></metadata>`, "timestamp"},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC"?><metadata/>`, "EBCDIC"},
		{"control character", "<metadata><groupId>\x01</groupId></metadata>", "illegal character"},
		{"too large", "<metadata>" + strings.Repeat(" ", mdxmlMaxDocument) + "</metadata>", "larger than"},
	} {
		_, err := ParseMetadata([]byte(tc.in))
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.HasPrefix(err.Error(), "invalid maven-metadata.xml: ") || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q, want one containing %q", tc.name, err, tc.msg)
		}
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	in := ArtifactMetadata{GroupID: "g.h", ArtifactID: "a", Versions: []string{"1", "1.0.1", "2-SNAPSHOT", "a&b<c>"},
		Latest: "2-SNAPSHOT", Release: "1.0.1", LastUpdated: time.Unix(1e9, 0)}
	u, err := ParseMetadata(RenderArtifactMetadata(in))
	if err != nil {
		t.Fatal(err)
	}
	want := Uploaded{GroupID: in.GroupID, ArtifactID: in.ArtifactID, Versions: in.Versions, Latest: in.Latest, Release: in.Release}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("got %+v, want %+v", u, want)
	}
}

func TestCharsets(t *testing.T) {
	for _, tc := range []struct{ enc, in, want string }{
		{"ISO-8859-1", "caf\xe9 \x80", "café \u0080"},
		{"latin1", "\xff\xfe", "ÿþ"},
		{"US-ASCII", "plain", "plain"},
		{"windows-1252", "\x80 \x9f \x81 \xe9", "€ Ÿ \u0081 é"},
		{"utf-8", "café", "café"},
	} {
		// Large enough to need several reads of the source.
		body := strings.Repeat(tc.in, 3000)
		doc := `<?xml version="1.0" encoding="` + tc.enc + `"?><metadata><groupId>` + body + `</groupId></metadata>`
		u, err := ParseMetadata([]byte(doc))
		if err != nil {
			t.Errorf("%s: %v", tc.enc, err)
			continue
		}
		if u.GroupID != strings.TrimSpace(strings.Repeat(tc.want, 3000)) {
			t.Errorf("%s: got %.40q...", tc.enc, u.GroupID)
		}
	}
}

package maven

import (
	"bytes"
	"net/url"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
	"github.com/artifactd/artifactd/internal/service"
)

func TestRemoteMetadataRequest(t *testing.T) {
	path, accept := Remote{}.MetadataRequest("org.example.app", "core-lib")
	if path != "org/example/app/core-lib/maven-metadata.xml" {
		t.Errorf("path = %q", path)
	}
	if accept == "" {
		t.Error("no Accept header")
	}
}

func TestRemoteParseMetadata(t *testing.T) {
	doc := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<metadata>
  <groupId>org.example</groupId>
  <artifactId>lib</artifactId>
  <versioning>
    <latest>2.0-SNAPSHOT</latest>
    <release>1.1</release>
    <versions>
      <version>1.0</version>
      <version>1.1</version>
      <version>1.1</version>
      <version>2.0-SNAPSHOT</version>
      <version>../../etc</version>
    </versions>
  </versioning>
</metadata>`)
	base, _ := url.Parse("http://127.0.0.1:1/maven2/org/example/lib/maven-metadata.xml")
	rp, err := Remote{}.ParseMetadata(doc, "text/xml", base, "org.example", "lib")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rv := range rp.Versions {
		got = append(got, rv.Version+" "+rv.FilesAt.String())
	}
	want := []string{
		"1.0 http://127.0.0.1:1/maven2/org/example/lib/1.0/",
		"1.1 http://127.0.0.1:1/maven2/org/example/lib/1.1/",
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("versions = %q, want %q (SNAPSHOTs, duplicates and unsafe names left out)", got, want)
	}
	if _, err := (Remote{}).ParseMetadata(doc, "text/xml", base, "org.example", "other"); err == nil {
		t.Error("a document of another artifact was accepted")
	}
	// An error page instead of metadata offers no version.
	if rp, err := (Remote{}).ParseMetadata([]byte("<html>not found</html>"), "text/html", base, "org.example", "lib"); err == nil && len(rp.Versions) > 0 {
		t.Errorf("an HTML page listed versions %+v", rp.Versions)
	}
}

func TestRemoteKeepFileReadsThePOM(t *testing.T) {
	pom := []byte(`<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId><artifactId>lib</artifactId>
<version>1.0</version><description>A library</description><url>https://example.com/lib</url>
<licenses><license><name>MIT</name><url>https://example.com/mit</url></license></licenses>
<scm><url>https://example.com/lib.git</url></scm>
<dependencies><dependency><groupId>org.example</groupId><artifactId>dep</artifactId><version>2.0</version><scope>runtime</scope></dependency></dependencies>
</project>`)
	v := &domain.PackageVersion{Version: "1.0"}
	rv := &service.RemoteVersion{Version: "1.0"}
	if err := (Remote{}).KeepFile(v, rv, "lib-1.0.pom", hashing.Sums{}, bytes.NewReader(pom), int64(len(pom))); err != nil {
		t.Fatal(err)
	}
	if v.Summary != "A library" || v.HomePage != "https://example.com/lib" || v.SourceCodeRepository != "https://example.com/lib.git" {
		t.Errorf("details = %q %q %q", v.Summary, v.HomePage, v.SourceCodeRepository)
	}
	if len(v.Licenses) != 1 || v.Licenses[0].Name != "MIT" {
		t.Errorf("licenses = %+v", v.Licenses)
	}
	if len(v.Dependencies) != 1 || v.Dependencies[0].Package != "dep" || v.Dependencies[0].DependencyType != "runtime" {
		t.Errorf("dependencies = %+v", v.Dependencies)
	}
	// A jar, or a POM of another version, changes nothing.
	w := &domain.PackageVersion{Version: "2.0"}
	(Remote{}).KeepFile(w, rv, "lib-2.0.pom", hashing.Sums{}, bytes.NewReader(pom), int64(len(pom)))
	(Remote{}).KeepFile(w, rv, "lib-2.0.jar", hashing.Sums{}, bytes.NewReader(pom), int64(len(pom)))
	if w.Summary != "" {
		t.Errorf("a mismatched POM set details: %q", w.Summary)
	}
}

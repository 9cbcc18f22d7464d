package nuget

import (
	"archive/zip"
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

func zipBytes(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	zw.Close()
	return buf.Bytes()
}

// The .nuspec reference: the old flat <dependencies> list is one group
// for any framework; <licenseUrl> is the license when there is no
// expression; a readme named by <readme> must be packed.
func TestNuspecMetadata(t *testing.T) {
	spec := `<?xml version="1.0"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd"><metadata>
  <id>Old.Style</id><version>1.0</version><authors>A, B ,</authors><description>Desc</description>
  <licenseUrl>https://example.com/license</licenseUrl><projectUrl> https://example.com/p </projectUrl>
  <repository type="git" url="https://example.com/repo.git"/>
  <tags>one, two three</tags>
  <dependencies><dependency id="Dep.One" version="1.0"/><dependency id="Dep.Two"/></dependencies>
</metadata></package>`
	b := zipBytes(t, map[string]string{"Old.Style.nuspec": spec})
	p, err := ReadPackage(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	n := p.Nuspec
	if got := n.Groups(); len(got) != 1 || got[0].TargetFramework != "" || len(got[0].Dependencies) != 2 {
		t.Errorf("groups %+v", got)
	}
	if got := n.Licenses(); !reflect.DeepEqual(got, []domain.License{{URL: "https://example.com/license"}}) {
		t.Errorf("licenses %+v", got)
	}
	if got := n.AuthorList(); !reflect.DeepEqual(got, []string{"A", "B"}) {
		t.Errorf("authors %q", got)
	}
	if got := n.TagList(); !reflect.DeepEqual(got, []string{"one", "two", "three"}) {
		t.Errorf("tags %q", got)
	}
	var v domain.PackageVersion
	applyMetadata(&v, p)
	if v.DisplayName != "Old.Style" || v.Summary != "Desc" || v.HomePage != "https://example.com/p" || v.SourceCodeRepository != "https://example.com/repo.git" {
		t.Errorf("control-plane metadata %+v", v)
	}
	want := []domain.Dependency{{Package: "dep.one", VersionRequirement: "1.0"}, {Package: "dep.two"}}
	if !reflect.DeepEqual(v.Dependencies, want) {
		t.Errorf("dependencies %+v", v.Dependencies)
	}
	d := docFromPackage(p, 10)
	if d.Version != "1.0.0" || d.SemVer2 || dependencyRange("1.0") != "[1.0.0, )" || dependencyRange("") != "(, )" {
		t.Errorf("doc %+v", d)
	}
	if !rangesSemVer2([]DependencyGroup{{Dependencies: []Dependency{{ID: "x", Range: "[1.0.0-a.1, 2.0)"}}}}) {
		t.Error("a range naming a SemVer 2.0.0 version makes the package SemVer 2.0.0")
	}
}

func TestReadPackageRefusals(t *testing.T) {
	good := `<package><metadata><id>A</id><version>1.0</version><authors>x</authors><description>d</description>%s</metadata></package>`
	for name, c := range map[string]struct {
		files map[string]string
		want  string
	}{
		"no nuspec":      {map[string]string{"lib/a.dll": "x"}, "no .nuspec"},
		"two nuspecs":    {map[string]string{"a.nuspec": strings.Replace(good, "%s", "", 1), "b.nuspec": strings.Replace(good, "%s", "", 1)}, "more than one"},
		"nested nuspec":  {map[string]string{"x/a.nuspec": strings.Replace(good, "%s", "", 1)}, "no .nuspec"},
		"dot-dot":        {map[string]string{"a.nuspec": strings.Replace(good, "%s", "", 1), "lib/../../x": "y"}, "unsafe"},
		"absolute":       {map[string]string{"a.nuspec": strings.Replace(good, "%s", "", 1), "/etc/x": "y"}, "unsafe"},
		"drive letter":   {map[string]string{"a.nuspec": strings.Replace(good, "%s", "", 1), "C:/x": "y"}, "unsafe"},
		"missing readme": {map[string]string{"a.nuspec": strings.Replace(good, "%s", "<readme>README.md</readme>", 1)}, "readme"},
		"bad version":    {map[string]string{"a.nuspec": strings.Replace(strings.Replace(good, "%s", "", 1), "1.0", "one", 1)}, "version"},
		"bad id":         {map[string]string{"a.nuspec": strings.Replace(strings.Replace(good, "%s", "", 1), "<id>A", "<id>A..B", 1)}, "id"},
		"entity":         {map[string]string{"a.nuspec": `<!DOCTYPE p [<!ENTITY e "x">]><package><metadata><id>&e;</id></metadata></package>`}, "XML"},
		"no description": {map[string]string{"a.nuspec": `<package><metadata><id>A</id><version>1.0</version><authors>x</authors></metadata></package>`}, "description"},
	} {
		b := zipBytes(t, c.files)
		_, err := ReadPackage(bytes.NewReader(b), int64(len(b)))
		if !errors.Is(err, ErrPackage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrPackage mentioning %q", name, err, c.want)
		}
	}
	// A nuspec whose declared size is over the limit is refused before it
	// is decompressed.
	big := zipBytes(t, map[string]string{"a.nuspec": strings.Repeat(" ", MaxNuspecBytes+1)})
	if _, err := ReadPackage(bytes.NewReader(big), int64(len(big))); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized nuspec: %v", err)
	}
}

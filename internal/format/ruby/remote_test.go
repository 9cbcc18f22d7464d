package ruby

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/hashing"
)

func TestRemoteParseInfo(t *testing.T) {
	a, b := strings.Repeat("a", 64), strings.Repeat("B", 64)
	body := "created_at: x\n---\n1.0.0 dep:~> 1.0&>= 1.0.2,other:>= 0|checksum:" + a + ",ruby:>= 2.7\n" +
		"1.0.0-java |checksum:" + b + "\n" +
		"1.1.0 |md5:00\n" + // no sha256: skipped
		"bad version |checksum:" + a + "\n"
	base, _ := url.Parse("https://RUBYGEMS.example/mirror/info/demo")
	p, err := Remote{}.ParseMetadata([]byte(body), "text/plain", base, "", "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Versions) != 1 || p.Versions[0].Version != "1.0.0" || len(p.Versions[0].Files) != 2 {
		t.Fatalf("versions = %+v", p.Versions)
	}
	rv := p.Versions[0]
	if f := rv.Files["demo-1.0.0-java.gem"]; f.URL.String() != "https://RUBYGEMS.example/mirror/gems/demo-1.0.0-java.gem" || f.SHA256 != strings.ToLower(b) {
		t.Errorf("java file = %+v", f)
	}
	var deps []string
	for _, d := range rv.Metadata.Dependencies {
		deps = append(deps, d.Package+" "+d.VersionRequirement)
	}
	if strings.Join(deps, ";") != "dep ~> 1.0, >= 1.0.2;other >= 0" {
		t.Errorf("dependencies = %v", deps)
	}
	// The listing renders as info lines again (versions not kept yet).
	doc := decodeDoc(rv.Metadata.Raw)
	idx := buildPkgIndex(domain.Package{Name: "demo"}, []domain.PackageVersion{{Version: "1.0.0", Status: domain.StatusPublished, Metadata: rv.Metadata.Raw}})
	if len(doc.Platforms) != 2 || !strings.Contains(string(idx.info.Bytes()), "1.0.0 dep:~> 1.0&>= 1.0.2,other:>= 0|checksum:"+a+",ruby:>= 2.7\n") {
		t.Errorf("info rendered from the listing:\n%s", idx.info.Bytes())
	}
}

func TestRemoteKeepFile(t *testing.T) {
	gem := testGem("demo", "1.0.0")
	sum := sha256.Sum256(gem)
	hexSum := hex.EncodeToString(sum[:])
	base, _ := url.Parse("http://127.0.0.1/info/demo")
	p, err := Remote{}.ParseMetadata([]byte("1.0.0 |checksum:"+hexSum+"\n"), "", base, "", "demo")
	if err != nil {
		t.Fatal(err)
	}
	rv := p.Versions[0]
	v := domain.PackageVersion{Version: "1.0.0", Metadata: rv.Metadata.Raw}
	if err := (Remote{}).KeepFile(&v, rv, "demo-1.0.0.gem", hashing.Sums{SHA256: hexSum, Size: int64(len(gem))}, bytes.NewReader(gem), int64(len(gem))); err != nil {
		t.Fatal(err)
	}
	doc := decodeDoc(v.Metadata)
	if doc.Remote || doc.Platforms["ruby"].Summary != "A demo" || v.Summary != "A demo" || len(v.Licenses) != 1 {
		t.Errorf("kept: doc %+v version %+v", doc, v)
	}
}

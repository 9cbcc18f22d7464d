package ruby

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireRuby finds the real ruby or fails (skips with
// ARTIFACTD_ALLOW_SKIP=1).
func requireRuby(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("ruby")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("ruby not found; ARTIFACTD_ALLOW_SKIP=1")
		}
		t.Fatal("ruby not found: apt-get install ruby (set ARTIFACTD_ALLOW_SKIP=1 to skip)")
	}
	return path
}

// rubyLoad has the real ruby Marshal.load the bytes and run script on
// the result (bound to v); it returns what the script prints.
func rubyLoad(t *testing.T, data []byte, script string) string {
	t.Helper()
	rb := requireRuby(t)
	f := filepath.Join(t.TempDir(), "dump")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(rb, "-rrubygems", "-e", "v = Marshal.load(File.binread(ARGV[0]))\n"+script, f).CombinedOutput()
	if err != nil {
		t.Fatalf("ruby: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestMarshalBasicsLoadInRuby(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 300)
	v := marr{mnil{}, mbool(true), mbool(false), mint(0), mint(5), mint(122), mint(123), mint(-1), mint(-124), mint(256), mint(70000), mint(-70000), mint(1 << 29),
		mstr("héllo"), mstr(long), msym("a"), msym("a"), mhash{{msym("k"), mstr("v")}, {mstr("s"), marr{}}}}
	got := rubyLoad(t, marshal(v), `p v[0..12]; p v[13].encoding.to_s, v[13]; p v[14].size; p v[15], v[16], v[17]`)
	want := `[nil, true, false, 0, 5, 122, 123, -1, -124, 256, 70000, -70000, 536870912]
"UTF-8"
"héllo"
300
:a
:a
{:k=>"v", "s"=>[]}`
	if got != want {
		t.Errorf("ruby read:\n%s\nwant:\n%s", got, want)
	}
}

func TestSpecsFileLoadsInRuby(t *testing.T) {
	t.Parallel()
	v := marr{
		marr{mstr("demo"), gemVersion("1.0.0"), mstr("ruby")},
		marr{mstr("demo"), gemVersion("1.0.0"), mstr("x86_64-linux")},
	}
	got := rubyLoad(t, marshal(v), `v.each { |n, ver, pl| puts [n, ver.class, ver.to_s, pl].join(" ") }`)
	if got != "demo Gem::Version 1.0.0 ruby\ndemo Gem::Version 1.0.0 x86_64-linux" {
		t.Errorf("ruby read %q", got)
	}
}

func TestQuickSpecLoadsInRuby(t *testing.T) {
	t.Parallel()
	spec := Spec{Name: "demo", Version: "1.2.0", Platform: "x86_64-linux", Summary: "A demo", Description: "Longer",
		Homepage: "https://example.com/demo", Email: []string{"a@example.com"}, Authors: []string{"A B"}, Licenses: []string{"MIT"},
		Metadata: map[string]string{"source_code_uri": "https://example.com/src"},
		Dependencies: []depDoc{
			{Name: "dep", Type: depRuntime, Reqs: [][2]string{{"~>", "1.0"}, {">=", "1.0.2"}}},
			{Name: "rake", Type: depDevelopment},
		},
		RequiredRuby: [][2]string{{">=", "2.7"}}, RubygemsVersion: "3.3.15", SpecVersion: 4, Date: "2024-05-06"}
	rz, err := quickSpec("demo", entry{version: "1.2.0", platform: "x86_64-linux", doc: platformDoc{Spec: spec}})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(rz))
	if err != nil {
		t.Fatal(err)
	}
	m, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	// _load puts the licenses in @license (sic), as rubygems 3.3 does.
	got := rubyLoad(t, m, `s = v
puts s.class, s.full_name, s.platform.to_s, s.summary, s.homepage, s.email, s.authors.inspect, s.instance_variable_get(:@license).inspect
puts s.date.strftime("%F"), s.required_ruby_version.to_s, s.metadata.inspect
s.dependencies.each { |d| puts [d.name, d.type, d.requirement.to_s].join("|") }
puts s.runtime_dependencies.size`)
	want := `Gem::Specification
demo-1.2.0-x86_64-linux
x86_64-linux
A demo
https://example.com/demo
a@example.com
["A B"]
["MIT"]
2024-05-06
>= 2.7
{"source_code_uri"=>"https://example.com/src"}
dep|runtime|~> 1.0, >= 1.0.2
rake|development|>= 0
1`
	if got != want {
		t.Errorf("ruby read:\n%s\nwant:\n%s", got, want)
	}
}

func TestDependencyListLoadsInRuby(t *testing.T) {
	t.Parallel()
	p := &pkgIndex{name: "demo", entriesV: []entry{{version: "1.0", platform: "ruby", doc: platformDoc{Spec: Spec{
		Dependencies: []depDoc{{Name: "dep", Type: depRuntime, Reqs: [][2]string{{">=", "1"}}}, {Name: "rake", Type: depDevelopment}}}}}}}
	got := rubyLoad(t, dependencyList([]*pkgIndex{p}), `p v`)
	if got != `[{:name=>"demo", :number=>"1.0", :platform=>"ruby", :dependencies=>[["dep", ">= 1"]]}]` {
		t.Errorf("ruby read %s", got)
	}
}

func TestReadGemBuiltByRubygems(t *testing.T) {
	t.Parallel()
	requireRuby(t)
	gemBin, err := exec.LookPath("gem")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("gem not found; ARTIFACTD_ALLOW_SKIP=1")
		}
		t.Fatal("gem not found: apt-get install ruby (set ARTIFACTD_ALLOW_SKIP=1 to skip)")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "demo.gemspec"), []byte(`Gem::Specification.new do |s|
  s.name = "demo"
  s.version = "1.0.0.pre1"
  s.summary = "A demo"
  s.authors = ["A B"]
  s.license = "MIT"
  s.files = []
  s.platform = "java"
  s.add_dependency "dep", "~> 1.0", ">= 1.0.2"
end
`), 0o644)
	cmd := exec.Command(gemBin, "build", "demo.gemspec")
	cmd.Dir, cmd.Env = dir, append(os.Environ(), "HOME="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gem build: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "demo-1.0.0.pre1-java.gem"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw, err := ReadGem(f)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseSpec(raw)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "demo" || s.Version != "1.0.0.pre1" || s.Platform != "java" || s.File() != "demo-1.0.0.pre1-java.gem" || !Prerelease(s.Version) {
		t.Errorf("spec = %+v", s)
	}
	if len(s.Dependencies) != 1 || requirement(s.Dependencies[0].Reqs, "&") != "~> 1.0&>= 1.0.2" || len(s.Licenses) != 1 {
		t.Errorf("deps %+v licenses %v", s.Dependencies, s.Licenses)
	}
}

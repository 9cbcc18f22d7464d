package ruby

import (
	"archive/tar"
	"bytes"
	"net/url"
	"strings"
	"testing"
)

// Fuzz targets for what gem clients (and upstream indexes) send: .gem
// archives, gemspec YAML, full names (download paths), compact index
// info files. Seeds run with every `go test`; scripts/fuzz fuzzes them.

// fuzzMaxInput bounds a fuzzed input; gzip inflates at most ~1000x and
// the parsers bound what they inflate.
const fuzzMaxInput = 64 << 10

const seedSpec = `--- !ruby/object:Gem::Specification
name: demo
version: !ruby/object:Gem::Version
  version: 1.0.0
platform: ruby
authors:
- A
date: 2024-01-01 00:00:00.000000000 Z
dependencies:
- !ruby/object:Gem::Dependency
  name: dep
  requirement: !ruby/object:Gem::Requirement
    requirements:
    - - "~>"
      - !ruby/object:Gem::Version
        version: '1.0'
  type: :runtime
  prerelease: false
licenses:
- MIT
metadata: {}
required_ruby_version: !ruby/object:Gem::Requirement
  requirements:
  - - ">="
    - !ruby/object:Gem::Version
      version: '0'
rubygems_version: 3.3.15
specification_version: 4
summary: A demo
`

func gzipped(s string) []byte {
	b, _ := gzipBytes([]byte(s))
	return b
}

// tarOf builds a tar of (name, body) pairs.
func tarOf(entries ...[2]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		tw.WriteHeader(&tar.Header{Name: e[0], Mode: 0o444, Size: int64(len(e[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(e[1]))
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzReadGem reads arbitrary archives as .gem files. An accepted one
// yields a gemspec within the bound; nothing panics or reads unbounded.
func FuzzReadGem(f *testing.F) {
	f.Add(tarOf([2]string{"metadata.gz", string(gzipped(seedSpec))}, [2]string{"data.tar.gz", string(gzipped(""))}))
	f.Add(tarOf([2]string{"../metadata.gz", "x"}))
	f.Add(tarOf([2]string{"metadata.gz", "not gzip"}, [2]string{"data.tar.gz", ""}))
	f.Add(tarOf([2]string{"metadata.gz", string(gzipped(seedSpec))}, [2]string{"data.tar.gz", ""},
		[2]string{"checksums.yaml.gz", string(gzipped("---\nSHA256:\n  data.tar.gz: 00\n"))}))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			return
		}
		spec, err := ReadGem(bytes.NewReader(b))
		if err == nil {
			if len(spec) > MaxSpecBytes {
				t.Fatalf("gemspec of %d bytes accepted", len(spec))
			}
			ParseSpec(spec)
		}
	})
}

// FuzzParseSpec reads arbitrary YAML as a gemspec. An accepted spec has
// a valid name, version and platform, so its file name is a safe path
// element, and its quick gemspec renders.
func FuzzParseSpec(f *testing.F) {
	f.Add([]byte(seedSpec))
	f.Add([]byte(strings.Replace(seedSpec, "name: demo", "name: ../x", 1)))
	f.Add([]byte(strings.Replace(seedSpec, "platform: ruby", "platform: x86_64-linux", 1)))
	f.Add([]byte("a: &a [*a, *a]\n"))
	f.Add([]byte("--- !ruby/object:Gem::Specification\nname: x\nversion: 1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			return
		}
		s, err := ParseSpec(b)
		if err != nil {
			return
		}
		file := s.File()
		if strings.ContainsAny(file, "/\\\x00") || strings.HasPrefix(file, ".") || url.PathEscape(file) != file {
			t.Fatalf("unsafe file name %q from an accepted spec", file)
		}
		if _, err := quickSpec(s.Name, entry{version: s.Version, platform: s.Platform, doc: platformDoc{Spec: s}}); err != nil {
			t.Fatal(err)
		}
		for _, fn := range ParseFullName(strings.TrimSuffix(file, ".gem")) {
			if fn.name == s.Name && fn.version == s.Version && fn.platform == s.Platform {
				return
			}
		}
		t.Fatalf("%s does not parse back to %s %s %s", file, s.Name, s.Version, s.Platform)
	})
}

// FuzzParseFullName splits download names. Every reading it returns is
// valid, and renders back to the name it came from.
func FuzzParseFullName(f *testing.F) {
	for _, s := range []string{"demo-1.0.0", "demo-1.0.0-x86_64-linux", "a-b-1-2.0", "../x-1.0", "x-1.0-a-b-c-d", "-1.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 4<<10 {
			return
		}
		for _, fn := range ParseFullName(s) {
			if !ValidName(fn.name) || !ValidVersion(fn.version) || !ValidPlatform(fn.platform) {
				t.Fatalf("invalid reading %+v of %q", fn, s)
			}
			if FullName(fn.name, fn.version, fn.platform) != s && fn.platform != "ruby" {
				t.Fatalf("reading %+v of %q renders otherwise", fn, s)
			}
		}
	})
}

// FuzzParseInfo reads arbitrary info files as an external connection
// serves them; every version listed is valid with a sha256 per file.
func FuzzParseInfo(f *testing.F) {
	f.Add([]byte("---\n1.0.0 dep:~> 1.0&>= 1.0.2|checksum:" + strings.Repeat("a", 64) + ",ruby:>= 2.7\n1.0.0-java |checksum:" + strings.Repeat("b", 64) + "\n"))
	f.Add([]byte("1.0 bad dep|checksum:zz\n"))
	f.Add([]byte("../1.0 |checksum:" + strings.Repeat("c", 64) + "\n"))
	base, _ := url.Parse("http://127.0.0.1/info/demo")
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > fuzzMaxInput {
			return
		}
		p, err := Remote{}.ParseMetadata(b, "text/plain", base, "", "demo")
		if err != nil {
			return
		}
		for _, rv := range p.Versions {
			if !ValidVersion(rv.Version) {
				t.Fatalf("invalid version %q listed", rv.Version)
			}
			for name, file := range rv.Files {
				if !isHex(file.SHA256, 64) || file.URL.Host != "127.0.0.1" || !strings.HasPrefix(file.URL.Path, "/gems/demo-") {
					t.Fatalf("file %s: %+v", name, file)
				}
			}
		}
	})
}

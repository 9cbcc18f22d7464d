package seed

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
)

// write makes a seed file and the asset files it names in a new folder.
func write(t *testing.T, name, body string, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("content of "+f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadYAML(t *testing.T) {
	p := write(t, "seed.yaml", `
region: eu-west-1
domains:
  - name: acme
    encryptionKey: arn:aws:kms:eu-west-1:000000000000:key/1234
    tags: {team: platform, cost: "42"}
    repositories:
      - name: store
        externalConnection: public:npmjs
      - name: main
        description: ours
        upstreams: [store]
        packages:
          - namespace: tools
            name: hello
            versions:
              - version: 1.10
                assets:
                  - file: files/a.txt
                  - file: files/b.bin
                    name: b
              - version: "2.0"
                status: archived
                assets: [{file: files/a.txt}]
`, "files/a.txt", "files/b.bin")
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Region != "eu-west-1" || len(s.Domains) != 1 {
		t.Fatalf("seed = %+v", s)
	}
	d := s.Domains[0]
	if d.Name != "acme" || d.EncryptionKey != "arn:aws:kms:eu-west-1:000000000000:key/1234" ||
		len(d.Tags) != 2 || d.Tags[0] != (domain.Tag{Key: "team", Value: "platform"}) || d.Tags[1].Value != "42" {
		t.Errorf("domain = %+v", d)
	}
	if len(d.Repositories) != 2 || d.Repositories[0].ExternalConnection != "public:npmjs" ||
		d.Repositories[1].Upstreams[0] != "store" || d.Repositories[1].Description != "ours" {
		t.Fatalf("repositories = %+v", d.Repositories)
	}
	pk := d.Repositories[1].Packages[0]
	if pk.Format != domain.FormatGeneric || pk.Namespace != "tools" || pk.Name != "hello" || len(pk.Versions) != 2 {
		t.Fatalf("package = %+v", pk)
	}
	v := pk.Versions[0]
	// A version is the text written, not a number: 1.10 is not 1.1.
	if v.Version != "1.10" || v.Status != domain.StatusPublished || len(v.Assets) != 2 {
		t.Errorf("version = %+v", v)
	}
	// Files are found next to the seed, whatever the working directory.
	if v.Assets[0].Name != "a.txt" || v.Assets[0].Path != filepath.Join(filepath.Dir(p), "files/a.txt") || v.Assets[1].Name != "b" {
		t.Errorf("assets = %+v", v.Assets)
	}
	if pk.Versions[1].Status != domain.StatusArchived {
		t.Errorf("status archived = %q", pk.Versions[1].Status)
	}
}

func TestLoadJSON(t *testing.T) {
	p := write(t, "seed.json", `{
	"domains": [{"name": "acme", "repositories": [{"name": "main", "packages": [
		{"format": "generic", "namespace": "ns", "name": "p", "versions": [
			{"version": "1.0.0", "status": "Unlisted", "assets": [{"file": "a.txt"}]}]}]}]}]
}`, "a.txt")
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Domains[0].Repositories[0].Packages[0].Versions[0]; v.Version != "1.0.0" || v.Status != domain.StatusUnlisted {
		t.Errorf("version = %+v", v)
	}
	// JSON's own syntax is checked as JSON, with the line of the fault.
	p = write(t, "seed.json", "{\n  \"domains\": [],\n}\n")
	_, err = Load(p)
	var se *Error
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(err.Error(), "seed.json:3") {
		t.Errorf("trailing comma: %v", err)
	}
}

// A bad seed names the file, the line, the element and the problem.
func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		files      []string
		want       []string
	}{
		{"unknown field", "domains:\n  - name: acme\n    repos: []\n", nil,
			[]string{":3: domains[0].repos: unknown field (known here: encryptionKey, name, region, repositories, tags)"}},
		{"missing name", "domains:\n  - repositories: []\n", nil, []string{":2: domains[0]: name is required"}},
		{"missing file", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - namespace: n\n      name: p\n      versions:\n      - version: '1'\n        assets:\n        - file: nope.txt\n", nil,
			[]string{":11: domains[0].repositories[0].packages[0].versions[0].assets[0].file: ", "nope.txt", "no such file"}},
		{"status", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - namespace: n\n      name: p\n      versions:\n      - version: '1'\n        status: Gone\n        assets: [{file: a}]\n", []string{"a"},
			[]string{":10: domains[0].repositories[0].packages[0].versions[0].status: unknown status \"Gone\""}},
		{"format", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - format: pypi\n      name: p\n", nil,
			[]string{"packages[0].format: format \"pypi\": only generic, npm and maven packages can be seeded"}},
		{"groupId", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - format: maven\n      name: p\n", nil,
			[]string{":6: domains[0].repositories[0].packages[0]: namespace (the groupId) is required"}},
		{"npm tarball", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - format: npm\n      name: p\n      versions:\n      - version: 1.0.0\n        assets: [{file: a}]\n", []string{"a"},
			[]string{":9: domains[0].repositories[0].packages[0].versions[0].assets: an npm version is one tarball"}},
		{"upstream order", "domains:\n- name: acme\n  repositories:\n  - name: main\n    upstreams: [store]\n  - name: store\n", nil,
			[]string{":4: domains[0].repositories[0].upstreams: upstream \"store\" is listed at or after"}},
		{"not a list", "domains: acme\n", nil, []string{":1: domains: want a list"}},
		{"no assets", "domains:\n- name: acme\n  repositories:\n  - name: main\n    packages:\n    - namespace: n\n      name: p\n      versions:\n      - version: '1'\n", nil,
			[]string{"versions[0].assets: a version needs at least one asset"}},
		{"empty", "", nil, []string{"the file is empty"}},
		{"syntax", "domains: [\n", nil, []string{"seed ", "yaml:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "seed.yaml", tc.body, tc.files...)
			_, err := Load(p)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range append(tc.want, p) {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing seed file: %v", err)
	}
}

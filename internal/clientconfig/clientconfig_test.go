package clientconfig

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetTOMLTable(t *testing.T) {
	keys := []string{"index", "credential-provider"}
	vals := map[string]string{"index": "sparse+http://h/cargo/r/", "credential-provider": "cargo:token"}
	cases := []struct{ name, in, want string }{
		{"empty file", "", "[registries.d-r]\nindex = \"sparse+http://h/cargo/r/\"\ncredential-provider = \"cargo:token\"\n"},
		{"other tables kept", "# mine\n[net]\nretry = 2\n",
			"# mine\n[net]\nretry = 2\n\n[registries.d-r]\nindex = \"sparse+http://h/cargo/r/\"\ncredential-provider = \"cargo:token\"\n"},
		{"keys replaced in place, others kept",
			"[registries.d-r]\nindex = \"sparse+http://old/\" # old\nprotocol = \"sparse\"\n[net]\nretry = 2\n",
			"[registries.d-r]\ncredential-provider = \"cargo:token\"\nindex = \"sparse+http://h/cargo/r/\"\nprotocol = \"sparse\"\n[net]\nretry = 2\n"},
		{"quoted header found", "[registries.\"d-r\"]\n\"index\" = \"x\"\n",
			"[registries.\"d-r\"]\ncredential-provider = \"cargo:token\"\nindex = \"sparse+http://h/cargo/r/\"\n"},
		{"array tables are not the table", "[[registries.d-r]]\n",
			"[[registries.d-r]]\n\n[registries.d-r]\nindex = \"sparse+http://h/cargo/r/\"\ncredential-provider = \"cargo:token\"\n"},
	}
	for _, c := range cases {
		if got := setTOMLTable(c.in, "registries.d-r", keys, vals); got != c.want {
			t.Errorf("%s:\ngot\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

func TestRegistryName(t *testing.T) {
	if got := RegistryName("my-domain", "repo.v2_x"); got != "my-domain-repo_v2_x" || ValidRegistryName(got) != nil {
		t.Errorf("RegistryName = %q (%v)", got, ValidRegistryName(got))
	}
	for _, bad := range []string{"", "a.b", "a b", "ü", strings.Repeat("a", 65)} {
		if ValidRegistryName(bad) == nil {
			t.Errorf("ValidRegistryName(%q) = nil", bad)
		}
	}
}

func TestCargoFilesKeepWhatIsThere(t *testing.T) {
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "config.toml"), []byte("[net]\nretry = 0\n"), 0o644)
	os.WriteFile(filepath.Join(home, "credentials.toml"), []byte("[registries.other]\ntoken = \"Bearer old\"\n"), 0o644)
	c := Cargo{Home: home, Registry: "d-r", Endpoint: "http://127.0.0.1:9/cargo/d/d-111111111111/r/", Token: "secret-token"}
	files, err := c.Files()
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(files); err != nil {
		t.Fatal(err)
	}
	config, _ := os.ReadFile(filepath.Join(home, "config.toml"))
	creds, _ := os.ReadFile(filepath.Join(home, "credentials.toml"))
	if !strings.Contains(string(config), "retry = 0") || !strings.Contains(string(config), `index = "sparse+http://127.0.0.1:9/cargo/d/d-111111111111/r/"`) {
		t.Errorf("config.toml =\n%s", config)
	}
	if !strings.Contains(string(creds), "[registries.other]") || !strings.Contains(string(creds), "[registries.d-r]\ntoken = \"Bearer secret-token\"") {
		t.Errorf("credentials.toml =\n%s", creds)
	}
	st, _ := os.Stat(filepath.Join(home, "credentials.toml"))
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials.toml mode %v, want 0600 (it holds a token)", st.Mode().Perm())
	}
	if r := files[1].Redacted(); strings.Contains(r, "secret-token") {
		t.Errorf("Redacted shows the token: %s", r)
	}
	// A second login replaces the token instead of adding a table.
	c.Token = "newer"
	files, _ = c.Files()
	Write(files)
	creds, _ = os.ReadFile(filepath.Join(home, "credentials.toml"))
	if strings.Count(string(creds), "[registries.d-r]") != 1 || !strings.Contains(string(creds), "Bearer newer") {
		t.Errorf("after a second login credentials.toml =\n%s", creds)
	}
}

// TestGemFilesReadByRuby checks with the real Ruby that RubyGems reads
// what login writes: the API key under the push host, the source first.
func TestGemFilesReadByRuby(t *testing.T) {
	ruby, err := exec.LookPath("ruby")
	if err != nil {
		if os.Getenv("ARTIFACTD_ALLOW_SKIP") == "1" {
			t.Skip("ruby not found; ARTIFACTD_ALLOW_SKIP=1")
		}
		t.Fatal("ruby not found (apt-get install ruby; ARTIFACTD_ALLOW_SKIP=1 to skip)")
	}
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".gemrc"), []byte("---\n:backtrace: true\n:sources:\n- http://mirror.invalid/\n- http://aws:old@127.0.0.1:9/ruby/d/d-111111111111/r/\n# kept\n"), 0o644)
	g := Gem{Home: home, Endpoint: "http://127.0.0.1:9/ruby/d/d-111111111111/r/", Token: "tok/with+chars"}
	files, err := g.Files()
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(files); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(ruby, "-e", `p Gem.configuration.api_keys["http://127.0.0.1:9/ruby/d/d-111111111111/r"]; p Gem.sources.to_a.map(&:to_s); p Gem.configuration.backtrace`)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ruby: %v\n%s", err, out)
	}
	want := "\"Bearer tok/with+chars\"\n[\"http://aws:tok%2Fwith+chars@127.0.0.1:9/ruby/d/d-111111111111/r/\", \"http://mirror.invalid/\"]\ntrue\n"
	if string(out) != want {
		t.Errorf("ruby read:\n%s\nwant\n%s", out, want)
	}
}

package conformance

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifactd/artifactd/test/harness"
)

// artifactdLogin runs `artifactd login ARGS` as a user would: the AWS
// credentials in the environment (the server's administrator), nothing
// else of the caller's AWS or client configuration, and env (HOME...).
func artifactdLogin(t *testing.T, s *harness.Server, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(harness.Binary(t), append([]string{"login", "--endpoint-url", s.URL, "--region", s.Region}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "CARGO_") || strings.HasPrefix(k, "BUNDLE_") || k == "HOME" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	none := filepath.Join(t.TempDir(), "none")
	cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+s.AccessKey, "AWS_SECRET_ACCESS_KEY="+s.SecretKey,
		"AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "AWS_EC2_METADATA_DISABLED=true")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("artifactd login %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestLoginCargo: after `artifactd login --tool cargo` in an empty
// CARGO_HOME, and the replace-with lines the README and login's output
// name, the real cargo publishes a crate and builds a binary using it; the
// token is not on the screen.
func TestLoginCargo(t *testing.T) {
	t.Parallel()
	p := newCargoRepo(t)
	home := t.TempDir()
	cargoHome := filepath.Join(home, "cargo")
	out := artifactdLogin(t, p.s, []string{"HOME=" + home, "CARGO_HOME=" + cargoHome},
		"--tool", "cargo", "--domain", p.domain, "--repository", p.repo)
	if !strings.Contains(out, "Successfully configured cargo") || !strings.Contains(out, "--registry acme-crates") {
		t.Errorf("login said:\n%s", out)
	}
	if strings.Contains(out, p.token[:20]) {
		t.Errorf("login printed the token:\n%s", out)
	}
	f, err := os.OpenFile(filepath.Join(cargoHome, "config.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("\n[source.crates-io]\nreplace-with = \"acme-crates\"\n\n[net]\nretry = 0\n")
	f.Close()

	src := filepath.Join(p.work, "login-src")
	dir := cargoBase("1.0.0", "41").write(t, src)
	if out, code := p.cargo(t, cargoHome, dir, "", "publish", "--registry", "acme-crates", "--no-verify", "--allow-dirty"); code != 0 {
		t.Fatalf("cargo publish with login's configuration: exit %d\n%s", code, out)
	}
	app := cargoCrate{Name: "login-app", Version: "0.1.0", Manifest: "publish = false\n\n[dependencies]\ncargo_base = \"1\"\n",
		Files: map[string]string{"src/main.rs": "fn main() { println!(\"{}\", cargo_base::value()); }\n"}}
	appDir := app.write(t, src)
	if out, code := p.cargo(t, cargoHome, appDir, "", "build", "--quiet"); code != 0 {
		t.Fatalf("cargo build with login's configuration: exit %d\n%s", code, out)
	}
	run, err := exec.Command(filepath.Join(appDir, "target", "debug", "login-app")).CombinedOutput()
	if err != nil || strings.TrimSpace(string(run)) != "41" {
		t.Errorf("login-app printed %q, %v; want 41", run, err)
	}
}

// TestLoginGemAndBundler: after `artifactd login --tool gem` the real
// gem pushes with --host and no --key, and installs from ~/.gemrc's
// source; after `--tool bundler`, bundle install resolves from a Gemfile
// naming the endpoint alone.
func TestLoginGemAndBundler(t *testing.T) {
	t.Parallel()
	s := harness.Start(t)
	g := newRubyRepo(t, s, "gems")
	env := []string{"HOME=" + g.home}
	out := artifactdLogin(t, s, env, "--tool", "gem", "--domain", g.domain, "--repository", g.repo)
	if !strings.Contains(out, "Successfully configured gem") {
		t.Errorf("login said:\n%s", out)
	}
	gem := rbGem{Name: "login-gem", Version: "1.2.0", Summary: "Pushed after artifactd login"}.build(t, g)
	pushed, err := g.run(t, filepath.Dir(gem), g.env(), "gem", "push", "--host", strings.TrimSuffix(g.endpoint, "/"), gem)
	if err != nil || !strings.Contains(pushed, "Successfully registered gem") {
		t.Fatalf("gem push --host with login's credentials: %v\n%s", err, pushed)
	}
	installDir := t.TempDir()
	if out, err := g.run(t, installDir, g.env(), "gem", "install", "login-gem", "--install-dir", installDir, "--no-document"); err != nil {
		t.Fatalf("gem install from login's ~/.gemrc source: %v\n%s", err, out)
	}
	if got := rbInstalled(t, installDir); len(got) != 1 || got[0] != "login-gem-1.2.0" {
		t.Errorf("installed %v, want login-gem-1.2.0", got)
	}

	out = artifactdLogin(t, s, append(env, "PATH="+os.Getenv("PATH")), "--tool", "bundler", "--domain", g.domain, "--repository", g.repo)
	if !strings.Contains(out, "Successfully configured bundler") || strings.Contains(out, g.token[:20]) {
		t.Errorf("login said:\n%s", out)
	}
	app := t.TempDir()
	gemfile := "source \"" + g.endpoint + "\"\ngem \"login-gem\", \"~> 1.2\"\n"
	if err := os.WriteFile(filepath.Join(app, "Gemfile"), []byte(gemfile), 0o644); err != nil {
		t.Fatal(err)
	}
	benv := g.env("BUNDLE_PATH="+filepath.Join(app, "vendor"), "BUNDLE_USER_HOME="+filepath.Join(g.home, ".bundle"))
	if out, err := g.run(t, app, benv, "bundle", "install"); err != nil || !strings.Contains(out, "login-gem 1.2.0") {
		t.Fatalf("bundle install with login's credentials: %v\n%s", err, out)
	}
}

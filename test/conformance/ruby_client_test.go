package conformance

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestRubyGemAndBundler pushes gems with the real gem (one depending on
// the other, and a platform gem), installs with gem (legacy index) and
// bundler (compact index), yanks, and checks the control plane.
func TestRubyGemAndBundler(t *testing.T) {
	t.Parallel()
	g := newRubyRepo(t, harness.Start(t), "gems")
	ctx := context.Background()
	base10 := rbGem{Name: "rb-base", Version: "1.0.0", Summary: "Base", License: "MIT"}.build(t, g)
	base11 := rbGem{Name: "rb-base", Version: "1.1.0", Summary: "Base", License: "MIT"}.build(t, g)
	app := rbGem{Name: "rb-app", Version: "2.0.0", Summary: "The app", Homepage: "https://example.com/app", License: "Apache-2.0",
		Deps: []string{`"rb-base", "~> 1.0"`}, DevDeps: []string{`"rake", ">= 10"`}}
	appRuby := app.build(t, g)
	app.Platform, app.Body = "x86_64-linux", "module RbApp\n  NATIVE = true\nend\n"
	appLinux := app.build(t, g)
	g.mustPush(t, base10, base11, appRuby, appLinux)

	t.Run("control plane", func(t *testing.T) {
		if got := g.versions(t, "rb-base"); len(got) != 2 || got["1.0.0"] != types.PackageVersionStatusPublished || got["1.1.0"] != types.PackageVersionStatusPublished {
			t.Errorf("rb-base versions = %v", got)
		}
		in := func() (*string, *string, *string, *string) {
			return aws.String(g.domain), aws.String(g.repo), aws.String("rb-app"), aws.String("2.0.0")
		}
		d, r, p, v := in()
		la, err := g.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: d, Repository: r, Format: types.PackageFormatRuby, Package: p, PackageVersion: v})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range la.Assets {
			names = append(names, aws.ToString(a.Name))
		}
		sort.Strings(names)
		if strings.Join(names, " ") != "rb-app-2.0.0-x86_64-linux.gem rb-app-2.0.0.gem" {
			t.Errorf("assets = %v, want both platforms' files in one version", names)
		}
		dv, err := g.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: d, Repository: r, Format: types.PackageFormatRuby, Package: p, PackageVersion: v})
		if err != nil {
			t.Fatal(err)
		}
		pv := dv.PackageVersion
		if aws.ToString(pv.Summary) != "The app" || aws.ToString(pv.HomePage) != "https://example.com/app" ||
			aws.ToString(pv.SourceCodeRepository) != "https://example.com/app/src" || len(pv.Licenses) != 1 || aws.ToString(pv.Licenses[0].Name) != "Apache-2.0" {
			t.Errorf("version = summary %q home %q source %q licenses %+v", aws.ToString(pv.Summary), aws.ToString(pv.HomePage), aws.ToString(pv.SourceCodeRepository), pv.Licenses)
		}
		ld, err := g.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: d, Repository: r, Format: types.PackageFormatRuby, Package: p, PackageVersion: v})
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, dep := range ld.Dependencies {
			deps = append(deps, aws.ToString(dep.Package)+"|"+aws.ToString(dep.DependencyType)+"|"+aws.ToString(dep.VersionRequirement))
		}
		sort.Strings(deps)
		if strings.Join(deps, " ") != "rake|development|>= 10 rb-base|runtime|~> 1.0" {
			t.Errorf("dependencies = %v", deps)
		}
	})

	t.Run("aws CLI", func(t *testing.T) {
		out, stderr, code := g.s.AWS(t, g.s.Credentials(), "", "codeartifact", "list-package-versions", "--domain", g.domain,
			"--repository", g.repo, "--format", "ruby", "--package", "rb-base", "--query", "versions[].version", "--output", "text")
		if code != 0 || strings.Fields(out) == nil || !slices.Contains(strings.Fields(out), "1.0.0") || !slices.Contains(strings.Fields(out), "1.1.0") {
			t.Errorf("aws codeartifact list-package-versions --format ruby: %d %q %s", code, out, stderr)
		}
	})

	t.Run("repush refused", func(t *testing.T) {
		out, err := g.push(t, base10)
		if err == nil || !strings.Contains(out, "Repushing of gem versions is not allowed") {
			t.Errorf("second push of rb-base 1.0.0: err %v\n%s", err, out)
		}
	})

	t.Run("gem install through the legacy index", func(t *testing.T) {
		// As the README has it: the source, with the token, in ~/.gemrc.
		if err := os.WriteFile(filepath.Join(g.home, ".gemrc"), []byte(":sources:\n- "+g.source()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(filepath.Join(g.home, ".gemrc"))
		dir := t.TempDir()
		out, err := g.run(t, dir, g.env(), "gem", "install", "--install-dir", dir, "--no-document", "rb-app")
		if err != nil {
			t.Fatalf("gem install: %v\n%s", err, out)
		}
		got := rbInstalled(t, dir)
		if !slices.Equal(got, []string{"rb-app-2.0.0-x86_64-linux", "rb-base-1.1.0"}) {
			t.Errorf("installed %v, want the platform gem and the newest rb-base\n%s", got, out)
		}
		// gem read the legacy index: its spec cache holds specs.4.8.
		found := false
		filepath.WalkDir(filepath.Join(g.home, "spec-cache"), func(p string, d os.DirEntry, err error) error {
			found = found || (err == nil && d.Name() == "specs.4.8")
			return nil
		})
		if !found {
			t.Errorf("gem install did not read specs.4.8.gz")
		}
	})

	t.Run("bundle install through the compact index", func(t *testing.T) {
		rbRequireTool(t, "bundle")
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "Gemfile"), []byte("source \""+g.endpoint+"\"\ngem \"rb-app\", \"2.0.0\"\ngem \"rb-base\", \"~> 1.0\"\n"), 0o644)
		env := g.env("BUNDLE_PATH="+filepath.Join(dir, "vendor"), "BUNDLE_APP_CONFIG="+filepath.Join(dir, ".bundle"))
		if out, err := g.run(t, dir, env, "bundle", "config", "set", "--global", g.endpoint, "aws:"+g.token); err != nil {
			t.Fatalf("bundle config: %v\n%s", err, out)
		}
		out, err := g.run(t, dir, env, "bundle", "install")
		if err != nil {
			t.Fatalf("bundle install: %v\n%s", err, out)
		}
		lock, _ := os.ReadFile(filepath.Join(dir, "Gemfile.lock"))
		if !strings.Contains(string(lock), "rb-base (1.1.0)") || !strings.Contains(string(lock), "rb-app (2.0.0") {
			t.Errorf("Gemfile.lock:\n%s\n%s", lock, out)
		}
		// bundler kept the compact index's versions file.
		matches, _ := filepath.Glob(filepath.Join(g.home, ".bundle", "cache", "compact_index", "*", "versions"))
		if len(matches) == 0 {
			t.Errorf("bundler did not read the compact index\n%s", out)
		}
		out, err = g.run(t, dir, env, "bundle", "exec", "ruby", "-e", `require "rb-base"; print RbBase::VERSION`)
		if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "1.1.0") {
			t.Errorf("bundle exec: %v\n%s", err, out)
		}
	})

	t.Run("yank", func(t *testing.T) {
		out, err := g.run(t, g.home, g.env("RUBYGEMS_HOST="+strings.TrimSuffix(g.endpoint, "/")), "gem", "yank", "rb-base", "-v", "1.1.0", "--key", "codeartifact_api_key")
		if err != nil || !strings.Contains(out, "Successfully deleted gem: rb-base (1.1.0)") {
			t.Fatalf("gem yank: %v\n%s", err, out)
		}
		if got := g.versions(t, "rb-base"); got["1.1.0"] != types.PackageVersionStatusUnlisted {
			t.Errorf("after yank: %v", got)
		}
		dir, out, err := g.gemInstall(t, "rb-app")
		if err != nil {
			t.Fatalf("gem install after yank: %v\n%s", err, out)
		}
		if got := rbInstalled(t, dir); !slices.Contains(got, "rb-base-1.0.0") || slices.Contains(got, "rb-base-1.1.0") {
			t.Errorf("installed %v after the yank of rb-base 1.1.0", got)
		}
		_, info := g.get(t, "info/rb-base")
		if strings.Contains(string(info), "1.1.0") || !strings.Contains(string(info), "1.0.0 |checksum:") {
			t.Errorf("info/rb-base after yank:\n%s", info)
		}
	})

	t.Run("token required", func(t *testing.T) {
		resp, err := http.Get(g.endpoint + "specs.4.8.gz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET without a token: %d, want 401", resp.StatusCode)
		}
		other := *g
		other.token = "not-a-token"
		out, err := other.push(t, base10)
		if err == nil || strings.Contains(out, "Successfully") {
			t.Errorf("push with a bad key: %v\n%s", err, out)
		}
	})
}

package conformance

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// cargoBase and cargoTop are the crates the client test publishes:
// cargo-top depends on cargo_base (published under that spelling, stored
// as cargo-base).
func cargoBase(version, value string) cargoCrate {
	return cargoCrate{Name: "cargo_base", Version: version,
		Manifest: `description = "The base crate"
license = "MIT OR Apache-2.0"
homepage = "https://example.com/base"
repository = "https://example.com/base.git"
readme = "README.md"
`,
		Files: map[string]string{
			"src/lib.rs": "pub fn value() -> u32 { " + value + " }\n",
			"README.md":  "# cargo_base\n\nThe base crate's readme.\n",
		}}
}

var cargoTop = cargoCrate{Name: "cargo-top", Version: "0.1.0",
	Manifest: `description = "The top crate"
license = "MIT"

[dependencies]
cargo_base = { version = "1", registry = "art" }

[dev-dependencies]
cargo_base = { version = "1.0", registry = "art" }

[features]
default = []
loud = []
`,
	Files: map[string]string{"src/lib.rs": "pub fn show() -> String { format!(\"top {}\", cargo_base::value()) }\n"}}

// cargoApp is a binary that uses cargo-top from "crates-io", which the
// CARGO_HOME replaces with artifactd.
var cargoApp = cargoCrate{Name: "cargo-app", Version: "0.0.1",
	Manifest: "publish = false\n\n[dependencies]\ncargo-top = \"0.1\"\n",
	Files:    map[string]string{"src/main.rs": "fn main() { println!(\"{}\", cargo_top::show()); }\n"}}

// TestCargoPublishBuildYank: the real cargo publishes two crates, one
// depending on the other, builds a binary using them from an empty
// CARGO_HOME, and after a yank a fresh resolution avoids the yanked
// version; the control plane (SDK and aws CLI) shows what was published.
func TestCargoPublishBuildYank(t *testing.T) {
	t.Parallel()
	p := newCargoRepo(t)
	ctx := t.Context()
	src := filepath.Join(p.work, "src")
	pubHome := p.cargoHome(t, "publisher")
	bearer := "Bearer " + p.token
	publish := func(c cargoCrate) {
		t.Helper()
		dir := c.write(t, src)
		if out, code := p.cargo(t, pubHome, dir, bearer, "publish", "--registry", "art", "--no-verify", "--allow-dirty"); code != 0 {
			t.Fatalf("cargo publish %s %s: exit %d\n%s", c.Name, c.Version, code, out)
		}
	}
	publish(cargoBase("1.0.0", "1"))
	publish(cargoBase("1.1.0", "2"))
	publish(cargoTop)

	// Republishing a version: cargo refuses, the server too.
	dir := cargoBase("1.1.0", "3").write(t, filepath.Join(p.work, "again"))
	if out, code := p.cargo(t, pubHome, dir, bearer, "publish", "--registry", "art", "--no-verify", "--allow-dirty"); code == 0 || !strings.Contains(out, "already") {
		t.Errorf("republishing cargo_base 1.1.0: exit %d\n%s", code, out)
	} else {
		t.Logf("cargo on a republish:\n%s", out)
	}

	build := func(name string) string {
		t.Helper()
		home := p.cargoHome(t, name) // empty: nothing cached
		dir := cargoApp.write(t, filepath.Join(p.work, name))
		out, code := p.cargo(t, home, dir, bearer, "build", "--quiet")
		if code != 0 {
			t.Fatalf("cargo build (%s): exit %d\n%s", name, code, out)
		}
		run, err := exec.Command(filepath.Join(dir, "target", "debug", "cargo-app")).CombinedOutput()
		if err != nil {
			t.Fatalf("running cargo-app: %v\n%s", err, run)
		}
		return strings.TrimSpace(string(run))
	}
	if got := build("build1"); got != "top 2" {
		t.Errorf("cargo-app printed %q, want top 2 (cargo_base 1.1.0)", got)
	}
	// cargo's cache revalidates: a second resolution with the same
	// CARGO_HOME gets 304s for the index files.
	if out, code := p.cargo(t, p.cargoHome(t, "build1"), filepath.Join(p.work, "build1", "cargo-app-0.0.1"), bearer, "update"); code != 0 {
		t.Fatalf("cargo update: exit %d\n%s", code, out)
	}
	if !strings.Contains(p.s.Logs(), "/ca/rg/cargo_base status=304") {
		t.Errorf("no 304 for the index file of cargo_base in the access log")
	}

	t.Run("control plane", func(t *testing.T) {
		lv, err := p.c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String(p.domain),
			Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-base")})
		if err != nil {
			t.Fatal(err)
		}
		var vs []string
		for _, v := range lv.Versions {
			vs = append(vs, aws.ToString(v.Version)+" "+string(v.Status))
		}
		if !slices.Equal(vs, []string{"1.1.0 Published", "1.0.0 Published"}) {
			t.Errorf("versions of cargo-base: %v", vs)
		}
		dv, err := p.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String(p.domain),
			Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-base"), PackageVersion: aws.String("1.0.0")})
		if err != nil {
			t.Fatal(err)
		}
		v := dv.PackageVersion
		if aws.ToString(v.DisplayName) != "cargo_base" || aws.ToString(v.Summary) != "The base crate" ||
			aws.ToString(v.HomePage) != "https://example.com/base" || aws.ToString(v.SourceCodeRepository) != "https://example.com/base.git" {
			t.Errorf("version: display %q summary %q home %q source %q", aws.ToString(v.DisplayName), aws.ToString(v.Summary),
				aws.ToString(v.HomePage), aws.ToString(v.SourceCodeRepository))
		}
		if len(v.Licenses) != 1 || aws.ToString(v.Licenses[0].Name) != "MIT OR Apache-2.0" {
			t.Errorf("licenses: %+v", v.Licenses)
		}
		rd, err := p.c.GetPackageVersionReadme(ctx, &codeartifact.GetPackageVersionReadmeInput{Domain: aws.String(p.domain),
			Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-base"), PackageVersion: aws.String("1.0.0")})
		if err != nil || !strings.Contains(aws.ToString(rd.Readme), "The base crate's readme.") {
			t.Errorf("readme: %v %q", err, aws.ToString(rd.Readme))
		}
		ld, err := p.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: aws.String(p.domain),
			Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-top"), PackageVersion: aws.String("0.1.0")})
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, d := range ld.Dependencies {
			deps = append(deps, aws.ToString(d.Package)+"|"+aws.ToString(d.DependencyType)+"|"+aws.ToString(d.VersionRequirement))
		}
		sort.Strings(deps)
		if want := []string{"cargo-base|dev|^1.0", "cargo-base|normal|^1"}; !slices.Equal(deps, want) {
			t.Errorf("dependencies %v, want %v", deps, want)
		}
		la, err := p.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String(p.domain),
			Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-top"), PackageVersion: aws.String("0.1.0")})
		if err != nil || len(la.Assets) != 1 || aws.ToString(la.Assets[0].Name) != "cargo-top-0.1.0.crate" {
			t.Errorf("assets: %v %+v", err, la)
		}

		// Once through the real aws CLI, as a user would.
		out, stderr, code := p.s.CLI(t, "list-package-versions", "--domain", p.domain, "--repository", p.repo,
			"--format", "cargo", "--package", "cargo-top")
		var lvOut struct {
			Format   string
			Package  string
			Versions []struct{ Version, Status string }
		}
		if code != 0 || json.Unmarshal([]byte(out), &lvOut) != nil || lvOut.Format != "cargo" || lvOut.Package != "cargo-top" ||
			len(lvOut.Versions) != 1 || lvOut.Versions[0].Version != "0.1.0" {
			t.Errorf("aws codeartifact list-package-versions --format cargo: exit %d\n%s\n%s", code, out, stderr)
		}
		out, stderr, code = p.s.CLI(t, "get-repository-endpoint", "--domain", p.domain, "--repository", p.repo, "--format", "cargo")
		if code != 0 || !strings.Contains(out, p.endpoint) {
			t.Errorf("get-repository-endpoint --format cargo: exit %d\n%s\n%s", code, out, stderr)
		}
	})

	// The index: cksum is the .crate's SHA-256, the spelling is the one
	// published, and the ETag revalidates.
	lines := p.indexLines(t, "ca/rg/cargo_base")
	if len(lines) != 2 || lines["1.0.0"]["name"] != "cargo_base" || lines["1.0.0"]["yanked"] != false {
		t.Fatalf("index of cargo_base: %v", lines)
	}
	resp, body := p.do(t, http.MethodGet, "api/v1/crates/cargo_base/1.0.0/download", p.token, nil)
	if resp.StatusCode != http.StatusOK || lines["1.0.0"]["cksum"] != cargoSHA256(body) {
		t.Errorf("download: %d, cksum %v, sha256 %s", resp.StatusCode, lines["1.0.0"]["cksum"], cargoSHA256(body))
	}
	resp, _ = p.do(t, http.MethodGet, "ca/rg/cargo_base", p.token, nil)
	etag := resp.Header.Get("ETag")
	if resp, _ := p.do(t, http.MethodGet, "ca/rg/cargo_base", p.token, nil, "If-None-Match", etag); etag == "" || resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating with ETag %q: %d, want 304", etag, resp.StatusCode)
	}
	if resp, _ := p.do(t, http.MethodGet, "ca/rg/cargo_base", p.token, nil, "If-Modified-Since", resp.Header.Get("Last-Modified")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidating with Last-Modified: %d, want 304", resp.StatusCode)
	}

	// cargo yank: 1.1.0 becomes Unlisted, yanked in the index, and a
	// fresh resolution takes 1.0.0.
	if out, code := p.cargo(t, pubHome, src, bearer, "yank", "--registry", "art", "--version", "1.1.0", "cargo_base"); code != 0 {
		t.Fatalf("cargo yank: exit %d\n%s", code, out)
	}
	if resp, _ := p.do(t, http.MethodGet, "ca/rg/cargo_base", p.token, nil, "If-None-Match", etag); resp.StatusCode != http.StatusOK {
		t.Errorf("index after the yank answered %d to the old ETag, want 200", resp.StatusCode)
	}
	if st := cargoStatus(t, p, "cargo-base", "1.1.0"); st != types.PackageVersionStatusUnlisted {
		t.Errorf("status after cargo yank: %s, want Unlisted", st)
	}
	if l := p.indexLines(t, "ca/rg/cargo_base"); l["1.1.0"]["yanked"] != true {
		t.Errorf("index after the yank: %v", l["1.1.0"])
	}
	// A lock file naming the yanked version still builds: its .crate downloads.
	if resp, _ := p.do(t, http.MethodGet, "api/v1/crates/cargo_base/1.1.0/download", p.token, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("download of the yanked version: %d, want 200", resp.StatusCode)
	}
	if got := build("build2"); got != "top 1" {
		t.Errorf("after the yank cargo-app printed %q, want top 1 (cargo_base 1.0.0)", got)
	}
	if out, code := p.cargo(t, pubHome, src, bearer, "yank", "--undo", "--registry", "art", "--version", "1.1.0", "cargo_base"); code != 0 {
		t.Fatalf("cargo yank --undo: exit %d\n%s", code, out)
	}
	if st := cargoStatus(t, p, "cargo-base", "1.1.0"); st != types.PackageVersionStatusPublished {
		t.Errorf("status after cargo yank --undo: %s, want Published", st)
	}

	// A status change through the control plane shows at once: an
	// Archived version leaves the index.
	if _, err := p.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{Domain: aws.String(p.domain),
		Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String("cargo-base"),
		Versions: []string{"1.1.0"}, TargetStatus: types.PackageVersionStatusArchived}); err != nil {
		t.Fatal(err)
	}
	if l := p.indexLines(t, "ca/rg/cargo_base"); len(l) != 1 || l["1.0.0"] == nil {
		t.Errorf("index after archiving 1.1.0: %v", l)
	}
	if resp, _ := p.do(t, http.MethodGet, "api/v1/crates/cargo_base/1.1.0/download", p.token, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("download of an Archived version: %d, want 404", resp.StatusCode)
	}
	if out, code := p.cargo(t, pubHome, src, bearer, "yank", "--registry", "art", "--version", "1.1.0", "cargo_base"); code == 0 || !strings.Contains(out, "Archived") {
		t.Errorf("yanking an Archived version: exit %d\n%s", code, out)
	} else {
		t.Logf("cargo yank of an Archived version:\n%s", out)
	}

	// Without a token: 401, and cargo says so.
	if resp, _ := p.do(t, http.MethodGet, "config.json", "", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("config.json without a token: %d, want 401", resp.StatusCode)
	}
	noTok := p.cargoHome(t, "notoken")
	dir = cargoApp.write(t, filepath.Join(p.work, "notoken"))
	if out, code := p.cargo(t, noTok, dir, "", "generate-lockfile"); code == 0 || !strings.Contains(out, "401") && !strings.Contains(strings.ToLower(out), "token") {
		t.Errorf("cargo without a token: exit %d\n%s", code, out)
	} else {
		t.Logf("cargo without a token:\n%s", out)
	}
	os.RemoveAll(filepath.Join(p.work, "build1"))
}

func cargoStatus(t *testing.T, p *cargoRepo, pkg, version string) types.PackageVersionStatus {
	t.Helper()
	dv, err := p.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{Domain: aws.String(p.domain),
		Repository: aws.String(p.repo), Format: types.PackageFormatCargo, Package: aws.String(pkg), PackageVersion: aws.String(version)})
	if err != nil {
		t.Fatal(err)
	}
	return dv.PackageVersion.Status
}

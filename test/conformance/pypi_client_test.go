package conformance

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestPypiTwineAndPip uploads a wheel and an sdist with the real twine,
// checks what the control plane shows, and installs with the real pip
// under another spelling of the name, with a dependency.
func TestPypiTwineAndPip(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	ctx := context.Background()
	demo := pyDist{
		Name: "Demo_Pkg", Version: "1.0", Module: "demo_pkg", Summary: "A demo package",
		HomePage: "https://example.com/demo", License: "MIT", RequiresPython: ">=3.8",
		Requires:    []string{"dep-lib (>=1.0)", `colorama; sys_platform == "win32"`},
		ProjectURLs: []string{"Source, https://example.com/demo.git"},
		Readme:      "# Demo\n\nThe long description.\n",
	}
	dep := pyDist{Name: "dep.lib", Version: "1.2", Module: "dep_lib", Summary: "A dependency"}
	whlName, whl := demo.wheel(t)
	sdName, sd := demo.sdist(t)
	depName, depWhl := dep.wheel(t)
	p.twineUpload(t, p.write(t, whlName, whl), p.write(t, sdName, sd), p.write(t, depName, depWhl))

	ref := func(name, version string) (*string, *string, *string, *string) {
		return aws.String(p.domain), aws.String(p.repo), aws.String(name), aws.String(version)
	}
	t.Run("control plane", func(t *testing.T) {
		dom, repo, pkg, ver := ref("demo-pkg", "1.0")
		lv, err := p.c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: pkg})
		if err != nil {
			t.Fatal(err)
		}
		if len(lv.Versions) != 1 || aws.ToString(lv.Versions[0].Version) != "1.0" || lv.Versions[0].Status != types.PackageVersionStatusPublished {
			t.Errorf("ListPackageVersions = %+v", lv.Versions)
		}
		if aws.ToString(lv.Package) != "demo-pkg" {
			t.Errorf("package = %q, want the normalized demo-pkg", aws.ToString(lv.Package))
		}

		la, err := p.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: pkg, PackageVersion: ver})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]byte{whlName: whl, sdName: sd}
		if len(la.Assets) != 2 {
			t.Fatalf("assets = %d, want 2", len(la.Assets))
		}
		for _, a := range la.Assets {
			b, ok := want[aws.ToString(a.Name)]
			if !ok {
				t.Errorf("unexpected asset %q", aws.ToString(a.Name))
				continue
			}
			m5, s1, s512 := md5.Sum(b), sha1.Sum(b), sha512.Sum512(b)
			wantHashes := map[types.HashAlgorithm]string{
				types.HashAlgorithmMd5: hex.EncodeToString(m5[:]), types.HashAlgorithmSha1: hex.EncodeToString(s1[:]),
				types.HashAlgorithmSha256: pySHA256(b), types.HashAlgorithmSha512: hex.EncodeToString(s512[:]),
			}
			for alg, h := range wantHashes {
				if a.Hashes[string(alg)] != h {
					t.Errorf("%s %s = %q, want %q", aws.ToString(a.Name), alg, a.Hashes[string(alg)], h)
				}
			}
			if aws.ToInt64(a.Size) != int64(len(b)) {
				t.Errorf("%s size = %d, want %d", aws.ToString(a.Name), aws.ToInt64(a.Size), len(b))
			}
		}

		dv, err := p.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: pkg, PackageVersion: ver})
		if err != nil {
			t.Fatal(err)
		}
		v := dv.PackageVersion
		if aws.ToString(v.DisplayName) != "Demo_Pkg" || aws.ToString(v.PackageName) != "demo-pkg" {
			t.Errorf("displayName %q packageName %q, want Demo_Pkg and demo-pkg", aws.ToString(v.DisplayName), aws.ToString(v.PackageName))
		}
		if aws.ToString(v.Summary) != demo.Summary || aws.ToString(v.HomePage) != demo.HomePage || aws.ToString(v.SourceCodeRepository) != "https://example.com/demo.git" {
			t.Errorf("summary %q homePage %q source %q", aws.ToString(v.Summary), aws.ToString(v.HomePage), aws.ToString(v.SourceCodeRepository))
		}
		if len(v.Licenses) != 1 || aws.ToString(v.Licenses[0].Name) != "MIT" {
			t.Errorf("licenses = %+v", v.Licenses)
		}

		ld, err := p.c.ListPackageVersionDependencies(ctx, &codeartifact.ListPackageVersionDependenciesInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: pkg, PackageVersion: ver})
		if err != nil {
			t.Fatal(err)
		}
		var deps []string
		for _, d := range ld.Dependencies {
			deps = append(deps, aws.ToString(d.Package)+"|"+aws.ToString(d.DependencyType)+"|"+aws.ToString(d.VersionRequirement))
		}
		sort.Strings(deps)
		wantDeps := []string{`colorama|Requires-Dist|; sys_platform == "win32"`, "dep-lib|Requires-Dist|>=1.0"}
		if strings.Join(deps, "\n") != strings.Join(wantDeps, "\n") {
			t.Errorf("dependencies:\n%s\nwant:\n%s", strings.Join(deps, "\n"), strings.Join(wantDeps, "\n"))
		}

		rd, err := p.c.GetPackageVersionReadme(ctx, &codeartifact.GetPackageVersionReadmeInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: pkg, PackageVersion: ver})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(rd.Readme) != demo.Readme {
			t.Errorf("readme = %q, want %q", aws.ToString(rd.Readme), demo.Readme)
		}

		// The API takes any spelling of the name and answers the normalized one.
		dv2, err := p.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi, Package: aws.String("Demo.PKG"), PackageVersion: ver})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(dv2.PackageVersion.PackageName) != "demo-pkg" {
			t.Errorf("DescribePackageVersion(Demo.PKG) package = %q", aws.ToString(dv2.PackageVersion.PackageName))
		}
		lp, err := p.c.ListPackages(ctx, &codeartifact.ListPackagesInput{Domain: dom, Repository: repo, Format: types.PackageFormatPypi})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, pk := range lp.Packages {
			names = append(names, aws.ToString(pk.Package))
		}
		sort.Strings(names)
		if strings.Join(names, ",") != "demo-pkg,dep-lib" {
			t.Errorf("ListPackages = %v", names)
		}
	})

	t.Run("pip installs demo.pkg with its dependency", func(t *testing.T) {
		py := p.newVenv(t, "venv-install")
		env := p.toolEnv(t, filepath.Join(p.work, "home"))
		out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "demo.pkg")
		if code != 0 {
			t.Fatalf("pip install demo.pkg: exit %d\n%s", code, out)
		}
		out, code = pyRun(t, env, py, "-c", "import demo_pkg, dep_lib; print(demo_pkg.VERSION, dep_lib.VERSION)")
		if code != 0 || strings.TrimSpace(out) != "1.0 1.2" {
			t.Fatalf("import: exit %d: %s", code, out)
		}
		// pip resolved from the metadata files (PEP 658) and fetched only wheels.
		// Access-log lines are written in the background: allow them a moment.
		logs := p.s.Logs()
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs, whlName+".metadata") && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			logs = p.s.Logs()
		}
		if !strings.Contains(logs, whlName+".metadata") {
			t.Errorf("pip never fetched %s.metadata; server logs:\n%s", whlName, logs)
		}
	})

	t.Run("identical re-upload succeeds, different content is refused", func(t *testing.T) {
		p.twineUpload(t, p.write(t, whlName, whl))
		other := demo
		other.Marker = "changed"
		_, whl2 := other.wheel(t)
		path := filepath.Join(p.work, "other", whlName)
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, whl2, 0o644)
		env := p.toolEnv(t, filepath.Join(p.work, "home"))
		out, code := p.twine(t, env, "--repository-url", p.endpoint, "-u", "aws", "-p", p.token, path)
		if code == 0 {
			t.Fatalf("twine upload of a changed file succeeded:\n%s", out)
		}
		if !regexp.MustCompile(`409 Conflict[\s\S]*already exists`).MatchString(out) {
			t.Errorf("twine output does not show the 409 and its reason:\n%s", out)
		}
		// The original bytes are still served.
		resp, body := p.get(t, "packages/demo-pkg/1.0/"+whlName, "")
		if resp.StatusCode != http.StatusOK || pySHA256(body) != pySHA256(whl) {
			t.Errorf("download after refused overwrite: %d, sha256 %s", resp.StatusCode, pySHA256(body))
		}
	})

	t.Run("wrong credentials", func(t *testing.T) {
		env := p.toolEnv(t, filepath.Join(p.work, "home"))
		out, code := p.twine(t, env, "--repository-url", p.endpoint, "-u", "aws", "-p", "forged-token", p.write(t, whlName, whl))
		if code == 0 || !strings.Contains(out, "401") {
			t.Errorf("twine with a forged token: exit %d\n%s", code, out)
		}
		py := p.newVenv(t, "venv-forged")
		out, code = p.pip(t, env, py, "install", "--index-url", strings.Replace(p.indexURL(), p.token, "forged", 1), "demo-pkg")
		if code == 0 {
			t.Errorf("pip install with a forged token succeeded:\n%s", out)
		}
	})
}

// pyReport runs `pip install --dry-run --report` and returns the chosen
// name → version.
func (p *pypiRepo) pyReport(t *testing.T, env []string, py string, specs ...string) (map[string]string, string, int) {
	t.Helper()
	args := append([]string{"install", "--dry-run", "--quiet", "--report", "-", "--index-url", p.indexURL()}, specs...)
	out, code := p.pip(t, env, py, args...)
	if code != 0 {
		return nil, out, code
	}
	var report struct {
		Install []struct {
			Metadata struct{ Name, Version string } `json:"metadata"`
		} `json:"install"`
	}
	start := strings.Index(out, "{")
	if start < 0 || json.Unmarshal([]byte(out[start:]), &report) != nil {
		t.Fatalf("pip --report output is not JSON:\n%s", out)
	}
	got := map[string]string{}
	for _, i := range report.Install {
		got[i.Metadata.Name] = i.Metadata.Version
	}
	return got, out, code
}

// TestPypiStatuses checks how each status set through the SDK shows to
// pip: Unlisted is yanked (only a pin installs it), Archived, Disposed
// and deleted versions are gone.
func TestPypiStatuses(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	ctx := context.Background()
	var files []string
	for _, v := range []string{"1.0", "2.0", "3.0", "4.0", "5.0"} {
		n, b := pyDist{Name: "stat-pkg", Version: v, Module: "stat_pkg"}.wheel(t)
		files = append(files, p.write(t, n, b))
	}
	p.twineUpload(t, files...)
	coords := func() (*string, *string, types.PackageFormat, *string) {
		return aws.String(p.domain), aws.String(p.repo), types.PackageFormatPypi, aws.String("stat-pkg")
	}
	setStatus := func(t *testing.T, status types.PackageVersionStatus, versions ...string) {
		t.Helper()
		d, r, f, n := coords()
		out, err := p.c.UpdatePackageVersionsStatus(ctx, &codeartifact.UpdatePackageVersionsStatusInput{
			Domain: d, Repository: r, Format: f, Package: n, Versions: versions, TargetStatus: status,
		})
		if err != nil || len(out.FailedVersions) != 0 {
			t.Fatalf("UpdatePackageVersionsStatus %s %v: %v %+v", status, versions, err, out)
		}
	}
	setStatus(t, types.PackageVersionStatusUnlisted, "5.0")
	setStatus(t, types.PackageVersionStatusArchived, "4.0")
	d, r, f, n := coords()
	if _, err := p.c.DisposePackageVersions(ctx, &codeartifact.DisposePackageVersionsInput{Domain: d, Repository: r, Format: f, Package: n, Versions: []string{"3.0"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.c.DeletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{Domain: d, Repository: r, Format: f, Package: n, Versions: []string{"2.0"}}); err != nil {
		t.Fatal(err)
	}
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	py := p.newVenv(t, "venv")
	wheel := func(v string) string { return "packages/stat-pkg/" + v + "/stat_pkg-" + v + "-py3-none-any.whl" }

	t.Run("the newest Published version is picked", func(t *testing.T) {
		got, out, code := p.pyReport(t, env, py, "stat-pkg")
		if code != 0 || got["stat-pkg"] != "1.0" {
			t.Errorf("pip install stat-pkg chose %v (exit %d), want 1.0:\n%s", got, code, out)
		}
	})
	t.Run("an Unlisted version installs when pinned", func(t *testing.T) {
		got, out, code := p.pyReport(t, env, py, "stat-pkg==5.0")
		if code != 0 || got["stat-pkg"] != "5.0" || !strings.Contains(out, "yanked") {
			t.Errorf("pip install stat-pkg==5.0 chose %v (exit %d), want 5.0 with a yanked warning:\n%s", got, code, out)
		}
	})
	t.Run("an Archived version is not installable", func(t *testing.T) {
		if got, out, code := p.pyReport(t, env, py, "stat-pkg==4.0"); code == 0 {
			t.Errorf("pip install stat-pkg==4.0 (Archived) chose %v:\n%s", got, out)
		}
	})
	t.Run("the simple page and downloads follow the statuses", func(t *testing.T) {
		_, page := p.get(t, "simple/stat-pkg/", "text/html")
		for _, v := range []string{"2.0", "3.0", "4.0"} {
			if strings.Contains(string(page), "stat_pkg-"+v) {
				t.Errorf("page lists %s:\n%s", v, page)
			}
			if resp, _ := p.get(t, wheel(v), ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("download of %s: %d, want 404", v, resp.StatusCode)
			}
		}
		if !regexp.MustCompile(`stat_pkg-5\.0[^>]*data-yanked=`).Match(page) || regexp.MustCompile(`stat_pkg-1\.0[^>]*data-yanked=`).Match(page) {
			t.Errorf("only 5.0 should be yanked:\n%s", page)
		}
		for _, v := range []string{"1.0", "5.0"} {
			if resp, _ := p.get(t, wheel(v), ""); resp.StatusCode != http.StatusOK {
				t.Errorf("download of %s: %d, want 200", v, resp.StatusCode)
			}
		}
		setStatus(t, types.PackageVersionStatusPublished, "4.0", "5.0")
		_, page = p.get(t, "simple/stat-pkg/", "text/html")
		if !strings.Contains(string(page), "stat_pkg-4.0") || strings.Contains(string(page), "data-yanked") {
			t.Errorf("after publishing 4.0 and 5.0 again:\n%s", page)
		}
	})
}

// TestPypiLogin configures pip and twine with `aws codeartifact login`
// (HOME in a temp dir) and uses them unchanged.
func TestPypiLogin(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	awsPath := pyRequireTool(t, "aws", "the AWS CLI")
	home := filepath.Join(p.work, "login-home")
	env := p.toolEnv(t, home,
		"AWS_ACCESS_KEY_ID="+p.s.AccessKey, "AWS_SECRET_ACCESS_KEY="+p.s.SecretKey, "AWS_DEFAULT_REGION="+p.s.Region,
		"AWS_CONFIG_FILE="+filepath.Join(home, "aws-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=")
	login := func(tool string) {
		out, code := pyRun(t, env, awsPath, "--endpoint-url", p.s.URL, "codeartifact", "login", "--tool", tool,
			"--domain", p.domain, "--domain-owner", p.s.Account, "--repository", p.repo)
		if code != 0 {
			t.Fatalf("aws codeartifact login --tool %s: exit %d\n%s", tool, code, out)
		}
	}
	login("twine")
	pypirc, err := os.ReadFile(filepath.Join(home, ".pypirc"))
	if err != nil || !regexp.MustCompile(`(?m)^repository\s*[:=]\s*`+regexp.QuoteMeta(p.endpoint)+`$`).Match(pypirc) {
		t.Fatalf(".pypirc (%v):\n%s", err, pypirc)
	}
	d := pyDist{Name: "login-pkg", Version: "0.1", Module: "login_pkg"}
	n, b := d.wheel(t)
	if out, code := p.twine(t, env, "--repository", "codeartifact", p.write(t, n, b)); code != 0 {
		t.Fatalf("twine upload --repository codeartifact: exit %d\n%s", code, out)
	}

	login("pip")
	conf, err := os.ReadFile(filepath.Join(home, ".config", "pip", "pip.conf"))
	if err != nil || !strings.Contains(string(conf), "/simple/") {
		t.Fatalf("pip.conf (%v):\n%s", err, conf)
	}
	py := p.newVenv(t, "venv")
	if out, code := p.pip(t, env, py, "install", "login-pkg"); code != 0 {
		t.Fatalf("pip install login-pkg: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py, "-c", "import login_pkg; print(login_pkg.VERSION)"); code != 0 || strings.TrimSpace(out) != "0.1" {
		t.Fatalf("import login_pkg: exit %d: %s", code, out)
	}
}

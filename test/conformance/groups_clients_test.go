package conformance

// Package group origin controls enforced through real clients (issue #13):
// npm publish under PUBLISH=BLOCK, npm install and pip install through an
// external connection under EXTERNAL_UPSTREAM=BLOCK and
// ALLOW_SPECIFIC_REPOSITORIES, retention from an upstream repository
// under INTERNAL_UPSTREAM, and twine upload under PUBLISH=BLOCK.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// pgHitsUnder counts the requests the stand-in registry got for paths
// under prefix.
func pgHitsUnder(c *requestCounter, prefix string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for p, k := range c.byPath {
		if strings.HasPrefix(p, prefix) {
			n += k
		}
	}
	return n
}

// pgInstalled reports whether a project has a package installed at a version.
func pgInstalled(t *testing.T, proj, name, version string) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(proj, "node_modules", filepath.FromSlash(name), "package.json"))
	if err != nil {
		t.Logf("%s not installed: %v", name, err)
		return false
	}
	var pj struct{ Name, Version string }
	if err := json.Unmarshal(b, &pj); err != nil || pj.Name != name || pj.Version != version {
		t.Logf("installed %s: %s", name, b)
		return false
	}
	return true
}

// TestPackageGroupNPMPublish: npm publish of a package in a PUBLISH=BLOCK
// group is refused with 403 and a message naming the group, and stores
// nothing; packages of other scopes and unscoped ones still publish; with
// ALLOW it publishes.
func TestPackageGroupNPMPublish(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	g := &pgEnv{s: e.srv, c: e.c, dom: e.domain}
	g.create(t, "/npm/acme/*", nil)
	g.set(t, "/npm/acme/*", pgPublish, pgBlock)

	r := e.run(t, e.write(t, npmPkg{name: "@acme/lib", version: "1.0.0"}), "publish")
	if r.err == nil || !strings.Contains(r.stderr, "403") {
		t.Errorf("npm publish @acme/lib under PUBLISH=BLOCK: %v, want a 403\n%s", r.err, r)
	}
	if !strings.Contains(r.stderr, "/npm/acme/*") {
		t.Errorf("npm does not show why (the group /npm/acme/*):\n%s", r.stderr)
	}
	if vs := versionNames(t, e.c, e.domain, e.repo, types.PackageFormatNpm, aws.String("acme"), "lib"); vs != nil {
		t.Errorf("a refused publish stored %v", vs)
	}
	// The raw request says it in npm's error body.
	tgz := npmTarball(t, `{"name":"@acme/raw","version":"1.0.0"}`, map[string]string{"package/index.js": "1"})
	b, err := json.Marshal(npmPublishDoc("@acme/raw", "1.0.0", tgz, nil))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(t, http.MethodPut, e.endpoint+npmEscape("@acme/raw"), b, nil)
	if msg := npmErrorBody(t, "PUT @acme/raw", resp, body, http.StatusForbidden); !strings.Contains(msg, "/npm/acme/*") {
		t.Errorf("error %q does not name the group", msg)
	}

	e.publish(t, npmPkg{name: "free-lib", version: "1.0.0"})
	e.publish(t, npmPkg{name: "@other/lib", version: "1.0.0"})
	e.publish(t, npmPkg{name: "@acmecorp/lib", version: "1.0.0"})

	g.set(t, "/npm/acme/*", pgPublish, pgAllow)
	e.publish(t, npmPkg{name: "@acme/lib", version: "1.0.0"})
	if proj := e.install(t, "@acme/lib@1.0.0", "free-lib@1.0.0"); !pgInstalled(t, proj, "@acme/lib", "1.0.0") || !pgInstalled(t, proj, "free-lib", "1.0.0") {
		t.Errorf("npm install after ALLOW did not install both")
	}
}

// TestPackageGroupNPMExternal is the "done when": with the aws CLI,
// create-package-group /npm/acme/* and EXTERNAL_UPSTREAM=BLOCK; then a
// public package of that scope cannot be installed through the
// connection (the registry is not even asked) while a private one still
// publishes, and what was kept before stays. ALLOW_SPECIFIC_REPOSITORIES
// allows it when the list names the repository holding the connection
// (npm-store), not another; INTERNAL_UPSTREAM decides whether npmrepo
// may keep what its upstream npm-store has.
func TestPackageGroupNPMExternal(t *testing.T) {
	t.Parallel()
	x := startNPMExternal(t, "")
	g := &pgEnv{s: x.srv, c: x.c, dom: x.domain}
	for _, name := range []string{"@acme/early-lib", "@acme/public-lib", "@acme/second-lib", "free-lib"} {
		x.pub.publishPackage(t, name, "1.0.0", nil)
	}
	kept := func(repo, name string) []string { return x.kept(t, repo, name) }
	refused := func(name string) {
		t.Helper()
		r := x.run(t, x.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", "--fetch-retries=0", name+"@1.0.0")
		if r.err == nil || !strings.Contains(r.stderr, "404") {
			t.Errorf("npm install %s: %v, want a 404\n%s", name, r.err, r)
		}
		if vs := kept(x.repo, name); vs != nil {
			t.Errorf("%s keeps %s %v after a refused install", x.repo, name, vs)
		}
	}

	// Before any group: kept through the connection.
	if proj := x.install(t, "@acme/early-lib@1.0.0"); !pgInstalled(t, proj, "@acme/early-lib", "1.0.0") {
		t.Fatal("@acme/early-lib not installed")
	}

	cpCLI(t, x.srv, "create-package-group", "--domain", x.domain, "--package-group", "/npm/acme/*")
	out := cpCLI(t, x.srv, "update-package-group-origin-configuration", "--domain", x.domain, "--package-group", "/npm/acme/*",
		"--restrictions", "EXTERNAL_UPSTREAM=BLOCK")
	pgCLIExpect(t, cpObj(t, out, "packageGroup"), "EXTERNAL_UPSTREAM", "BLOCK", "BLOCK", "", 0)

	t.Run("EXTERNAL_UPSTREAM=BLOCK: a public package of the scope cannot be installed", func(t *testing.T) {
		refused("@acme/public-lib")
		if vs := kept("npm-store", "@acme/public-lib"); vs != nil {
			t.Errorf("npm-store keeps %v", vs)
		}
		if n := pgHitsUnder(x.hits, "/@acme/public-lib"); n != 0 {
			t.Errorf("the registry was asked for @acme/public-lib %d times", n)
		}
		// Neither repository shows the registry's versions.
		for _, env := range []*npmEnv{x.npmEnv, x.store} {
			if doc := env.packument(t, "@acme/public-lib"); doc != nil {
				t.Errorf("%s lists %v of a blocked package", env.repo, npmVersionsOf(doc))
			}
			resp, _ := env.do(t, http.MethodGet, env.endpoint+"@acme/public-lib/-/public-lib-1.0.0.tgz", nil, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s: the blocked tarball: %d, want 404", env.repo, resp.StatusCode)
			}
		}
	})

	t.Run("a private package of the scope still publishes; other packages still install", func(t *testing.T) {
		x.publish(t, npmPkg{name: "@acme/private-lib", version: "1.0.0"})
		if vs := kept(x.repo, "@acme/private-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("@acme/private-lib versions %v", vs)
		}
		proj := x.install(t, "@acme/private-lib@1.0.0", "free-lib@1.0.0")
		if !pgInstalled(t, proj, "@acme/private-lib", "1.0.0") || !pgInstalled(t, proj, "free-lib", "1.0.0") {
			t.Error("private and unscoped packages not installed")
		}
		if vs := kept("npm-store", "free-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("npm-store keeps free-lib %v", vs)
		}
	})

	t.Run("what was kept before the block stays installable", func(t *testing.T) {
		x.must(t, x.project(t), "cache", "clean", "--force")
		if proj := x.install(t, "@acme/early-lib@1.0.0"); !pgInstalled(t, proj, "@acme/early-lib", "1.0.0") {
			t.Error("@acme/early-lib, kept before the block, not installed")
		}
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES naming another repository: still refused", func(t *testing.T) {
		g.setOrigin(t, "/npm/acme/*", pgModes("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES"),
			[]types.PackageGroupAllowedRepository{pgRepo(x.repo, pgExternal)}, nil)
		refused("@acme/public-lib")
		if n := pgHitsUnder(x.hits, "/@acme/public-lib"); n != 0 {
			t.Errorf("the registry was asked for @acme/public-lib %d times", n)
		}
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES naming npm-store: installed and kept", func(t *testing.T) {
		g.setOrigin(t, "/npm/acme/*", nil, []types.PackageGroupAllowedRepository{pgRepo("npm-store", pgExternal)},
			[]types.PackageGroupAllowedRepository{pgRepo(x.repo, pgExternal)})
		if proj := x.install(t, "@acme/public-lib@1.0.0"); !pgInstalled(t, proj, "@acme/public-lib", "1.0.0") {
			t.Fatal("@acme/public-lib not installed")
		}
		for _, repo := range []string{x.repo, "npm-store"} {
			if vs := kept(repo, "@acme/public-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
				t.Errorf("%s keeps %v", repo, vs)
			}
		}
	})

	t.Run("INTERNAL_UPSTREAM decides whether npmrepo keeps what npm-store has", func(t *testing.T) {
		g.set(t, "/npm/acme/*", pgInternal, pgBlock)
		refused("@acme/second-lib")
		// npm-store itself may still fetch it from the connection.
		rc := filepath.Join(x.dir, "store-npmrc")
		npmWriteRC(t, rc, x.store.endpoint, x.token)
		proj := x.project(t)
		if r := x.runRC(t, rc, proj, "install", "--no-audit", "--no-fund", "--prefer-online", "@acme/second-lib@1.0.0"); r.err != nil {
			t.Fatalf("npm install from npm-store directly: %v\n%s", r.err, r)
		}
		if vs := kept("npm-store", "@acme/second-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("npm-store keeps %v", vs)
		}
		// Kept upstream, still not for npmrepo.
		refused("@acme/second-lib")
		g.setOrigin(t, "/npm/acme/*", pgModes("INTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES"),
			[]types.PackageGroupAllowedRepository{pgRepo(x.repo, pgInternal)}, nil)
		if proj := x.install(t, "@acme/second-lib@1.0.0"); !pgInstalled(t, proj, "@acme/second-lib", "1.0.0") {
			t.Fatal("@acme/second-lib not installed with npmrepo allowed")
		}
		if vs := kept(x.repo, "@acme/second-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("%s keeps %v", x.repo, vs)
		}
	})
}

// TestPackageGroupPyPIExternal: the same with pip and the PyPI stand-in,
// through app -> middle -> pypi-store (public:pypi), and twine under
// PUBLISH=BLOCK.
func TestPackageGroupPyPIExternal(t *testing.T) {
	t.Parallel()
	st := newPypiStandin(t)
	st.add(t, pyDist{Name: "acme-early", Version: "1.0"}, false)
	st.add(t, pyDist{Name: "acme-public", Version: "1.0"}, false)
	st.add(t, pyDist{Name: "free-tool", Version: "1.0"}, false)
	p := pypiExternal(t, st)
	g := &pgEnv{s: p.s, c: p.c, dom: p.domain}
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	venvs := 0
	install := func(project string) (string, int) {
		t.Helper()
		venvs++
		py := p.newVenv(t, "venv-"+string(rune('a'+venvs)))
		out, code := p.pip(t, env, py, "install", "--no-cache-dir", "--index-url", p.indexURL(), project)
		if code == 0 {
			mod := strings.ReplaceAll(project, "-", "_")
			if o, c := pyRun(t, env, py, "-c", "import "+mod+"; print("+mod+".VERSION)"); c != 0 || strings.TrimSpace(o) != "1.0" {
				t.Errorf("import %s after installing: exit %d %q", mod, c, o)
			}
		}
		return out, code
	}
	refused := func(project string) {
		t.Helper()
		if out, code := install(project); code == 0 {
			t.Errorf("pip install %s succeeded, want a refusal\n%s", project, out)
		}
		for _, repo := range []string{"app", "middle", "pypi-store"} {
			if vs := pypiExtVersions(t, p, repo, project, ""); vs != nil {
				t.Errorf("%s keeps %s %v after a refused install", repo, project, vs)
			}
		}
	}
	installed := func(project string) {
		t.Helper()
		if out, code := install(project); code != 0 {
			t.Fatalf("pip install %s: exit %d\n%s", project, code, out)
		}
	}

	installed("acme-early")
	g.create(t, "/pypi//acme~", nil)
	g.set(t, "/pypi//acme~", pgExternal, pgBlock)
	if grp, _ := g.associated(t, types.PackageFormatPypi, "", "acme_public"); grp != "/pypi//acme~" {
		t.Fatalf("acme_public is associated with %s", grp)
	}

	t.Run("EXTERNAL_UPSTREAM=BLOCK: pip cannot install a public package of the group", func(t *testing.T) {
		refused("acme-public")
		if n := st.pageRequests("acme-public"); n != 0 {
			t.Errorf("the index was asked for acme-public %d times", n)
		}
		installed("free-tool")
		installed("acme-early") // kept before the block
	})

	t.Run("a private package of the group still uploads with twine", func(t *testing.T) {
		d := pyDist{Name: "acme-private", Version: "1.0", Marker: "private"}
		n, b := d.wheel(t)
		p.twineUpload(t, p.write(t, n, b))
		if vs := pypiExtVersions(t, p, "app", "acme-private", ""); !slices.Equal(vs, []string{"1.0"}) {
			t.Errorf("acme-private versions %v", vs)
		}
		installed("acme-private")
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES naming app: still refused", func(t *testing.T) {
		g.setOrigin(t, "/pypi//acme~", pgModes("EXTERNAL_UPSTREAM", "ALLOW_SPECIFIC_REPOSITORIES"),
			[]types.PackageGroupAllowedRepository{pgRepo("app", pgExternal)}, nil)
		refused("acme-public")
	})

	t.Run("ALLOW_SPECIFIC_REPOSITORIES naming pypi-store: installed and kept", func(t *testing.T) {
		g.setOrigin(t, "/pypi//acme~", nil, []types.PackageGroupAllowedRepository{pgRepo("pypi-store", pgExternal)}, nil)
		installed("acme-public")
		for _, repo := range []string{"app", "pypi-store"} {
			if vs := pypiExtVersions(t, p, repo, "acme-public", types.PackageVersionOriginTypeExternal); !slices.Equal(vs, []string{"1.0"}) {
				t.Errorf("%s keeps acme-public %v (EXTERNAL)", repo, vs)
			}
		}
	})

	t.Run("PUBLISH=BLOCK: twine upload refused", func(t *testing.T) {
		g.set(t, "/pypi//acme~", pgPublish, pgBlock)
		d := pyDist{Name: "acme-private", Version: "2.0", Marker: "blocked"}
		n, b := d.wheel(t)
		out, code := p.twine(t, env, "--repository-url", p.endpoint, "-u", "aws", "-p", p.token, p.write(t, n, b))
		if code == 0 || !strings.Contains(out, "403") {
			t.Errorf("twine upload under PUBLISH=BLOCK: exit %d, want a 403\n%s", code, out)
		}
		if vs := pypiExtVersions(t, p, "app", "acme-private", ""); !slices.Equal(vs, []string{"1.0"}) {
			t.Errorf("acme-private versions %v after a refused upload", vs)
		}
		_, err := p.c.DescribePackageVersion(t.Context(), &codeartifact.DescribePackageVersionInput{Domain: aws.String(p.domain), Repository: aws.String("app"),
			Format: types.PackageFormatPypi, Package: aws.String("acme-private"), PackageVersion: aws.String("2.0")})
		if err == nil {
			t.Error("the refused version exists")
		}
	})
}

// TestPackageGroupMavenDeploy: a Maven deploy (the protocol's PUTs, as mvn
// sends them) into a PUBLISH=BLOCK group is refused with 403 and stores
// nothing; another namespace deploys; with ALLOW the same deploy works.
func TestPackageGroupMavenDeploy(t *testing.T) {
	t.Parallel()
	m := newMavenRepo(t)
	g := &pgEnv{s: m.s, c: m.c, dom: m.domain}
	g.create(t, "/maven/com.acme~", nil)
	g.set(t, "/maven/com.acme~", pgPublish, pgBlock)
	jar := mvnJar(t, "blocked")
	deploy := func(group, artifact string) int {
		t.Helper()
		path := strings.ReplaceAll(group, ".", "/") + "/" + artifact + "/1.0/" + artifact + "-1.0"
		resp, body := m.put(t, path+".jar", jar)
		if resp.StatusCode != http.StatusCreated {
			if resp.StatusCode == http.StatusForbidden && !strings.Contains(string(body), "/maven/com.acme~") {
				t.Errorf("PUT %s.jar: 403 without naming the group: %s", path, body)
			}
			return resp.StatusCode
		}
		m.mustPut(t, path+".pom", mvnPom(group, artifact, "1.0"))
		m.mustPut(t, strings.ReplaceAll(group, ".", "/")+"/"+artifact+"/maven-metadata.xml", mvnMetadata(group, artifact, "1.0"))
		return resp.StatusCode
	}
	if st := deploy("com.acme.core", "lib"); st != http.StatusForbidden {
		t.Errorf("deploy into com.acme.core under PUBLISH=BLOCK: %d, want 403", st)
	}
	if vs := versionNames(t, m.c, m.domain, m.repo, types.PackageFormatMaven, aws.String("com.acme.core"), "lib"); vs != nil {
		t.Errorf("a refused deploy stored %v", vs)
	}
	if st := deploy("com.acmeworks", "lib"); st != http.StatusCreated {
		t.Errorf("deploy into com.acmeworks (not in the group): %d", st)
	}
	g.set(t, "/maven/com.acme~", pgPublish, pgAllow)
	if st := deploy("com.acme.core", "lib"); st != http.StatusCreated {
		t.Errorf("deploy into com.acme.core with ALLOW: %d", st)
	}
	if vs := m.versions(t, "com.acme.core", "lib"); vs["1.0"] != types.PackageVersionStatusPublished {
		t.Errorf("com.acme.core:lib versions %v, want 1.0 Published", vs)
	}
}

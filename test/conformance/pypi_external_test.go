package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// pypiExternal starts artifactd with public:pypi reaching the stand-in,
// and makes, in domain acme: pypi-store (associated with public:pypi),
// middle (upstream pypi-store) and app (upstream middle), the repository
// pip installs from.
func pypiExternal(t *testing.T, st *pypiStandin) *pypiRepo {
	t.Helper()
	s := harness.Start(t, harness.WithArgs("--external-connection", "public:pypi="+st.IndexURL()+";ttl=1s;timeout=10s"))
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "pypi-store")
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("pypi-store"), ExternalConnection: aws.String("public:pypi")}); err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "middle", "pypi-store")
	harness.CreateRepository(t, c, "acme", "app", "middle")
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	ep, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String("acme"),
		Repository: aws.String("app"), Format: types.PackageFormatPypi})
	if err != nil {
		t.Fatal(err)
	}
	return &pypiRepo{s: s, c: c, domain: "acme", repo: "app", token: aws.ToString(tok.AuthorizationToken),
		endpoint: aws.ToString(ep.RepositoryEndpoint), work: t.TempDir()}
}

// pypiExtVersions lists a package's versions in a repository (nil when
// the repository has no such package), with an origin-type filter
// ("" = none).
func pypiExtVersions(t *testing.T, p *pypiRepo, repo, pkg string, origin types.PackageVersionOriginType) []string {
	t.Helper()
	out, err := p.c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(p.domain),
		Repository: aws.String(repo), Format: types.PackageFormatPypi, Package: aws.String(pkg), OriginType: origin})
	if harness.ErrorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatalf("ListPackageVersions %s %s: %v", repo, pkg, err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, aws.ToString(v.Version))
	}
	slices.Sort(vs)
	return vs
}

// pypiExtAssets lists the asset names of a version in a repository.
func pypiExtAssets(t *testing.T, p *pypiRepo, repo, pkg, version string) []string {
	t.Helper()
	out, err := p.c.ListPackageVersionAssets(t.Context(), &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String(p.domain),
		Repository: aws.String(repo), Format: types.PackageFormatPypi, Package: aws.String(pkg), PackageVersion: aws.String(version)})
	if err != nil {
		t.Fatalf("ListPackageVersionAssets %s %s %s: %v", repo, pkg, version, err)
	}
	var names []string
	for _, a := range out.Assets {
		names = append(names, aws.ToString(a.Name))
	}
	slices.Sort(names)
	return names
}

// pypiExtPage reads a project page through app as PEP 691 JSON: file
// name → the file's entry.
func pypiExtPage(t *testing.T, p *pypiRepo, project string) map[string]map[string]any {
	t.Helper()
	resp, body := p.get(t, "simple/"+project+"/", "application/vnd.pypi.simple.v1+json")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("simple/%s/: %d %s", project, resp.StatusCode, body)
	}
	var doc struct {
		Files []map[string]any `json:"files"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("simple/%s/: %v\n%s", project, err, body)
	}
	files := map[string]map[string]any{}
	for _, f := range doc.Files {
		files[f["filename"].(string)] = f
	}
	return files
}

// TestPyPIExternalInstall: pip installs, through app → middle →
// pypi-store (public:pypi), a project that only the public index has,
// with its dependency. The files pip downloads (and only those) are kept
// in pypi-store and app with origin EXTERNAL entered through public:pypi,
// middle keeps nothing; the page still lists the index's other files of
// a kept version; and once the index is down, pip installs again from
// what is kept.
func TestPyPIExternalInstall(t *testing.T) {
	t.Parallel()
	st := newPypiStandin(t)
	appFiles := st.add(t, pyDist{Name: "ext-app", Version: "1.0", Summary: "the public app", License: "MIT",
		Requires: []string{"ext-dep>=1.0"}, RequiresPython: ">=3.7"}, true)
	dep1 := st.add(t, pyDist{Name: "ext_dep", Version: "1.0"}, false)
	dep2 := st.add(t, pyDist{Name: "ext_dep", Version: "2.0", Summary: "the dependency"}, false)
	appWheel, appSdist := appFiles[0], appFiles[1]
	p := pypiExternal(t, st)
	ctx := t.Context()

	// The page lists the index's files with artifactd's URLs and hashes,
	// no PEP 658 metadata (nothing kept yet), and reading it keeps nothing.
	page := pypiExtPage(t, p, "ext-app")
	if len(page) != 2 || page[appWheel] == nil || page[appSdist] == nil {
		t.Fatalf("ext-app page: %v", page)
	}
	if u := page[appWheel]["url"].(string); u != "../../packages/ext-app/1.0/"+appWheel {
		t.Errorf("wheel URL %q", u)
	}
	if cm := page[appWheel]["core-metadata"]; cm != false {
		t.Errorf("core-metadata of a file not kept: %v", cm)
	}
	if rp := page[appWheel]["requires-python"]; rp != ">=3.7" {
		t.Errorf("requires-python %v", rp)
	}
	if vs := pypiExtVersions(t, p, "pypi-store", "ext-app", ""); vs != nil {
		t.Errorf("reading the page kept %v", vs)
	}

	py := p.newVenv(t, "venv-1")
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	if out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "ext-app"); code != 0 {
		t.Fatalf("pip install ext-app: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py, "-c", "import ext_app, ext_dep; print(ext_app.VERSION, ext_dep.VERSION)"); code != 0 || strings.TrimSpace(out) != "1.0 2.0" {
		t.Fatalf("import: exit %d: %s", code, out)
	}

	// Kept in pypi-store and app, EXTERNAL through public:pypi; not in middle.
	for _, repo := range []string{"app", "pypi-store"} {
		for pkg, want := range map[string][]string{"ext-app": {"1.0"}, "ext-dep": {"2.0"}} {
			if vs := pypiExtVersions(t, p, repo, pkg, ""); !slices.Equal(vs, want) {
				t.Errorf("%s %s: versions %v, want %v", repo, pkg, vs, want)
			}
			if vs := pypiExtVersions(t, p, repo, pkg, types.PackageVersionOriginTypeExternal); !slices.Equal(vs, want) {
				t.Errorf("%s %s: EXTERNAL versions %v, want %v", repo, pkg, vs, want)
			}
			if vs := pypiExtVersions(t, p, repo, pkg, types.PackageVersionOriginTypeInternal); len(vs) != 0 {
				t.Errorf("%s %s: INTERNAL versions %v", repo, pkg, vs)
			}
		}
		d, err := p.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String("acme"), Repository: aws.String(repo),
			Format: types.PackageFormatPypi, Package: aws.String("ext-app"), PackageVersion: aws.String("1.0")})
		if err != nil {
			t.Fatalf("DescribePackageVersion %s: %v", repo, err)
		}
		pv := d.PackageVersion
		if pv.Origin == nil || pv.Origin.OriginType != types.PackageVersionOriginTypeExternal || pv.Origin.DomainEntryPoint == nil ||
			aws.ToString(pv.Origin.DomainEntryPoint.ExternalConnectionName) != "public:pypi" || pv.Origin.DomainEntryPoint.RepositoryName != nil {
			t.Errorf("%s: origin %+v", repo, pv.Origin)
		}
		if pv.Status != types.PackageVersionStatusPublished || aws.ToString(pv.Summary) != "the public app" || aws.ToString(pv.DisplayName) != "ext-app" ||
			len(pv.Licenses) != 1 || aws.ToString(pv.Licenses[0].Name) != "MIT" {
			t.Errorf("%s: described as %s %q %q %+v", repo, pv.Status, aws.ToString(pv.Summary), aws.ToString(pv.DisplayName), pv.Licenses)
		}
		// Only the file pip asked for is kept (AWS would keep every file).
		if as := pypiExtAssets(t, p, repo, "ext-app", "1.0"); !slices.Equal(as, []string{appWheel}) {
			t.Errorf("%s: assets %v, want [%s]", repo, as, appWheel)
		}
	}
	for _, pkg := range []string{"ext-app", "ext-dep"} {
		if vs := pypiExtVersions(t, p, "middle", pkg, ""); vs != nil {
			t.Errorf("middle keeps %s %v", pkg, vs)
		}
	}
	for file, want := range map[string]int{appWheel: 1, appSdist: 0, dep1[0]: 0, dep2[0]: 1} {
		if n := st.fileRequests(file); n != want {
			t.Errorf("the index served %s %d times, want %d", file, n, want)
		}
	}

	// The kept wheel now has PEP 658 metadata; the version still lists
	// the sdist, which downloads (and is kept) on request.
	page = pypiExtPage(t, p, "ext-app")
	if cm, ok := page[appWheel]["core-metadata"].(map[string]any); !ok || cm["sha256"] == "" {
		t.Errorf("kept wheel: core-metadata %v", page[appWheel]["core-metadata"])
	}
	if page[appSdist] == nil {
		t.Fatalf("the page of a kept version lost the index's sdist: %v", page)
	}
	resp, body := p.get(t, "packages/ext-app/1.0/"+appSdist, "")
	if resp.StatusCode != http.StatusOK || pySHA256(body) != page[appSdist]["hashes"].(map[string]any)["sha256"] {
		t.Fatalf("sdist download: %d (%d bytes)", resp.StatusCode, len(body))
	}
	if as := pypiExtAssets(t, p, "app", "ext-app", "1.0"); !slices.Equal(as, []string{appWheel, appSdist}) {
		t.Errorf("app: assets after the sdist download %v", as)
	}
	resp, meta := p.get(t, "packages/ext-app/1.0/"+appWheel+".metadata", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(meta), "Requires-Dist: ext-dep>=1.0") {
		t.Errorf("PEP 658 metadata of the kept wheel: %d\n%s", resp.StatusCode, meta)
	}

	// The index goes down: pip installs from what is kept.
	st.setDown(true)
	time.Sleep(1100 * time.Millisecond) // past the connection's ttl
	py2 := p.newVenv(t, "venv-2")
	if out, code := p.pip(t, env, py2, "install", "--no-cache-dir", "--index-url", p.indexURL(), "ext-app"); code != 0 {
		t.Fatalf("pip install ext-app with the index down: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py2, "-c", "import ext_app, ext_dep; print(ext_app.VERSION, ext_dep.VERSION)"); code != 0 || strings.TrimSpace(out) != "1.0 2.0" {
		t.Fatalf("import with the index down: exit %d: %s", code, out)
	}
}

// TestPyPIExternalIntegrity: a file whose bytes do not match the hash the
// index's (HTML) page gives fails to download and nothing is kept; once
// the index serves the right bytes, the same install works.
func TestPyPIExternalIntegrity(t *testing.T) {
	t.Parallel()
	st := newPypiStandin(t)
	st.setHTMLOnly(true)
	files := st.add(t, pyDist{Name: "ext-bad", Version: "1.0"}, false)
	_, good := pyDist{Name: "ext-bad", Version: "1.0"}.wheel(t)
	bad := bytes.Clone(good)
	bad[len(bad)/2] ^= 0xff // same size, other bytes
	st.tamper(files[0], bad)
	p := pypiExternal(t, st)

	page := pypiExtPage(t, p, "ext-bad")
	if f := page[files[0]]; f == nil || f["hashes"].(map[string]any)["sha256"] != pySHA256(good) {
		t.Fatalf("page read from the index's HTML: %v", page)
	}
	// A raw download: the response is an error or cut short, never the
	// tampered bytes whole.
	req, _ := http.NewRequest(http.MethodGet, p.endpoint+"packages/ext-bad/1.0/"+files[0], nil)
	req.SetBasicAuth("aws", p.token)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && rerr == nil {
			t.Errorf("a tampered file downloaded whole (%d bytes, equal to the tampered ones: %v)", len(body), bytes.Equal(body, bad))
		}
	}
	py := p.newVenv(t, "venv-bad")
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	if out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "ext-bad"); code == 0 {
		t.Fatalf("pip installed a tampered file:\n%s", out)
	}
	for _, repo := range []string{"app", "middle", "pypi-store"} {
		if vs := pypiExtVersions(t, p, repo, "ext-bad", ""); len(vs) != 0 {
			t.Errorf("%s keeps %v of a tampered file", repo, vs)
		}
	}

	st.tamper(files[0], nil)
	if out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "ext-bad"); code != 0 {
		t.Fatalf("pip install once the index is sound: exit %d\n%s", code, out)
	}
	if vs := pypiExtVersions(t, p, "pypi-store", "ext-bad", types.PackageVersionOriginTypeExternal); !slices.Equal(vs, []string{"1.0"}) {
		t.Errorf("pypi-store: %v", vs)
	}
}

// TestPyPIExternalConcurrent: eight clients download one file not kept
// yet at once: the index serves it once, all get the same bytes, and one
// version is kept.
func TestPyPIExternalConcurrent(t *testing.T) {
	t.Parallel()
	st := newPypiStandin(t)
	files := st.add(t, pyDist{Name: "ext-hot", Version: "1.0", Marker: strings.Repeat("x", 200000)}, false)
	_, want := pyDist{Name: "ext-hot", Version: "1.0", Marker: strings.Repeat("x", 200000)}.wheel(t)
	st.setFileDelay(500 * time.Millisecond)
	p := pypiExternal(t, st)

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, p.endpoint+"packages/ext-hot/1.0/"+files[0], nil)
			req.SetBasicAuth("aws", p.token)
			resp, err := pyNoRedirect.Do(req)
			if err != nil {
				t.Errorf("client %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("client %d: %d, %d bytes, %v", i, resp.StatusCode, len(body), err)
			}
		}()
	}
	wg.Wait()
	if n := st.fileRequests(files[0]); n != 1 {
		t.Errorf("the index served the file %d times, want 1", n)
	}
	for _, repo := range []string{"app", "pypi-store"} {
		if vs := pypiExtVersions(t, p, repo, "ext-hot", types.PackageVersionOriginTypeExternal); !slices.Equal(vs, []string{"1.0"}) {
			t.Errorf("%s: %v", repo, vs)
		}
		if as := pypiExtAssets(t, p, repo, "ext-hot", "1.0"); !slices.Equal(as, files) {
			t.Errorf("%s: assets %v", repo, as)
		}
	}
	// Kept now: served from the store, with its checksum.
	resp, body := p.get(t, "packages/ext-hot/1.0/"+files[0], "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Checksum-Sha256") != pySHA256(want) || !bytes.Equal(body, want) {
		t.Errorf("kept file: %d %q", resp.StatusCode, resp.Header.Get("X-Checksum-Sha256"))
	}
	if n := st.fileRequests(files[0]); n != 1 {
		t.Errorf("the index served the file %d times after it was kept", n)
	}
}

// TestPyPIExternalDependencyConfusion: a project published to app is not
// shadowed by a public one of the same name with a higher version: its
// package blocks upstreams (publish first → upstream=BLOCK), so the page
// lists only its own versions, the index is not even asked, and pip
// installs the internal one.
func TestPyPIExternalDependencyConfusion(t *testing.T) {
	t.Parallel()
	st := newPypiStandin(t)
	st.add(t, pyDist{Name: "corp-lib", Version: "9.9", Marker: "public impostor"}, false)
	p := pypiExternal(t, st)

	d := pyDist{Name: "corp-lib", Version: "1.0", Marker: "internal"}
	n, b := d.wheel(t)
	if resp, msg := p.post(t, pyTwineForm(d, n, b), p.token); resp.StatusCode != http.StatusOK {
		t.Fatalf("upload to app: %d %s", resp.StatusCode, msg)
	}
	out, err := p.c.DescribePackage(t.Context(), &codeartifact.DescribePackageInput{Domain: aws.String("acme"), Repository: aws.String("app"),
		Format: types.PackageFormatPypi, Package: aws.String("corp-lib")})
	if err != nil {
		t.Fatal(err)
	}
	if oc := out.Package.OriginConfiguration; oc == nil || oc.Restrictions == nil || oc.Restrictions.Upstream != types.AllowUpstreamBlock {
		t.Fatalf("origin configuration of a package published first: %+v", oc)
	}
	page := pypiExtPage(t, p, "corp-lib")
	if len(page) != 1 || page[n] == nil {
		t.Errorf("corp-lib page: %v", page)
	}
	py := p.newVenv(t, "venv-corp")
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	if out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "corp-lib"); code != 0 {
		t.Fatalf("pip install corp-lib: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py, "-c", "import corp_lib; print(corp_lib.VERSION)"); code != 0 || strings.TrimSpace(out) != "1.0" {
		t.Fatalf("installed corp-lib %q (exit %d), want the internal 1.0", out, code)
	}
	// A download of the public version by URL is refused too.
	if resp, _ := p.get(t, "packages/corp-lib/9.9/corp_lib-9.9-py3-none-any.whl", ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("public corp-lib 9.9 through app: %d, want 404", resp.StatusCode)
	}
	if n := st.pageRequests("corp-lib"); n != 0 {
		t.Errorf("the index was asked for corp-lib %d times", n)
	}
	for _, repo := range []string{"middle", "pypi-store"} {
		if vs := pypiExtVersions(t, p, repo, "corp-lib", ""); vs != nil {
			t.Errorf("%s keeps corp-lib %v", repo, vs)
		}
	}
}

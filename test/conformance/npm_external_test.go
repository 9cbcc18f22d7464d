package conformance

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
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

// npmExternal is an artifactd whose public:npmjs connection reaches a
// Verdaccio playing the public registry, with
//
//	npmrepo (the repository npm uses) -> npm-store (public:npmjs)
type npmExternal struct {
	*npmEnv
	pub   *verdaccio
	store *npmEnv // npm-store's endpoint and the same token
	hits  *requestCounter
}

// requestCounter is a reverse proxy in front of the stand-in that counts
// the requests artifactd sends it, by path.
type requestCounter struct {
	mu     sync.Mutex
	byPath map[string]int
}

func (c *requestCounter) count(path string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byPath[path]
}

// countingProxy starts a proxy to target on 127.0.0.1 and returns its URL.
// Verdaccio writes tarball URLs from the Host header, so they point at
// the proxy too.
func countingProxy(t *testing.T, target string) (string, *requestCounter) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	c := &requestCounter{byPath: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := localServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.byPath[r.URL.Path]++
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	return srv.URL + "/", c
}

func startNPMExternal(t *testing.T, connOpts string) *npmExternal {
	t.Helper()
	pub := startVerdaccio(t)
	proxy, hits := countingProxy(t, pub.URL())
	e := npmStart(t, harness.WithArgs("--external-connection", "public:npmjs="+proxy+connOpts))
	ctx := t.Context()
	harness.CreateRepository(t, e.c, e.domain, "npm-store")
	if _, err := e.c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String(e.domain),
		Repository: aws.String("npm-store"), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String(e.domain),
		Repository: aws.String(e.repo), Upstreams: harness.Upstreams("npm-store")}); err != nil {
		t.Fatal(err)
	}
	ep, err := e.c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String(e.domain),
		Repository: aws.String("npm-store"), Format: types.PackageFormatNpm})
	if err != nil {
		t.Fatal(err)
	}
	st := *e
	st.repo, st.endpoint = "npm-store", aws.ToString(ep.RepositoryEndpoint)
	return &npmExternal{npmEnv: e, pub: pub, store: &st, hits: hits}
}

// kept lists the versions of a package a repository keeps.
func (x *npmExternal) kept(t *testing.T, repo, name string) []string {
	t.Helper()
	ns, pkg := npmCoords(name)
	return versionNames(t, x.c, x.domain, repo, types.PackageFormatNpm, ns, pkg)
}

// TestNPMExternalConnection: npm installs public packages through
// npmrepo -> npm-store(public:npmjs), artifactd keeps what was fetched in
// both repositories with origin EXTERNAL, and serves it when the public
// registry is gone.
func TestNPMExternalConnection(t *testing.T) {
	t.Parallel()
	x := startNPMExternal(t, ";ttl=1s")
	ctx := t.Context()
	x.pub.publishPackage(t, "ext-leaf", "1.0.0", nil)
	x.pub.publishPackage(t, "ext-leaf", "1.1.0", nil)
	x.pub.publishPackage(t, "ext-mid", "2.0.0", map[string]string{"ext-leaf": "^1.0.0"})
	x.pub.publishPackage(t, "@pubscope/ext-scoped", "3.0.0", map[string]string{"ext-mid": "2.0.0"})
	x.pub.publishPackage(t, "ext-other", "1.0.0", nil)
	installed := []string{"ext-leaf", "ext-mid", "@pubscope/ext-scoped"}

	t.Run("npm install fetches a dependency tree and keeps it in both repositories", func(t *testing.T) {
		proj := x.install(t, "@pubscope/ext-scoped@3.0.0")
		for _, p := range installed {
			if _, err := os.Stat(filepath.Join(proj, "node_modules", p, "package.json")); err != nil {
				t.Errorf("%s not installed: %v", p, err)
			}
		}
		want := map[string][]string{"ext-leaf": {"1.1.0"}, "ext-mid": {"2.0.0"}, "@pubscope/ext-scoped": {"3.0.0"}}
		for name, vs := range want {
			for _, repo := range []string{x.repo, "npm-store"} {
				if got := x.kept(t, repo, name); !slices.Equal(got, vs) {
					t.Errorf("%s keeps %s %v, want %v (only the versions fetched)", repo, name, got, vs)
				}
			}
		}
		if got := x.kept(t, x.repo, "ext-other"); got != nil {
			t.Errorf("a package nobody installed was kept: %v", got)
		}
	})

	t.Run("kept versions are EXTERNAL, entered through public:npmjs, and filter by origin", func(t *testing.T) {
		for _, repo := range []string{x.repo, "npm-store"} {
			ns, pkg := npmCoords("@pubscope/ext-scoped")
			d, err := x.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String(x.domain),
				Repository: aws.String(repo), Format: types.PackageFormatNpm, Namespace: ns, Package: aws.String(pkg),
				PackageVersion: aws.String("3.0.0")})
			if err != nil {
				t.Fatal(err)
			}
			o := d.PackageVersion.Origin
			if o == nil || o.OriginType != types.PackageVersionOriginTypeExternal || o.DomainEntryPoint == nil ||
				aws.ToString(o.DomainEntryPoint.ExternalConnectionName) != "public:npmjs" {
				t.Errorf("%s: origin %+v, want EXTERNAL through public:npmjs", repo, o)
			}
			if d.PackageVersion.Status != types.PackageVersionStatusPublished || aws.ToString(d.PackageVersion.Summary) != "stand-in package @pubscope/ext-scoped" {
				t.Errorf("%s: status %s summary %q", repo, d.PackageVersion.Status, aws.ToString(d.PackageVersion.Summary))
			}
			if len(d.PackageVersion.Licenses) != 1 || aws.ToString(d.PackageVersion.Licenses[0].Name) != "MIT" {
				t.Errorf("%s: licenses %+v, want MIT (read from the kept tarball)", repo, d.PackageVersion.Licenses)
			}
			for _, origin := range []types.PackageVersionOriginType{types.PackageVersionOriginTypeExternal, types.PackageVersionOriginTypeInternal} {
				out, err := x.c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{Domain: aws.String(x.domain),
					Repository: aws.String(repo), Format: types.PackageFormatNpm, Package: aws.String("ext-mid"), OriginType: origin})
				if err != nil {
					t.Fatal(err)
				}
				if want := map[bool]int{true: 1, false: 0}[origin == types.PackageVersionOriginTypeExternal]; len(out.Versions) != want {
					t.Errorf("%s: %d versions with originType %s, want %d", repo, len(out.Versions), origin, want)
				}
			}
			p, err := x.c.DescribePackage(ctx, &codeartifact.DescribePackageInput{Domain: aws.String(x.domain), Repository: aws.String(repo),
				Format: types.PackageFormatNpm, Package: aws.String("ext-mid")})
			if err != nil {
				t.Fatal(err)
			}
			if r := p.Package.OriginConfiguration.Restrictions; r.Publish != types.AllowPublishBlock || r.Upstream != types.AllowUpstreamAllow {
				t.Errorf("%s: origin configuration %+v, want publish BLOCK, upstream ALLOW", repo, r)
			}
		}
	})

	t.Run("the packument lists what the registry has, with tarballs on artifactd", func(t *testing.T) {
		doc := x.packument(t, "ext-leaf")
		if got := npmVersionsOf(doc); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
			t.Errorf("versions %v, want the kept 1.1.0 and the registry's 1.0.0", got)
		}
		for v, m := range doc["versions"].(map[string]any) {
			tb := m.(map[string]any)["dist"].(map[string]any)["tarball"].(string)
			if !strings.HasPrefix(tb, x.endpoint) {
				t.Errorf("tarball of %s is %s, not on artifactd", v, tb)
			}
		}
		// A new upstream version shows once the metadata's TTL (1s) passed.
		x.pub.publishPackage(t, "ext-leaf", "1.2.0", nil)
		deadline := time.Now().Add(10 * time.Second)
		for !slices.Contains(npmVersionsOf(x.packument(t, "ext-leaf")), "1.2.0") {
			if time.Now().After(deadline) {
				t.Fatal("1.2.0 never showed through artifactd")
			}
			time.Sleep(300 * time.Millisecond)
		}
		if tags := npmTagsOf(x.packument(t, "ext-leaf")); tags["latest"] != "1.2.0" {
			t.Errorf("dist-tags %v, want the registry's latest 1.2.0", tags)
		}
	})

	t.Run("a kept package refuses direct publishing", func(t *testing.T) {
		r := x.run(t, x.write(t, npmPkg{name: "ext-mid", version: "9.0.0"}), "publish")
		if r.err == nil || !strings.Contains(r.stderr, "403") || !strings.Contains(r.stderr, "publish=BLOCK") {
			t.Errorf("npm publish of a package kept from the registry: %v\n%s", r.err, r)
		}
	})

	t.Run("a kept version survives the registry's outage", func(t *testing.T) {
		x.pub.stop(t)
		// A fresh npm cache: everything comes from artifactd.
		x.must(t, x.project(t), "cache", "clean", "--force")
		proj := x.install(t, "@pubscope/ext-scoped@3.0.0")
		for _, p := range installed {
			if _, err := os.Stat(filepath.Join(proj, "node_modules", p, "package.json")); err != nil {
				t.Errorf("%s not installed with the registry down: %v", p, err)
			}
		}
		// Without the last metadata seen (a restart), the kept versions
		// alone answer.
		x.srv.Restart(t)
		x.must(t, x.project(t), "cache", "clean", "--force")
		proj = x.install(t, "@pubscope/ext-scoped@3.0.0")
		if _, err := os.Stat(filepath.Join(proj, "node_modules", "ext-leaf", "package.json")); err != nil {
			t.Errorf("not installed after a restart with the registry down: %v", err)
		}
		resp, _ := x.do(t, http.MethodGet, x.endpoint+"ext-other", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("a package never kept, registry down: %d, want 404", resp.StatusCode)
		}
	})
}

// TestNPMExternalOriginControls: origin controls decide what may come
// from the registry (dependency confusion), and bytes that do not match
// the registry's integrity are never kept.
func TestNPMExternalOriginControls(t *testing.T) {
	t.Parallel()
	x := startNPMExternal(t, "")
	ctx := t.Context()
	x.pub.publishPackage(t, "@acme/internal-lib", "1.0.0", nil)
	x.pub.publishPackage(t, "@acme/internal-lib", "5.0.0", nil)
	x.pub.publishPackage(t, "ext-blocked", "1.0.0", nil)
	x.pub.publishPackage(t, "ext-tampered", "1.0.0", nil)
	x.pub.publishPackage(t, "ext-allowed", "1.0.0", nil)

	t.Run("an internal package is never shadowed by a public one of the same name", func(t *testing.T) {
		// npm sees the public 5.0.0 through the repository before the
		// first internal publish, so it needs a tag; that publish then
		// blocks upstreams for the package.
		x.publish(t, npmPkg{name: "@acme/internal-lib", version: "1.1.0"}, "--tag", "internal")
		doc := x.packument(t, "@acme/internal-lib")
		if got := npmVersionsOf(doc); !slices.Equal(got, []string{"1.1.0"}) {
			t.Errorf("versions %v, want only the internal 1.1.0", got)
		}
		proj := x.install(t, "@acme/internal-lib")
		b, _ := os.ReadFile(filepath.Join(proj, "node_modules", "@acme", "internal-lib", "package.json"))
		if !strings.Contains(string(b), `"1.1.0"`) {
			t.Errorf("installed %s, want the internal 1.1.0", b)
		}
		resp, _ := x.do(t, http.MethodGet, x.endpoint+"@acme/internal-lib/-/internal-lib-5.0.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("the public 5.0.0's tarball through the repository: %d, want 404", resp.StatusCode)
		}
		if got := x.kept(t, "npm-store", "@acme/internal-lib"); got != nil {
			t.Errorf("npm-store kept %v", got)
		}
	})

	t.Run("upstream=BLOCK stops new versions from the connection", func(t *testing.T) {
		if _, err := x.c.PutPackageOriginConfiguration(ctx, &codeartifact.PutPackageOriginConfigurationInput{Domain: aws.String(x.domain),
			Repository: aws.String("npm-store"), Format: types.PackageFormatNpm, Package: aws.String("ext-blocked"),
			Restrictions: &types.PackageOriginRestrictions{Publish: types.AllowPublishAllow, Upstream: types.AllowUpstreamBlock}}); err != nil {
			t.Fatal(err)
		}
		resp, _ := x.do(t, http.MethodGet, x.endpoint+"ext-blocked/-/ext-blocked-1.0.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("a blocked package's tarball: %d, want 404", resp.StatusCode)
		}
		if x.packument(t, "ext-blocked") != nil {
			t.Error("a blocked package's packument lists the registry's versions")
		}
		for _, repo := range []string{x.repo, "npm-store"} {
			if got := x.kept(t, repo, "ext-blocked"); got != nil {
				t.Errorf("%s kept %v", repo, got)
			}
		}
	})

	t.Run("publishing a version the registry has is refused while upstreams are allowed", func(t *testing.T) {
		if _, err := x.c.PutPackageOriginConfiguration(ctx, &codeartifact.PutPackageOriginConfigurationInput{Domain: aws.String(x.domain),
			Repository: aws.String(x.repo), Format: types.PackageFormatNpm, Package: aws.String("ext-allowed"),
			Restrictions: &types.PackageOriginRestrictions{Publish: types.AllowPublishAllow, Upstream: types.AllowUpstreamAllow}}); err != nil {
			t.Fatal(err)
		}
		// npm itself refuses a version it sees in the packument; the
		// server must refuse it too, for clients that do not look.
		tgz := npmTarball(t, `{"name":"ext-allowed","version":"1.0.0"}`, map[string]string{"package/index.js": "1"})
		if st, body := x.putDoc(t, "ext-allowed", npmPublishDoc("ext-allowed", "1.0.0", tgz, nil)); st != http.StatusConflict || !strings.Contains(body, "public:npmjs") {
			t.Errorf("publishing 1.0.0, which the registry has: %d %s, want 409", st, body)
		}
		x.publish(t, npmPkg{name: "ext-allowed", version: "1.0.1"}) // one it does not have
		if got := x.kept(t, x.repo, "ext-allowed"); !slices.Equal(got, []string{"1.0.1"}) {
			t.Errorf("ext-allowed versions %v, want [1.0.1]", got)
		}
	})

	t.Run("bytes that fail the registry's integrity are not kept", func(t *testing.T) {
		x.pub.tamper(t, "ext-tampered", "1.0.0")
		req, _ := http.NewRequest(http.MethodGet, x.endpoint+"ext-tampered/-/ext-tampered-1.0.0.tgz", nil)
		req.Header.Set("Authorization", "Bearer "+x.token)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = bytes.NewBuffer(nil).ReadFrom(resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode == http.StatusOK {
				t.Errorf("a tampered tarball was served whole")
			}
		}
		for _, repo := range []string{x.repo, "npm-store"} {
			if got := x.kept(t, repo, "ext-tampered"); got != nil {
				t.Errorf("%s kept %v of a tampered tarball", repo, got)
			}
		}
		r := x.run(t, x.project(t), "install", "--no-audit", "--no-fund", "--fetch-retries=0", "ext-tampered@1.0.0")
		if r.err == nil {
			t.Errorf("npm installed a tampered tarball:\n%s", r)
		}
	})
}

// TestNPMExternalSingleFetch: clients racing for one tarball nobody
// fetched yet cause one request to the registry and one kept version,
// and every client gets the right bytes.
func TestNPMExternalSingleFetch(t *testing.T) {
	t.Parallel()
	x := startNPMExternal(t, "")
	x.pub.publishPackage(t, "ext-racy", "1.0.0", nil)
	want := x.pub.tarball(t, "ext-racy", "1.0.0")
	x.packument(t, "ext-racy") // metadata cached: the race is on the tarball
	const clients = 8
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, x.endpoint+"ext-racy/-/ext-racy-1.0.0.tgz", nil)
			req.Header.Set("Authorization", "Bearer "+x.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err
				return
			}
			var buf bytes.Buffer
			_, err = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || !bytes.Equal(buf.Bytes(), want) {
				errs <- fmt.Errorf("status %d, %d bytes, err %v", resp.StatusCode, buf.Len(), err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := x.hits.count("/ext-racy/-/ext-racy-1.0.0.tgz"); n != 1 {
		t.Errorf("artifactd asked the registry for the tarball %d times, want 1", n)
	}
	for _, repo := range []string{x.repo, "npm-store"} {
		if got := x.kept(t, repo, "ext-racy"); !slices.Equal(got, []string{"1.0.0"}) {
			t.Errorf("%s keeps %v", repo, got)
		}
	}
}

// TestNPMExternalConnectionWithoutURL: a connection associated without
// a URL configured fetches nothing: reads are served from what the
// repository keeps, and the log says so once per package.
func TestNPMExternalConnectionWithoutURL(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	if _, err := e.c.AssociateExternalConnection(t.Context(), &codeartifact.AssociateExternalConnectionInput{Domain: aws.String(e.domain),
		Repository: aws.String(e.repo), ExternalConnection: aws.String("public:npmjs")}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if resp, _ := e.do(t, http.MethodGet, e.endpoint+"some-public-pkg", nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("packument through a connection without URL: %d, want 404", resp.StatusCode)
		}
	}
	if resp, _ := e.do(t, http.MethodGet, e.endpoint+"some-public-pkg/-/some-public-pkg-1.0.0.tgz", nil, nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tarball through a connection without URL: %d, want 404", resp.StatusCode)
	}
	e.httpPublish(t, "own-pkg", "1.0.0", nil)
	if doc := e.packument(t, "own-pkg"); doc == nil || !slices.Equal(npmVersionsOf(doc), []string{"1.0.0"}) {
		t.Errorf("the repository's own package: %v", doc)
	}
	if n := strings.Count(e.srv.Logs(), "external connection has no URL"); n != 1 {
		t.Errorf("the missing URL was logged %d times for one package, want once", n)
	}
}

package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestNPMUpstreams: npm reads through a repository search its upstreams
// (depth first, in list order) and fetching a tarball retains that version
// in the repository the client addressed, as on CodeArtifact:
//
//	npmrepo -> store -> deep
func TestNPMUpstreams(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	ctx := t.Context()
	for _, r := range []string{"store", "deep"} {
		harness.CreateRepository(t, e.c, e.domain, r)
	}
	setUpstreams := func(repo string, ups ...string) {
		t.Helper()
		var list []types.UpstreamRepository
		for _, u := range ups {
			list = append(list, types.UpstreamRepository{RepositoryName: aws.String(u)})
		}
		if _, err := e.c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String(e.domain),
			Repository: aws.String(repo), Upstreams: list}); err != nil {
			t.Fatal(err)
		}
	}
	setUpstreams(e.repo, "store")
	setUpstreams("store", "deep")
	at := func(repo string) *npmEnv {
		ep, err := e.c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String(e.domain),
			Repository: aws.String(repo), Format: types.PackageFormatNpm})
		if err != nil {
			t.Fatal(err)
		}
		o := *e
		o.repo, o.endpoint = repo, aws.ToString(ep.RepositoryEndpoint)
		return &o
	}
	store, deep := at("store"), at("deep")
	versionsIn := func(repo, pkg string) []string {
		t.Helper()
		return upVersionNames(t, e.c, e.domain, repo, types.PackageFormatNpm, pkg)
	}

	tgz100 := store.httpPublish(t, "up-lib", "1.0.0", nil)
	store.httpPublish(t, "up-lib", "1.1.0", nil)
	deep.httpPublish(t, "deep-lib", "2.0.0", nil)

	t.Run("the packument shows the upstreams' versions", func(t *testing.T) {
		doc := e.packument(t, "up-lib")
		if doc == nil {
			t.Fatal("no packument for a package only an upstream has")
		}
		if got := npmVersionsOf(doc); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
			t.Errorf("versions %v", got)
		}
		if tags := npmTagsOf(doc); tags["latest"] != "1.1.0" {
			t.Errorf("dist-tags %v", tags)
		}
		if doc := e.packument(t, "deep-lib"); doc == nil || !slices.Equal(npmVersionsOf(doc), []string{"2.0.0"}) {
			t.Errorf("a package two upstreams down: %v", doc)
		}
		if vs := versionsIn(e.repo, "up-lib"); vs != nil {
			t.Errorf("reading the packument retained versions: %v", vs)
		}
	})

	t.Run("npm install retains what it fetched, only there", func(t *testing.T) {
		proj := e.install(t, "up-lib@1.0.0", "deep-lib@2.0.0")
		for _, p := range []string{"up-lib", "deep-lib"} {
			if _, err := os.Stat(filepath.Join(proj, "node_modules", p, "index.js")); err != nil {
				t.Errorf("%s not installed: %v", p, err)
			}
		}
		if vs := versionsIn(e.repo, "up-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("up-lib versions retained in %s: %v, want [1.0.0]", e.repo, vs)
		}
		if vs := versionsIn(e.repo, "deep-lib"); !slices.Equal(vs, []string{"2.0.0"}) {
			t.Errorf("deep-lib versions retained in %s: %v, want [2.0.0]", e.repo, vs)
		}
		if vs := versionsIn("store", "deep-lib"); vs != nil {
			t.Errorf("the intermediate repository retained %v", vs)
		}
		d, err := e.c.DescribePackage(ctx, &codeartifact.DescribePackageInput{Domain: aws.String(e.domain),
			Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String("up-lib")})
		if err != nil {
			t.Fatal(err)
		}
		if r := d.Package.OriginConfiguration.Restrictions; r.Publish != types.AllowPublishBlock || r.Upstream != types.AllowUpstreamAllow {
			t.Errorf("origin of a retained package: %+v, want publish BLOCK, upstream ALLOW", r)
		}
	})

	t.Run("a retained version outlives the upstream's", func(t *testing.T) {
		if _, err := e.c.DeletePackageVersions(ctx, &codeartifact.DeletePackageVersionsInput{Domain: aws.String(e.domain),
			Repository: aws.String("store"), Format: types.PackageFormatNpm, Package: aws.String("up-lib"),
			Versions: []string{"1.0.0"}}); err != nil {
			t.Fatal(err)
		}
		resp, body := e.do(t, http.MethodGet, e.endpoint+"up-lib/-/up-lib-1.0.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tgz100) {
			t.Errorf("retained tarball after the upstream deleted it: %d (%d bytes)", resp.StatusCode, len(body))
		}
		if got := npmVersionsOf(e.packument(t, "up-lib")); !slices.Equal(got, []string{"1.0.0", "1.1.0"}) {
			t.Errorf("versions %v", got)
		}
	})

	t.Run("an upstream's dist-tag wins", func(t *testing.T) {
		for _, x := range []struct {
			env     *npmEnv
			version string
		}{{e, "1.0.0"}, {store, "1.1.0"}} {
			resp, body := x.env.do(t, http.MethodPut, x.env.endpoint+"-/package/up-lib/dist-tags/beta", []byte(`"`+x.version+`"`), nil)
			if resp.StatusCode/100 != 2 {
				t.Fatalf("dist-tag add in %s: %d %s", x.env.repo, resp.StatusCode, body)
			}
		}
		if tags := npmTagsOf(e.packument(t, "up-lib")); tags["beta"] != "1.1.0" {
			t.Errorf("merged dist-tags %v, want beta 1.1.0 (the upstream's)", tags)
		}
	})

	t.Run("origin control upstream=BLOCK hides the upstreams", func(t *testing.T) {
		if _, err := e.c.PutPackageOriginConfiguration(ctx, &codeartifact.PutPackageOriginConfigurationInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String("up-lib"),
			Restrictions: &types.PackageOriginRestrictions{Publish: types.AllowPublishBlock, Upstream: types.AllowUpstreamBlock},
		}); err != nil {
			t.Fatal(err)
		}
		if got := npmVersionsOf(e.packument(t, "up-lib")); !slices.Equal(got, []string{"1.0.0"}) {
			t.Errorf("versions with upstream=BLOCK: %v, want the repository's own [1.0.0]", got)
		}
		resp, _ := e.do(t, http.MethodGet, e.endpoint+"up-lib/-/up-lib-1.1.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("tarball only upstream, upstream=BLOCK: %d, want 404", resp.StatusCode)
		}
		if vs := versionsIn(e.repo, "up-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("retained despite upstream=BLOCK: %v", vs)
		}
	})

	t.Run("concurrent first downloads all succeed", func(t *testing.T) {
		tgz := store.httpPublish(t, "race-lib", "1.0.0", nil)
		url := e.endpoint + "race-lib/-/race-lib-1.0.0.tgz"
		statuses := make(chan string, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Header.Set("Authorization", "Bearer "+e.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					statuses <- err.Error()
					return
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tgz) {
					statuses <- fmt.Sprintf("%d (%d bytes)", resp.StatusCode, len(body))
					return
				}
				statuses <- "ok"
			}()
		}
		wg.Wait()
		close(statuses)
		for st := range statuses {
			if st != "ok" {
				t.Errorf("a concurrent first download: %s", st)
			}
		}
		if vs := versionsIn(e.repo, "race-lib"); !slices.Equal(vs, []string{"1.0.0"}) {
			t.Errorf("retained %v, want [1.0.0]", vs)
		}
	})

	t.Run("missing everywhere is a 404", func(t *testing.T) {
		if doc := e.packument(t, "nowhere-lib"); doc != nil {
			t.Errorf("packument of a package no repository has: %v", doc)
		}
		resp, _ := e.do(t, http.MethodGet, e.endpoint+"deep-lib/-/deep-lib-9.9.9.tgz", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("tarball of a version no repository has: %d", resp.StatusCode)
		}
	})
}

// upVersionNames lists a package's versions in a repository, sorted; nil
// when the repository does not have the package.
func upVersionNames(t *testing.T, c *codeartifact.Client, domainName, repo string, f types.PackageFormat, pkg string) []string {
	t.Helper()
	return versionNames(t, c, domainName, repo, f, nil, pkg)
}

// versionNames lists, sorted, the versions a repository has of a package
// (nil when it does not have the package).
func versionNames(t *testing.T, c *codeartifact.Client, domainName, repo string, f types.PackageFormat, namespace *string, pkg string) []string {
	t.Helper()
	out, err := c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(domainName),
		Repository: aws.String(repo), Format: f, Namespace: namespace, Package: aws.String(pkg)})
	if harness.ErrorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, aws.ToString(v.Version))
	}
	slices.Sort(vs)
	return vs
}

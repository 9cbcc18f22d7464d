package conformance

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// ListPackageVersions without sortBy lists in the format's version order,
// newest first, through the AWS CLI (walking pages of one with
// --page-size 1) and the Go SDK (pages of one by hand), for versions that
// byte order and publish order both get wrong (issue #16).

// voCLIVersions runs list-package-versions with args and returns the
// version names in the order listed.
func voCLIVersions(t *testing.T, s *harness.Server, args ...string) []string {
	t.Helper()
	out := cpCLI(t, s, append([]string{"list-package-versions"}, args...)...)
	var names []string
	vs, _ := out["versions"].([]any)
	for _, v := range vs {
		m, _ := v.(map[string]any)
		name, _ := m["version"].(string)
		names = append(names, name)
	}
	return names
}

// voSDKPages lists with the Go SDK, maxResults 1 per page.
func voSDKPages(t *testing.T, c *codeartifact.Client, in codeartifact.ListPackageVersionsInput) []string {
	t.Helper()
	var names []string
	in.MaxResults = aws.Int32(1)
	for pages := 0; ; pages++ {
		out, err := c.ListPackageVersions(t.Context(), &in)
		if err != nil {
			t.Fatalf("ListPackageVersions page %d: %v", pages, err)
		}
		if len(out.Versions) > 1 {
			t.Fatalf("page %d: %d versions, maxResults is 1", pages, len(out.Versions))
		}
		for _, v := range out.Versions {
			names = append(names, aws.ToString(v.Version))
		}
		if out.NextToken == nil {
			return names
		}
		if pages > 50 {
			t.Fatal("no end of pagination")
		}
		in.NextToken = out.NextToken
	}
}

func TestVersionOrderNpm(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	// Published with npm in an order that is neither the versions' nor
	// their strings'.
	for _, v := range []struct{ version, tag string }{
		{"1.0.10", ""}, {"2.0.0-rc.1", "next"}, {"1.0.2", "old"}, {"2.0.0", ""},
	} {
		var args []string
		if v.tag != "" {
			args = append(args, "--tag", v.tag)
		}
		e.publish(t, npmPkg{name: "@acme/order", version: v.version}, args...)
	}
	want := []string{"2.0.0", "2.0.0-rc.1", "1.0.10", "1.0.2"}
	coords := []string{"--domain", e.domain, "--repository", e.repo, "--format", "npm", "--namespace", "acme", "--package", "order"}
	if got := voCLIVersions(t, e.srv, coords...); !slices.Equal(got, want) {
		t.Errorf("aws codeartifact list-package-versions: %v, want SemVer order, newest first, %v", got, want)
	}
	if got := voCLIVersions(t, e.srv, append(coords, "--page-size", "1")...); !slices.Equal(got, want) {
		t.Errorf("list-package-versions --page-size 1: %v, want %v", got, want)
	}
	if got := voCLIVersions(t, e.srv, append(coords, "--status", "Published", "--page-size", "1")...); !slices.Equal(got, want) {
		t.Errorf("list-package-versions --status Published --page-size 1: %v, want %v", got, want)
	}
	in := codeartifact.ListPackageVersionsInput{Domain: aws.String(e.domain), Repository: aws.String(e.repo),
		Format: types.PackageFormatNpm, Namespace: aws.String("acme"), Package: aws.String("order")}
	if got := voSDKPages(t, e.c, in); !slices.Equal(got, want) {
		t.Errorf("Go SDK, maxResults 1: %v, want %v", got, want)
	}
	// sortBy=PUBLISHED_TIME is still the publish order, newest first.
	if got := voCLIVersions(t, e.srv, append(coords, "--sort-by", "PUBLISHED_TIME")...); !slices.Equal(got, []string{"2.0.0", "1.0.2", "2.0.0-rc.1", "1.0.10"}) {
		t.Errorf("list-package-versions --sort-by PUBLISHED_TIME: %v, want the publish order, newest first", got)
	}
}

func TestVersionOrderPypi(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	// PEP 440: dev < pre < release < post; 1.0 == 1.0.0 (ties by
	// spelling); numbers as numbers. Uploaded with twine, out of order.
	uploaded := []string{"1.10", "1.0.post1", "1.0rc1", "1.2", "1.0.dev3", "1.0a2", "1.0"}
	var files []string
	for _, v := range uploaded {
		name, whl := pyDist{Name: "order-demo", Version: v}.wheel(t)
		files = append(files, p.write(t, name, whl))
	}
	p.twineUpload(t, files...)
	want := []string{"1.10", "1.2", "1.0.post1", "1.0", "1.0rc1", "1.0a2", "1.0.dev3"}
	coords := []string{"--domain", p.domain, "--repository", p.repo, "--format", "pypi", "--package", "order-demo"}
	if got := voCLIVersions(t, p.s, coords...); !slices.Equal(got, want) {
		t.Errorf("aws codeartifact list-package-versions: %v, want PEP 440 order, newest first, %v", got, want)
	}
	if got := voCLIVersions(t, p.s, append(coords, "--page-size", "1")...); !slices.Equal(got, want) {
		t.Errorf("list-package-versions --page-size 1: %v, want %v", got, want)
	}
	in := codeartifact.ListPackageVersionsInput{Domain: aws.String(p.domain), Repository: aws.String(p.repo),
		Format: types.PackageFormatPypi, Package: aws.String("order-demo")}
	if got := voSDKPages(t, p.c, in); !slices.Equal(got, want) {
		t.Errorf("Go SDK, maxResults 1: %v, want %v", got, want)
	}
}

// TestVersionOrderPagesUnderPublishes: a walk in pages of one while
// versions are published between pages lists every version that was there
// once, in order; new ones only where the walk has not been yet.
func TestVersionOrderPagesUnderPublishes(t *testing.T) {
	t.Parallel()
	e := vlStart(t)
	for _, v := range []string{"1.0.2", "1.0.10", "1.0.9", "2.0"} {
		e.mustPublish(t, vlRepo, "walk", v, "f", []byte(v), false)
	}
	in := &codeartifact.ListPackageVersionsInput{Domain: aws.String(e.domain), Repository: aws.String(vlRepo),
		Format: types.PackageFormatGeneric, Namespace: aws.String(vlNS), Package: aws.String("walk"), MaxResults: aws.Int32(1)}
	var got []string
	inserts := map[string][]string{"2.0": {"3.0"}, "1.0.10": {"1.0.11", "1.0.3"}} // after listing the key: newer (skipped), older (listed)
	for pages := 0; ; pages++ {
		out, err := e.c.ListPackageVersions(t.Context(), in)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, v := range out.Versions {
			name := aws.ToString(v.Version)
			got = append(got, name)
			for _, n := range inserts[name] {
				e.mustPublish(t, vlRepo, "walk", n, "f", []byte(n), false)
			}
		}
		if out.NextToken == nil || pages > 20 {
			break
		}
		in.NextToken = out.NextToken
	}
	if want := []string{"2.0", "1.0.10", "1.0.9", "1.0.3", "1.0.2"}; !slices.Equal(got, want) {
		t.Errorf("walk with publishes between pages: %v, want %v", got, want)
	}
}

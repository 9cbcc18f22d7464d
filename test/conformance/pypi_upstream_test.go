package conformance

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
)

// TestPypiUpstreams: pip installs through a repository a project that only
// its upstream has; the simple page lists the files of both, and the
// version pip downloaded is retained in the repository pip addressed.
func TestPypiUpstreams(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t) // repository "py"
	ctx := t.Context()
	harness.CreateRepository(t, p.c, p.domain, "pystore")
	if _, err := p.c.UpdateRepository(ctx, &codeartifact.UpdateRepositoryInput{Domain: aws.String(p.domain), Repository: aws.String(p.repo),
		Upstreams: []types.UpstreamRepository{{RepositoryName: aws.String("pystore")}}}); err != nil {
		t.Fatal(err)
	}
	ep, err := p.c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String(p.domain),
		Repository: aws.String("pystore"), Format: types.PackageFormatPypi})
	if err != nil {
		t.Fatal(err)
	}
	store := *p
	store.repo, store.endpoint = "pystore", aws.ToString(ep.RepositoryEndpoint)
	var files []string
	for _, v := range []string{"1.0", "2.0"} {
		n, b := pyDist{Name: "up-tool", Version: v, Module: "up_tool"}.wheel(t)
		files = append(files, store.write(t, n, b))
	}
	store.twineUpload(t, files...)
	versionsIn := func(repo string) []string {
		t.Helper()
		return upVersionNames(t, p.c, p.domain, repo, types.PackageFormatPypi, "up-tool")
	}

	resp, body := p.get(t, "simple/up-tool/", "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "up_tool-1.0-") || !strings.Contains(string(body), "up_tool-2.0-") {
		t.Fatalf("simple page through the upstream: %d\n%s", resp.StatusCode, body)
	}
	if vs := versionsIn(p.repo); vs != nil {
		t.Errorf("reading the page retained %v", vs)
	}

	py := p.newVenv(t, "venv-upstream")
	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	if out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "up-tool==1.0"); code != 0 {
		t.Fatalf("pip install up-tool==1.0 through the upstream: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py, "-c", "import up_tool; print(up_tool.VERSION)"); code != 0 || strings.TrimSpace(out) != "1.0" {
		t.Fatalf("import: exit %d: %s", code, out)
	}
	if vs := versionsIn(p.repo); !slices.Equal(vs, []string{"1.0"}) {
		t.Errorf("versions retained in %s: %v, want [1.0]", p.repo, vs)
	}
	if vs := versionsIn("pystore"); !slices.Equal(vs, []string{"1.0", "2.0"}) {
		t.Errorf("versions in the upstream: %v", vs)
	}
}

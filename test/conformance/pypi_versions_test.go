package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestPypiSamePEP440Version: twine uploads a 1.0 wheel, then a 1.0.0
// sdist and a 1 wheel. PyPI adds them to one release; the control plane
// lists one version (spelled as the first upload), the simple page one
// version with every file, and pip installs ==1.0 and ==1.0.0 alike
// (#11 finding 7).
func TestPypiSamePEP440Version(t *testing.T) {
	t.Parallel()
	p := newPypiRepo(t)
	ctx := context.Background()
	first := pyDist{Name: "same-ver", Version: "1.0", Module: "same_ver", Summary: "first"}
	later := pyDist{Name: "same-ver", Version: "1.0.0", Module: "same_ver", Summary: "later"}
	shortest := pyDist{Name: "same-ver", Version: "1", Module: "same_ver", Summary: "shortest"}
	whlName, whl := first.wheel(t)
	sdName, sd := later.sdist(t)
	whl1Name, whl1 := shortest.wheel(t)
	p.twineUpload(t, p.write(t, whlName, whl))
	p.twineUpload(t, p.write(t, sdName, sd), p.write(t, whl1Name, whl1))

	lv, err := p.c.ListPackageVersions(ctx, &codeartifact.ListPackageVersionsInput{
		Domain: aws.String(p.domain), Repository: aws.String(p.repo), Format: types.PackageFormatPypi, Package: aws.String("same-ver"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(lv.Versions) != 1 || aws.ToString(lv.Versions[0].Version) != "1.0" {
		var got []string
		for _, v := range lv.Versions {
			got = append(got, aws.ToString(v.Version))
		}
		t.Fatalf("ListPackageVersions = %q, want the one version 1.0", got)
	}
	la, err := p.c.ListPackageVersionAssets(ctx, &codeartifact.ListPackageVersionAssetsInput{
		Domain: aws.String(p.domain), Repository: aws.String(p.repo), Format: types.PackageFormatPypi, Package: aws.String("same-ver"), PackageVersion: aws.String("1.0"),
	})
	if err != nil || len(la.Assets) != 3 {
		t.Fatalf("assets of 1.0: %v %+v", err, la)
	}

	resp, body := p.get(t, "simple/same-ver/", "application/vnd.pypi.simple.v1+json")
	var page struct {
		Versions []string `json:"versions"`
		Files    []struct{ Filename, URL string }
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &page) != nil || len(page.Versions) != 1 || page.Versions[0] != "1.0" || len(page.Files) != 3 {
		t.Fatalf("page: %d %s", resp.StatusCode, body)
	}
	want := map[string][]byte{whlName: whl, sdName: sd, whl1Name: whl1}
	for _, f := range page.Files {
		resp, got := p.get(t, strings.TrimPrefix(f.URL, "../../"), "")
		if resp.StatusCode != http.StatusOK || string(got) != string(want[f.Filename]) || !strings.HasPrefix(f.URL, "../../packages/same-ver/1.0/") {
			t.Errorf("%s at %s: %d (%d bytes)", f.Filename, f.URL, resp.StatusCode, len(got))
		}
	}

	env := p.toolEnv(t, filepath.Join(p.work, "home"))
	py := p.newVenv(t, "venv-same")
	for _, spec := range []string{"same-ver==1.0", "same-ver==1.0.0", "same_ver==1"} {
		got, out, code := p.pyReport(t, env, py, spec)
		if v := got["same-ver"]; code != 0 || (v != "1" && v != "1.0" && v != "1.0.0") {
			t.Errorf("pip install %s: exit %d, chose %q\n%s", spec, code, got, out)
		}
	}
	out, code := p.pip(t, env, py, "install", "--index-url", p.indexURL(), "same-ver==1.0.0")
	if code != 0 {
		t.Fatalf("pip install same-ver==1.0.0: exit %d\n%s", code, out)
	}
	if out, code := pyRun(t, env, py, "-c", "import same_ver; print(same_ver.VERSION)"); code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "1") {
		t.Errorf("import: exit %d: %s", code, out)
	}
}

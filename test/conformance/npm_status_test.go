package conformance

import (
	"bytes"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestNpmStatuses covers how npm sees each package-version status, that a
// control-plane change shows in the very next packument (no stale cache),
// and how dist-tags follow versions that go away.
func TestNpmStatuses(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	const name = "stat-pkg"
	tgz := map[string][]byte{}
	for _, v := range []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"} {
		tgz[v] = e.httpPublish(t, name, v, nil)
	}
	tarball := func(v string) string { return e.endpoint + name + "/-/" + name + "-" + v + ".tgz" }
	wantTarball := func(t *testing.T, v string, want int) {
		t.Helper()
		resp, b := e.do(t, "GET", tarball(v), nil, nil)
		if resp.StatusCode != want {
			t.Errorf("GET tarball %s: %d, want %d (%s)", v, resp.StatusCode, want, b)
		}
		if want == http.StatusOK && !bytes.Equal(b, tgz[v]) {
			t.Errorf("GET tarball %s: other bytes", v)
		}
		if want == http.StatusNotFound {
			npmErrorBody(t, "tarball "+v, resp, b, want)
		}
	}
	// versions returns what the full and the abbreviated packuments list
	// (they must agree).
	versions := func(t *testing.T) []string {
		t.Helper()
		full := npmVersionsOf(e.packument(t, name))
		resp, b := e.do(t, "GET", e.endpoint+name, nil, map[string]string{"Accept": "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*"})
		var abbr []string
		if resp.StatusCode == http.StatusOK {
			abbr = npmVersionsOf(npmDecode(t, b))
		}
		if !reflect.DeepEqual(full, abbr) {
			t.Errorf("full packument lists %v, abbreviated %v", full, abbr)
		}
		return full
	}
	tags := func(t *testing.T) map[string]string {
		t.Helper()
		resp, b := e.do(t, "GET", e.endpoint+"-/package/"+name+"/dist-tags", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET dist-tags: %d %s", resp.StatusCode, b)
		}
		out := map[string]string{}
		for k, v := range npmDecode(t, b) {
			out[k], _ = v.(string)
		}
		if doc := e.packument(t, name); doc != nil && !reflect.DeepEqual(npmTagsOf(doc), out) {
			t.Errorf("packument dist-tags %v, dist-tags endpoint %v", npmTagsOf(doc), out)
		}
		return out
	}

	if got := versions(t); !reflect.DeepEqual(got, []string{"1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0"}) {
		t.Fatalf("versions = %v", got)
	}
	// npm's own cache holds the packument now; it must revalidate.
	e.viewJSON(t, name, "versions")

	t.Run("ArchivedDisappearsAtOnce", func(t *testing.T) {
		e.setStatus(t, name, types.PackageVersionStatusArchived, "1.1.0")
		if got := versions(t); !reflect.DeepEqual(got, []string{"1.0.0", "1.2.0", "1.3.0", "2.0.0"}) {
			t.Errorf("after archiving 1.1.0: %v", got)
		}
		wantTarball(t, "1.1.0", http.StatusNotFound)
		// npm, with the old packument in its cache, sees the change too.
		out := e.must(t, e.dir, "view", "--json", name, "versions")
		if strings.Contains(out, "1.1.0") {
			t.Errorf("npm view still lists the archived version: %s", out)
		}
	})

	t.Run("UnlistedDownloadsByURL", func(t *testing.T) {
		e.setStatus(t, name, types.PackageVersionStatusUnlisted, "1.2.0")
		if got := versions(t); !reflect.DeepEqual(got, []string{"1.0.0", "1.3.0", "2.0.0"}) {
			t.Errorf("after unlisting 1.2.0: %v", got)
		}
		wantTarball(t, "1.2.0", http.StatusOK)
		resp, b := e.do(t, "PUT", e.endpoint+"-/package/"+name+"/dist-tags/hidden", []byte(`"1.2.0"`), nil)
		npmErrorBody(t, "tagging an unlisted version", resp, b, http.StatusBadRequest)
		out := e.fails(t, e.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", name+"@1.2.0")
		if !strings.Contains(out, "ETARGET") && !strings.Contains(out, "No matching version") {
			t.Errorf("npm install of an unlisted version: %s", out)
		}
	})

	t.Run("DisposedGone", func(t *testing.T) {
		_, err := e.c.DisposePackageVersions(t.Context(), &codeartifact.DisposePackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
			Package: aws.String(name), Versions: []string{"1.0.0"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := versions(t); !reflect.DeepEqual(got, []string{"1.3.0", "2.0.0"}) {
			t.Errorf("after disposing 1.0.0: %v", got)
		}
		wantTarball(t, "1.0.0", http.StatusNotFound)
	})

	t.Run("RestoredComesBack", func(t *testing.T) {
		e.setStatus(t, name, types.PackageVersionStatusPublished, "1.1.0")
		if got := versions(t); !reflect.DeepEqual(got, []string{"1.1.0", "1.3.0", "2.0.0"}) {
			t.Errorf("after restoring 1.1.0: %v", got)
		}
		wantTarball(t, "1.1.0", http.StatusOK)
	})

	t.Run("PublishOverHiddenVersionRefused", func(t *testing.T) {
		for _, v := range []string{"1.2.0", "1.0.0"} { // Unlisted, Disposed
			st, body := e.putDoc(t, name, npmPublishDoc(name, v, tgz[v], nil))
			if st != http.StatusForbidden || !strings.Contains(body, "cannot publish over") {
				t.Errorf("publish over %s: %d %s", v, st, body)
			}
		}
		if got := tags(t)["latest"]; got != "2.0.0" {
			t.Errorf("a refused publish moved latest to %s", got)
		}
	})

	t.Run("TagsFollowVersions", func(t *testing.T) {
		resp, b := e.do(t, "PUT", e.endpoint+"-/package/"+name+"/dist-tags/beta", []byte(`"1.3.0"`), nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("add beta: %d %s", resp.StatusCode, b)
		}
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "2.0.0", "beta": "1.3.0"}) {
			t.Fatalf("tags = %v", got)
		}
		// Archiving latest moves it to the highest Published version.
		e.setStatus(t, name, types.PackageVersionStatusArchived, "2.0.0")
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "1.3.0", "beta": "1.3.0"}) {
			t.Errorf("after archiving 2.0.0: %v", got)
		}
		// Unlisting the version both tags name: beta goes, latest moves.
		e.setStatus(t, name, types.PackageVersionStatusUnlisted, "1.3.0")
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "1.1.0"}) {
			t.Errorf("after unlisting 1.3.0: %v", got)
		}
		// Deleting the last visible version: nothing left for npm.
		out, err := e.c.DeletePackageVersions(t.Context(), &codeartifact.DeletePackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
			Package: aws.String(name), Versions: []string{"1.1.0"},
		})
		if err != nil || len(out.FailedVersions) > 0 {
			t.Fatalf("DeletePackageVersions: %v %v", err, out)
		}
		if got := tags(t); len(got) != 0 {
			t.Errorf("tags with no visible version: %v", got)
		}
		if doc := e.packument(t, name); doc != nil {
			t.Errorf("packument with no visible version: %v", doc)
		}
		wantTarball(t, "1.1.0", http.StatusNotFound)
		// Restoring a version gives the package a latest again.
		e.setStatus(t, name, types.PackageVersionStatusPublished, "2.0.0")
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "2.0.0"}) {
			t.Errorf("after restoring 2.0.0: %v", got)
		}
		if got := versions(t); !reflect.DeepEqual(got, []string{"2.0.0"}) {
			t.Errorf("versions = %v", got)
		}
	})

	t.Run("PublishMovesLatestOnlyWhenAsked", func(t *testing.T) {
		e.httpPublish(t, name, "3.0.0", map[string]string{"next": "3.0.0"})
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "2.0.0", "next": "3.0.0"}) {
			t.Errorf("publish with tag next: %v", got)
		}
		// The control plane's default version is the latest tag, not the
		// most recently published version.
		lv, err := e.c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String(name),
		})
		if err != nil || aws.ToString(lv.DefaultDisplayVersion) != "2.0.0" {
			t.Errorf("defaultDisplayVersion = %q, %v; want 2.0.0", aws.ToString(lv.DefaultDisplayVersion), err)
		}
		e.httpPublish(t, name, "2.5.0", nil)
		if got := tags(t); !reflect.DeepEqual(got, map[string]string{"latest": "2.5.0", "next": "3.0.0"}) {
			t.Errorf("publish with tag latest: %v", got)
		}
	})

	t.Run("CopyKeepsTagsValid", func(t *testing.T) {
		harness2 := "npmrepo2"
		if _, err := e.c.CreateRepository(t.Context(), &codeartifact.CreateRepositoryInput{Domain: aws.String(e.domain), Repository: aws.String(harness2)}); err != nil {
			t.Fatal(err)
		}
		_, err := e.c.CopyPackageVersions(t.Context(), &codeartifact.CopyPackageVersionsInput{
			Domain: aws.String(e.domain), SourceRepository: aws.String(e.repo), DestinationRepository: aws.String(harness2),
			Format: types.PackageFormatNpm, Package: aws.String(name), Versions: []string{"2.0.0", "1.2.0"},
		})
		if err != nil {
			t.Fatal(err)
		}
		ep := strings.Replace(e.endpoint, "/"+e.repo+"/", "/"+harness2+"/", 1)
		resp, b := e.do(t, "GET", ep+name, nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("packument in the copy: %d %s", resp.StatusCode, b)
		}
		doc := npmDecode(t, b)
		if got := npmVersionsOf(doc); !reflect.DeepEqual(got, []string{"2.0.0"}) {
			t.Errorf("copied versions visible: %v", got)
		}
		if got := npmTagsOf(doc); !reflect.DeepEqual(got, map[string]string{"latest": "2.0.0"}) {
			t.Errorf("copied tags: %v", got)
		}
		resp, _ = e.do(t, "GET", ep+name+"/-/"+name+"-1.2.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("unlisted copy tarball: %d", resp.StatusCode)
		}
	})
}

package conformance

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestNpmClient drives the real npm CLI against the npm endpoint:
// publish (scoped and unscoped), what the control plane then shows,
// install, view, dist-tag, deprecate, republish, unpublish, ping, whoami.
func TestNpmClient(t *testing.T) {
	t.Parallel()
	e := npmStart(t)
	const widget = "@acme/widget"
	widgetReadme := "# Widget\n\nMakes widgets.\n"

	// Dependencies first, so that installing the widget resolves them all.
	// npm publishes the unscoped base-lib and the scoped widget; the rest
	// goes over plain HTTP to keep the test fast.
	e.publish(t, npmPkg{name: "base-lib", version: "1.0.0", extra: map[string]any{"description": "base"}})
	e.httpPublish(t, "peer-x", "1.2.0", nil)
	e.httpPublish(t, "@acme/opt-y", "1.0.0", nil)
	widgetDir := e.publish(t, npmPkg{name: widget, version: "1.0.0", readme: widgetReadme, index: "module.exports = 'widget 1.0.0';\n",
		extra: map[string]any{
			"description":          "A widget maker",
			"license":              "MIT",
			"homepage":             "https://widget.example",
			"repository":           map[string]any{"type": "git", "url": "git+https://git.example/acme/widget.git"},
			"dependencies":         map[string]string{"base-lib": "^1.0.0"},
			"devDependencies":      map[string]string{"@acme/devtool": "~2.0.0"},
			"peerDependencies":     map[string]string{"peer-x": ">=1.0.0"},
			"optionalDependencies": map[string]string{"@acme/opt-y": "1.x"},
		}})
	e.httpPublish(t, widget, "1.1.0", nil)
	tags := func(t *testing.T, name string) map[string]string {
		t.Helper()
		return npmTagsOf(e.packument(t, npmEscape(name)))
	}

	t.Run("ControlPlaneShowsMetadata", func(t *testing.T) {
		d, err := e.describe(t, widget, "1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(d.DisplayName) != widget || aws.ToString(d.Summary) != "A widget maker" ||
			aws.ToString(d.HomePage) != "https://widget.example" ||
			aws.ToString(d.SourceCodeRepository) != "git+https://git.example/acme/widget.git" ||
			aws.ToString(d.Namespace) != "acme" || aws.ToString(d.PackageName) != "widget" ||
			d.Status != types.PackageVersionStatusPublished || d.Format != types.PackageFormatNpm {
			t.Errorf("DescribePackageVersion = %+v", d)
		}
		if len(d.Licenses) != 1 || aws.ToString(d.Licenses[0].Name) != "MIT" {
			t.Errorf("licenses = %+v", d.Licenses)
		}
		if u, err := e.describe(t, "base-lib", "1.0.0"); err != nil || u.Namespace != nil || aws.ToString(u.DisplayName) != "base-lib" || aws.ToString(u.Summary) != "base" {
			t.Errorf("unscoped DescribePackageVersion = %+v, %v", u, err)
		}

		deps, err := e.c.ListPackageVersionDependencies(t.Context(), &codeartifact.ListPackageVersionDependenciesInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
			Namespace: aws.String("acme"), Package: aws.String("widget"), PackageVersion: aws.String("1.0.0"),
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, dep := range deps.Dependencies {
			got = append(got, aws.ToString(dep.DependencyType)+" "+aws.ToString(dep.Namespace)+"/"+aws.ToString(dep.Package)+" "+aws.ToString(dep.VersionRequirement))
		}
		slices.Sort(got)
		want := []string{"dev acme/devtool ~2.0.0", "optional acme/opt-y 1.x", "peer /peer-x >=1.0.0", "regular /base-lib ^1.0.0"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("dependencies = %q, want %q", got, want)
		}

		rd, err := e.c.GetPackageVersionReadme(t.Context(), &codeartifact.GetPackageVersionReadmeInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
			Namespace: aws.String("acme"), Package: aws.String("widget"), PackageVersion: aws.String("1.0.0"),
		})
		if err != nil || aws.ToString(rd.Readme) != widgetReadme {
			t.Errorf("readme = %q, %v; want %q", aws.ToString(rd.Readme), err, widgetReadme)
		}

		// The one asset is the tarball npm downloads, with its hashes.
		as, err := e.c.ListPackageVersionAssets(t.Context(), &codeartifact.ListPackageVersionAssetsInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm,
			Namespace: aws.String("acme"), Package: aws.String("widget"), PackageVersion: aws.String("1.0.0"),
		})
		if err != nil || len(as.Assets) != 1 {
			t.Fatalf("assets = %+v, %v", as, err)
		}
		a := as.Assets[0]
		if aws.ToString(a.Name) != "package.tgz" {
			t.Errorf("asset name %q, want package.tgz", aws.ToString(a.Name))
		}
		resp, tgz := e.do(t, "GET", e.endpoint+"@acme/widget/-/widget-1.0.0.tgz", nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("tarball: %d %s", resp.StatusCode, tgz)
		}
		m5, s1, s256, s512 := md5.Sum(tgz), sha1.Sum(tgz), sha256.Sum256(tgz), sha512.Sum512(tgz)
		wantHashes := map[string]string{"MD5": hex.EncodeToString(m5[:]), "SHA-1": hex.EncodeToString(s1[:]), "SHA-256": hex.EncodeToString(s256[:]), "SHA-512": hex.EncodeToString(s512[:])}
		gotHashes := map[string]string{}
		for k, v := range a.Hashes {
			gotHashes[string(k)] = v
		}
		if !reflect.DeepEqual(gotHashes, wantHashes) || aws.ToInt64(a.Size) != int64(len(tgz)) {
			t.Errorf("asset hashes %v size %d, want %v size %d", gotHashes, aws.ToInt64(a.Size), wantHashes, len(tgz))
		}
		doc := e.packument(t, "@acme%2fwidget")
		dist := doc["versions"].(map[string]any)["1.0.0"].(map[string]any)["dist"].(map[string]any)
		if dist["shasum"] != hex.EncodeToString(s1[:]) || dist["integrity"] != "sha512-"+base64.StdEncoding.EncodeToString(s512[:]) ||
			dist["tarball"] != e.endpoint+"@acme/widget/-/widget-1.0.0.tgz" {
			t.Errorf("dist = %v", dist)
		}

		list, err := e.c.ListPackages(t.Context(), &codeartifact.ListPackagesInput{Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, p := range list.Packages {
			names = append(names, aws.ToString(p.Namespace)+"/"+aws.ToString(p.Package))
		}
		slices.Sort(names)
		if want := []string{"/base-lib", "/peer-x", "acme/opt-y", "acme/widget"}; !reflect.DeepEqual(names, want) {
			t.Errorf("packages = %v, want %v", names, want)
		}
	})

	t.Run("Install", func(t *testing.T) {
		proj := e.install(t, widget+"@1.0.0", "base-lib")
		for f, want := range map[string]string{
			"node_modules/@acme/widget/index.js":  "module.exports = 'widget 1.0.0';\n",
			"node_modules/@acme/widget/README.md": widgetReadme,
			"node_modules/base-lib/index.js":      `module.exports = "base-lib@1.0.0";` + "\n",
		} {
			b, err := os.ReadFile(filepath.Join(proj, f))
			if err != nil || string(b) != want {
				t.Errorf("%s = %q, %v; want %q", f, b, err, want)
			}
		}
		// npm installs peer and optional dependencies from the registry too.
		for _, dir := range []string{"node_modules/peer-x", "node_modules/@acme/opt-y"} {
			if _, err := os.Stat(filepath.Join(proj, dir, "package.json")); err != nil {
				t.Errorf("%s not installed: %v", dir, err)
			}
		}
		// A missing package is npm's E404.
		out := e.fails(t, e.project(t), "install", "--no-audit", "--no-fund", "no-such-package")
		if !strings.Contains(out, "E404") {
			t.Errorf("missing package: npm said %s", out)
		}
	})

	t.Run("View", func(t *testing.T) {
		v, _ := e.viewJSON(t, widget, "versions", "dist-tags").(map[string]any)
		if !reflect.DeepEqual(v["versions"], []any{"1.0.0", "1.1.0"}) || !reflect.DeepEqual(v["dist-tags"], map[string]any{"latest": "1.1.0"}) {
			t.Errorf("npm view versions dist-tags = %v", v)
		}
	})

	t.Run("DistTags", func(t *testing.T) {
		e.must(t, e.dir, "dist-tag", "add", widget+"@1.0.0", "stable")
		if got := tags(t, widget); !reflect.DeepEqual(got, map[string]string{"latest": "1.1.0", "stable": "1.0.0"}) {
			t.Errorf("after add: %v", got)
		}
		out := e.must(t, e.dir, "dist-tag", "ls", widget)
		if !strings.Contains(out, "stable: 1.0.0") || !strings.Contains(out, "latest: 1.1.0") {
			t.Errorf("dist-tag ls = %q", out)
		}
		e.must(t, e.dir, "dist-tag", "rm", widget, "stable")
		if got := tags(t, widget); !reflect.DeepEqual(got, map[string]string{"latest": "1.1.0"}) {
			t.Errorf("after rm: %v", got)
		}
	})

	t.Run("PublishWithTag", func(t *testing.T) {
		e.publish(t, npmPkg{name: "base-lib", version: "2.0.0-beta.1"}, "--tag", "beta")
		if got := tags(t, "base-lib"); !reflect.DeepEqual(got, map[string]string{"latest": "1.0.0", "beta": "2.0.0-beta.1"}) {
			t.Errorf("publish --tag beta: dist-tags %v (latest must not move)", got)
		}
	})

	t.Run("Deprecate", func(t *testing.T) {
		before, _ := e.describe(t, widget, "1.0.0")
		e.must(t, e.dir, "deprecate", widget+"@1.0.0", "use 1.1.0 instead")
		versions := e.packument(t, npmEscape(widget))["versions"].(map[string]any)
		if d := versions["1.0.0"].(map[string]any)["deprecated"]; d != "use 1.1.0 instead" {
			t.Errorf("1.0.0 deprecated = %v", d)
		}
		if d, ok := versions["1.1.0"].(map[string]any)["deprecated"]; ok {
			t.Errorf("1.1.0 deprecated too: %v", d)
		}
		after, _ := e.describe(t, widget, "1.0.0")
		if before == nil || after == nil || aws.ToString(after.Revision) == aws.ToString(before.Revision) {
			t.Errorf("revision did not follow the deprecation")
		}
		r := e.run(t, e.project(t), "install", "--no-audit", "--no-fund", "--prefer-online", widget+"@1.0.0")
		if r.err != nil || !strings.Contains(r.stderr, "deprecated") || !strings.Contains(r.stderr, "use 1.1.0 instead") {
			t.Errorf("installing a deprecated version: %v\n%s", r.err, r)
		}
		e.must(t, e.dir, "deprecate", widget+"@1.0.0", "")
		versions = e.packument(t, npmEscape(widget))["versions"].(map[string]any)
		if d, ok := versions["1.0.0"].(map[string]any)["deprecated"]; ok {
			t.Errorf("undeprecate: %v", d)
		}
	})

	t.Run("RepublishRefused", func(t *testing.T) {
		// Identical bytes (npm --force re-sends the same tarball): harmless.
		before, _ := e.describe(t, widget, "1.0.0")
		e.must(t, widgetDir, "publish", "--force")
		after, _ := e.describe(t, widget, "1.0.0")
		if aws.ToString(after.Revision) != aws.ToString(before.Revision) {
			t.Errorf("identical republish changed the revision")
		}
		// Other bytes: refused with npm's message.
		os.WriteFile(filepath.Join(widgetDir, "index.js"), []byte("module.exports = 'changed';\n"), 0o644)
		out := e.fails(t, widgetDir, "publish", "--force")
		if !strings.Contains(out, "403") || !strings.Contains(out, "cannot publish over the previously published versions: 1.0.0") {
			t.Errorf("republish: npm said %s", out)
		}
		resp, tgz := e.do(t, "GET", e.endpoint+"@acme/widget/-/widget-1.0.0.tgz", nil, nil)
		if resp.StatusCode != 200 || aws.ToString(after.Revision) != aws.ToString(e.mustDescribe(t, widget, "1.0.0").Revision) || len(tgz) == 0 {
			t.Errorf("the version changed after a refused republish")
		}
	})

	t.Run("Unpublish", func(t *testing.T) {
		e.httpPublish(t, widget, "1.2.0", map[string]string{"next": "1.2.0"})
		e.must(t, e.dir, "unpublish", widget+"@1.2.0")
		doc := e.packument(t, npmEscape(widget))
		if v := npmVersionsOf(doc); !reflect.DeepEqual(v, []string{"1.0.0", "1.1.0"}) {
			t.Errorf("versions after unpublish = %v", v)
		}
		if got := npmTagsOf(doc); !reflect.DeepEqual(got, map[string]string{"latest": "1.1.0"}) {
			t.Errorf("dist-tags after unpublish = %v", got)
		}
		_, err := e.describe(t, widget, "1.2.0")
		npmExpectGone(t, err)
		resp, _ := e.do(t, "GET", e.endpoint+"@acme/widget/-/widget-1.2.0.tgz", nil, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("tarball of an unpublished version: %d", resp.StatusCode)
		}
		// Unpublishing the version latest points at moves latest.
		e.must(t, e.dir, "unpublish", widget+"@1.1.0")
		if got := tags(t, widget); !reflect.DeepEqual(got, map[string]string{"latest": "1.0.0"}) {
			t.Errorf("dist-tags after unpublishing latest = %v", got)
		}
		// The whole package, with --force.
		e.httpPublish(t, "gone-soon", "1.0.0", nil)
		e.httpPublish(t, "gone-soon", "1.0.1", nil)
		e.must(t, e.dir, "unpublish", "gone-soon", "--force")
		_, err = e.c.DescribePackage(t.Context(), &codeartifact.DescribePackageInput{
			Domain: aws.String(e.domain), Repository: aws.String(e.repo), Format: types.PackageFormatNpm, Package: aws.String("gone-soon"),
		})
		npmExpectGone(t, err)
		if doc := e.packument(t, "gone-soon"); doc != nil {
			t.Errorf("packument of an unpublished package: %v", doc)
		}
	})

	t.Run("PingWhoami", func(t *testing.T) {
		r := e.run(t, e.dir, "ping", "--loglevel", "notice")
		if r.err != nil || !strings.Contains(r.stderr+r.stdout, "PONG") {
			t.Errorf("npm ping: %v\n%s", r.err, r)
		}
		if out := strings.TrimSpace(e.must(t, e.dir, "whoami")); out != e.srv.Account {
			t.Errorf("npm whoami = %q, want %q", out, e.srv.Account)
		}
	})
}

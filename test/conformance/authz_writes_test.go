package conformance

// The data-plane writes beyond publishing need their own actions (issue
// #14, guide §7.4): npm dist-tag and deprecate need PutPackageMetadata,
// npm unpublish DeletePackageVersions (a version) or DeletePackage (the
// package), and a Maven deploy PutPackageMetadata for the
// maven-metadata.xml that finishes it. A user allowed only to publish gets
// 403 for each, with AWS's message; given the action, the same token works.
// Helpers are in authz_helpers_test.go.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

func TestAuthzWriteActions(t *testing.T) {
	t.Parallel()
	e := azStart(t, []string{"app"})
	npmPath(t)
	pkgs := "arn:aws:codeartifact:" + e.s.Region + ":" + e.s.Account + ":package/" + e.domain + "/app/"
	base := []azStatement{
		azAllow(e.domainARN(), "codeartifact:GetAuthorizationToken"),
		azAllow(e.repoARN("app"), "codeartifact:ReadFromRepository"),
		azAllow(pkgs+"*", "codeartifact:PublishPackageVersion"),
		azBearer(),
	}
	pub := e.createUser(t, e.admin, "publisher", azPolicy(base...))
	tok, _ := e.token(t, pub, "")
	grant := func(t *testing.T, actions ...string) {
		t.Helper()
		e.putUserPolicy(t, e.admin, "publisher", "p", azPolicy(append(base[:len(base):len(base)], azAllow(pkgs+"*", actions...))...))
	}
	denied := func(t *testing.T, what, out, action, resource string) {
		t.Helper()
		azDenied(t, what, out, e.userARN("publisher"), action, resource)
	}

	t.Run("npm", func(t *testing.T) {
		n := e.npm(t, "app", tok)
		n.publish(t, npmPkg{name: "meta-az", version: "1.0.0"})
		n.publish(t, npmPkg{name: "meta-az", version: "1.1.0"})
		n.publish(t, npmPkg{name: "whole-az", version: "1.0.0"})
		res := pkgs + "npm//meta-az"

		r := n.run(t, n.dir, "dist-tag", "add", "meta-az@1.0.0", "stable")
		denied(t, "npm dist-tag add", azExpectNpm(t, "npm dist-tag add as publisher", r, "E403"), "codeartifact:PutPackageMetadata", res)
		r = n.run(t, n.dir, "deprecate", "meta-az@1.0.0", "use 1.1")
		denied(t, "npm deprecate", azExpectNpm(t, "npm deprecate as publisher", r, "E403"), "codeartifact:PutPackageMetadata", res)
		r = n.run(t, n.dir, "unpublish", "meta-az@1.0.0")
		denied(t, "npm unpublish meta-az@1.0.0", azExpectNpm(t, "npm unpublish of a version as publisher", r, "E403"),
			"codeartifact:DeletePackageVersions", res)
		r = n.run(t, n.dir, "unpublish", "whole-az", "--force")
		denied(t, "npm unpublish whole-az --force", azExpectNpm(t, "npm unpublish of a package as publisher", r, "E403"),
			"codeartifact:DeletePackage", pkgs+"npm//whole-az")
		doc := n.packument(t, "meta-az")
		if got := npmVersionsOf(doc); strings.Join(got, ",") != "1.0.0,1.1.0" {
			t.Errorf("versions after refused unpublish = %v", got)
		}
		if tags := npmTagsOf(doc); tags["stable"] != "" {
			t.Errorf("dist-tags after a refused dist-tag add = %v", tags)
		}
		if v, _ := doc["versions"].(map[string]any)["1.0.0"].(map[string]any); v["deprecated"] != nil {
			t.Errorf("1.0.0 deprecated after a refused npm deprecate: %v", v["deprecated"])
		}

		grant(t, "codeartifact:PutPackageMetadata", "codeartifact:DeletePackageVersions", "codeartifact:DeletePackage")
		n.must(t, n.dir, "dist-tag", "add", "meta-az@1.0.0", "stable")
		n.must(t, n.dir, "deprecate", "meta-az@1.0.0", "use 1.1")
		n.must(t, n.dir, "unpublish", "meta-az@1.1.0")
		n.must(t, n.dir, "unpublish", "whole-az", "--force")
		doc = n.packument(t, "meta-az")
		if got := npmVersionsOf(doc); strings.Join(got, ",") != "1.0.0" {
			t.Errorf("versions after unpublish with DeletePackageVersions = %v", got)
		}
		if tags := npmTagsOf(doc); tags["stable"] != "1.0.0" {
			t.Errorf("dist-tags after dist-tag add with PutPackageMetadata = %v", tags)
		}
		if n.packument(t, "whole-az") != nil {
			t.Errorf("whole-az still there after npm unpublish --force with DeletePackage")
		}
	})

	t.Run("maven", func(t *testing.T) {
		e.putUserPolicy(t, e.admin, "publisher", "p", azPolicy(base...))
		m := &mavenRepo{s: e.s, c: e.c, domain: e.domain, repo: "app", token: tok,
			endpoint: e.endpoint(t, "app", types.PackageFormatMaven), work: t.TempDir()}
		dir := "com/example/lib/1.0/lib-1.0"
		m.putWithChecksums(t, dir+".jar", mvnJar(t, "authz"))
		m.putWithChecksums(t, dir+".pom", mvnPom("com.example", "lib", "1.0"))
		meta := mvnMetadata("com.example", "lib", "1.0")
		resp, body := m.put(t, "com/example/lib/maven-metadata.xml", meta)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("PUT maven-metadata.xml without PutPackageMetadata: %d %s, want 403", resp.StatusCode, body)
		}
		denied(t, "PUT maven-metadata.xml", string(body), "codeartifact:PutPackageMetadata", pkgs+"maven/com.example/lib")
		if vs := m.versions(t, "com.example", "lib"); vs["1.0"] != types.PackageVersionStatusUnfinished {
			t.Errorf("lib 1.0 after a refused maven-metadata.xml: %v, want Unfinished", vs)
		}
		grant(t, "codeartifact:PutPackageMetadata")
		m.putWithChecksums(t, "com/example/lib/maven-metadata.xml", meta)
		if vs := m.versions(t, "com.example", "lib"); vs["1.0"] != types.PackageVersionStatusPublished {
			t.Errorf("lib 1.0 after maven-metadata.xml with PutPackageMetadata: %v, want Published", vs)
		}
	})
}

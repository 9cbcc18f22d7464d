package conformance

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"
)

// TestCargoAuthz: with the real cargo, a user who may only read cannot
// publish (403 with AWS's wording, printed by cargo, and nothing kept), a
// publisher cannot yank until given UpdatePackageVersionsStatus.
// Helpers are in authz_helpers_test.go.
func TestCargoAuthz(t *testing.T) {
	t.Parallel()
	cargoRequireTool(t)
	e := azStart(t, []string{"app"})
	pkgs := "arn:aws:codeartifact:" + e.s.Region + ":" + e.s.Account + ":package/" + e.domain + "/app/"
	read := []azStatement{
		azAllow(e.domainARN(), "codeartifact:GetAuthorizationToken"),
		azAllow(e.repoARN("app"), "codeartifact:ReadFromRepository"),
		azBearer(),
	}
	reader := e.createUser(t, e.admin, "reader", azPolicy(read...))
	publish := append(read[:len(read):len(read)], azAllow(pkgs+"*", "codeartifact:PublishPackageVersion"))
	publisher := e.createUser(t, e.admin, "publisher", azPolicy(publish...))
	readTok, _ := e.token(t, reader, "")
	pubTok, _ := e.token(t, publisher, "")

	p := &cargoRepo{s: e.s, c: e.c, domain: e.domain, repo: "app", endpoint: e.endpoint(t, "app", types.PackageFormatCargo), work: t.TempDir()}
	home := p.cargoHome(t, "home")
	crate := cargoCrate{Name: "authz-crate", Version: "1.0.0", Manifest: "description = \"d\"\nlicense = \"MIT\"\n",
		Files: map[string]string{"src/lib.rs": "\n"}}
	dir := crate.write(t, filepath.Join(p.work, "src"))
	res := pkgs + "cargo//authz-crate"

	out, code := p.cargo(t, home, dir, readTok, "publish", "--registry", "art", "--no-verify", "--allow-dirty")
	if code == 0 || !strings.Contains(out, "403") {
		t.Fatalf("cargo publish as reader: exit %d\n%s", code, out)
	}
	azDenied(t, "cargo publish as reader", out, e.userARN("reader"), "codeartifact:PublishPackageVersion", res)
	if vs := upVersionNames(t, e.c, e.domain, "app", types.PackageFormatCargo, "authz-crate"); vs != nil {
		t.Errorf("a refused publish kept %v", vs)
	}

	if out, code := p.cargo(t, home, dir, pubTok, "publish", "--registry", "art", "--no-verify", "--allow-dirty"); code != 0 {
		t.Fatalf("cargo publish as publisher: exit %d\n%s", code, out)
	}
	out, code = p.cargo(t, home, dir, pubTok, "yank", "--registry", "art", "--version", "1.0.0", "authz-crate")
	if code == 0 {
		t.Fatalf("cargo yank as publisher: exit 0\n%s", out)
	}
	azDenied(t, "cargo yank as publisher", out, e.userARN("publisher"), "codeartifact:UpdatePackageVersionsStatus", res)
	e.putUserPolicy(t, e.admin, "publisher", "yank", azPolicy(azAllow(pkgs+"*", "codeartifact:UpdatePackageVersionsStatus")))
	if out, code := p.cargo(t, home, dir, pubTok, "yank", "--registry", "art", "--version", "1.0.0", "authz-crate"); code != 0 {
		t.Fatalf("cargo yank once allowed: exit %d\n%s", code, out)
	}
	p.token = pubTok
	if l := p.indexLines(t, "au/th/authz-crate"); l["1.0.0"]["yanked"] != true {
		t.Errorf("index after the yank: %v", l)
	}
}

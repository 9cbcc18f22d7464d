package conformance

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/internal/format/cargo"
	"github.com/artifactd/artifactd/test/harness"
)

// cargoStandin is a stand-in public sparse index on 127.0.0.1: index
// files at {root}{IndexPath}, .crate files at
// {root}api/v1/crates/{crate}/{version}/download (the convention
// artifactd's Remote documents).
type cargoStandin struct {
	srv       *httptest.Server
	mu        sync.Mutex
	index     map[string][]string // index path → lines
	crates    map[string][]byte   // name/version → .crate
	downloads map[string]int
}

func newCargoStandin(t *testing.T) *cargoStandin {
	t.Helper()
	st := &cargoStandin{index: map[string][]string{}, crates: map[string][]byte{}, downloads: map[string]int{}}
	st.srv = httptest.NewServer(http.HandlerFunc(st.serve))
	t.Cleanup(st.srv.Close)
	return st
}

// root is the URL an operator gives the external connection.
func (st *cargoStandin) root() string { return st.srv.URL + "/index/" }

func (st *cargoStandin) serve(w http.ResponseWriter, r *http.Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p, ok := strings.CutPrefix(r.URL.Path, "/index/")
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest, ok := strings.CutPrefix(p, "api/v1/crates/"); ok {
		parts := strings.Split(rest, "/")
		if len(parts) == 3 && parts[2] == "download" {
			if b, ok := st.crates[parts[0]+"/"+parts[1]]; ok {
				st.downloads[parts[0]+"/"+parts[1]]++
				w.Write(b)
				return
			}
		}
		http.NotFound(w, r)
		return
	}
	lines, ok := st.index[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(strings.Join(lines, "\n") + "\n"))
}

// add publishes a crate to the stand-in, yanked or not.
func (st *cargoStandin) add(t *testing.T, c cargoCrate, yanked bool) {
	t.Helper()
	b := c.dotCrate(t)
	line, _ := json.Marshal(cargo.Entry{Name: c.Name, Vers: c.Version, Deps: []cargo.Dep{}, Cksum: cargoSHA256(b),
		Features: map[string][]string{}, Yanked: yanked})
	st.mu.Lock()
	defer st.mu.Unlock()
	p := cargo.IndexPath(c.Name)
	st.index[p] = append(st.index[p], string(line))
	st.crates[c.Name+"/"+c.Version] = b
}

func (st *cargoStandin) downloaded(key string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.downloads[key]
}

// TestCargoUpstreamsAndExternal: cargo publishes to team a crate depending
// on one that only the public index (public:crates-io, a stand-in) has,
// then builds, through app → team → store (the external connection), a
// binary using it. The .crate files fetched are kept (the public one in
// store and app, origin EXTERNAL; team keeps nothing), the upstream's
// yanked version is avoided, and once the index is gone a fresh build
// still works from what is kept.
func TestCargoUpstreamsAndExternal(t *testing.T) {
	t.Parallel()
	st := newCargoStandin(t)
	st.add(t, cargoCrate{Name: "ext-dep", Version: "1.0.0", Files: map[string]string{"src/lib.rs": "pub fn ext() -> u32 { 7 }\n"}}, false)
	st.add(t, cargoCrate{Name: "ext-dep", Version: "1.2.0", Files: map[string]string{"src/lib.rs": "pub fn ext() -> u32 { 99 }\n"}}, true)

	s := harness.Start(t, harness.WithArgs("--external-connection", "public:crates-io="+st.root()+";ttl=1s;timeout=10s"))
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "store")
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("store"), ExternalConnection: aws.String("public:crates-io")}); err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "team", "store")
	harness.CreateRepository(t, c, "acme", "app", "team")
	team, app := cargoRepoOf(t, s, c, "team"), cargoRepoOf(t, s, c, "app")

	lib := cargoCrate{Name: "team-lib", Version: "0.1.0",
		Manifest: "description = \"team\"\nlicense = \"MIT\"\n\n[dependencies]\next-dep = { version = \"1\", registry = \"art\" }\n",
		Files:    map[string]string{"src/lib.rs": "pub fn show() -> String { format!(\"team {}\", ext_dep::ext()) }\n"}}
	dir := lib.write(t, filepath.Join(team.work, "src"))
	if out, code := team.cargo(t, team.cargoHome(t, "pub"), dir, "Bearer "+team.token, "publish", "--registry", "art", "--no-verify", "--allow-dirty"); code != 0 {
		t.Fatalf("cargo publish team-lib to team: exit %d\n%s", code, out)
	}

	// The index through app lists the public versions, yanked as the
	// public index says, without keeping anything.
	if l := app.indexLines(t, "ex/t-/ext-dep"); len(l) != 2 || l["1.2.0"]["yanked"] != true || l["1.0.0"]["yanked"] != false {
		t.Fatalf("ext-dep through app: %v", l)
	}
	versionsIn := func(repo, pkg string) []string {
		t.Helper()
		return upVersionNames(t, c, "acme", repo, types.PackageFormatCargo, pkg)
	}
	if vs := versionsIn("store", "ext-dep"); vs != nil {
		t.Errorf("reading the index kept %v", vs)
	}

	binApp := cargoCrate{Name: "ext-app", Version: "0.0.1", Manifest: "publish = false\n\n[dependencies]\nteam-lib = \"0.1\"\n",
		Files: map[string]string{"src/main.rs": "fn main() { println!(\"{}\", team_lib::show()); }\n"}}
	build := func(name string) {
		t.Helper()
		dir := binApp.write(t, filepath.Join(app.work, name))
		if out, code := app.cargo(t, app.cargoHome(t, name), dir, "Bearer "+app.token, "build", "--quiet"); code != 0 {
			t.Fatalf("cargo build through app (%s): exit %d\n%s", name, code, out)
		}
		out, err := exec.Command(filepath.Join(dir, "target", "debug", "ext-app")).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "team 7" {
			t.Fatalf("ext-app (%s): %v %q, want team 7 (ext-dep 1.0.0, not the yanked 1.2.0)", name, err, out)
		}
	}
	build("first")

	if vs := versionsIn("app", "team-lib"); !slices.Equal(vs, []string{"0.1.0"}) {
		t.Errorf("team-lib kept in app: %v", vs)
	}
	for repo, want := range map[string][]string{"app": {"1.0.0"}, "store": {"1.0.0"}, "team": nil} {
		if vs := versionsIn(repo, "ext-dep"); !slices.Equal(vs, want) {
			t.Errorf("ext-dep kept in %s: %v, want %v", repo, vs, want)
		}
	}
	dv, err := c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String("acme"), Repository: aws.String("store"),
		Format: types.PackageFormatCargo, Package: aws.String("ext-dep"), PackageVersion: aws.String("1.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	if o := dv.PackageVersion.Origin; o == nil || o.OriginType != types.PackageVersionOriginTypeExternal ||
		aws.ToString(o.DomainEntryPoint.ExternalConnectionName) != "public:crates-io" {
		t.Errorf("origin of the kept ext-dep: %+v", o)
	}
	if n := st.downloaded("ext-dep/1.2.0"); n != 0 {
		t.Errorf("the yanked version was downloaded %d times", n)
	}

	// The public index gone, a fresh CARGO_HOME builds from what is kept.
	st.srv.Close()
	build("offline-upstream")
}

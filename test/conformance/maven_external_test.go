package conformance

// Maven through an external connection: a stand-in for Maven Central (a
// folder in Maven's layout written by test/mavenrepo, served by
// http.FileServer on 127.0.0.1) reached through public:maven-central, with
//
//	app (the repository mvn resolves from) -> maven-central-store (public:maven-central)
//
// Every identifier here starts with "mvnExt" so that it cannot clash with
// the other Maven helpers.

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact"
	"github.com/aws/aws-sdk-go-v2/service/codeartifact/types"

	"github.com/artifactd/artifactd/test/harness"
	"github.com/artifactd/artifactd/test/mavenrepo"
)

// mvnExtStandin serves a mavenrepo folder and counts requests by path.
type mvnExtStandin struct {
	srv  *httptest.Server
	dir  string
	tree *mavenrepo.Tree

	mu   sync.Mutex
	hits map[string]int
}

func mvnExtNewStandin(t *testing.T, opts mavenrepo.Options) *mvnExtStandin {
	t.Helper()
	dir := t.TempDir()
	tree, err := mavenrepo.Generate(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	st := &mvnExtStandin{dir: dir, tree: tree, hits: map[string]int{}}
	fs := http.FileServer(http.Dir(dir))
	st.srv = localServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st.mu.Lock()
		st.hits[strings.TrimPrefix(r.URL.Path, "/")]++
		st.mu.Unlock()
		fs.ServeHTTP(w, r)
	}))
	return st
}

// requests is how many times the stand-in was asked for rel.
func (st *mvnExtStandin) requests(rel string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.hits[rel]
}

// requestsUnder counts the requests for paths starting with prefix.
func (st *mvnExtStandin) requestsUnder(prefix string) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for p, c := range st.hits {
		if strings.HasPrefix(p, prefix) {
			n += c
		}
	}
	return n
}

// write puts a file (with right .sha1 and .md5) into the stand-in's folder.
func (st *mvnExtStandin) write(t *testing.T, rel string, data []byte) mavenrepo.File {
	t.Helper()
	f, err := mavenrepo.WriteFile(st.dir, rel, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// stop closes the stand-in: every later request fails to connect.
func (st *mvnExtStandin) stop() {
	st.srv.Config.Close()
}

// mvnExtEnv is artifactd with public:maven-central reaching the stand-in:
// domain acme, maven-central-store (associated with the connection) and
// app (upstream maven-central-store). The Maven helpers (mavenRepo, in
// maven_helpers_test.go) work on app; store is the same on
// maven-central-store.
type mvnExtEnv struct {
	*mavenRepo
	store *mavenRepo
}

func mvnExtStart(t *testing.T, st *mvnExtStandin) *mvnExtEnv {
	t.Helper()
	s := harness.Start(t, harness.WithArgs("--external-connection", "public:maven-central="+st.srv.URL+"/"))
	c := s.Client(t)
	ctx := t.Context()
	harness.CreateDomain(t, c, "acme")
	harness.CreateRepository(t, c, "acme", "maven-central-store")
	if _, err := c.AssociateExternalConnection(ctx, &codeartifact.AssociateExternalConnectionInput{Domain: aws.String("acme"),
		Repository: aws.String("maven-central-store"), ExternalConnection: aws.String("public:maven-central")}); err != nil {
		t.Fatalf("AssociateExternalConnection: %v", err)
	}
	harness.CreateRepository(t, c, "acme", "app", "maven-central-store")
	tok, err := c.GetAuthorizationToken(ctx, &codeartifact.GetAuthorizationTokenInput{Domain: aws.String("acme")})
	if err != nil {
		t.Fatal(err)
	}
	e := &mvnExtEnv{}
	for _, repo := range []string{"app", "maven-central-store"} {
		ep, err := c.GetRepositoryEndpoint(ctx, &codeartifact.GetRepositoryEndpointInput{Domain: aws.String("acme"),
			Repository: aws.String(repo), Format: types.PackageFormatMaven})
		if err != nil {
			t.Fatalf("GetRepositoryEndpoint %s --format maven: %v", repo, err)
		}
		endpoint := aws.ToString(ep.RepositoryEndpoint)
		if want := s.URL + "/maven/d/acme-" + s.Account + "/" + repo + "/"; endpoint != want {
			t.Fatalf("%s: maven endpoint %q, want %q", repo, endpoint, want)
		}
		m := &mavenRepo{s: s, c: c, domain: "acme", repo: repo, token: aws.ToString(tok.AuthorizationToken), endpoint: endpoint, work: t.TempDir()}
		if repo == "app" {
			e.mavenRepo = m
		} else {
			e.store = m
		}
	}
	return e
}

// mvnExtVersions lists a Maven package's versions in m's repository (nil
// when it has no such package), with an origin-type filter ("" = none),
// sorted.
func mvnExtVersions(t *testing.T, m *mavenRepo, c mavenrepo.Coord, origin types.PackageVersionOriginType) []string {
	t.Helper()
	out, err := m.c.ListPackageVersions(t.Context(), &codeartifact.ListPackageVersionsInput{Domain: aws.String(m.domain),
		Repository: aws.String(m.repo), Format: types.PackageFormatMaven, Namespace: aws.String(c.GroupID),
		Package: aws.String(c.ArtifactID), OriginType: origin})
	if harness.ErrorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatalf("ListPackageVersions %s %s: %v", m.repo, c, err)
	}
	var vs []string
	for _, v := range out.Versions {
		vs = append(vs, aws.ToString(v.Version))
	}
	slices.Sort(vs)
	return vs
}

// mvnExtAssets lists a version's assets in m's repository by name (nil
// when there is no such version).
func mvnExtAssets(t *testing.T, m *mavenRepo, c mavenrepo.Coord) map[string]types.AssetSummary {
	t.Helper()
	out, err := m.c.ListPackageVersionAssets(t.Context(), &codeartifact.ListPackageVersionAssetsInput{Domain: aws.String(m.domain),
		Repository: aws.String(m.repo), Format: types.PackageFormatMaven, Namespace: aws.String(c.GroupID),
		Package: aws.String(c.ArtifactID), PackageVersion: aws.String(c.Version)})
	if harness.ErrorCode(err) == "ResourceNotFoundException" {
		return nil
	}
	if err != nil {
		t.Fatalf("ListPackageVersionAssets %s %s: %v", m.repo, c, err)
	}
	as := map[string]types.AssetSummary{}
	for _, a := range out.Assets {
		as[aws.ToString(a.Name)] = a
	}
	return as
}

// repos is app then maven-central-store.
func (e *mvnExtEnv) repos() []*mavenRepo { return []*mavenRepo{e.mavenRepo, e.store} }

// metadata GETs app's generated {g}/{a}/maven-metadata.xml: its
// versions, latest and release.
func (e *mvnExtEnv) metadata(t *testing.T, c mavenrepo.Coord) (versions []string, latest, release string) {
	t.Helper()
	rel := c.ArtifactDir() + "/maven-metadata.xml"
	resp, body := e.get(t, rel)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", rel, resp.StatusCode, body)
	}
	if !strings.Contains(string(body), "<groupId>"+c.GroupID+"</groupId>") || !strings.Contains(string(body), "<artifactId>"+c.ArtifactID+"</artifactId>") {
		t.Errorf("GET %s does not name %s:%s:\n%s", rel, c.GroupID, c.ArtifactID, body)
	}
	return mvnMetadataVersions(body)
}

// compile runs `mvn compile` of a fresh copy of the tree's consumer
// project with fresh settings (an empty local repository), and checks
// the result: the class compiled, and every jar and POM of the tree is in
// the local repository with the stand-in's bytes.
func (e *mvnExtEnv) compile(t *testing.T, tree *mavenrepo.Tree, name string) {
	t.Helper()
	proj := e.projectDir(t, name)
	if err := tree.WriteConsumer(proj); err != nil {
		t.Fatal(err)
	}
	settings, local := e.newSettings(t)
	out := e.mvnOK(t, settings, proj, "compile")
	if _, err := os.Stat(filepath.Join(proj, "target", "classes", "consumer", "App.class")); err != nil {
		t.Fatalf("%s: App.class not built: %v\n%s", name, err, mvnTail(out, 40))
	}
	for _, f := range tree.ResolvedFiles() {
		b, err := os.ReadFile(filepath.Join(local, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: %s not in the local repository: %v", name, f.Path, err)
			continue
		}
		if mvnSHA1(b) != f.SHA1 {
			t.Errorf("%s: %s in the local repository differs from the stand-in's", name, f.Path)
		}
	}
}

// tryGet GETs rel from app with the token and reads the answer whole: its
// status, how many bytes came, and the error if the connection failed or
// was cut (a server may abort a response it finds unsound midway).
func (e *mvnExtEnv) tryGet(t *testing.T, rel string) (int, int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.endpoint+rel, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("aws", e.token)
	resp, err := mvnHTTP.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, int(n), err
}

// mvnExtHashes are the hashes CodeArtifact reports for a file.
func mvnExtHashes(f mavenrepo.File) map[string]string {
	return map[string]string{"MD5": f.MD5, "SHA-1": f.SHA1, "SHA-256": f.SHA256, "SHA-512": f.SHA512}
}

// TestMavenExternalResolve: mvn compiles a consumer of a 10-artifact tree
// that only the stand-in Maven Central has, through app ->
// maven-central-store (public:maven-central). Before anything is kept,
// app's generated metadata lists the stand-in's versions. Afterwards both
// repositories keep each artifact's resolved version (and only it), origin
// EXTERNAL through public:maven-central, with its jar and POM as assets
// whose hashes are the stand-in's; each file was fetched from the
// stand-in once. Once the stand-in is stopped, a fresh local repository
// compiles again from what artifactd kept.
func TestMavenExternalResolve(t *testing.T) {
	t.Parallel()
	mvnRequire(t)
	st := mvnExtNewStandin(t, mavenrepo.Options{Count: 10, Seed: 12, MinSize: 5 << 10, MaxSize: 1 << 20})
	tree := st.tree
	e := mvnExtStart(t, st)
	ctx := t.Context()

	var two mavenrepo.Artifact // an artifact with an older version too
	for _, a := range tree.Artifacts {
		if len(a.Versions) > 1 {
			two = a
			break
		}
	}
	if two.GroupID == "" {
		t.Fatal("the generated tree has no artifact with two versions")
	}

	// Without credentials: the challenge mvn waits for.
	resp, _ := e.request(t, http.MethodGet, tree.Root.ArtifactDir()+"/maven-metadata.xml", nil, mvnNoAuth)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("GET without credentials: %d, WWW-Authenticate %q; want 401 with a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	// Generated metadata lists the upstream's versions before anything is
	// kept, and reading it keeps nothing.
	for _, a := range []mavenrepo.Artifact{tree.Artifacts[0], two} {
		vs, latest, release := e.metadata(t, a.Latest())
		want := a.Versions[len(a.Versions)-1]
		if !slices.Equal(vs, a.Versions) || latest != want || release != want {
			t.Errorf("%s:%s metadata before anything is kept: versions %v latest %q release %q; want %v, %s", a.GroupID, a.ArtifactID,
				vs, latest, release, a.Versions, want)
		}
		for _, m := range e.repos() {
			if vs := mvnExtVersions(t, m, a.Latest(), ""); len(vs) != 0 {
				t.Errorf("reading the metadata kept %s %v in %s", a.ArtifactID, vs, m.repo)
			}
		}
	}

	e.compile(t, tree, "first")

	for _, c := range tree.Resolved() {
		jar, _ := tree.File(c.Path("jar"))
		pom, _ := tree.File(c.Path("pom"))
		for _, m := range e.repos() {
			repo := m.repo
			if vs := mvnExtVersions(t, m, c, ""); !slices.Equal(vs, []string{c.Version}) {
				t.Errorf("%s keeps %s:%s %v, want [%s] (only the version resolved)", repo, c.GroupID, c.ArtifactID, vs, c.Version)
			}
			if vs := mvnExtVersions(t, m, c, types.PackageVersionOriginTypeExternal); !slices.Equal(vs, []string{c.Version}) {
				t.Errorf("%s: EXTERNAL versions of %s: %v", repo, c, vs)
			}
			if vs := mvnExtVersions(t, m, c, types.PackageVersionOriginTypeInternal); len(vs) != 0 {
				t.Errorf("%s: INTERNAL versions of %s: %v", repo, c, vs)
			}
			d, err := e.c.DescribePackageVersion(ctx, &codeartifact.DescribePackageVersionInput{Domain: aws.String("acme"),
				Repository: aws.String(repo), Format: types.PackageFormatMaven, Namespace: aws.String(c.GroupID),
				Package: aws.String(c.ArtifactID), PackageVersion: aws.String(c.Version)})
			if err != nil {
				t.Errorf("DescribePackageVersion %s %s: %v", repo, c, err)
				continue
			}
			pv := d.PackageVersion
			if o := pv.Origin; o == nil || o.OriginType != types.PackageVersionOriginTypeExternal || o.DomainEntryPoint == nil ||
				aws.ToString(o.DomainEntryPoint.ExternalConnectionName) != "public:maven-central" || o.DomainEntryPoint.RepositoryName != nil {
				t.Errorf("%s %s: origin %+v, want EXTERNAL through public:maven-central", repo, c, o)
			}
			if pv.Status != types.PackageVersionStatusPublished || aws.ToString(pv.Namespace) != c.GroupID || aws.ToString(pv.PackageName) != c.ArtifactID {
				t.Errorf("%s %s: described as %s %s:%s", repo, c, pv.Status, aws.ToString(pv.Namespace), aws.ToString(pv.PackageName))
			}
			as := mvnExtAssets(t, m, c)
			if got := slices.Sorted(maps.Keys(as)); !slices.Equal(got, []string{c.FileName("jar"), c.FileName("pom")}) {
				t.Errorf("%s %s: assets %v, want the jar and the POM", repo, c, got)
			}
			for _, f := range []mavenrepo.File{jar, pom} {
				a, ok := as[path.Base(f.Path)]
				if !ok {
					continue
				}
				if aws.ToInt64(a.Size) != f.Size || !maps.Equal(a.Hashes, mvnExtHashes(f)) {
					t.Errorf("%s %s: asset %s: size %d hashes %v; want %d %v", repo, c, aws.ToString(a.Name), aws.ToInt64(a.Size), a.Hashes, f.Size, mvnExtHashes(f))
				}
			}
		}
		// Fetched once each (mvn may ask for the .sha1 too, and artifactd
		// reads it to verify), and served with artifactd's checksums now.
		for _, f := range []mavenrepo.File{jar, pom} {
			if n := st.requests(f.Path); n != 1 {
				t.Errorf("the stand-in served %s %d times, want 1", f.Path, n)
			}
			resp, body := e.get(t, f.Path+".sha1")
			if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != f.SHA1 {
				t.Errorf("GET %s.sha1 through app: %d %q, want %s", f.Path, resp.StatusCode, body, f.SHA1)
			}
		}
	}
	// The older version of an artifact is listed, not kept.
	if vs := mvnExtVersions(t, e.mavenRepo, two.Latest(), ""); !slices.Equal(vs, []string{two.Latest().Version}) {
		t.Errorf("app keeps %s %v", two.ArtifactID, vs)
	}
	if vs, _, _ := e.metadata(t, two.Latest()); !slices.Equal(vs, two.Versions) {
		t.Errorf("%s metadata once kept: %v, want %v", two.ArtifactID, vs, two.Versions)
	}
	if n := st.requestsUnder(two.Latest().ArtifactDir() + "/" + two.Versions[0] + "/"); n != 0 {
		t.Errorf("the stand-in was asked %d times for the older %s %s", n, two.ArtifactID, two.Versions[0])
	}

	// The stand-in stops: a fresh local repository resolves everything
	// from artifactd.
	st.stop()
	e.compile(t, tree, "second")
	if vs, _, _ := e.metadata(t, tree.Root); !slices.Contains(vs, tree.Root.Version) {
		t.Errorf("root metadata with the stand-in stopped: %v, want it to list the kept %s", vs, tree.Root.Version)
	}
}

// TestMavenExternalChecksums: a file whose .sha1 at the stand-in is wrong,
// or missing, is not passed on (502) and not kept, while the version's
// sound POM is; a SHA-1 written with a trailing file name, as some tools
// write it, is accepted.
func TestMavenExternalChecksums(t *testing.T) {
	t.Parallel()
	st := mvnExtNewStandin(t, mavenrepo.Options{Count: 3, Seed: 5, MaxSize: 64 << 10})
	e := mvnExtStart(t, st)
	bad, missing, named := st.tree.Resolved()[0], st.tree.Resolved()[1], st.tree.Resolved()[2]
	wrong := sha1.Sum([]byte("other bytes"))
	if err := os.WriteFile(filepath.Join(st.dir, filepath.FromSlash(bad.Path("jar")+".sha1")), []byte(hex.EncodeToString(wrong[:])), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(st.dir, filepath.FromSlash(missing.Path("jar")+".sha1"))); err != nil {
		t.Fatal(err)
	}
	jf, _ := st.tree.File(named.Path("jar"))
	if err := os.WriteFile(filepath.Join(st.dir, filepath.FromSlash(named.Path("jar")+".sha1")), []byte(jf.SHA1+"  "+named.FileName("jar")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, c := range []mavenrepo.Coord{bad, missing} {
		jar, _ := st.tree.File(c.Path("jar"))
		for try := range 2 { // not kept, so asked again, and refused again
			status, n, err := e.tryGet(t, c.Path("jar"))
			switch {
			case c == missing && (err != nil || status != http.StatusBadGateway):
				// No SHA-1 to check against: refused before any byte.
				t.Errorf("GET %s (try %d): %d, %d bytes (%v); want 502", c.Path("jar"), try, status, n, err)
			case c == bad && status == http.StatusOK && (err == nil || int64(n) >= jar.Size):
				// The bytes stream as they arrive, the last one held back
				// until they check out (as for npm and PyPI): a mismatch
				// aborts the transfer, so the client never gets the file.
				t.Errorf("GET %s (try %d): 200 with %d of %d bytes (%v); want the transfer aborted", c.Path("jar"), try, n, jar.Size, err)
			case c == bad && status != http.StatusOK && status != http.StatusBadGateway:
				t.Errorf("GET %s (try %d): %d, want an aborted 200 or a 502", c.Path("jar"), try, status)
			}
		}
		if n := st.requests(c.Path("jar") + ".sha1"); n < 1 {
			t.Errorf("the stand-in was never asked for %s.sha1", c.Path("jar"))
		}
		pom, _ := st.tree.File(c.Path("pom"))
		resp, body := e.get(t, c.Path("pom"))
		if resp.StatusCode != http.StatusOK || string(body) != string(mvnReadFile(t, filepath.Join(st.dir, filepath.FromSlash(pom.Path)))) {
			t.Errorf("GET %s: %d, want 200 with the stand-in's bytes", c.Path("pom"), resp.StatusCode)
		}
		for _, m := range e.repos() {
			repo := m.repo
			as := mvnExtAssets(t, m, c)
			if _, ok := as[c.FileName("jar")]; ok {
				t.Errorf("%s keeps %s, whose .sha1 is %s", repo, c.FileName("jar"), map[bool]string{true: "wrong", false: "missing"}[c == bad])
			}
			if _, ok := as[c.FileName("pom")]; !ok {
				t.Errorf("%s does not keep the sound %s: assets %v", repo, c.FileName("pom"), slices.Sorted(maps.Keys(as)))
			}
		}
		resp, _ = e.get(t, c.Path("jar")+".sha1")
		if resp.StatusCode == http.StatusOK {
			t.Errorf("GET %s.sha1 of a file not kept: 200", c.Path("jar"))
		}
	}

	resp, body := e.get(t, named.Path("jar"))
	if resp.StatusCode != http.StatusOK || len(body) != int(jf.Size) {
		t.Errorf("GET %s (.sha1 with a file name): %d, %d bytes", named.Path("jar"), resp.StatusCode, len(body))
	}
	if as := mvnExtAssets(t, e.store, named); as[named.FileName("jar")].Hashes["SHA-1"] != jf.SHA1 {
		t.Errorf("maven-central-store: %s not kept with its SHA-1: %v", named.FileName("jar"), as)
	}
}

// TestMavenExternalSnapshots: SNAPSHOTs the stand-in lists are not passed
// on: app's generated metadata lists the releases only (a higher
// SNAPSHOT is neither latest nor release), and the SNAPSHOT's files and
// version-level metadata are 404 without the stand-in being asked.
func TestMavenExternalSnapshots(t *testing.T) {
	t.Parallel()
	st := mvnExtNewStandin(t, mavenrepo.Options{Count: 2, Seed: 9, MaxSize: 32 << 10})
	a := st.tree.Artifacts[1]
	snap := mavenrepo.Coord{GroupID: a.GroupID, ArtifactID: a.ArtifactID, Version: "99.0-SNAPSHOT"}
	const build = "99.0-20240301.120000-1"
	jar, err := mavenrepo.Jar(snap, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"jar", "pom"} {
		body := jar
		if ext == "pom" {
			body = mavenrepo.POM(snap, nil)
		}
		st.write(t, snap.Dir()+"/"+a.ArtifactID+"-"+build+"."+ext, body)
		st.write(t, snap.Dir()+"/"+snap.FileName(ext), body) // as a non-unique snapshot deploy leaves it
	}
	st.write(t, snap.Dir()+"/maven-metadata.xml", []byte(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>%s</groupId>
  <artifactId>%s</artifactId>
  <version>%s</version>
  <versioning>
    <snapshot><timestamp>20240301.120000</timestamp><buildNumber>1</buildNumber></snapshot>
    <lastUpdated>20240301120000</lastUpdated>
    <snapshotVersions>
      <snapshotVersion><extension>jar</extension><value>%s</value><updated>20240301120000</updated></snapshotVersion>
      <snapshotVersion><extension>pom</extension><value>%s</value><updated>20240301120000</updated></snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>
`, a.GroupID, a.ArtifactID, snap.Version, build, build)))
	versions := append(slices.Clone(a.Versions), snap.Version)
	st.write(t, a.Latest().ArtifactDir()+"/maven-metadata.xml", mavenrepo.Metadata(a.GroupID, a.ArtifactID, versions))
	e := mvnExtStart(t, st)

	latest := a.Versions[len(a.Versions)-1]
	if vs, l, r := e.metadata(t, snap); !slices.Equal(vs, a.Versions) || l != latest || r != latest {
		t.Errorf("generated metadata: versions %v latest %q release %q; want %v, %s (no SNAPSHOT)", vs, l, r, a.Versions, latest)
	}
	for _, rel := range []string{
		snap.Dir() + "/maven-metadata.xml",
		snap.Dir() + "/" + a.ArtifactID + "-" + build + ".jar",
		snap.Dir() + "/" + a.ArtifactID + "-" + build + ".pom",
		snap.Path("jar"),
		snap.Path("pom"),
	} {
		if resp, body := e.get(t, rel); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s through app: %d (%d bytes), want 404", rel, resp.StatusCode, len(body))
		}
	}
	if n := st.requestsUnder(snap.Dir() + "/"); n != 0 {
		t.Errorf("the stand-in was asked %d times for files of %s", n, snap.Version)
	}
	for _, m := range e.repos() {
		if vs := mvnExtVersions(t, m, snap, ""); slices.Contains(vs, snap.Version) {
			t.Errorf("%s keeps %v", m.repo, vs)
		}
	}
	// The release still resolves.
	rel := a.Latest().Path("jar")
	f, _ := st.tree.File(rel)
	if resp, body := e.get(t, rel); resp.StatusCode != http.StatusOK || len(body) != int(f.Size) {
		t.Errorf("GET %s: %d, %d bytes", rel, resp.StatusCode, len(body))
	}
}

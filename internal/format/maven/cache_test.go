package maven

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
)

// testRepo runs the format in process on a fresh service (SQLite and
// file blobs), with Maven's rules.
type testRepo struct {
	f    *Format
	svc  *service.Service
	repo dataplane.Repo
}

func newTestRepo(t *testing.T) *testRepo {
	t.Helper()
	env := servicetest.New(t, domain.FormatMaven, "mvn", map[domain.Format]service.FormatRules{domain.FormatMaven: Rules{}})
	return &testRepo{f: New(env.Svc, env.Log), svc: env.Svc, repo: env.Repo}
}

func (tr *testRepo) do(t testing.TB, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "/maven/acme-"+servicetest.Account+"/mvn/"+path, strings.NewReader(body))
	return servicetest.Serve(tr.f, tr.repo, req, path)
}

// deploy puts a version's jar and the artifact's maven-metadata.xml
// listing versions, as mvn deploy does.
func (tr *testRepo) deploy(t testing.TB, version string, listed ...string) {
	t.Helper()
	if rec := tr.do(t, http.MethodPut, "com/example/lib/"+version+"/lib-"+version+".jar", "jar of "+version); rec.Code/100 != 2 {
		t.Fatalf("PUT jar %s: %d %s", version, rec.Code, rec.Body)
	}
	var md strings.Builder
	md.WriteString("<metadata><groupId>com.example</groupId><artifactId>lib</artifactId><versioning><versions>")
	for _, v := range listed {
		md.WriteString("<version>" + v + "</version>")
	}
	md.WriteString("</versions></versioning></metadata>")
	if rec := tr.do(t, http.MethodPut, "com/example/lib/maven-metadata.xml", md.String()); rec.Code/100 != 2 {
		t.Fatalf("PUT maven-metadata.xml: %d %s", rec.Code, rec.Body)
	}
}

func (tr *testRepo) metadata(t *testing.T) string {
	t.Helper()
	rec := tr.do(t, http.MethodGet, "com/example/lib/maven-metadata.xml", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET maven-metadata.xml: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

func TestArtifactMetadataCachedUntilThePackageChanges(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	tr.deploy(t, "1.0", "1.0")
	first := tr.metadata(t)
	if !strings.Contains(first, "<version>1.0</version>") {
		t.Fatalf("document misses 1.0:\n%s", first)
	}
	if again := tr.metadata(t); again != first || tr.f.rendered.Load() != 1 {
		t.Fatalf("an unchanged package was rendered %d times (want once); second answer:\n%s", tr.f.rendered.Load(), again)
	}

	// A deploy finishing a version renews the stamp.
	tr.deploy(t, "2.0", "1.0", "2.0")
	if doc := tr.metadata(t); !strings.Contains(doc, "<version>2.0</version>") || !strings.Contains(doc, "<release>2.0</release>") {
		t.Fatalf("after deploying 2.0:\n%s", doc)
	}
	// So does a status change through the control plane.
	ref := tr.repo.Ref(domain.FormatMaven, "com.example", "lib")
	if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: []string{"2.0"}}, domain.StatusArchived); err != nil {
		t.Fatal(err)
	}
	if doc := tr.metadata(t); strings.Contains(doc, "<version>2.0</version>") || !strings.Contains(doc, "<release>1.0</release>") {
		t.Fatalf("after archiving 2.0:\n%s", doc)
	}
	n := tr.f.rendered.Load()
	tr.metadata(t)
	if tr.f.rendered.Load() != n {
		t.Error("the document was rendered again for an unchanged package")
	}
	// The digests deploys keep survive the stamp (and the stamp them).
	if st := loadPackageState(mustPackage(t, tr)); st.Stamp == "" || len(st.MetadataDigests) == 0 {
		t.Errorf("package state = %+v, want a stamp and the uploaded document's digests", st)
	}
}

func mustPackage(t *testing.T, tr *testRepo) domain.Package {
	t.Helper()
	p, err := tr.svc.LookupPackage(context.Background(), tr.repo.Caller, tr.repo.Ref(domain.FormatMaven, "com.example", "lib"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestArtifactMetadataRenderedOnceForConcurrentMisses: requests that miss
// together (a build farm after a release) share one rendering.
func TestArtifactMetadataRenderedOnceForConcurrentMisses(t *testing.T) {
	tr := newTestRepo(t)
	tr.deploy(t, "1.0", "1.0")
	pkg := mustPackage(t, tr)
	render := metadataRender{metadataKey{tr.repo.Endpoint, "com.example", "lib"}, pkg.ID, loadPackageState(pkg).Stamp}

	const clients = 12
	var wg sync.WaitGroup
	bodies := make([]string, clients)
	// The test cannot pause the rendering itself: it holds the flight
	// with a rendering of its own and lets the requests queue behind it.
	release := make(chan struct{})
	started := make(chan struct{})
	go tr.f.docs.renders.Do(context.Background(), render, func() (*metadataEntry, error) {
		close(started)
		<-release
		return nil, context.Canceled // as a cancelled leader: waiters run again
	})
	<-started
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bodies[i] = tr.metadata(t)
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); tr.f.docs.renders.Waiting(render) < clients; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests wait, want %d", tr.f.docs.renders.Waiting(render), clients)
		}
	}
	close(release)
	wg.Wait()
	for i, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "<version>1.0</version>") {
			t.Fatalf("client %d got:\n%s", i, b)
		}
	}
	if n := tr.f.rendered.Load(); n != 1 {
		t.Errorf("%d queued requests rendered the document %d times, want once", clients, n)
	}
}

// TestArtifactMetadataEditedMatchesBuilt: after each change, the document
// edited with the versions the change touched is the one a server with
// nothing cached renders.
func TestArtifactMetadataEditedMatchesBuilt(t *testing.T) {
	tr := newTestRepo(t)
	ctx := context.Background()
	ref := tr.repo.Ref(domain.FormatMaven, "com.example", "lib")
	check := func(step string, wantEdited bool) {
		t.Helper()
		before := tr.f.edited.Load()
		got := tr.metadata(t)
		cold := &testRepo{f: New(tr.svc, tr.f.log), svc: tr.svc, repo: tr.repo}
		if want := cold.metadata(t); got != want {
			t.Fatalf("%s: edited\n%s\nwant\n%s", step, got, want)
		}
		// And what RenderArtifactMetadata makes of every version.
		_, versions, err := tr.svc.PackageVersions(ctx, tr.repo.Caller, ref)
		if err != nil {
			t.Fatal(err)
		}
		md := ArtifactMetadata{GroupID: "com.example", ArtifactID: "lib"}
		for _, v := range versions {
			if v.Status == domain.StatusPublished {
				md.Versions = append(md.Versions, v.Version)
				if v.PublishedTime.After(md.LastUpdated) {
					md.LastUpdated = v.PublishedTime
				}
			}
		}
		slices.SortFunc(md.Versions, CompareVersions)
		md.Latest = md.Versions[len(md.Versions)-1]
		for _, v := range md.Versions {
			if !IsSnapshot(v) {
				md.Release = v
			}
		}
		if want := string(RenderArtifactMetadata(md)); got != want {
			t.Fatalf("%s: edited\n%s\nrendered\n%s", step, got, want)
		}
		if edited := tr.f.edited.Load() > before; edited != wantEdited {
			t.Fatalf("%s: edited %v, want %v", step, edited, wantEdited)
		}
	}
	status := func(target domain.Status, versions ...string) {
		t.Helper()
		if _, err := tr.svc.UpdatePackageVersionsStatus(ctx, tr.repo.Caller, ref, service.BatchInput{Versions: versions}, target); err != nil {
			t.Fatal(err)
		}
	}
	tr.deploy(t, "1.10", "1.10")
	tr.deploy(t, "1.2", "1.2", "1.10")
	check("first read", false)
	tr.deploy(t, "2.0-SNAPSHOT", "1.2", "1.10", "2.0-SNAPSHOT")
	check("a snapshot deployed", true)
	tr.deploy(t, "1.9", "1.2", "1.9", "1.10", "2.0-SNAPSHOT")
	check("an older version deployed", true)
	status(domain.StatusUnlisted, "1.10", "1.2")
	check("two versions unlisted", true)
	status(domain.StatusPublished, "1.10")
	check("published again", true)
	if _, err := tr.svc.DeletePackageVersions(ctx, tr.repo.Caller, ref, []string{"1.9"}, ""); err != nil {
		t.Fatal(err)
	}
	check("deleted", true)
}

// BenchmarkArtifactMetadataAfterChange times GET of an artifact's
// maven-metadata.xml at 50 and 20,000 versions: unchanged, right after a
// deploy (the cached document edited) and right after a change of any
// version (rebuilt).
//
//	go test ./internal/format/maven -run '^$' -bench ArtifactMetadataAfterChange -benchtime 40x -count 3
func BenchmarkArtifactMetadataAfterChange(b *testing.B) {
	for _, n := range []int{50, 20000} {
		env := servicetest.New(b, domain.FormatMaven, "mvn", map[domain.Format]service.FormatRules{domain.FormatMaven: Rules{}})
		tr := &testRepo{f: New(env.Svc, env.Log), svc: env.Svc, repo: env.Repo}
		tr.deploy(b, "0.0", "0.0")
		ref := env.Repo.Ref(domain.FormatMaven, "com.example", "lib")
		env.CloneVersions(b, ref, "0.0", n, func(i int) string { return fmt.Sprintf("1.%d", i) }, Rules{})
		read := func() int {
			req := httptest.NewRequest(http.MethodGet, "/maven/acme-"+servicetest.Account+"/mvn/com/example/lib/maven-metadata.xml", nil)
			d := servicetest.ServeDiscard(tr.f, tr.repo, req, "com/example/lib/maven-metadata.xml")
			if d.Status != http.StatusOK || d.N < 20*n {
				b.Fatalf("maven-metadata.xml: %d, %d bytes", d.Status, d.N)
			}
			return d.N
		}
		servicetest.BenchIndex(b, n, read, func(i int) {
			v := fmt.Sprintf("9.%d", i)
			tr.deploy(b, v, v)
		}, func() { env.ChangeAny(b, ref, Rules{}) })
	}
}

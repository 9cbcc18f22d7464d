package npm

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/dataplane"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/servicetest"
	"github.com/artifactd/artifactd/internal/store"
)

// storeRepo is the npm format on a real service and SQLite store, with
// one repository (no upstreams).
type storeRepo struct {
	f    *Format
	svc  *service.Service
	st   store.Store
	repo dataplane.Repo
}

func newStoreRepo(tb testing.TB) *storeRepo {
	tb.Helper()
	env := servicetest.New(tb, domain.FormatNpm, "js", map[domain.Format]service.FormatRules{domain.FormatNpm: NewRules()})
	f := New(env.Svc, env.Log, tb.TempDir())
	return &storeRepo{f: f, svc: env.Svc, st: env.Store, repo: env.Repo}
}

func (sr *storeRepo) serve(method, path, accept string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/npm/d/acme-"+servicetest.Account+"/js/"+path, body)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	return servicetest.Serve(sr.f, sr.repo, req, path)
}

// publish publishes name@version the way npm does.
func (sr *storeRepo) publish(tb testing.TB, name pkgName, version string) {
	tb.Helper()
	sr.publishTagged(tb, name, version, nil)
}

// publishTagged publishes name@version with the given dist-tags (nil:
// latest), as npm publish --tag does.
func (sr *storeRepo) publishTagged(tb testing.TB, name pkgName, version string, tags map[string]string) {
	tb.Helper()
	tgz := makeTgz(tb, tarEntry{name: "package/package.json", body: fmt.Sprintf(`{"name":%q,"version":%q,"description":"published","scripts":{"install":"x"}}`, name, version)},
		tarEntry{name: "package/README.md", body: "# readme " + version})
	doc := publishDoc(tb, name.String(), version, tgz, tags)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPut, "/", nil)
	repo := sr.repo
	repo.Path = name.String()
	sr.f.publish(rec, req, repo, repo.Ref(domain.FormatNpm, name.Scope, name.Name), name, doc)
	if rec.Code != http.StatusOK {
		tb.Fatalf("publish %s@%s: %d %s", name, version, rec.Code, rec.Body)
	}
}

// fixtureVersion describes version i of a grown package: a mix of
// statuses, manifests, summaries and publish times.
func fixtureVersion(pkgID int64, name pkgName, i int, legacyEvery int) domain.PackageVersion {
	version := fmt.Sprintf("%d.%d.%d", i/1000, i/10%100, i%10)
	if i%17 == 3 {
		version += fmt.Sprintf("-rc.%d", i%5)
	}
	statuses := []domain.Status{domain.StatusPublished, domain.StatusPublished, domain.StatusPublished, domain.StatusUnlisted, domain.StatusPublished, domain.StatusArchived}
	manifest := fmt.Sprintf(`{"name":%q,"version":%q,"dependencies":{"dep-%d":"^1.0.0","left-pad":"*"},"scripts":{"test":"t","postinstall":"p%d"},"license":"MIT","repository":{"type":"git","url":"git+https://example.com/x.git"},"dist":{"integrity":"sha512-%064d","shasum":"%040d","fileCount":%d,"unpackedSize":%d}}`,
		name, version, i%7, i%2, i, i, i%30, i*13)
	if i%11 == 0 {
		manifest = fmt.Sprintf(`{"name":%q,"version":%q,"deprecated":"use a newer one","description":"own <&> description","dist":{"shasum":"%040d"}}`, name, version, i)
	}
	v := domain.PackageVersion{PackageID: pkgID, Version: version, Status: statuses[i%len(statuses)], OriginType: domain.OriginInternal,
		PublishedTime: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i*37%1000) * time.Minute),
		Summary:       fmt.Sprintf("summary %d", i%4), Readme: fmt.Sprintf("readme %d", i), Revision: fmt.Sprintf("rev-%d", i),
		Licenses: []domain.License{{Name: "MIT"}}, Dependencies: []domain.Dependency{{Package: "left-pad", DependencyType: "regular", VersionRequirement: "*"}}}
	if i%4 == 0 {
		v.Summary = ""
	}
	v.Metadata = []byte(manifest)
	if legacyEvery == 0 || i%legacyEvery != 0 {
		v.Metadata = prepare(v.Metadata, name, version, v.Summary)
	}
	return v
}

// grow adds versions [from, to) to a package directly through the store,
// and renews the package's stamp as a change does.
func (sr *storeRepo) grow(tb testing.TB, name pkgName, from, to, legacyEvery int, tags map[string]string) {
	tb.Helper()
	ctx := context.Background()
	info, err := sr.svc.DescribePackage(ctx, sr.repo.Caller, sr.repo.Ref(domain.FormatNpm, name.Scope, name.Name))
	if err != nil {
		tb.Fatal(err)
	}
	for start := from; start < to; start += 5000 {
		end := min(start+5000, to)
		err = sr.st.Write(ctx, func(tx store.Tx) error {
			for i := start; i < end; i++ {
				v := fixtureVersion(info.Package.ID, name, i, legacyEvery)
				if err := tx.Versions().Create(ctx, &v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	sr.touch(tb, name, tags)
}

// touch renews the package's stamp (and sets tags), as any change does.
func (sr *storeRepo) touch(tb testing.TB, name pkgName, tags map[string]string) {
	tb.Helper()
	ctx := context.Background()
	err := sr.st.Write(ctx, func(tx store.Tx) error {
		d, err := tx.Domains().Get(ctx, sr.repo.Caller.Region, sr.repo.Owner, sr.repo.Domain)
		if err != nil {
			return err
		}
		r, err := tx.Repositories().Get(ctx, d.ID, sr.repo.Repository)
		if err != nil {
			return err
		}
		p, err := tx.Packages().Get(ctx, r.ID, domain.FormatNpm, name.Scope, name.Name)
		if err != nil {
			return err
		}
		st := loadState(p)
		for tag, v := range tags {
			st.DistTags[tag] = v
		}
		if err := st.save(&p, time.Now()); err != nil {
			return err
		}
		return tx.Packages().Update(ctx, p)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

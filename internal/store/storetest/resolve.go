package storetest

import (
	"errors"
	"reflect"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testResolve: Store.Resolve finds each level by name, stops at the first
// missing one without an error, and sees committed changes at once.
func testResolve(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	f.domain("us-east-1", "444455556666", "acme") // same name, other owner
	r := f.repo(d.ID, "main")
	r2 := f.repo(d.ID, "other")
	p := domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Namespace: "scope", Name: "left-pad",
		Origin:   domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock},
		Metadata: []byte(`{"stamp":"s1"}`)}
	f.write(func(tx store.Tx) error { return tx.Packages().Create(f.ctx, &p) })
	f.pkg(r2.ID, domain.FormatNpm, "scope", "other-pad")
	v := f.version(p.ID, "1.0.0")
	f.version(p.ID, "2.0.0") // no asset
	a := f.asset(v.ID, "package.tgz", sha(7), 4321)

	base := store.Lookup{Region: "us-east-1", Owner: "111122223333", Domain: "acme", Repository: "main",
		Format: domain.FormatNpm, Namespace: "scope", Package: "left-pad"}
	resolve := func(what string, q store.Lookup) store.Resolution {
		f.Helper()
		res, err := f.s.Resolve(f.ctx, q)
		if err != nil {
			f.Fatalf("%s: Resolve: %v", what, err)
		}
		return res
	}
	check := func(what string, q store.Lookup, want store.Found) store.Resolution {
		f.Helper()
		res := resolve(what, q)
		if res.Found != want {
			f.Errorf("%s: Found = %d, want %d (%+v)", what, res.Found, want, res)
		}
		return res
	}

	res := check("package", base, store.FoundPackage)
	if res.DomainID != d.ID || res.RepositoryID != r.ID || !reflect.DeepEqual(res.Package, p) {
		f.Errorf("package: got %+v, want domain %d, repository %d, package %+v", res, d.ID, r.ID, p)
	}
	if res.VersionID != 0 || res.Asset != (domain.Asset{}) {
		f.Errorf("package: version or asset set without being asked: %+v", res)
	}

	q := base
	q.Version, q.Asset = "1.0.0", "package.tgz"
	res = check("asset", q, store.FoundAsset)
	if res.VersionID != v.ID || res.VersionStatus != domain.StatusPublished || res.Asset != a || res.Package.ID != p.ID {
		f.Errorf("asset: got %+v, want version %d Published, asset %+v", res, v.ID, a)
	}
	q.Asset = ""
	res = check("version without asset", q, store.FoundVersion)
	if res.VersionID != v.ID || res.Asset != (domain.Asset{}) {
		f.Errorf("version without asset: got %+v", res)
	}

	miss := func(what string, edit func(*store.Lookup), want store.Found) {
		f.Helper()
		q := base
		q.Version, q.Asset = "1.0.0", "package.tgz"
		edit(&q)
		res := check(what, q, want)
		if want < store.FoundRepository && res.RepositoryID != 0 || want < store.FoundPackage && res.Package.ID != 0 ||
			want < store.FoundVersion && res.VersionID != 0 || want < store.FoundAsset && res.Asset != (domain.Asset{}) {
			f.Errorf("%s: fields beyond Found set: %+v", what, res)
		}
	}
	miss("other region", func(q *store.Lookup) { q.Region = "eu-west-1" }, store.FoundNothing)
	miss("other owner", func(q *store.Lookup) { q.Owner = "999999999999" }, store.FoundNothing)
	miss("missing domain", func(q *store.Lookup) { q.Domain = "nope" }, store.FoundNothing)
	miss("missing repository", func(q *store.Lookup) { q.Repository = "nope" }, store.FoundDomain)
	miss("package in another repository", func(q *store.Lookup) { q.Package = "other-pad" }, store.FoundRepository)
	miss("other format", func(q *store.Lookup) { q.Format = domain.FormatPypi }, store.FoundRepository)
	miss("other namespace", func(q *store.Lookup) { q.Namespace = "" }, store.FoundRepository)
	miss("missing version", func(q *store.Lookup) { q.Version = "3.0.0" }, store.FoundPackage)
	miss("version without the asset", func(q *store.Lookup) { q.Version = "2.0.0" }, store.FoundVersion)
	miss("missing asset", func(q *store.Lookup) { q.Asset = "nope.tgz" }, store.FoundVersion)
	miss("other owner's domain with the same name", func(q *store.Lookup) { q.Owner = "444455556666" }, store.FoundDomain)

	// The repository's upstream links are counted.
	if res := check("upstream count, none", base, store.FoundPackage); res.Upstreams != 0 {
		f.Errorf("Upstreams = %d for a repository without upstreams", res.Upstreams)
	}
	withUps := r
	withUps.Upstreams = []domain.Upstream{{RepositoryID: r2.ID, Name: r2.Name}}
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, withUps) })
	if res := check("upstream count, one", base, store.FoundPackage); res.Upstreams != 1 {
		f.Errorf("Upstreams = %d, want 1", res.Upstreams)
	}
	missingPkg := base
	missingPkg.Package = "not-here"
	if res := check("upstream count without the package", missingPkg, store.FoundRepository); res.Upstreams != 1 {
		f.Errorf("Upstreams = %d at FoundRepository, want 1", res.Upstreams)
	}
	// An external connection counts as one more.
	withUps.ExternalConnection = "public:npmjs"
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, withUps) })
	if res := check("upstream count with an external connection", base, store.FoundPackage); res.Upstreams != 2 {
		f.Errorf("Upstreams = %d with one upstream and an external connection, want 2", res.Upstreams)
	}
	withUps.Upstreams, withUps.ExternalConnection = nil, ""
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, withUps) })
	withUps.Upstreams = []domain.Upstream{{RepositoryID: r2.ID, Name: r2.Name}}
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, withUps) })

	// Changes are visible to the next Resolve (no stale prepared state).
	v.Status = domain.StatusArchived
	p.Metadata = []byte(`{"stamp":"s2"}`)
	f.write(func(tx store.Tx) error {
		if err := tx.Versions().Update(f.ctx, v); err != nil {
			return err
		}
		return tx.Packages().Update(f.ctx, p)
	})
	q = base
	q.Version, q.Asset = "1.0.0", "package.tgz"
	res = check("after update", q, store.FoundAsset)
	if res.VersionStatus != domain.StatusArchived || string(res.Package.Metadata) != `{"stamp":"s2"}` {
		f.Errorf("after update: got status %s, metadata %s", res.VersionStatus, res.Package.Metadata)
	}
	p.Metadata = nil
	f.write(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, p) })
	if res := check("nil metadata", base, store.FoundPackage); res.Package.Metadata != nil {
		f.Errorf("nil metadata: got %q, want nil", res.Package.Metadata)
	}
	f.write(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, p.ID) })
	check("after package delete", q, store.FoundRepository)
	check("after package delete, again", q, store.FoundRepository)

	// A miss is not remembered past a write either, and a write that
	// fails changes nothing.
	wantErr := errors.New("rolled back")
	if err := f.s.Write(f.ctx, func(tx store.Tx) error {
		p2 := domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Namespace: "scope", Name: "left-pad"}
		if err := tx.Packages().Create(f.ctx, &p2); err != nil {
			return err
		}
		return wantErr
	}); !errors.Is(err, wantErr) {
		f.Fatalf("failing write: %v", err)
	}
	check("after a rolled-back create", base, store.FoundRepository)
	f.pkg(r.ID, domain.FormatNpm, "scope", "left-pad")
	check("after re-creating the package", base, store.FoundPackage)
}

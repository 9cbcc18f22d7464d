package storetest

import (
	"reflect"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

func testDomains(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	if d.ID == 0 {
		f.Fatal("Create did not set the ID")
	}
	var got domain.Domain
	f.read(func(tx store.Tx) error {
		var err error
		got, err = tx.Domains().Get(f.ctx, "us-east-1", "111122223333", "acme")
		return err
	})
	f.sameTime("CreatedTime", got.CreatedTime, testTime)
	want := d
	want.CreatedTime = got.CreatedTime
	if !reflect.DeepEqual(got, want) {
		f.Errorf("Get = %+v, want %+v", got, want)
	}

	// The key is (region, owner, name).
	err := f.writeErr(func(tx store.Tx) error {
		return tx.Domains().Create(f.ctx, &domain.Domain{Region: "us-east-1", Owner: "111122223333", Name: "acme"})
	})
	f.wantErr("Create duplicate", err, domain.ErrConflict)
	other := f.domain("us-west-2", "111122223333", "acme")
	f.domain("us-east-1", "444455556666", "acme")
	f.domain("us-east-1", "111122223333", "beta")
	if other.ID == d.ID {
		f.Error("two domains share an ID")
	}

	f.read(func(tx store.Tx) error {
		_, err := tx.Domains().Get(f.ctx, "us-east-1", "111122223333", "nope")
		f.wantErr("Get missing", err, domain.ErrNotFound)
		n, err := tx.Domains().Count(f.ctx, "us-east-1", "111122223333")
		if err != nil || n != 2 {
			f.Errorf("Count = %d, %v; want 2", n, err)
		}
		return nil
	})

	// Deleting a domain with repositories is refused; without, it works.
	f.repo(d.ID, "r")
	err = f.writeErr(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, d.ID) })
	f.wantErr("Delete domain with repositories", err, domain.ErrConflict)
	f.write(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, other.ID) })
	err = f.writeErr(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, other.ID) })
	f.wantErr("Delete missing", err, domain.ErrNotFound)
	f.read(func(tx store.Tx) error {
		_, err := tx.Domains().Get(f.ctx, "us-west-2", "111122223333", "acme")
		f.wantErr("Get deleted", err, domain.ErrNotFound)
		return nil
	})
	// A deleted domain's name can be taken again.
	again := f.domain("us-west-2", "111122223333", "acme")
	if again.ID == other.ID {
		f.Error("a deleted domain's ID was reused")
	}
}

func testRepositories(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	d2 := f.domain("us-east-1", "111122223333", "beta")
	u1 := f.repo(d.ID, "npm-store")
	u2 := f.repo(d.ID, "pypi-store")
	ups := []domain.Upstream{{RepositoryID: u2.ID, Name: u2.Name}, {RepositoryID: u1.ID, Name: u1.Name}}
	r := f.repo(d.ID, "main", ups...)
	if r.ID == 0 {
		f.Fatal("Create did not set the ID")
	}
	check := func(what string, got domain.Repository, want domain.Repository) {
		f.Helper()
		f.sameTime(what+" CreatedTime", got.CreatedTime, testTime)
		want.CreatedTime = got.CreatedTime
		if !reflect.DeepEqual(got, want) {
			f.Errorf("%s = %+v, want %+v", what, got, want)
		}
	}
	f.read(func(tx store.Tx) error {
		got, err := tx.Repositories().Get(f.ctx, d.ID, "main")
		if err != nil {
			return err
		}
		check("Get", got, r)
		got, err = tx.Repositories().GetByID(f.ctx, r.ID)
		if err != nil {
			return err
		}
		check("GetByID", got, r)
		_, err = tx.Repositories().Get(f.ctx, d2.ID, "main")
		f.wantErr("Get in other domain", err, domain.ErrNotFound)
		_, err = tx.Repositories().GetByID(f.ctx, r.ID+1000)
		f.wantErr("GetByID missing", err, domain.ErrNotFound)
		n, err := tx.Repositories().Count(f.ctx, d.ID)
		if err != nil || n != 3 {
			f.Errorf("Count = %d, %v; want 3", n, err)
		}
		return nil
	})

	err := f.writeErr(func(tx store.Tx) error {
		return tx.Repositories().Create(f.ctx, &domain.Repository{DomainID: d.ID, Name: "main"})
	})
	f.wantErr("Create duplicate", err, domain.ErrConflict)
	err = f.writeErr(func(tx store.Tx) error {
		return tx.Repositories().Create(f.ctx, &domain.Repository{DomainID: d.ID + d2.ID + 1000, Name: "x"})
	})
	f.wantErr("Create in missing domain", err, domain.ErrNotFound)
	f.repo(d2.ID, "main") // same name in another domain

	// Update replaces the description, the external connection and the
	// whole upstream list, and nothing else.
	upd := r
	upd.Description = "new description"
	upd.ExternalConnection = "public:npmjs"
	upd.AdministratorAccount = "999999999999"
	upd.Name = "renamed"
	upd.Upstreams = []domain.Upstream{{RepositoryID: u1.ID, Name: u1.Name}}
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, upd) })
	want := r
	want.Description = upd.Description
	want.ExternalConnection = upd.ExternalConnection
	want.Upstreams = upd.Upstreams
	f.read(func(tx store.Tx) error {
		got, err := tx.Repositories().GetByID(f.ctx, r.ID)
		check("after Update", got, want)
		return err
	})
	upd.Upstreams = nil
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, upd) })
	f.read(func(tx store.Tx) error {
		got, err := tx.Repositories().GetByID(f.ctx, r.ID)
		if len(got.Upstreams) != 0 {
			f.Errorf("upstreams after clearing = %v", got.Upstreams)
		}
		return err
	})
	err = f.writeErr(func(tx store.Tx) error {
		return tx.Repositories().Update(f.ctx, domain.Repository{ID: r.ID + 1000, Description: "x"})
	})
	f.wantErr("Update missing", err, domain.ErrNotFound)

	// Deleting an upstream leaves the links to it dangling.
	f.write(func(tx store.Tx) error { return tx.Repositories().Update(f.ctx, r) })
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, u2.ID) })
	f.read(func(tx store.Tx) error {
		_, err := tx.Repositories().GetByID(f.ctx, u2.ID)
		f.wantErr("GetByID deleted", err, domain.ErrNotFound)
		got, err := tx.Repositories().GetByID(f.ctx, r.ID)
		check("after deleting an upstream", got, r)
		return err
	})
	err = f.writeErr(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, u2.ID) })
	f.wantErr("Delete missing", err, domain.ErrNotFound)
}

// testRepositoryIDsNotReused deletes the newest repository and creates
// another: it must not get the deleted one's ID, or dangling upstream links
// would re-attach to it.
func testRepositoryIDsNotReused(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	up := f.repo(d.ID, "up")
	r := f.repo(d.ID, "down", domain.Upstream{RepositoryID: up.ID, Name: "up"})
	last := f.repo(d.ID, "last")
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, last.ID) })
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, up.ID) })
	again := f.repo(d.ID, "up")
	if again.ID == up.ID || again.ID == last.ID || again.ID == r.ID {
		f.Errorf("new repository got ID %d; deleted were %d and %d", again.ID, up.ID, last.ID)
	}
}

func testPackages(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	p := domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Namespace: "types", Name: "node",
		Origin:   domain.OriginConfiguration{Publish: domain.AllowBlock, Upstream: domain.AllowAllow},
		Metadata: []byte(`{"dist-tags":{"latest":"1.0.0"}}`)}
	f.write(func(tx store.Tx) error { return tx.Packages().Create(f.ctx, &p) })
	if p.ID == 0 {
		f.Fatal("Create did not set the ID")
	}
	plain := f.pkg(r.ID, domain.FormatNpm, "", "node") // no namespace
	f.pkg(r.ID, domain.FormatPypi, "types", "node")    // other format
	f.read(func(tx store.Tx) error {
		got, err := tx.Packages().Get(f.ctx, r.ID, domain.FormatNpm, "types", "node")
		if err != nil || !reflect.DeepEqual(got, p) {
			f.Errorf("Get = %+v, %v; want %+v", got, err, p)
		}
		got, err = tx.Packages().Get(f.ctx, r.ID, domain.FormatNpm, "", "node")
		if err != nil || !reflect.DeepEqual(got, plain) {
			f.Errorf("Get without namespace = %+v, %v; want %+v", got, err, plain)
		}
		_, err = tx.Packages().Get(f.ctx, r.ID, domain.FormatMaven, "types", "node")
		f.wantErr("Get missing", err, domain.ErrNotFound)
		return nil
	})
	err := f.writeErr(func(tx store.Tx) error {
		return tx.Packages().Create(f.ctx, &domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Namespace: "types", Name: "node"})
	})
	f.wantErr("Create duplicate", err, domain.ErrConflict)
	err = f.writeErr(func(tx store.Tx) error {
		return tx.Packages().Create(f.ctx, &domain.Package{RepositoryID: r.ID + 1000, Format: domain.FormatNpm, Name: "x"})
	})
	f.wantErr("Create in missing repository", err, domain.ErrNotFound)

	upd := p
	upd.Origin = domain.OriginConfiguration{Publish: domain.AllowAllow, Upstream: domain.AllowBlock}
	upd.Metadata = []byte(`{"dist-tags":{"latest":"2.0.0"}}`)
	upd.Name = "ignored"
	f.write(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, upd) })
	want := upd
	want.Name = p.Name
	f.read(func(tx store.Tx) error {
		got, err := tx.Packages().Get(f.ctx, r.ID, domain.FormatNpm, "types", "node")
		if err != nil || !reflect.DeepEqual(got, want) {
			f.Errorf("after Update = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
	upd.Metadata = nil
	f.write(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, upd) })
	f.read(func(tx store.Tx) error {
		got, err := tx.Packages().Get(f.ctx, r.ID, domain.FormatNpm, "types", "node")
		if err != nil || got.Metadata != nil {
			f.Errorf("metadata after clearing = %q, %v; want nil", got.Metadata, err)
		}
		return nil
	})
	err = f.writeErr(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, domain.Package{ID: p.ID + 1000}) })
	f.wantErr("Update missing", err, domain.ErrNotFound)
	err = f.writeErr(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, p.ID+1000) })
	f.wantErr("Delete missing", err, domain.ErrNotFound)
	f.write(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, p.ID) })
	f.read(func(tx store.Tx) error {
		_, err := tx.Packages().Get(f.ctx, r.ID, domain.FormatNpm, "types", "node")
		f.wantErr("Get deleted", err, domain.ErrNotFound)
		return nil
	})
}

// fullVersion has every field set.
func fullVersion(pkgID int64, version string) domain.PackageVersion {
	return domain.PackageVersion{
		PackageID: pkgID, Version: version, Revision: "rev-1", Status: domain.StatusUnfinished,
		OriginType: domain.OriginExternal, EntryRepository: "npm-store", EntryExternalConn: "public:npmjs",
		PublishedTime: testTime, DisplayName: "Node types", Summary: "Type definitions",
		HomePage: "https://example.com", SourceCodeRepository: "https://example.com/src",
		Licenses:     []domain.License{{Name: "MIT", URL: "https://opensource.org/licenses/MIT"}, {Name: "Apache-2.0"}},
		Dependencies: []domain.Dependency{{Namespace: "x", Package: "y", DependencyType: "dev", VersionRequirement: "^1"}},
		Readme:       "# hello\n", Metadata: []byte{0, 1, 2, 0xff},
	}
}

func (f *fx) checkVersion(what string, got, want domain.PackageVersion) {
	f.Helper()
	f.sameTime(what+" PublishedTime", got.PublishedTime, want.PublishedTime)
	want.PublishedTime = got.PublishedTime
	if !reflect.DeepEqual(got, want) {
		f.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
}

func testVersions(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "types", "node")
	v := fullVersion(p.ID, "1.0.0")
	f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &v) })
	if v.ID == 0 {
		f.Fatal("Create did not set the ID")
	}
	f.version(p.ID, "2.0.0")
	f.read(func(tx store.Tx) error {
		got, err := tx.Versions().Get(f.ctx, p.ID, "1.0.0")
		f.checkVersion("Get", got, v)
		if n, err := tx.Versions().Count(f.ctx, p.ID); err != nil || n != 2 {
			f.Errorf("Count = %d, %v; want 2", n, err)
		}
		_, err2 := tx.Versions().Get(f.ctx, p.ID, "3.0.0")
		f.wantErr("Get missing", err2, domain.ErrNotFound)
		return err
	})
	dup := newVersion(p.ID, "1.0.0")
	err := f.writeErr(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &dup) })
	f.wantErr("Create duplicate", err, domain.ErrConflict)
	orphan := newVersion(p.ID+1000, "1.0.0")
	err = f.writeErr(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &orphan) })
	f.wantErr("Create in missing package", err, domain.ErrNotFound)

	// Update writes every mutable field.
	upd := domain.PackageVersion{
		ID: v.ID, PackageID: v.PackageID, Version: v.Version, Revision: "rev-2", Status: domain.StatusArchived,
		OriginType: domain.OriginUnknown, EntryRepository: "other", EntryExternalConn: "",
		PublishedTime: time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), DisplayName: "d2", Summary: "s2",
		HomePage: "h2", SourceCodeRepository: "src2", Licenses: []domain.License{{Name: "BSD"}},
		Readme: "r2", Metadata: []byte("m2"), SortKey: []byte("not written"),
	}
	f.write(func(tx store.Tx) error { return tx.Versions().Update(f.ctx, upd) })
	f.read(func(tx store.Tx) error {
		got, err := tx.Versions().Get(f.ctx, p.ID, "1.0.0")
		want := upd
		want.SortKey = v.SortKey // a version's sort key never changes
		f.checkVersion("after Update", got, want)
		return err
	})
	err = f.writeErr(func(tx store.Tx) error {
		return tx.Versions().Update(f.ctx, domain.PackageVersion{ID: v.ID + 1000, Status: domain.StatusPublished})
	})
	f.wantErr("Update missing", err, domain.ErrNotFound)
	err = f.writeErr(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, v.ID+1000) })
	f.wantErr("Delete missing", err, domain.ErrNotFound)
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, v.ID) })
	f.read(func(tx store.Tx) error {
		_, err := tx.Versions().Get(f.ctx, p.ID, "1.0.0")
		f.wantErr("Get deleted", err, domain.ErrNotFound)
		return nil
	})
}

// testVersionsEmptyFields checks the nil/empty and zero-time conventions.
func testVersionsEmptyFields(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatPypi, "", "requests")
	nilV := domain.PackageVersion{PackageID: p.ID, Version: "nil", Status: domain.StatusPublished}
	emptyV := domain.PackageVersion{PackageID: p.ID, Version: "empty", Status: domain.StatusPublished,
		Licenses: []domain.License{}, Dependencies: []domain.Dependency{}, Metadata: []byte{}}
	f.write(func(tx store.Tx) error {
		if err := tx.Versions().Create(f.ctx, &nilV); err != nil {
			return err
		}
		return tx.Versions().Create(f.ctx, &emptyV)
	})
	f.read(func(tx store.Tx) error {
		for _, name := range []string{"nil", "empty"} {
			got, err := tx.Versions().Get(f.ctx, p.ID, name)
			if err != nil {
				return err
			}
			if got.Licenses != nil || got.Dependencies != nil || got.Metadata != nil {
				f.Errorf("%s: Licenses %#v, Dependencies %#v, Metadata %#v; want nil", name,
					got.Licenses, got.Dependencies, got.Metadata)
			}
			if !got.PublishedTime.IsZero() {
				f.Errorf("%s: PublishedTime %v, want zero", name, got.PublishedTime)
			}
		}
		return nil
	})
}

func testAssets(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "left-pad")
	v := f.version(p.ID, "1.0.0")
	v2 := f.version(p.ID, "2.0.0")
	a := f.asset(v.ID, "left-pad-1.0.0.tgz", sha(1), 1234)
	f.asset(v2.ID, "left-pad-1.0.0.tgz", sha(1), 1234) // same name, other version
	f.read(func(tx store.Tx) error {
		got, err := tx.Assets().Get(f.ctx, v.ID, a.Name)
		if err != nil || !reflect.DeepEqual(got, a) {
			f.Errorf("Get = %+v, %v; want %+v", got, err, a)
		}
		_, err = tx.Assets().Get(f.ctx, v.ID, "nope")
		f.wantErr("Get missing", err, domain.ErrNotFound)
		if n, err := tx.Assets().Count(f.ctx, v.ID); err != nil || n != 1 {
			f.Errorf("Count = %d, %v; want 1", n, err)
		}
		return nil
	})
	err := f.writeErr(func(tx store.Tx) error { return tx.Assets().Add(f.ctx, v.ID, newAsset(a.Name, sha(2), 1)) })
	f.wantErr("Add duplicate", err, domain.ErrConflict)
	err = f.writeErr(func(tx store.Tx) error { return tx.Assets().Add(f.ctx, v2.ID+1000, newAsset("x", sha(2), 1)) })
	f.wantErr("Add to missing version", err, domain.ErrNotFound)
}

func testTags(f *fx) {
	const arn, other = "arn:aws:codeartifact:us-east-1:111122223333:domain/acme", "arn:other"
	list := func(arn string) []domain.Tag {
		f.Helper()
		var tags []domain.Tag
		f.read(func(tx store.Tx) error {
			var err error
			tags, err = tx.Tags().List(f.ctx, arn)
			return err
		})
		return tags
	}
	f.write(func(tx store.Tx) error {
		if err := tx.Tags().Put(f.ctx, arn, []domain.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}, {Key: "cost", Value: ""}}); err != nil {
			return err
		}
		return tx.Tags().Put(f.ctx, other, []domain.Tag{{Key: "team", Value: "b"}})
	})
	want := []domain.Tag{{Key: "cost", Value: ""}, {Key: "env", Value: "prod"}, {Key: "team", Value: "a"}}
	if got := list(arn); !reflect.DeepEqual(got, want) {
		f.Errorf("List = %v, want %v", got, want)
	}
	f.write(func(tx store.Tx) error { return tx.Tags().Put(f.ctx, arn, []domain.Tag{{Key: "team", Value: "c"}}) })
	want = []domain.Tag{{Key: "cost", Value: ""}, {Key: "env", Value: "prod"}, {Key: "team", Value: "c"}}
	if got := list(arn); !reflect.DeepEqual(got, want) {
		f.Errorf("List after upsert = %v, want %v", got, want)
	}
	f.write(func(tx store.Tx) error { return tx.Tags().Remove(f.ctx, arn, []string{"env", "missing"}) })
	want = []domain.Tag{{Key: "cost", Value: ""}, {Key: "team", Value: "c"}}
	if got := list(arn); !reflect.DeepEqual(got, want) {
		f.Errorf("List after Remove = %v, want %v", got, want)
	}
	f.write(func(tx store.Tx) error { return tx.Tags().DeleteAll(f.ctx, arn) })
	if got := list(arn); len(got) != 0 {
		f.Errorf("List after DeleteAll = %v", got)
	}
	if got := list(other); !reflect.DeepEqual(got, []domain.Tag{{Key: "team", Value: "b"}}) {
		f.Errorf("other resource's tags = %v", got)
	}
}

func testSecrets(f *fx) {
	get := func(name string, value []byte) []byte {
		f.Helper()
		var got []byte
		f.write(func(tx store.Tx) error {
			var err error
			got, err = tx.Secrets().GetOrCreate(f.ctx, name, value)
			return err
		})
		return got
	}
	first := []byte{0, 1, 2, 0xff}
	if got := get("token-key", first); !reflect.DeepEqual(got, first) {
		f.Errorf("GetOrCreate of a new secret = %x, want %x", got, first)
	}
	if got := get("token-key", []byte("other")); !reflect.DeepEqual(got, first) {
		f.Errorf("GetOrCreate of an existing secret = %x, want the first value %x", got, first)
	}
	if got := get("other", []byte("x")); string(got) != "x" {
		f.Errorf("GetOrCreate of another name = %q", got)
	}
	// An existing secret can be read in a Read transaction.
	f.read(func(tx store.Tx) error {
		got, err := tx.Secrets().GetOrCreate(f.ctx, "token-key", []byte("ignored"))
		if err == nil && !reflect.DeepEqual(got, first) {
			f.Errorf("GetOrCreate in a Read = %x, want %x", got, first)
		}
		return err
	})
}

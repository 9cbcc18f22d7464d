package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// freshAssetSize computes a domain's asset size from its rows, walking its
// repositories, packages, versions and assets: the sum over distinct
// digests of the largest size an asset gives the digest.
func (f *fx) freshAssetSize(domainID int64) int64 {
	f.Helper()
	sizes := map[string]int64{}
	repos := listAll(f, 100, func(tx store.Tx, p store.Page) ([]store.RepositoryListing, string, error) {
		return tx.Repositories().List(f.ctx, store.RepositoryFilter{DomainID: domainID}, p)
	})
	for _, r := range repos {
		pkgs := listAll(f, 100, func(tx store.Tx, p store.Page) ([]domain.Package, string, error) {
			return tx.Packages().List(f.ctx, store.PackageFilter{RepositoryID: r.Repository.ID}, p)
		})
		for _, pk := range pkgs {
			vs := listAll(f, 100, func(tx store.Tx, p store.Page) ([]domain.PackageVersion, string, error) {
				return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: pk.ID}, p)
			})
			for _, v := range vs {
				as := listAll(f, 100, func(tx store.Tx, p store.Page) ([]domain.Asset, string, error) {
					return tx.Assets().List(f.ctx, v.ID, p)
				})
				for _, a := range as {
					sizes[a.SHA256] = max(sizes[a.SHA256], a.Size)
				}
			}
		}
	}
	var n int64
	for _, s := range sizes {
		n += s
	}
	return n
}

// wantAssetSizes checks each domain's AssetSizeBytes (a counter) against
// a fresh sum over its rows.
func (f *fx) wantAssetSizes(what string, domainIDs ...int64) {
	f.Helper()
	for _, id := range domainIDs {
		want := f.freshAssetSize(id)
		f.read(func(tx store.Tx) error {
			got, err := tx.Domains().AssetSizeBytes(f.ctx, id)
			if err == nil && got != want {
				f.Errorf("%s: AssetSizeBytes(%d) = %d, fresh sum %d", what, id, got, want)
			}
			return err
		})
	}
}

// testAssetSizeCounter moves a domain's asset size through every path that
// adds or deletes asset rows and checks the kept counter against a fresh
// sum after each.
func testAssetSizeCounter(f *fx) {
	t := f.tree()
	other := f.domain("us-east-1", "o", "other")
	or := f.repo(other.ID, "r1")
	op := f.pkg(or.ID, domain.FormatNpm, "", "p1")
	ov := f.version(op.ID, "1")
	all := []int64{t.d.ID, other.ID}
	f.wantAssetSizes("empty", all...)

	// Mixed publishes: distinct digests, the same digest in two versions,
	// two repositories and two domains, two assets of one version with one
	// digest, and one digest given two sizes (the larger counts).
	f.asset(t.v11.ID, "a", sha(1), 100)
	f.asset(t.v11.ID, "b", sha(2), 200)
	f.asset(t.v11.ID, "c", sha(2), 200)
	f.asset(t.v12.ID, "a", sha(2), 200)
	f.asset(t.vo.ID, "a", sha(1), 100)
	f.asset(ov.ID, "a", sha(1), 100)
	f.asset(ov.ID, "b", sha(3), 1000)
	f.asset(t.v2.ID, "a", sha(4), 40)
	f.asset(t.vo.ID, "b", sha(4), 50)
	f.wantAssetSizes("after publishes", all...)
	f.read(func(tx store.Tx) error {
		n, err := tx.Domains().AssetSizeBytes(f.ctx, t.d.ID)
		if err == nil && n != 100+200+50 {
			f.Errorf("AssetSizeBytes = %d, want %d", n, 100+200+50)
		}
		return err
	})

	// The larger of two sizes goes: the smaller one counts again.
	f.write(func(tx store.Tx) error { return tx.Assets().DeleteAll(f.ctx, t.vo.ID) })
	f.wantAssetSizes("after the larger size went", all...)

	// A dispose (the assets of a version go, the version stays).
	f.write(func(tx store.Tx) error {
		if err := tx.Assets().DeleteAll(f.ctx, t.v11.ID); err != nil {
			return err
		}
		v, err := tx.Versions().Get(f.ctx, t.p1.ID, t.v11.Version)
		if err != nil {
			return err
		}
		v.Status = domain.StatusDisposed
		return tx.Versions().Update(f.ctx, v)
	})
	f.wantAssetSizes("after dispose", all...)

	// A copy into another repository of the domain and into another domain.
	var po domain.Package
	f.read(func(tx store.Tx) (err error) {
		po, err = tx.Packages().Get(f.ctx, t.r2.ID, domain.FormatNpm, "", "p1")
		return err
	})
	f.write(func(tx store.Tx) error {
		for _, to := range []struct {
			pkg  int64
			name string
		}{{po.ID, "copied"}, {op.ID, "copied"}} {
			v := newVersion(to.pkg, to.name)
			if err := tx.Versions().Create(f.ctx, &v); err != nil {
				return err
			}
			for _, a := range []domain.Asset{newAsset("a", sha(2), 200), newAsset("b", sha(5), 5)} {
				if err := tx.Assets().Add(f.ctx, v.ID, a); err != nil {
					return err
				}
			}
		}
		return nil
	})
	f.wantAssetSizes("after copies", all...)

	// Deletes of a version, a package; a rolled-back delete changes nothing.
	f.write(func(tx store.Tx) error { return tx.Versions().Delete(f.ctx, t.v12.ID) })
	f.wantAssetSizes("after version delete", all...)
	f.writeErr(func(tx store.Tx) error {
		if err := tx.Repositories().Delete(f.ctx, t.r2.ID); err != nil {
			return err
		}
		return fmt.Errorf("roll back")
	})
	f.wantAssetSizes("after a rolled-back delete", all...)
	f.write(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, t.p2.ID) })
	f.wantAssetSizes("after package delete", all...)

	// Publish again what went, then delete the repositories, then the domain.
	f.asset(t.v11.ID, "again", sha(4), 40)
	f.wantAssetSizes("after republish", all...)
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, t.r1.ID) })
	f.wantAssetSizes("after repository delete", all...)
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, t.r2.ID) })
	f.wantAssetSizes("after last repository delete", all...)
	f.read(func(tx store.Tx) error {
		n, err := tx.Domains().AssetSizeBytes(f.ctx, t.d.ID)
		if err == nil && n != 0 {
			f.Errorf("empty domain: AssetSizeBytes = %d, want 0", n)
		}
		return err
	})
	f.write(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, t.d.ID) })
	// A domain created afterwards starts at 0 whatever id it gets.
	again := f.domain("us-east-1", "o", "again")
	f.wantAssetSizes("after domain delete", other.ID, again.ID)
	ar := f.repo(again.ID, "r")
	ap := f.pkg(ar.ID, domain.FormatPypi, "", "p")
	av := f.version(ap.ID, "1")
	f.asset(av.ID, "a", sha(1), 7)
	f.wantAssetSizes("in a new domain", other.ID, again.ID)
	// fsck's check finds nothing to recount, and a recount changes nothing.
	f.write(func(tx store.Tx) error {
		drift, err := tx.Domains().CheckAssetSizes(f.ctx)
		if err == nil && len(drift) != 0 {
			f.Errorf("CheckAssetSizes = %+v, want none", drift)
		}
		for _, id := range []int64{other.ID, again.ID} {
			if err := tx.Domains().RecountAssetSize(f.ctx, id); err != nil {
				return err
			}
		}
		return err
	})
	f.wantAssetSizes("after recounts", other.ID, again.ID)
}

// SeedBeforeScale is SQL (with no parameters) that fills a database
// migrated up to, but not including, 0008_scale: domains "old" (two
// repositories) and "old2" (one) whose every repository holds package p,
// versions 1 and 2, each with assets a (digest 1, 100 bytes), b (digest 2,
// 200 bytes, version 1; digest 3, 300 bytes, version 2) and c (digest 4,
// 40 bytes in version 1 and 50 in version 2); and "empty".
var SeedBeforeScale = strings.NewReplacer("SHA1", sha(1), "SHA2", sha(2), "SHA3", sha(3), "SHA4", sha(4)).Replace(`
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'old', 'k', 1);
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'old2', 'k', 1);
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'empty', 'k', 1);
INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns)
	SELECT id, 'r1', '111122223333', '', 1 FROM domains WHERE name IN ('old', 'old2');
INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns)
	SELECT id, 'r2', '111122223333', '', 1 FROM domains WHERE name = 'old';
INSERT INTO packages (repository_id, domain_id, format, namespace, name, origin_publish, origin_upstream)
	SELECT id, domain_id, 'npm', '', 'p', 'ALLOW', 'ALLOW' FROM repositories;
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '1', '', 'Published', 'INTERNAL', '', '', 1, '', '', '', '', '' FROM packages;
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '2', '', 'Published', 'INTERNAL', '', '', 2, '', '', '', '', '' FROM packages;
INSERT INTO assets (version_id, domain_id, name, size, md5, sha1, sha256, sha512)
	SELECT v.id, p.domain_id, 'a', 100, '', '', 'SHA1', '' FROM package_versions v JOIN packages p ON p.id = v.package_id;
INSERT INTO assets (version_id, domain_id, name, size, md5, sha1, sha256, sha512)
	SELECT v.id, p.domain_id, 'b', CASE v.version WHEN '1' THEN 200 ELSE 300 END, '', '',
		CASE v.version WHEN '1' THEN 'SHA2' ELSE 'SHA3' END, '' FROM package_versions v JOIN packages p ON p.id = v.package_id;
INSERT INTO assets (version_id, domain_id, name, size, md5, sha1, sha256, sha512)
	SELECT v.id, p.domain_id, 'c', CASE v.version WHEN '1' THEN 40 ELSE 50 END, '', '', 'SHA4', ''
	FROM package_versions v JOIN packages p ON p.id = v.package_id;
`)

// CheckScaleMigration checks a store opened on a database filled with
// SeedBeforeScale before 0008_scale: the migration initialised each
// domain's asset size and the blob counts behind it, which later deletes
// move.
func CheckScaleMigration(t *testing.T, s store.Store) {
	t.Helper()
	f := &fx{T: t, s: s, ctx: t.Context()}
	ids := map[string]int64{}
	repos := map[string]int64{}
	f.read(func(tx store.Tx) error {
		for _, name := range []string{"old", "old2", "empty"} {
			d, err := tx.Domains().Get(f.ctx, "us-east-1", "111122223333", name)
			if err != nil {
				return err
			}
			ids[name] = d.ID
		}
		for _, name := range []string{"r1", "r2"} {
			r, err := tx.Repositories().Get(f.ctx, ids["old"], name)
			if err != nil {
				return err
			}
			repos[name] = r.ID
		}
		return nil
	})
	size := func(what, name string, want int64) {
		f.Helper()
		f.wantAssetSizes(what, ids[name])
		f.read(func(tx store.Tx) error {
			got, err := tx.Domains().AssetSizeBytes(f.ctx, ids[name])
			if err == nil && got != want {
				f.Errorf("%s: AssetSizeBytes(%s) = %d, want %d", what, name, got, want)
			}
			return err
		})
	}
	size("migrated", "old", 100+200+300+50)
	size("migrated", "old2", 100+200+300+50)
	size("migrated", "empty", 0)
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, repos["r1"]) })
	size("after deleting r1", "old", 100+200+300+50)
	f.write(func(tx store.Tx) error {
		p, err := tx.Packages().Get(f.ctx, repos["r2"], domain.FormatNpm, "", "p")
		if err != nil {
			return err
		}
		v, err := tx.Versions().Get(f.ctx, p.ID, "2")
		if err != nil {
			return err
		}
		return tx.Versions().Delete(f.ctx, v.ID)
	})
	size("after deleting version 2 of r2", "old", 100+200+40)
	size("untouched", "old2", 100+200+300+50)
}

// testListPackagesSkipScan lists many packages over several formats and
// namespaces with every mix of filters and page sizes, and with cursors of
// other listings, against a model.
func testListPackagesSkipScan(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	other := f.repo(d.ID, "other")
	f.pkg(other.ID, domain.FormatNpm, "a", "n1")
	type pk struct {
		format          domain.Format
		namespace, name string
		publish         domain.Allow
	}
	var all []pk
	f.write(func(tx store.Tx) error {
		i := 0
		for _, format := range []domain.Format{domain.FormatMaven, domain.FormatNpm, domain.FormatPypi} {
			for _, ns := range []string{"", "a", "ab", "b", "\u00e9"} {
				for _, name := range []string{"m", "n", "n1", "n10", "n2", "\u00e9t\u00e9"} {
					i++
					if i%7 == 0 {
						continue // not every group has every name
					}
					p := pk{format, ns, name, domain.AllowAllow}
					if i%3 == 0 {
						p.publish = domain.AllowBlock
					}
					all = append(all, p)
					dp := domain.Package{RepositoryID: r.ID, Format: format, Namespace: ns, Name: name,
						Origin: domain.OriginConfiguration{Publish: p.publish, Upstream: domain.AllowAllow}}
					if err := tx.Packages().Create(f.ctx, &dp); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	key := func(format domain.Format, ns, name string) string {
		return string(format) + "\x00" + ns + "\x00" + name
	}
	slices.SortFunc(all, func(a, b pk) int {
		return strings.Compare(key(a.format, a.namespace, a.name), key(b.format, b.namespace, b.name))
	})
	label := func(p domain.Package) string { return string(p.Format) + ":" + p.Namespace + ":" + p.Name }
	// A cursor of an unfiltered listing, in the middle of npm:a.
	var mid string
	f.read(func(tx store.Tx) (err error) {
		n := slices.IndexFunc(all, func(p pk) bool { return p.format == domain.FormatNpm && p.namespace == "a" && p.name == "n1" })
		_, mid, err = tx.Packages().List(f.ctx, store.PackageFilter{RepositoryID: r.ID}, store.Page{Limit: n + 1})
		return err
	})
	midKey := key(domain.FormatNpm, "a", "n1")
	for _, format := range []domain.Format{"", domain.FormatNpm, domain.FormatMaven, domain.FormatCargo} {
		for _, ns := range []string{"", "a", "ab", "c", "\u00e9"} {
			for _, prefix := range []string{"", "n", "n1", "z", "\u00e9"} {
				for _, publish := range []domain.Allow{"", domain.AllowBlock} {
					filter := store.PackageFilter{RepositoryID: r.ID, Format: format, Namespace: ns, NamePrefix: prefix, Publish: publish}
					var want, wantMid []string
					for _, p := range all {
						if (format == "" || p.format == format) && strings.HasPrefix(p.namespace, ns) &&
							strings.HasPrefix(p.name, prefix) && (publish == "" || p.publish == publish) {
							l := string(p.format) + ":" + p.namespace + ":" + p.name
							want = append(want, l)
							if key(p.format, p.namespace, p.name) > midKey {
								wantMid = append(wantMid, l)
							}
						}
					}
					for _, limit := range []int{1, 3, 1000} {
						got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.Package, string, error) {
							return tx.Packages().List(f.ctx, filter, p)
						})
						var names []string
						for _, p := range got {
							names = append(names, label(p))
						}
						if !reflect.DeepEqual(names, want) {
							f.Errorf("%+v, limit %d: %q\nwant %q", filter, limit, names, want)
						}
					}
					var names []string
					f.read(func(tx store.Tx) error {
						got, _, err := tx.Packages().List(f.ctx, filter, store.Page{After: mid, Limit: 1000})
						for _, p := range got {
							names = append(names, label(p))
						}
						return err
					})
					if !reflect.DeepEqual(names, wantMid) {
						f.Errorf("%+v after npm:a:n1 (a cursor of another listing): %q\nwant %q", filter, names, wantMid)
					}
				}
			}
		}
	}
}

// testListVersionsFilteredOut lists a package of many versions by status
// and origin, where most versions are filtered out, against a model.
func testListVersionsFilteredOut(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatGeneric, "ns", "big")
	type vk struct {
		version string
		ns      int64
		id      int64
		status  domain.Status
		origin  domain.OriginType
	}
	var all []vk
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.write(func(tx store.Tx) error {
		for i := range 300 {
			v := newVersion(p.ID, fmt.Sprintf("1.%d", i))
			v.PublishedTime = base.Add(time.Duration(i/4) * time.Minute) // ties, broken by id
			switch {
			case i%50 == 7:
				v.Status = domain.StatusUnlisted
			case i%100 == 3:
				v.Status = domain.StatusArchived
			}
			if i%60 == 7 || i == 299 {
				v.OriginType = domain.OriginExternal
			}
			if err := tx.Versions().Create(f.ctx, &v); err != nil {
				return err
			}
			all = append(all, vk{v.Version, v.PublishedTime.UnixNano(), v.ID, v.Status, v.OriginType})
		}
		return nil
	})
	for _, filter := range []store.VersionFilter{
		{Status: domain.StatusUnlisted}, {Status: domain.StatusArchived}, {Status: domain.StatusDeleted},
		{OriginType: domain.OriginExternal}, {Status: domain.StatusUnlisted, OriginType: domain.OriginExternal},
	} {
		for _, sort := range []store.VersionSort{store.SortByVersion, store.SortByPublishedTime} {
			filter.PackageID, filter.Sort = p.ID, sort
			var model []vk
			for _, v := range all {
				if (filter.Status == "" || v.status == filter.Status) && (filter.OriginType == "" || v.origin == filter.OriginType) {
					model = append(model, v)
				}
			}
			if sort == store.SortByVersion {
				slices.SortFunc(model, func(a, b vk) int { return strings.Compare(a.version, b.version) })
			} else {
				slices.SortFunc(model, func(a, b vk) int {
					if a.ns != b.ns {
						return -cmpInt(a.ns, b.ns)
					}
					return -cmpInt(a.id, b.id)
				})
			}
			var want []string
			for _, v := range model {
				want = append(want, v.version)
			}
			for _, limit := range []int{1, 2, 1000} {
				got := listAll(f, limit, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
					return tx.Versions().List(f.ctx, filter, pg)
				})
				var names []string
				for _, v := range got {
					names = append(names, v.Version)
				}
				if !reflect.DeepEqual(names, want) {
					f.Errorf("%+v, limit %d: %q\nwant %q", filter, limit, names, want)
				}
			}
		}
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

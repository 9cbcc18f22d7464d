package storetest

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/versionkey"
)

// testListVersionsOrder: SortByVersionOrder lists by SortKey, newest (the
// greatest key) first, filtered by status and origin, and a walk stays
// exact while versions are inserted between its pages (issue #16). Keys
// are given, as the service gives them; a version created without one
// gets the natural order of its string.
func testListVersionsOrder(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	other := f.pkg(r.ID, domain.FormatNpm, "", "y")
	f.version(other.ID, "9.9.9")
	// The service finds a version's format by its package's ID.
	f.read(func(tx store.Tx) error {
		got, err := tx.Packages().GetByID(f.ctx, other.ID)
		if err == nil && !reflect.DeepEqual(got, other) {
			f.Errorf("GetByID = %+v, want %+v", got, other)
		}
		_, missing := tx.Packages().GetByID(f.ctx, other.ID+1000)
		f.wantErr("GetByID missing", missing, domain.ErrNotFound)
		return err
	})
	type vk struct {
		version string
		key     string // "" = none given
		status  domain.Status
		origin  domain.OriginType
	}
	// Keys that order versions neither by string nor by creation: what a
	// format does with prereleases.
	for _, v := range []vk{
		{"1.0.10", "\x01c", domain.StatusPublished, domain.OriginInternal},
		{"2.0.0-rc.1", "\x01d", domain.StatusUnlisted, domain.OriginInternal},
		{"1.0.2", "\x01b", domain.StatusPublished, domain.OriginExternal},
		{"2.0.0", "\x01e", domain.StatusPublished, domain.OriginInternal},
		{"0.9", "\x01a", domain.StatusArchived, domain.OriginExternal},
		{"1.0.0", "\x01b", domain.StatusPublished, domain.OriginInternal}, // a tie: by id
	} {
		ver := newVersion(p.ID, v.version)
		ver.SortKey = []byte(v.key)
		ver.Status, ver.OriginType = v.status, v.origin
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &ver) })
		if !bytes.Equal(ver.SortKey, []byte(v.key)) {
			f.Errorf("Create changed the sort key of %s to %q", v.version, ver.SortKey)
		}
		f.read(func(tx store.Tx) error {
			got, err := tx.Versions().Get(f.ctx, p.ID, v.version)
			if err == nil && !bytes.Equal(got.SortKey, []byte(v.key)) {
				f.Errorf("Get(%s).SortKey = %q, want %q", v.version, got.SortKey, v.key)
			}
			return err
		})
	}
	cases := []struct {
		filter store.VersionFilter
		want   []string
	}{
		{store.VersionFilter{}, []string{"2.0.0", "2.0.0-rc.1", "1.0.10", "1.0.0", "1.0.2", "0.9"}},
		{store.VersionFilter{Status: domain.StatusPublished}, []string{"2.0.0", "1.0.10", "1.0.0", "1.0.2"}},
		{store.VersionFilter{OriginType: domain.OriginExternal}, []string{"1.0.2", "0.9"}},
		{store.VersionFilter{Status: domain.StatusPublished, OriginType: domain.OriginInternal}, []string{"2.0.0", "1.0.10", "1.0.0"}},
		{store.VersionFilter{Status: domain.StatusDeleted}, nil},
	}
	for _, c := range cases {
		for _, limit := range limits {
			filter := c.filter
			filter.PackageID, filter.Sort = p.ID, store.SortByVersionOrder
			got := listAll(f, limit, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
				return tx.Versions().List(f.ctx, filter, pg)
			})
			var names []string
			for _, v := range got {
				names = append(names, v.Version)
			}
			if !reflect.DeepEqual(names, c.want) {
				f.Errorf("%+v, limit %d: %q\nwant %q", c.filter, limit, names, c.want)
			}
		}
	}

	// Without a key: the natural order of the version strings.
	q := f.pkg(r.ID, domain.FormatGeneric, "", "z")
	for _, v := range []string{"1.0.2", "1.0.10", "1.0", "10", "2"} {
		f.version(q.ID, v)
	}
	got := listAll(f, 2, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
		return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: q.ID, Sort: store.SortByVersionOrder}, pg)
	})
	var names []string
	for _, v := range got {
		names = append(names, v.Version)
		if !bytes.Equal(v.SortKey, versionkey.Natural(v.Version)) {
			f.Errorf("%s: sort key %q, want its natural key", v.Version, v.SortKey)
		}
	}
	if want := []string{"10", "2", "1.0.10", "1.0.2", "1.0"}; !reflect.DeepEqual(names, want) {
		f.Errorf("versions created without a key: %q, want %q", names, want)
	}
	f.read(func(tx store.Tx) error {
		missing, err := tx.Versions().MissingSortKeys(f.ctx, q.ID)
		if err == nil && missing {
			f.Error("MissingSortKeys: true for versions created by Create")
		}
		return err
	})
}

// testVersionOrderConcurrentInserts walks a package in version order, one
// version a page, while versions are inserted before and after the
// cursor: each version that was there when the walk began is listed once,
// in order; inserted ones only if they sort after the cursor.
func testVersionOrderConcurrentInserts(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatGeneric, "", "x")
	for i := 10; i <= 50; i += 10 {
		f.version(p.ID, itoa(i))
	}
	var seen []string
	pg := store.Page{Limit: 1}
	added := 0
	for {
		var vs []domain.PackageVersion
		var next string
		f.read(func(tx store.Tx) error {
			var err error
			vs, next, err = tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID, Sort: store.SortByVersionOrder}, pg)
			return err
		})
		for _, v := range vs {
			seen = append(seen, v.Version)
		}
		if next == "" {
			break
		}
		// A newer version than every one listed (not seen: the walk is
		// past it) and one just older than the cursor (seen next).
		added++
		f.version(p.ID, itoa(1000+added))
		if len(vs) == 1 && vs[0].Version == "30" {
			f.version(p.ID, "29")
		}
		pg.After = next
	}
	want := []string{"50", "40", "30", "29", "20", "10"}
	if !slices.Equal(seen, want) {
		f.Errorf("walk: %q, want %q", seen, want)
	}
}

func itoa(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// SeedBeforeVersionOrder is SQL (with no parameters) that fills a
// database migrated up to, but not including, 0009_version_order: an npm
// package p with versions 1.0.2, 1.0.10, 2.0.0-rc.1 and 2.0.0 (in that
// order of creation, published times ascending), 2.0.0-rc.1 Unlisted, and
// a generic package g with versions 1..5.
const SeedBeforeVersionOrder = `
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'old', 'k', 1);
INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns)
	SELECT id, 'r', '111122223333', '', 1 FROM domains;
INSERT INTO packages (repository_id, domain_id, format, namespace, name, origin_publish, origin_upstream)
	SELECT id, domain_id, 'npm', '', 'p', 'ALLOW', 'BLOCK' FROM repositories;
INSERT INTO packages (repository_id, domain_id, format, namespace, name, origin_publish, origin_upstream)
	SELECT id, domain_id, 'generic', 'ns', 'g', 'ALLOW', 'BLOCK' FROM repositories;
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '1.0.2', '', 'Published', 'INTERNAL', '', '', 1, '', '', '', '', '' FROM packages WHERE name = 'p';
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '1.0.10', '', 'Published', 'INTERNAL', '', '', 2, '', '', '', '', '' FROM packages WHERE name = 'p';
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '2.0.0-rc.1', '', 'Unlisted', 'INTERNAL', '', '', 3, '', '', '', '', '' FROM packages WHERE name = 'p';
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT id, '2.0.0', '', 'Published', 'INTERNAL', '', '', 4, '', '', '', '', '' FROM packages WHERE name = 'p';
INSERT INTO package_versions (package_id, version, revision, status, origin_type, entry_repository,
		entry_external_connection, published_ns, display_name, summary, home_page, source_code_repository, readme)
	SELECT p.id, v.v, '', 'Published', 'INTERNAL', '', '', 5, '', '', '', '', ''
	FROM packages p, (SELECT '1' AS v UNION SELECT '2' UNION SELECT '3' UNION SELECT '4' UNION SELECT '5') v
	WHERE p.name = 'g';
`

// CheckVersionOrderMigration checks a store opened on a database seeded
// with SeedBeforeVersionOrder before 0009_version_order: its versions
// have no sort key until FillSortKeys gives them one, in batches, once
// (again is a no-op), and then list in the keys' order.
func CheckVersionOrderMigration(t *testing.T, s store.Store) {
	t.Helper()
	f := &fx{T: t, s: s, ctx: t.Context()}
	var p, g domain.Package
	f.read(func(tx store.Tx) error {
		var err error
		if p, err = tx.Packages().Get(f.ctx, 1, domain.FormatNpm, "", "p"); err != nil {
			return err
		}
		if g, err = tx.Packages().Get(f.ctx, 1, domain.FormatGeneric, "ns", "g"); err != nil {
			return err
		}
		for _, pkg := range []domain.Package{p, g} {
			missing, err := tx.Versions().MissingSortKeys(f.ctx, pkg.ID)
			if err != nil {
				return err
			}
			if !missing {
				f.Errorf("package %s: no version is missing its sort key after the migration", pkg.Name)
			}
		}
		return nil
	})
	// A key the test can recognise: the reverse of creation for p.
	rank := map[string]string{"1.0.2": "d", "1.0.10": "c", "2.0.0-rc.1": "b", "2.0.0": "a"}
	pkey := func(v string) []byte { return []byte(rank[v] + v) }
	batches := 0
	for {
		var n int
		f.write(func(tx store.Tx) error {
			var err error
			n, err = tx.Versions().FillSortKeys(f.ctx, p.ID, 3, pkey)
			return err
		})
		if n == 0 {
			break
		}
		if batches++; batches > 5 {
			f.Fatal("FillSortKeys never runs out")
		}
	}
	if batches != 2 {
		f.Errorf("4 versions in batches of 3: %d batches, want 2", batches)
	}
	f.write(func(tx store.Tx) error {
		// Set already: kept, whatever key is offered.
		n, err := tx.Versions().FillSortKeys(f.ctx, p.ID, 10, func(string) []byte { return []byte("zzz") })
		if n != 0 {
			f.Errorf("FillSortKeys on a filled package: %d, want 0", n)
		}
		return err
	})
	f.read(func(tx store.Tx) error {
		missing, err := tx.Versions().MissingSortKeys(f.ctx, p.ID)
		if err != nil {
			return err
		}
		if missing {
			f.Error("MissingSortKeys after FillSortKeys: true")
		}
		// The other package is untouched.
		missing, err = tx.Versions().MissingSortKeys(f.ctx, g.ID)
		if err == nil && !missing {
			f.Error("FillSortKeys of one package filled another")
		}
		return err
	})
	got := listAll(f, 1, func(tx store.Tx, pg store.Page) ([]domain.PackageVersion, string, error) {
		return tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID, Sort: store.SortByVersionOrder}, pg)
	})
	var names []string
	for _, v := range got {
		names = append(names, v.Version)
	}
	if want := []string{"1.0.2", "1.0.10", "2.0.0-rc.1", "2.0.0"}; !slices.Equal(names, want) {
		f.Errorf("after the fill: %q, want %q", names, want)
	}
}

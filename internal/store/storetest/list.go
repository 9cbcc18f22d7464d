package storetest

import (
	"encoding/base64"
	"reflect"
	"slices"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// limits are the page sizes every listing is checked with.
var limits = []int{1, 2, 3, 1000}

func domainNames(ds []domain.Domain) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

func testListDomains(f *fx) {
	names := []string{"g", "b", "e", "a", "f", "c", "d"}
	for _, n := range names {
		f.domain("us-east-1", "111122223333", n)
	}
	f.domain("us-east-1", "444455556666", "a0")
	f.domain("eu-west-1", "111122223333", "a0")
	want := slices.Sorted(slices.Values(names))
	for _, limit := range append(limits, len(names), len(names)-1) {
		got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.Domain, string, error) {
			return tx.Domains().List(f.ctx, "us-east-1", "111122223333", p)
		})
		if !reflect.DeepEqual(domainNames(got), want) {
			f.Errorf("limit %d: %v, want %v", limit, domainNames(got), want)
		}
		if len(got) > 0 && (got[0].ID == 0 || got[0].Region != "us-east-1" || got[0].EncryptionKey != "key-a") {
			f.Errorf("listed domain %+v lacks fields", got[0])
		}
	}
	// A page holding exactly the last rows has no next cursor.
	f.read(func(tx store.Tx) error {
		items, next, err := tx.Domains().List(f.ctx, "us-east-1", "111122223333", store.Page{Limit: len(names)})
		if err != nil || len(items) != len(names) || next != "" {
			f.Errorf("exact page: %d items, next %q, %v", len(items), next, err)
		}
		items, next, err = tx.Domains().List(f.ctx, "us-east-1", "111122223333", store.Page{Limit: len(names) - 1})
		if err != nil || len(items) != len(names)-1 || next == "" {
			f.Fatalf("short page: %d items, next %q, %v", len(items), next, err)
		}
		items, next, err = tx.Domains().List(f.ctx, "us-east-1", "111122223333", store.Page{After: next, Limit: len(names) - 1})
		if err != nil || len(items) != 1 || next != "" {
			f.Errorf("last page: %d items, next %q, %v", len(items), next, err)
		}
		items, next, err = tx.Domains().List(f.ctx, "nowhere", "111122223333", store.Page{Limit: 10})
		if err != nil || len(items) != 0 || next != "" {
			f.Errorf("empty listing: %v, %q, %v", items, next, err)
		}
		return nil
	})
}

type repoKey struct{ Domain, Owner, Name string }

func listRepos(f *fx, filter store.RepositoryFilter, limit int) []repoKey {
	f.Helper()
	got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]store.RepositoryListing, string, error) {
		return tx.Repositories().List(f.ctx, filter, p)
	})
	var out []repoKey
	for _, l := range got {
		if l.Repository.ID == 0 || l.Repository.DomainID == 0 || l.Repository.AdministratorAccount == "" {
			f.Errorf("listed repository %+v lacks fields", l.Repository)
		}
		out = append(out, repoKey{l.DomainName, l.DomainOwner, l.Repository.Name})
	}
	return out
}

func testListRepositories(f *fx) {
	bO1 := f.domain("us-east-1", "o1", "b-dom")
	aO2 := f.domain("us-east-1", "o2", "a-dom")
	aO1 := f.domain("us-east-1", "o1", "a-dom")
	west := f.domain("us-west-2", "o1", "a-dom")
	for _, d := range []domain.Domain{bO1, aO2, aO1, west} {
		for _, n := range []string{"z", "m", "a"} {
			f.repo(d.ID, n)
		}
	}
	admin := domain.Repository{DomainID: aO2.ID, Name: "other-admin", AdministratorAccount: "999"}
	f.write(func(tx store.Tx) error { return tx.Repositories().Create(f.ctx, &admin) })

	wantRegion := []repoKey{
		{"a-dom", "o1", "a"}, {"a-dom", "o1", "m"}, {"a-dom", "o1", "z"},
		{"a-dom", "o2", "a"}, {"a-dom", "o2", "m"}, {"a-dom", "o2", "other-admin"}, {"a-dom", "o2", "z"},
		{"b-dom", "o1", "a"}, {"b-dom", "o1", "m"}, {"b-dom", "o1", "z"},
	}
	wantDomain := []repoKey{{"a-dom", "o2", "a"}, {"a-dom", "o2", "m"}, {"a-dom", "o2", "other-admin"}, {"a-dom", "o2", "z"}}
	for _, limit := range limits {
		if got := listRepos(f, store.RepositoryFilter{Region: "us-east-1"}, limit); !reflect.DeepEqual(got, wantRegion) {
			f.Errorf("region, limit %d: %v\nwant %v", limit, got, wantRegion)
		}
		if got := listRepos(f, store.RepositoryFilter{DomainID: aO2.ID, Region: "ignored"}, limit); !reflect.DeepEqual(got, wantDomain) {
			f.Errorf("domain, limit %d: %v\nwant %v", limit, got, wantDomain)
		}
		got := listRepos(f, store.RepositoryFilter{Region: "us-east-1", AdministratorAccount: "999"}, limit)
		if want := []repoKey{{"a-dom", "o2", "other-admin"}}; !reflect.DeepEqual(got, want) {
			f.Errorf("admin, limit %d: %v, want %v", limit, got, want)
		}
		got = listRepos(f, store.RepositoryFilter{DomainID: aO2.ID, Prefix: "o"}, limit)
		if want := []repoKey{{"a-dom", "o2", "other-admin"}}; !reflect.DeepEqual(got, want) {
			f.Errorf("prefix, limit %d: %v, want %v", limit, got, want)
		}
	}
	f.read(func(tx store.Tx) error {
		_, _, err := tx.Repositories().List(f.ctx, store.RepositoryFilter{}, store.Page{Limit: 1})
		f.wantErr("List without domain or region", err, domain.ErrInvalid)
		return nil
	})
}

// testListRepositoriesPrefix checks that prefixes are literal (LIKE
// wildcards are not), case-sensitive and byte-ordered.
func testListRepositoriesPrefix(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	names := []string{"a", "a_b", "a%b", "axb", "a_bc", "ab", "A_b", `a\b`, "é", "é1", "f",
		"z\U0010FFFFa", "{x", "\U0010FFFF\U0010FFFF"}
	for _, n := range names {
		f.repo(d.ID, n)
	}
	cases := map[string][]string{
		"a_":                   {"a_b", "a_bc"},
		"a%":                   {"a%b"},
		"a":                    {"a", "a%b", `a\b`, "a_b", "a_bc", "ab", "axb"},
		`a\`:                   {`a\b`},
		"A":                    {"A_b"},
		"é":                    {"é", "é1"},
		"z\U0010FFFF":          {"z\U0010FFFFa"},
		"\U0010FFFF":           {"\U0010FFFF\U0010FFFF"},
		"\U0010FFFF\U0010FFFF": {"\U0010FFFF\U0010FFFF"},
		"a_bc":                 {"a_bc"},
		"a_bcd":                nil,
		"_":                    nil,
		"%":                    nil,
	}
	for prefix, want := range cases {
		for _, limit := range []int{1, 100} {
			var got []string
			for _, k := range listRepos(f, store.RepositoryFilter{DomainID: d.ID, Prefix: prefix}, limit) {
				got = append(got, k.Name)
			}
			if !reflect.DeepEqual(got, want) {
				f.Errorf("prefix %q, limit %d: %q, want %q", prefix, limit, got, want)
			}
		}
	}
}

func testListPackages(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	other := f.repo(d.ID, "other")
	type pk struct {
		format            domain.Format
		namespace, name   string
		publish, upstream domain.Allow
	}
	all := []pk{
		{domain.FormatNpm, "", "a_b", domain.AllowAllow, domain.AllowAllow},
		{domain.FormatNpm, "", "axb", domain.AllowAllow, domain.AllowBlock},
		{domain.FormatNpm, "types", "node", domain.AllowBlock, domain.AllowAllow},
		{domain.FormatNpm, "types", "a_b", domain.AllowBlock, domain.AllowBlock},
		{domain.FormatNpm, "typescript", "a%b", domain.AllowAllow, domain.AllowAllow},
		{domain.FormatMaven, "org.apache", "commons", domain.AllowAllow, domain.AllowAllow},
		{domain.FormatMaven, "org_apache", "commons", domain.AllowAllow, domain.AllowAllow},
		{domain.FormatPypi, "", "requests", domain.AllowAllow, domain.AllowAllow},
	}
	for _, p := range all {
		pkg := domain.Package{RepositoryID: r.ID, Format: p.format, Namespace: p.namespace, Name: p.name,
			Origin: domain.OriginConfiguration{Publish: p.publish, Upstream: p.upstream}}
		f.write(func(tx store.Tx) error { return tx.Packages().Create(f.ctx, &pkg) })
	}
	f.pkg(other.ID, domain.FormatNpm, "", "a_b")
	label := func(ps []domain.Package) []string {
		var out []string
		for _, p := range ps {
			out = append(out, string(p.Format)+":"+p.Namespace+":"+p.Name)
		}
		return out
	}
	cases := []struct {
		filter store.PackageFilter
		want   []string
	}{
		{store.PackageFilter{}, []string{"maven:org.apache:commons", "maven:org_apache:commons",
			"npm::a_b", "npm::axb", "npm:types:a_b", "npm:types:node", "npm:typescript:a%b", "pypi::requests"}},
		{store.PackageFilter{Format: domain.FormatNpm}, []string{"npm::a_b", "npm::axb", "npm:types:a_b", "npm:types:node", "npm:typescript:a%b"}},
		{store.PackageFilter{Namespace: "types"}, []string{"npm:types:a_b", "npm:types:node", "npm:typescript:a%b"}},
		{store.PackageFilter{Namespace: "org_"}, []string{"maven:org_apache:commons"}},
		{store.PackageFilter{NamePrefix: "a_"}, []string{"npm::a_b", "npm:types:a_b"}},
		{store.PackageFilter{NamePrefix: "a%"}, []string{"npm:typescript:a%b"}},
		{store.PackageFilter{Format: domain.FormatNpm, Namespace: "types", NamePrefix: "a"}, []string{"npm:types:a_b", "npm:typescript:a%b"}},
		{store.PackageFilter{Publish: domain.AllowBlock}, []string{"npm:types:a_b", "npm:types:node"}},
		{store.PackageFilter{Upstream: domain.AllowBlock}, []string{"npm::axb", "npm:types:a_b"}},
		{store.PackageFilter{Publish: domain.AllowBlock, Upstream: domain.AllowBlock}, []string{"npm:types:a_b"}},
		{store.PackageFilter{Format: domain.FormatCargo}, nil},
	}
	for _, c := range cases {
		for _, limit := range limits {
			filter := c.filter
			filter.RepositoryID = r.ID
			got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.Package, string, error) {
				return tx.Packages().List(f.ctx, filter, p)
			})
			if !reflect.DeepEqual(label(got), c.want) {
				f.Errorf("%+v, limit %d: %q\nwant %q", c.filter, limit, label(got), c.want)
			}
		}
	}
}

func testListVersions(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	other := f.pkg(r.ID, domain.FormatNpm, "", "y")
	f.version(other.ID, "1.0.0")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	type vk struct {
		version string
		hour    int
		status  domain.Status
		origin  domain.OriginType
	}
	// Created in this order (so IDs ascend in it); "1.9.0" and "2.0.0"
	// share a publish time, broken by ID, newest ID first.
	for _, v := range []vk{
		{"1.10.0", 5, domain.StatusPublished, domain.OriginInternal},
		{"1.2.0", 1, domain.StatusArchived, domain.OriginInternal},
		{"1.9.0", 3, domain.StatusPublished, domain.OriginExternal},
		{"2.0.0", 3, domain.StatusUnlisted, domain.OriginInternal},
		{"10.0.0", 7, domain.StatusPublished, domain.OriginInternal},
		{"B", 0, domain.StatusPublished, domain.OriginUnknown},
		{"a", 9, domain.StatusPublished, domain.OriginInternal},
	} {
		ver := newVersion(p.ID, v.version)
		ver.PublishedTime = base.Add(time.Duration(v.hour) * time.Hour)
		ver.Status, ver.OriginType = v.status, v.origin
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &ver) })
	}
	cases := []struct {
		filter store.VersionFilter
		want   []string
	}{
		{store.VersionFilter{Sort: store.SortByVersion}, []string{"1.10.0", "1.2.0", "1.9.0", "10.0.0", "2.0.0", "B", "a"}},
		{store.VersionFilter{Sort: store.SortByPublishedTime}, []string{"a", "10.0.0", "1.10.0", "2.0.0", "1.9.0", "1.2.0", "B"}},
		{store.VersionFilter{Status: domain.StatusPublished}, []string{"1.10.0", "1.9.0", "10.0.0", "B", "a"}},
		{store.VersionFilter{OriginType: domain.OriginInternal, Sort: store.SortByPublishedTime}, []string{"a", "10.0.0", "1.10.0", "2.0.0", "1.2.0"}},
		{store.VersionFilter{Status: domain.StatusPublished, OriginType: domain.OriginExternal}, []string{"1.9.0"}},
		{store.VersionFilter{Status: domain.StatusDeleted}, nil},
	}
	for _, c := range cases {
		for _, limit := range limits {
			filter := c.filter
			filter.PackageID = p.ID
			got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.PackageVersion, string, error) {
				return tx.Versions().List(f.ctx, filter, p)
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
}

func testListAssets(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatMaven, "org", "x")
	v := f.version(p.ID, "1.0")
	other := f.version(p.ID, "2.0")
	f.asset(other.ID, "aaa", sha(9), 1)
	var want []domain.Asset
	for i, n := range []string{"x-1.0.pom", "x-1.0.jar", "x-1.0-sources.jar", "X.txt", "x_1.jar"} {
		want = append(want, f.asset(v.ID, n, sha(i), int64(i)))
	}
	slices.SortFunc(want, func(a, b domain.Asset) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	for _, limit := range limits {
		got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.Asset, string, error) {
			return tx.Assets().List(f.ctx, v.ID, p)
		})
		if !reflect.DeepEqual(got, want) {
			f.Errorf("limit %d: %+v\nwant %+v", limit, got, want)
		}
	}
}

// testBadPages feeds every listing malformed and foreign cursors and
// non-positive limits.
func testBadPages(f *fx) {
	d := f.domain("us-east-1", "o", "d1")
	f.domain("us-east-1", "o", "d2")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	v := f.version(p.ID, "1")
	f.version(p.ID, "2")
	var domainCursor, versionCursor string
	f.read(func(tx store.Tx) error {
		var err error
		if _, domainCursor, err = tx.Domains().List(f.ctx, "us-east-1", "o", store.Page{Limit: 1}); err != nil {
			return err
		}
		_, versionCursor, err = tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, store.Page{Limit: 1})
		return err
	})
	if domainCursor == "" || versionCursor == "" {
		f.Fatal("no cursors")
	}
	bad := []string{"!!!", "not a cursor", base64.RawURLEncoding.EncodeToString([]byte("garbage")),
		base64.RawURLEncoding.EncodeToString([]byte(`{"k":"zz"}`)), domainCursor + "x"}
	lists := map[string]func(tx store.Tx, pg store.Page) error{
		"domains": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Domains().List(f.ctx, "us-east-1", "o", pg)
			return err
		},
		"repositories": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Repositories().List(f.ctx, store.RepositoryFilter{DomainID: d.ID}, pg)
			return err
		},
		"packages": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Packages().List(f.ctx, store.PackageFilter{RepositoryID: r.ID}, pg)
			return err
		},
		"versions": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, pg)
			return err
		},
		"versions by time": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID, Sort: store.SortByPublishedTime}, pg)
			return err
		},
		"versions by version order": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID, Sort: store.SortByVersionOrder}, pg)
			return err
		},
		"assets": func(tx store.Tx, pg store.Page) error {
			_, _, err := tx.Assets().List(f.ctx, v.ID, pg)
			return err
		},
	}
	f.read(func(tx store.Tx) error {
		for name, list := range lists {
			for _, c := range bad {
				f.wantErr(name+" with cursor "+c, list(tx, store.Page{After: c, Limit: 10}), domain.ErrInvalid)
			}
			foreign := domainCursor
			if name == "domains" {
				foreign = versionCursor
			}
			f.wantErr(name+" with a foreign cursor", list(tx, store.Page{After: foreign, Limit: 10}), domain.ErrInvalid)
			f.wantErr(name+" with limit 0", list(tx, store.Page{Limit: 0}), domain.ErrInvalid)
			f.wantErr(name+" with limit -1", list(tx, store.Page{Limit: -1}), domain.ErrInvalid)
		}
		// A cursor of the by-version order is foreign to the by-time order.
		f.wantErr("versions by time with a by-version cursor",
			lists["versions by time"](tx, store.Page{After: versionCursor, Limit: 10}), domain.ErrInvalid)
		_, err := tx.Orphans().List(f.ctx, 0)
		f.wantErr("orphans with limit 0", err, domain.ErrInvalid)
		return nil
	})
}

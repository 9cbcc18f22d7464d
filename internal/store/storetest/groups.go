package storetest

import (
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

type modes = map[domain.RestrictionType]domain.RestrictionMode

// allModes returns m with every restriction type, the missing ones INHERIT:
// what the store reads back.
func allModes(m modes) modes {
	out := modes{}
	for _, t := range domain.RestrictionTypes {
		out[t] = domain.ModeInherit
	}
	for t, mode := range m {
		if mode != "" {
			out[t] = mode
		}
	}
	return out
}

func rootModes() modes {
	return modes{domain.RestrictPublish: domain.ModeAllow, domain.RestrictExternalUpstream: domain.ModeAllow,
		domain.RestrictInternalUpstream: domain.ModeAllow}
}

// group creates a package group; weak is its WeakKey ("" = the pattern in
// lower case, standing in for pkggroup.WeakKey).
func (f *fx) group(domainID, parentID int64, pattern, weak string, m modes) domain.PackageGroup {
	f.Helper()
	if weak == "" {
		weak = strings.ToLower(pattern)
	}
	g := domain.PackageGroup{DomainID: domainID, Pattern: pattern, WeakKey: weak, ParentID: parentID,
		Description: "group " + pattern, ContactInfo: "owner of " + pattern, CreatedTime: testTime, Modes: m}
	f.write(func(tx store.Tx) error { return tx.PackageGroups().Create(f.ctx, &g) })
	if g.ID == 0 {
		f.Fatalf("Create(%s) did not set the ID", pattern)
	}
	return g
}

// sameGroup fails unless got is want as the store reads it back.
func (f *fx) sameGroup(what string, got, want domain.PackageGroup) {
	f.Helper()
	f.sameTime(what+" CreatedTime", got.CreatedTime, want.CreatedTime)
	want.CreatedTime = got.CreatedTime
	want.Modes = allModes(want.Modes)
	if !reflect.DeepEqual(got, want) {
		f.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
}

func groupPatterns(gs []domain.PackageGroup) []string {
	out := []string{}
	for _, g := range gs {
		out = append(out, g.Pattern)
	}
	return out
}

// sortedPatterns returns the patterns of gs in byte order (Find's order is
// unspecified).
func sortedPatterns(gs []domain.PackageGroup) []string {
	out := groupPatterns(gs)
	slices.Sort(out)
	return out
}

func testPackageGroups(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	other := f.domain("us-east-1", "111122223333", "other")

	root := f.group(d.ID, 0, "/*", "/*", rootModes())
	npm := f.group(d.ID, root.ID, "/npm/*", "", modes{domain.RestrictPublish: domain.ModeBlock})
	// Patterns are case-sensitive: both exist, with the same weak key.
	upper := f.group(d.ID, npm.ID, "/npm//AsyncStorage$", "/npm//asyncstorage$", nil)
	lower := f.group(d.ID, npm.ID, "/npm//asyncstorage$", "/npm//asyncstorage$", modes{})
	maven := f.group(d.ID, root.ID, "/maven/com.acme~", "", modes{domain.RestrictExternalUpstream: ""})
	otherRoot := f.group(other.ID, 0, "/*", "/*", rootModes())
	otherNpm := f.group(other.ID, otherRoot.ID, "/npm/*", "", nil) // same pattern, other domain

	err := f.writeErr(func(tx store.Tx) error {
		g := domain.PackageGroup{DomainID: d.ID, Pattern: "/npm/*", WeakKey: "/npm/*", ParentID: root.ID}
		return tx.PackageGroups().Create(f.ctx, &g)
	})
	f.wantErr("Create duplicate pattern", err, domain.ErrConflict)
	err = f.writeErr(func(tx store.Tx) error {
		g := domain.PackageGroup{DomainID: other.ID + 1000, Pattern: "/*", WeakKey: "/*"}
		return tx.PackageGroups().Create(f.ctx, &g)
	})
	f.wantErr("Create in missing domain", err, domain.ErrNotFound)
	err = f.writeErr(func(tx store.Tx) error {
		g := domain.PackageGroup{DomainID: d.ID, Pattern: "/pypi/*", WeakKey: "/pypi/*", ParentID: otherNpm.ID + 1000}
		return tx.PackageGroups().Create(f.ctx, &g)
	})
	f.wantErr("Create under missing parent", err, domain.ErrNotFound)
	for name, m := range map[string]modes{
		"unknown type": {"SIDELOAD": domain.ModeAllow},
		"unknown mode": {domain.RestrictPublish: "SOMETIMES"},
	} {
		err = f.writeErr(func(tx store.Tx) error {
			g := domain.PackageGroup{DomainID: d.ID, Pattern: "/pypi/*", WeakKey: "/pypi/*", ParentID: root.ID, Modes: m}
			return tx.PackageGroups().Create(f.ctx, &g)
		})
		f.wantErr("Create with "+name, err, domain.ErrInvalid)
	}

	f.read(func(tx store.Tx) error {
		for _, want := range []domain.PackageGroup{root, npm, upper, lower, maven, otherRoot, otherNpm} {
			got, err := tx.PackageGroups().Get(f.ctx, want.DomainID, want.Pattern)
			if err != nil {
				f.Errorf("Get(%s): %v", want.Pattern, err)
			}
			f.sameGroup("Get("+want.Pattern+")", got, want)
			got, err = tx.PackageGroups().GetByID(f.ctx, want.ID)
			if err != nil {
				f.Errorf("GetByID(%s): %v", want.Pattern, err)
			}
			f.sameGroup("GetByID("+want.Pattern+")", got, want)
		}
		got, _ := tx.PackageGroups().GetByID(f.ctx, root.ID)
		if got.ParentID != 0 || len(got.Modes) != 3 || got.Modes[domain.RestrictPublish] != domain.ModeAllow {
			f.Errorf("root = %+v, want no parent and ALLOW everywhere", got)
		}
		got, _ = tx.PackageGroups().GetByID(f.ctx, npm.ID)
		if want := allModes(modes{domain.RestrictPublish: domain.ModeBlock}); !reflect.DeepEqual(got.Modes, want) {
			f.Errorf("/npm/* modes = %v, want %v", got.Modes, want)
		}
		_, err := tx.PackageGroups().Get(f.ctx, d.ID, "/pypi/*")
		f.wantErr("Get missing", err, domain.ErrNotFound)
		_, err = tx.PackageGroups().Get(f.ctx, d.ID, "/NPM/*")
		f.wantErr("Get in other case", err, domain.ErrNotFound)
		_, err = tx.PackageGroups().Get(f.ctx, other.ID+1000, "/*")
		f.wantErr("Get in missing domain", err, domain.ErrNotFound)
		_, err = tx.PackageGroups().GetByID(f.ctx, otherNpm.ID+1000)
		f.wantErr("GetByID missing", err, domain.ErrNotFound)

		// Find: several patterns at once, missing ones and other domains'
		// groups ignored, case-sensitive.
		for _, tc := range []struct {
			domainID int64
			patterns []string
			want     []string
		}{
			{d.ID, []string{"/npm//asyncstorage$", "/npm/*", "/*", "/npm/x/*", "/pypi/*"},
				[]string{"/*", "/npm/*", "/npm//asyncstorage$"}},
			{d.ID, []string{"/npm//AsyncStorage$"}, []string{"/npm//AsyncStorage$"}},
			{d.ID, []string{"/maven/com.acme~", "/maven/com.acme~", "/maven/*"}, []string{"/maven/com.acme~"}},
			{other.ID, []string{"/npm/*", "/maven/com.acme~"}, []string{"/npm/*"}},
			{d.ID, []string{"/nothing/*"}, []string{}},
			{d.ID, nil, []string{}},
			{other.ID + 1000, []string{"/*"}, []string{}},
		} {
			gs, err := tx.PackageGroups().Find(f.ctx, tc.domainID, tc.patterns)
			if err != nil {
				f.Errorf("Find(%q): %v", tc.patterns, err)
			}
			if got := sortedPatterns(gs); !reflect.DeepEqual(got, tc.want) {
				f.Errorf("Find(%d, %q) = %q, want %q", tc.domainID, tc.patterns, got, tc.want)
			}
			for _, g := range gs {
				if g.DomainID != tc.domainID || g.ID == 0 || len(g.Modes) != 3 {
					f.Errorf("Find: group %+v lacks fields", g)
				}
			}
		}
		// Find returns whole groups.
		gs, err := tx.PackageGroups().Find(f.ctx, d.ID, []string{"/npm//AsyncStorage$"})
		if err != nil || len(gs) != 1 {
			f.Fatalf("Find = %v, %v", gs, err)
		}
		f.sameGroup("Find", gs[0], upper)
		// A few dozen patterns in one call.
		many := []string{"/npm/*"}
		for i := range 60 {
			many = append(many, "/npm/p"+strconv.Itoa(i)+"/*")
		}
		gs, err = tx.PackageGroups().Find(f.ctx, d.ID, many)
		if got := sortedPatterns(gs); err != nil || !reflect.DeepEqual(got, []string{"/npm/*"}) {
			f.Errorf("Find of %d patterns = %q, %v", len(many), got, err)
		}

		for _, tc := range []struct {
			domainID int64
			keys     []string
			want     []string
		}{
			{d.ID, []string{"/npm//asyncstorage$"}, []string{"/npm//AsyncStorage$", "/npm//asyncstorage$"}},
			{d.ID, []string{"/npm//asyncstorage$", "/maven/com.acme~", "/npm//AsyncStorage$", "/x/*"},
				[]string{"/maven/com.acme~", "/npm//AsyncStorage$", "/npm//asyncstorage$"}},
			{other.ID, []string{"/npm//asyncstorage$", "/npm/*"}, []string{"/npm/*"}},
			{d.ID, nil, []string{}},
		} {
			gs, err := tx.PackageGroups().FindWeak(f.ctx, tc.domainID, tc.keys)
			if err != nil {
				f.Errorf("FindWeak(%q): %v", tc.keys, err)
			}
			if got := sortedPatterns(gs); !reflect.DeepEqual(got, tc.want) {
				f.Errorf("FindWeak(%d, %q) = %q, want %q", tc.domainID, tc.keys, got, tc.want)
			}
		}
		return nil
	})

	// Update saves the description, contact information, parent and modes,
	// and nothing else.
	upd := upper
	upd.Description, upd.ContactInfo = "new description", "new contact"
	upd.ParentID = root.ID
	upd.Modes = modes{domain.RestrictPublish: domain.ModeAllowSpecificRepositories,
		domain.RestrictExternalUpstream: domain.ModeBlock}
	upd.Pattern, upd.WeakKey, upd.DomainID, upd.CreatedTime = "/ignored/*", "/ignored/*", other.ID, testTime.Add(time.Hour)
	f.write(func(tx store.Tx) error { return tx.PackageGroups().Update(f.ctx, upd) })
	want := upper
	want.Description, want.ContactInfo, want.ParentID, want.Modes = upd.Description, upd.ContactInfo, upd.ParentID, upd.Modes
	f.read(func(tx store.Tx) error {
		got, err := tx.PackageGroups().GetByID(f.ctx, upper.ID)
		if err != nil {
			f.Errorf("GetByID after Update: %v", err)
		}
		f.sameGroup("after Update", got, want)
		got, err = tx.PackageGroups().Get(f.ctx, d.ID, upper.Pattern)
		if err != nil || got.ID != upper.ID {
			f.Errorf("Get by the unchanged pattern = %+v, %v", got, err)
		}
		return nil
	})
	// Every mode round-trips; a nil map makes them all INHERIT again.
	for _, m := range []modes{
		{domain.RestrictPublish: domain.ModeAllow, domain.RestrictExternalUpstream: domain.ModeAllowSpecificRepositories,
			domain.RestrictInternalUpstream: domain.ModeBlock},
		{domain.RestrictInternalUpstream: domain.ModeAllowSpecificRepositories},
		{domain.RestrictPublish: domain.ModeInherit, domain.RestrictExternalUpstream: domain.ModeInherit,
			domain.RestrictInternalUpstream: domain.ModeInherit},
		nil,
	} {
		upd.Modes = m
		f.write(func(tx store.Tx) error { return tx.PackageGroups().Update(f.ctx, upd) })
		f.read(func(tx store.Tx) error {
			got, err := tx.PackageGroups().GetByID(f.ctx, upper.ID)
			if err != nil || !reflect.DeepEqual(got.Modes, allModes(m)) {
				f.Errorf("modes after Update(%v) = %v, %v; want %v", m, got.Modes, err, allModes(m))
			}
			return nil
		})
	}
	// The root can be updated and keeps having no parent.
	rootUpd := root
	rootUpd.Description = "the root"
	rootUpd.Modes = modes{domain.RestrictPublish: domain.ModeBlock, domain.RestrictExternalUpstream: domain.ModeAllow,
		domain.RestrictInternalUpstream: domain.ModeAllow}
	f.write(func(tx store.Tx) error { return tx.PackageGroups().Update(f.ctx, rootUpd) })
	f.read(func(tx store.Tx) error {
		got, err := tx.PackageGroups().GetByID(f.ctx, root.ID)
		if err != nil {
			f.Errorf("GetByID(root): %v", err)
		}
		f.sameGroup("root after Update", got, rootUpd)
		return nil
	})
	err = f.writeErr(func(tx store.Tx) error {
		return tx.PackageGroups().Update(f.ctx, domain.PackageGroup{ID: otherNpm.ID + 1000, ParentID: root.ID})
	})
	f.wantErr("Update missing", err, domain.ErrNotFound)
	err = f.writeErr(func(tx store.Tx) error {
		bad := lower
		bad.Modes = modes{domain.RestrictPublish: "NEVER"}
		return tx.PackageGroups().Update(f.ctx, bad)
	})
	f.wantErr("Update with an unknown mode", err, domain.ErrInvalid)
	err = f.writeErr(func(tx store.Tx) error {
		bad := lower
		bad.ParentID = otherNpm.ID + 1000
		return tx.PackageGroups().Update(f.ctx, bad)
	})
	f.wantErr("Update under a missing parent", err, domain.ErrNotFound)

	// Delete: a group with children is refused; once they are re-parented
	// it goes, with its allowed-repository lists.
	err = f.writeErr(func(tx store.Tx) error { return tx.PackageGroups().Delete(f.ctx, npm.ID) })
	f.wantErr("Delete with a child", err, domain.ErrConflict)
	f.write(func(tx store.Tx) error {
		for _, n := range []string{"a", "b"} {
			for _, typ := range domain.RestrictionTypes {
				if _, err := tx.PackageGroups().SetAllowed(f.ctx, npm.ID, typ, n, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	err = f.writeErr(func(tx store.Tx) error { return tx.PackageGroups().Delete(f.ctx, otherNpm.ID+1000) })
	f.wantErr("Delete missing", err, domain.ErrNotFound)
	f.write(func(tx store.Tx) error {
		l := lower
		l.ParentID = root.ID
		if err := tx.PackageGroups().Update(f.ctx, l); err != nil {
			return err
		}
		return tx.PackageGroups().Delete(f.ctx, npm.ID)
	})
	f.read(func(tx store.Tx) error {
		_, err := tx.PackageGroups().GetByID(f.ctx, npm.ID)
		f.wantErr("GetByID deleted", err, domain.ErrNotFound)
		_, err = tx.PackageGroups().Get(f.ctx, d.ID, "/npm/*")
		f.wantErr("Get deleted", err, domain.ErrNotFound)
		for _, typ := range domain.RestrictionTypes {
			if n, err := tx.PackageGroups().CountAllowed(f.ctx, npm.ID, typ); err != nil || n != 0 {
				f.Errorf("CountAllowed(%s) of a deleted group = %d, %v", typ, n, err)
			}
			if ok, err := tx.PackageGroups().IsAllowed(f.ctx, npm.ID, typ, "a"); err != nil || ok {
				f.Errorf("IsAllowed(%s) of a deleted group = %v, %v", typ, ok, err)
			}
		}
		// The other domain's group of the same pattern stays.
		if _, err := tx.PackageGroups().GetByID(f.ctx, otherNpm.ID); err != nil {
			f.Errorf("other domain's /npm/*: %v", err)
		}
		return nil
	})
	// The pattern can be created again, with a new id and empty lists.
	again := f.group(d.ID, root.ID, "/npm/*", "", nil)
	if again.ID == npm.ID {
		f.Errorf("re-created group reuses id %d", npm.ID)
	}
	f.read(func(tx store.Tx) error {
		if n, err := tx.PackageGroups().CountAllowed(f.ctx, again.ID, domain.RestrictPublish); err != nil || n != 0 {
			f.Errorf("CountAllowed of a re-created group = %d, %v", n, err)
		}
		return nil
	})
	// A rolled-back Delete leaves everything as it was.
	err = f.writeErr(func(tx store.Tx) error {
		if err := tx.PackageGroups().Delete(f.ctx, maven.ID); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		f.Errorf("rolled-back Delete: %v", err)
	}
	f.read(func(tx store.Tx) error {
		if _, err := tx.PackageGroups().GetByID(f.ctx, maven.ID); err != nil {
			f.Errorf("group after a rolled-back Delete: %v", err)
		}
		return nil
	})
}

var errRollback = &domain.Error{Kind: domain.ErrInvalid, Msg: "roll back"}

func testListPackageGroups(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	other := f.domain("us-east-1", "111122223333", "other")
	root := f.group(d.ID, 0, "/*", "/*", rootModes())
	patterns := []string{"/npm/*", "/npm/a/*", "/npm/b~", "/npm/B~", "/npm//x$", "/pypi/*", "/maven/*", "/maven/org~",
		"/npm/a/b$", "/npm/é~", "/npmx/*"}
	byPattern := map[string]domain.PackageGroup{"/*": root}
	for _, p := range patterns {
		byPattern[p] = f.group(d.ID, root.ID, p, "", nil)
	}
	otherRoot := f.group(other.ID, 0, "/*", "/*", rootModes())
	f.group(other.ID, otherRoot.ID, "/npm/c/*", "", nil)
	all := slices.Sorted(slices.Values(append([]string{"/*"}, patterns...)))

	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"", all},
		// Byte order: '*' < '/' < 'B' < 'a' < 'é'.
		{"/npm/", []string{"/npm/*", "/npm//x$", "/npm/B~", "/npm/a/*", "/npm/a/b$", "/npm/b~", "/npm/é~"}},
		{"/npm", []string{"/npm/*", "/npm//x$", "/npm/B~", "/npm/a/*", "/npm/a/b$", "/npm/b~", "/npm/é~", "/npmx/*"}},
		{"/npm/a", []string{"/npm/a/*", "/npm/a/b$"}},
		{"/npm/b", []string{"/npm/b~"}}, // case-sensitive
		{"/npm/é", []string{"/npm/é~"}},
		{"/*", []string{"/*"}},
		{"/nuget/", []string{}},
	} {
		for _, limit := range limits {
			got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.PackageGroup, string, error) {
				return tx.PackageGroups().List(f.ctx, d.ID, tc.prefix, p)
			})
			if !reflect.DeepEqual(groupPatterns(got), tc.want) {
				f.Errorf("List(%q), limit %d = %q, want %q", tc.prefix, limit, groupPatterns(got), tc.want)
			}
			for _, g := range got {
				f.sameGroup("listed "+g.Pattern, g, byPattern[g.Pattern])
			}
		}
	}
	// A cursor of the unfiltered listing, before, within or past a prefix.
	f.read(func(tx store.Tx) error {
		for _, tc := range []struct {
			n    int // the cursor is after the first n groups
			want []string
		}{
			{1, []string{"/npm/*", "/npm//x$", "/npm/B~", "/npm/a/*", "/npm/a/b$", "/npm/b~", "/npm/é~"}},
			{5, []string{"/npm/B~", "/npm/a/*", "/npm/a/b$", "/npm/b~", "/npm/é~"}},
			{11, []string{}},
		} {
			_, after, err := tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: tc.n})
			if err != nil || after == "" {
				f.Fatalf("List(%d): %q, %v", tc.n, after, err)
			}
			gs, next, err := tx.PackageGroups().List(f.ctx, d.ID, "/npm/", store.Page{After: after, Limit: 100})
			if got := groupPatterns(gs); err != nil || next != "" || !reflect.DeepEqual(got, tc.want) {
				f.Errorf("List(/npm/) after %d = %q, %q, %v; want %q", tc.n, got, next, err, tc.want)
			}
		}
		return nil
	})
	f.read(func(tx store.Tx) error {
		gs, next, err := tx.PackageGroups().List(f.ctx, other.ID+1000, "", store.Page{Limit: 10})
		if err != nil || len(gs) != 0 || next != "" {
			f.Errorf("List of a missing domain = %v, %q, %v", gs, next, err)
		}
		return nil
	})

	// Children: the groups of one parent, by pattern.
	a := byPattern["/npm/a/*"]
	npm := byPattern["/npm/*"]
	f.write(func(tx store.Tx) error {
		for _, p := range []string{"/npm/a/*", "/npm/b~", "/npm/B~", "/npm//x$"} {
			g := byPattern[p]
			g.ParentID = npm.ID
			if err := tx.PackageGroups().Update(f.ctx, g); err != nil {
				return err
			}
		}
		g := byPattern["/npm/a/b$"]
		g.ParentID = a.ID
		return tx.PackageGroups().Update(f.ctx, g)
	})
	for _, tc := range []struct {
		parent int64
		want   []string
	}{
		{root.ID, []string{"/maven/*", "/maven/org~", "/npm/*", "/npm/é~", "/npmx/*", "/pypi/*"}},
		{npm.ID, []string{"/npm//x$", "/npm/B~", "/npm/a/*", "/npm/b~"}},
		{a.ID, []string{"/npm/a/b$"}},
		{byPattern["/pypi/*"].ID, []string{}},
		{otherRoot.ID, []string{"/npm/c/*"}},
	} {
		for _, limit := range limits {
			got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]domain.PackageGroup, string, error) {
				return tx.PackageGroups().Children(f.ctx, tc.parent, p)
			})
			if !reflect.DeepEqual(groupPatterns(got), tc.want) {
				f.Errorf("Children(%d), limit %d = %q, want %q", tc.parent, limit, groupPatterns(got), tc.want)
			}
			for _, g := range got {
				if g.ParentID != tc.parent {
					f.Errorf("child %s has parent %d, want %d", g.Pattern, g.ParentID, tc.parent)
				}
			}
		}
	}

	// Bad pages, and cursors of one listing handed to another.
	f.read(func(tx store.Tx) error {
		_, listNext, err := tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: 1})
		if err != nil || listNext == "" {
			f.Fatalf("List: %q, %v", listNext, err)
		}
		_, childNext, err := tx.PackageGroups().Children(f.ctx, root.ID, store.Page{Limit: 1})
		if err != nil || childNext == "" {
			f.Fatalf("Children: %q, %v", childNext, err)
		}
		_, _, err = tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: 0})
		f.wantErr("List with limit 0", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Children(f.ctx, root.ID, store.Page{Limit: -1})
		f.wantErr("Children with limit -1", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{After: "garbage", Limit: 1})
		f.wantErr("List with a bad cursor", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{After: childNext, Limit: 1})
		f.wantErr("List with a Children cursor", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Children(f.ctx, root.ID, store.Page{After: listNext, Limit: 1})
		f.wantErr("Children with a List cursor", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Allowed(f.ctx, root.ID, domain.RestrictPublish, store.Page{After: listNext, Limit: 1})
		f.wantErr("Allowed with a List cursor", err, domain.ErrInvalid)
		_, _, err = tx.Packages().ListCoordinates(f.ctx, d.ID, store.CoordinateFilter{}, store.Page{After: listNext, Limit: 1})
		f.wantErr("ListCoordinates with a List cursor", err, domain.ErrInvalid)
		_, _, err = tx.Packages().ListCoordinates(f.ctx, d.ID, store.CoordinateFilter{}, store.Page{Limit: 0})
		f.wantErr("ListCoordinates with limit 0", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Allowed(f.ctx, root.ID, domain.RestrictPublish, store.Page{Limit: 0})
		f.wantErr("Allowed with limit 0", err, domain.ErrInvalid)
		return nil
	})
}

func testAllowedRepositories(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	root := f.group(d.ID, 0, "/*", "/*", rootModes())
	g := f.group(d.ID, root.ID, "/npm/*", "", modes{domain.RestrictPublish: domain.ModeAllowSpecificRepositories})
	set := func(t domain.RestrictionType, repo string, allowed bool) bool {
		f.Helper()
		var changed bool
		f.write(func(tx store.Tx) error {
			var err error
			changed, err = tx.PackageGroups().SetAllowed(f.ctx, g.ID, t, repo, allowed)
			return err
		})
		return changed
	}
	if !set(domain.RestrictPublish, "main", true) {
		f.Error("adding main: not changed")
	}
	if set(domain.RestrictPublish, "main", true) {
		f.Error("adding main again: changed")
	}
	if set(domain.RestrictPublish, "absent", false) {
		f.Error("removing a name not in the list: changed")
	}
	names := []string{"zeta", "Beta", "alpha", "npm-store", "main", "é", "a"}
	for _, n := range names[:len(names)-1] {
		set(domain.RestrictPublish, n, true)
	}
	set(domain.RestrictExternalUpstream, "npm-store", true)
	set(domain.RestrictPublish, "a", true)
	// The root's lists are its own.
	f.write(func(tx store.Tx) error {
		_, err := tx.PackageGroups().SetAllowed(f.ctx, root.ID, domain.RestrictPublish, "rootonly", true)
		return err
	})

	want := slices.Sorted(slices.Values(names)) // byte order: "Beta" < "a"
	for _, limit := range limits {
		got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]string, string, error) {
			return tx.PackageGroups().Allowed(f.ctx, g.ID, domain.RestrictPublish, p)
		})
		if !reflect.DeepEqual(got, want) {
			f.Errorf("Allowed(PUBLISH), limit %d = %q, want %q", limit, got, want)
		}
		got = listAll(f, limit, func(tx store.Tx, p store.Page) ([]string, string, error) {
			return tx.PackageGroups().Allowed(f.ctx, g.ID, domain.RestrictExternalUpstream, p)
		})
		if !reflect.DeepEqual(got, []string{"npm-store"}) {
			f.Errorf("Allowed(EXTERNAL_UPSTREAM), limit %d = %q", limit, got)
		}
		got = listAll(f, limit, func(tx store.Tx, p store.Page) ([]string, string, error) {
			return tx.PackageGroups().Allowed(f.ctx, g.ID, domain.RestrictInternalUpstream, p)
		})
		if len(got) != 0 {
			f.Errorf("Allowed(INTERNAL_UPSTREAM), limit %d = %q, want none", limit, got)
		}
	}
	check := func(what string, t domain.RestrictionType, wantCount int, in, out []string) {
		f.Helper()
		f.read(func(tx store.Tx) error {
			n, err := tx.PackageGroups().CountAllowed(f.ctx, g.ID, t)
			if err != nil || n != wantCount {
				f.Errorf("%s: CountAllowed(%s) = %d, %v; want %d", what, t, n, err, wantCount)
			}
			for _, r := range in {
				if ok, err := tx.PackageGroups().IsAllowed(f.ctx, g.ID, t, r); err != nil || !ok {
					f.Errorf("%s: IsAllowed(%s, %s) = %v, %v; want true", what, t, r, ok, err)
				}
			}
			for _, r := range out {
				if ok, err := tx.PackageGroups().IsAllowed(f.ctx, g.ID, t, r); err != nil || ok {
					f.Errorf("%s: IsAllowed(%s, %s) = %v, %v; want false", what, t, r, ok, err)
				}
			}
			return nil
		})
	}
	check("after adding", domain.RestrictPublish, len(names), names, []string{"Main", "rootonly", "npm", "absent"})
	check("after adding", domain.RestrictExternalUpstream, 1, []string{"npm-store"}, []string{"main"})
	check("after adding", domain.RestrictInternalUpstream, 0, nil, []string{"main", "npm-store"})

	if !set(domain.RestrictPublish, "main", false) {
		f.Error("removing main: not changed")
	}
	if set(domain.RestrictPublish, "main", false) {
		f.Error("removing main again: changed")
	}
	if !set(domain.RestrictExternalUpstream, "npm-store", false) {
		f.Error("removing npm-store from EXTERNAL_UPSTREAM: not changed")
	}
	check("after removing", domain.RestrictPublish, len(names)-1, []string{"npm-store", "a"}, []string{"main"})
	check("after removing", domain.RestrictExternalUpstream, 0, nil, []string{"npm-store"})

	// Changes in a rolled-back transaction are undone.
	err := f.writeErr(func(tx store.Tx) error {
		if _, err := tx.PackageGroups().SetAllowed(f.ctx, g.ID, domain.RestrictPublish, "ghost", true); err != nil {
			return err
		}
		if _, err := tx.PackageGroups().SetAllowed(f.ctx, g.ID, domain.RestrictPublish, "zeta", false); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		f.Errorf("rolled-back SetAllowed: %v", err)
	}
	check("after a rollback", domain.RestrictPublish, len(names)-1, []string{"zeta"}, []string{"ghost"})

	err = f.writeErr(func(tx store.Tx) error {
		_, err := tx.PackageGroups().SetAllowed(f.ctx, g.ID+1000, domain.RestrictPublish, "main", true)
		return err
	})
	f.wantErr("SetAllowed on a missing group", err, domain.ErrNotFound)
	f.read(func(tx store.Tx) error {
		_, err := tx.PackageGroups().CountAllowed(f.ctx, g.ID, "SIDELOAD")
		f.wantErr("CountAllowed of an unknown type", err, domain.ErrInvalid)
		_, err = tx.PackageGroups().IsAllowed(f.ctx, g.ID, "", "main")
		f.wantErr("IsAllowed of an unknown type", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Allowed(f.ctx, g.ID, "SIDELOAD", store.Page{Limit: 1})
		f.wantErr("Allowed of an unknown type", err, domain.ErrInvalid)
		_, _, err = tx.PackageGroups().Allowed(f.ctx, g.ID, domain.RestrictPublish, store.Page{After: "x", Limit: 1})
		f.wantErr("Allowed with a bad cursor", err, domain.ErrInvalid)
		return nil
	})
	err = f.writeErr(func(tx store.Tx) error {
		_, err := tx.PackageGroups().SetAllowed(f.ctx, g.ID, "SIDELOAD", "main", true)
		return err
	})
	f.wantErr("SetAllowed of an unknown type", err, domain.ErrInvalid)
}

// testPackageGroupsDomainDelete: a domain's groups and their lists go with
// it; a fresh domain has no groups (the service creates its root).
func testPackageGroupsDomainDelete(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	keep := f.domain("us-east-1", "111122223333", "keep")
	f.read(func(tx store.Tx) error {
		gs, next, err := tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: 10})
		if err != nil || len(gs) != 0 || next != "" {
			f.Errorf("groups of a fresh domain = %q, %q, %v; want none", groupPatterns(gs), next, err)
		}
		return nil
	})
	root := f.group(d.ID, 0, "/*", "/*", rootModes())
	npm := f.group(d.ID, root.ID, "/npm/*", "", nil)
	scope := f.group(d.ID, npm.ID, "/npm/acme/*", "", nil)
	keepRoot := f.group(keep.ID, 0, "/*", "/*", rootModes())
	keepNpm := f.group(keep.ID, keepRoot.ID, "/npm/*", "", nil)
	f.write(func(tx store.Tx) error {
		for _, id := range []int64{root.ID, npm.ID, scope.ID, keepNpm.ID} {
			if _, err := tx.PackageGroups().SetAllowed(f.ctx, id, domain.RestrictPublish, "main", true); err != nil {
				return err
			}
		}
		return nil
	})
	f.write(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, d.ID) })
	f.read(func(tx store.Tx) error {
		for _, g := range []domain.PackageGroup{root, npm, scope} {
			_, err := tx.PackageGroups().GetByID(f.ctx, g.ID)
			f.wantErr("group "+g.Pattern+" of a deleted domain", err, domain.ErrNotFound)
			if n, err := tx.PackageGroups().CountAllowed(f.ctx, g.ID, domain.RestrictPublish); err != nil || n != 0 {
				f.Errorf("allowed list of %s of a deleted domain: %d, %v", g.Pattern, n, err)
			}
		}
		gs, _, err := tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: 10})
		if err != nil || len(gs) != 0 {
			f.Errorf("groups of a deleted domain = %q, %v", groupPatterns(gs), err)
		}
		gs, _, err = tx.PackageGroups().List(f.ctx, keep.ID, "", store.Page{Limit: 10})
		if got := groupPatterns(gs); err != nil || !reflect.DeepEqual(got, []string{"/*", "/npm/*"}) {
			f.Errorf("groups of the other domain = %q, %v", got, err)
		}
		if ok, err := tx.PackageGroups().IsAllowed(f.ctx, keepNpm.ID, domain.RestrictPublish, "main"); err != nil || !ok {
			f.Errorf("other domain's allowed list: %v, %v", ok, err)
		}
		return nil
	})
	// A domain created again under the same name starts without groups.
	again := f.domain("us-east-1", "111122223333", "acme")
	f.read(func(tx store.Tx) error {
		gs, _, err := tx.PackageGroups().List(f.ctx, again.ID, "", store.Page{Limit: 10})
		if err != nil || len(gs) != 0 {
			f.Errorf("groups of a re-created domain = %q, %v", groupPatterns(gs), err)
		}
		return nil
	})
	// A domain with repositories still cannot be deleted, groups or not.
	f.repo(keep.ID, "main")
	err := f.writeErr(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, keep.ID) })
	f.wantErr("Delete of a domain with repositories", err, domain.ErrConflict)
}

func coordKeys(cs []store.PackageCoordinate) []string {
	out := []string{}
	for _, c := range cs {
		out = append(out, string(c.Format)+" "+c.Namespace+" "+c.Name)
	}
	return out
}

func strp(s string) *string { return &s }

func testListCoordinates(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	other := f.domain("us-east-1", "111122223333", "other")
	r1 := f.repo(d.ID, "r1")
	r2 := f.repo(d.ID, "r2")
	r3 := f.repo(other.ID, "r3")
	type coord struct {
		repo            int64
		format          domain.Format
		namespace, name string
	}
	for _, c := range []coord{
		{r1.ID, domain.FormatNpm, "", "a"},
		{r1.ID, domain.FormatNpm, "space", "b"},
		{r1.ID, domain.FormatNpm, "space", "c"},
		{r1.ID, domain.FormatPypi, "", "a"},
		{r1.ID, domain.FormatMaven, "com.x", "lib"},
		{r1.ID, domain.FormatMaven, "com.xy", "lib2"},
		{r1.ID, domain.FormatMaven, "org", "z"},
		{r1.ID, domain.FormatMaven, "com.x", "Lib"},
		// r2 holds some of the same packages, and others.
		{r2.ID, domain.FormatNpm, "space", "b"},
		{r2.ID, domain.FormatPypi, "", "a"},
		{r2.ID, domain.FormatMaven, "org", "z"},
		{r2.ID, domain.FormatNpm, "space", "d"},
		{r2.ID, domain.FormatNpm, "spacex", "e"},
		{r2.ID, domain.FormatNpm, "", "space"},
		// Another domain's packages are not listed.
		{r3.ID, domain.FormatNpm, "space", "zz"},
		{r3.ID, domain.FormatNpm, "", "a"},
	} {
		f.pkg(c.repo, c.format, c.namespace, c.name)
	}
	all := []string{
		"maven com.x Lib", "maven com.x lib", "maven com.xy lib2", "maven org z",
		"npm  a", "npm  space", "npm space b", "npm space c", "npm space d", "npm spacex e",
		"pypi  a",
	}
	for _, tc := range []struct {
		what string
		f    store.CoordinateFilter
		want []string
	}{
		{"all", store.CoordinateFilter{}, all},
		{"npm", store.CoordinateFilter{Format: domain.FormatNpm},
			[]string{"npm  a", "npm  space", "npm space b", "npm space c", "npm space d", "npm spacex e"}},
		{"npm space", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space")},
			[]string{"npm space b", "npm space c", "npm space d"}},
		{"npm, no namespace", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("")},
			[]string{"npm  a", "npm  space"}},
		{"no namespace, any format", store.CoordinateFilter{Namespace: strp("")},
			[]string{"npm  a", "npm  space", "pypi  a"}},
		{"namespace space, any format", store.CoordinateFilter{Namespace: strp("space")},
			[]string{"npm space b", "npm space c", "npm space d"}},
		{"npm namespace prefix", store.CoordinateFilter{Format: domain.FormatNpm, NamespacePrefix: "space"},
			[]string{"npm space b", "npm space c", "npm space d", "npm spacex e"}},
		{"maven namespace prefix", store.CoordinateFilter{Format: domain.FormatMaven, NamespacePrefix: "com.x"},
			[]string{"maven com.x Lib", "maven com.x lib", "maven com.xy lib2"}},
		{"name a", store.CoordinateFilter{Name: strp("a")}, []string{"npm  a", "pypi  a"}},
		{"name prefix lib", store.CoordinateFilter{NamePrefix: "lib"}, []string{"maven com.x lib", "maven com.xy lib2"}},
		{"name prefix L (case-sensitive)", store.CoordinateFilter{NamePrefix: "L"}, []string{"maven com.x Lib"}},
		{"one coordinate", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space"), Name: strp("b")},
			[]string{"npm space b"}},
		{"npm space, name prefix", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space"), NamePrefix: "c"},
			[]string{"npm space c"}},
		{"maven, namespace exact and prefix", store.CoordinateFilter{Format: domain.FormatMaven, Namespace: strp("com.x"),
			NamespacePrefix: "com"}, []string{"maven com.x Lib", "maven com.x lib"}},
		{"no match", store.CoordinateFilter{Format: domain.FormatNuget}, []string{}},
		{"missing name", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space"), Name: strp("zz")}, []string{}},
	} {
		for _, limit := range limits {
			got := listAll(f, limit, func(tx store.Tx, p store.Page) ([]store.PackageCoordinate, string, error) {
				return tx.Packages().ListCoordinates(f.ctx, d.ID, tc.f, p)
			})
			if !reflect.DeepEqual(coordKeys(got), tc.want) {
				f.Errorf("%s, limit %d = %q\nwant %q", tc.what, limit, coordKeys(got), tc.want)
			}
		}
	}
	// A cursor from a listing with another filter selects, after it, what
	// the filter selects, also where it lies before or past a prefix.
	f.read(func(tx store.Tx) error {
		cursor := func(filter store.CoordinateFilter, n int) string {
			_, next, err := tx.Packages().ListCoordinates(f.ctx, d.ID, filter, store.Page{Limit: n})
			if err != nil || next == "" {
				f.Fatalf("ListCoordinates(%+v, %d): %q, %v", filter, n, next, err)
			}
			return next
		}
		npm := store.CoordinateFilter{Format: domain.FormatNpm}
		mavenX := store.CoordinateFilter{Format: domain.FormatMaven, NamespacePrefix: "com.x"}
		for _, tc := range []struct {
			what   string
			filter store.CoordinateFilter
			after  string
			want   []string
		}{
			{"before a namespace prefix", store.CoordinateFilter{Format: domain.FormatMaven, NamespacePrefix: "com.xy"},
				cursor(store.CoordinateFilter{}, 1), []string{"maven com.xy lib2"}},
			{"within a namespace prefix", store.CoordinateFilter{Format: domain.FormatNpm, NamespacePrefix: "space"},
				cursor(npm, 3), []string{"npm space c", "npm space d", "npm spacex e"}},
			{"past a namespace prefix", mavenX, cursor(store.CoordinateFilter{}, 4), []string{}},
			{"before a name prefix", store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space"), NamePrefix: "d"},
				cursor(npm, 1), []string{"npm space d"}},
			{"within a name prefix", store.CoordinateFilter{Format: domain.FormatMaven, Namespace: strp("com.x"), NamePrefix: "l"},
				cursor(mavenX, 1), []string{"maven com.x lib"}},
			{"other format", npm, cursor(store.CoordinateFilter{}, 4), []string{"npm  a", "npm  space", "npm space b",
				"npm space c", "npm space d", "npm spacex e"}},
		} {
			cs, next, err := tx.Packages().ListCoordinates(f.ctx, d.ID, tc.filter, store.Page{After: tc.after, Limit: 100})
			if got := coordKeys(cs); err != nil || next != "" || !reflect.DeepEqual(got, tc.want) {
				f.Errorf("%s: %q, %q, %v; want %q", tc.what, got, next, err, tc.want)
			}
		}
		return nil
	})
	f.read(func(tx store.Tx) error {
		cs, next, err := tx.Packages().ListCoordinates(f.ctx, other.ID, store.CoordinateFilter{}, store.Page{Limit: 10})
		if got := coordKeys(cs); err != nil || next != "" || !reflect.DeepEqual(got, []string{"npm  a", "npm space zz"}) {
			f.Errorf("other domain = %q, %q, %v", got, next, err)
		}
		cs, next, err = tx.Packages().ListCoordinates(f.ctx, other.ID+1000, store.CoordinateFilter{}, store.Page{Limit: 10})
		if err != nil || len(cs) != 0 || next != "" {
			f.Errorf("missing domain = %v, %q, %v", cs, next, err)
		}
		return nil
	})

	// A coordinate stays while one repository holds it.
	var b1, c1 domain.Package
	f.read(func(tx store.Tx) error {
		var err error
		if b1, err = tx.Packages().Get(f.ctx, r1.ID, domain.FormatNpm, "space", "b"); err != nil {
			return err
		}
		c1, err = tx.Packages().Get(f.ctx, r1.ID, domain.FormatNpm, "space", "c")
		return err
	})
	f.write(func(tx store.Tx) error {
		if err := tx.Packages().Delete(f.ctx, b1.ID); err != nil {
			return err
		}
		return tx.Packages().Delete(f.ctx, c1.ID)
	})
	got := listAll(f, 2, func(tx store.Tx, p store.Page) ([]store.PackageCoordinate, string, error) {
		return tx.Packages().ListCoordinates(f.ctx, d.ID, store.CoordinateFilter{Format: domain.FormatNpm, Namespace: strp("space")}, p)
	})
	if want := []string{"npm space b", "npm space d"}; !reflect.DeepEqual(coordKeys(got), want) {
		f.Errorf("after deleting r1's space/b and space/c = %q, want %q", coordKeys(got), want)
	}
	// Deleting a repository removes what only it held.
	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, r2.ID) })
	got = listAll(f, 3, func(tx store.Tx, p store.Page) ([]store.PackageCoordinate, string, error) {
		return tx.Packages().ListCoordinates(f.ctx, d.ID, store.CoordinateFilter{}, p)
	})
	want := []string{"maven com.x Lib", "maven com.x lib", "maven com.xy lib2", "maven org z", "npm  a", "pypi  a"}
	if !reflect.DeepEqual(coordKeys(got), want) {
		f.Errorf("after deleting r2 = %q, want %q", coordKeys(got), want)
	}
}

// MigrationsBefore returns the migrations of fsys (NNNN_description.sql
// files at its root) whose version is below version: a backend's tests
// migrate a database that far, fill it with SeedBeforePackageGroups, then
// open it (which applies the rest) and call CheckPackageGroupsMigration.
func MigrationsBefore(t *testing.T, fsys fs.FS, version int) fs.FS {
	t.Helper()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, name := range names {
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", name, err)
		}
		if v >= version {
			continue
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = &fstest.MapFile{Data: data}
	}
	return out
}

// seedCreated is the creation time of the domains SeedBeforePackageGroups
// inserts.
var seedCreated = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// SeedBeforePackageGroups is SQL (with no parameters) that fills a database
// migrated up to, but not including, 0006_package_groups: two domains, the
// first with two repositories holding packages.
var SeedBeforePackageGroups = strings.ReplaceAll(`
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'old', 'k', CREATED);
INSERT INTO domains (region, owner, name, encryption_key, created_ns) VALUES ('us-east-1', '111122223333', 'old2', 'k', CREATED + 1);
INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns)
	SELECT id, 'r1', '111122223333', '', CREATED FROM domains WHERE name = 'old';
INSERT INTO repositories (domain_id, name, administrator_account, description, created_ns)
	SELECT id, 'r2', '111122223333', '', CREATED FROM domains WHERE name = 'old';
INSERT INTO packages (repository_id, format, namespace, name, origin_publish, origin_upstream)
	SELECT id, 'npm', 'space', 'b', 'ALLOW', 'ALLOW' FROM repositories WHERE name IN ('r1', 'r2');
INSERT INTO packages (repository_id, format, namespace, name, origin_publish, origin_upstream)
	SELECT id, 'npm', '', 'a', 'ALLOW', 'BLOCK' FROM repositories WHERE name = 'r2';
`, "CREATED", strconv.FormatInt(seedCreated.UnixNano(), 10))

// CheckPackageGroupsMigration checks a store opened on a database filled
// with SeedBeforePackageGroups before 0006_package_groups: every domain got
// its root group "/*" (ALLOW everywhere, created with the domain), and the
// packages listed by coordinate.
func CheckPackageGroupsMigration(t *testing.T, s store.Store) {
	t.Helper()
	f := &fx{T: t, s: s, ctx: t.Context()}
	f.read(func(tx store.Tx) error {
		for i, name := range []string{"old", "old2"} {
			d, err := tx.Domains().Get(f.ctx, "us-east-1", "111122223333", name)
			if err != nil {
				return err
			}
			gs, next, err := tx.PackageGroups().List(f.ctx, d.ID, "", store.Page{Limit: 10})
			if err != nil || len(gs) != 1 || next != "" {
				f.Fatalf("groups of %s: %q, %q, %v; want the root only", name, groupPatterns(gs), next, err)
			}
			want := domain.PackageGroup{ID: gs[0].ID, DomainID: d.ID, Pattern: "/*", WeakKey: "/*",
				CreatedTime: seedCreated.Add(time.Duration(i)), Modes: rootModes()}
			f.sameGroup("root of "+name, gs[0], want)
			got, err := tx.PackageGroups().Get(f.ctx, d.ID, "/*")
			if err != nil || got.ID != want.ID {
				f.Errorf("Get(/*) of %s = %+v, %v", name, got, err)
			}
			if n, err := tx.PackageGroups().CountAllowed(f.ctx, got.ID, domain.RestrictPublish); err != nil || n != 0 {
				f.Errorf("allowed list of the root of %s: %d, %v", name, n, err)
			}
		}
		d, err := tx.Domains().Get(f.ctx, "us-east-1", "111122223333", "old")
		if err != nil {
			return err
		}
		cs, _, err := tx.Packages().ListCoordinates(f.ctx, d.ID, store.CoordinateFilter{}, store.Page{Limit: 10})
		if got, want := coordKeys(cs), []string{"npm  a", "npm space b"}; err != nil || !reflect.DeepEqual(got, want) {
			f.Errorf("coordinates of packages made before the migration = %q, %v; want %q", got, err, want)
		}
		return nil
	})
	// New packages of old repositories are listed with the old ones.
	var r1 domain.Repository
	f.read(func(tx store.Tx) error {
		d, err := tx.Domains().Get(f.ctx, "us-east-1", "111122223333", "old")
		if err != nil {
			return err
		}
		r1, err = tx.Repositories().Get(f.ctx, d.ID, "r1")
		return err
	})
	f.pkg(r1.ID, domain.FormatNpm, "", "c")
	got := listAll(f, 1, func(tx store.Tx, p store.Page) ([]store.PackageCoordinate, string, error) {
		return tx.Packages().ListCoordinates(f.ctx, r1.DomainID, store.CoordinateFilter{Format: domain.FormatNpm}, p)
	})
	if want := []string{"npm  a", "npm  c", "npm space b"}; !reflect.DeepEqual(coordKeys(got), want) {
		f.Errorf("coordinates after a new package = %q, want %q", coordKeys(got), want)
	}
}

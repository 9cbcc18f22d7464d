package storetest

import (
	"errors"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testGroupStamp: the package group stamp changes, to a value it never
// had, with every write that changes groups or their allowed-repository
// lists (and a domain delete, which removes its groups), and with nothing
// else: not with reads, other rows, a SetAllowed that changes nothing, or a
// write rolled back.
func testGroupStamp(f *fx) {
	stamp := func() int64 {
		var s int64
		f.read(func(tx store.Tx) (err error) {
			s, err = tx.PackageGroups().Stamp(f.ctx)
			return err
		})
		return s
	}
	seen := map[int64]bool{}
	last := stamp()
	seen[last] = true
	step := func(what string, changes bool) {
		f.Helper()
		now := stamp()
		switch {
		case changes && seen[now]:
			f.Errorf("%s: stamp %d, a value it had before", what, now)
		case !changes && now != last:
			f.Errorf("%s: stamp changed %d -> %d", what, last, now)
		}
		seen[now], last = true, now
	}

	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	f.pkg(r.ID, domain.FormatNpm, "", "left-pad")
	step("domain, repository and package writes", false)
	root := f.group(d.ID, 0, "/*", "/*", rootModes())
	step("Create", true)
	npm := f.group(d.ID, root.ID, "/npm/*", "", nil)
	step("Create another", true)
	f.read(func(tx store.Tx) error {
		_, err := tx.PackageGroups().Find(f.ctx, d.ID, []string{"/npm/*"})
		return err
	})
	step("Find", false)

	npm.Description = "npm"
	f.write(func(tx store.Tx) error { return tx.PackageGroups().Update(f.ctx, npm) })
	step("Update", true)
	setAllowed := func(allowed bool) {
		f.write(func(tx store.Tx) error {
			_, err := tx.PackageGroups().SetAllowed(f.ctx, npm.ID, domain.RestrictPublish, "main", allowed)
			return err
		})
	}
	setAllowed(true)
	step("SetAllowed add", true)
	setAllowed(true)
	step("SetAllowed add again", false)
	setAllowed(false)
	step("SetAllowed remove", true)
	setAllowed(false)
	step("SetAllowed remove again", false)

	boom := errors.New("boom")
	if err := f.writeErr(func(tx store.Tx) error {
		g := domain.PackageGroup{DomainID: d.ID, Pattern: "/pypi/*", WeakKey: "/pypi/*", ParentID: root.ID}
		if err := tx.PackageGroups().Create(f.ctx, &g); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		f.Fatalf("rolled-back Create: %v", err)
	}
	step("Create rolled back", false)
	err := f.writeErr(func(tx store.Tx) error { return tx.PackageGroups().Delete(f.ctx, root.ID) })
	f.wantErr("Delete of a parent", err, domain.ErrConflict)
	step("refused Delete", false)

	f.write(func(tx store.Tx) error { return tx.PackageGroups().Delete(f.ctx, npm.ID) })
	step("Delete", true)

	gone := f.domain("us-east-1", "111122223333", "gone")
	f.group(gone.ID, 0, "/*", "/*", rootModes())
	step("Create in another domain", true)
	f.write(func(tx store.Tx) error { return tx.Domains().Delete(f.ctx, gone.ID) })
	step("domain Delete", true)
}

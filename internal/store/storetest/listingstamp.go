package storetest

import (
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testListingStamp: a repository's listing stamp of a format changes with
// every Create, Update and Delete of one of its packages of that format,
// and with nothing else: not with another format's or another
// repository's packages, not with versions, not with a failed write.
func testListingStamp(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r := f.repo(d.ID, "main")
	other := f.repo(d.ID, "other")
	stamp := func(repoID int64, format domain.Format) int64 {
		var s int64
		f.read(func(tx store.Tx) error {
			var err error
			s, err = tx.Packages().ListingStamp(f.ctx, repoID, format)
			return err
		})
		return s
	}
	type key struct {
		repo   int64
		format domain.Format
	}
	keys := []key{{r.ID, domain.FormatRuby}, {r.ID, domain.FormatNpm}, {other.ID, domain.FormatRuby}}
	seen := map[key]map[int64]bool{}
	last := map[key]int64{}
	for _, k := range keys {
		last[k] = stamp(k.repo, k.format)
		seen[k] = map[int64]bool{last[k]: true}
	}
	// step checks that what just happened changed exactly the stamp of
	// changed (nil: none) to a value it never had.
	step := func(what string, changed *key) {
		f.Helper()
		for _, k := range keys {
			now := stamp(k.repo, k.format)
			switch {
			case changed != nil && k == *changed:
				if seen[k][now] {
					f.Errorf("%s: stamp of %v is %d, a value it had before", what, k, now)
				}
				seen[k][now] = true
			case now != last[k]:
				f.Errorf("%s: stamp of %v changed %d -> %d", what, k, last[k], now)
			}
			last[k] = now
		}
	}

	ruby := key{r.ID, domain.FormatRuby}
	p := f.pkg(r.ID, domain.FormatRuby, "", "rake")
	step("Create", &ruby)
	f.pkg(r.ID, domain.FormatRuby, "", "rails")
	step("Create another", &ruby)
	p.Metadata = []byte(`{"stamp":"x"}`)
	f.write(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, p) })
	step("Update", &ruby)
	f.write(func(tx store.Tx) error { return tx.Packages().Update(f.ctx, p) })
	step("Update with the same content", &ruby)

	f.version(p.ID, "1.0.0")
	step("a version created", nil)
	npm := key{r.ID, domain.FormatNpm}
	f.pkg(r.ID, domain.FormatNpm, "", "rake")
	step("Create of another format", &npm)
	otherRuby := key{other.ID, domain.FormatRuby}
	f.pkg(other.ID, domain.FormatRuby, "", "rake")
	step("Create in another repository", &otherRuby)

	err := f.writeErr(func(tx store.Tx) error {
		return tx.Packages().Create(f.ctx, &domain.Package{RepositoryID: r.ID, Format: domain.FormatRuby, Name: "rake"})
	})
	f.wantErr("Create duplicate", err, domain.ErrConflict)
	step("a refused Create", nil)
	err = f.writeErr(func(tx store.Tx) error {
		missing := p
		missing.ID = p.ID + 1000
		return tx.Packages().Update(f.ctx, missing)
	})
	f.wantErr("Update of a missing package", err, domain.ErrNotFound)
	step("a refused Update", nil)
	err = f.writeErr(func(tx store.Tx) error {
		if err := tx.Packages().Update(f.ctx, p); err != nil {
			return err
		}
		return errRollback
	})
	if err != errRollback {
		f.Fatalf("rolled-back Update: %v", err)
	}
	step("a rolled-back Update", nil)

	f.write(func(tx store.Tx) error { return tx.Packages().Delete(f.ctx, p.ID) })
	step("Delete", &ruby)

	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, other.ID) })
	if got := stamp(other.ID, domain.FormatRuby); got != 0 {
		f.Errorf("stamp of a deleted repository = %d, want 0", got)
	}
}

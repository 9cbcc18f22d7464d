package storetest

import (
	"errors"
	"reflect"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testRetentionRules: rules get ids, come back as stored (exempt statuses
// in order, none as nil), list by repository and by id in pages, delete
// (a missing one is ErrNotFound), need an existing repository, and go
// with their repository.
func testRetentionRules(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	r1, r2 := f.repo(d.ID, "r1"), f.repo(d.ID, "r2")
	created := time.Date(2026, 12, 6, 10, 0, 0, 123, time.UTC)
	a := domain.RetentionRule{RepositoryID: r1.ID, Format: domain.Format("npm"), Namespace: "acme", PackagePrefix: "lib-",
		KeepNewest: 3, KeepDays: 30, ExemptStatuses: []domain.Status{domain.StatusUnlisted, domain.StatusArchived},
		Action: domain.RetentionArchive, CreatedTime: created}
	b := domain.RetentionRule{RepositoryID: r2.ID, KeepNewest: 1, Action: domain.RetentionDelete, CreatedTime: created}
	c := domain.RetentionRule{RepositoryID: r1.ID, KeepDays: 7, KeepDownloadedDays: 14, PackageGroup: "/npm/acme/*",
		Action: domain.RetentionDispose, CreatedTime: created}
	f.write(func(tx store.Tx) error {
		for _, r := range []*domain.RetentionRule{&a, &b, &c} {
			if err := tx.RetentionRules().Create(f.ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if a.ID == 0 || b.ID <= a.ID || c.ID <= b.ID {
		f.Fatalf("ids %d %d %d: want increasing, non-zero", a.ID, b.ID, c.ID)
	}
	f.wantErr("Create under a missing repository", f.writeErr(func(tx store.Tx) error {
		return tx.RetentionRules().Create(f.ctx, &domain.RetentionRule{RepositoryID: r2.ID + 1000, Action: domain.RetentionArchive})
	}), domain.ErrNotFound)

	list := func(repoID int64, limit int) []domain.RetentionRule {
		f.Helper()
		var all []domain.RetentionRule
		p := store.Page{Limit: limit}
		for {
			var got []domain.RetentionRule
			var next string
			f.read(func(tx store.Tx) error {
				var err error
				got, next, err = tx.RetentionRules().List(f.ctx, repoID, p)
				return err
			})
			all = append(all, got...)
			if next == "" {
				return all
			}
			p.After = next
		}
	}
	if got := list(0, 2); !reflect.DeepEqual(got, []domain.RetentionRule{a, b, c}) {
		f.Errorf("List(all) = %+v\nwant %+v", got, []domain.RetentionRule{a, b, c})
	}
	if got := list(r1.ID, 1); !reflect.DeepEqual(got, []domain.RetentionRule{a, c}) {
		f.Errorf("List(r1) = %+v\nwant %+v", got, []domain.RetentionRule{a, c})
	}
	var got domain.RetentionRule
	f.read(func(tx store.Tx) error {
		var err error
		got, err = tx.RetentionRules().Get(f.ctx, b.ID)
		return err
	})
	if !reflect.DeepEqual(got, b) || got.ExemptStatuses != nil {
		f.Errorf("Get = %+v, want %+v", got, b)
	}
	var dd domain.Domain
	f.read(func(tx store.Tx) error {
		var err error
		dd, err = tx.Domains().GetByID(f.ctx, r2.DomainID)
		return err
	})
	d.CreatedTime = d.CreatedTime.UTC() // stores give times back in UTC
	if dd != d {
		f.Errorf("Domains.GetByID = %+v, want %+v", dd, d)
	}
	f.wantErr("Domains.GetByID of a missing domain", f.readErr(func(tx store.Tx) error {
		_, err := tx.Domains().GetByID(f.ctx, d.ID+1000)
		return err
	}), domain.ErrNotFound)
	f.wantErr("List with a bad cursor", f.readErr(func(tx store.Tx) error {
		_, _, err := tx.RetentionRules().List(f.ctx, 0, store.Page{After: "bogus", Limit: 1})
		return err
	}), domain.ErrInvalid)

	f.write(func(tx store.Tx) error { return tx.RetentionRules().Delete(f.ctx, a.ID) })
	f.wantErr("Get after Delete", f.readErr(func(tx store.Tx) error {
		_, err := tx.RetentionRules().Get(f.ctx, a.ID)
		return err
	}), domain.ErrNotFound)
	f.wantErr("Delete twice", f.writeErr(func(tx store.Tx) error { return tx.RetentionRules().Delete(f.ctx, a.ID) }), domain.ErrNotFound)

	f.write(func(tx store.Tx) error { return tx.Repositories().Delete(f.ctx, r1.ID) })
	if got := list(0, 10); !reflect.DeepEqual(got, []domain.RetentionRule{b}) {
		f.Errorf("after deleting r1: %+v, want only %+v", got, b)
	}
	if err := f.readErr(func(tx store.Tx) error { _, err := tx.RetentionRules().Get(f.ctx, c.ID); return err }); !errors.Is(err, domain.ErrNotFound) {
		f.Errorf("r1's rule after deleting r1: %v", err)
	}
}

package storetest

import (
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testRecordDownloads: a version starts never downloaded; RecordDownloads
// keeps the later of the time held and the time given; Create and Update
// never write it; versions gone are skipped; writers recording at once
// leave the latest time of any of them.
func testRecordDownloads(f *fx) {
	d := f.domain("us-east-1", "111122223333", "acme")
	p := f.pkg(f.repo(d.ID, "r").ID, domain.FormatGeneric, "ns", "p")
	a, b, c := f.version(p.ID, "1"), f.version(p.ID, "2"), f.version(p.ID, "3")
	get := func(v domain.PackageVersion) time.Time {
		f.Helper()
		var got domain.PackageVersion
		f.read(func(tx store.Tx) (err error) {
			got, err = tx.Versions().Get(f.ctx, p.ID, v.Version)
			return err
		})
		return got.LastDownloadedTime
	}
	if got := get(a); !got.IsZero() {
		f.Errorf("a new version: LastDownloadedTime %v, want zero", got)
	}
	// The store records downloads since it was made (its migration):
	// moments ago.
	var since time.Time
	f.read(func(tx store.Tx) (err error) { since, err = tx.Versions().DownloadsSince(f.ctx); return err })
	if now := time.Now(); since.IsZero() || since.After(now.Add(time.Minute)) || since.Before(now.Add(-10*time.Minute)) || since.Location() != time.UTC {
		f.Errorf("DownloadsSince = %v, want about %v, in UTC", since, now)
	}
	t1 := time.Date(2026, 12, 6, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))
	t2 := t1.Add(time.Hour)
	record := func(m map[int64]time.Time) {
		f.Helper()
		f.write(func(tx store.Tx) error { return tx.Versions().RecordDownloads(f.ctx, m) })
	}
	record(map[int64]time.Time{a.ID: t2, b.ID: t1, c.ID + 1000: t2}) // a missing id is skipped
	f.sameTime("a after the first batch", get(a), t2)
	f.sameTime("b after the first batch", get(b), t1)
	record(map[int64]time.Time{a.ID: t1, b.ID: t2}) // a: earlier, kept at t2
	f.sameTime("a after an earlier time", get(a), t2)
	f.sameTime("b after a later time", get(b), t2)
	if got := get(c); !got.IsZero() {
		f.Errorf("c, never recorded: %v", got)
	}
	record(nil)

	// Update writes every mutable field, not this one: a stale copy of
	// the version does not take it back.
	var stale domain.PackageVersion
	f.read(func(tx store.Tx) (err error) { stale, err = tx.Versions().Get(f.ctx, p.ID, "3"); return err })
	record(map[int64]time.Time{c.ID: t1})
	stale.Status = domain.StatusUnlisted
	stale.LastDownloadedTime = t2.Add(time.Hour)
	f.write(func(tx store.Tx) error { return tx.Versions().Update(f.ctx, stale) })
	f.sameTime("c after an Update of a stale copy", get(c), t1)
	// Nor does Create.
	e := newVersion(p.ID, "4")
	e.LastDownloadedTime = t2
	f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &e) })
	if got := get(e); !got.IsZero() {
		f.Errorf("Create wrote LastDownloadedTime %v", got)
	}
	// Listings read it too.
	var list []domain.PackageVersion
	f.read(func(tx store.Tx) (err error) {
		list, _, err = tx.Versions().List(f.ctx, store.VersionFilter{PackageID: p.ID}, store.Page{Limit: 10})
		return err
	})
	if len(list) != 4 || !list[0].LastDownloadedTime.Equal(t2) || !list[2].LastDownloadedTime.Equal(t1) || !list[3].LastDownloadedTime.IsZero() {
		f.Errorf("List: %+v", list)
	}

	// Writers at once, each with its own times for the same versions (in
	// different orders of ids): the latest of all stays.
	base := t2.Add(time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := map[int64]time.Time{}
			for i, v := range []domain.PackageVersion{a, b, c, e} {
				m[v.ID] = base.Add(time.Duration((w*7+i*3)%8) * time.Minute)
			}
			errs <- f.s.Write(f.ctx, func(tx store.Tx) error { return tx.Versions().RecordDownloads(f.ctx, m) })
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			f.Errorf("concurrent RecordDownloads: %v", err)
		}
	}
	for _, v := range []domain.PackageVersion{a, b, c, e} {
		f.sameTime("after concurrent writers: version "+v.Version, get(v), base.Add(7*time.Minute))
	}
}

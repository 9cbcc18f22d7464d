package storetest

import (
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testLastPublished checks the latest publish time of a package's
// versions, of any status, read from the end of an index.
func testLastPublished(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	other := f.pkg(r.ID, domain.FormatNpm, "", "y")
	f.version(other.ID, "9.9.9")
	base := time.Date(2024, 1, 1, 0, 0, 0, 123, time.UTC)
	for i, v := range []struct {
		version string
		status  domain.Status
	}{
		{"1.0.0", domain.StatusPublished},
		{"1.1.0", domain.StatusUnlisted},
		{"2.0.0", domain.StatusPublished},
		{"3.0.0", domain.StatusArchived},
	} {
		ver := newVersion(p.ID, v.version)
		ver.Status = v.status
		ver.PublishedTime = base.Add(time.Duration(i) * time.Hour)
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &ver) })
	}
	var last, none time.Time
	f.read(func(tx store.Tx) error {
		var err error
		if last, err = tx.Versions().LastPublished(f.ctx, p.ID); err != nil {
			return err
		}
		none, err = tx.Versions().LastPublished(f.ctx, p.ID+other.ID+1000)
		return err
	})
	if want := base.Add(3 * time.Hour); !last.Equal(want) || last.Location() != time.UTC {
		f.Errorf("LastPublished = %v, want %v (the Archived version's)", last, want)
	}
	if !none.IsZero() {
		f.Errorf("LastPublished of a package without versions = %v, want zero", none)
	}
}

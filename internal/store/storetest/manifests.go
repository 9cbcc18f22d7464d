package storetest

import (
	"errors"
	"sort"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testVersionManifests checks the lean read of index documents: one
// status of one package, four columns, and the latest publish time of any
// status.
func testVersionManifests(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	other := f.pkg(r.ID, domain.FormatNpm, "", "y")
	f.version(other.ID, "9.9.9")
	base := time.Date(2024, 1, 1, 0, 0, 0, 123, time.UTC)
	for i, v := range []struct {
		version string
		status  domain.Status
		meta    string
	}{
		{"1.0.0", domain.StatusPublished, "\x00binary{"},
		{"1.1.0", domain.StatusUnlisted, `{"u":1}`},
		{"2.0.0", domain.StatusPublished, ""},
		{"3.0.0", domain.StatusArchived, `{"a":1}`},
	} {
		ver := newVersion(p.ID, v.version)
		ver.Status = v.status
		ver.PublishedTime = base.Add(time.Duration(i) * time.Hour)
		ver.Summary = "summary " + v.version
		ver.Licenses = []domain.License{{Name: "MIT"}}
		if v.meta != "" {
			ver.Metadata = []byte(v.meta)
		}
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &ver) })
	}
	var got []store.VersionManifest
	var last, none time.Time
	f.read(func(tx store.Tx) error {
		if err := tx.Versions().Manifests(f.ctx, p.ID, domain.StatusPublished, func(m store.VersionManifest) error {
			got = append(got, m)
			return nil
		}); err != nil {
			return err
		}
		var err error
		if last, err = tx.Versions().LastPublished(f.ctx, p.ID); err != nil {
			return err
		}
		none, err = tx.Versions().LastPublished(f.ctx, p.ID+other.ID+1000)
		return err
	})
	sort.Slice(got, func(i, j int) bool { return got[i].Version < got[j].Version })
	want := []store.VersionManifest{
		{Version: "1.0.0", PublishedTime: base, Summary: "summary 1.0.0", Metadata: []byte("\x00binary{")},
		{Version: "2.0.0", PublishedTime: base.Add(2 * time.Hour), Summary: "summary 2.0.0"},
	}
	if len(got) != len(want) {
		f.Fatalf("Manifests(Published) = %+v\nwant %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Version != w.Version || !g.PublishedTime.Equal(w.PublishedTime) || g.PublishedTime.Location() != time.UTC ||
			g.Summary != w.Summary || string(g.Metadata) != string(w.Metadata) || (w.Metadata == nil) != (g.Metadata == nil) {
			f.Errorf("Manifests(Published)[%d] = %+v, want %+v", i, g, w)
		}
	}
	if want := base.Add(3 * time.Hour); !last.Equal(want) {
		f.Errorf("LastPublished = %v, want %v (the Archived version's)", last, want)
	}
	if !none.IsZero() {
		f.Errorf("LastPublished of a package without versions = %v, want zero", none)
	}
	// fn's error stops the walk and comes back as is.
	stop := errors.New("stop")
	calls := 0
	err := f.readErr(func(tx store.Tx) error {
		return tx.Versions().Manifests(f.ctx, p.ID, domain.StatusPublished, func(store.VersionManifest) error {
			calls++
			return stop
		})
	})
	if !errors.Is(err, stop) || calls != 1 {
		f.Errorf("Manifests with a failing fn: %v after %d calls, want %v after 1", err, calls, stop)
	}
}

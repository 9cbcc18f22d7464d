package storetest

import (
	"errors"
	"sort"
	"strconv"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// testVersionHeads checks the two reads a cached index document is
// refreshed with: the heads of one status of one package (ID, version,
// revision, publish time), and whole manifests of chosen IDs, in chunks,
// skipping IDs of other packages and unknown ones.
func testVersionHeads(f *fx) {
	d := f.domain("us-east-1", "o", "d")
	r := f.repo(d.ID, "main")
	p := f.pkg(r.ID, domain.FormatNpm, "", "x")
	other := f.pkg(r.ID, domain.FormatNpm, "", "y")
	foreign := f.version(other.ID, "9.9.9")
	base := time.Date(2024, 1, 1, 0, 0, 0, 123, time.UTC)
	// More than one chunk of IDs (sqlstore asks for 200 at a time).
	const n = 450
	byID := map[int64]domain.PackageVersion{}
	var published []int64
	for i := range n {
		ver := newVersion(p.ID, "1.0."+strconv.Itoa(i))
		ver.Status = domain.StatusPublished
		if i%3 == 1 {
			ver.Status = domain.StatusUnlisted
		}
		ver.Revision = "rev-" + strconv.Itoa(i)
		ver.PublishedTime = base.Add(time.Duration(i) * time.Minute)
		ver.Summary = "summary " + strconv.Itoa(i)
		if i%2 == 0 {
			ver.Metadata = []byte("\x00npm\x01meta" + strconv.Itoa(i))
		}
		f.write(func(tx store.Tx) error { return tx.Versions().Create(f.ctx, &ver) })
		byID[ver.ID] = ver
		if ver.Status == domain.StatusPublished {
			published = append(published, ver.ID)
		}
	}

	var heads []store.VersionHead
	f.read(func(tx store.Tx) error {
		return tx.Versions().Heads(f.ctx, p.ID, domain.StatusPublished, func(h store.VersionHead) error {
			heads = append(heads, h)
			return nil
		})
	})
	if len(heads) != len(published) {
		f.Fatalf("Heads(Published): %d rows, want %d", len(heads), len(published))
	}
	for _, h := range heads {
		v, ok := byID[h.ID]
		if !ok || v.Status != domain.StatusPublished || h.Version != v.Version || h.Revision != v.Revision ||
			!h.PublishedTime.Equal(v.PublishedTime) || h.PublishedTime.Location() != time.UTC {
			f.Errorf("Heads(Published): %+v, want the Published row %+v", h, v)
		}
	}

	// Every Published ID, one unknown and one of another package.
	ids := append(append([]int64{}, published...), foreign.ID, -5, published[0]+1e9)
	var got []store.VersionManifest
	f.read(func(tx store.Tx) error {
		return tx.Versions().ManifestsByID(f.ctx, p.ID, ids, func(m store.VersionManifest) error {
			got = append(got, m)
			return nil
		})
	})
	sort.Slice(got, func(i, j int) bool { return got[i].ID < got[j].ID })
	if len(got) != len(published) {
		f.Fatalf("ManifestsByID: %d rows, want %d (the package's, once each)", len(got), len(published))
	}
	for i, m := range got {
		v := byID[m.ID]
		if i > 0 && got[i-1].ID == m.ID {
			f.Errorf("ManifestsByID: ID %d twice", m.ID)
		}
		if v.ID == 0 || m.Version != v.Version || m.Revision != v.Revision || !m.PublishedTime.Equal(v.PublishedTime) ||
			m.Summary != v.Summary || string(m.Metadata) != string(v.Metadata) || (v.Metadata == nil) != (m.Metadata == nil) {
			f.Errorf("ManifestsByID: %+v, want %+v", m, v)
		}
	}
	f.read(func(tx store.Tx) error {
		return tx.Versions().ManifestsByID(f.ctx, p.ID, nil, func(m store.VersionManifest) error {
			f.Errorf("ManifestsByID(no IDs) read %+v", m)
			return nil
		})
	})

	// fn's error stops either walk and comes back as is.
	stop := errors.New("stop")
	for name, walk := range map[string]func(store.Tx, *int) error{
		"Heads": func(tx store.Tx, calls *int) error {
			return tx.Versions().Heads(f.ctx, p.ID, domain.StatusPublished, func(store.VersionHead) error { *calls++; return stop })
		},
		"ManifestsByID": func(tx store.Tx, calls *int) error {
			return tx.Versions().ManifestsByID(f.ctx, p.ID, published, func(store.VersionManifest) error { *calls++; return stop })
		},
	} {
		calls := 0
		err := f.readErr(func(tx store.Tx) error { return walk(tx, &calls) })
		if !errors.Is(err, stop) || calls != 1 {
			f.Errorf("%s with a failing fn: %v after %d calls, want %v after 1", name, err, calls, stop)
		}
	}
}

package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// TestAssetSizeDrift: counts damaged behind the store's back are found by
// CheckAssetSizes and repaired by RecountAssetSize.
func TestAssetSizeDrift(t *testing.T) {
	ctx := context.Background()
	s, _, w := openTest(t, filepath.Join(t.TempDir(), "meta.db"))
	var ids [3]int64
	err := s.Write(ctx, func(tx store.Tx) error {
		for i, name := range []string{"a", "b", "c"} {
			d := domain.Domain{Region: "us-east-1", Owner: "o", Name: name, EncryptionKey: "k"}
			if err := tx.Domains().Create(ctx, &d); err != nil {
				return err
			}
			ids[i] = d.ID
			r := domain.Repository{DomainID: d.ID, Name: "r"}
			if err := tx.Repositories().Create(ctx, &r); err != nil {
				return err
			}
			p := domain.Package{RepositoryID: r.ID, Format: domain.FormatNpm, Name: "p"}
			if err := tx.Packages().Create(ctx, &p); err != nil {
				return err
			}
			v := domain.PackageVersion{PackageID: p.ID, Version: "1", Status: domain.StatusPublished}
			if err := tx.Versions().Create(ctx, &v); err != nil {
				return err
			}
			if err := tx.Assets().Add(ctx, v.ID, domain.Asset{Name: "a", Size: 10, SHA256: "x"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check := func(want ...int64) {
		t.Helper()
		var got []int64
		err := s.Read(ctx, func(tx store.Tx) error {
			drift, err := tx.Domains().CheckAssetSizes(ctx)
			for _, d := range drift {
				got = append(got, d.DomainID)
				if d.Actual != 10 {
					t.Errorf("drift %+v: actual %d, want 10", d, d.Actual)
				}
			}
			return err
		})
		if err != nil || len(got) != len(want) || (len(want) > 0 && got[0] != want[0]) || (len(want) > 1 && got[1] != want[1]) {
			t.Fatalf("drifting domains %v, %v; want %v", got, err, want)
		}
	}
	check()
	// a: the counter is wrong; b: the per-digest count is, not the size.
	if _, err := w.Exec(`UPDATE domains SET asset_size_bytes = 99 WHERE id = ?`, ids[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Exec(`UPDATE domain_blobs SET refs = 2 WHERE domain_id = ?`, ids[1]); err != nil {
		t.Fatal(err)
	}
	check(ids[0], ids[1])
	err = s.Write(ctx, func(tx store.Tx) error {
		for _, id := range ids[:2] {
			if err := tx.Domains().RecountAssetSize(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	check()
	err = s.Read(ctx, func(tx store.Tx) error {
		n, err := tx.Domains().AssetSizeBytes(ctx, ids[0])
		if err == nil && n != 10 {
			t.Errorf("after recount: AssetSizeBytes = %d, want 10", n)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

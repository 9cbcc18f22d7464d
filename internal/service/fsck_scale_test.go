package service_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/artifactd/artifactd/internal/service"
)

// TestFsckAssetSize: a domain's asset size counter damaged behind the
// server's back is reported by fsck and recounted by a repair.
func TestFsckAssetSize(t *testing.T) {
	f := newFsckFixture(t, 0)
	f.publish(t, "1", []byte("twelve bytes"))
	if r := f.fsck(t, service.FsckOptions{}); r.Problems() != 0 || len(r.AssetSizeDrift) != 0 {
		t.Fatalf("clean store: %d problems, drift %+v", r.Problems(), r.AssetSizeDrift)
	}
	db, err := sql.Open("sqlite", filepath.Join(filepath.Dir(f.blobs), "db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE domains SET asset_size_bytes = 5`); err != nil {
		t.Fatal(err)
	}
	r := f.fsck(t, service.FsckOptions{})
	if r.Problems() != 1 || len(r.AssetSizeDrift) != 1 || r.Recounted != 0 {
		t.Fatalf("damaged counter: %d problems, drift %+v, recounted %d", r.Problems(), r.AssetSizeDrift, r.Recounted)
	}
	if d := r.AssetSizeDrift[0]; d.Name != "fsck" || d.Kept != 5 || d.Actual != 12 {
		t.Errorf("drift %+v, want domain fsck kept 5, actual 12", d)
	}
	r = f.fsck(t, service.FsckOptions{Repair: true})
	if r.Problems() != 0 || r.Recounted != 1 {
		t.Fatalf("repair: %d problems, recounted %d", r.Problems(), r.Recounted)
	}
	d, err := f.svc.DescribeDomain(context.Background(), fsckCaller, "fsck", "")
	if err != nil {
		t.Fatal(err)
	}
	if d.AssetSizeBytes != 12 {
		t.Errorf("after repair: assetSizeBytes %d, want 12", d.AssetSizeBytes)
	}
	if r := f.fsck(t, service.FsckOptions{}); r.Problems() != 0 {
		t.Errorf("after repair: %d problems, drift %+v", r.Problems(), r.AssetSizeDrift)
	}
}

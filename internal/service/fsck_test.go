package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

var (
	fsckCaller = service.Caller{Account: "000000000000", Region: "us-east-1"}
	fsckRef    = service.PackageRef{Domain: "fsck", Repository: "repo", Format: domain.FormatGeneric, Namespace: "ns", Package: "p"}
)

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

type fsckFixture struct {
	svc   *service.Service
	st    store.Store
	bs    *blobfs.Store
	blobs string // the blob folder
}

// newFsckFixture makes a service that keeps assets of up to inline bytes
// in the database (0: every asset in the blob store, where the tests plant
// their problems).
func newFsckFixture(t *testing.T, inline int64) *fsckFixture {
	t.Helper()
	ctx := context.Background()
	st, bs, blobs := newStorage(t)
	limits := service.DefaultLimits()
	limits.InlineBlobBytes = inline
	svc := service.New(st, bs, limits, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if _, err := svc.CreateDomain(ctx, fsckCaller, "fsck", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, fsckCaller, "fsck", "", "repo", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	return &fsckFixture{svc: svc, st: st, bs: bs, blobs: blobs}
}

func (f *fsckFixture) publish(t *testing.T, version string, data []byte) {
	t.Helper()
	if _, err := f.svc.PublishPackageVersion(context.Background(), fsckCaller, fsckRef, version,
		service.NewAsset{Name: "a.bin", Content: bytes.NewReader(data)}, false); err != nil {
		t.Fatal(err)
	}
}

func (f *fsckFixture) path(d string) string {
	return filepath.Join(f.blobs, "sha256", d[0:2], d[2:4], d)
}

// put stores bytes in the blob store without any asset.
func (f *fsckFixture) put(t *testing.T, data []byte) string {
	t.Helper()
	d := digestOf(data)
	u, err := f.bs.NewUpload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := u.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := u.Commit(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fsckFixture) pin(t *testing.T, d string, at time.Time) {
	t.Helper()
	if err := f.st.Write(context.Background(), func(tx store.Tx) error {
		_, err := tx.Orphans().Pin(context.Background(), d, at)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func (f *fsckFixture) fsck(t *testing.T, opt service.FsckOptions) *service.FsckReport {
	t.Helper()
	r, err := f.svc.Fsck(context.Background(), opt)
	if err != nil {
		t.Fatalf("Fsck(%+v): %v", opt, err)
	}
	return r
}

func issueDigests(is service.BlobIssues) []string {
	var out []string
	for _, i := range is.List {
		out = append(out, i.SHA256)
	}
	return out
}

func wantIssues(t *testing.T, what string, got service.BlobIssues, want ...string) {
	t.Helper()
	ds := issueDigests(got)
	if got.Count != len(want) || len(ds) != len(want) {
		t.Errorf("%s: %d listed (%v), want %v", what, got.Count, ds, want)
		return
	}
	for i := range want {
		if ds[i] != want[i] {
			t.Errorf("%s: %v, want %v", what, ds, want)
			return
		}
	}
}

// TestFsck plants every kind of problem next to healthy data and checks
// what Fsck reports, what a repair mends (unreferenced bytes, expired
// pins) and what it leaves (missing, wrong-sized and corrupt bytes, and
// bytes a publish in progress has pinned). Pages of two referenced digests
// make the merge of the two listings cross page boundaries.
func TestFsck(t *testing.T) {
	defer service.SetFsckPage(2)()
	f := newFsckFixture(t, 0)
	shared, lost, short, rotten := []byte("shared bytes"), []byte("lost bytes"), []byte("short bytes"), []byte("rotten bytes")
	f.publish(t, "1.0", shared)
	f.publish(t, "1.1", shared)
	f.publish(t, "2.0", lost)
	f.publish(t, "3.0", short)
	f.publish(t, "4.0", rotten)
	for i := range 5 {
		f.publish(t, "5."+string(rune('0'+i)), []byte{byte(i)})
	}

	r := f.fsck(t, service.FsckOptions{VerifyBytes: true})
	if r.Problems() != 0 || r.Referenced != 9 || r.Blobs != 9 || r.Verified != 9 {
		t.Fatalf("healthy installation: %+v", r)
	}

	// Plant the problems.
	dLost, dShort, dRotten := digestOf(lost), digestOf(short), digestOf(rotten)
	if err := os.Remove(f.path(dLost)); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(f.path(dShort), 3); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.path(dRotten), []byte("ROTTEN bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	stray := f.put(t, []byte("stray bytes"))
	busy := f.put(t, []byte("bytes of a publish in progress"))
	f.pin(t, busy, time.Now())
	crashed := digestOf([]byte("never uploaded"))
	f.pin(t, crashed, time.Now().Add(-service.PinLifetime-time.Hour))

	r = f.fsck(t, service.FsckOptions{VerifyBytes: true})
	wantIssues(t, "Missing", r.Missing, dLost)
	wantIssues(t, "WrongSize", r.WrongSize, dShort)
	wantIssues(t, "Corrupt", r.Corrupt, dRotten)
	wantIssues(t, "Unreferenced", r.Unreferenced, stray)
	if r.InProgress != 1 || r.Pins != 2 || r.ExpiredPins != 1 || r.ExpiredPinsAfter != 1 || r.Collected != 0 {
		t.Errorf("pins: %+v", r)
	}
	if r.Problems() != 5 {
		t.Errorf("Problems = %d, want 5", r.Problems())
	}
	if m := r.Missing.List; len(m) == 1 {
		want := store.AssetRef{Region: "us-east-1", Owner: "000000000000", Domain: "fsck", Repository: "repo",
			Format: domain.FormatGeneric, Namespace: "ns", Package: "p", Version: "2.0", Asset: "a.bin", Size: int64(len(lost))}
		if len(m[0].Assets) != 1 || m[0].Assets[0] != want || m[0].Size != -1 {
			t.Errorf("missing blob's assets: %+v, want %+v", m[0], want)
		}
	}
	if w := r.WrongSize.List; len(w) == 1 && (w[0].Size != 3 || w[0].Recorded != int64(len(short))) {
		t.Errorf("wrong size: %+v", w[0])
	}
	if c := r.Corrupt.List; len(c) == 1 && c[0].Actual != digestOf([]byte("ROTTEN bytes")) {
		t.Errorf("corrupt: %+v", c[0])
	}
	// Without --verify-bytes, the corrupt blob goes unnoticed.
	if r := f.fsck(t, service.FsckOptions{}); r.Problems() != 4 || r.Corrupt.Count != 0 || r.Verified != 0 {
		t.Errorf("without VerifyBytes: %d problems, %+v", r.Problems(), r.Corrupt)
	}
	if _, err := f.bs.Stat(context.Background(), stray); err != nil {
		t.Fatalf("a check without repair touched the stray blob: %v", err)
	}

	r = f.fsck(t, service.FsckOptions{Repair: true, VerifyBytes: true})
	wantIssues(t, "Unreferenced (repair)", r.Unreferenced, stray)
	if r.Collected != 1 || r.ExpiredPinsAfter != 0 || r.InProgress != 1 || r.Problems() != 3 {
		t.Errorf("repair: collected %d, expired pins left %d, in progress %d, problems %d",
			r.Collected, r.ExpiredPinsAfter, r.InProgress, r.Problems())
	}
	if _, err := f.bs.Stat(context.Background(), stray); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("stray blob after repair: %v", err)
	}
	if _, err := f.bs.Stat(context.Background(), busy); err != nil {
		t.Errorf("the pinned blob is gone after repair: %v", err)
	}
	// What remains cannot be repaired; the healthy data is untouched.
	r = f.fsck(t, service.FsckOptions{Repair: true, VerifyBytes: true})
	if r.Problems() != 3 || r.Unreferenced.Count != 0 || r.Referenced != 9 || r.Verified != 7 {
		t.Errorf("after repair: %d problems, %+v", r.Problems(), r)
	}
	dl, err := f.svc.OpenAsset(context.Background(), fsckCaller, fsckRef, "1.1", "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Content)
	dl.Content.Close()
	if !bytes.Equal(got, shared) {
		t.Errorf("shared asset after repair: %q", got)
	}
}

// TestFsckRepairSparesReferencedQueued: an orphan-queue entry whose digest
// is referenced again is fine; a repair dequeues it and keeps its bytes.
func TestFsckRepairSparesReferencedQueued(t *testing.T) {
	f := newFsckFixture(t, 0)
	data := []byte("queued but referenced")
	f.publish(t, "1.0", data)
	if err := f.st.Write(context.Background(), func(tx store.Tx) error {
		return tx.Orphans().Queue(context.Background(), digestOf(data))
	}); err != nil {
		t.Fatal(err)
	}
	r := f.fsck(t, service.FsckOptions{})
	if r.Problems() != 0 || r.Queued != 1 {
		t.Fatalf("check: %d problems, %d queued", r.Problems(), r.Queued)
	}
	r = f.fsck(t, service.FsckOptions{Repair: true, VerifyBytes: true})
	if r.Problems() != 0 || r.QueuedAfter != 0 || r.Verified != 1 {
		t.Fatalf("repair: %d problems, %d queued after, %d verified", r.Problems(), r.QueuedAfter, r.Verified)
	}
}

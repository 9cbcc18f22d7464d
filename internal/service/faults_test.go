package service_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// errInjected is the failure the fault-injecting wrappers return.
var errInjected = errors.New("injected fault")

// faults counts the write points a scenario passes and fails the one
// numbered failAt (0: none). The collector deletes a batch's bytes
// concurrently, so hit locks; the test reads the fields between calls.
type faults struct {
	mu        sync.Mutex
	n, failAt int
	where     string
}

func (f *faults) hit(point string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if f.n == f.failAt {
		f.where = point
		return fmt.Errorf("%w at %s", errInjected, point)
	}
	return nil
}

// faultyStore fails a Write before it starts, when its transaction would
// commit (rolled back instead), or after it committed (the caller never
// hears of the success).
type faultyStore struct {
	store.Store
	f *faults
}

func (s faultyStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	if err := s.f.hit("store: before a write transaction"); err != nil {
		return err
	}
	if err := s.Store.Write(ctx, func(tx store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return s.f.hit("store: commit")
	}); err != nil {
		return err
	}
	return s.f.hit("store: after commit")
}

// faultyBlobs fails uploads (start, mid-write, before and after commit)
// and deletes (before and after).
type faultyBlobs struct {
	blob.Store
	f *faults
}

func (b faultyBlobs) NewUpload(ctx context.Context) (blob.Upload, error) {
	if err := b.f.hit("blob: new upload"); err != nil {
		return nil, err
	}
	up, err := b.Store.NewUpload(ctx)
	return faultyUpload{Upload: up, f: b.f}, err
}

func (b faultyBlobs) Delete(ctx context.Context, sha string) error {
	if err := b.f.hit("blob: before delete"); err != nil {
		return err
	}
	if err := b.Store.Delete(ctx, sha); err != nil {
		return err
	}
	return b.f.hit("blob: after delete")
}

type faultyUpload struct {
	blob.Upload
	f *faults
}

func (u faultyUpload) Write(p []byte) (int, error) {
	if err := u.f.hit("blob: write"); err != nil {
		return 0, err
	}
	return u.Upload.Write(p)
}

func (u faultyUpload) Commit(ctx context.Context, sha string) error {
	if err := u.f.hit("blob: before commit"); err != nil {
		return err
	}
	if err := u.Upload.Commit(ctx, sha); err != nil {
		return err
	}
	return u.f.hit("blob: after commit")
}

var (
	faultCaller = service.Caller{Account: "000000000000", Region: "us-east-1"}
	faultRef    = service.PackageRef{Domain: "faults", Repository: "repo", Format: domain.FormatGeneric, Namespace: "ns", Package: "p"}
)

// faultRun is one scenario over fresh storage with one injected fault.
type faultRun struct {
	svc    *service.Service
	st     store.Store
	blobs  string // the blob folder
	f      *faults
	acked  map[string][]byte // acknowledged publishes not deleted since
	gone   map[string]bool   // acknowledged deletes
	maybe  map[string][]byte // operations that failed: whole or absent
	points int               // write points the scenario passed
}

func newFaultRun(t *testing.T, failAt int) *faultRun {
	t.Helper()
	ctx := context.Background()
	st, bs, blobs := newStorage(t)
	f := &faults{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := service.New(faultyStore{st, f}, faultyBlobs{bs, f}, service.DefaultLimits(), log, nil)
	if _, err := svc.CreateDomain(ctx, faultCaller, "faults", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, faultCaller, "faults", "", "repo", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	f.n, f.failAt = 0, failAt
	return &faultRun{svc: svc, st: st, blobs: blobs, f: f,
		acked: map[string][]byte{}, gone: map[string]bool{}, maybe: map[string][]byte{}}
}

func (r *faultRun) publish(version string, data []byte) {
	_, err := r.svc.PublishPackageVersion(context.Background(), faultCaller, faultRef, version,
		service.NewAsset{Name: "a.bin", Content: bytes.NewReader(data)}, false)
	if err == nil {
		r.acked[version] = data
	} else {
		r.maybe[version] = data
	}
}

func (r *faultRun) delete(version string) {
	res, err := r.svc.DeletePackageVersions(context.Background(), faultCaller, faultRef, []string{version}, "")
	if err == nil && len(res.Successful) == 1 {
		r.maybe[version] = r.acked[version] // deleted: gone for good
		delete(r.maybe, version)
		delete(r.acked, version)
		r.gone[version] = true
		return
	}
	if data, ok := r.acked[version]; ok {
		delete(r.acked, version)
		r.maybe[version] = data
	}
}

// scenario publishes (two versions sharing bytes), changes a status,
// deletes, and collects.
func (r *faultRun) scenario() {
	shared, other := bytes.Repeat([]byte("shared "), 500), []byte("other bytes")
	r.publish("1.0", shared)
	r.publish("2.0", shared)
	r.publish("3.0", other)
	r.svc.UpdatePackageVersionsStatus(context.Background(), faultCaller, faultRef, service.BatchInput{Versions: []string{"3.0"}}, domain.StatusArchived)
	r.delete("1.0")
	r.delete("2.0")
	r.svc.CollectOrphans(context.Background())
	r.points = r.f.n
}

// check verifies the invariants with faults off.
func (r *faultRun) check(t *testing.T) {
	t.Helper()
	r.f.failAt = 0
	ctx := context.Background()
	r.svc.CollectOrphans(ctx) // what a restart (or the next periodic run) does
	where := r.f.where
	read := func(version string) ([]byte, error) {
		dl, err := r.svc.OpenAsset(ctx, faultCaller, faultRef, version, "a.bin")
		if err != nil {
			return nil, err
		}
		defer dl.Content.Close()
		return io.ReadAll(dl.Content)
	}
	present := map[string]bool{}
	for _, v := range []string{"1.0", "2.0", "3.0"} {
		_, err := r.svc.DescribePackageVersion(ctx, faultCaller, faultRef, v)
		if err == nil {
			present[v] = true
		} else if !errors.Is(err, domain.ErrNotFound) {
			t.Fatalf("fault at %s: describing %s: %v", where, v, err)
		}
	}
	for v, want := range r.acked {
		if got, err := read(v); err != nil || !bytes.Equal(got, want) {
			t.Errorf("fault at %s: acknowledged %s: %q, %v", where, v, got, err)
		}
	}
	for v := range r.gone {
		if present[v] {
			t.Errorf("fault at %s: acknowledged delete of %s undone", where, v)
		}
	}
	referenced := map[string]bool{}
	for v := range present {
		want, known := r.acked[v]
		if !known {
			want, known = r.maybe[v]
		}
		got, err := read(v)
		if !known || err != nil || !bytes.Equal(got, want) {
			t.Errorf("fault at %s: version %s is half there: %q, %v", where, v, got, err)
		}
		dl, err := r.svc.OpenAsset(ctx, faultCaller, faultRef, v, "a.bin")
		if err == nil {
			referenced[dl.Asset.SHA256] = true
			dl.Content.Close()
		}
	}
	// No bytes without a reference, but those a failed publish's pin still
	// protects (service.PinLifetime).
	filepath.WalkDir(filepath.Join(r.blobs, "sha256"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		sha := d.Name()
		if referenced[sha] {
			return nil
		}
		var pinned bool
		r.st.Read(ctx, func(tx store.Tx) (err error) {
			pinned, err = tx.Orphans().Pinned(ctx, sha, time.Now().Add(-service.PinLifetime))
			return err
		})
		if !pinned {
			t.Errorf("fault at %s: blob %s has no reference and no pin", where, sha[:12])
		}
		return nil
	})
	// Temp files of failed uploads are removed at once.
	if ents, _ := os.ReadDir(filepath.Join(r.blobs, "tmp")); len(ents) > 0 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("fault at %s: upload temp files left: %s", where, strings.Join(names, ", "))
	}
}

// TestFaultInjection fails each write point of a scenario in turn (the
// metadata store before, at and after each commit; the blob store at each
// upload step and delete) and checks after every run that everything
// acknowledged is there byte for byte, nothing failed is half there, and
// no bytes are left without a reference or a pin (issue #11).
func TestFaultInjection(t *testing.T) {
	clean := newFaultRun(t, 0)
	clean.scenario()
	clean.check(t)
	if t.Failed() || clean.points < 20 {
		t.Fatalf("the scenario passes %d write points", clean.points)
	}
	for at := 1; at <= clean.points; at++ {
		r := newFaultRun(t, at)
		r.scenario()
		if r.f.where == "" {
			t.Fatalf("fault %d was not reached (%d points)", at, r.points)
		}
		r.check(t)
	}
	t.Logf("%d write points failed in turn", clean.points)
}

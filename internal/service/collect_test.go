package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// countingStore counts write transactions.
type countingStore struct {
	store.Store
	writes *atomic.Int64
}

func (s countingStore) Write(ctx context.Context, fn func(store.Tx) error) error {
	s.writes.Add(1)
	return s.Store.Write(ctx, fn)
}

type collectEnv struct {
	svc    *service.Service
	st     store.Store
	bs     blob.Store
	writes *atomic.Int64
}

// blobPlaces runs a test with small assets kept in the database (the
// default) and with every asset in the blob store.
func blobPlaces(t *testing.T, test func(t *testing.T, inline int64)) {
	t.Run("inline", func(t *testing.T) { test(t, service.DefaultInlineBlobBytes) })
	t.Run("files", func(t *testing.T) { test(t, 0) })
}

func newCollectEnv(t *testing.T, inline int64) *collectEnv {
	t.Helper()
	ctx := context.Background()
	st, bs, _ := newStorage(t)
	writes := &atomic.Int64{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	limits := service.DefaultLimits()
	limits.InlineBlobBytes = inline
	svc := service.New(countingStore{st, writes}, bs, limits, log, nil)
	if _, err := svc.CreateDomain(ctx, faultCaller, "faults", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, faultCaller, "faults", "", "repo", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	return &collectEnv{svc: svc, st: st, bs: bs, writes: writes}
}

func (e *collectEnv) publish(t *testing.T, version string, data []byte) string {
	t.Helper()
	if _, err := e.svc.PublishPackageVersion(context.Background(), faultCaller, faultRef, version,
		service.NewAsset{Name: "a.bin", Content: bytes.NewReader(data)}, false); err != nil {
		t.Fatalf("publish %s: %v", version, err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

func (e *collectEnv) delete(t *testing.T, versions ...string) {
	t.Helper()
	res, err := e.svc.DeletePackageVersions(context.Background(), faultCaller, faultRef, versions, "")
	if err != nil || len(res.Successful) != len(versions) {
		t.Fatalf("delete %v: %d successful, %v", versions, len(res.Successful), err)
	}
}

// stored reports whether the bytes of sha are kept anywhere: in the blob
// store or in the database.
func (e *collectEnv) stored(t *testing.T, sha string) bool {
	t.Helper()
	if _, err := e.bs.Stat(context.Background(), sha); err == nil {
		return true
	}
	return storedInline(t, e.st, sha)
}

func storedInline(t *testing.T, st store.Store, sha string) bool {
	t.Helper()
	err := st.Read(context.Background(), func(tx store.Tx) error {
		_, err := tx.InlineBlobs().Get(context.Background(), sha)
		return err
	})
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

func (e *collectEnv) queued(t *testing.T) int {
	t.Helper()
	var n int
	if err := e.st.Read(context.Background(), func(tx store.Tx) (err error) {
		n, err = tx.Orphans().CountQueued(context.Background())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A delete answers without collecting and wakes the collector, which then
// removes the bytes in one write transaction per CollectBatch digests.
func TestCollectOrphansInBatches(t *testing.T) { blobPlaces(t, testCollectOrphansInBatches) }

func testCollectOrphansInBatches(t *testing.T, inline int64) {
	e := newCollectEnv(t, inline)
	const n = service.CollectBatch + 50
	var shas []string
	var versions []string
	for i := 0; i < n; i++ {
		v := fmt.Sprintf("1.0.%d", i)
		versions = append(versions, v)
		shas = append(shas, e.publish(t, v, []byte("content of "+v)))
	}
	select { // drain whatever the publishes did
	case <-e.svc.CollectorWake():
	default:
	}
	for i := 0; i < n; i += 100 {
		e.delete(t, versions[i:min(i+100, n)]...)
	}
	select {
	case <-e.svc.CollectorWake():
	default:
		t.Fatal("the deletes did not wake the collector")
	}
	select {
	case <-e.svc.CollectorWake():
		t.Fatal("wake-ups did not coalesce")
	default:
	}
	for _, sha := range shas {
		if !e.stored(t, sha) {
			t.Fatalf("%s collected in the request", sha)
		}
	}
	if q := e.queued(t); q != n {
		t.Fatalf("%d digests queued, want %d", q, n)
	}

	e.writes.Store(0)
	e.svc.CollectOrphans(context.Background())
	// One write drops expired pins; then one per batch.
	want := int64(1 + (n+service.CollectBatch-1)/service.CollectBatch)
	if got := e.writes.Load(); got != want {
		t.Errorf("collecting %d blobs took %d write transactions, want %d", n, got, want)
	}
	for _, sha := range shas {
		if e.stored(t, sha) {
			t.Errorf("%s still stored after collection", sha)
		}
	}
	if q := e.queued(t); q != 0 {
		t.Errorf("%d digests still queued", q)
	}
}

// Within one batch, a pinned digest keeps its bytes and its queue entry, a
// digest referenced again keeps its bytes and leaves the queue, and the
// others lose their bytes; the pinned one goes once its pin does.
func TestCollectOrphansKeepsPinnedAndReferenced(t *testing.T) {
	blobPlaces(t, testCollectOrphansKeepsPinnedAndReferenced)
}

func testCollectOrphansKeepsPinnedAndReferenced(t *testing.T, inline int64) {
	ctx := context.Background()
	e := newCollectEnv(t, inline)
	pinnedSHA := e.publish(t, "1.0", []byte("pinned bytes"))
	reusedSHA := e.publish(t, "2.0", []byte("reused bytes"))
	var goneSHAs []string
	for i := 0; i < 5; i++ {
		goneSHAs = append(goneSHAs, e.publish(t, fmt.Sprintf("3.%d", i), []byte(fmt.Sprintf("gone %d", i))))
	}
	e.delete(t, "1.0", "2.0", "3.0", "3.1", "3.2", "3.3", "3.4")

	// A publish in progress has pinned the first digest; another has
	// referenced the second again.
	var pin int64
	if err := e.st.Write(ctx, func(tx store.Tx) (err error) {
		pin, err = tx.Orphans().Pin(ctx, pinnedSHA, time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.publish(t, "4.0", []byte("reused bytes"))

	e.writes.Store(0)
	e.svc.CollectOrphans(ctx)
	if got := e.writes.Load(); got != 2 {
		t.Errorf("collection took %d write transactions, want 2 (pins, one batch)", got)
	}
	if !e.stored(t, pinnedSHA) {
		t.Error("the pinned digest's bytes were deleted")
	}
	if !e.stored(t, reusedSHA) {
		t.Error("the bytes referenced again were deleted")
	}
	for _, sha := range goneSHAs {
		if e.stored(t, sha) {
			t.Errorf("%s still stored", sha)
		}
	}
	if q := e.queued(t); q != 1 {
		t.Errorf("%d digests queued, want 1 (the pinned one)", q)
	}
	dl, err := e.svc.OpenAsset(ctx, faultCaller, faultRef, "4.0", "a.bin")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(dl.Content)
	dl.Content.Close()
	if string(b) != "reused bytes" {
		t.Errorf("4.0 reads %q", b)
	}

	// The pin goes (the publish failed): the next run collects the bytes.
	if err := e.st.Write(ctx, func(tx store.Tx) error { return tx.Orphans().Unpin(ctx, pin) }); err != nil {
		t.Fatal(err)
	}
	e.svc.CollectOrphans(ctx)
	if e.stored(t, pinnedSHA) {
		t.Error("the digest is still stored after its pin went")
	}
	if q := e.queued(t); q != 0 {
		t.Errorf("%d digests still queued", q)
	}
}

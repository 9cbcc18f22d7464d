package service_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/artifactd/artifactd/internal/blob"
	blobfs "github.com/artifactd/artifactd/internal/blob/fs"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
	"github.com/artifactd/artifactd/internal/store/sqlite"
)

// gatedBlobs is a real blob store whose Deletes and Commits can be held at
// their start, to order a collector and a publish of the same bytes.
type gatedBlobs struct {
	blob.Store
	mu                   sync.Mutex
	deleting, committing chan string   // told the digest, when non-nil
	deleteGo, commitGo   chan struct{} // waited for, when non-nil
}

func (g *gatedBlobs) gates() (chan string, chan struct{}, chan string, chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.deleting, g.deleteGo, g.committing, g.commitGo
}

func (g *gatedBlobs) Delete(ctx context.Context, d string) error {
	if tell, wait, _, _ := g.gates(); tell != nil {
		tell <- d
		<-wait
	}
	return g.Store.Delete(ctx, d)
}

func (g *gatedBlobs) NewUpload(ctx context.Context) (blob.Upload, error) {
	u, err := g.Store.NewUpload(ctx)
	return gatedUpload{u, g}, err
}

type gatedUpload struct {
	blob.Upload
	g *gatedBlobs
}

func (u gatedUpload) Commit(ctx context.Context, d string) error {
	if _, _, tell, wait := u.g.gates(); tell != nil {
		tell <- d
		<-wait
	}
	return u.Upload.Commit(ctx, d)
}

// pinStores are the server's exclusive store and a shared one (as on
// PostgreSQL): a publish pins its bytes in the store's pin table on both.
var pinStores = map[string]func(context.Context, string) (store.Store, error){
	"exclusive": sqlite.OpenExclusive, "shared": sqlite.Open,
}

// newPinEnv is a Service over the given SQLite store and files.
func newPinEnv(t *testing.T, open func(context.Context, string) (store.Store, error)) (*service.Service, store.Store, *gatedBlobs) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := open(ctx, filepath.Join(dir, "db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fs, err := blobfs.New(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	bs := &gatedBlobs{Store: fs}
	// Pins protect bytes uploaded to the blob store: keep every asset
	// there (bytes kept inline need no pin; see inline_test.go).
	limits := service.DefaultLimits()
	limits.InlineBlobBytes = 0
	svc := service.New(st, bs, limits, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if _, err := svc.CreateDomain(ctx, faultCaller, "faults", "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRepository(ctx, faultCaller, "faults", "", "repo", "", nil, nil); err != nil {
		t.Fatal(err)
	}
	return svc, st, bs
}

func publishBytes(svc *service.Service, version string, data []byte) error {
	_, err := svc.PublishPackageVersion(context.Background(), faultCaller, faultRef, version,
		service.NewAsset{Name: "a.bin", Content: bytes.NewReader(data)}, false)
	return err
}

func readAsset(t *testing.T, svc *service.Service, version string) []byte {
	t.Helper()
	dl, err := svc.OpenAsset(context.Background(), faultCaller, faultRef, version, "a.bin")
	if err != nil {
		t.Fatalf("open %s: %v", version, err)
	}
	defer dl.Content.Close()
	b, err := io.ReadAll(dl.Content)
	if err != nil {
		t.Fatalf("read %s: %v", version, err)
	}
	return b
}

// TestPublishDuringCollection: a digest queued for collection is being
// deleted by the collector when a publish of the same bytes starts. The
// publish's pin (a write transaction) waits for the
// collector's delete, so its bytes are committed after it, and the version
// it records can be read.
func TestPublishDuringCollection(t *testing.T) {
	for name, open := range pinStores {
		t.Run(name, func(t *testing.T) { testPublishDuringCollection(t, open) })
	}
}

func testPublishDuringCollection(t *testing.T, open func(context.Context, string) (store.Store, error)) {
	ctx := context.Background()
	svc, _, bs := newPinEnv(t, open)
	data := []byte("bytes deleted and published again")
	if err := publishBytes(svc, "1.0", data); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePackageVersions(ctx, faultCaller, faultRef, []string{"1.0"}, ""); err != nil {
		t.Fatal(err)
	}
	deleting, deleteGo := make(chan string, 1), make(chan struct{})
	bs.mu.Lock()
	bs.deleting, bs.deleteGo = deleting, deleteGo
	bs.mu.Unlock()
	collected := make(chan struct{})
	go func() { defer close(collected); svc.CollectOrphans(ctx) }()
	<-deleting // the collector found the digest unpinned and unreferenced
	published := make(chan error, 1)
	go func() { published <- publishBytes(svc, "2.0", data) }()
	select {
	case err := <-published:
		t.Fatalf("the publish finished (%v) while the collector was deleting its bytes", err)
	case <-time.After(200 * time.Millisecond): // it would commit its bytes meanwhile if it could
	}
	close(deleteGo)
	<-collected
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	if got := readAsset(t, svc, "2.0"); !bytes.Equal(got, data) {
		t.Errorf("2.0 reads %q", got)
	}
}

// TestCollectionDuringPublish: the collector runs while a publish has
// pinned a queued digest and is committing its bytes: the
// bytes stay, and once the version references them the next run dequeues
// the digest without deleting them.
func TestCollectionDuringPublish(t *testing.T) {
	for name, open := range pinStores {
		t.Run(name, func(t *testing.T) { testCollectionDuringPublish(t, open) })
	}
}

func testCollectionDuringPublish(t *testing.T, open func(context.Context, string) (store.Store, error)) {
	ctx := context.Background()
	svc, st, bs := newPinEnv(t, open)
	data := []byte("bytes published while collected")
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if err := publishBytes(svc, "1.0", data); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DeletePackageVersions(ctx, faultCaller, faultRef, []string{"1.0"}, ""); err != nil {
		t.Fatal(err)
	}
	committing, commitGo := make(chan string, 1), make(chan struct{})
	bs.mu.Lock()
	bs.committing, bs.commitGo = committing, commitGo
	bs.mu.Unlock()
	published := make(chan error, 1)
	go func() { published <- publishBytes(svc, "2.0", data) }()
	<-committing // pinned, bytes not yet committed
	svc.CollectOrphans(ctx)
	if _, err := bs.Stat(ctx, sha); err != nil {
		t.Fatalf("the collector deleted the bytes of a pinned digest: %v", err)
	}
	queued := func() int {
		var n int
		if err := st.Read(ctx, func(tx store.Tx) (err error) { n, err = tx.Orphans().CountQueued(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if q := queued(); q != 1 {
		t.Errorf("%d digests queued, want the pinned one", q)
	}
	bs.mu.Lock()
	bs.committing, bs.commitGo = nil, nil
	bs.mu.Unlock()
	close(commitGo)
	if err := <-published; err != nil {
		t.Fatal(err)
	}
	svc.CollectOrphans(ctx)
	if q := queued(); q != 0 {
		t.Errorf("%d digests queued after the version referenced the bytes", q)
	}
	if got := readAsset(t, svc, "2.0"); !bytes.Equal(got, data) {
		t.Errorf("2.0 reads %q", got)
	}
}

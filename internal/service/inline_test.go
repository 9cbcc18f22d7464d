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

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/service"
	"github.com/artifactd/artifactd/internal/store"
)

// inlineFixture is a service keeping assets of up to 16 bytes in the
// database, over real SQLite and files.
func newInlineFixture(t *testing.T) *fsckFixture { return newFsckFixture(t, 16) }

// readVersion returns the bytes of version's a.bin.
func (f *fsckFixture) readVersion(t *testing.T, version string) []byte {
	t.Helper()
	dl, err := f.svc.OpenAsset(context.Background(), fsckCaller, fsckRef, version, "a.bin")
	if err != nil {
		t.Fatalf("open %s: %v", version, err)
	}
	defer dl.Content.Close()
	if dl.Content.Size() != dl.Asset.Size {
		t.Errorf("%s: object of %d bytes, asset says %d", version, dl.Content.Size(), dl.Asset.Size)
	}
	b, err := io.ReadAll(dl.Content)
	if err != nil {
		t.Fatalf("read %s: %v", version, err)
	}
	return b
}

// blobFiles lists the files under the blob folder (uploads in progress
// included).
func (f *fsckFixture) blobFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(f.blobs, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, filepath.Base(p))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func (f *fsckFixture) pins(t *testing.T) int {
	t.Helper()
	var n int
	if err := f.st.Read(context.Background(), func(tx store.Tx) (err error) {
		n, _, err = tx.Orphans().CountPins(context.Background(), time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// A publish keeps an asset of up to the inline size in the database, in
// its one write transaction (no pin, no file); a larger one goes to the
// blob store as before. Both read back exactly.
func TestInlinePublish(t *testing.T) {
	f := newInlineFixture(t)
	cases := []struct {
		version string
		data    []byte
		inline  bool
	}{
		{"1.0", []byte{}, true},
		{"1.1", []byte("sixteen bytes..."), true},
		{"1.2", []byte("seventeen bytes.."), false},
		{"1.3", bytes.Repeat([]byte{0, 1, 2, 0xff}, 100_000), false},
	}
	for _, c := range cases {
		f.publish(t, c.version, c.data)
		d := digestOf(c.data)
		_, err := os.Stat(f.path(d))
		if inFile := err == nil; inFile == c.inline {
			t.Errorf("%s (%d bytes): file present %v, want %v", c.version, len(c.data), inFile, !c.inline)
		}
		if got := storedInline(t, f.st, d); got != c.inline {
			t.Errorf("%s (%d bytes): inline %v, want %v", c.version, len(c.data), got, c.inline)
		}
		if got := f.readVersion(t, c.version); !bytes.Equal(got, c.data) {
			t.Errorf("%s reads %d bytes, want %d", c.version, len(got), len(c.data))
		}
	}
	if n := f.pins(t); n != 0 {
		t.Errorf("%d pins left", n)
	}
	if files := f.blobFiles(t); len(files) != 2 {
		t.Errorf("blob files %v, want the two large assets'", files)
	}
}

// A publish that fails keeps nothing of its inline bytes: the asset's
// conflict rolls back the row with the rest.
func TestInlinePublishFailure(t *testing.T) {
	f := newInlineFixture(t)
	f.publish(t, "1.0", []byte("first"))
	_, err := f.svc.PublishPackageVersion(context.Background(), fsckCaller, fsckRef, "1.0",
		service.NewAsset{Name: "a.bin", Content: strings.NewReader("second")}, false)
	if !errors.Is(err, domain.ErrConflict) {
		t.Fatalf("re-publish with other bytes: %v, want a conflict", err)
	}
	if storedInline(t, f.st, digestOf([]byte("second"))) {
		t.Error("the refused publish's bytes are kept")
	}
	_, err = f.svc.PublishPackageVersion(context.Background(), fsckCaller, fsckRef, "2.0",
		service.NewAsset{Name: "a.bin", Content: strings.NewReader("third"), SHA256: digestOf([]byte("other"))}, false)
	if !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("publish with a wrong digest: %v, want a validation error", err)
	}
	if storedInline(t, f.st, digestOf([]byte("third"))) {
		t.Error("the bytes of a publish with a wrong digest are kept")
	}
	if got := f.readVersion(t, "1.0"); string(got) != "first" {
		t.Errorf("1.0 reads %q", got)
	}
}

// Bytes stay readable when the inline size changes between runs: a
// service that would keep them elsewhere finds them where they are.
func TestInlineSizeChanges(t *testing.T) {
	f := newInlineFixture(t)
	small, large := []byte("small"), bytes.Repeat([]byte("large "), 100)
	f.publish(t, "1.0", small)
	f.publish(t, "2.0", large)
	for _, inline := range []int64{0, 1 << 20} {
		limits := service.DefaultLimits()
		limits.InlineBlobBytes = inline
		g := *f
		g.svc = service.New(f.st, f.bs, limits, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		if got := g.readVersion(t, "1.0"); !bytes.Equal(got, small) {
			t.Errorf("inline size %d: 1.0 reads %q", inline, got)
		}
		if got := g.readVersion(t, "2.0"); !bytes.Equal(got, large) {
			t.Errorf("inline size %d: 2.0 reads %d bytes", inline, len(got))
		}
	}
}

// Fsck sees inline blobs as stored objects: a healthy mix (inline, files,
// a digest in both places) has no problem; an inline row that is missing,
// has other bytes, other size, or nothing referencing it is reported like
// a file would be, and a repair collects the unreferenced one.
func TestInlineFsck(t *testing.T) {
	defer service.SetFsckPage(2)()
	ctx := context.Background()
	f := newInlineFixture(t)
	lost, rotten, short, both := []byte("lost"), []byte("rotten"), []byte("short"), []byte("in both")
	large := []byte("bytes larger than sixteen")
	for i, b := range [][]byte{lost, rotten, short, both, large} {
		f.publish(t, fmt.Sprintf("%d.0", i), b)
	}
	f.put(t, both) // the same digest in the blob store too
	r := f.fsck(t, service.FsckOptions{VerifyBytes: true})
	if r.Problems() != 0 || r.Referenced != 5 || r.Blobs != 5 || r.Verified != 5 {
		t.Fatalf("healthy installation: %+v", r)
	}

	stray := []byte("stray")
	if err := f.st.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.InlineBlobs().Delete(ctx, digestOf(lost)); err != nil {
			return err
		}
		if _, err := tx.InlineBlobs().Delete(ctx, digestOf(rotten)); err != nil {
			return err
		}
		if err := tx.InlineBlobs().Put(ctx, digestOf(rotten), []byte("ROTTEN")); err != nil {
			return err
		}
		if _, err := tx.InlineBlobs().Delete(ctx, digestOf(short)); err != nil {
			return err
		}
		if err := tx.InlineBlobs().Put(ctx, digestOf(short), []byte("sho")); err != nil {
			return err
		}
		return tx.InlineBlobs().Put(ctx, digestOf(stray), stray)
	}); err != nil {
		t.Fatal(err)
	}
	r = f.fsck(t, service.FsckOptions{VerifyBytes: true})
	wantIssues(t, "missing", r.Missing, digestOf(lost))
	wantIssues(t, "corrupt", r.Corrupt, digestOf(rotten))
	wantIssues(t, "wrong size", r.WrongSize, digestOf(short))
	wantIssues(t, "unreferenced", r.Unreferenced, digestOf(stray))
	if r.Problems() != 4 {
		t.Errorf("%d problems, want 4: %+v", r.Problems(), r)
	}

	r = f.fsck(t, service.FsckOptions{Repair: true})
	if r.Collected != 1 || storedInline(t, f.st, digestOf(stray)) {
		t.Errorf("repair collected %d, stray row kept %v", r.Collected, storedInline(t, f.st, digestOf(stray)))
	}
	if got := f.readVersion(t, "3.0"); !bytes.Equal(got, both) {
		t.Errorf("3.0 reads %q after the repair", got)
	}
}

// Publishes, deletes and collections of the same small bytes race (each
// a write transaction: the collector deletes a row only where it finds
// the digest unreferenced): every version that exists at the end reads its
// bytes, and once everything is deleted and collected nothing is left.
func TestInlineCollectRace(t *testing.T) {
	ctx := context.Background()
	f := newInlineFixture(t)
	data := []byte("racing bytes")
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				v := fmt.Sprintf("%d.%d", w, i)
				if _, err := f.svc.PublishPackageVersion(ctx, fsckCaller, fsckRef, v,
					service.NewAsset{Name: "a.bin", Content: bytes.NewReader(data)}, false); err != nil {
					errs <- err
					return
				}
				if i%2 == 0 {
					if _, err := f.svc.DeletePackageVersions(ctx, fsckCaller, fsckRef, []string{v}, ""); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 30 {
			f.svc.CollectOrphans(ctx)
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f.svc.CollectOrphans(ctx)
	for w := range 3 {
		for i := 1; i < 20; i += 2 {
			if got := f.readVersion(t, fmt.Sprintf("%d.%d", w, i)); !bytes.Equal(got, data) {
				t.Fatalf("%d.%d reads %q", w, i, got)
			}
		}
	}
	var rest []string
	for w := range 3 {
		for i := 1; i < 20; i += 2 {
			rest = append(rest, fmt.Sprintf("%d.%d", w, i))
		}
	}
	if _, err := f.svc.DeletePackageVersions(ctx, fsckCaller, fsckRef, rest, ""); err != nil {
		t.Fatal(err)
	}
	f.svc.CollectOrphans(ctx)
	if storedInline(t, f.st, digestOf(data)) {
		t.Error("the bytes are kept after every version went")
	}
}

package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/artifactd/artifactd/internal/blob"
	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// FsckOptions says what Fsck does besides checking.
type FsckOptions struct {
	// Repair deletes unreferenced blobs (through the collector, which
	// spares pinned and referenced ones) and drops expired pins.
	Repair bool
	// VerifyBytes reads every referenced blob and checks its SHA-256.
	VerifyBytes bool
}

// FsckMaxListed is how many blobs of each kind of problem a FsckReport
// lists; it counts them all.
const FsckMaxListed = 1000

// fsckMaxAssets is how many referencing assets a BlobIssue names.
const fsckMaxAssets = 10

// fsckPage is how many referenced digests, or inline blobs, Fsck reads per
// transaction (a variable for tests).
var fsckPage = 1000

// BlobIssue is one blob with a problem.
type BlobIssue struct {
	SHA256 string
	// Size is the object's size in the blob store (-1 when it is missing).
	Size int64
	// Recorded and RecordedMax are the smallest and largest sizes the
	// referencing assets record (they differ when the assets disagree).
	Recorded, RecordedMax int64
	// Actual is the SHA-256 of the object's bytes (Corrupt only).
	Actual string
	// Assets are (up to fsckMaxAssets of) the assets referencing the blob;
	// MoreAssets says there are more.
	Assets     []store.AssetRef
	MoreAssets bool
}

// BlobIssues counts the blobs with one kind of problem and lists the first
// FsckMaxListed of them.
type BlobIssues struct {
	Count int
	Bytes int64 // their total size in the blob store
	List  []BlobIssue
}

func (b *BlobIssues) add(i BlobIssue) {
	b.Count++
	if i.Size > 0 {
		b.Bytes += i.Size
	}
	if len(b.List) < FsckMaxListed {
		b.List = append(b.List, i)
	}
}

// FsckReport is what Fsck found and did.
type FsckReport struct {
	Referenced int   // distinct digests that assets reference
	Blobs      int   // objects in the blob store
	BlobBytes  int64 // their total size
	Verified   int   // referenced objects whose bytes were hashed

	// Missing are referenced blobs absent from the blob store; WrongSize
	// present with another size than their assets record (or assets that
	// disagree on it); Corrupt present with other bytes (VerifyBytes).
	// None of these can be repaired.
	Missing, WrongSize, Corrupt BlobIssues
	// Unreferenced are objects no asset references and no publish has
	// pinned; Collected says how many of them a repair deleted.
	Unreferenced BlobIssues
	Collected    int
	// InProgress counts unreferenced objects a publish has pinned: bytes
	// of an upload about to be referenced, not a problem.
	InProgress int

	// Queued is the length of the orphan queue when Fsck started (and
	// QueuedAfter when it ended): digests waiting for the collector.
	// A queued digest still referenced is fine; the collector dequeues it.
	Queued, QueuedAfter int
	// Pins are the publishes' pins when Fsck started; ExpiredPins those
	// older than PinLifetime (left by a crash), ExpiredPinsAfter those
	// still there when it ended (a repair drops them).
	Pins, ExpiredPins, ExpiredPinsAfter int

	// AssetSizeDrift are the domains whose kept asset size (DescribeDomain's
	// assetSizeBytes, a counter) or the per-digest counts behind it disagree
	// with their assets; Recounted says how many of them a repair recounted.
	AssetSizeDrift []store.AssetSizeDrift
	Recounted      int
}

// Problems counts what is still wrong after Fsck: missing, wrong-sized and
// corrupt blobs, unreferenced blobs not collected, expired pins not dropped.
func (r *FsckReport) Problems() int {
	return r.Missing.Count + r.WrongSize.Count + r.Corrupt.Count +
		r.Unreferenced.Count - r.Collected + r.ExpiredPinsAfter + len(r.AssetSizeDrift) - r.Recounted
}

// ErrCannotList is returned by Fsck when the blob store cannot list its
// objects (it is not a blob.Walker).
var ErrCannotList = errors.New("fsck: the blob store cannot list its objects")

// Fsck checks the invariants between the metadata and the blob store:
// every blob an asset references exists with the size the asset records
// (and, with VerifyBytes, the right SHA-256); every object in the blob
// store is referenced by an asset or pinned by a publish in progress; no
// pin has outlived PinLifetime. With Repair it drops expired pins, runs the
// collector over the orphan queue, and queues and collects unreferenced
// objects; missing or damaged bytes cannot be repaired, only reported.
//
// It streams through the referenced digests (keyset pages) and the blob
// store's listing (blob.Walker, ascending digest order) side by side, so
// its memory does not grow with the installation. It is safe while servers
// run on the same database: every suspected problem is checked again
// before it is reported (a concurrent publish or delete may have changed
// things since the listing), and bytes are deleted only by the collector,
// which checks references and pins in the same write transaction.
func (s *Service) Fsck(ctx context.Context, opt FsckOptions) (*FsckReport, error) {
	walker, ok := s.blobs.(blob.Walker)
	if !ok {
		return nil, ErrCannotList
	}
	r := &FsckReport{}
	expiry := func() (int, int, error) {
		var all, expired int
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			all, expired, err = tx.Orphans().CountPins(ctx, s.now().Add(-PinLifetime))
			return err
		})
		return all, expired, err
	}
	queued := func() (n int, err error) {
		err = s.store.Read(ctx, func(tx store.Tx) (err error) {
			n, err = tx.Orphans().CountQueued(ctx)
			return err
		})
		return n, err
	}
	var err error
	if r.Pins, r.ExpiredPins, err = expiry(); err != nil {
		return nil, err
	}
	if r.Queued, err = queued(); err != nil {
		return nil, err
	}
	if opt.Repair {
		// Drop expired pins and collect what is queued first, so that the
		// walk below only finds what the queue does not know about.
		if err := s.collectOrphans(ctx, new(CollectorRun)); err != nil {
			return nil, err
		}
	}

	refs := &refCursor{s: s}
	prev := ""
	err = s.walkAllBlobs(ctx, walker, func(d string, size int64) error {
		if d <= prev {
			return fmt.Errorf("fsck: the blob store listed %s after %s (want ascending digest order)", d, prev)
		}
		prev = d
		r.Blobs++
		r.BlobBytes += size
		// Referenced digests before d are missing from the blob store.
		for {
			ref, ok, err := refs.peek(ctx)
			if err != nil {
				return err
			}
			if !ok || ref.SHA256 >= d {
				break
			}
			refs.next()
			if err := s.fsckMissing(ctx, r, ref); err != nil {
				return err
			}
		}
		ref, ok, err := refs.peek(ctx)
		if err != nil {
			return err
		}
		if ok && ref.SHA256 == d {
			refs.next()
			return s.fsckPresent(ctx, r, ref, size, opt)
		}
		return s.fsckUnreferenced(ctx, r, d, size, opt)
	})
	if err != nil {
		return nil, err
	}
	for {
		ref, ok, err := refs.peek(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		refs.next()
		if err := s.fsckMissing(ctx, r, ref); err != nil {
			return nil, err
		}
	}
	r.Referenced = refs.seen

	if err := s.fsckAssetSizes(ctx, r, opt); err != nil {
		return nil, err
	}

	if _, r.ExpiredPinsAfter, err = expiry(); err != nil {
		return nil, err
	}
	if r.QueuedAfter, err = queued(); err != nil {
		return nil, err
	}
	return r, nil
}

// walkAllBlobs lists every stored object in ascending digest order: the
// blob store's (walker) merged with the database's inline blobs, read a
// page at a time beside the walk. A digest stored in both places is listed
// once, with the inline size when the two differ (either serves a
// download).
func (s *Service) walkAllBlobs(ctx context.Context, walker blob.Walker, fn func(d string, size int64) error) error {
	var page []store.BlobRef
	i, done := 0, false
	// peek returns the next inline blob, reading the next page as needed.
	peek := func() (store.BlobRef, bool, error) {
		if i < len(page) {
			return page[i], true, nil
		}
		if done {
			return store.BlobRef{}, false, nil
		}
		after := ""
		if len(page) > 0 {
			after = page[len(page)-1].SHA256
		}
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			page, err = tx.InlineBlobs().List(ctx, after, fsckPage)
			return err
		})
		if err != nil {
			return store.BlobRef{}, false, fmt.Errorf("fsck: listing inline blobs: %w", err)
		}
		i, done = 0, len(page) < fsckPage
		if len(page) == 0 {
			return store.BlobRef{}, false, nil
		}
		return page[0], true, nil
	}
	// inlineBefore emits the inline blobs before d ("" = all), and
	// reports the inline size of d itself when it is inline too.
	inlineBefore := func(d string) (int64, bool, error) {
		for {
			r, ok, err := peek()
			if err != nil || !ok {
				return 0, false, err
			}
			if d != "" && r.SHA256 > d {
				return 0, false, nil
			}
			i++
			if r.SHA256 == d {
				return r.Size, true, nil
			}
			if err := fn(r.SHA256, r.Size); err != nil {
				return 0, false, err
			}
		}
	}
	err := walker.Walk(ctx, func(d string, size int64) error {
		inlineSize, both, err := inlineBefore(d)
		if err != nil {
			return err
		}
		if both {
			size = inlineSize
		}
		return fn(d, size)
	})
	if err != nil {
		return err
	}
	_, _, err = inlineBefore("")
	return err
}

// statBlob returns the size of a digest's bytes wherever they are (the
// inline copy's when there are two); blob.ErrNotFound when nowhere.
func (s *Service) statBlob(ctx context.Context, d string) (int64, error) {
	var b []byte
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		b, err = tx.InlineBlobs().Get(ctx, d)
		return err
	})
	if err == nil {
		return int64(len(b)), nil
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return 0, err
	}
	return s.blobs.Stat(ctx, d)
}

// refCursor reads the referenced digests page by page.
type refCursor struct {
	s    *Service
	page []store.BlobRef
	i    int
	done bool
	seen int
}

// peek returns the next referenced digest without consuming it; ok is
// false at the end.
func (c *refCursor) peek(ctx context.Context) (store.BlobRef, bool, error) {
	if c.i < len(c.page) {
		return c.page[c.i], true, nil
	}
	if c.done {
		return store.BlobRef{}, false, nil
	}
	after := ""
	if len(c.page) > 0 {
		after = c.page[len(c.page)-1].SHA256
	}
	var page []store.BlobRef
	err := c.s.store.Read(ctx, func(tx store.Tx) (err error) {
		page, err = tx.Orphans().ListReferenced(ctx, after, fsckPage)
		return err
	})
	if err != nil {
		return store.BlobRef{}, false, fmt.Errorf("fsck: listing referenced blobs: %w", err)
	}
	c.page, c.i = page, 0
	c.done = len(page) < fsckPage
	if len(page) == 0 {
		return store.BlobRef{}, false, nil
	}
	return page[0], true, nil
}

func (c *refCursor) next() { c.i++; c.seen++ }

// assetsOf returns (up to fsckMaxAssets of) the assets referencing d.
func (s *Service) assetsOf(ctx context.Context, d string) (refs []store.AssetRef, more bool, err error) {
	err = s.store.Read(ctx, func(tx store.Tx) (err error) {
		refs, err = tx.Orphans().ReferencedBy(ctx, d, fsckMaxAssets+1)
		return err
	})
	if len(refs) > fsckMaxAssets {
		refs, more = refs[:fsckMaxAssets], true
	}
	return refs, more, err
}

// fsckMissing handles a referenced digest the listing did not show. It
// checks again: the object may have been committed since the walk passed
// it, or its last asset deleted (and the bytes collected) meanwhile.
func (s *Service) fsckMissing(ctx context.Context, r *FsckReport, ref store.BlobRef) error {
	size, err := s.statBlob(ctx, ref.SHA256)
	switch {
	case err == nil:
		if size == ref.Size && size == ref.MaxSize {
			return nil // committed meanwhile
		}
		return s.fsckWrongSize(ctx, r, ref, size)
	case errors.Is(err, blob.ErrNotFound), errors.Is(err, blob.ErrInvalidDigest):
	default:
		return fmt.Errorf("fsck: %w", err)
	}
	assets, more, err := s.assetsOf(ctx, ref.SHA256)
	if err != nil {
		return err
	}
	if len(assets) == 0 {
		return nil // no longer referenced
	}
	r.Missing.add(BlobIssue{SHA256: ref.SHA256, Size: -1, Recorded: ref.Size, RecordedMax: ref.MaxSize,
		Assets: assets, MoreAssets: more})
	return nil
}

func (s *Service) fsckWrongSize(ctx context.Context, r *FsckReport, ref store.BlobRef, size int64) error {
	assets, more, err := s.assetsOf(ctx, ref.SHA256)
	if err != nil || len(assets) == 0 {
		return err
	}
	r.WrongSize.add(BlobIssue{SHA256: ref.SHA256, Size: size, Recorded: ref.Size, RecordedMax: ref.MaxSize,
		Assets: assets, MoreAssets: more})
	return nil
}

// fsckPresent checks a referenced object's size and, when asked, bytes.
func (s *Service) fsckPresent(ctx context.Context, r *FsckReport, ref store.BlobRef, size int64, opt FsckOptions) error {
	if size != ref.Size || size != ref.MaxSize {
		return s.fsckWrongSize(ctx, r, ref, size)
	}
	if !opt.VerifyBytes {
		return nil
	}
	actual, err := s.hashBlob(ctx, ref.SHA256, ref.Size)
	if errors.Is(err, blob.ErrNotFound) {
		return s.fsckMissing(ctx, r, ref) // deleted since the listing
	}
	if err != nil {
		return err
	}
	r.Verified++
	if actual == ref.SHA256 {
		return nil
	}
	assets, more, err := s.assetsOf(ctx, ref.SHA256)
	if err != nil || len(assets) == 0 {
		return err
	}
	r.Corrupt.add(BlobIssue{SHA256: ref.SHA256, Size: size, Recorded: ref.Size, RecordedMax: ref.MaxSize,
		Actual: actual, Assets: assets, MoreAssets: more})
	return nil
}

// hashBlob returns the SHA-256 of an object's bytes.
func (s *Service) hashBlob(ctx context.Context, d string, size int64) (string, error) {
	o, err := s.openBlob(ctx, d, size)
	if err != nil {
		return "", err
	}
	defer o.Close()
	h := sha256.New()
	if _, err := io.Copy(h, o); err != nil {
		return "", fmt.Errorf("fsck: reading %s: %w", d, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// fsckUnreferenced handles an object no referenced digest matched. It
// checks again (a publish may have referenced it since the listing) and
// leaves pinned bytes alone; with Repair it queues the digest and runs the
// collector's own check-and-delete on it.
func (s *Service) fsckUnreferenced(ctx context.Context, r *FsckReport, d string, size int64, opt FsckOptions) error {
	var used, pinned bool
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		if used, err = tx.Orphans().Referenced(ctx, d); err != nil || used {
			return err
		}
		pinned, err = tx.Orphans().Pinned(ctx, d, s.now().Add(-PinLifetime))
		return err
	})
	if err != nil || used {
		return err
	}
	if pinned {
		r.InProgress++
		return nil
	}
	if !opt.Repair {
		r.Unreferenced.add(BlobIssue{SHA256: d, Size: size})
		return nil
	}
	if err := s.store.Write(ctx, func(tx store.Tx) error { return tx.Orphans().Queue(ctx, d) }); err != nil {
		return fmt.Errorf("fsck: queueing %s: %w", d, err)
	}
	dequeued, deleted, _, err := s.collectBatch(ctx, []string{d})
	switch {
	case err != nil:
		return fmt.Errorf("fsck: collecting %s: %w", d, err)
	case deleted == 1:
		r.Unreferenced.add(BlobIssue{SHA256: d, Size: size})
		r.Collected++
	case dequeued == 0: // pinned since the check: a publish is taking it
		r.InProgress++
	}
	// Dequeued but not deleted: referenced since the check.
	return nil
}

// fsckAssetSizes checks every domain's asset size counter against its
// assets and, with Repair, recounts the domains that disagree (each in a
// write transaction, which counts from the assets as they are then).
func (s *Service) fsckAssetSizes(ctx context.Context, r *FsckReport, opt FsckOptions) error {
	err := s.store.Read(ctx, func(tx store.Tx) (err error) {
		r.AssetSizeDrift, err = tx.Domains().CheckAssetSizes(ctx)
		return err
	})
	if err != nil || !opt.Repair {
		return err
	}
	for _, d := range r.AssetSizeDrift {
		if err := s.store.Write(ctx, func(tx store.Tx) error {
			return tx.Domains().RecountAssetSize(ctx, d.DomainID)
		}); err != nil {
			return err
		}
		r.Recounted++
	}
	return nil
}

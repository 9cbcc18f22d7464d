package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/store"
)

// PinLifetime is how long a publish's pin protects its bytes. A pin older
// than this was left by a crash: its digest goes to the collector.
const PinLifetime = 24 * time.Hour

// CollectBatch is how many queued digests the collector settles in one
// write transaction (one commit, one fsync, for up to this many blobs).
const CollectBatch = 100

// collectList is how many queued digests one listing reads; the collector
// settles them CollectBatch at a time.
const collectList = 500

// collectParallel bounds the byte deletes one batch runs at once (each can
// be a network round trip to an object store, and the batch holds the
// write transaction meanwhile).
const collectParallel = 8

// WakeCollector asks the background collector to run now. Operations that
// queue orphans call it after their transaction commits instead of
// collecting in the request; it never blocks, and wake-ups that arrive
// while one is pending coalesce into one run.
func (s *Service) WakeCollector() {
	select {
	case s.collectWake <- struct{}{}:
	default:
	}
}

// CollectorWake is the channel WakeCollector signals; the server's
// background collector selects on it.
func (s *Service) CollectorWake() <-chan struct{} { return s.collectWake }

// CollectOrphans deletes the bytes of queued blobs that no asset references
// and no publish has pinned. The server runs it in the background: at
// start-up, periodically, and whenever an operation that queued orphans
// wakes it (WakeCollector), so a crash between a delete and its collection
// leaves at most unreferenced bytes behind, never missing ones. It is safe
// to run on several nodes at once; the server runs it on one at a time.
func (s *Service) CollectOrphans(ctx context.Context) {
	var run CollectorRun
	err := s.collectOrphans(ctx, &run)
	if err != nil {
		s.log.Error("collecting orphaned blobs", "err", err)
	}
	run.Failed = err != nil
	s.obs.Collected(run)
}

// collectOrphans is CollectOrphans, returning the first error.
func (s *Service) collectOrphans(ctx context.Context, run *CollectorRun) error {
	if err := s.store.Write(ctx, func(tx store.Tx) error {
		return tx.Orphans().DropPinsBefore(ctx, s.now().Add(-PinLifetime))
	}); err != nil {
		return fmt.Errorf("dropping expired blob pins: %w", err)
	}
	for {
		var listed []store.Orphan
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			listed, err = tx.Orphans().List(ctx, collectList)
			return err
		})
		if err != nil {
			return fmt.Errorf("listing orphaned blobs: %w", err)
		}
		kept := 0
		for i := 0; i < len(listed); i += CollectBatch {
			chunk := listed[i:min(i+CollectBatch, len(listed))]
			digests := make([]string, len(chunk))
			for j, o := range chunk {
				digests[j] = o.SHA256
			}
			dequeued, deleted, bytes, err := s.collectBatch(ctx, digests)
			if err != nil {
				return fmt.Errorf("collecting orphaned blobs: %w", err)
			}
			run.Blobs += deleted
			run.Bytes += bytes
			kept += len(chunk) - dequeued
		}
		// Stop when the queue is drained or holds only pinned digests.
		if len(listed) < collectList || kept == len(listed) {
			return nil
		}
	}
}

// collectBatch settles queued digests in one write transaction, which
// excludes the publish transactions that pin and reference digests: a
// pinned digest is left queued; a referenced one is dequeued and keeps its
// bytes; any other loses its bytes (in the blob store, and in the
// database's inline blobs in the same transaction) and is then dequeued. Bytes go before
// the queue entries: if the commit then fails, the entries stay and a later
// run retries (deleting missing bytes is not an error).
func (s *Service) collectBatch(ctx context.Context, digests []string) (dequeued, deleted int, bytes int64, err error) {
	err = s.store.Write(ctx, func(tx store.Tx) error {
		dequeued, deleted, bytes = 0, 0, 0
		since := s.now().Add(-PinLifetime)
		var unused, settled []string
		for _, d := range digests {
			pinned, err := tx.Orphans().Pinned(ctx, d, since)
			if err != nil {
				return err
			}
			if pinned {
				continue
			}
			used, err := tx.Orphans().Referenced(ctx, d)
			if err != nil {
				return err
			}
			if !used {
				unused = append(unused, d)
			}
			settled = append(settled, d)
		}
		var err error
		if bytes, err = s.deleteBytes(ctx, unused); err != nil {
			return err
		}
		// Bytes kept in the database go in this transaction, with the
		// queue entries.
		for _, d := range unused {
			n, err := tx.InlineBlobs().Delete(ctx, d)
			if err != nil {
				return err
			}
			bytes += n
		}
		for _, d := range settled {
			if err := tx.Orphans().Remove(ctx, d); err != nil {
				return err
			}
		}
		dequeued, deleted = len(settled), len(unused)
		return nil
	})
	if err != nil {
		return 0, 0, 0, err
	}
	return dequeued, deleted, bytes, nil
}

// deleteBytes deletes the bytes of digests, collectParallel at a time, and
// returns the first error once all deletes have ended. When metrics are
// on, it also returns how many bytes went (a Stat before each Delete: one
// more round trip, in the background job only).
func (s *Service) deleteBytes(ctx context.Context, digests []string) (int64, error) {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		total int64
	)
	_, unobserved := s.obs.(noObserver)
	sem := make(chan struct{}, collectParallel)
	for _, d := range digests {
		sem <- struct{}{}
		wg.Add(1)
		go func(d string) {
			defer func() { <-sem; wg.Done() }()
			if !unobserved {
				if n, err := s.blobs.Stat(ctx, d); err == nil {
					mu.Lock()
					total += n
					mu.Unlock()
				}
			}
			if err := s.blobs.Delete(ctx, d); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("deleting blob %s: %w", d, err)
				}
				mu.Unlock()
			}
		}(d)
	}
	wg.Wait()
	return total, first
}

package service

import (
	"context"
	"fmt"
	"time"

	"github.com/artifactd/artifactd/internal/store"
)

// PinLifetime is how long a publish's pin protects its bytes. A pin older
// than this was left by a crash: its digest goes to the collector.
const PinLifetime = 24 * time.Hour

// CollectOrphans deletes the bytes of queued blobs that no asset references
// and no publish has pinned. Deletes run it right after they commit; the
// server also runs it at start-up and periodically, so a crash between a
// delete and its collection leaves at most unreferenced bytes behind, never
// missing ones. It is safe to run on several nodes at once.
func (s *Service) CollectOrphans(ctx context.Context) {
	if err := s.collectOrphans(ctx); err != nil {
		s.log.Error("collecting orphaned blobs", "err", err)
	}
}

// collectOrphans is CollectOrphans, returning the first error.
func (s *Service) collectOrphans(ctx context.Context) error {
	if err := s.store.Write(ctx, func(tx store.Tx) error {
		return tx.Orphans().DropPinsBefore(ctx, s.now().Add(-PinLifetime))
	}); err != nil {
		return fmt.Errorf("dropping expired blob pins: %w", err)
	}
	for {
		var batch []store.Orphan
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			batch, err = tx.Orphans().List(ctx, 500)
			return err
		})
		if err != nil {
			return fmt.Errorf("listing orphaned blobs: %w", err)
		}
		kept := 0
		for _, o := range batch {
			removed, _, err := s.collect(ctx, o.SHA256)
			if err != nil {
				return fmt.Errorf("collecting orphaned blob %s: %w", o.SHA256, err)
			}
			if !removed {
				kept++
			}
		}
		// Stop when the queue is drained or holds only pinned digests.
		if len(batch) < 500 || kept == len(batch) {
			return nil
		}
	}
}

// collect deletes one queued blob's bytes unless it is referenced or
// pinned, and dequeues it unless pinned. The check and the delete run in
// one write transaction, which excludes the publish transactions that pin
// and reference digests.
func (s *Service) collect(ctx context.Context, sha256 string) (dequeued, deleted bool, err error) {
	err = s.store.Write(ctx, func(tx store.Tx) error {
		pinned, err := tx.Orphans().Pinned(ctx, sha256, s.now().Add(-PinLifetime))
		if err != nil || pinned {
			dequeued, deleted = false, false
			return err
		}
		used, err := tx.Orphans().Referenced(ctx, sha256)
		if err != nil {
			return err
		}
		if !used {
			// Bytes go before the queue entry: if the commit then fails, the
			// entry stays and a later run retries.
			if err := s.blobs.Delete(ctx, sha256); err != nil {
				return err
			}
		}
		dequeued, deleted = true, !used
		return tx.Orphans().Remove(ctx, sha256)
	})
	return dequeued, deleted, err
}

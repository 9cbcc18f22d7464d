package service

import (
	"context"

	"github.com/artifactd/artifactd/internal/store"
)

// CollectOrphans deletes the bytes of queued blobs that no asset references
// any more. Deletes run it right after they commit; the server also runs it
// at start-up and periodically, so a crash between a delete and its
// collection leaves at most unreferenced bytes behind, never missing ones.
func (s *Service) CollectOrphans(ctx context.Context) {
	for {
		var batch []store.Orphan
		err := s.store.Read(ctx, func(tx store.Tx) (err error) {
			batch, err = tx.Orphans().List(ctx, 500)
			return err
		})
		if err != nil {
			s.log.Error("listing orphaned blobs", "err", err)
			return
		}
		for _, o := range batch {
			if err := s.collect(ctx, o.SHA256); err != nil {
				s.log.Error("collecting orphaned blob", "sha256", o.SHA256, "err", err)
				return
			}
		}
		if len(batch) < 500 {
			return
		}
	}
}

// collect removes one blob if nothing references it, and dequeues it.
func (s *Service) collect(ctx context.Context, sha256 string) error {
	unlock := s.lockBlob(sha256)
	defer unlock()
	return s.store.Write(ctx, func(tx store.Tx) error {
		used, err := tx.Orphans().Referenced(ctx, sha256)
		if err != nil {
			return err
		}
		if !used {
			// Bytes go before the queue entry: if the commit then fails, the
			// entry stays and a later run retries; nothing references them.
			if err := s.blobs.Delete(ctx, sha256); err != nil {
				return err
			}
		}
		return tx.Orphans().Remove(ctx, sha256)
	})
}

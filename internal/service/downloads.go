package service

import (
	"context"
	"sync"
	"time"

	"github.com/artifactd/artifactd/internal/domain"
	"github.com/artifactd/artifactd/internal/store"
)

// Download times: every asset a client downloads (any format's data plane,
// GetPackageVersionAsset) marks its version downloaded now. A download
// never writes to the store itself: the time goes into a map in memory
// (version ID -> latest time, one mutex, no allocation once the version is
// in it), and RunDownloadFlusher writes the map every few seconds in one
// transaction (Versions.RecordDownloads: each row only moves forward, so
// nodes flushing at once are safe). Memory is bounded: a map holding
// DownloadBatch versions wakes the flusher at once, and one holding twice
// that (the flusher behind, or not running) is written by the download
// that fills it.
//
// A download is recorded when its bytes are opened for a version that is
// Published or Unlisted (the statuses every format serves); a download
// refused later (a format serving Published versions only) still counts,
// which keeps a version, never removes one. Files fetched through an
// external connection while the client waits are not recorded: the
// version they make is new, and its publish time counts as its last use.

// DownloadBatch is how many versions the map of download times holds
// before the flusher is woken early.
const DownloadBatch = 10000

type downloads struct {
	mu    sync.Mutex
	times map[int64]int64 // version ID -> Unix ns of its latest download
	wake  chan struct{}   // the flusher's early wake-up (buffered: wake-ups coalesce)
	batch int             // DownloadBatch (tests make it smaller)
}

func newDownloads() downloads {
	return downloads{times: map[int64]int64{}, wake: make(chan struct{}, 1), batch: DownloadBatch}
}

// recordDownload notes that v was downloaded now (the hot path).
func (s *Service) recordDownload(ctx context.Context, v domain.PackageVersion) {
	if v.ID == 0 || (v.Status != domain.StatusPublished && v.Status != domain.StatusUnlisted) {
		return
	}
	ns := s.now().UnixNano()
	d := &s.downloads
	d.mu.Lock()
	old, ok := d.times[v.ID]
	if !ok || ns > old {
		d.times[v.ID] = ns
	}
	n := len(d.times)
	var full map[int64]int64
	if n >= 2*d.batch {
		full, d.times = d.times, make(map[int64]int64, d.batch)
	}
	d.mu.Unlock()
	switch {
	case full != nil:
		// The flusher is behind or not running: this download writes
		// the batch (one in 2*batch distinct versions' downloads).
		if err := s.writeDownloads(ctx, full); err != nil {
			s.log.Warn("recording download times", "versions", len(full), "err", err)
		}
	case n == d.batch && !ok:
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// FlushDownloads writes the download times gathered since the last flush,
// in one transaction. On failure they are kept for the next flush (as
// many as the map has room for).
func (s *Service) FlushDownloads(ctx context.Context) error {
	d := &s.downloads
	d.mu.Lock()
	m := d.times
	if len(m) == 0 {
		d.mu.Unlock()
		return nil
	}
	d.times = make(map[int64]int64, min(len(m), d.batch))
	d.mu.Unlock()
	return s.writeDownloads(ctx, m)
}

func (s *Service) writeDownloads(ctx context.Context, m map[int64]int64) error {
	batch := make(map[int64]time.Time, len(m))
	for id, ns := range m {
		batch[id] = time.Unix(0, ns).UTC()
	}
	err := s.store.Write(ctx, func(tx store.Tx) error { return tx.Versions().RecordDownloads(ctx, batch) })
	if err != nil {
		d := &s.downloads
		d.mu.Lock()
		for id, ns := range m {
			if len(d.times) >= d.batch {
				break
			}
			if old, ok := d.times[id]; !ok || ns > old {
				d.times[id] = ns
			}
		}
		d.mu.Unlock()
	}
	return err
}

// DefaultDownloadFlush is how often RunDownloadFlusher writes by default.
const DefaultDownloadFlush = 5 * time.Second

// RunDownloadFlusher writes the download times every interval (<= 0:
// DefaultDownloadFlush), and as soon as DownloadBatch versions wait, until
// ctx ends; then it writes what is left (within a few seconds) and
// returns. Every node runs one: each writes the downloads it served.
func (s *Service) RunDownloadFlusher(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultDownloadFlush
	}
	d := &s.downloads
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			if err := s.FlushDownloads(final); err != nil {
				s.log.Warn("recording download times at shutdown", "err", err)
			}
			cancel()
			return
		case <-t.C:
		case <-d.wake:
		}
		if err := s.FlushDownloads(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("recording download times", "err", err)
		}
	}
}
